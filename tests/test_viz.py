"""Views: offline HTML, escaping, selection, and exports that networkx's own readers open."""
from __future__ import annotations

import json
import re

import networkx as nx
import pytest

from kg.analyse import views
from kg.errors import KgError
from kg.viz.exports import export_view
from kg.viz.html import render
from kg.viz.select import select


@pytest.fixture(scope="module")
def graph(example_graph):
    from kg.store import open_store

    return views.typed_graph(open_store(example_graph), evidence=True)


def test_html_is_self_contained(graph):
    page = render(select(graph, top=100)[0])
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page), "no remote scripts or styles"
    assert "vis.Network" in page and "kg-legend" in page


def test_strings_from_papers_are_escaped_in_what_the_page_adds():
    G = nx.Graph()
    G.add_node("p", type="paper", label="<script>alert(1)</script>")
    G.add_node("e", type="method", label="<img src=x onerror=alert(2)>")
    G.add_edge("p", "e", evidence="</script><script>alert(3)</script>")
    page = render(G, note="<b>note</b>")
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page
    assert "</script><script>alert(3)" not in page
    assert "&lt;b&gt;note&lt;/b&gt;" in page


def test_focus_hops_types_and_top(graph):
    H, note = select(graph, focus="CLIP", hops=1)
    clip = next(n for n in H if H.nodes[n]["label"] == "CLIP")
    assert set(H) == {clip, *graph.neighbors(clip)} and "CLIP" in note
    H, _ = select(graph, types=["modality"])
    assert {t for _, t in H.nodes(data="type")} <= {"paper", "modality"}
    H, note = select(graph, top=50)
    assert H.number_of_nodes() == 50 and "pruned" in note
    with pytest.raises(KgError, match="no entity"):
        select(graph, focus="no such thing at all")


@pytest.mark.parametrize("fmt, reader", [
    ("graphml", nx.read_graphml),
    ("gexf", nx.read_gexf),
    ("cytoscape", lambda p: nx.cytoscape_graph(json.loads(open(p).read()))),
])
def test_exports_open_with_networkx_readers(graph, tmp_path, fmt, reader):
    H, _ = select(graph, top=120)
    path = export_view(H, tmp_path / f"view.{fmt}", fmt)
    back = reader(path)
    assert back.number_of_nodes() == H.number_of_nodes()
    assert back.number_of_edges() == H.number_of_edges()


@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG"), ("svg", b"<?xml")])
def test_static_images(graph, tmp_path, fmt, magic):
    H, _ = select(graph, top=60)
    assert export_view(H, tmp_path / f"view.{fmt}", fmt).read_bytes()[:5].startswith(magic)


def test_cli_viz_writes_the_view(kg_cli, example_graph, tmp_path):
    done = kg_cli("viz", example_graph, "--out", tmp_path / "v.html", "--top", "80")
    assert done.returncode == 0, done.stderr
    assert "80 nodes" in done.stdout
    bad = kg_cli("viz", example_graph, "--focus", "nothing-like-this", "--out", tmp_path / "x.html")
    assert bad.returncode == 1 and "no entity" in bad.stderr
