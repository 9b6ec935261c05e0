"""Centrality of the nodes of a view, and the most central nodes of each type (networkx algorithms)."""
from __future__ import annotations

from collections import defaultdict

import networkx as nx

EXACT_BETWEENNESS = 1000  # above this many nodes, betweenness is estimated from a seeded sample
SAMPLE = 200


def betweenness(G: nx.Graph, *, seed: int = 42) -> dict:
    """Betweenness centrality; exact on graphs up to EXACT_BETWEENNESS nodes, sampled (seeded) above."""
    if G.number_of_nodes() == 0:
        return {}
    k = None if len(G) <= EXACT_BETWEENNESS else SAMPLE
    return nx.betweenness_centrality(G, k=k, seed=seed)


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
