"""Trends by year, where papers have dates (dcterms:issued)."""
from __future__ import annotations

from collections import Counter, defaultdict

import networkx as nx


def papers_per_year(G: nx.Graph) -> dict[int, int]:
    counts = Counter(int(d["year"]) for _, d in G.nodes(data=True) if d["type"] == "paper" and d.get("year"))
    return dict(sorted(counts.items()))


def trends(G: nx.Graph, k: int = 5) -> dict[int, dict[str, list[tuple[str, int]]]]:
    """For each year with dated papers, the most mentioned entities of each type."""
    counts: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for p, data in G.nodes(data=True):
        if data["type"] != "paper" or not data.get("year"):
            continue
        for e in G.neighbors(p):
            if G.nodes[e]["type"] != "paper":
                counts[int(data["year"])][G.nodes[e]["type"]][G.nodes[e]["label"]] += 1
    return {
        year: {t: sorted(c.items(), key=lambda x: (-x[1], x[0]))[:k] for t, c in sorted(types.items())}
        for year, types in sorted(counts.items())
    }


def share_by_year(G: nx.Graph, entity_type: str = "modality", k: int = 6) -> dict[str, dict[int, float]]:
    """For the k entities of a type mentioned by most dated papers: the share of each year's papers
    that mention them."""
    per_year = papers_per_year(G)
    counts: dict[str, Counter] = defaultdict(Counter)
    for p, data in G.nodes(data=True):
        if data["type"] != "paper" or not data.get("year"):
            continue
        for e in G.neighbors(p):
            if G.nodes[e]["type"] == entity_type:
                counts[G.nodes[e]["label"]][int(data["year"])] += 1
    ranked = sorted(counts, key=lambda l: (-sum(counts[l].values()), l))[:k]
    return {l: {y: round(counts[l][y] / n, 4) for y, n in per_year.items()} for l in ranked}
