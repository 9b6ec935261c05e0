"""Views: offline HTML, escaping, selection, and exports that networkx's own readers open."""
from __future__ import annotations

import json
import re

import networkx as nx
import pytest

from kg.analyse import views
from kg.errors import KgError
from kg.viz.exports import EXTENSIONS, export_view
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
    path = export_view(H, tmp_path / f"view.{EXTENSIONS[fmt]}", fmt)  # (a .cytoscape name is refused: kg.outputs)
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
    # its progress, one line when stderr is not a terminal (a live line with elapsed time on one)
    assert re.fullmatch(r"view: 2/2 steps \(100%\) in \d+\.\d s", done.stderr.strip()), done.stderr
    bad = kg_cli("viz", example_graph, "--focus", "nothing-like-this", "--out", tmp_path / "x.html")
    assert bad.returncode == 1 and "no entity" in bad.stderr
    # an empty focus (a script's variable left empty) drew the whole map without a word
    for papers in ([], ["--papers"]):
        empty = kg_cli("viz", example_graph, "--focus", " ", *papers, "--out", tmp_path / "e.html")
        assert empty.returncode == 1 and "--focus is empty" in empty.stderr
        assert not (tmp_path / "e.html").exists()


# ----------------------------------------------------------------------------- the field map


@pytest.fixture(scope="module")
def example_map(example_graph):
    from kg.store import open_store
    from kg.viz.fieldmap import field_map

    return field_map(open_store(example_graph), top=40, papers_per_node=3)


def _papers_of(graph, entity):
    return {p for p in graph.neighbors(entity) if graph.nodes[p]["type"] == "paper"}


def test_field_map_keeps_the_most_mentioned_entities_counted_right(graph, example_map):
    fm = example_map
    counts = {e: len(_papers_of(graph, e)) for e in views.entities(graph)}
    threshold = sorted(counts.values(), reverse=True)[39]
    # picked from the ranks and counts the build stores, and said against every mentioned entity
    assert 10 <= fm.graph.number_of_nodes() <= 40 and f"the 40 most mentioned of {len(counts)} entities" in fm.note
    for n, d in fm.graph.nodes(data=True):
        assert d["papers"] == counts[n] >= threshold and d["type"] == graph.nodes[n]["type"]
    # every entity mentioned more often than the weakest kept one is on the map, unless it had no strong link
    left_out = {e for e, c in counts.items() if c > threshold} - set(fm.graph)
    if left_out:
        assert re.search(r"\d+ entit(y|ies) with no such link left out", fm.note)
    assert len(left_out) <= 3


def test_field_map_links_are_shared_papers_thinned_to_a_backbone(graph, example_map):
    fm = example_map
    assert fm.graph.number_of_edges() > 10
    for a, b, d in fm.graph.edges(data=True):
        shared = _papers_of(graph, a) & _papers_of(graph, b)
        assert d["weight"] == len(shared) >= 2
    kept, total, dropped = map(int, re.search(r"(\d+) of (\d+) co-mention links kept.*?(\d+) dropped", fm.note).groups())
    assert kept == fm.graph.number_of_edges() and dropped == total - kept > 0
    for n in fm.graph:  # entities without a link are left out, so the map has no loose dots
        assert fm.graph.degree(n) >= 1


def test_backbone_keeps_the_strongest_links_of_each_entity():
    from kg.viz.fieldmap import backbone

    papers = {"a": 10, "b": 10, "c": 10, "d": 100, "e": 4}
    pairs = {("a", "b"): 8, ("a", "c"): 2, ("a", "d"): 9, ("b", "c"): 1, ("c", "d"): 5, ("d", "e"): 4}
    kept = backbone(pairs, papers, per_node=1, min_shared=2)
    # association = shared / sqrt(papers a * papers b): a-b 0.8, a-c 0.2, a-d 0.28, c-d 0.16, d-e 0.2;
    # the strongest of a and b is a-b, of c a-c, of d a-d, of e d-e; c-d is nobody's strongest
    assert set(kept) == {("a", "b"), ("a", "c"), ("a", "d"), ("d", "e")}
    assert kept[("a", "b")] == (8, pytest.approx(0.8))
    assert ("b", "c") not in backbone(pairs, papers, per_node=5, min_shared=2)  # one shared paper: too weak


def test_field_map_panel_is_bounded_and_lists_real_papers_with_evidence(graph, example_map):
    fm = example_map
    assert set(fm.panel) == set(fm.graph)
    with_sentences = 0
    for n, info in fm.panel.items():
        mentioning = _papers_of(graph, n)
        assert info["total"] == len(mentioning)
        assert len(info["papers"]) <= 3 and info["more"] == info["total"] - len(info["papers"])
        for item in info["papers"]:
            assert item["paper"] in mentioning and item["title"] == graph.nodes[item["paper"]]["label"]
            assert item["roles"] and len(item["sentences"]) <= 2
            with_sentences += bool(item["sentences"])
            assert n in fm.papers[item["paper"]]["entities"]  # "focus this paper" selects at least this node
    assert with_sentences >= len(fm.panel)  # listed papers show the sentence behind their link
    roles = {r for info in fm.panel.values() for item in info["papers"] for r in item["roles"]}
    assert {"proposes", "uses"} & roles


def test_field_map_focus_and_types(example_graph, graph):
    from kg.store import open_store
    from kg.viz.fieldmap import field_map

    store = open_store(example_graph)
    clip = next(n for n in graph if graph.nodes[n]["label"] == "CLIP")
    fm = field_map(store, focus="clip", top=30)
    assert clip in fm.graph and "papers that mention clip" in fm.note and fm.focus == [clip]
    clip_papers = _papers_of(graph, clip)
    for n, d in fm.graph.nodes(data=True):
        assert d["papers"] == len(_papers_of(graph, n) & clip_papers) > 0  # counted within CLIP's papers
    fm = field_map(store, types=["dataset", "task"], top=30)
    assert {d["type"] for _, d in fm.graph.nodes(data=True)} == {"dataset", "task"}
    with pytest.raises(KgError, match="no entity or paper"):
        field_map(store, focus='x" } } DROP ALL #')
    with pytest.raises(KgError, match="unknown entity type"):
        field_map(store, types=["paper"])


def test_field_map_communities_repeat_under_other_hash_seeds(example_graph):
    import subprocess
    import sys

    code = ("import sys, json; from kg.store import open_store; from kg.viz.fieldmap import field_map; "
            "fm = field_map(open_store(sys.argv[1]), top=60); "
            "print(json.dumps([c['members'] for c in fm.communities]))")
    runs = [subprocess.run([sys.executable, "-c", code, str(example_graph)], capture_output=True, text=True,
                           env={**__import__("os").environ, "PYTHONHASHSEED": seed}, check=True).stdout
            for seed in ("1", "2")]
    assert runs[0] == runs[1] and len(json.loads(runs[0])) >= 3


def test_field_map_page_escapes_paper_text():
    from kg.viz.fieldmap import FieldMap
    from kg.viz.html import render_field_map

    G = nx.Graph()
    G.add_node("e1", type="method", label="<img src=x onerror=alert(1)>", papers=2, community=1, ring="rgba(0,0,0,0.5)")
    G.add_node("e2", type="dataset", label="ok", papers=2, community=1, ring="rgba(0,0,0,0.5)")
    G.add_edge("e1", "e2", weight=2, association=1.0)
    item = {"paper": "p", "title": "</script><script>alert(2)</script>", "roles": ["uses"],
            "sentences": ["<svg onload=alert(3)> & more"]}
    fm = FieldMap(G, panel={"e1": {"papers": [item], "total": 1, "more": 0}, "e2": {"papers": [], "total": 0, "more": 0}},
                  papers={"p": {"title": item["title"], "entities": ["e1"]}},
                  communities=[{"ring": "rgba(0,0,0,0.5)", "members": ["e1", "e2"], "names": ["<b>x</b>", "ok"]}],
                  notes=["<i>note</i>"])
    page = render_field_map(fm)
    for raw in ("<img src=x", "</script><script>alert(2)", "<svg onload", "<b>x</b>", "<i>note</i>"):
        assert raw not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "&lt;i&gt;note&lt;/i&gt;" in page
    data = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S).group(1)
    assert json.loads(data)["panel"]["e1"]["papers"][0]["title"] == item["title"]  # intact once parsed


def test_cli_viz_default_is_the_field_map(kg_cli, example_graph, tmp_path):
    done = kg_cli("viz", example_graph, "--out", tmp_path / "m.html", "--top", "50")
    assert done.returncode == 0, done.stderr
    assert "50 most mentioned" in " ".join(done.stdout.split())
    page = (tmp_path / "m.html").read_text()
    assert 'id="kg-panel"' in page and 'id="kg-data"' in page
    done = kg_cli("viz", example_graph, "--papers", "--out", tmp_path / "p.html", "--top", "60")
    assert done.returncode == 0 and "60 nodes" in done.stdout
    assert 'id="kg-panel"' not in (tmp_path / "p.html").read_text()


def test_readme_pictures_exist_and_the_script_that_makes_them_is_there():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pictures = re.findall(r"!\[[^\]]*\]\((docs/img/[^)]+\.png)\)", (root / "README.md").read_text())
    assert "docs/img/field_map.png" in pictures and len(pictures) >= 2
    for picture in pictures:
        assert (root / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "field_map.png" in (root / "docs" / "make_pictures.py").read_text()


def test_top_keeps_papers_and_entities_linked_when_entities_dominate_the_degrees():
    import random

    rng = random.Random(7)
    G = nx.Graph()
    for p in range(300):  # a large corpus in miniature: every entity has far more links than any paper
        G.add_node(f"p{p}", type="paper", label=f"paper {p}")
        for e in rng.sample(range(40), 3):
            G.add_node(f"e{e}", type="method", label=f"method {e}")
            G.add_edge(f"p{p}", f"e{e}")
    H, note = select(G, top=40)
    types = [t for _, t in H.nodes(data="type")]
    assert H.number_of_nodes() == 40 and "pruned to the 40" in note
    assert types.count("paper") == 30 and types.count("method") == 10
    assert all(H.degree(n) >= 1 for n in H if H.nodes[n]["type"] == "paper")  # each kept paper links a kept entity


def test_papers_view_is_chosen_in_the_store_and_equals_the_same_part_of_the_whole_graph(example_graph, graph):
    from kg.store import open_store
    from kg.viz.papersview import pruned_graph

    H, note = pruned_graph(open_store(example_graph), 120)
    entities = [n for n, t in H.nodes(data="type") if t != "paper"]
    papers = [n for n, t in H.nodes(data="type") if t == "paper"]
    assert len(entities) == 120 - 90 and 80 <= len(papers) <= 90 and "best-connected" in note
    counts = sorted((len(_papers_of(graph, e)) for e in views.entities(graph)), reverse=True)
    assert sorted((len(_papers_of(graph, e)) for e in entities), reverse=True) == counts[:30]
    whole = graph.subgraph(H)  # the same nodes in the graph read whole: same labels, links and relations
    assert {n: whole.nodes[n]["label"] for n in H} == dict(H.nodes(data="label"))
    assert {frozenset(e): d["relation"] for *e, d in whole.edges(data=True)} == {frozenset(e): d["relation"] for *e, d in H.edges(data=True)}
    assert all(H.degree(p) >= 1 for p in papers)


def test_a_negative_top_or_hops_from_python_is_refused_and_leaves_the_earlier_view(example_graph, tmp_path):
    # the command line's option ranges refuse them; from a notebook, write_html(DIR, path, top=-1)
    # drew an empty field map ("the 0 most mentioned of N entities") over the earlier view
    from kg.viz.html import write_html
    from kg.viz.make import make_view

    page = write_html(example_graph, tmp_path / "view.html", top=5)
    before = page.read_bytes()
    for options in ({"top": -1}, {"papers": True, "top": -1}, {"papers": True, "hops": -1, "focus": "ImageNet"}):
        with pytest.raises(KgError, match="hops and top must be 0 or more"):
            write_html(example_graph, page, **options)
        with pytest.raises(KgError, match="hops and top must be 0 or more"):
            make_view(example_graph, **options)
    assert page.read_bytes() == before


def test_the_python_api_replaces_only_a_view_it_wrote(example_graph, tmp_path):
    # `write_html(DIR, path)` (notebook 01 shows it) wrote the field map over any file: a user's
    # notes.txt became an HTML page, a symbolic link was replaced by the page. Only the command line
    # checked the path; now the writer does, before any work, as `export_view` did.
    from kg.viz.html import write_html
    from kg.viz.make import write_view

    notes = tmp_path / "notes.txt"
    notes.write_text("months of notes\n", encoding="utf-8")
    kept = tmp_path / "kept.html"
    kept.write_text("<p>a page of mine</p>\n", encoding="utf-8")
    link = tmp_path / "link.html"
    link.symlink_to(kept)
    folder = tmp_path / "folder.html"
    folder.mkdir()
    for target in (notes, link, folder):
        with pytest.raises(KgError, match=re.escape(target.name)):
            write_html(example_graph, target, top=20)
    with pytest.raises(KgError, match="notes.txt"):
        write_view(example_graph, notes, "html", top=20)
    assert notes.read_text(encoding="utf-8") == "months of notes\n"
    assert link.is_symlink() and link.resolve() == kept and kept.read_text(encoding="utf-8") == "<p>a page of mine</p>\n"
    assert folder.is_dir() and not any(folder.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.html", "kept.html", "link.html", "notes.txt"]
    view = tmp_path / "view.html"
    for _ in range(2):  # a new file, then the view it wrote, replaced
        write_html(example_graph, view, top=20)
        assert view.read_text(encoding="utf-8").startswith("<!DOCTYPE html>") or "<html" in view.read_text(encoding="utf-8")[:200]


def _same_map(a, b):
    """Two field maps drawn alike: nodes, links, their attributes, notes, communities and panel."""
    assert sorted(a.graph.nodes(data=True)) == sorted(b.graph.nodes(data=True))
    assert sorted((min(u, v), max(u, v), sorted(d.items())) for u, v, d in a.graph.edges(data=True)) \
        == sorted((min(u, v), max(u, v), sorted(d.items())) for u, v, d in b.graph.edges(data=True))
    assert (a.notes, a.communities, a.panel, a.papers) == (b.notes, b.communities, b.panel, b.papers)


@pytest.mark.parametrize("corpus", ["example", "synthetic"])
def test_the_builds_view_from_its_tallies_is_the_view_kg_viz_reads_from_the_store(example_graph, tmp_path, corpus):
    import sys
    from pathlib import Path

    from kg.analyse.incidence import tallies_of
    from kg.build import build
    from kg.rdf.namespaces import KGO
    from kg.store import open_store
    from kg.viz.fieldmap import shared_papers, shared_papers_tallied
    from kg.viz.html import render_field_map
    from kg.viz.make import make_view

    if corpus == "example":
        out = example_graph
    else:  # entities of 20+ papers: the map keeps links of 2+ shared papers
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
        import synthetic_corpus

        out = tmp_path / "graph"
        build([synthetic_corpus.write(600, tmp_path / "synth.jsonl", seed=11)], out, extras=False, exports=())
    tallies = tallies_of(out)
    assert tallies is not None  # the build's tallies describe its store: the build's view reads them
    # every pair of entities: the same shared papers from the tally file as from the store
    store = open_store(out)
    entities = sorted(str(r[0].value) for r in store.query(f"SELECT DISTINCT ?e WHERE {{ ?e <{KGO.paperCount}> ?n }}"))
    pairs = shared_papers(store, entities)
    assert len(pairs) > 100 and shared_papers_tallied(tallies, entities) == pairs
    for top in (None, 0):
        tallied, stored = make_view(out, top=top, tallied=True), make_view(out, top=top)
        _same_map(tallied.page, stored.page)
        assert render_field_map(tallied.page) == render_field_map(stored.page)  # the same page, byte for byte
