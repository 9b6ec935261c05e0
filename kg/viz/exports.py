"""Exports of a view for the tools people already use: GraphML, GEXF (Gephi), Cytoscape JSON, PNG/SVG."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

from kg.errors import KgError
from kg.outputs import (
    PICTURE_METADATA, XML_MARK, atomic_file, check_file_target, cytoscape_by_kg, png_by_kg, svg_by_kg, view_by_kg,
    xml_by_kg,
)
from kg.viz.style import STYLE

EXTENSIONS = {"html": "html", "graphml": "graphml", "gexf": "gexf", "cytoscape": "cyjs", "png": "png", "svg": "svg"}
FORMATS = tuple(EXTENSIONS)
# the file names an earlier view of each format may have: only such a file is replaced (kg.outputs)
REPLACEABLE = {**{f: [e] for f, e in EXTENSIONS.items()}, "html": ["html", "htm"], "cytoscape": ["cyjs", "json"]}
# how an existing file is known for a view kg wrote: a figure.svg or network.graphml of the user's has the
# same extension (and may come from matplotlib or networkx themselves), so the extension is not enough
SIGNS = {"html": (view_by_kg, "a view"), "cytoscape": (cytoscape_by_kg, "a Cytoscape view"),
         "graphml": (xml_by_kg, "a GraphML view"), "gexf": (xml_by_kg, "a GEXF view"),
         "png": (png_by_kg, "a PNG view"), "svg": (svg_by_kg, "an SVG view")}


def _value(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)


def _plain(G: nx.Graph) -> nx.Graph:
    """A copy whose node ids are str and attributes all str/int/float, none None (GraphML and GEXF
    accept nothing else). Every node gets the same attribute keys, empty when it has no value."""
    keys = sorted({k for _, d in G.nodes(data=True) for k in d})
    defaults = {k: next((0 if isinstance(v, (int, float)) and not isinstance(v, bool) else "")
                        for _, d in G.nodes(data=True) if (v := d.get(k)) is not None) for k in keys}
    H = nx.Graph()
    for n, d in G.nodes(data=True):
        H.add_node(str(n), **{k: _value(d[k]) if d.get(k) is not None else defaults[k] for k in keys if k in defaults})
    for a, b, d in G.edges(data=True):
        H.add_edge(str(a), str(b), **{k: _value(v) for k, v in d.items() if v is not None})
    return H


def draw(G: nx.Graph, path: Path, fmt: str, note: str | None = None) -> None:
    """A static picture of a view (spring layout, seed 42), coloured by type, the 25 best-connected nodes named."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(14, 10))
    pos = nx.spring_layout(G, seed=42, k=0.3)
    colours = [STYLE.get(t, ("#777777",))[0] for _, t in G.nodes(data="type")]
    sizes = [20 + 15 * G.degree(n) for n in G]
    nx.draw_networkx_edges(G, pos, ax=ax, alpha=0.2, width=0.5)
    nx.draw_networkx_nodes(G, pos, ax=ax, node_color=colours, node_size=sizes, linewidths=0)
    biggest = sorted(G.degree, key=lambda x: -x[1])[:25]
    nx.draw_networkx_labels(G, pos, {n: str(G.nodes[n].get("label", n))[:25] for n, _ in biggest}, font_size=7, ax=ax)
    present = {t for _, t in G.nodes(data="type")}
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", linestyle="", color=c, label=t) for t, (c, _) in STYLE.items() if t in present]
    if handles:
        ax.legend(handles=handles, loc="upper right", frameon=False)
    if note:
        ax.set_title(note, fontsize=9, color="#a33")
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, format=fmt, dpi=110, metadata=PICTURE_METADATA[fmt])  # kg's mark (kg.outputs)
    plt.close(fig)


def check_view_target(path: str | Path, fmt: str) -> None:
    """Raise KgError, before any work, unless a view in `fmt` may be written to `path`."""
    if fmt not in FORMATS:
        raise KgError(f"unknown view format {fmt!r}; choose one of {', '.join(FORMATS)}")
    check_file_target(path, REPLACEABLE[fmt], *SIGNS[fmt])


def _write_xml(lines: Iterator[str], path: Path) -> None:
    """Write networkx's GraphML or GEXF lines with kg's mark after the XML declaration."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"<?xml version='1.0' encoding='utf-8'?>\n{XML_MARK}\n")
        for line in lines:
            fh.write(line + "\n")


def export_view(G: nx.Graph, path: str | Path, fmt: str, *, note: str | None = None) -> Path:
    """Write a view in one format, through a temporary file renamed into place; an existing file
    is replaced only if it is a view of that format (kg.outputs)."""
    path = Path(path)
    check_view_target(path, fmt)
    with atomic_file(path) as tmp:
        if fmt == "html":
            from kg.viz.html import render

            tmp.write_text(render(G, note=note), encoding="utf-8")
        elif fmt == "graphml":
            _write_xml(nx.generate_graphml(_plain(G)), tmp)
        elif fmt == "gexf":
            _write_xml(nx.generate_gexf(_plain(G)), tmp)
        elif fmt == "cytoscape":
            tmp.write_text(json.dumps(nx.cytoscape_data(_plain(G)), ensure_ascii=False))
        else:
            draw(G, tmp, fmt, note)
    return path
