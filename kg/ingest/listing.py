"""Listing pages saved as text: page chrome, then per paper a title line, a blank line, the abstract.

The chrome (a "new" badge, newsletter prompts, the curator line, date headers) is recognised by
shape, so pages of the same site from other days read the same way.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError
from kg.ingest.records import log, make_paper, read_text
from kg.model import Paper, Source

_CHROME = re.compile(
    r"""^(?:new|subscribe|get\ trending\ papers.*|by\s?\S+\ and\ the\ research\ community
        |(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\ \d{1,2}(?:,?\ \d{4})?
        |\d{4}-\d{2}-\d{2}|page\ \d+(?:\ of\ \d+)?|next|previous|load\ more)$""",
    re.I | re.X,
)
# A title is one short line; an abstract is a long paragraph, usually with sentence punctuation.
_MAX_TITLE = 300
_MIN_ABSTRACT = 80


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each block of non-blank lines."""
    start, buf = 0, []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            if not buf:
                start = number
            buf.append(line.strip())
        elif buf:
            yield start, " ".join(buf)
            buf = []
    if buf:
        yield start, " ".join(buf)


def looks_like_listing(head: str) -> bool:
    blocks = [b for _, b in _paragraphs(head)]
    return len(blocks) >= 2 and not head.lstrip().startswith(("{", "[", "<", "@"))


def read(path: Path) -> Iterator[Paper]:
    text = read_text(path)
    blocks = [(n, b) for n, b in _paragraphs(text) if not _CHROME.match(b)]
    if not blocks:
        raise InputError(str(path), "no papers found (empty listing)")
    i = 0
    while i < len(blocks):
        line, block = blocks[i]
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if len(block) <= _MAX_TITLE and nxt and len(nxt[1]) >= _MIN_ABSTRACT and len(nxt[1]) > len(block):
            paper = make_paper(Source(str(path), line=line), title=block, abstract=nxt[1])
            if paper:
                yield paper
            i += 2
        else:
            what = "a title with no abstract after it" if len(block) <= _MAX_TITLE else "an abstract with no title"
            log.warning("%s:%d: skipped %s", path, line, what)
            i += 1
