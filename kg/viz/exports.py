"""Exports of a view for the tools people already use: GraphML, GEXF (Gephi), Cytoscape JSON, PNG/SVG."""
from __future__ import annotations

import json
import os
from pathlib import Path

import networkx as nx

from kg.errors import KgError
from kg.viz.html import STYLE

FORMATS = ("html", "graphml", "gexf", "cytoscape", "png", "svg")


def _plain(G: nx.Graph) -> nx.Graph:
    """A copy whose attributes are all str/int/float (GraphML and GEXF accept nothing else)."""
    H = nx.Graph()
    for n, d in G.nodes(data=True):
        H.add_node(n, **{k: (v if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)) for k, v in d.items() if v is not None})
    for a, b, d in G.edges(data=True):
        H.add_edge(a, b, **{k: (v if isinstance(v, (int, float)) else str(v)) for k, v in d.items() if v is not None})
    return H


def draw(G: nx.Graph, path: Path, fmt: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(14, 10))
    pos = nx.spring_layout(G, seed=42, k=0.3)
    colours = [STYLE.get(t, ("#777",))[0] for _, t in G.nodes(data="type")]
    sizes = [20 + 15 * G.degree(n) for n in G]
    nx.draw_networkx_edges(G, pos, ax=ax, alpha=0.2, width=0.5)
    nx.draw_networkx_nodes(G, pos, ax=ax, node_color=colours, node_size=sizes, linewidths=0)
    biggest = sorted(G.degree, key=lambda x: -x[1])[:25]
    nx.draw_networkx_labels(G, pos, {n: str(G.nodes[n]["label"])[:25] for n, _ in biggest}, font_size=7, ax=ax)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, format=fmt, dpi=110)
    plt.close(fig)


def export_view(G: nx.Graph, path: str | Path, fmt: str, *, note: str | None = None) -> Path:
    """Write a view in one format, through a temporary file renamed into place."""
    if fmt not in FORMATS:
        raise KgError(f"unknown view format {fmt!r}; choose one of {', '.join(FORMATS)}")
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if fmt == "html":
            from kg.viz.html import render

            tmp.write_text(render(G, note=note), encoding="utf-8")
        elif fmt == "graphml":
            nx.write_graphml(_plain(G), tmp)
        elif fmt == "gexf":
            nx.write_gexf(_plain(G), tmp)
        elif fmt == "cytoscape":
            tmp.write_text(json.dumps(nx.cytoscape_data(_plain(G)), ensure_ascii=False))
        else:
            draw(G, tmp, fmt)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
