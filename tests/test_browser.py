"""The HTML view in a real headless Chromium: it draws, stays offline, logs no errors, runs no injected script."""
from __future__ import annotations

import json
import shutil

import pytest

from kg.analyse import views

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (.ci/run installs it)"),
]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def open_page(path):
    from playwright.sync_api import sync_playwright

    requests, problems, dialogs = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(path.as_uri())
            page.wait_for_function("typeof network !== 'undefined' && nodes.length > 0", timeout=30000)
            page.wait_for_timeout(500)
            state = page.evaluate("({nodes: nodes.length, edges: edges.length, pwned: window.__pwned || 0})")
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
    state, requests, problems, _ = open_page(out)
    assert state["nodes"] == expected.number_of_nodes()
    assert state["edges"] == expected.number_of_edges()
    assert [u for u in requests if not u.startswith(("file:", "data:", "about:"))] == []
    assert problems == []


def test_injected_markup_in_papers_does_not_run(tmp_path):
    from kg.build import build
    from kg.viz.html import write_html

    src = tmp_path / "evil.jsonl"
    records = [
        {"title": "<script>window.__pwned=1;alert(1)</script> CLIP for images",
         "abstract": "We fine-tune CLIP on ImageNet images. <img src=x onerror=\"window.__pwned=2;alert(2)\"> "
                     "</script><script>window.__pwned=3</script> The text stays text."},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "g"
    build([src], out, extras=False)
    page = write_html(out, tmp_path / "evil.html")
    state, requests, problems, dialogs = open_page(page)
    assert state["pwned"] == 0 and dialogs == []
    assert state["nodes"] >= 3
    assert [u for u in requests if not u.startswith(("file:", "data:", "about:"))] == []
