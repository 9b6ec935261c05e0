"""arXiv inputs: API Atom feeds (parsed with defusedxml) and the metadata snapshot (JSON Lines)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from xml.etree.ElementTree import ParseError

from kg.errors import InputError
from kg.ingest.records import log, make_paper, read_text
from kg.ingest.tabular import json_lines
from kg.model import Paper, Source

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"


def read_atom(path: Path) -> Iterator[Paper]:
    text = read_text(path)
    try:
        root = fromstring(text.encode("utf-8"))
    except DefusedXmlException as exc:
        raise InputError(str(path), f"refused: XML entities and DTDs are not allowed ({type(exc).__name__})") from None
    except ParseError as exc:
        line, column = exc.position
        raise InputError(str(path), f"malformed XML at column {column}: {exc.msg if hasattr(exc, 'msg') else exc}", line=line) from None
    if root.tag != f"{ATOM}feed":
        raise InputError(str(path), f"not an Atom feed (root element {root.tag})")
    for number, entry in enumerate(root.iter(f"{ATOM}entry"), 1):
        def get(tag: str, ns: str = ATOM) -> str | None:
            node = entry.find(f"{ns}{tag}")
            return node.text if node is not None else None

        ident = get("id") or ""
        arxiv_id = ident if "arxiv.org/abs/" in ident else None
        links = [l.get("href") for l in entry.findall(f"{ATOM}link") if l.get("rel") in (None, "alternate")]
        categories = [c.get("term") for c in entry.findall(f"{ATOM}category") if c.get("term")]
        paper = make_paper(
            Source(str(path), record=number),
            title=get("title"),
            abstract=get("summary"),
            url=links[0] if links else (ident or None),
            year=get("published"),
            authors=[n.text for n in entry.findall(f"{ATOM}author/{ATOM}name") if n.text],
            arxiv_id=arxiv_id,
            doi=get("doi", ARXIV),
            categories=categories,
        )
        if paper:
            yield paper


def _first_version_year(record: dict) -> object:
    """The year of the first version ("created" of versions[0], "Mon, 2 Apr 2007 19:18:42 GMT"):
    `update_date` is the date of the latest version, years later for some papers."""
    versions = record.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict) and versions[0].get("created"):
        return versions[0]["created"]
    return record.get("update_date")


def read_arxiv_snapshot(path: Path) -> Iterator[Paper]:
    """The Kaggle/arXiv metadata snapshot: JSON Lines with id, title, abstract, authors (a string),
    categories (space-separated), update_date, doi."""
    for record, source in json_lines(path):
        if not isinstance(record, dict):
            log.warning("%s: skipped, not an object with title and abstract", source)
            continue
        parsed, given = record.get("authors_parsed"), record.get("authors")
        if isinstance(parsed, list) and parsed:
            authors = [" ".join(p for p in reversed([x for x in a[:2] if isinstance(x, str)]) if p) for a in parsed
                       if isinstance(a, list)]
        elif isinstance(given, list):  # a list where the snapshot has a string: its repr was split at commas
            authors = [a for a in given if isinstance(a, str)]
        else:
            authors = [a.strip() for a in re.split(r",\s*|\s+and\s+", str(given or "")) if a.strip()]
        categories = record.get("categories")
        paper = make_paper(
            source,
            title=record.get("title"),
            abstract=record.get("abstract"),
            url=f"https://arxiv.org/abs/{record['id']}" if isinstance(record.get("id"), str) else None,
            year=_first_version_year(record),
            authors=authors,
            arxiv_id=str(record["id"]) if record.get("id") else None,
            doi=record.get("doi"),
            categories=[c for c in categories if isinstance(c, str)] if isinstance(categories, list)
            else categories.split() if isinstance(categories, str) else [],
        )
        if paper:
            yield paper


read = read_atom
