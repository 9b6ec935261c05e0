"""The interactive HTML views (pyvis / vis-network), each one self-contained offline file.

Two views: the field map (`render_field_map`, the default: entities linked by the papers they share,
see kg.viz.fieldmap) and the papers-and-entities view (`render`, `kg viz --papers`).

- Scripts and styles are inlined (pyvis `cdn_resources="in_line"` ships vis-network); the Bootstrap
  links pyvis always adds point to a CDN and are removed, and pyvis's select/filter menus (which need
  Bootstrap and tom-select) are replaced by a small inlined search box and type checkboxes.
- Colours and shapes come from kg.viz.style for the drawing and the legend alike. Nodes carry their
  type as `kgType`, not as vis-network's `group`: pyvis drops a node's colour when it has a group,
  and vis-network then paints the group from its own palette, unlike the legend.
- Strings from papers reach the page only as data: pyvis serialises nodes with Jinja's `tojson` and
  the side-panel data is JSON with <, > and & escaped, so "</script>" cannot close a script;
  vis-network draws labels on a canvas; our scripts build tooltips and the side panel with
  textContent only, and the legend and notes written here are HTML-escaped. So titles, abstracts and
  labels are never parsed as HTML.
- The layout settles and stops: a fixed `randomSeed` for the initial positions and physics switched
  off once the network has stabilised.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import networkx as nx
from pyvis.network import Network

from kg.viz.style import STYLE, SYMBOL, vis_node_style  # noqa: F401  (STYLE: re-exported)

DEFAULT_TOP = 400  # nodes of the papers view when write_html is called with top=None; 0 keeps every node
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
FIELD_MAP_OPTIONS = {
    "layout": {"randomSeed": 42, "improvedLayout": False},
    "physics": {
        "solver": "forceAtlas2Based",
        "stabilization": {"enabled": True, "iterations": 600, "fit": True},
        "forceAtlas2Based": {"gravitationalConstant": -60, "centralGravity": 0.02, "springLength": 60,
                             "springConstant": 0.08, "avoidOverlap": 0.4},
    },
    "interaction": {"hover": True, "tooltipDelay": 200, "navigationButtons": False},
    "edges": {"smooth": False},
    "nodes": {"font": {"face": "Helvetica, Arial, sans-serif", "strokeWidth": 4, "strokeColor": "#ffffff"},
              # labels smaller than 9 px on screen are left out until one zooms in: the central ones stay legible
              "scaling": {"label": {"drawThreshold": 10}}},
}
LABELLED = 40  # field-map nodes whose labels are drawn large enough to read at the default zoom
_REMOTE = re.compile(r"<(?:link|script)\b[^>]*\b(?:href|src)=\"https?://[^\"]*\"[^>]*>(?:\s*</script>)?", re.S)
_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>", re.S)

CONTROLS_CSS = """
body{margin:0;font:13px Helvetica,Arial,sans-serif}
#kg-bar{padding:6px 8px;display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center}
#kg-bar label{cursor:pointer;user-select:none}
#kg-bar .sym{font-size:15px;margin:0 3px}
#kg-search{width:240px;padding:3px 6px}
#kg-note{color:#a33;width:100%}
#kg-found{color:#555}
.kg-tip{white-space:pre-wrap;max-width:480px;font:12px sans-serif;margin:0}
"""
FIELD_MAP_CSS = """
#kg-main{display:flex;align-items:stretch}
#kg-main .card{flex:1;min-width:0}
#mynetwork{border:0 !important;float:none !important}
#kg-panel{flex:0 0 360px;height:calc(100vh - 84px);overflow:auto;padding:8px 10px;border-left:1px solid #ddd;
  background:#fafafa;box-sizing:border-box}
#kg-panel h2{font-size:17px;margin:4px 0}
#kg-panel .kg-meta{color:#555;margin-bottom:8px}
#kg-panel ol{padding-left:18px;margin:4px 0}
#kg-panel li{margin-bottom:10px}
#kg-panel .kg-title{font-weight:bold}
#kg-panel .kg-role{display:inline-block;background:#e8e8e8;border-radius:3px;padding:0 4px;margin-left:4px;font-size:11px}
#kg-panel blockquote{margin:3px 0 3px 8px;padding-left:6px;border-left:3px solid #ccc;color:#333}
#kg-panel button{font-size:11px;margin-top:2px;cursor:pointer}
#kg-communities{width:100%}
#kg-communities .halo{display:inline-block;width:13px;height:13px;border-radius:50%;margin:0 3px 0 0;vertical-align:middle}
#kg-communities span.c{cursor:pointer;margin-right:12px;white-space:nowrap}
"""

# Shared by both views, run after pyvis's drawGraph(): tooltips as text elements, a layout that
# settles and stops, search and the type filter.
COMMON_JS = """
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
    if (ids.length && window.kgOnSearch) { window.kgOnSearch(ids[0]); }
    return ids;
  }

  function showType(type, visible) {
    nodes.update(nodes.get({filter: function (n) { return n.kgType === type; }})
      .map(function (n) { return {id: n.id, hidden: !visible}; }));
  }

  var box = document.getElementById("kg-search");
  box.addEventListener("change", function () { search(box.value); });
  box.addEventListener("keydown", function (e) { if (e.key === "Enter") { search(box.value); } });
  document.querySelectorAll("#kg-legend input[type=checkbox]").forEach(function (c) {
    c.addEventListener("change", function () { showType(c.value, c.checked); });
  });
"""
CONTROLS_JS = "(function () {\n" + COMMON_JS + "  window.kgView = {search: search, showType: showType};\n})();\n"

# The field map's side panel: built with createElement/textContent only (paper text is data).
FIELD_MAP_JS = "(function () {\n" + COMMON_JS + """
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var panel = document.getElementById("kg-panel");
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  function clear() { while (panel.firstChild) { panel.removeChild(panel.firstChild); } }
  function entityLink(id) {
    var n = nodes.get(id);
    var a = el("a", n ? n.kgLabel : id);
    a.href = "#";
    a.addEventListener("click", function (e) { e.preventDefault(); network.selectNodes([id]); showEntity(id); });
    return a;
  }
  function names(into, ids) {
    ids.forEach(function (m, i) { if (i) { into.appendChild(document.createTextNode(", ")); } into.appendChild(entityLink(m)); });
  }

  function showEntity(id) {
    var n = nodes.get(id), info = data.panel[id];
    if (!n || !info) { return; }
    clear();
    panel.appendChild(el("h2", n.kgLabel));
    panel.appendChild(el("div", n.kgType + " · mentioned by " + info.total + " paper" + (info.total === 1 ? "" : "s")
      + (n.kgCommunity ? " · community " + n.kgCommunity : ""), "kg-meta"));
    var links = network.getConnectedNodes(id);
    if (links.length) {
      links.sort(function (a, b) { return nodes.get(b).kgPapers - nodes.get(a).kgPapers; });
      var near = el("div", "travels with: ", "kg-meta");
      names(near, links.slice(0, 8));
      panel.appendChild(near);
    }
    var list = el("ol");
    info.papers.forEach(function (p) {
      var item = el("li", null, "kg-paper");
      item.appendChild(el("span", p.title, "kg-title"));
      p.roles.forEach(function (r) { item.appendChild(el("span", r, "kg-role")); });
      p.sentences.forEach(function (s) { item.appendChild(el("blockquote", s, "kg-evidence")); });
      var button = el("button", "focus this paper", "kg-focus");
      button.addEventListener("click", function () { focusPaper(p.paper); });
      item.appendChild(button);
      list.appendChild(item);
    });
    panel.appendChild(list);
    if (info.more) { panel.appendChild(el("div", "and " + info.more + " more paper" + (info.more === 1 ? "" : "s"), "kg-more")); }
  }

  function focusPaper(paperId) {
    var p = data.papers[paperId];
    if (!p) { return []; }
    var ids = p.entities.filter(function (id) { var n = nodes.get(id); return n && !n.hidden; });
    network.selectNodes(ids);
    if (ids.length) { network.fit({nodes: ids, animation: false}); }
    clear();
    panel.appendChild(el("h2", p.title));
    var meta = el("div", "paper · mentions " + ids.length + " of the entities drawn: ", "kg-meta");
    names(meta, ids);
    panel.appendChild(meta);
    var back = el("button", "show the whole map");
    back.addEventListener("click", function () { network.unselectAll(); network.fit({animation: false}); });
    panel.appendChild(back);
    return ids;
  }

  function showCommunity(index) {
    var c = data.communities[index];
    network.selectNodes(c);
    network.fit({nodes: c, animation: false});
    return c;
  }
  document.querySelectorAll("#kg-communities span.c").forEach(function (s) {
    s.addEventListener("click", function () { showCommunity(Number(s.getAttribute("data-index"))); });
  });

  network.on("click", function (params) { if (params.nodes.length) { showEntity(params.nodes[0]); } });
  if (data.focus.length) {  // kg viz --focus: the focus is selected and, when one entity, in the panel
    network.selectNodes(data.focus);
    if (data.focus.length === 1) { showEntity(data.focus[0]); }
  }
  window.kgOnSearch = showEntity;
  window.kgView = {search: search, showType: showType, showEntity: showEntity, focusPaper: focusPaper,
                   showCommunity: showCommunity};
})();
"""


def tooltip(G: nx.Graph, n) -> str:
    """The text of a node's tooltip in the papers view: label, type, papers and one evidence sentence."""
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


def _short(label: str, chars: int = 40) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "…"


def to_pyvis(G: nx.Graph) -> Network:
    """The papers-and-entities view as a pyvis network (node size by PageRank)."""
    net = Network(height="760px", width="100%", cdn_resources="in_line", select_menu=False, filter_menu=False, notebook=False)
    score = nx.pagerank(G) if G.number_of_edges() else {n: 1.0 for n in G}
    top = max(score.values(), default=1.0) or 1.0
    for n in sorted(G.nodes, key=str):
        data = G.nodes[n]
        label = str(data["label"])
        net.add_node(
            str(n),
            label=_short(label),
            kgLabel=label,
            kgType=data["type"],
            kgTitle=tooltip(G, n),  # made a text element by COMMON_JS
            size=8 + 30 * (score[n] / top) ** 0.5,
            **vis_node_style(data["type"]),
        )
    for a, b in sorted(G.edges(), key=lambda e: (str(e[0]), str(e[1]))):
        net.add_edge(str(a), str(b), width=1)
    net.set_options(json.dumps(OPTIONS))
    return net


def legend(types) -> str:
    """One checkbox per type present, with the colour and shape the drawing uses (from STYLE)."""
    present = set(types)
    return "".join(
        f'<label class="kg-type" data-type="{html.escape(t)}" data-colour="{colour}" data-shape="{shape}">'
        f'<input type="checkbox" value="{html.escape(t)}" checked>'
        f'<span class="sym" style="color:{colour}">{SYMBOL.get(shape, "●")}</span>{html.escape(t)}</label>'
        for t, (colour, shape) in STYLE.items()
        if t in present
    )


def controls(G: nx.Graph, note: str | None, *, placeholder: str = "search a paper or entity", extra: str = "") -> str:
    """The bar above the network: search, the legend (one checkbox per type), counts and notes."""
    counts = f"{G.number_of_nodes()} nodes, {G.number_of_edges()} edges"
    notes = f'<div id="kg-note">{html.escape(note)}</div>' if note else ""
    return (
        f"<style>{CONTROLS_CSS}</style>\n"
        f'<div id="kg-bar"><input id="kg-search" list="kg-labels" placeholder="{html.escape(placeholder)}" '
        'aria-label="search"><datalist id="kg-labels"></datalist><span id="kg-found"></span>'
        f'<span id="kg-legend">{legend(t for _, t in G.nodes(data="type"))}</span>'
        f'<span id="kg-counts">{html.escape(counts)}</span>{extra}{notes}</div>'
    )


def _page(net: Network, bar: str, script: str, *, around_network: tuple[str, str] = ("", "")) -> str:
    """pyvis's page without its remote links, with our bar, our script and optional wrapping."""
    page = net.generate_html(notebook=False)
    page = _REMOTE.sub("", page)  # pyvis always links Bootstrap from a CDN; the page needs none of it
    page = re.sub(r"<!--.*?-->", "", page, flags=re.S)  # and leaves commented-out links to node_modules
    page = _EMPTY_HEADING.sub("", page)
    before, after = around_network
    if before or after:
        card = re.search(r'<div class="card"[^>]*>\s*<div id="mynetwork"[^>]*></div>\s*</div>', page)
        page = page[: card.start()] + before + card.group(0) + after + page[card.end() :]
    page = page.replace("<body>", "<body>\n" + bar, 1)
    page = page.replace("</body>", f"<script>{script}</script>\n</body>", 1)
    if not page.lstrip().lower().startswith("<!doctype"):
        page = "<!DOCTYPE html>\n" + page
    return page


def render(G: nx.Graph, *, note: str | None = None) -> str:
    """The page of the papers-and-entities view, as a string."""
    return _page(to_pyvis(G), controls(G, note), CONTROLS_JS)


# ----------------------------------------------------------------------------- field map


def field_map_pyvis(fm) -> Network:
    """The field map as a pyvis network: size and label size by papers, fill by type, halo by community,
    links as wide as the papers they share and coloured by community when inside one."""
    G = fm.graph
    net = Network(height="calc(100vh - 84px)", width="100%", cdn_resources="in_line", select_menu=False,
                  filter_menu=False, notebook=False)
    most = max((d["papers"] for _, d in G.nodes(data=True)), default=1) or 1
    named = set(sorted(G, key=lambda n: (-G.nodes[n]["papers"], n))[:LABELLED])
    for n in sorted(G):
        d = G.nodes[n]
        share = (d["papers"] / most) ** 0.5
        label = str(d["label"])
        tip = f"{label}\ntype: {d['type']}\npapers: {d['papers']}" + (f"\ncommunity: {d['community']}" if d["community"] else "")
        net.add_node(
            n,
            label=_short(label, 32),
            kgLabel=label,
            kgType=d["type"],
            kgPapers=d["papers"],
            kgCommunity=d["community"],
            kgTitle=tip,
            size=8 + 34 * share,
            # the most mentioned are labelled at the default zoom; the others once one zooms in
            font={"size": round(14 + 26 * share) if n in named else 10},
            mass=1 + 3 * share,  # hubs push harder, so what gathers around them spreads out
            **vis_node_style(d["type"], d["ring"] or None),
        )
    widest = max((d["weight"] for *_, d in G.edges(data=True)), default=1) or 1
    for a, b in sorted(G.edges()):
        d = G.edges[a, b]
        same = G.nodes[a]["ring"] and G.nodes[a]["community"] == G.nodes[b]["community"]
        # strong associations pull close, weak ones (mostly links to hubs) hold their ends further out
        net.add_edge(a, b, width=1 + 7 * (d["weight"] / widest) ** 0.5, title=f"{d['weight']} shared papers",
                     length=round(50 + 250 * (1 - d["association"])),
                     color={"color": G.nodes[a]["ring"] if same else "rgba(150,150,150,0.45)",
                            "highlight": "#333333", "hover": "#555555"})
    net.set_options(json.dumps(FIELD_MAP_OPTIONS))
    return net


def _json_for_script(value) -> str:
    """JSON that cannot end the <script> holding it nor open markup: <, > and & as \\u escapes."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_field_map(fm) -> str:
    """The page of a field map (kg.viz.fieldmap.FieldMap), as a string."""
    G = fm.graph
    rings = "".join(
        f'<span class="c" data-index="{i}" title="select this community"><span class="halo" style="background:{c["ring"]}">'
        f'</span>{html.escape(", ".join(c["names"]))}</span>'
        for i, c in enumerate(fm.communities) if c["ring"]
    )
    extra = f'<span id="kg-communities">communities (halo): {rings}</span>' if rings else ""
    bar = controls(G, fm.note, placeholder="search an entity", extra=extra) + f"<style>{FIELD_MAP_CSS}</style>\n"
    payload = {"panel": fm.panel, "papers": fm.papers, "communities": [c["members"] for c in fm.communities],
               "focus": fm.focus}
    hint = ('<div id="kg-panel"><h2>The field map</h2><div class="kg-meta">Each node is a method, dataset, task, '
            "metric or modality, sized by the papers that mention it; links join entities that papers mention "
            "together. Click a node to list its papers and the sentences behind each link.</div></div>")
    script_data = f'<script type="application/json" id="kg-data">{_json_for_script(payload)}</script>\n'
    return _page(field_map_pyvis(fm), bar, FIELD_MAP_JS,
                 around_network=('<div id="kg-main">', hint + "</div>\n" + script_data))


# ----------------------------------------------------------------------------- files


def _write_atomically(text: str, out_path: str | Path) -> Path:
    from kg.outputs import atomic_file

    with atomic_file(out_path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(out_path)


def write_html(build_dir: str | Path, out_path: str | Path, focus: str | None = None, hops: int = 1,
               types: list[str] | None = None, top: int | None = None, *, papers: bool = False) -> Path:
    """Write the interactive view of the graph in build_dir to out_path (atomically): the field map,
    or with papers=True the papers-and-entities view. See kg.viz.make.make_view for the options."""
    from kg.viz.make import write_view

    write_view(build_dir, out_path, "html", papers=papers, focus=focus, hops=hops, types=types, top=top)
    return Path(out_path)


def iframe(path: str | Path, height: int = 600) -> str:
    """HTML of an iframe holding the page (srcdoc), for a notebook: `IPython.display.HTML(iframe(p))`.
    Works wherever the notebook runs, since the page is embedded rather than linked."""
    page = Path(path).read_text(encoding="utf-8")
    return f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:{int(height)}px;border:0"></iframe>'
