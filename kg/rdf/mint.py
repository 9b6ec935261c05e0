"""IRIs for papers, concepts, links, evidence and results: deterministic, so builds repeat exactly."""
from __future__ import annotations

from kg.ids import slug
from kg.rdf.namespaces import KGC, KGR


def paper_iri(paper_id: str) -> str:
    return str(KGR[f"paper/{paper_id}"])


def concept_iri(entity_type: str, key_or_label: str) -> str:
    """A minted concept IRI, the same for every paper that names the entity."""
    return str(KGC[f"{entity_type}/{slug(key_or_label)}"])


def link_iri(paper_id: str, concept: str) -> str:
    # concept IRIs end in "<type>/<slug>": keep both so the link IRI is readable and unique
    tail = concept.rsplit("/", 2)
    return str(KGR[f"link/{paper_id}/{tail[-2]}/{tail[-1]}"])


def result_iri(paper_id: str, index: int) -> str:
    return str(KGR[f"result/{paper_id}/{index}"])


def extractor_iri(rule: str) -> str:
    return str(KGR[f"extractor/{slug(rule)}"])
