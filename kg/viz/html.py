"""The interactive HTML view (pyvis / vis-network), one self-contained offline file.

- Scripts and styles are inlined (pyvis `cdn_resources="in_line"` ships vis-network); the Bootstrap
  links pyvis always adds point to a CDN and are removed, and pyvis's select/filter menus (which need
  Bootstrap and tom-select) are replaced by a small inlined search box and type checkboxes.
- Strings from papers reach the page only as data: pyvis serialises nodes with Jinja's `tojson`
  (which escapes <, > and &, so "</script>" cannot close the script), vis-network 9 draws labels on
  a canvas and shows a string `title` as text (innerText, not innerHTML); our own script turns each
  title into an element whose textContent is the tooltip, and the legend and note written here are
  HTML-escaped. So titles, abstracts and labels are never parsed as HTML: no html.escape of the
  tooltip text is needed (it would show "&lt;" literally).
- The layout is stable: a fixed `randomSeed` for the initial positions and physics switched off once
  the network has stabilised.
"""
from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import networkx as nx
from pyvis.network import Network

from kg.analyse import views
from kg.store import open_store
from kg.viz.select import select

DEFAULT_TOP = 400  # nodes kept when write_html is called with top=None; 0 keeps every node

STYLE = {  # type -> (colour, vis-network shape)
    "paper": ("#9e9e9e", "dot"),
    "method": ("#1f77b4", "diamond"),
    "dataset": ("#2ca02c", "square"),
    "modality": ("#d62728", "star"),
    "metric": ("#9467bd", "triangle"),
    "task": ("#ff7f0e", "triangleDown"),
}
SYMBOL = {"dot": "●", "diamond": "◆", "square": "■", "star": "★", "triangle": "▲", "triangleDown": "▼"}
OPTIONS = {
    "layout": {"randomSeed": 42, "improvedLayout": False},
    "physics": {
        "solver": "forceAtlas2Based",
        "stabilization": {"enabled": True, "iterations": 300, "fit": True},
        "forceAtlas2Based": {"gravitationalConstant": -40, "springLength": 80},
    },
    "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False},
    "edges": {"color": {"color": "#c8c8c8", "highlight": "#555555"}, "smooth": False},
}
_REMOTE = re.compile(r"<(?:link|script)\b[^>]*\b(?:href|src)=\"https?://[^\"]*\"[^>]*>(?:\s*</script>)?", re.S)
_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>", re.S)

CONTROLS_CSS = """
#kg-bar{font:13px sans-serif;padding:6px 8px;display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center}
#kg-bar label{cursor:pointer;user-select:none}
#kg-bar .sym{font-size:15px;margin:0 3px}
#kg-search{width:260px;padding:3px 6px}
#kg-note{color:#a33;width:100%}
#kg-found{color:#555}
.kg-tip{white-space:pre-wrap;max-width:480px;font:12px sans-serif;margin:0}
"""

# Runs after pyvis's drawGraph(): tooltips as text elements, search, type filter, stable layout.
CONTROLS_JS = """
(function () {
  function tip(text) {
    var el = document.createElement("div");
    el.className = "kg-tip";
    el.textContent = text;
    return el;
  }
  nodes.update(nodes.get().map(function (n) { return {id: n.id, title: tip(n.kgTitle || "")}; }));
  // A small graph may finish its stabilisation iterations inside drawGraph(), before this runs;
  // "stabilized" still fires once it stops moving, so either event freezes the layout.
  function freeze() { network.setOptions({physics: false}); }
  network.once("stabilizationIterationsDone", freeze);
  network.once("stabilized", freeze);

  var list = document.getElementById("kg-labels");
  var labels = {};
  nodes.forEach(function (n) { labels[n.kgLabel] = n.id; });
  Object.keys(labels).sort().forEach(function (label) {
    var option = document.createElement("option");
    option.value = label;
    list.appendChild(option);
  });

  function search(text) {
    var q = (text || "").trim().toLowerCase();
    var found = document.getElementById("kg-found");
    if (!q) { network.unselectAll(); found.textContent = ""; return []; }
    var hits = nodes.get({filter: function (n) { return !n.hidden && n.kgLabel.toLowerCase().indexOf(q) >= 0; }});
    hits.sort(function (a, b) {
      var ea = a.kgLabel.toLowerCase() === q ? 0 : 1, eb = b.kgLabel.toLowerCase() === q ? 0 : 1;
      return ea - eb || a.kgLabel.length - b.kgLabel.length;
    });
    var ids = hits.map(function (n) { return n.id; });
    network.selectNodes(ids);
    if (ids.length) { network.focus(ids[0], {scale: 1.0, animation: false}); }
    found.textContent = ids.length + (ids.length === 1 ? " match" : " matches");
    return ids;
  }

  function showType(type, visible) {
    nodes.update(nodes.get({filter: function (n) { return n.group === type; }})
      .map(function (n) { return {id: n.id, hidden: !visible}; }));
  }

  var box = document.getElementById("kg-search");
  box.addEventListener("change", function () { search(box.value); });
  box.addEventListener("keydown", function (e) { if (e.key === "Enter") { search(box.value); } });
  document.querySelectorAll("#kg-bar input[type=checkbox]").forEach(function (c) {
    c.addEventListener("change", function () { showType(c.value, c.checked); });
  });
  window.kgView = {search: search, showType: showType};
})();
"""


def tooltip(G: nx.Graph, n) -> str:
    """The text of a node's tooltip: label, type, papers and one evidence sentence (plain text)."""
    data = G.nodes[n]
    lines = [str(data["label"]), f"type: {data['type']}"]
    if data["type"] == "paper":
        if data.get("year"):
            lines.append(f"year: {data['year']}")
        names = sorted(str(G.nodes[e]["label"]) for e in G.neighbors(n) if G.nodes[e]["type"] != "paper")
        if names:
            lines.append(f"mentions ({len(names)}): " + ", ".join(names[:12]) + (" ..." if len(names) > 12 else ""))
    else:
        titles = sorted(str(G.nodes[p]["label"]) for p in G.neighbors(n) if G.nodes[p]["type"] == "paper")
        count = data.get("papers", len(titles))
        lines.append(f"papers: {count}")
        lines += [f"  - {t[:100]}" for t in titles[:5]]
        if count > min(len(titles), 5):
            lines.append("  ...")
        if data.get("evidence"):
            lines.append("evidence: " + str(data["evidence"])[:400])
    return "\n".join(lines)


def to_pyvis(G: nx.Graph) -> Network:
    net = Network(height="760px", width="100%", cdn_resources="in_line", select_menu=False, filter_menu=False, notebook=False)
    score = nx.pagerank(G) if G.number_of_edges() else {n: 1.0 for n in G}
    top = max(score.values(), default=1.0) or 1.0
    for n in sorted(G.nodes, key=str):
        data = G.nodes[n]
        colour, shape = STYLE.get(data["type"], ("#777777", "dot"))
        label = str(data["label"])
        net.add_node(
            str(n),
            label=label if len(label) <= 40 else label[:39] + "…",
            kgLabel=label,
            kgTitle=tooltip(G, n),  # made a text element by CONTROLS_JS
            color=colour,
            shape=shape,
            size=8 + 30 * (score[n] / top) ** 0.5,  # by PageRank
            group=data["type"],
        )
    for a, b in sorted(G.edges(), key=lambda e: (str(e[0]), str(e[1]))):
        net.add_edge(str(a), str(b), width=1)
    net.set_options(json.dumps(OPTIONS))
    return net


def controls(G: nx.Graph, note: str | None) -> str:
    """The bar above the network: search, one checkbox per type (the legend), and the pruning note."""
    present = {t for _, t in G.nodes(data="type")}
    items = "".join(
        f'<label><input type="checkbox" value="{html.escape(t)}" checked>'
        f'<span class="sym" style="color:{colour}">{SYMBOL.get(shape, "●")}</span>{html.escape(t)}</label>'
        for t, (colour, shape) in STYLE.items()
        if t in present
    )
    extra = f'<div id="kg-note">{html.escape(note)}</div>' if note else ""
    counts = f"{G.number_of_nodes()} nodes, {G.number_of_edges()} edges"
    return (
        f"<style>{CONTROLS_CSS}</style>\n"
        '<div id="kg-bar"><input id="kg-search" list="kg-labels" placeholder="search a paper or entity" '
        'aria-label="search"><datalist id="kg-labels"></datalist><span id="kg-found"></span>'
        f'<span id="kg-legend">{items}</span><span>{html.escape(counts)}</span>{extra}</div>'
    )


def render(G: nx.Graph, *, note: str | None = None) -> str:
    """The page of a view, as a string."""
    page = to_pyvis(G).generate_html(notebook=False)
    page = _REMOTE.sub("", page)  # pyvis always links Bootstrap from a CDN; the page needs none of it
    page = re.sub(r"<!--.*?-->", "", page, flags=re.S)  # and leaves commented-out links to node_modules
    page = _EMPTY_HEADING.sub("", page)
    page = page.replace("<body>", "<body>\n" + controls(G, note), 1)
    page = page.replace("</body>", f"<script>{CONTROLS_JS}</script>\n</body>", 1)
    if not page.lstrip().lower().startswith("<!doctype"):
        page = "<!DOCTYPE html>\n" + page
    return page


def write_view(H: nx.Graph, out_path: str | Path, note: str | None = None) -> Path:
    out_path = Path(out_path)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    try:
        tmp.write_text(render(H, note=note), encoding="utf-8")
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return out_path


def write_html(build_dir: str | Path, out_path: str | Path, focus: str | None = None, hops: int = 1,
               types: list[str] | None = None, top: int | None = None) -> Path:
    """Write the interactive view of the graph in build_dir to out_path (atomically).

    focus/hops: only the neighbourhood of one entity or paper (its label); types: entity types to
    keep (papers are always kept); top: keep the N best-connected nodes (None: DEFAULT_TOP, 0: all),
    with a note on the page saying what was left out.
    """
    store = open_store(build_dir)
    G = views.typed_graph(store)
    H, note = select(G, focus=focus, hops=hops, types=types, top=DEFAULT_TOP if top is None else (top or None))
    views.add_evidence(store, H)
    return write_view(H, out_path, note)


def iframe(path: str | Path, height: int = 600) -> str:
    """HTML of an iframe holding the page (srcdoc), for a notebook: `IPython.display.HTML(iframe(p))`.
    Works wherever the notebook runs, since the page is embedded rather than linked."""
    page = Path(path).read_text(encoding="utf-8")
    return f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:{int(height)}px;border:0"></iframe>'
