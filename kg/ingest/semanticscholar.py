"""Semantic Scholar Graph API paper objects: a search page (`{"data": [...]}`), a batch response
(a JSON array, with `null` for ids it did not find), or JSON Lines of paper objects.

Fields read: `title`, `abstract`, `year`, `url`, `authors[].name`, and `externalIds` (`DOI`,
`ArXiv`, `PubMed`), so the same paper read from another source is recognised as one.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kg.ingest.records import as_list, log, make_paper
from kg.ingest.tabular import json_records
from kg.model import Paper, Source


def paper_from_object(obj: object, source: Source) -> Paper | None:
    if obj is None:  # a batch response holds null for an id it does not know
        return None
    if not isinstance(obj, dict):
        log.warning("%s: skipped, not a Semantic Scholar paper object", source)
        return None
    ids = obj.get("externalIds") if isinstance(obj.get("externalIds"), dict) else {}
    authors = [a["name"] for a in as_list(obj.get("authors")) if isinstance(a, dict) and isinstance(a.get("name"), str)]
    return make_paper(
        source,
        title=obj.get("title"),
        abstract=obj.get("abstract"),
        url=obj.get("url"),
        year=obj.get("year") or obj.get("publicationDate"),
        authors=authors,
        arxiv_id=ids.get("ArXiv"),
        doi=ids.get("DOI"),
        pmid=ids.get("PubMed"),
    )


def read(path: Path) -> Iterator[Paper]:
    for obj, source in json_records(path, "data"):
        paper = paper_from_object(obj, source)
        if paper:
            yield paper
