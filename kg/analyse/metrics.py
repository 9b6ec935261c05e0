"""Centrality of the nodes of a view, and the most central nodes of each type (networkx algorithms)."""
from __future__ import annotations

from collections import defaultdict

import networkx as nx

# Exact betweenness runs a search from every node (nodes × edges steps); above this many steps it
# runs from a seeded sample of k nodes (networkx's estimate), k as large as the budget allows.
BETWEENNESS_STEPS = 20_000_000
MIN_SAMPLE = 50


def canonical(G: nx.Graph) -> tuple[nx.Graph, list]:
    """A copy of G with integer nodes 0..n-1 (G's nodes in sorted order, returned) and edges
    inserted in sorted order: seeded algorithms then repeat whatever order G was built in."""
    nodes = sorted(G, key=lambda n: (str(type(n)), n))
    index = {n: i for i, n in enumerate(nodes)}
    K = nx.Graph()
    K.add_nodes_from(range(len(nodes)))
    K.add_edges_from(sorted((min(index[a], index[b]), max(index[a], index[b]), d) for a, b, d in G.edges(data=True)))
    return K, nodes


def betweenness_sample(G: nx.Graph) -> int | None:
    """How many source nodes betweenness is estimated from on G; None when it is exact."""
    steps = G.number_of_nodes() * max(G.number_of_edges(), 1)
    if steps <= BETWEENNESS_STEPS:
        return None
    return min(G.number_of_nodes(), max(MIN_SAMPLE, BETWEENNESS_STEPS // max(G.number_of_edges(), 1)))


def betweenness(G: nx.Graph, *, seed: int = 42) -> dict:
    """Betweenness centrality; exact when the graph is small enough (`betweenness_sample`), else
    networkx's estimate from k seeded source nodes."""
    if G.number_of_nodes() == 0:
        return {}
    K, nodes = canonical(G)
    scores = nx.betweenness_centrality(K, k=betweenness_sample(G), seed=seed)
    return {nodes[i]: s for i, s in scores.items()}


def centrality(G: nx.Graph, *, weight: str | None = "weight", seed: int = 42) -> dict[str, dict[str, float]]:
    """Degree, weighted degree (`strength`), PageRank and betweenness of every node."""
    if G.number_of_nodes() == 0:
        return {}
    degree = dict(G.degree())
    strength = dict(G.degree(weight=weight)) if weight else degree
    pagerank = nx.pagerank(G, weight=weight) if G.number_of_edges() else {n: 1 / len(G) for n in G}
    between = betweenness(G, seed=seed)
    return {
        n: {"degree": degree[n], "strength": strength[n], "pagerank": pagerank[n], "betweenness": between[n]}
        for n in G
    }


def top_by_type(
    G: nx.Graph, scores: dict[str, dict[str, float]], measure: str, k: int = 10
) -> dict[str, list[tuple[str, float]]]:
    """The k highest-scoring nodes of each type, as (label, score); ties broken by label."""
    out: dict[str, list[tuple[str, float]]] = {}
    by_type: dict[str, list[str]] = defaultdict(list)
    for n, t in G.nodes(data="type"):
        by_type[t].append(n)
    for t, nodes in sorted(by_type.items(), key=lambda x: str(x[0])):
        ranked = sorted(nodes, key=lambda n: (-scores[n][measure], str(G.nodes[n].get("label", n))))
        out[t] = [(G.nodes[n].get("label", n), round(scores[n][measure], 6)) for n in ranked[:k]]
    return out


def modality_pairs(M: nx.Graph) -> list[tuple[str, str, int]]:
    """Pairs of modalities and the number of papers involving both, most frequent first."""
    return sorted(
        ((M.nodes[a]["label"], M.nodes[b]["label"], d["weight"]) for a, b, d in M.edges(data=True)),
        key=lambda x: (-x[2], x[0], x[1]),
    )
