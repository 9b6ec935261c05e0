"""Network analysis on graphs whose answers are known by hand, and on the example corpus."""
from __future__ import annotations

import json
import re

import networkx as nx
import pytest

from kg.analyse import communities as comm
from kg.analyse import incidence, links, metrics, plots, trends, views
from kg.analyse.report import STEPS, analyse, write_report


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
    clearly higher rate than the corpus as a whole. Louvain's partition of 136 papers moves with its
    seed (this ratio ran from 1.3 to 2.0 over ten seeds), so the test asks it of the median seed."""
    import statistics

    inc = incidence.from_graph(corpus_graph)
    P = views.paper_neighbours(inc, range(len(inc.papers)))  # the graph the report runs Louvain on
    title = inc.titles(P)
    titles = {t for t, text in corpus_texts().items() if re.search(r"vision-language|CLIP", text)}
    ids = {n for n in P if title[n] in titles}
    assert len(ids) >= 10
    share_overall = len(ids) / P.number_of_nodes()
    ratios = []
    for seed in range(10):
        best = max(comm.paper_communities(inc, P, seed=seed), key=lambda c: len(ids & set(c["members"])))
        ratios.append(len(ids & set(best["members"])) / len(best["members"]) / share_overall)
    assert statistics.median(ratios) >= 1.5, ratios
    parts = comm.paper_communities(inc, P, seed=42)
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


# ----------------------------------------------------------------------- bounded, sparse views


def test_the_entity_graph_keeps_the_most_mentioned_entities_within_its_edge_budget(corpus_graph):
    inc = incidence.from_graph(corpus_graph)
    full, scope = views.entity_graph(inc)
    assert not scope["bounded"] and scope["entities"] == len(inc.entities)
    # the same weights as networkx's projection of the paper–entity graph
    projected = views.entity_cooccurrence(corpus_graph)
    assert full.number_of_edges() == projected.number_of_edges()
    for a, b, w in list(full.edges(data="weight"))[:500]:
        assert projected[inc.entities[a]][inc.entities[b]]["weight"] == w
    small, scope = views.entity_graph(inc, max_edges=500)
    assert scope["bounded"] and small.number_of_edges() <= 500 and scope["edges"] == small.number_of_edges()
    papers = inc.papers_per_entity
    kept = set(small)
    left_out = [e for e in range(len(inc.entities)) if e not in kept]
    # nothing left out is mentioned by more papers than anything kept
    assert max(papers[e] for e in left_out) <= min(papers[e] for e in kept) == scope["least papers"]
    assert small.edges == full.subgraph(kept).edges  # the induced graph: no edge among the kept is lost
    # one more entity would break the budget
    one_more = full.subgraph(kept | {max(left_out, key=lambda e: (papers[e], -e))})
    assert one_more.number_of_edges() > 500


def test_each_paper_is_linked_to_the_papers_sharing_most_entities_with_it(corpus_graph):
    inc = incidence.from_graph(corpus_graph)
    k = 5
    P = views.paper_neighbours(inc, range(len(inc.papers)), k=k)
    mentions = [{inc.entities.index(e) for e in corpus_graph.neighbors(p)} for p in inc.papers]
    for p in range(0, len(inc.papers), 7):
        shared = {q: len(mentions[p] & mentions[q]) for q in range(len(inc.papers)) if q != p}
        best = sorted((q for q in shared if shared[q]), key=lambda q: (-shared[q], q))[:k]
        assert set(best) <= set(P[p])  # its own choices, plus the papers that chose it
        for q in P[p]:
            assert P[p][q]["weight"] == shared[q] > 0


def test_suggested_links_score_as_networkx_adamic_adar(corpus_graph):
    H = views.entity_cooccurrence(corpus_graph)
    got = links.missing_links(H, ("method", "dataset"), 15)
    label = {n: H.nodes[n]["label"] for n in H}
    methods = [n for n in H if H.nodes[n]["type"] == "method"]
    datasets = [n for n in H if H.nodes[n]["type"] == "dataset"]
    pairs = [(a, b) for a in methods for b in datasets if not H.has_edge(a, b) and set(H[a]) & set(H[b])]
    expected = sorted(((label[a], label[b], s) for a, b, s in nx.adamic_adar_index(H, pairs)),
                      key=lambda x: (-round(x[2], 9), x[0], x[1]))[:15]
    assert [(r["method"], r["dataset"]) for r in got] == [(a, b) for a, b, _ in expected]
    assert [r["score"] for r in got] == [round(s, 4) for _, _, s in expected]



def test_suggested_links_tied_across_the_last_place_are_chosen_by_their_labels():
    # every method-dataset pair shares the one hub, so all six score alike: the labels pick the three
    H = nx.Graph()
    H.add_node("hub", type="task", label="hub")
    for n, t in [("m3", "method"), ("m1", "method"), ("m2", "method"), ("d2", "dataset"), ("d1", "dataset")]:
        H.add_node(n, type=t, label=n.upper())
        H.add_edge("hub", n)
    got = links.missing_links(H, ("method", "dataset"), 3)
    assert [(r["method"], r["dataset"]) for r in got] == [("M1", "D1"), ("M1", "D2"), ("M2", "D1")]
    assert len({r["score"] for r in got}) == 1

def test_betweenness_is_sampled_above_its_budget_and_the_report_says_from_how_many(corpus_graph, monkeypatch):
    H = views.entity_cooccurrence(corpus_graph)
    exact = nx.betweenness_centrality(H)
    assert metrics.betweenness_sample(H) is None
    assert metrics.betweenness(H) == pytest.approx(exact)
    monkeypatch.setattr(metrics, "BETWEENNESS_STEPS", H.number_of_edges() * 100)
    assert metrics.betweenness_sample(H) == 100
    data = analyse(corpus_graph)
    assert data["scope"]["betweenness"] == {"exact": False, "sources": 100, "seed": 42}
    from kg.analyse.report import to_markdown

    assert "estimated from k = 100 source nodes drawn with seed 42" in to_markdown(data)


@pytest.mark.parametrize("graph", [
    nx.les_miserables_graph(),  # one component, string nodes
    nx.disjoint_union(nx.gnm_random_graph(60, 150, seed=3), nx.path_graph(7)),  # two components
])
def test_sampled_betweenness_is_networkx_estimate_from_the_same_sources(graph, monkeypatch):
    """The sparse-product searches give networkx's own figures, exact and estimated from the same k
    seeded sources (networkx's draw over the sorted nodes), isolated nodes included."""
    H = nx.Graph(graph.edges())
    H.add_node(-1 if isinstance(next(iter(H)), int) else "lonely")  # a node no path reaches
    K, nodes = metrics.canonical(H)
    for k in (None, 12):
        monkeypatch.setattr(metrics, "betweenness_sample", lambda G, k=k: k)
        expected = {nodes[i]: s for i, s in nx.betweenness_centrality(K, k=k, seed=5).items()}
        got = metrics.betweenness(H, seed=5)
        assert got.keys() == expected.keys()
        assert max(abs(got[v] - expected[v]) for v in H) < 1e-12
        assert max(expected.values()) > 0.05  # a graph with something between its nodes


def test_paper_communities_of_a_sample_state_their_share_and_margin(corpus_graph, monkeypatch):
    from kg.analyse import report

    monkeypatch.setattr(report, "PAPER_SAMPLE", 60)
    data = analyse(corpus_graph)
    scope = data["scope"]["paper graph"]
    assert scope["sampled"] and scope["papers"] == 60 and scope["of"] == len(views.papers(corpus_graph))
    parts = data["paper_communities"]
    assert sum(c["size"] for c in parts) == 60
    for c in parts:
        p = c["size"] / 60
        assert c["share"] == round(p, 4) and c["margin"] == round(1.96 * (p * (1 - p) / 60) ** 0.5, 4)
    assert "a random sample of 60 of the" in report.to_markdown(data)


# ----------------------------------------------------------------------- plots


def test_the_heatmap_shows_the_lift_of_each_pair_of_modalities(corpus_graph):
    data = analyse(corpus_graph)
    heat = data["modality_cooccurrence"]
    assert heat["measure"] == "lift"
    # computed again from the graph's edges: the set of papers of each modality
    papers_of = {corpus_graph.nodes[m]["label"]: {p for p in corpus_graph.neighbors(m) if corpus_graph.nodes[p]["type"] == "paper"}
                 for m in views.entities(corpus_graph, "modality")}
    n = len(views.papers(corpus_graph))
    assert heat["labels"] == sorted(papers_of, key=lambda m: (-len(papers_of[m]), m))[:15]
    for i, a in enumerate(heat["labels"]):
        for j, b in enumerate(heat["labels"]):
            both = len(papers_of[a] & papers_of[b])
            assert heat["papers"][i][j] == both
            if a != b:
                assert heat["lift"][i][j] == pytest.approx(both * n / (len(papers_of[a]) * len(papers_of[b])), abs=1e-3)
    fig = plots.modality_heatmap_figure(data)
    ax = fig.axes[0]
    assert "lift" in ax.get_title()
    shown = ax.images[0].get_array()  # the colour is log2 of the lift
    assert shown[0][1] == pytest.approx(__import__("math").log2(heat["lift"][0][1]), abs=1e-9)
    cells = {t.get_text() for t in ax.texts}
    assert str(heat["papers"][0][1]) in cells


def test_community_labels_are_whole_entity_names(corpus_graph):
    data = analyse(corpus_graph)
    names = {corpus_graph.nodes[e]["label"] for e in views.entities(corpus_graph)}
    for c in data["paper_communities"] + data["entity_communities"]:
        if c["label"] == "(no shared entity)":
            continue
        parts = c["label"].split(" / ")
        assert set(parts) <= names, parts
        assert parts == [p for p in c["top"][: len(parts)]]
    fig = plots.communities_figure(data)
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()][::-1]
    assert [" ".join(s.split("\n")) for s in shown] == [c["label"] for c in data["paper_communities"][:12]]
    assert any("\n" in s for s in shown)  # long ones wrapped, not cut


def test_the_trends_plot_has_whole_years_and_needs_dated_papers():
    years = {f"p{i}": 2016 + i // 3 for i in range(24)}  # 2016 .. 2023
    G = typed([(p, "image" if i % 2 else "text") for i, p in enumerate(years)],
              {**{p: "paper" for p in years}, "image": "modality", "text": "modality"})
    for p, y in years.items():
        G.nodes[p]["year"] = y
    data = analyse(G)
    fig = plots.modality_trends_figure(data)
    ticks = fig.axes[0].get_xticks()
    assert list(ticks) == list(range(2016, 2024)) and all(float(t).is_integer() for t in ticks)
    for p in years:
        G.nodes[p]["year"] = 0
    data = analyse(G)
    assert plots.modality_trends_figure(data) is None
    from kg.analyse.report import to_markdown

    assert "No paper has a date" in to_markdown(data)


def test_the_top_entities_of_every_type_are_one_figure(corpus_graph):
    data = analyse(corpus_graph)
    fig = plots.top_entities_figure(data)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["methods", "datasets", "modalities", "metrics", "tasks"]
    methods = [t.get_text() for t in panels[0].get_yticklabels()][::-1]
    assert [" ".join(m.split("\n")) for m in methods] == [label for label, _ in data["top_by_papers"]["method"]]


def test_write_report_reports_its_progress(example_graph, tmp_path):
    seen = []
    write_report(example_graph, tmp_path / "r", progress=lambda stage, done, total: seen.append((stage, done, total)))
    stages = list(dict.fromkeys(s for s, _, _ in seen))
    assert stages == list(STEPS) == ["reading the graph", "entity co-occurrence", "centrality", "communities of entities",
                      "communities of papers", "trends", "plots", "writing the report"]
    assert [d for s, d, _ in seen if s == "plots"] == [0, 1, 2, 3, 4]
    assert all(t == 4 for s, _, t in seen if s == "plots")


# ----------------------------------------------------------------------- repeatable


def _analyze(kg_cli, graph, out, seed):
    result = kg_cli("analyze", graph, "--out", out, env={"PYTHONHASHSEED": str(seed)})
    assert result.returncode == 0, result.stderr
    # its progress, one line when stderr is not a terminal (a live line with elapsed time on one)
    assert re.fullmatch(rf"report: {len(STEPS)}/{len(STEPS)} steps \(100%\) in \d+\.\d s", result.stderr.strip()), result.stderr
    # the report's files; not kg's hidden record of them (`.kg-written.json`), which holds their mtimes
    return {f.name: f.read_bytes() for f in sorted(out.iterdir()) if not f.name.startswith(".")}


def test_the_report_repeats_byte_for_byte_under_other_hash_seeds(example_graph, kg_cli, tmp_path):
    first = _analyze(kg_cli, example_graph, tmp_path / "r1", 1)
    second = _analyze(kg_cli, example_graph, tmp_path / "r2", 2)
    assert {"report.json", "report.md", "top_entities.png", "modality_heatmap.png", "communities.png"} <= set(first)
    for name in first:
        assert first[name] == second[name], name


def test_the_report_repeats_whatever_the_order_of_the_input_files(kg_cli, tmp_path):
    from conftest import EXAMPLE_CORPUS

    files = sorted(EXAMPLE_CORPUS.iterdir())[:60]
    for name, order, seed in (("a", files, 1), ("b", files[::-1], 2)):
        result = kg_cli("build", *order, "--out", tmp_path / name, "--no-extras", "--export", "none",
                        env={"PYTHONHASHSEED": str(seed)})
        assert result.returncode == 0, result.stderr
    first = _analyze(kg_cli, tmp_path / "a", tmp_path / "ra", 3)
    second = _analyze(kg_cli, tmp_path / "b", tmp_path / "rb", 4)
    assert json.loads(first["report.json"])["entity_communities"]
    for name in first:
        assert first[name] == second[name], name


# ----------------------------------------------------------------------- the matrix from the build's tallies


def test_the_report_from_the_build_tallies_equals_the_report_from_the_store(example_graph):
    """A build folder's matrix comes from the tallies its build kept (no SPARQL read of the links);
    every figure of the report is the same as from the store's SPARQL read."""
    from kg.store import open_store

    tallies = incidence.tallies_of(example_graph.resolve())
    assert tallies is not None  # a fresh build's tallies describe its store
    store = open_store(example_graph)
    from_tallies, from_store = incidence.from_tallies(tallies, store), incidence.from_store(store)
    assert from_tallies.papers == from_store.papers and from_tallies.labels == from_store.labels
    assert (from_tallies.matrix != from_store.matrix).nnz == 0 and from_tallies.matrix.nnz > 1000
    assert analyse(from_tallies) == analyse(from_store)


@pytest.mark.parametrize("change", ["store changed since", "tallies of an older kg"])
def test_a_store_the_tallies_no_longer_describe_is_read_with_sparql(tmp_path, change):
    """Once the store is written outside kg (or the tally file is an older kg's), the matrix is the
    store's, not the tallies'."""
    import sqlite3

    import pyoxigraph as ox

    from rdflib.namespace import RDF

    from kg.build import build
    from kg.rdf.namespaces import KGO
    from kg.rdf.tallies import TALLY_FILE
    from kg.store import STORE_DIR, open_store, resolve

    src = tmp_path / "p.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in (
        {"title": "Fast CLIP", "year": 2023, "abstract": "We fine-tune CLIP on ImageNet images and report accuracy."},
        {"title": "Audio CLIP", "abstract": "We align audio and images with CLIP on AudioSet."},
    )))
    build([src], tmp_path / "g", extras=False, exports=())
    folder = resolve(tmp_path / "g")
    tallies = incidence.tallies_of(folder)
    used = incidence.from_tallies(tallies, open_store(folder))
    assert sorted(used.years.tolist()) == [0, 2023]
    read = incidence.from_store(open_store(folder))
    assert used.papers == read.papers and used.years.tolist() == read.years.tolist()
    assert (used.matrix != read.matrix).nnz == 0 and used.labels == read.labels
    if change == "store changed since":  # a paper added through a writable endpoint
        store = ox.Store(str(folder / STORE_DIR))
        paper, clip = ox.NamedNode("https://example.org/paper/added"), next(
            ox.NamedNode(e) for e, label in zip(used.entities, used.labels) if label == "CLIP")
        store.extend([ox.Quad(paper, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(KGO.Paper))),
                      ox.Quad(paper, ox.NamedNode(str(KGO.uses)), clip)])
        del store
    else:
        db = sqlite3.connect(folder / TALLY_FILE)
        db.execute("PRAGMA user_version = 6")
        db.close()
    assert incidence.tallies_of(folder) is None
    inc = incidence.from_build(tmp_path / "g")
    assert len(inc.papers) == (3 if change == "store changed since" else 2)
    assert inc.papers_per_entity[inc.labels.index("CLIP")] == len(inc.papers)
