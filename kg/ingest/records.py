"""What every reader shares: decoding files, turning raw fields into a Paper, reporting bad records."""
from __future__ import annotations

import logging
import re
from pathlib import Path

from kg.errors import InputError
from kg.ids import arxiv_id_of_doi, holds_arxiv_id, holds_doi, paper_id
from kg.model import Paper, Source

log = logging.getLogger("kg.ingest")

_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What no UTF-8 writer or XML file takes: lone surrogates (a JSON "\ud83d" cut from the other half of
# its emoji) made the tokenizer raise UnicodeEncodeError, and the noncharacters U+FFFE and U+FFFF (PDF
# text's unmapped glyphs) made the GraphML, GEXF and SVG views files no XML parser reads
_NOT_TEXT = re.compile("[\ud800-\udfff\ufffe\uffff]")


# what a file that is not text is, by its first bytes: "not valid UTF-8 ...; re-save the file as UTF-8"
# was no advice for these
_NOT_TEXT_FILES = {b"\x1f\x8b": "compressed with gzip: decompress it first (gunzip)",
                   b"PK\x03\x04": "a zip archive: unpack it first", b"%PDF": "a PDF: kg reads abstracts as text "
                   "(JSON Lines, CSV, BibTeX, RIS, XML, listings), not PDFs",
                   b"BZh": "compressed with bzip2: decompress it first (bunzip2)",
                   b"\xfd7zXZ\x00": "compressed with xz: decompress it first (unxz)"}


def not_text(path: Path, head: bytes) -> InputError | None:
    """The error for a file whose first bytes say it is compressed, an archive or a PDF, else None."""
    reason = next((why for magic, why in _NOT_TEXT_FILES.items() if head.startswith(magic)), None)
    return InputError(str(path), reason) if reason else None


def read_text(path: Path) -> str:
    """Decode a file as UTF-8 (a BOM is allowed); broken encoding is an error naming the line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read file: {exc.strerror or exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(str(path), f"broken UTF-16 encoding at byte {exc.start}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if error := not_text(path, data[:8]):
            raise error from None
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            str(path), f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); re-save the file as UTF-8", line=line
        ) from None


def clean(text: object) -> str:
    """Collapse whitespace, drop control characters and put U+FFFD for what is not text (`_NOT_TEXT`);
    None and non-strings become ''."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    return _WS.sub(" ", _CONTROL.sub(" ", _NOT_TEXT.sub("\ufffd", text))).strip()


# values of a JSON record that are no text, though str() makes them look like some
_KIND = {dict: "an object", list: "an array", bool: "true or false"}


def _scalar(value: object) -> str | None:
    """An optional field's text, or None when it holds none (an object's repr would become an id)."""
    return None if type(value) in _KIND else clean(value) or None


def as_list(value: object) -> list:
    """A record's list field, or [] when the record holds anything else there."""
    return value if isinstance(value, list) else []


def parse_year(value: object) -> int | None:
    m = re.search(r"\b(1[89]\d\d|20\d\d|21\d\d)\b", str(value or ""))
    return int(m.group(1)) if m else None


def make_paper(
    source: Source,
    *,
    title: object,
    abstract: object,
    url: object = None,
    year: object = None,
    authors: list[str] | None = None,
    arxiv_id: object = None,
    doi: object = None,
    pmid: object = None,
    categories: list[str] | None = None,
) -> Paper | None:
    """A Paper from raw fields, or None (with a warning naming the record) when one is missing or
    is not text."""
    not_text = [f"its {name} is {_KIND[type(value)]}" for name, value in (("title", title), ("abstract", abstract))
                if type(value) in _KIND]
    if not_text:
        # a JSON object or array as the text went into the graph as Python's repr, "{'en': 'A title'}"
        log.warning("%s: skipped, %s, not text", source, " and ".join(not_text))
        return None
    title_s, abstract_s = clean(title), clean(abstract)
    missing = [name for name, value in (("title", title_s), ("abstract", abstract_s)) if not value]
    if missing:
        log.warning("%s: skipped, no %s", source, " and no ".join(missing))
        return None
    arxiv_s, doi_s, pmid_s = _scalar(arxiv_id), _scalar(doi), _scalar(pmid)
    # a placeholder ("N/A", "-", "none") is no id: every paper of a column of them got the same id and
    # all but the first were left out as its repeats
    arxiv_s = arxiv_s if arxiv_s and holds_arxiv_id(arxiv_s) else None
    doi_s = doi_s if doi_s and holds_doi(doi_s) else None
    pmid_s = pmid_s if pmid_s and any(c.isdigit() for c in pmid_s) else None
    if doi_s and not arxiv_s:
        arxiv_s = arxiv_id_of_doi(doi_s)
    return Paper(
        id=paper_id(title=title_s, arxiv_id=arxiv_s, doi=doi_s, pmid=pmid_s),
        title=title_s,
        abstract=abstract_s,
        url=_scalar(url),
        # an int too: a JSON year of true, -5 or 99999999999 became an ill-typed xsd:gYear ("True")
        year=parse_year(year),
        authors=[a for a in (clean(a) for a in (authors or [])) if a],
        arxiv_id=arxiv_s,
        doi=doi_s,
        pmid=pmid_s,
        categories=[c for c in map(clean, categories or []) if c],
        source=source,
    )
