"""IRIs for papers, concepts, links, evidence and results: deterministic, so builds repeat exactly."""
from __future__ import annotations

import re

from kg.ids import slug
from kg.rdf.namespaces import KGC, KGR
from kg.rdf.segment import hyphenate

_KEY = re.compile(r"[a-z0-9]+")
_MAX_SLUG = 60


def paper_iri(paper_id: str) -> str:
    return str(KGR[f"paper/{paper_id}"])


def concept_iri(entity_type: str, key_or_label: str) -> str:
    """A minted concept IRI, the same for every paper that names the entity.

    A normalised key gets its word boundaries back ("visionencoder" -> "method/vision-encoder");
    anything else (an empty key's label, unicode) gets the digest-safe slug.
    """
    if _KEY.fullmatch(key_or_label):
        tail = hyphenate(key_or_label)
        if len(tail) <= _MAX_SLUG:
            return str(KGC[f"{entity_type}/{tail}"])
    return str(KGC[f"{entity_type}/{slug(key_or_label)}"])


def link_iri(paper_id: str, concept: str) -> str:
    # concept IRIs end in "<type>/<slug>": keep both so the link IRI is readable and unique
    tail = concept.rsplit("/", 2)
    return str(KGR[f"link/{paper_id}/{tail[-2]}/{tail[-1]}"])


def result_iri(paper_id: str, index: int) -> str:
    return str(KGR[f"result/{paper_id}/{index}"])


def extractor_iri(rule: str) -> str:
    return str(KGR[f"extractor/{slug(rule)}"])
