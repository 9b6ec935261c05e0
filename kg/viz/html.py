"""The interactive HTML view (pyvis / vis-network), self-contained: scripts and styles inlined.

Every string that comes from papers reaches the page as data: vis-network renders node titles as
text, pyvis serialises nodes with Jinja's `tojson` (which escapes <, > and &), and the legend and
notes added here are HTML-escaped.
"""
from __future__ import annotations

import html
import os
import re
from pathlib import Path

import networkx as nx
from pyvis.network import Network

from kg.analyse import views
from kg.store import open_store
from kg.viz.select import select

STYLE = {  # type -> (colour, shape)
    "paper": ("#9e9e9e", "dot"),
    "method": ("#1f77b4", "diamond"),
    "dataset": ("#2ca02c", "square"),
    "modality": ("#d62728", "star"),
    "metric": ("#9467bd", "triangle"),
    "task": ("#ff7f0e", "triangleDown"),
}
# Stable layout: a fixed seed for the initial positions and a solver that settles.
OPTIONS = """{
  "layout": {"randomSeed": 42, "improvedLayout": false},
  "physics": {"solver": "forceAtlas2Based", "stabilization": {"iterations": 200},
              "forceAtlas2Based": {"gravitationalConstant": -40, "springLength": 80}},
  "interaction": {"hover": true, "tooltipDelay": 150}
}"""
_REMOTE = re.compile(r"<(?:link|script)\b[^>]*\b(?:href|src)=\"https?://[^\"]*\"[^>]*>(?:\s*</script>)?", re.S)


def tooltip(G: nx.Graph, n: str, evidence: dict[str, str]) -> str:
    data = G.nodes[n]
    lines = [str(data["label"]), f"type: {data['type']}"]
    if data["type"] != "paper":
        titles = sorted(G.nodes[p]["label"] for p in G.neighbors(n) if G.nodes[p]["type"] == "paper")
        lines.append(f"papers ({len(titles)}): " + "; ".join(t[:80] for t in titles[:5]) + (" ..." if len(titles) > 5 else ""))
        if n in evidence:
            lines.append("evidence: " + evidence[n][:300])
    return "\n".join(lines)


def to_pyvis(G: nx.Graph, *, note: str | None = None) -> Network:
    net = Network(height="780px", width="100%", cdn_resources="in_line", filter_menu=True, select_menu=False, notebook=False)
    score = nx.pagerank(G) if G.number_of_edges() else {n: 1.0 for n in G}
    top = max(score.values(), default=1.0) or 1.0
    evidence: dict[str, str] = {}
    for a, b, d in G.edges(data=True):
        if "evidence" in d:
            evidence.setdefault(b if G.nodes[a]["type"] == "paper" else a, d["evidence"])
    for n in sorted(G.nodes):
        data = G.nodes[n]
        colour, shape = STYLE.get(data["type"], ("#777777", "dot"))
        net.add_node(
            n,
            label=str(data["label"])[:40],
            title=tooltip(G, n, evidence),
            color=colour,
            shape=shape,
            size=8 + 30 * (score[n] / top) ** 0.5,
            group=data["type"],
        )
    for a, b in sorted(G.edges()):
        net.add_edge(a, b, width=1)
    net.set_options(OPTIONS)
    return net


def legend(note: str | None) -> str:
    items = "".join(
        f'<span style="margin-right:14px"><span style="display:inline-block;width:11px;height:11px;'
        f'background:{colour};margin-right:4px"></span>{html.escape(t)} ({html.escape(shape)})</span>'
        for t, (colour, shape) in STYLE.items()
    )
    extra = f'<div id="kg-note" style="color:#a33">{html.escape(note)}</div>' if note else ""
    return f'<div id="kg-legend" style="font:13px sans-serif;padding:6px">{items}{extra}</div>'


def render(G: nx.Graph, *, note: str | None = None) -> str:
    page = to_pyvis(G, note=note).generate_html(notebook=False)
    page = _REMOTE.sub("", page)  # pyvis always links Bootstrap from a CDN; the page needs none of it
    page = re.sub(r"<!--.*?-->", "", page, flags=re.S)  # and leaves commented-out links to node_modules
    page = page.replace("<body>", "<body>\n" + legend(note), 1)
    return page


def write_html(build_dir: str | Path, out_path: str | Path, *, focus: str | None = None, hops: int = 1,
               types: list[str] | None = None, top: int | None = 400) -> Path:
    """Write the interactive view of the graph in build_dir (atomically)."""
    G = views.typed_graph(open_store(build_dir), evidence=True)
    H, note = select(G, focus=focus, hops=hops, types=types, top=top)
    out_path = Path(out_path)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    tmp.write_text(render(H, note=note), encoding="utf-8")
    os.replace(tmp, out_path)
    return out_path
