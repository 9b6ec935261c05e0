"""NetworkX views of a built graph, read from the store in one query.

- `typed_graph(store)`: papers and entities as nodes (attribute `type`), paper–entity edges
  (attribute `relation`: proposes, uses, involvesModality, addressesTask, measuresWith).
- `entity_cooccurrence(G)`: entities linked by the number of papers they share (`weight`).
- `paper_similarity(G)`: papers linked by the number of entities they share.
- `modality_graph(G)`: the co-occurrence graph restricted to modalities.
"""
from __future__ import annotations

import networkx as nx
import pyoxigraph as ox
from networkx.algorithms import bipartite

from kg.query import run

LINKS = """
SELECT ?paper ?title ?year ?entity ?type ?label ?relation WHERE {
  ?paper a kgo:Paper ; dcterms:title ?title .
  OPTIONAL { ?paper dcterms:issued ?year }
  ?paper ?relation ?entity .
  VALUES ?relation { kgo:proposes kgo:uses kgo:involvesModality kgo:addressesTask kgo:measuresWith }
  ?entity a ?type ; skos:prefLabel ?label .
  VALUES ?type { kgo:Method kgo:Dataset kgo:Modality kgo:Metric kgo:Task }
}"""
EVIDENCE = """
SELECT ?paper ?entity (SAMPLE(?s) AS ?sentence) WHERE {
  ?link rdf:subject ?paper ; rdf:object ?entity ; kgo:evidence ?ev . ?ev kgo:inSentence/kgo:text ?s
} GROUP BY ?paper ?entity"""

ENTITY_TYPES = ("method", "dataset", "modality", "metric", "task")


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def typed_graph(store: ox.Store, *, evidence: bool = False) -> nx.Graph:
    """Papers and entities with their links; node ids are IRIs."""
    G = nx.Graph()
    for paper, title, year, entity, etype, label, relation in run(store, LINKS).rows:
        if paper not in G:
            G.add_node(paper, type="paper", label=title, year=year or 0, bipartite=0)
        if entity not in G:
            G.add_node(entity, type=_local(etype).lower(), label=label, bipartite=1)
        G.add_edge(paper, entity, relation=_local(relation))
    if evidence:
        for paper, entity, sentence in run(store, EVIDENCE).rows:
            if G.has_edge(paper, entity):
                G.edges[paper, entity]["evidence"] = sentence
    return G


def papers(G: nx.Graph) -> list[str]:
    return sorted(n for n, t in G.nodes(data="type") if t == "paper")


def entities(G: nx.Graph, entity_type: str | None = None) -> list[str]:
    return sorted(n for n, t in G.nodes(data="type") if t != "paper" and (entity_type is None or t == entity_type))


def entity_cooccurrence(G: nx.Graph) -> nx.Graph:
    H = bipartite.weighted_projected_graph(G, entities(G))
    for n in H:
        H.nodes[n].update(G.nodes[n])
        H.nodes[n]["papers"] = G.degree(n)
    return H


def paper_similarity(G: nx.Graph) -> nx.Graph:
    H = bipartite.weighted_projected_graph(G, papers(G))
    for n in H:
        H.nodes[n].update(G.nodes[n])
    return H


def modality_graph(G: nx.Graph) -> nx.Graph:
    H = entity_cooccurrence(G)
    return H.subgraph(entities(G, "modality")).copy()
