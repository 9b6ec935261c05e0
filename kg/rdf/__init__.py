"""The RDF layer: namespaces from the ontology, deterministic IRIs, Extraction -> triples."""
from kg.rdf.namespaces import KGC, KGO, KGR, KGS, PREFIXES, sparql_prefixes
from kg.rdf.triples import TripleWriter, extraction_triples

__all__ = ["KGC", "KGO", "KGR", "KGS", "PREFIXES", "sparql_prefixes", "TripleWriter", "extraction_triples"]
