"""Paper counts stored in the graph at the end of a build, so that aggregate questions ("the most
used datasets", "modalities that co-occur", "methods per modality") are answered by reading a few
thousand stored numbers instead of grouping millions of links at query time.

* every mentioned concept: `kgo:paperCount`, the number of papers that mention it;
* every pair of modalities that papers involve together: a `kgo:ModalityPair` node;
* for each modality, its `TOP_METHODS` most frequent methods: `kgo:ModalityMethod` nodes with their
  `kgo:rank` (all pairs would be hundreds of thousands of nodes on a large graph, and a query
  would have to sort them all).

`materialise_counts` computes them from the store's links: it is what `kg doctor` checks a graph
against and what small graphs and appends to a store changed outside kg use. A build writes the same
triples from the tallies its workers kept (`kg.rdf.tallies`), without reading the store back. Either
way an appended build ends with the same counts (and the same triples) as a build of all its inputs
at once. Count nodes get IRIs derived from their two concepts' IRIs, so they are stable across builds.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict

from kg.rdf.namespaces import KGO, KGR, RDF, XSD

COOCCURRENCE_BASE = str(KGR) + "cooccurrence/"
TOP_METHODS = 50

CLEAR = """
DELETE { ?c kgo:paperCount ?n } WHERE { ?c kgo:paperCount ?n } ;
DELETE { ?x ?p ?o } WHERE { ?x a kgo:ModalityPair ; ?p ?o } ;
DELETE { ?x ?p ?o } WHERE { ?x a kgo:ModalityMethod ; ?p ?o }
"""

# kgo:mentions is always materialised and a graph holds each (paper, concept) triple once, so
# COUNT(*) counts distinct papers without the per-group sets that COUNT(DISTINCT) would keep.
PAPER_COUNTS = """
INSERT { ?c kgo:paperCount ?n }
WHERE { SELECT ?c (COUNT(*) AS ?n) WHERE { ?paper kgo:mentions ?c } GROUP BY ?c }
"""

# The STR order keeps one node per unordered pair of modalities.
MODALITY_PAIRS = """
INSERT { ?node a kgo:ModalityPair ; kgo:first ?a ; kgo:second ?b ; kgo:paperCount ?n }
WHERE {
  { SELECT ?a ?b (COUNT(*) AS ?n) WHERE { ?paper kgo:involvesModality ?a , ?b . FILTER(STR(?a) < STR(?b)) } GROUP BY ?a ?b }
  BIND(IRI(CONCAT("%s", MD5(CONCAT(STR(?a), " ", STR(?b))))) AS ?node)
}
"""

MODALITY_METHODS = """
SELECT ?m ?x (COUNT(*) AS ?n)
WHERE { ?paper kgo:involvesModality ?m ; kgo:mentions ?x . ?x a kgo:Method }
GROUP BY ?m ?x
"""


def node_iri(a: str, b: str) -> str:
    """The IRI of the count node of concepts `a` and `b` (the same MD5 the SPARQL above uses)."""
    return COOCCURRENCE_BASE + hashlib.md5(f"{a} {b}".encode()).hexdigest()


def materialise_counts(store, top_methods: int = TOP_METHODS) -> None:
    """Replace the graph's paper counts and co-occurrence nodes by ones computed from its links."""
    import pyoxigraph as ox

    from kg.query import with_prefixes

    store.update(with_prefixes(CLEAR))
    store.update(with_prefixes(PAPER_COUNTS))
    store.update(with_prefixes(MODALITY_PAIRS % COOCCURRENCE_BASE))

    # top methods per modality: grouped in the store, ranked here (by count, then IRI: stable)
    per_modality: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in store.query(with_prefixes(MODALITY_METHODS)):
        per_modality[row["m"].value].append((-int(row["n"].value), row["x"].value))
    term = {name: ox.NamedNode(str(KGO[name])) for name in ("ModalityMethod", "first", "second", "paperCount", "rank")}
    rdf_type, integer = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(XSD.integer))

    def quads():
        for modality, methods in per_modality.items():
            for rank, (negative, method) in enumerate(sorted(methods)[:top_methods], start=1):
                node = ox.NamedNode(node_iri(modality, method))
                yield ox.Quad(node, rdf_type, term["ModalityMethod"])
                yield ox.Quad(node, term["first"], ox.NamedNode(modality))
                yield ox.Quad(node, term["second"], ox.NamedNode(method))
                yield ox.Quad(node, term["paperCount"], ox.Literal(str(-negative), datatype=integer))
                yield ox.Quad(node, term["rank"], ox.Literal(str(rank), datatype=integer))

    store.extend(quads())

