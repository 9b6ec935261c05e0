"""RIS files, as Zotero, Mendeley and EndNote export them: one record from `TY  -` to `ER  -`.

A line is a two-character tag, two spaces, a hyphen and the value (`TI  - A title`); some writers
put one space (`TI - A title`), which is read too for the tags RIS defines; a line without a tag
continues the value before it (some writers wrap long abstracts). Tags may repeat (`AU` once per
author; a second `AB` continues the abstract).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError
from kg.ingest.records import log, make_paper, read_text
from kg.model import Paper, Source

_TAG = re.compile(r"^([A-Z][A-Z0-9])( {1,2})-(?: (.*))?$")
# The tags of the RIS specification: with one space before its hyphen, only one of these is a tag
# (a wrapped abstract line may start "AI - based ..."); with two spaces, any two characters are.
RIS_TAGS = frozenset(
    "TY ER A1 A2 A3 A4 AB AD AN AU AV BT C1 C2 C3 C4 C5 C6 C7 C8 CA CN CP CT CY DA DB DO DP ED EP ET ID IS "
    "J1 J2 JA JF JO KW L1 L2 L3 L4 LA LB LK M1 M2 M3 N1 N2 NV OP PB PP PY RI RN RP SE SN SP ST T1 T2 T3 TA TI "
    "TT U1 U2 U3 U4 U5 UR VL VO Y1 Y2".split())
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+)", re.I)
_PMID = re.compile(r"^\s*(?:PMID:?\s*)?(\d{1,9})\s*$", re.I)

# Which tags hold which field, most specific first (EndNote writes T1/N2/Y1, Zotero TI/AB/PY).
TITLE_TAGS = ("TI", "T1", "CT", "BT")
ABSTRACT_TAGS = ("AB", "N2")
YEAR_TAGS = ("PY", "Y1", "DA", "Y2")
AUTHOR_TAGS = ("AU", "A1", "A2")


def records(path: Path, text: str) -> Iterator[tuple[dict[str, list[str]], int]]:
    """(tags -> values, line number of its TY) for each record of a RIS text."""
    fields: dict[str, list[str]] | None = None
    last: str | None = None
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        m = _TAG.match(line.rstrip())
        if m is not None and m.group(2) == " " and m.group(1) not in RIS_TAGS:
            m = None  # text that happens to start like a tag written with one space
        if m is None:
            if fields is not None and last and line.strip():
                fields[last][-1] = (fields[last][-1] + " " + line.strip()).strip()
            continue
        tag, value = m.group(1), (m.group(3) or "").strip()
        if tag == "TY":
            if fields is not None:
                log.warning("%s:%d: record without its ER line; read up to the next TY", path, start)
                yield fields, start
            fields, last, start = {"TY": [value]}, "TY", number
        elif tag == "ER":
            if fields is not None:
                yield fields, start
            fields, last = None, None
        elif fields is None:
            raise InputError(str(path), f"tag {tag} outside a record (a record starts with 'TY  -')", line=number)
        else:
            fields.setdefault(tag, []).append(value)
            last = tag
    if fields is not None:
        log.warning("%s:%d: last record has no ER line; read it anyway", path, start)
        yield fields, start


def _first(fields: dict[str, list[str]], tags: tuple[str, ...]) -> str | None:
    for tag in tags:
        for value in fields.get(tag, ()):
            if value:
                return value
    return None


def paper_from_fields(fields: dict[str, list[str]], source: Source) -> Paper | None:
    abstract_tag = next((t for t in ABSTRACT_TAGS if fields.get(t)), None)
    urls = fields.get("UR", []) + fields.get("L1", []) + fields.get("L2", [])
    arxiv = next((m.group(1) for u in urls if (m := _ARXIV_URL.search(u))), None)
    # EndNote and PubMed's RIS put the PubMed id in AN (accession number) or C2 ("PMID: 123").
    pmid = next((m.group(1) for t in ("AN", "C2") for v in fields.get(t, ()) if (m := _PMID.match(v))), None)
    return make_paper(
        source,
        title=_first(fields, TITLE_TAGS),
        abstract=" ".join(fields[abstract_tag]) if abstract_tag else None,
        url=urls[0] if urls else None,
        year=_first(fields, YEAR_TAGS),
        authors=[a for t in AUTHOR_TAGS for a in fields.get(t, ())][:1000],
        arxiv_id=arxiv,
        doi=_first(fields, ("DO",)),
        pmid=pmid,
    )


def read(path: Path) -> Iterator[Paper]:
    text = read_text(path)
    found = False
    for fields, line in records(path, text):
        found = True
        paper = paper_from_fields(fields, Source(str(path), line=line))
        if paper:
            yield paper
    if not found:
        raise InputError(str(path), "no RIS records found (a record starts with 'TY  -' and ends with 'ER  -')")
