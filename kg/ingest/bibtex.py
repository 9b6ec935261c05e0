"""BibTeX entries with an `abstract` field (bibtexparser), LaTeX markup removed."""
from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import bibtexparser
from bibtexparser.bparser import BibTexParser
from bibtexparser.latexenc import latex_to_unicode

from kg.errors import InputError
from kg.ingest.records import log, make_paper, read_text
from kg.model import Paper, Source

# the start of an entry as written: `@article{key,` at the start of a line
_ENTRY = re.compile(r"^[ \t]*@[ \t]*(\w+)[ \t]*[{(][ \t]*([^,\s]*)", re.M)
_NOT_ENTRIES = {"comment", "string", "preamble"}
_COMMAND = re.compile(r"\\(?:emph|textit|textbf|texttt|mathrm|mathbf|text|url)\{([^{}]*)\}")


def detex(value: str | None) -> str:
    if not value:
        return ""
    value = _COMMAND.sub(r"\1", value)
    try:
        value = latex_to_unicode(value)
    except Exception:  # latexenc is best effort; keep the raw text rather than fail a paper
        pass
    value = _COMMAND.sub(r"\1", value)
    value = re.sub(r"\\[a-zA-Z]+\s?", "", value)  # any other command: keep its argument, drop its name
    return value.replace("{", "").replace("}", "").replace("~", " ").replace("\\&", "&").replace("\\%", "%")


def read(path: Path) -> Iterator[Paper]:
    text = read_text(path)
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False, interpolate_strings=True)
    try:
        database = bibtexparser.loads(text, parser=parser)
    except Exception as exc:  # the parser raises assorted errors on malformed input
        raise InputError(str(path), f"malformed BibTeX ({type(exc).__name__}: {str(exc)[:80]})") from None
    if not database.entries:
        raise InputError(str(path), "no BibTeX entries found")
    written = _WrittenEntries(text, path)
    for number, entry in enumerate(database.entries, 1):
        key = entry.get("ID", f"#{number}")
        line = written.line_of(key)
        where = Source(str(path), line=line) if line else Source(str(path), record=number)
        if not entry.get("abstract"):
            log.warning("%s: skipped entry %s, no abstract field", where, key)
            continue
        eprint = entry.get("eprint") or (entry.get("journal", "") if "arxiv" in entry.get("journal", "").lower() else None)
        if eprint:
            m = re.search(r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+/\d{7})", eprint)
            eprint = m.group(1) if m else None
        paper = make_paper(
            where,
            title=detex(entry.get("title")),
            abstract=detex(entry.get("abstract")),
            url=entry.get("url"),
            year=entry.get("year"),
            authors=[detex(a).strip() for a in re.split(r"\s+and\s+", entry.get("author", "")) if a.strip()],
            arxiv_id=eprint,
            doi=entry.get("doi"),
        )
        if paper:
            yield paper
    written.skip_to(len(written.entries))  # those after the last entry read


class _WrittenEntries:
    """The entries as written in the text (key and line), in order. bibtexparser drops a malformed
    entry without a word: the written entries passed over on the way to the next entry it read are
    those, and each is warned about with its line."""

    def __init__(self, text: str, path: Path) -> None:
        self.path, self.entries, self.next = path, [], 0
        self.at: dict[str, deque[int]] = {}  # key -> indexes of the entries written with it
        line, last = 1, 0
        for match in _ENTRY.finditer(text):
            line += text.count("\n", last, match.start())
            last = match.start()
            if match.group(1).lower() not in _NOT_ENTRIES:
                self.at.setdefault(match.group(2), deque()).append(len(self.entries))
                self.entries.append((match.group(2), line))

    def line_of(self, key: str) -> int | None:
        """The line of the next entry written with this key (None: one the scan did not see, as an
        entry that does not start a line), warning about the entries passed over."""
        indexes = self.at.get(key, deque())
        while indexes and indexes[0] < self.next:
            indexes.popleft()
        if not indexes:
            return None
        self.skip_to(indexes[0])
        self.next = indexes.popleft() + 1
        return self.entries[self.next - 1][1]

    def skip_to(self, end: int) -> None:
        for key, line in self.entries[self.next:end]:
            log.warning("%s:%d: skipped entry %s, malformed BibTeX (an unclosed brace, a missing comma or "
                        "quotes?)", self.path, line, key or "without a key")
        self.next = max(self.next, end)
