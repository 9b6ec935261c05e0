"""Stable identifiers: the same paper or name gives the same id on any machine."""
from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ARXIV_PREFIX = re.compile(r"^(?:https?://arxiv\.org/(?:abs|pdf)/|arxiv:)", re.I)
_ARXIV_VERSION = re.compile(r"v\d+$")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$")
# an arXiv id (new style 2401.01234, old style hep-th/9901001, math.GT/0309136) and a DOI (10.NNNN/...)
# somewhere in a value: a column of placeholders ("N/A", "-", "none") is none of them
_HAS_ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[a-z]{2})?/\d{7}", re.I)
_HAS_DOI = re.compile(r"10\.\d{4,9}/\S")


def normalise_title(title: str) -> str:
    """The key two listings of one paper share: NFKC, case-folded, letters and digits only."""
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", title).casefold())


def title_key(title: str) -> str:
    """A paper's key by its title (its id and its repeats): `normalise_title`, followed by the letters and
    digits of scripts other than Latin when the title holds some. `normalise_title` keeps a-z and 0-9
    only, so every paper titled in Cyrillic, Greek or CJK alone had the key "", and "基于BERT的文本分类"
    the key of every other Chinese title about BERT: all but the first were left out as repeats. Titles
    in Latin letters (accented or not) keep the key, and so the id, they had."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    other = "".join(ch for ch in folded if ch.isalnum() and not ch.isascii()
                    and not unicodedata.name(ch, "").startswith("LATIN"))
    return f"{_NON_ALNUM.sub('', folded)}|{other}" if other else _NON_ALNUM.sub("", folded)


def normalise_arxiv_id(raw: str) -> str:
    """'http://arxiv.org/abs/2401.01234v2' -> '2401.01234'; old-style ids keep their slash."""
    ident = _ARXIV_PREFIX.sub("", raw.strip())
    if ident.endswith(".pdf"):
        ident = ident[:-4]
    return _ARXIV_VERSION.sub("", ident)


def normalise_doi(raw: str) -> str:
    doi = raw.strip().lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if doi.startswith(prefix):
            doi = doi[len(prefix):]
    return doi


def holds_arxiv_id(raw: str) -> bool:
    return bool(_HAS_ARXIV_ID.search(raw))


def holds_doi(raw: str) -> bool:
    return bool(_HAS_DOI.search(raw))


def digest(text: str, length: int = 16) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def arxiv_id_of_doi(doi: str) -> str | None:
    """The arXiv id inside an arXiv DOI ("10.48550/arXiv.2401.01234"), which reference managers
    give preprints: the same paper read from arXiv then has the same id."""
    m = _ARXIV_DOI.match(normalise_doi(doi))
    return m.group(1) if m else None


def paper_id(*, title: str, arxiv_id: str | None = None, doi: str | None = None, pmid: str | None = None) -> str:
    """A paper's stable id, safe as the last segment of an IRI.

    arXiv id first (what most inputs carry), then DOI, then PubMed id, then the normalised title.
    """
    if arxiv_id:
        return "arxiv-" + re.sub(r"[^A-Za-z0-9.\-]", "-", normalise_arxiv_id(arxiv_id))
    if doi:
        return "doi-" + digest(normalise_doi(doi))
    if pmid:
        return "pmid-" + re.sub(r"[^0-9]", "", pmid)[:20]
    return "t-" + digest(title_key(title))


def slug(text: str, max_len: int = 60) -> str:
    """A readable, IRI-safe slug of a label.

    Labels that are only ASCII words and separators keep a plain slug ("vision-transformer");
    anything lossy (unicode, symbols, long) gets a short digest so distinct labels never collide.
    """
    norm = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    base = re.sub(r"[^a-z0-9]+", "-", norm).strip("-")
    if base and len(base) <= max_len and re.fullmatch(r"[a-z0-9]+(?:[ \-_][a-z0-9]+)*", norm):
        return base
    return f"{base[:max_len].strip('-') or 'x'}-{digest(norm, 8)}"
