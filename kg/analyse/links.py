"""Link prediction: entity pairs that no paper mentions together yet, ranked by Adamic–Adar."""
from __future__ import annotations

import networkx as nx


def missing_links(H: nx.Graph, kinds: tuple[str, str], k: int = 10) -> list[dict]:
    """Pairs of two entity types (e.g. method–dataset) that are not linked in the co-occurrence graph H
    but share neighbours, ranked by networkx's Adamic–Adar index (ties by label)."""
    a_nodes = sorted(n for n, t in H.nodes(data="type") if t == kinds[0])
    b_nodes = {n for n, t in H.nodes(data="type") if t == kinds[1]}
    candidates = set()  # two hops apart: at least one common neighbour, else the index is 0
    for a in a_nodes:
        for mid in H.neighbors(a):
            for b in H.neighbors(mid):
                if b in b_nodes and b != a and not H.has_edge(a, b):
                    candidates.add((a, b))
    scored = list(nx.adamic_adar_index(H, sorted(candidates)))
    label = lambda n: str(H.nodes[n].get("label", n))  # noqa: E731
    scored.sort(key=lambda x: (-x[2], label(x[0]), label(x[1])))
    return [
        {kinds[0]: label(a), kinds[1]: label(b), "score": round(s, 4),
         # the shared neighbours that weigh most in the index: the least connected ones
         "common": [label(m) for m in sorted(nx.common_neighbors(H, a, b), key=lambda m: (H.degree(m), label(m)))[:5]]}
        for a, b, s in scored[:k]
    ]
