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
