"""The namespaces of the kg graph, as rdflib Namespace objects.

`ontology/kg.ttl` is the source of truth; `tests/test_rdf.py` checks that every kgo: term used in
code is declared there.
"""
from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/kg-lit/"
KGO = Namespace(BASE + "ontology#")  # classes and properties
KGS = Namespace(BASE + "scheme/")  # SKOS concept schemes, one per entity type
KGC = Namespace(BASE + "concept/")  # concepts: KGC[f"{type}/{slug}"]
KGR = Namespace(BASE + "resource/")  # papers, links, evidence, results, extractors
SCHEMA = Namespace("https://schema.org/")

CLASS_OF_TYPE = {
    "method": KGO.Method,
    "dataset": KGO.Dataset,
    "modality": KGO.Modality,
    "metric": KGO.Metric,
    "task": KGO.Task,
}
SCHEME_OF_TYPE = {
    "method": KGS.methods,
    "dataset": KGS.datasets,
    "modality": KGS.modalities,
    "metric": KGS.metrics,
    "task": KGS.tasks,
}
# The paper -> entity property for each type (methods and datasets depend on the role).
PROPERTY_OF_TYPE = {
    "modality": KGO.involvesModality,
    "task": KGO.addressesTask,
    "metric": KGO.measuresWith,
}
PROPERTY_OF_ROLE = {"proposed": KGO.proposes, "used": KGO.uses}
# The sub-properties of kgo:mentions: each link states exactly one of them between its paper and its
# entity, and kgo:mentions itself is not stored (`mentions` below reads it as their union).
MENTIONING = (*PROPERTY_OF_ROLE.values(), *PROPERTY_OF_TYPE.values())

PREFIXES = {
    "kgo": KGO,
    "kgs": KGS,
    "kgc": KGC,
    "kgr": KGR,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "schema": SCHEMA,
}


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace above, for queries written by hand."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def mentions(paper: str = "?paper", entity: str = "?entity", relation: str | None = None) -> str:
    """A SPARQL group matching "`paper` mentions `entity`" (variables or IRIs, written as SPARQL):
    the union of kgo:mentions' sub-properties (`MENTIONING`), as kgo:mentions itself is derivable and
    not stored. `relation`, a variable, is bound to the sub-property the link states. A UNION, not
    the path (kgo:proposes|kgo:uses|...): Oxigraph deduplicates a path's pairs in memory (90 MB
    more for the 200,000 links of 20k papers, growing with the graph) where a union streams, and it
    is as fast as one stored property."""
    bind = (lambda p: f" BIND(<{p}> AS {relation})") if relation else (lambda p: "")
    return "{ " + " UNION ".join(f"{{ {paper} <{p}> {entity}{bind(p)} }}" for p in MENTIONING) + " }"
