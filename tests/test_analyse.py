"""Network analysis on graphs whose answers are known by hand, and on the example corpus."""
from __future__ import annotations

import json
import re

import networkx as nx
import pytest

from kg.analyse import metrics, views
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
    parts = metrics.communities(H, seed=42)
    assert sorted(sorted(c["members"]) for c in parts) == [left, right]
    assert parts == metrics.communities(H, seed=42)  # a fixed seed repeats
    bridges = metrics.bridges(H, parts)
    assert {b["label"] for b in bridges} == {"a0", "b0"}


def test_adamic_adar_suggests_the_missing_method_dataset_pair():
    # papers p1, p2 link method M with task T; paper p3 links dataset D with task T: M-D is missing
    G = typed(
        [("p1", "M"), ("p1", "T"), ("p2", "M"), ("p2", "T"), ("p3", "D"), ("p3", "T"), ("p4", "M2"), ("p4", "D")],
        {"p1": "paper", "p2": "paper", "p3": "paper", "p4": "paper", "M": "method", "M2": "method", "D": "dataset", "T": "task"},
    )
    H = views.entity_cooccurrence(G)
    suggestions = metrics.missing_links(H, ("method", "dataset"))
    assert [(s["method"], s["dataset"]) for s in suggestions] == [("M", "D")]


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
    assert metrics.trends(G) == {2023: {"method": [("A", 1)]}, 2024: {"method": [("A", 1), ("B", 1)]}}


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
    P = views.paper_similarity(corpus_graph)
    parts = metrics.communities(P, seed=42)
    titles = {t for t, text in corpus_texts().items() if re.search(r"vision-language|CLIP", text)}
    ids = {n for n in P if P.nodes[n]["label"] in titles}
    assert len(ids) >= 10
    best = max(parts, key=lambda c: len(ids & set(c["members"])))
    share_in_best = len(ids & set(best["members"])) / len(best["members"])
    share_overall = len(ids) / P.number_of_nodes()
    assert share_in_best >= 1.5 * share_overall, (share_in_best, share_overall)


def test_report_files(example_graph, tmp_path):
    out = write_report(example_graph, tmp_path / "report")
    data = json.loads((out / "report.json").read_text())
    assert data["counts"]["papers"] > 100
    assert (out / "report.md").read_text().startswith("# Analysis report")
    for png in ("top_entities.png", "modality_heatmap.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
