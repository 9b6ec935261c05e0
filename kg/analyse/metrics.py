"""Algorithms over the views, as plain functions: centrality, communities, bridges, link prediction, trends."""
from __future__ import annotations

from collections import Counter, defaultdict

import networkx as nx



def centrality(G: nx.Graph, *, weight: str | None = "weight") -> dict[str, dict[str, float]]:
    """Degree, PageRank and betweenness of every node (betweenness approximated on large graphs)."""
    if G.number_of_nodes() == 0:
        return {}
    degree = dict(G.degree())
    pagerank = nx.pagerank(G, weight=weight) if G.number_of_edges() else {n: 1 / len(G) for n in G}
    k = None if len(G) <= 2000 else 500  # sampled betweenness keeps large graphs tractable
    betweenness = nx.betweenness_centrality(G, k=k, seed=42)
    return {n: {"degree": degree[n], "pagerank": pagerank[n], "betweenness": betweenness[n]} for n in G}


def top_by_type(G: nx.Graph, scores: dict[str, dict[str, float]], measure: str, k: int = 10) -> dict[str, list[tuple[str, float]]]:
    """The k highest-scoring nodes of each type, as (label, score), ties broken by label."""
    out: dict[str, list[tuple[str, float]]] = {}
    by_type: dict[str, list[str]] = defaultdict(list)
    for n, t in G.nodes(data="type"):
        by_type[t].append(n)
    for t, nodes in sorted(by_type.items()):
        ranked = sorted(nodes, key=lambda n: (-scores[n][measure], G.nodes[n]["label"]))
        out[t] = [(G.nodes[n]["label"], round(scores[n][measure], 6)) for n in ranked[:k]]
    return out


def communities(H: nx.Graph, *, seed: int = 42, top: int = 3) -> list[dict]:
    """Louvain communities of a weighted graph, each labelled by its highest-degree members."""
    if H.number_of_edges() == 0:
        return []
    parts = nx.community.louvain_communities(H, weight="weight", seed=seed)
    out = []
    for members in sorted(parts, key=lambda c: (-len(c), min(c))):
        ranked = sorted(members, key=lambda n: (-H.degree(n, weight="weight"), H.nodes[n].get("label", n)))
        out.append({
            "label": " / ".join(H.nodes[n].get("label", n) for n in ranked[:top]),
            "size": len(members),
            "members": sorted(members),
        })
    return out


def bridges(H: nx.Graph, parts: list[dict], k: int = 10) -> list[dict]:
    """Nodes that connect communities: neighbours in several communities, ranked by betweenness."""
    community_of = {n: i for i, c in enumerate(parts) for n in c["members"]}
    between = nx.betweenness_centrality(H, k=None if len(H) <= 2000 else 500, seed=42) if len(H) else {}
    rows = []
    for n in H:
        reached = {community_of.get(m) for m in H.neighbors(n)} - {community_of.get(n), None}
        if reached:
            rows.append({"label": H.nodes[n].get("label", n), "type": H.nodes[n].get("type"),
                         "communities_reached": len(reached), "betweenness": round(between.get(n, 0.0), 6)})
    rows.sort(key=lambda r: (-r["betweenness"], -r["communities_reached"], r["label"]))
    return rows[:k]


def missing_links(H: nx.Graph, kinds: tuple[str, str], k: int = 10) -> list[dict]:
    """Pairs of entity kinds (e.g. method–dataset) that no paper links yet, ranked by Adamic–Adar."""
    a_nodes = [n for n, t in H.nodes(data="type") if t == kinds[0]]
    b_nodes = set(n for n, t in H.nodes(data="type") if t == kinds[1])
    # candidate pairs share at least one neighbour: two hops away in the co-occurrence graph
    candidates = set()
    for a in a_nodes:
        for mid in H.neighbors(a):
            for b in H.neighbors(mid):
                if b in b_nodes and b != a and not H.has_edge(a, b):
                    candidates.add((a, b))
    scored = [(a, b, s) for a, b, s in nx.adamic_adar_index(H, sorted(candidates))]
    scored.sort(key=lambda x: (-x[2], H.nodes[x[0]]["label"], H.nodes[x[1]]["label"]))
    return [{kinds[0]: H.nodes[a]["label"], kinds[1]: H.nodes[b]["label"], "score": round(s, 4)} for a, b, s in scored[:k]]


def trends(G: nx.Graph, k: int = 5) -> dict[int, dict[str, list[tuple[str, int]]]]:
    """For each year with dated papers, the most mentioned entities of each type."""
    counts: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for p, data in G.nodes(data=True):
        if data["type"] != "paper" or not data.get("year"):
            continue
        for e in G.neighbors(p):
            counts[int(data["year"])][G.nodes[e]["type"]][G.nodes[e]["label"]] += 1
    return {
        year: {t: sorted(c.items(), key=lambda x: (-x[1], x[0]))[:k] for t, c in sorted(types.items())}
        for year, types in sorted(counts.items())
    }


def modality_pairs(M: nx.Graph) -> list[tuple[str, str, int]]:
    return sorted(
        ((M.nodes[a]["label"], M.nodes[b]["label"], d["weight"]) for a, b, d in M.edges(data=True)),
        key=lambda x: (-x[2], x[0], x[1]),
    )


