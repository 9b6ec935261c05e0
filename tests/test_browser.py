"""The HTML views in a real headless Chromium: they draw every node in its legend's colour and shape,
stay offline, log no errors, run no injected script, show strings from papers as text, settle and
stop; the field map's side panel lists a node's papers and evidence, and its search and type filter work."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from kg.analyse import views

CHROMIUM = os.environ.get("KG_CHROMIUM") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else (shutil.which("chromium") or "/usr/bin/chromium"))
pytestmark = [pytest.mark.browser]


@pytest.fixture(autouse=True)
def chromium():
    """Skip without Chromium, except where KG_REQUIRE_BROWSER=1 (CI sets it): there the tests fail,
    since these are the only tests that run the view's script and catch an injection."""
    if not os.path.exists(CHROMIUM):
        message = f"no Chromium at {CHROMIUM} (Debian package `chromium`)"
        if os.environ.get("KG_REQUIRE_BROWSER") == "1":
            pytest.fail(message + ", and KG_REQUIRE_BROWSER=1")
        pytest.skip(message)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
LOCAL = ("file:", "data:", "about:")


def hover_tooltip(page, node_id: str) -> str:
    """Move the mouse over a node and return the text of vis-network's tooltip."""
    box = page.evaluate(
        """(id) => { const p = network.canvasToDOM(network.getPositions([id])[id]);
                     const r = document.getElementById('mynetwork').getBoundingClientRect();
                     return {x: r.left + p.x, y: r.top + p.y}; }""",
        node_id,
    )
    page.mouse.move(box["x"] + 40, box["y"] + 40)
    page.mouse.move(box["x"], box["y"], steps=4)
    page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5000)
    return page.inner_text("div.vis-tooltip")


SHAPE_SYMBOLS = {"dot": "●", "diamond": "◆", "square": "■", "star": "★", "triangle": "▲", "triangleDown": "▼"}
DRAWN_AND_LEGEND = """() => {
  const legend = {};
  document.querySelectorAll('#kg-legend .kg-type').forEach(l => {
    const sym = l.querySelector('.sym');
    legend[l.dataset.type] = {colour: getComputedStyle(sym).color, shape: l.dataset.shape, symbol: sym.textContent};
  });
  const drawn = {};
  Object.keys(network.body.nodes).forEach(id => {
    const o = network.body.nodes[id].options;
    drawn[id] = {type: nodes.get(id).kgType, background: o.color.background, shape: o.shape};
  });
  return {legend: legend, drawn: drawn};
}"""


def css_rgb(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i : i + 2], 16) for i in (0, 2, 4)))


def assert_drawn_as_the_legend_says(found: dict, types: dict) -> None:
    """Every drawn node: its type (as the store says) has a legend entry, and the node is drawn in
    that entry's colour and shape; the entry's symbol shows that shape."""
    legend, drawn = found["legend"], found["drawn"]
    assert drawn and set(drawn) == set(types)
    for node_id, d in drawn.items():
        assert d["type"] == types[node_id]
        entry = legend[d["type"]]
        assert css_rgb(d["background"]) == entry["colour"], (d, entry)
        assert d["shape"] == entry["shape"] and SHAPE_SYMBOLS[d["shape"]] == entry["symbol"]
    assert len({e["colour"] for e in legend.values()}) == len(legend)  # one colour per type


def click_node(page, node_id: str) -> None:
    """A real mouse click on a node (where vis-network drew it)."""
    page.evaluate("(id) => network.focus(id, {scale: 1.5, animation: false})", node_id)
    box = page.evaluate(
        """(id) => { const p = network.canvasToDOM(network.getPositions([id])[id]);
                     const r = document.getElementById('mynetwork').getBoundingClientRect();
                     return {x: r.left + p.x, y: r.top + p.y}; }""",
        node_id,
    )
    page.mouse.click(box["x"], box["y"])


def open_page(path, action=None):
    """Load the page, wait until the network has stabilised; run `action(page)`; return what happened."""
    from playwright.sync_api import sync_playwright

    requests, problems, dialogs = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(path.as_uri())
            page.wait_for_function("typeof network !== 'undefined' && typeof kgView !== 'undefined'", timeout=30000)
            page.wait_for_function("network.physics.options.enabled === false", timeout=60000)  # stabilised
            # pyvis's loading bar covers the canvas until half a second after stabilisation
            page.wait_for_function("(document.getElementById('loadingBar') || {style: {display: 'none'}})"
                                   ".style.display === 'none'", timeout=10000)
            state = page.evaluate("({nodes: nodes.length, edges: edges.length, pwned: window.__pwned || 0,"
                                  " physics: network.physics.options.enabled})")
            state["drawn_and_legend"] = page.evaluate(DRAWN_AND_LEGEND)
            state["extra"] = action(page) if action else None
            state["pwned_after"] = page.evaluate("window.__pwned || 0")
        finally:
            browser.close()
    return state, requests, problems, dialogs


def test_example_papers_view_draws_offline_without_errors(example_graph, tmp_path):
    from kg.store import open_store
    from kg.viz.html import write_html
    from kg.viz.papersview import pruned_graph

    out = write_html(example_graph, tmp_path / "view.html", top=300, papers=True)
    expected, _ = pruned_graph(open_store(example_graph), 300)
    clip = next(n for n in expected if expected.nodes[n]["label"] == "CLIP")

    def act(page):
        found = page.evaluate("kgView.search('clip')")
        selected = page.evaluate("network.getSelectedNodes()")
        tip = hover_tooltip(page, clip)
        page.click("#kg-bar input[value=paper]")  # hide papers
        hidden = page.evaluate("nodes.get({filter: n => n.hidden}).length")
        page.click("#kg-bar input[value=paper]")
        shown_again = page.evaluate("nodes.get({filter: n => n.hidden}).length")
        return {"found": found, "selected": selected, "tip": tip, "hidden": hidden, "shown_again": shown_again,
                "note": page.inner_text("#kg-note"), "legend": page.inner_text("#kg-legend")}

    state, requests, problems, _ = open_page(out, act)
    assert state["nodes"] == expected.number_of_nodes()
    assert state["edges"] == expected.number_of_edges()
    assert state["physics"] is False
    assert_drawn_as_the_legend_says(state["drawn_and_legend"], dict(expected.nodes(data="type")))
    assert [u for u in requests if not u.startswith(LOCAL)] == []
    assert problems == []
    extra = state["extra"]
    assert extra["found"][0] == clip and set(extra["selected"]) == set(extra["found"])
    assert extra["tip"].startswith("CLIP\ntype: method\npapers: ")
    assert "evidence: " in extra["tip"]
    assert extra["hidden"] == len(views.papers(expected)) and extra["shown_again"] == 0
    assert f"pruned to the {expected.number_of_nodes()} best-connected" in extra["note"] and expected.number_of_nodes() >= 290
    assert all(t in extra["legend"] for t in ("paper", "method", "dataset", "modality"))


PAYLOAD_TITLE = "<script>window.__pwned=1;alert(1)</script> CLIP for images"


def panel_state(page) -> dict:
    texts = lambda sel: page.eval_on_selector_all(sel, "els => els.map(e => e.textContent)")  # noqa: E731
    return {"heading": page.inner_text("#kg-panel h2"), "titles": texts("#kg-panel .kg-title"),
            "roles": texts("#kg-panel .kg-role"), "evidence": texts("#kg-panel .kg-evidence"),
            "more": texts("#kg-panel .kg-more")}


def test_example_field_map_in_chromium(example_graph, tmp_path):
    from kg.store import open_store
    from kg.viz.fieldmap import DEFAULT_TOP, field_map
    from kg.viz.html import write_html

    out = write_html(example_graph, tmp_path / "map.html")  # the default view, as `kg build` writes it
    store = open_store(example_graph)
    fm = field_map(store, top=DEFAULT_TOP)
    G = views.typed_graph(store)
    clip = next(n for n in fm.graph if fm.graph.nodes[n]["label"] == "CLIP")
    top10 = sorted(fm.graph, key=lambda n: -fm.graph.nodes[n]["papers"])[:10]

    def act(page):
        legible = page.evaluate("(ids) => ids.map(id => network.body.nodes[id].options.font.size * network.getScale())", top10)
        click_node(page, clip)
        panel = panel_state(page)
        page.click("#kg-panel .kg-focus")  # the first paper's "focus this paper"
        focused = {"selected": page.evaluate("network.getSelectedNodes()"), "heading": page.inner_text("#kg-panel h2")}
        page.click("#kg-communities span.c")
        community = page.evaluate("network.getSelectedNodes()")
        return {"legible": legible, "panel": panel, "focused": focused, "community": community}

    state, requests, problems, _ = open_page(out, act)
    assert state["nodes"] == fm.graph.number_of_nodes() and state["edges"] == fm.graph.number_of_edges()
    assert state["physics"] is False
    assert_drawn_as_the_legend_says(state["drawn_and_legend"], dict(fm.graph.nodes(data="type")))
    assert [u for u in requests if not u.startswith(LOCAL)] == []
    assert problems == []
    extra = state["extra"]
    assert min(extra["legible"]) >= 11  # on-screen pixels of the ten biggest labels at the default zoom
    panel, info = extra["panel"], fm.panel[clip]
    assert panel["heading"] == "CLIP"
    mentioning = {G.nodes[p]["label"] for p in G.neighbors(clip)}
    assert panel["titles"] == [p["title"] for p in info["papers"]] and set(panel["titles"]) <= mentioning
    assert len(panel["evidence"]) >= len(panel["titles"]) > 0 and all(panel["evidence"])
    assert set(panel["roles"]) <= {"proposes", "uses", "mentions", "involves", "addresses", "measures with"}
    assert panel["more"] == ([f"and {info['more']} more papers"] if info["more"] > 1 else
                             [f"and {info['more']} more paper"] if info["more"] else [])
    first = info["papers"][0]
    assert extra["focused"]["heading"] == first["title"]
    assert set(extra["focused"]["selected"]) == set(fm.papers[first["paper"]]["entities"]) and clip in extra["focused"]["selected"]
    assert set(extra["community"]) == set(fm.communities[0]["members"])


def test_injected_markup_in_papers_does_not_run(tmp_path):
    from kg.build import build
    from kg.viz.html import write_html

    src = tmp_path / "evil.jsonl"
    records = [
        {"title": PAYLOAD_TITLE,
         "abstract": "We fine-tune CLIP on ImageNet images. <img src=x onerror=\"window.__pwned=2;alert(2)\"> "
                     "</script><script>window.__pwned=3</script> The text stays text."},
        {"title": "A second paper on <img src=x onerror=window.__pwned=4> audio",
         "abstract": "We train a <b>transformer</b> on AudioSet audio with contrastive learning."},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "g"
    build([src], out, extras=False)
    page_path = write_html(out, tmp_path / "evil.html", papers=True)
    from kg.store import open_store

    G = views.typed_graph(open_store(out))
    paper = next(n for n in views.papers(G) if "CLIP for images" in G.nodes[n]["label"])

    def act(page):
        return {"tip": hover_tooltip(page, paper), "images": page.evaluate("document.images.length"),
                "scripts": page.evaluate("document.scripts.length")}

    state, requests, problems, dialogs = open_page(page_path, act)
    assert state["pwned"] == 0 and state["pwned_after"] == 0 and dialogs == []
    assert state["nodes"] == G.number_of_nodes() >= 4
    assert state["extra"]["tip"].startswith(G.nodes[paper]["label"])  # shown as text, tags and all
    assert "<script>" in state["extra"]["tip"]
    assert state["extra"]["images"] == 0
    assert [u for u in requests if not u.startswith(LOCAL)] == []
    assert problems == []
    assert_drawn_as_the_legend_says(state["drawn_and_legend"], dict(G.nodes(data="type")))

    # the field map of the same graph: the titles reach the side panel as text
    from kg.viz.fieldmap import field_map

    map_path = write_html(out, tmp_path / "evil-map.html")
    fm = field_map(open_store(out))
    clip = next(n for n in fm.graph if fm.graph.nodes[n]["label"] == "CLIP")

    def click_clip(page):
        click_node(page, clip)
        return {"panel": panel_state(page), "images": page.evaluate("document.images.length")}

    state, requests, problems, dialogs = open_page(map_path, click_clip)
    assert state["pwned"] == 0 and state["pwned_after"] == 0 and dialogs == []
    assert state["extra"]["panel"]["titles"] == [PAYLOAD_TITLE]  # tags and all, as text
    assert state["extra"]["panel"]["evidence"] and all("CLIP" in e for e in state["extra"]["panel"]["evidence"])
    assert state["extra"]["images"] == 0
    assert_drawn_as_the_legend_says(state["drawn_and_legend"], dict(fm.graph.nodes(data="type")))
    assert [u for u in requests if not u.startswith(LOCAL)] == []
    assert problems == []
