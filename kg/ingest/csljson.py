"""CSL-JSON, the citeproc format of Zotero's "CSL JSON" export: an array of items.

An item holds `title`, `abstract`, `DOI`, `URL`, `issued` (`{"date-parts": [[2021, 5, 3]]}`, or a
`raw`/`literal` date) and `author` (`{"family", "given"}` or `{"literal"}`).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kg.ingest.records import as_list, log, make_paper
from kg.ingest.tabular import json_records
from kg.model import Paper, Source


def issued_year(issued: object) -> object:
    """The year of a CSL date: the first date-part, else its raw or literal text."""
    if not isinstance(issued, dict):
        return issued if isinstance(issued, (str, int)) else None
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        year = parts[0][0]
        if isinstance(year, int) or (isinstance(year, str) and year.strip().isdigit()):
            return int(year)
    return issued.get("raw") or issued.get("literal") or issued.get("season")


def author_name(author: object) -> str:
    if isinstance(author, str):
        return author
    if not isinstance(author, dict):
        return ""
    if isinstance(author.get("literal"), str):
        return author["literal"]
    # text parts only: an array there went in as its repr ("['s'] Crane")
    return " ".join(author[k] for k in ("given", "non-dropping-particle", "family") if isinstance(author.get(k), str))


def paper_from_item(item: object, source: Source) -> Paper | None:
    if not isinstance(item, dict):
        log.warning("%s: skipped, not a CSL-JSON item", source)
        return None
    note = str(item.get("note") or "")
    pmid = item.get("PMID") or next(
        (line.split(":", 1)[1] for line in note.splitlines() if line.upper().startswith("PMID:")), None)
    return make_paper(
        source,
        title=item.get("title"),
        abstract=item.get("abstract"),
        url=item.get("URL"),
        year=issued_year(item.get("issued")),
        authors=[author_name(a) for a in as_list(item.get("author")) if author_name(a)],
        doi=item.get("DOI"),
        pmid=pmid,
    )


def read(path: Path) -> Iterator[Paper]:
    for item, source in json_records(path, "items"):
        paper = paper_from_item(item, source)
        if paper:
            yield paper
