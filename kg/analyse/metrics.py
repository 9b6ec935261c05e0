"""Centrality of the nodes of a view, and the most central nodes of each type (networkx algorithms)."""
from __future__ import annotations

import random
from collections import defaultdict

import networkx as nx
import numpy as np
from scipy import sparse

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
    """Betweenness centrality (unweighted, normalised); exact when the graph is small enough
    (`betweenness_sample`), else estimated from k source nodes. The same figures as networkx's
    `betweenness_centrality(G, k, seed=seed)` on G's nodes in sorted order: the same sources (drawn
    as networkx draws them) and the same rescaling, but the searches run as sparse matrix products
    (`source_dependencies`) instead of a Python loop over every edge from every source."""
    n = G.number_of_nodes()
    if n == 0:
        return {}
    K, nodes = canonical(G)
    k = betweenness_sample(G)
    if k == n:
        k = None  # networkx treats k = n as exact
    sources = np.arange(n) if k is None else np.array(random.Random(seed).sample(range(n), k), dtype=np.int64)
    A = nx.to_scipy_sparse_array(K, nodelist=range(n), weight=None, format="csr", dtype=np.float64)
    raw = source_dependencies(A, sources)
    # networkx's rescaling (3.5+): pairs (s, t), s a source and t != s, v; a sampled source cannot
    # lie between itself and a target, so it is scaled over one source fewer
    N = n - 1
    if N < 2:
        return {nodes[i]: float(raw[i]) for i in range(n)}
    if k is None:
        scaled = raw / (N * (N - 1))
    else:
        scaled = raw / (k * (N - 1))
        scaled[sources] = raw[sources] / ((k - 1) * (N - 1))
    return {nodes[i]: float(scaled[i]) for i in range(n)}


def source_dependencies(A: sparse.csr_array, sources: np.ndarray, *, batch: int = 128) -> np.ndarray:
    """Each node's dependency summed over the sources (Brandes 2001, unweighted): the sum over
    sources s and targets t of the share of shortest s-t paths through the node (not s, not t).

    A is the graph's symmetric 0/1 adjacency matrix. The searches from a batch of sources run side
    by side: one breadth-first level is one sparse product of the adjacency with the batch's
    (sources × nodes) path counts, and the dependencies are accumulated back level by level the
    same way. Memory: a few dense arrays of batch × nodes."""
    n = A.shape[0]
    total = np.zeros(n)
    for start in range(0, len(sources), batch):
        S = np.asarray(sources[start:start + batch])
        rows = np.arange(len(S))
        sigma = np.zeros((len(S), n))  # shortest paths from each source
        sigma[rows, S] = 1.0
        level = np.full((len(S), n), -1, dtype=np.int32)
        level[rows, S] = 0
        frontier, depth = sigma.copy(), 0
        while True:
            reached = (A @ frontier.T).T  # paths one step beyond the frontier
            reached[level >= 0] = 0.0
            new = reached > 0
            if not new.any():
                break
            depth += 1
            level[new] = depth
            sigma[new] = reached[new]
            frontier = np.where(new, reached, 0.0)
        delta = np.zeros((len(S), n))
        safe = np.where(sigma > 0, sigma, 1.0)
        for d in range(depth, 0, -1):
            coeff = np.where(level == d, (1.0 + delta) / safe, 0.0)
            delta += np.where(level == d - 1, sigma * (A @ coeff.T).T, 0.0)
        delta[rows, S] = 0.0  # a source is not between itself and a target
        total += delta.sum(axis=0)
    return total


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
