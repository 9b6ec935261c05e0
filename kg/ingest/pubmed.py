"""PubMed XML, as efetch returns it (`db=pubmed&retmode=xml`): a `PubmedArticleSet` of
`PubmedArticle` records, usually behind a DOCTYPE naming NLM's DTD.

Parsed with defusedxml, streaming (one article in memory at a time): the DTD named by the DOCTYPE is
never fetched, and entity declarations are refused as in the Atom reader. A structured abstract's
labelled `AbstractText` sections are joined in order, each after its label.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from kg.errors import InputError
from kg.ingest.records import log, make_paper, read_text
from kg.model import Paper, Source

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def _text(node: Element | None) -> str:
    """All text inside an element, inline markup (<i>, <sup>) included."""
    return "".join(node.itertext()) if node is not None else ""


def abstract_of(article: Element) -> str:
    parts = []
    for section in article.findall("./Abstract/AbstractText"):
        text = " ".join(_text(section).split())
        label = section.get("Label")
        if text:
            parts.append(f"{label.capitalize()}: {text}" if label else text)
    return " ".join(parts)


def year_of(article: Element) -> int | None:
    """The journal issue's year: `PubDate/Year`, or the first year inside `PubDate/MedlineDate`
    ("1998 Dec-1999 Jan"); else the electronic publication date."""
    date = article.find("./Journal/JournalIssue/PubDate")
    for text in (_text(date.find("Year")) if date is not None else "",
                 _text(date.find("MedlineDate")) if date is not None else "",
                 _text(article.find("./ArticleDate/Year"))):
        m = _YEAR.search(text)
        if m:
            return int(m.group(1))
    return None


def author_names(article: Element) -> list[str]:
    names = []
    for author in article.findall("./AuthorList/Author"):
        collective = _text(author.find("CollectiveName"))
        name = " ".join(x for x in (_text(author.find("ForeName")), _text(author.find("LastName"))) if x)
        if name or collective:
            names.append(name or collective)
    return names


def paper_from_article(record: Element, source: Source) -> Paper | None:
    citation = record.find("MedlineCitation")
    article = citation.find("Article") if citation is not None else None
    if article is None:
        log.warning("%s: skipped, no MedlineCitation/Article", source)
        return None
    ids = {i.get("IdType"): _text(i).strip() for i in record.findall("./PubmedData/ArticleIdList/ArticleId")}
    doi = ids.get("doi") or next(
        (_text(e).strip() for e in article.findall("ELocationID") if e.get("EIdType") == "doi"), None)
    pmid = ids.get("pubmed") or _text(citation.find("PMID")).strip()
    return make_paper(
        source,
        title=_text(article.find("ArticleTitle")),
        abstract=abstract_of(article),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
        year=year_of(article),
        authors=author_names(article),
        arxiv_id=ids.get("arxiv"),
        doi=doi,
        pmid=pmid,
    )


def read(path: Path) -> Iterator[Paper]:
    text = read_text(path)
    number = 0  # records are counted from 1, as a reader counts them
    root_seen = False
    try:
        for event, elem in iterparse(io.BytesIO(text.encode("utf-8")), events=("start", "end")):
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if elem.tag != "PubmedArticleSet":
                        raise InputError(str(path), f"not a PubMed XML file (root element {elem.tag}, expected PubmedArticleSet)")
                continue
            if elem.tag == "PubmedArticle":
                number += 1
                paper = paper_from_article(elem, Source(str(path), record=number))
                elem.clear()
                if paper:
                    yield paper
            elif elem.tag == "PubmedBookArticle":
                number += 1
                log.warning("%s: skipped, a book chapter (PubmedBookArticle)", Source(str(path), record=number))
                elem.clear()
    except DefusedXmlException as exc:
        raise InputError(str(path), f"refused: XML entity declarations are not allowed ({type(exc).__name__})") from None
    except ParseError as exc:
        line, column = exc.position
        raise InputError(str(path), f"malformed XML at column {column}", line=line) from None
