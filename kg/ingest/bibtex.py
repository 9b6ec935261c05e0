"""BibTeX entries with an `abstract` field (bibtexparser), LaTeX markup removed."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import bibtexparser
from bibtexparser.bparser import BibTexParser
from bibtexparser.latexenc import latex_to_unicode

from kg.errors import InputError
from kg.ingest.records import log, make_paper, read_text
from kg.model import Paper, Source

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
    for index, entry in enumerate(database.entries):
        key = entry.get("ID", f"#{index}")
        if not entry.get("abstract"):
            log.warning("%s: skipped entry %s, no abstract field", path, key)
            continue
        eprint = entry.get("eprint") or (entry.get("journal", "") if "arxiv" in entry.get("journal", "").lower() else None)
        if eprint:
            m = re.search(r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+/\d{7})", eprint)
            eprint = m.group(1) if m else None
        paper = make_paper(
            Source(str(path), record=index),
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
