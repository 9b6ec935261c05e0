"""Paper counts stored in the graph at the end of a build, so that aggregate questions ("the most
used datasets", "modalities that co-occur", "methods per modality") are answered by reading a few
thousand stored numbers instead of grouping millions of links at query time.

* every mentioned concept: `kgo:paperCount`, the number of papers that mention it;
* every pair of modalities that papers involve together: a `kgo:ModalityPair` node;
* for each modality, its `TOP_METHODS` most frequent methods: `kgo:ModalityMethod` nodes with their
  `kgo:rank` (all pairs would be hundreds of thousands of nodes on a large graph, and a query
  would have to sort them all).

And rankings, so that the "top N" questions read N stored rows instead of sorting a share of the
graph that grows with it (Oxigraph's ORDER BY ... LIMIT sorts every row; it keeps no top-k):

* each type's `TOP_RANKED` most mentioned concepts: `kgo:paperRank` (1 for the most mentioned;
  ties by IRI);
* each dataset's `TOP_RANKED` best results: `kgo:topResult` (absolute values before relative gains,
  higher values first, ties by IRI), which the leaderboard reads;
* each concept that at least `RELATED_MIN_PAPERS` papers mention: its `TOP_RANKED` most co-mentioned
  concepts (ties in the order of `concept_hash`) as `kgo:RelatedConcept` nodes with the number of
  shared papers. A node states no type (its `kgo:relatedConceptOf`'s domain says it) and no rank
  (a query orders the rows by their count): a rank would move on every row below one that rises. A less mentioned concept's co-mentions are counted at query time,
  over fewer than that many papers.

`materialise_counts` computes them from the store's links: it is what `kg doctor` checks a graph
against and what small graphs and appends to a store changed outside kg use. A build writes the same
triples from the tallies its workers kept (`kg.rdf.tallies`), without reading the store back. Either
way an appended build ends with the same counts (and the same triples) as a build of all its inputs
at once. Count nodes get IRIs derived from their two concepts' IRIs, so they are stable across builds.
"""
from __future__ import annotations

import hashlib
import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator

from kg.rdf.namespaces import KGC, KGO, KGR, RDF, XSD, mentions

COOCCURRENCE_BASE = str(KGR) + "cooccurrence/"
RELATED_BASE = str(KGR) + "related/"
TOP_METHODS = 50
TOP_RANKED = 1000  # rows kept by each stored ranking
RELATED_MIN_PAPERS = 1000  # concepts mentioned this often get stored related concepts (related-entities.rq says it too)

CLEAR = """
DELETE { ?c kgo:paperCount ?n } WHERE { ?c kgo:paperCount ?n } ;
DELETE { ?x ?p ?o } WHERE { ?x a kgo:ModalityPair ; ?p ?o } ;
DELETE { ?x ?p ?o } WHERE { ?x a kgo:ModalityMethod ; ?p ?o } ;
DELETE { ?c kgo:paperRank ?n } WHERE { ?c kgo:paperRank ?n } ;
DELETE { ?d kgo:topResult ?r } WHERE { ?d kgo:topResult ?r } ;
DELETE { ?x ?p ?o } WHERE { ?x kgo:relatedConceptOf ?c ; ?p ?o } ;
DELETE { ?x ?p ?o } WHERE { ?x a kgo:RelatedConcept ; ?p ?o }
"""

# A paper states one sub-property of kgo:mentions per concept it mentions (one link each), so
# COUNT(*) counts distinct papers without the per-group sets that COUNT(DISTINCT) would keep.
PAPER_COUNTS = """
INSERT { ?c kgo:paperCount ?n }
WHERE { SELECT ?c (COUNT(*) AS ?n) WHERE { %s } GROUP BY ?c }
""" % mentions("?paper", "?c")

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
WHERE { ?paper kgo:involvesModality ?m . %s ?x a kgo:Method }
GROUP BY ?m ?x
""" % mentions("?paper", "?x")


PAPER_COUNTED = "SELECT ?c ?n WHERE { ?c kgo:paperCount ?n . FILTER(STRSTARTS(STR(?c), STR(kgc:))) }"
# kgo:isRelative is stored only when true
RESULTS = """SELECT ?d ?r ?relative ?value WHERE {
  ?r kgo:dataset ?d ; kgo:value ?value . OPTIONAL { ?r kgo:isRelative ?stated } BIND(COALESCE(?stated, false) AS ?relative)
}"""
CO_MENTIONED = ("SELECT ?o (COUNT(*) AS ?n) WHERE { VALUES ?c { %%s } %s %s FILTER(?o != ?c) } GROUP BY ?o"
                % (mentions("?paper", "?c"), mentions("?paper", "?o")))


def node_iri(a: str, b: str, base: str = COOCCURRENCE_BASE) -> str:
    """The IRI of the count node of concepts `a` and `b` (the same MD5 the SPARQL above uses)."""
    return base + hashlib.md5(f"{a} {b}".encode()).hexdigest()


def concept_hash(concept: str) -> int:
    """A signed 64-bit key of a concept IRI: the build's co-mention tallies keep these instead of
    IRIs, and the related-concept ranking breaks ties in their order."""
    return int.from_bytes(hashlib.blake2b(concept.encode(), digest_size=8).digest(), "little", signed=True)


def concept_type(concept: str) -> str:
    """The type segment of a concept IRI (kgc:method/... -> method)."""
    return concept[len(str(KGC)):].partition("/")[0]


def paper_ranks(counted: Iterable[tuple[str, int]], top: int | None = None) -> Iterator[tuple[str, int]]:
    """(concept, rank) for the `top` most mentioned concepts of each type, from (concept, papers)."""
    top = TOP_RANKED if top is None else top
    per_type: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for concept, n in counted:
        per_type[concept_type(concept)].append((-n, concept))
    for rows in per_type.values():
        for rank, (_, concept) in enumerate(heapq.nsmallest(top, rows), start=1):
            yield concept, rank


def result_key(relative: bool, value: float, result: str) -> tuple:
    """The leaderboard order: absolute values before relative gains, higher first, ties by IRI."""
    return (bool(relative), -float(value), result)


def top_related(shared: Iterable[tuple[str, int]], top: int | None = None) -> list[tuple[str, int]]:
    """The `top` (other concept, shared papers) rows, most shared first, ties by `concept_hash`."""
    top = TOP_RANKED if top is None else top
    return heapq.nsmallest(top, shared, key=lambda row: (-row[1], concept_hash(row[0])))


def ranking_quads(ranks: Iterable[tuple[str, int]], best: Iterable[tuple[str, str]],
                  related: Iterable[tuple[str, str, int, int]]):
    """The ranking triples: (concept, rank), (dataset, result) and (concept, other, shared)."""
    import pyoxigraph as ox

    term = {name: ox.NamedNode(str(KGO[name])) for name in
            ("paperRank", "topResult", "relatedConceptOf", "second", "paperCount")}
    integer = ox.NamedNode(str(XSD.integer))
    for concept, rank in ranks:
        yield ox.Quad(ox.NamedNode(concept), term["paperRank"], ox.Literal(str(rank), datatype=integer))
    for dataset, result in best:
        yield ox.Quad(ox.NamedNode(dataset), term["topResult"], ox.NamedNode(result))
    for concept, other, n in related:
        node = ox.NamedNode(node_iri(concept, other, RELATED_BASE))
        yield ox.Quad(node, term["relatedConceptOf"], ox.NamedNode(concept))
        yield ox.Quad(node, term["second"], ox.NamedNode(other))
        yield ox.Quad(node, term["paperCount"], ox.Literal(str(n), datatype=integer))


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
    store.extend(ranking_quads(*_rankings(store)))


def _rankings(store):
    """The rankings computed from the store: type ranks, best results, related concepts."""
    import pyoxigraph as ox

    from kg.query import PREFIX_MAP

    counted = [(row["c"].value, int(row["n"].value)) for row in store.query(PAPER_COUNTED, prefixes=PREFIX_MAP)]
    ranks = list(paper_ranks(counted))
    per_dataset: dict[str, list[tuple]] = defaultdict(list)
    for row in store.query(RESULTS, prefixes=PREFIX_MAP):
        per_dataset[row["d"].value].append(result_key(row["relative"].value == "true", float(row["value"].value), row["r"].value))
    best = [(d, key[2]) for d, keys in per_dataset.items() for key in heapq.nsmallest(TOP_RANKED, keys)]
    related = []
    for concept, n in counted:
        if n >= RELATED_MIN_PAPERS:
            rows = store.query(CO_MENTIONED % ox.NamedNode(concept), prefixes=PREFIX_MAP)
            shared = [(row["o"].value, int(row["n"].value)) for row in rows]
            related += [(concept, other, k) for other, k in top_related(shared)]
    return ranks, best, related

