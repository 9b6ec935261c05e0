"""Network analysis on graphs whose answers are known by hand, and on the example corpus."""
from __future__ import annotations

import json
import re

import networkx as nx
import pytest

from kg.analyse import communities as comm
from kg.analyse import incidence, links, metrics, plots, trends, views
from kg.analyse.report import analyse, write_report


def typed(edges: list[tuple[str, str]], types: dict[str, str]) -> nx.Graph:
    G = nx.Graph()
    for n, t in types.items():
        G.add_node(n, type=t, label=n, bipartite=int(t != "paper"))
    G.add_edges_from(edges)
    return G


def test_the_centre_of_a_star_is_most_central():
    H = nx.star_graph(5)
    for n in H:
        H.nodes[n].update(type="method", label=f"m{n}")
    scores = metrics.centrality(H, weight=None)
    top = metrics.top_by_type(H, scores, "pagerank", 1)["method"][0]
    assert top[0] == "m0"
    assert scores[0]["degree"] == 5 and scores[0]["betweenness"] == pytest.approx(1.0)


def test_two_cliques_give_two_communities_and_the_joint_is_the_bridge():
    H = nx.Graph()
    left, right = [f"a{i}" for i in range(5)], [f"b{i}" for i in range(5)]
    for group in (left, right):
        H.add_edges_from((x, y, {"weight": 1}) for i, x in enumerate(group) for y in group[i + 1:])
    H.add_edge("a0", "b0", weight=1)
    for n in H:
        H.nodes[n].update(type="method", label=n)
    parts = comm.communities(H, seed=42)
    assert sorted(sorted(c["members"]) for c in parts) == [left, right]
    assert parts == comm.communities(H, seed=42)  # a fixed seed repeats
    bridges = comm.bridges(H, parts)
    assert {b["label"] for b in bridges} == {"a0", "b0"}
    scores = metrics.centrality(H)
    top = sorted(H, key=lambda n: -scores[n]["betweenness"])[:2]
    assert set(top) == {"a0", "b0"}  # the joint has the top betweenness
    assert bridges[0]["participation"] == pytest.approx(1 - (4 / 5) ** 2 - (1 / 5) ** 2, abs=1e-4)


def test_adamic_adar_suggests_the_missing_method_dataset_pair():
    # papers p1, p2 link method M with task T; paper p3 links dataset D with task T: M-D is missing
    G = typed(
        [("p1", "M"), ("p1", "T"), ("p2", "M"), ("p2", "T"), ("p3", "D"), ("p3", "T"), ("p4", "M2"), ("p4", "D")],
        {"p1": "paper", "p2": "paper", "p3": "paper", "p4": "paper", "M": "method", "M2": "method", "D": "dataset", "T": "task"},
    )
    H = views.entity_cooccurrence(G)
    suggestions = links.missing_links(H, ("method", "dataset"))
    assert [(s["method"], s["dataset"]) for s in suggestions] == [("M", "D")]
    assert suggestions[0]["common"] == ["T"]
    assert suggestions[0]["score"] == pytest.approx(1 / __import__("math").log(2), abs=1e-4)  # T links M and D only


def test_adamic_adar_ranks_the_pair_with_more_shared_neighbours_first():
    G = typed(
        [("p1", "M"), ("p1", "T1"), ("p1", "T2"), ("p2", "D1"), ("p2", "T1"), ("p2", "T2"), ("p3", "D2"), ("p3", "T1")],
        {"p1": "paper", "p2": "paper", "p3": "paper", "M": "method", "D1": "dataset", "D2": "dataset", "T1": "task", "T2": "task"},
    )
    suggestions = links.missing_links(views.entity_cooccurrence(G), ("method", "dataset"))
    assert [(s["method"], s["dataset"]) for s in suggestions] == [("M", "D1"), ("M", "D2")]


def test_a_method_used_with_several_modalities_bridges_them():
    G = typed(
        [("p1", "M"), ("p1", "image"), ("p2", "M"), ("p2", "audio"), ("p3", "M"), ("p3", "text"),
         ("p4", "N"), ("p4", "image"), ("p5", "N"), ("p5", "image")],
        {**{f"p{i}": "paper" for i in range(1, 6)}, "M": "method", "N": "method",
         "image": "modality", "audio": "modality", "text": "modality"},
    )
    rows = comm.modality_bridges(views.entity_cooccurrence(G))
    assert [r["label"] for r in rows] == ["M"]  # N stays with one modality
    assert rows[0]["modalities"] == 3 and rows[0]["participation"] == pytest.approx(2 / 3, abs=1e-4)
    M = views.modality_graph(G)
    assert M.number_of_edges() == 0 and M.nodes["image"]["papers"] == 3


def test_paper_communities_are_named_by_what_sets_them_apart():
    # two groups of papers, each sharing a method; every paper also mentions "image"
    edges = [(f"p{i}", "image") for i in range(6)]
    edges += [(f"p{i}", "A") for i in range(3)] + [(f"p{i}", "A2") for i in range(3)]
    edges += [(f"p{i}", "B") for i in range(3, 6)] + [(f"p{i}", "B2") for i in range(3, 6)]
    G = typed(edges, {**{f"p{i}": "paper" for i in range(6)}, "image": "modality", "A": "method", "A2": "task",
                      "B": "method", "B2": "task"})
    inc = incidence.from_graph(G)
    parts = comm.paper_communities(inc, views.paper_neighbours(inc, range(6)), seed=42)
    assert sorted(sorted(inc.papers[r] for r in c["members"]) for c in parts) == [["p0", "p1", "p2"], ["p3", "p4", "p5"]]
    assert {c["label"] for c in parts} == {"A / A2", "B / B2"}


def test_projections_count_shared_papers():
    G = typed([("p1", "A"), ("p1", "B"), ("p2", "A"), ("p2", "B"), ("p2", "C")],
              {"p1": "paper", "p2": "paper", "A": "method", "B": "dataset", "C": "modality"})
    H = views.entity_cooccurrence(G)
    assert H["A"]["B"]["weight"] == 2 and H["A"]["C"]["weight"] == 1
    P = views.paper_similarity(G)
    assert P["p1"]["p2"]["weight"] == 2


def test_trends_by_year():
    G = typed([("p1", "A"), ("p2", "A"), ("p3", "B")], {"p1": "paper", "p2": "paper", "p3": "paper", "A": "method", "B": "method"})
    G.nodes["p1"]["year"], G.nodes["p2"]["year"], G.nodes["p3"]["year"] = 2023, 2024, 2024
    assert trends.trends(G) == {2023: {"method": [("A", 1)]}, 2024: {"method": [("A", 1), ("B", 1)]}}
    assert trends.papers_per_year(G) == {2023: 1, 2024: 2}
    assert trends.share_by_year(G, "method") == {"A": {2023: 1.0, 2024: 0.5}, "B": {2023: 0.0, 2024: 0.5}}


def test_views_from_a_store_built_by_hand(tmp_path):
    """typed_graph reads papers, entities, links, years and evidence from the store."""
    from kg.build import build
    from kg.store import open_store

    src = tmp_path / "p.jsonl"
    src.write_text(
        json.dumps({"title": "Fast CLIP", "year": 2023, "abstract": "We fine-tune CLIP on ImageNet images and report accuracy."}) + "\n"
        + json.dumps({"title": "Audio CLIP", "year": 2024, "abstract": "We align audio and images with CLIP on AudioSet."}) + "\n"
    )
    build([src], tmp_path / "g", extras=False)
    G = views.typed_graph(open_store(tmp_path / "g"), evidence=True)
    assert len(views.papers(G)) == 2
    assert sorted(G.nodes[p]["year"] for p in views.papers(G)) == [2023, 2024]
    clip = next(n for n in G if G.nodes[n]["label"] == "CLIP")
    assert G.nodes[clip]["type"] == "method" and G.nodes[clip]["papers"] == 2
    assert "CLIP" in G.nodes[clip]["evidence"]
    assert all(G.edges[e]["relation"] for e in G.edges)
    assert nx.is_bipartite(views.bipartite_graph(G))
    out = write_report(tmp_path / "g", tmp_path / "report")
    data = json.loads((out / "report.json").read_text())
    assert data["papers_per_year"] == {"2023": 1, "2024": 1}
    assert "### 2024" in (out / "report.md").read_text()
    assert (out / "modality_trends.png").exists()


# ----------------------------------------------------------------------- the example corpus


@pytest.fixture(scope="module")
def corpus_graph(example_graph):
    from kg.store import open_store

    return views.typed_graph(open_store(example_graph))


def corpus_texts():
    from kg.ingest import read_papers

    from conftest import EXAMPLE_CORPUS

    return {p.title: p.text for p in read_papers([EXAMPLE_CORPUS])}


def test_the_most_central_modality_is_the_one_the_corpus_names_most(corpus_graph):
    texts = corpus_texts().values()
    # count papers naming each of the two big modalities in the raw text
    image = sum(bool(re.search(r"\b(image|images|visual|vision)\b", t, re.I)) for t in texts)
    text = sum(bool(re.search(r"\b(text|texts|textual|language)\b", t, re.I)) for t in texts)
    expected = "image" if image > text else "text"
    data = analyse(corpus_graph)
    assert data["top_by_pagerank"]["modality"][0][0] == expected
    assert data["top_by_papers"]["modality"][0][0] == expected


def test_vision_language_papers_gather_in_a_community(corpus_graph):
    """The community holding the most vision-language papers (by their text) holds them at a
    clearly higher rate than the corpus as a whole."""
    inc = incidence.from_graph(corpus_graph)
    P = views.paper_neighbours(inc, range(len(inc.papers)))  # the graph the report runs Louvain on
    parts = comm.paper_communities(inc, P, seed=42)
    title = inc.titles(P)
    titles = {t for t, text in corpus_texts().items() if re.search(r"vision-language|CLIP", text)}
    ids = {n for n in P if title[n] in titles}
    assert len(ids) >= 10
    best = max(parts, key=lambda c: len(ids & set(c["members"])))
    share_in_best = len(ids & set(best["members"])) / len(best["members"])
    share_overall = len(ids) / P.number_of_nodes()
    assert share_in_best >= 1.5 * share_overall, (share_in_best, share_overall)
    # Nearly every paper of this corpus mentions CLIP or vision-language models somewhere, so the
    # papers *about* them (named in the title) are the sharper test: most fall in two communities.
    about = {n for n in P if re.search(r"vision-language|CLIP|vision and language|image-text", title[n], re.I)}
    assert len(about) >= 8
    counts = sorted((len(about & set(c["members"])) for c in parts), reverse=True)
    assert sum(counts[:2]) > 0.5 * len(about), counts


def test_report_files(example_graph, tmp_path):
    out = write_report(example_graph, tmp_path / "report")
    data = json.loads((out / "report.json").read_text())
    assert data["counts"]["papers"] > 100
    assert (out / "report.md").read_text().startswith("# Analysis report")
    assert data["paper_communities"] and data["bridges"] and data["modality_bridges"]
    assert data["suggested_method_dataset"] and data["suggested_method_modality"]
    for png in ("top_entities.png", "modality_heatmap.png", "communities.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
