"""IRIs for papers, concepts, links, evidence and results: deterministic, so builds repeat exactly."""
from __future__ import annotations

import functools
import re

from kg.ids import slug
from kg.rdf.namespaces import KGC, KGR
from kg.rdf.segment import hyphenate

_KEY = re.compile(r"[a-z0-9]+")
_MAX_SLUG = 60
# Plain strings, not rdflib's `Namespace[...]` (a URIRef checked for validity on every call): the IRIs
# of ~100 triples a paper are minted here, and the same text either way.
_KGC, _KGR = str(KGC), str(KGR)


def paper_iri(paper_id: str) -> str:
    return f"{_KGR}paper/{paper_id}"


@functools.lru_cache(maxsize=1 << 16)  # most papers name concepts other papers named: segmenting once
def concept_iri(entity_type: str, key_or_label: str) -> str:
    """A minted concept IRI, the same for every paper that names the entity.

    A normalised key gets its word boundaries back ("visionencoder" -> "method/vision-encoder");
    anything else (an empty key's label, unicode) gets the digest-safe slug.
    """
    if _KEY.fullmatch(key_or_label):
        tail = hyphenate(key_or_label)
        if len(tail) <= _MAX_SLUG:
            return f"{_KGC}{entity_type}/{tail}"
    return f"{_KGC}{entity_type}/{slug(key_or_label)}"


def link_iri(paper_id: str, concept: str) -> str:
    # concept IRIs end in "<type>/<slug>": keep both so the link IRI is readable and unique
    tail = concept.rsplit("/", 2)
    return f"{_KGR}link/{paper_id}/{tail[-2]}/{tail[-1]}"


def result_iri(paper_id: str, index: int) -> str:
    return f"{_KGR}result/{paper_id}/{index}"


@functools.lru_cache(maxsize=1024)  # a few rules name every link
def extractor_iri(rule: str) -> str:
    return f"{_KGR}extractor/{slug(rule)}"
