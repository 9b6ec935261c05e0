"""The HTML view in a real headless Chromium: it draws, stays offline, logs no errors, runs no
injected script, shows strings from papers as text, and its search and type filter work."""
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
            state = page.evaluate("({nodes: nodes.length, edges: edges.length, pwned: window.__pwned || 0})")
            state["extra"] = action(page) if action else None
            state["pwned_after"] = page.evaluate("window.__pwned || 0")
        finally:
            browser.close()
    return state, requests, problems, dialogs


def test_example_view_draws_offline_without_errors(example_graph, tmp_path):
    from kg.store import open_store
    from kg.viz.html import write_html
    from kg.viz.select import select

    out = write_html(example_graph, tmp_path / "view.html", top=300)
    G = views.typed_graph(open_store(example_graph))
    expected, _ = select(G, top=300)
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
    assert [u for u in requests if not u.startswith(LOCAL)] == []
    assert problems == []
    extra = state["extra"]
    assert extra["found"][0] == clip and set(extra["selected"]) == set(extra["found"])
    assert extra["tip"].startswith("CLIP\ntype: method\npapers: ")
    assert "evidence: " in extra["tip"]
    assert extra["hidden"] == len(views.papers(expected)) and extra["shown_again"] == 0
    assert "pruned to the 300" in extra["note"]
    assert all(t in extra["legend"] for t in ("paper", "method", "dataset", "modality"))


PAYLOAD_TITLE = "<script>window.__pwned=1;alert(1)</script> CLIP for images"


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
    page_path = write_html(out, tmp_path / "evil.html")
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
