"""NetworkX views of a built graph, read from the store in a few SPARQL queries (one pass each).

- `typed_graph(store)`: papers and entities as nodes (attributes `type`, `label`; papers also
  `year`, 0 when undated; entities `papers`, the number of papers mentioning them), paper–entity
  edges (attribute `relation`: proposes, uses, involvesModality, addressesTask, measuresWith,
  or mentions). With `results=True` it also links the method, dataset and metric of every
  reported result (edges with `relation="result"` between entities).
- `bipartite_graph(G)`: only the paper–entity edges of a typed graph (papers `bipartite=0`).
- `entity_cooccurrence(G)`: entities linked by the number of papers they share (`weight`).
- `paper_similarity(G)`: papers linked by the number of entities they share (`weight`).
- `modality_graph(G)`: modalities linked by the number of papers involving both (`weight`).
- `evidence(store, entities)`: one evidence sentence per entity, for tooltips.

Those build networkx graphs of every paper and link: right for a view of a few thousand nodes, far
too big for the report of a large graph (a million papers). The report works from the sparse
incidence matrix instead (`kg.analyse.incidence`), through bounded views:

- `entity_graph(inc)`: the co-occurrence graph of the most mentioned entities, as many as fit in
  an edge budget, with a note of what was left out.
- `paper_neighbours(inc, rows)`: each of these papers linked to the papers (among them) that share
  most entities with it: a k-nearest-neighbour graph, linear in papers where the full similarity
  graph is quadratic.
- `modality_cooccurrence(inc)`: papers per modality and per pair of modalities.
"""
from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
import numpy as np
import pyoxigraph as ox
from networkx.algorithms import bipartite

from kg.query import mentions, run
from kg.rdf.triples import issued_year

ENTITY_TYPES = ("method", "dataset", "modality", "metric", "task")
RELATIONS = ("proposes", "uses", "involvesModality", "addressesTask", "measuresWith")

PAPERS = """
SELECT ?paper ?title ?year WHERE {
  ?paper a kgo:Paper .
  OPTIONAL { ?paper dcterms:title ?title }
  OPTIONAL { ?paper dcterms:issued ?year }
}"""
# MIN, not SAMPLE: an entity with two preferred labels gets the same one on every run
ENTITIES = """
SELECT ?entity ?type (MIN(?l) AS ?label) WHERE {
  ?entity a ?type .
  VALUES ?type { kgo:Method kgo:Dataset kgo:Modality kgo:Metric kgo:Task }
  OPTIONAL { ?entity skos:prefLabel ?l }
} GROUP BY ?entity ?type"""
# every link states one sub-property of kgo:mentions, which says how the paper mentions the entity
LINKS = """SELECT ?paper ?entity ?relation WHERE { ?paper a kgo:Paper . %s }""" % mentions("?paper", "?entity", "?relation")
RESULTS = """
SELECT ?a ?b WHERE {
  { ?r kgo:method ?a ; kgo:dataset ?b } UNION { ?r kgo:method ?a ; kgo:metric ?b } UNION { ?r kgo:dataset ?a ; kgo:metric ?b }
}"""
EVIDENCE = """
SELECT ?entity (SAMPLE(?s) AS ?sentence) WHERE {
  VALUES ?entity { %s }
  ?link rdf:object ?entity ; rdf:subject ?paper ; kgo:span ?span .
  ?paper dcterms:title ?title ; dcterms:abstract ?abstract .
  # kgo:span is "start end sentenceStart sentenceEnd": the sentence is its last two offsets
  BIND(STRAFTER(STRAFTER(?span, " "), " ") AS ?sentenceSpan)
  BIND(xsd:integer(STRBEFORE(?sentenceSpan, " ")) AS ?from)
  BIND(xsd:integer(STRAFTER(?sentenceSpan, " ")) AS ?to)
  BIND(SUBSTR(CONCAT(?title, "\\n\\n", ?abstract), ?from + 1, ?to - ?from) AS ?s)
} GROUP BY ?entity"""


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def typed_graph(store: ox.Store, *, evidence: bool = False, results: bool = False) -> nx.Graph:
    """Papers and entities with their links; node ids are IRIs, every attribute is a str or an int."""
    G = nx.Graph()
    for paper, title, year in run(store, PAPERS).rows:
        if paper not in G:
            G.add_node(paper, type="paper", label=str(title or _local(paper)), year=issued_year(year), bipartite=0)
    for entity, etype, label in run(store, ENTITIES).rows:
        G.add_node(entity, type=_local(etype).lower(), label=str(label or _local(entity)), bipartite=1)
    for paper, entity, relation in run(store, LINKS).rows:
        if paper in G and entity in G:
            previous = G.edges[paper, entity]["relation"] if G.has_edge(paper, entity) else None
            if relation or previous is None:
                G.add_edge(paper, entity, relation=_local(relation) if relation else "mentions")
    for n, t in G.nodes(data="type"):
        if t != "paper":
            G.nodes[n]["papers"] = G.degree(n)
    # an entity declared but mentioned by no paper (e.g. only named in a vocabulary) is no part of the view
    G.remove_nodes_from([n for n, d in G.nodes(data=True) if d["type"] != "paper" and d["papers"] == 0])
    if results:
        for a, b in run(store, RESULTS).rows:
            if a in G and b in G and not G.has_edge(a, b):
                G.add_edge(a, b, relation="result")
    if evidence:
        add_evidence(store, G)
    return G


def evidence(store: ox.Store, entities: Iterable[str], *, chunk: int = 500) -> dict[str, str]:
    """One sentence of evidence for each entity (IRIs), in as few queries as the chunk size allows."""
    entities = sorted(set(entities))
    out: dict[str, str] = {}
    for i in range(0, len(entities), chunk):
        values = " ".join(f"<{e}>" for e in entities[i : i + chunk])
        for entity, sentence in run(store, EVIDENCE % values).rows:
            if sentence:
                out[entity] = str(sentence)
    return out


def add_evidence(store: ox.Store, G: nx.Graph) -> nx.Graph:
    """Set the `evidence` attribute of the entity nodes of G (those that have some)."""
    for n, sentence in evidence(store, entities(G)).items():
        G.nodes[n]["evidence"] = sentence
    return G


def papers(G: nx.Graph) -> list[str]:
    return sorted(n for n, t in G.nodes(data="type") if t == "paper")


def entities(G: nx.Graph, entity_type: str | None = None) -> list[str]:
    return sorted(n for n, t in G.nodes(data="type") if t != "paper" and (entity_type is None or t == entity_type))


def bipartite_graph(G: nx.Graph) -> nx.Graph:
    """The paper–entity graph: every node of G, only the edges between a paper and an entity."""
    B = nx.Graph()
    B.add_nodes_from(G.nodes(data=True))
    B.add_edges_from(
        (a, b, d) for a, b, d in G.edges(data=True) if (G.nodes[a]["type"] == "paper") != (G.nodes[b]["type"] == "paper")
    )
    return B


def entity_cooccurrence(G: nx.Graph) -> nx.Graph:
    """Entities linked when papers mention both; `weight` is the number of such papers."""
    H = bipartite.weighted_projected_graph(bipartite_graph(G), entities(G))
    for n in H:
        H.nodes[n].update(G.nodes[n])
        H.nodes[n]["papers"] = sum(1 for m in G.neighbors(n) if G.nodes[m]["type"] == "paper")
    return H


def paper_similarity(G: nx.Graph) -> nx.Graph:
    """Papers linked when they mention the same entities; `weight` is the number of shared entities."""
    H = bipartite.weighted_projected_graph(bipartite_graph(G), papers(G))
    for n in H:
        H.nodes[n].update(G.nodes[n])
    return H


def modality_graph(G: nx.Graph) -> nx.Graph:
    """Modalities linked when papers involve both; `weight` is the number of such papers."""
    mods = entities(G, "modality")
    B = bipartite_graph(G)
    keep = set(mods) | {p for m in mods for p in B.neighbors(m)}
    M = bipartite.weighted_projected_graph(B.subgraph(keep), mods)
    for n in M:
        M.nodes[n].update(G.nodes[n])
        M.nodes[n]["papers"] = B.degree(n)
    return M


# ----------------------------------------------------------------------------- bounded, sparse views

ENTITY_NODES = 3000  # the entity graph holds at most this many entities ...
ENTITY_EDGES = 100_000  # ... and at most this many edges (networkx keeps ~1 KB per edge)
PAPER_NEIGHBOURS = 10  # each paper's k most similar papers in the paper graph


def _ordered_graph(nodes: Iterable[int], edges: Iterable[tuple[int, int, int]], attrs) -> nx.Graph:
    """A graph whose nodes and edges are inserted in sorted order: algorithms that walk them (and
    seeded ones that shuffle them) then give the same answer on every run."""
    H = nx.Graph()
    H.add_nodes_from((n, attrs(n)) for n in sorted(nodes))
    H.add_weighted_edges_from(sorted(edges))
    return H


def entity_graph(inc, *, max_nodes: int = ENTITY_NODES, max_edges: int = ENTITY_EDGES) -> tuple[nx.Graph, dict]:
    """Entities linked by the number of papers that mention both (`weight`), for the entities most
    papers mention: as many as fit in max_nodes and max_edges. Nodes are entity numbers of `inc`
    with `type`, `label` and `papers`. Also returns what the graph holds and leaves out."""
    counts = inc.papers_per_entity
    order = np.lexsort((np.arange(len(counts)), -counts))[:max_nodes]  # most mentioned first, ties by IRI
    sub = inc.matrix[:, order].tocsc()
    shared = (sub.T @ sub).tocoo()
    upper = shared.row < shared.col
    a, b, w = shared.row[upper], shared.col[upper], shared.data[upper]
    # an edge joins the graph with its later endpoint: edges among the first n entities, for every n
    edges_by_size = np.cumsum(np.bincount(np.maximum(a, b), minlength=len(order)))
    n = int(np.searchsorted(edges_by_size, max_edges, side="right")) if len(order) else 0
    keep = np.maximum(a, b) < n
    ids = order[:n]
    H = _ordered_graph(
        ids.tolist(),
        ((int(min(ids[x], ids[y])), int(max(ids[x], ids[y])), int(c)) for x, y, c in zip(a[keep], b[keep], w[keep])),
        lambda e: {"type": inc.types[e], "label": inc.labels[e], "papers": int(counts[e])},
    )
    scope = {
        "entities": n, "of": len(counts), "edges": H.number_of_edges(),
        "least papers": int(counts[ids[-1]]) if n else 0,
        "bounded": n < len(counts), "max entities": max_nodes, "max edges": max_edges,
    }
    return H, scope


def paper_neighbours(inc, rows: Iterable[int], *, k: int = PAPER_NEIGHBOURS, block: int = 256) -> nx.Graph:
    """The papers at these row numbers of `inc`, each linked to the k papers among them that share
    most entities with it (ties to the lower row number); `weight` is the number shared. A paper
    sharing no entity with the others stays alone."""
    rows = np.unique(np.asarray(list(rows), dtype=np.int64))
    B = inc.matrix[rows].astype(np.int32)
    Bt = B.T.tocsr()
    n, k = len(rows), min(k, len(rows) - 1)
    edges: dict[tuple[int, int], int] = {}
    tiebreak = (n - 1 - np.arange(n)).astype(np.int64)  # the lower row number wins a tie
    for start in range(0, n, block):
        shared = (B[start:start + block] @ Bt).toarray().astype(np.int64)
        shared[np.arange(shared.shape[0]), np.arange(start, start + shared.shape[0])] = 0
        if k <= 0:
            break
        key = shared * n + tiebreak
        best = np.argpartition(-key, k - 1, axis=1)[:, :k]
        for i, js in enumerate(best):
            for j in js:
                if shared[i, j] > 0:
                    x, y = sorted((int(rows[start + i]), int(rows[j])))
                    edges[x, y] = int(shared[i, j])
    return _ordered_graph(rows.tolist(), ((x, y, w) for (x, y), w in edges.items()), lambda r: {"type": "paper"})


def modality_cooccurrence(inc) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(entity numbers of the modalities, papers per modality, papers per pair as a square matrix
    whose diagonal is the papers per modality)."""
    mods = inc.of_type("modality")
    sub = inc.matrix[:, mods].tocsc()
    both = (sub.T @ sub).toarray().astype(np.int64)
    return mods, np.diag(both).copy(), both
