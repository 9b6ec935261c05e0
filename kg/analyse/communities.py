"""Louvain communities of a view, labelled from their top entities, and the bridges between them."""
from __future__ import annotations

from collections import defaultdict

import networkx as nx
import numpy as np

from kg.analyse.metrics import betweenness, canonical


def louvain(H: nx.Graph, *, seed: int = 42) -> list[set]:
    """networkx's Louvain communities (weighted, seeded), largest first; isolated nodes are singletons.

    Louvain shuffles the nodes with its seed and then walks sets of them; it runs on a copy whose
    nodes are integers in sorted order, so the result depends on the graph and the seed only, not on
    the order the graph was built in or on the hash seed (sets of strings iterate in hash order)."""
    if H.number_of_nodes() == 0:
        return []
    K, nodes = canonical(H)
    parts = nx.community.louvain_communities(K, weight="weight", seed=seed)
    return sorted(({nodes[i] for i in c} for c in parts), key=lambda c: (-len(c), min(map(str, c))))


def communities(H: nx.Graph, *, seed: int = 42, top: int = 3) -> list[dict]:
    """Communities of an entity graph, each labelled by the members most connected inside it."""
    if H.number_of_edges() == 0:
        return []
    out = []
    for members in louvain(H, seed=seed):
        inside = H.subgraph(members)
        ranked = sorted(members, key=lambda n: (-inside.degree(n, weight="weight"), str(H.nodes[n].get("label", n))))
        out.append({
            "label": " / ".join(str(H.nodes[n].get("label", n)) for n in ranked[:top]),
            "size": len(members),
            "top": [str(H.nodes[n].get("label", n)) for n in ranked[:10]],
            "members": sorted(members),
        })
    return out


def paper_communities(inc, P: nx.Graph, *, seed: int = 42, top: int = 3, skip_types=("modality",)) -> list[dict]:
    """Communities of the paper graph P (nodes: row numbers of the incidence matrix `inc`), each
    labelled by the entities its papers mention most often relative to the whole corpus (so that
    entities every paper mentions do not name them all)."""
    if P.number_of_edges() == 0:
        return []
    total = inc.matrix.shape[0] or 1
    overall = inc.papers_per_entity / total
    allowed = np.array([t not in skip_types for t in inc.types], dtype=bool)
    out = []
    for members in louvain(P, seed=seed):
        rows = sorted(members)
        counts = np.asarray(inc.matrix[rows].sum(axis=0)).ravel()
        inside = counts / len(rows)
        # share inside the community times lift over the corpus; an entity must occur at least twice
        candidates = np.flatnonzero(allowed & (counts >= min(2, len(rows))))
        score = inside[candidates] * (inside[candidates] / overall[candidates])
        ranked = sorted(zip(candidates.tolist(), score.tolist()), key=lambda x: (-round(x[1], 12), inc.labels[x[0]]))
        labels = [inc.labels[e] for e, _ in ranked]
        out.append({
            "label": " / ".join(labels[:top]) or "(no shared entity)",
            "size": len(rows),
            "top": labels[:10],
            "members": rows,
        })
    return out


def participation(H: nx.Graph, community_of: dict, n) -> float:
    """Guimerà–Amaral participation coefficient: 0 when all of n's links stay in one community,
    close to 1 when they spread evenly over many."""
    links: dict = defaultdict(float)
    for m in H.neighbors(n):
        links[community_of.get(m)] += H.edges[n, m].get("weight", 1)
    total = sum(links.values())
    if not total:
        return 0.0
    return 1.0 - sum((w / total) ** 2 for w in links.values())


def bridges(H: nx.Graph, parts: list[dict], k: int = 10, *, seed: int = 42, between: dict | None = None) -> list[dict]:
    """Nodes linked to several communities, ranked by betweenness, with their participation coefficient.
    `between` reuses betweenness already computed on H."""
    community_of = {n: i for i, c in enumerate(parts) for n in c["members"]}
    if between is None:
        between = betweenness(H, seed=seed)
    rows = []
    for n in H:
        reached = {community_of.get(m) for m in H.neighbors(n)} - {community_of.get(n), None}
        if reached:
            rows.append({
                "label": H.nodes[n].get("label", n),
                "type": H.nodes[n].get("type"),
                "communities_reached": len(reached),
                "participation": round(participation(H, community_of, n), 4),
                "betweenness": round(between.get(n, 0.0), 6),
            })
    rows.sort(key=lambda r: (-r["betweenness"], -r["participation"], str(r["label"])))
    return rows[:k]


def modality_bridges(H: nx.Graph, k: int = 10, *, types=("method", "dataset", "task", "metric"), min_papers: int = 2) -> list[dict]:
    """Entities that connect modalities: mentioned with several modalities, spread evenly over them.

    H is the entity co-occurrence graph; an entity's modalities are its modality neighbours, weighted
    by shared papers; entities of fewer than min_papers papers are left out. Ranked by the number of modalities reached, then the participation coefficient
    over those modalities, then the number of papers.
    """
    rows = []
    for n, t in H.nodes(data="type"):
        if t not in types or H.nodes[n].get("papers", 0) < min_papers:
            continue
        mods = {m: H.edges[n, m]["weight"] for m in H.neighbors(n) if H.nodes[m].get("type") == "modality"}
        if len(mods) < 2:
            continue
        total = sum(mods.values())
        spread = 1.0 - sum((w / total) ** 2 for w in mods.values())
        ranked = sorted(mods, key=lambda m: (-mods[m], str(H.nodes[m]["label"])))
        rows.append({
            "label": H.nodes[n]["label"],
            "type": t,
            "modalities": len(mods),
            "participation": round(spread, 4),
            "papers": H.nodes[n].get("papers", 0),
            "top_modalities": [str(H.nodes[m]["label"]) for m in ranked[:5]],
        })
    rows.sort(key=lambda r: (-r["modalities"], -r["participation"], -r["papers"], str(r["label"])))
    return rows[:k]
