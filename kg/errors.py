"""Errors that end a command with one clear line naming the file and the record or line."""
from __future__ import annotations


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
        super().__init__(f"{where}: {message}")
