"""OpenAlex work records: JSON Lines, an API response ({"results": [...]}) or a single work.

The abstract comes as `abstract_inverted_index` (word -> positions) and is rebuilt in order.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kg.ingest.records import as_list, log, make_paper
from kg.ingest.tabular import json_records
from kg.model import Paper, Source


def rebuild_abstract(index: object) -> str:
    if not isinstance(index, dict):
        return ""
    positions: list[tuple[int, str]] = []
    for word, places in index.items():
        if isinstance(places, list):
            positions += [(p, str(word)) for p in places if isinstance(p, int)]
    return " ".join(word for _, word in sorted(positions))


def _object(value: object) -> dict:
    """`value` when it is a JSON object, else {}: a string or a list where a work has an object (an
    author given by name) ended the build in an AttributeError traceback."""
    return value if isinstance(value, dict) else {}


def _arxiv_id(work: dict) -> str | None:
    ids = _object(work.get("ids"))
    for value in [ids.get("arxiv")] + [
        loc.get("landing_page_url") for loc in as_list(work.get("locations")) if isinstance(loc, dict)
    ]:
        if isinstance(value, str) and "arxiv.org/abs/" in value:
            return value
    return None


def paper_from_work(work: object, source: Source) -> Paper | None:
    if not isinstance(work, dict):
        log.warning("%s: skipped, not an OpenAlex work object", source)
        return None
    authors = [_object(_object(a).get("author")).get("display_name") for a in as_list(work.get("authorships"))]
    authors = [a for a in authors if isinstance(a, str)]  # (an object there went in as its repr)
    return make_paper(
        source,
        title=work.get("display_name") or work.get("title"),
        abstract=rebuild_abstract(work.get("abstract_inverted_index")),
        url=work.get("doi") or work.get("id"),
        year=work.get("publication_year"),
        authors=authors,
        arxiv_id=_arxiv_id(work),
        doi=work.get("doi"),
    )


def read(path: Path) -> Iterator[Paper]:
    for work, source in json_records(path, "results"):
        paper = paper_from_work(work, source)
        if paper:
            yield paper
