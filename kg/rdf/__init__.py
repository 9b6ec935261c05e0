"""The RDF layer: namespaces from the ontology, deterministic IRIs, Extraction -> triples."""
from kg.rdf.namespaces import KGC, KGO, KGR, KGS, PREFIXES, sparql_prefixes
from kg.rdf.triples import TripleWriter, finalise_labels, load_extractions, to_ntriples

__all__ = ["KGC", "KGO", "KGR", "KGS", "PREFIXES", "sparql_prefixes", "TripleWriter", "finalise_labels", "load_extractions", "to_ntriples"]
