"""Errors that end a command with one clear line naming the file and the record or line."""
from __future__ import annotations

import unicodedata


def one_line(text: str) -> str:
    """`text` with line breaks and other control characters escaped (\\n, \\x00): messages quote
    input, and input can hold anything, but an error stays one line."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in text
    )


def did_you_mean(word: str, choices) -> str:
    """' (did you mean X?)' for the closest of `choices` to a misspelt `word`, or ''."""
    import difflib

    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


class KgError(Exception):
    """Any error kg reports to the user as one line, without a traceback."""


class InputError(KgError):
    """An input file (or one record of it) that cannot be read."""

    def __init__(self, path: str, message: str, *, line: int | None = None, record: int | None = None):
        self.path, self.line, self.record, self.reason = str(path), line, record, message
        where = self.path
        if line is not None:
            where += f":{line}"
        elif record is not None:
            where += f" [record {record}]"
        super().__init__(one_line(f"{where}: {message}"))
