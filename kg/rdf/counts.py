"""Paper counts materialised in the graph at the end of a build, so that aggregate questions
("the most used datasets", "modalities that co-occur", "methods per modality") are answered by
reading a few thousand stored numbers instead of grouping millions of links at query time.

Counts are recomputed from scratch by SPARQL updates on the store: an appended build ends with the
same counts (and the same triples) as a build of all its inputs at once. Co-occurrence nodes get
IRIs derived from the two concepts' IRIs, so they are stable across builds.
"""
from __future__ import annotations

from kg.rdf.namespaces import KGR

COOCCURRENCE_BASE = str(KGR) + "cooccurrence/"

CLEAR = """
DELETE { ?c kgo:paperCount ?n } WHERE { ?c kgo:paperCount ?n } ;
DELETE { ?x ?p ?o } WHERE { ?x a kgo:CoOccurrence ; ?p ?o }
"""

# Each concept: the number of papers that mention it. kgo:mentions is always materialised and a
# graph holds each (paper, concept) triple once, so COUNT(*) counts distinct papers without the
# per-group sets that COUNT(DISTINCT) would keep in memory.
PAPER_COUNTS = """
INSERT { ?c kgo:paperCount ?n }
WHERE { SELECT ?c (COUNT(*) AS ?n) WHERE { ?paper kgo:mentions ?c } GROUP BY ?c }
"""

# Pairs of concepts that papers mention together: modality with modality, modality with method.
# `pair` names the pattern that binds ?a and ?b for one paper; the STR order keeps one node per
# unordered pair of modalities.
COOCCURRENCES = """
INSERT {
  ?node a kgo:CoOccurrence ; kgo:first ?a ; kgo:second ?b ; kgo:paperCount ?n .
}
WHERE {
  { SELECT ?a ?b (COUNT(*) AS ?n) WHERE { %s } GROUP BY ?a ?b }
  BIND(IRI(CONCAT("%s", MD5(CONCAT(STR(?a), " ", STR(?b))))) AS ?node)
}
"""
PAIRS = {
    "modality-modality": "?paper kgo:involvesModality ?a , ?b . FILTER(STR(?a) < STR(?b))",
    "modality-method": "?paper kgo:involvesModality ?a ; kgo:mentions ?b . ?b a kgo:Method",
}


def materialise_counts(store) -> None:
    """Replace the graph's paper counts and co-occurrence nodes by ones computed from its links."""
    from kg.query import with_prefixes

    store.update(with_prefixes(CLEAR))
    store.update(with_prefixes(PAPER_COUNTS))
    for pattern in PAIRS.values():
        store.update(with_prefixes(COOCCURRENCES % (pattern, COOCCURRENCE_BASE)))
