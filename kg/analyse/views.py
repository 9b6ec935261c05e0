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
"""
from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
import pyoxigraph as ox
from networkx.algorithms import bipartite

from kg.query import run

ENTITY_TYPES = ("method", "dataset", "modality", "metric", "task")
RELATIONS = ("proposes", "uses", "involvesModality", "addressesTask", "measuresWith")

PAPERS = """
SELECT ?paper ?title ?year WHERE {
  ?paper a kgo:Paper .
  OPTIONAL { ?paper dcterms:title ?title }
  OPTIONAL { ?paper dcterms:issued ?year }
}"""
ENTITIES = """
SELECT ?entity ?type (SAMPLE(?l) AS ?label) WHERE {
  ?entity a ?type .
  VALUES ?type { kgo:Method kgo:Dataset kgo:Modality kgo:Metric kgo:Task }
  OPTIONAL { ?entity skos:prefLabel ?l }
} GROUP BY ?entity ?type"""
# kgo:mentions is materialised for every link; the sub-property, when there is one, says how.
LINKS = """
SELECT ?paper ?entity ?relation WHERE {
  ?paper a kgo:Paper ; kgo:mentions ?entity .
  OPTIONAL {
    ?paper ?relation ?entity .
    VALUES ?relation { kgo:proposes kgo:uses kgo:involvesModality kgo:addressesTask kgo:measuresWith }
  }
}"""
RESULTS = """
SELECT ?a ?b WHERE {
  ?r a kgo:Result .
  { ?r kgo:method ?a ; kgo:dataset ?b } UNION { ?r kgo:method ?a ; kgo:metric ?b } UNION { ?r kgo:dataset ?a ; kgo:metric ?b }
}"""
EVIDENCE = """
SELECT ?entity (SAMPLE(?s) AS ?sentence) WHERE {
  VALUES ?entity { %s }
  ?link rdf:object ?entity ; rdf:subject ?paper ; kgo:sentenceStart ?from ; kgo:sentenceEnd ?to .
  ?paper dcterms:title ?title ; dcterms:abstract ?abstract .
  BIND(SUBSTR(CONCAT(?title, "\\n\\n", ?abstract), ?from + 1, ?to - ?from) AS ?s)
} GROUP BY ?entity"""


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _year(value: object) -> int:
    try:
        return int(str(value)[:4])
    except (TypeError, ValueError):
        return 0


def typed_graph(store: ox.Store, *, evidence: bool = False, results: bool = False) -> nx.Graph:
    """Papers and entities with their links; node ids are IRIs, every attribute is a str or an int."""
    G = nx.Graph()
    for paper, title, year in run(store, PAPERS).rows:
        if paper not in G:
            G.add_node(paper, type="paper", label=str(title or _local(paper)), year=_year(year), bipartite=0)
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
