"""Every way of building the same input gives exactly the same graph; the synthetic corpus."""
from __future__ import annotations

import json
import sys

import pyoxigraph as ox
import pytest

from kg.build import build
from kg.store import open_store

from conftest import EXAMPLE_CORPUS, ROOT

sys.path.insert(0, str(ROOT / "bench"))
import synthetic_corpus  # noqa: E402

FILES = sorted(EXAMPLE_CORPUS.iterdir())


def triples(out) -> list[str]:
    store = open_store(out)
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode()
    return sorted(data.splitlines())


@pytest.fixture(scope="module")
def reference_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "g"
    return build(FILES, out, jobs=1, extras=False), triples(out)


@pytest.fixture(scope="module")
def reference(reference_build):
    return reference_build[1]


def test_two_processes_give_the_same_graph(reference, tmp_path):
    build(FILES, tmp_path / "g", jobs=2, batch_size=16, extras=False)
    assert triples(tmp_path / "g") == reference


def test_workers_replaced_after_every_batch_give_the_same_graph(reference, tmp_path, monkeypatch):
    import kg.pool

    monkeypatch.setattr(kg.pool, "WORKER_BATCHES", 1)
    build(FILES, tmp_path / "g", jobs=2, batch_size=40, extras=False)
    assert triples(tmp_path / "g") == reference


def test_workers_are_replaced_after_their_batches():
    """Every `worker_batches` batches per worker, fresh processes take over: no process handles
    batches of two generations, and results still come in input order (Python 3.11's
    max_tasks_per_child deadlocked here with two batches per worker)."""
    from conftest import worker_pid
    from kg.pool import ordered_map

    for per_worker, n in ((1, 6), (2, 8)):
        answers = list(ordered_map(worker_pid, ([i] for i in range(n)), jobs=2, initializer=int,
                                   worker_batches=per_worker))
        assert [batch for _, batch in answers] == [[i] for i in range(n)]
        generations: dict[int, set[int]] = {}
        for i, (pid, _) in enumerate(answers):
            generations.setdefault(i // (2 * per_worker), set()).add(pid)
        assert len(generations) == n // (2 * per_worker)
        for g, pids in generations.items():
            others = set().union(*(p for h, p in generations.items() if h != g))
            assert not pids & others, f"a worker of generation {g} handled batches of another"


def test_another_batch_size_gives_the_same_graph(reference, tmp_path):
    build(FILES, tmp_path / "g", jobs=1, batch_size=7, extras=False)
    assert triples(tmp_path / "g") == reference


def test_an_appended_build_gives_the_same_graph_without_duplicates(reference_build, tmp_path):
    summary, reference = reference_build
    out = tmp_path / "g"
    first = build(FILES[:1], out, extras=False)
    second = build(FILES, out, append=True, extras=False)
    assert second.skipped_existing == first.papers  # the first file's papers are not processed again
    assert first.papers + second.papers == 136
    assert triples(out) == reference
    assert second.entities == summary.entities  # distinct concepts of the whole graph
    assert summary.entities["method"] > 100 and all(summary.entities.values())
    # the report's matrix, from the tallies both builds kept, is the one the store holds
    from kg.analyse import incidence
    from kg.store import resolve

    tallies = incidence.tallies_of(resolve(out))
    assert tallies is not None
    kept, stored = incidence.from_tallies(tallies, open_store(out)), incidence.from_store(open_store(out))
    assert kept.papers == stored.papers and len(kept.papers) == 136 and kept.years.tolist() == stored.years.tolist()
    assert (kept.matrix != stored.matrix).nnz == 0 and kept.labels == stored.labels


def test_labels_and_counts_written_from_tallies_equal_the_store_aggregates(reference):
    """A build writes preferred labels and paper counts from the tallies its workers kept; recomputing
    them from the stored links and evidence with SPARQL gives back exactly the same graph."""
    from kg.rdf.counts import materialise_counts
    from kg.rdf.triples import finalise_labels

    store = ox.Store()
    store.bulk_load(input="\n".join(reference).encode(), format=ox.RdfFormat.N_TRIPLES)
    finalise_labels(store)
    materialise_counts(store)
    assert sorted(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode().splitlines()) == reference
    assert any("paperCount" in line for line in reference) and any("ModalityMethod" in line for line in reference)


@pytest.fixture(scope="module")
def small_rankings(tmp_path_factory):
    """The example corpus built with rankings cut small enough to bite on 136 papers: two rows per
    ranking (datasets with up to 4 results are pruned, ties decide ranks) and related concepts
    stored for the ten concepts of 20 papers or more. Returns the build folder and its triples."""
    out = tmp_path_factory.mktemp("ranked") / "g"
    with pytest.MonkeyPatch.context() as patch:
        small_rankings_constants(patch)
        build(FILES, out, jobs=1, extras=False)
    return out, triples(out)


def small_rankings_constants(patch: pytest.MonkeyPatch) -> None:
    from kg.rdf import counts

    patch.setattr(counts, "TOP_RANKED", 2)
    patch.setattr(counts, "RELATED_MIN_PAPERS", 20)


def test_rankings_from_tallies_equal_the_rankings_computed_from_the_store(small_rankings, monkeypatch):
    from kg.rdf.counts import RELATED_BASE, materialise_counts

    small_rankings_constants(monkeypatch)
    _, ranked = small_rankings
    # two related rows for each concept of 20 papers or more (about ten in the example corpus)
    popular = sum("/concept/" in t.split()[0] and t.split()[1].endswith("#paperCount>")
                  and int(t.split()[2].split('"')[1]) >= 20 for t in ranked)
    assert popular >= 5
    assert sum("/related/" in t and "#relatedConceptOf>" in t for t in ranked) == popular * 2
    # a related-concept node is three triples: no type (implied) and no rank (ordered by count)
    assert sum(t.startswith(f"<{RELATED_BASE}") for t in ranked) == popular * 2 * 3
    assert sum(t.split()[1].endswith("#paperRank>") for t in ranked) == 5 * 2
    assert sum(t.split()[1].endswith("#topResult>") for t in ranked) > 10
    store = ox.Store()
    store.bulk_load(input="\n".join(ranked).encode(), format=ox.RdfFormat.N_TRIPLES)
    materialise_counts(store)
    assert sorted(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode().splitlines()) == ranked


def popular_sums(out) -> dict[str, dict[int, int]]:
    """The co-mention sums the tally file keeps: popular concept -> {other concept's key: shared papers}."""
    import sqlite3

    from kg.rdf.tallies import TALLY_FILE
    from kg.store import resolve

    db = sqlite3.connect(resolve(out) / TALLY_FILE)
    try:
        rows = db.execute("SELECT concept, b, n FROM popular JOIN comentions ON a = key").fetchall()
    finally:
        db.close()
    sums: dict[str, dict[int, int]] = {}
    for concept, other, n in rows:
        sums.setdefault(concept, {})[other] = n
    return sums


def test_an_appended_build_ranks_as_a_build_of_all_its_inputs(small_rankings, tmp_path, monkeypatch):
    """The append adds its papers' co-mentions to the concepts popular before it and counts those
    that became popular over all papers; both give the rankings of a build of everything at once,
    and the sums kept for the next append are the live counts over the links."""
    from kg.query import run
    from kg.rdf.counts import concept_hash

    small_rankings_constants(monkeypatch)
    _, ranked = small_rankings
    out = tmp_path / "g"
    build(FILES[:1], out, extras=False)
    before = popular_sums(out)
    build(FILES, out, append=True, extras=False)
    assert triples(out) == ranked
    after = popular_sums(out)
    assert before and set(before) < set(after)  # both kinds of popular concept were met
    store = open_store(out)
    for concept in after:
        live = run(store, f"SELECT ?o (COUNT(*) AS ?n) WHERE {{ ?a rdf:subject ?p ; rdf:object <{concept}> . "
                          f"?b rdf:subject ?p ; rdf:object ?o FILTER(?o != <{concept}>) }} GROUP BY ?o").rows
        assert after[concept] == {concept_hash(o): n for o, n in live}, concept


def test_stored_rankings_hold_what_counting_the_links_gives(small_rankings):
    """Each ranking against a count over the links and results, independent of how either path
    computes it: the stored rows are the top rows of the live count (ties may pick either)."""
    from kg.query import run

    out, _ = small_rankings
    store = open_store(out)
    live = run(store, "SELECT ?c (COUNT(*) AS ?n) WHERE { ?l rdf:subject ?p ; rdf:object ?c } GROUP BY ?c").rows
    for t in ("method", "dataset", "modality", "metric", "task"):
        counts = sorted((n for c, n in live if f"/concept/{t}/" in c), reverse=True)
        ranked = run(store, f"SELECT ?r ?n WHERE {{ ?c a kgo:{t.title()} ; kgo:paperRank ?r ; kgo:paperCount ?n }} ORDER BY ?r").rows
        assert [r for r, _ in ranked] == [1, 2] and [n for _, n in ranked] == counts[:2], t
    popular = {c for c, n in live if n >= 20}
    stored = run(store, "SELECT ?c ?o ?n WHERE { ?x kgo:relatedConceptOf ?c ; kgo:second ?o ; "
                        "kgo:paperCount ?n } ORDER BY ?c DESC(?n)").rows
    assert {c for c, *_ in stored} == popular
    for concept in popular:
        shared = run(store, f"SELECT ?o (COUNT(*) AS ?n) WHERE {{ ?a rdf:subject ?p ; rdf:object <{concept}> . ?b rdf:subject ?p ; rdf:object ?o "
                            f"FILTER(?o != <{concept}>) }} GROUP BY ?o").rows
        kept = [(o, n) for c, o, n in stored if c == concept]
        assert [n for _, n in kept] == sorted((n for _, n in shared), reverse=True)[:2], concept
        assert set(kept) <= {(o, n) for o, n in shared}
    results = run(store, "SELECT ?d ?r ?v ?rel WHERE { ?r kgo:dataset ?d ; kgo:value ?v "
                         "OPTIONAL { ?r kgo:isRelative ?stated } BIND(COALESCE(?stated, false) AS ?rel) }").rows
    best = dict.fromkeys(d for d, *_ in results)
    for dataset in best:
        rows = sorted(((rel, -v, r) for d, r, v, rel in results if d == dataset))[:2]
        top = run(store, f"SELECT ?r WHERE {{ <{dataset}> kgo:topResult ?r }}").rows
        assert sorted(r for (r,) in top) == sorted(r for *_, r in rows), dataset


def test_related_entities_of_a_popular_entity_reads_the_stored_rows(small_rankings):
    """related-entities reads the stored rows for an entity mentioned by RELATED_MIN_PAPERS papers
    or more (the query says the same threshold) and counts over the papers of any other."""
    from kg.query import named_queries, run, with_limit, with_values

    out, _ = small_rankings
    store = open_store(out)
    text = named_queries()["related-entities"].sparql
    text = text.replace("FILTER(?papers < 1000)", "FILTER(?papers < 20)")  # as the small build stored
    clip = ox.NamedNode("https://w3id.org/kg-lit/concept/method/clip")  # 23 papers: stored, 2 rows
    stored = run(store, with_limit(with_values(text, {"entity": [clip]}), 0)).rows
    assert len(stored) == 2 and stored[0][2] >= stored[1][2] >= 5
    rare = run(store, "SELECT ?c WHERE { ?c a kgo:Method ; kgo:paperCount 3 } ORDER BY ?c LIMIT 1").rows[0][0]
    live = run(store, with_limit(with_values(text, {"entity": [ox.NamedNode(rare)]}), 0)).rows
    assert len(live) > 2 and sum(1 for row in live if row[2] >= 1) == len(live)


def test_top_entities_and_leaderboard_read_the_stored_rankings(small_rankings):
    """With two rows per ranking stored, `limit=0` (all) gives those two rows: the queries read the
    rankings rather than sorting every concept or result."""
    from kg.query import run, run_named

    out, _ = small_rankings
    store = open_store(out)
    top = run_named(store, "top-entities", {"type": "modality", "limit": "0"}).as_dicts()
    live = run(store, "SELECT ?label (COUNT(DISTINCT ?p) AS ?n) WHERE { ?l rdf:subject ?p ; rdf:object ?c . ?c a kgo:Modality ; "
                      "skos:prefLabel ?label } GROUP BY ?label ORDER BY DESC(?n) ?label LIMIT 2").rows
    assert [(r["label"], r["papers"]) for r in top] == [(label, n) for label, n in live] and live[0][1] > 50
    results = run(store, "SELECT ?rel ?v WHERE { ?r kgo:dataset ?d ; kgo:value ?v . ?d skos:prefLabel 'ScanObjectNN'@en "
                         "OPTIONAL { ?r kgo:isRelative ?stated } BIND(COALESCE(?stated, false) AS ?rel) }").rows
    board = run_named(store, "leaderboard", {"dataset": "ScanObjectNN", "limit": "0"}).as_dicts()
    assert len(results) > 2 and len(board) == 2  # more results than the two stored rows
    assert sorted((r["relative"], -r["value"]) for r in board) == sorted((rel, -v) for rel, v in results)[:2]


def test_related_entities_counts_live_below_the_threshold_the_build_stores_from():
    from kg.query import named_queries
    from kg.rdf import counts

    assert f"FILTER(?papers < {counts.RELATED_MIN_PAPERS})" in named_queries()["related-entities"].sparql


@pytest.mark.parametrize("change", ["tallies lost", "store changed since"])
def test_an_append_without_usable_tallies_counts_from_the_store(reference, tmp_path, change):
    from kg.rdf.tallies import TALLY_FILE
    from kg.store import STORE_DIR, resolve

    out = tmp_path / "g"
    build(FILES[:1], out, extras=False)
    assert (resolve(out) / TALLY_FILE).exists()
    if change == "tallies lost":  # as in a graph built before tallies were kept
        (resolve(out) / TALLY_FILE).unlink()
    else:  # a triple added through a writable endpoint: the tallies no longer describe the store
        store = ox.Store(str(resolve(out) / STORE_DIR))
        extra = ox.Quad(ox.NamedNode("https://example.org/note"), ox.NamedNode("https://example.org/says"), ox.Literal("hi"))
        store.add(extra)
        del store
    build(FILES, out, append=True, extras=False)
    expected = reference if change == "tallies lost" else sorted([*reference, str(extra.triple) + " ."])
    assert triples(out) == expected
    assert not (resolve(out) / TALLY_FILE).exists()


def test_cli_append_adds_only_new_papers(kg_cli, tmp_path):
    out = tmp_path / "g"
    assert kg_cli("build", FILES[1], "--out", out, "--no-extras", "--jobs", "1").returncode == 0
    done = kg_cli("build", *FILES, "--out", out, "--no-extras", "--append", "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert "papers already present" in done.stdout
    from kg.query import run

    assert run(open_store(out), "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper }").rows == [[136]]


@pytest.mark.slow
def test_a_local_dask_build_gives_the_same_graph(reference, tmp_path):
    pytest.importorskip("distributed")
    from kg.distributed import dask_shards
    from kg.paths import DEFAULT_PIPELINE

    shards = tmp_path / "shards"
    build(FILES, tmp_path / "g", batch_size=20, extras=False,
          shards=dask_shards("local", DEFAULT_PIPELINE, workers=2, shards_dir=shards))
    assert triples(tmp_path / "g") == reference
    assert len(list(shards.glob("*.nt"))) == 7  # 136 papers in batches of 20


@pytest.mark.slow
def test_a_build_on_a_running_dask_scheduler_gives_the_same_graph(reference, tmp_path):
    """An address connects to an existing cluster (here one started by the test), which stays up."""
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    from kg.distributed import dask_shards
    from kg.paths import DEFAULT_PIPELINE

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        build(FILES, tmp_path / "g", batch_size=32, extras=False,
              shards=dask_shards(cluster.scheduler_address, DEFAULT_PIPELINE, window=2))
        assert len(cluster.scheduler.workers) == 1  # not shut down by the build
    assert triples(tmp_path / "g") == reference


@pytest.mark.slow
def test_cli_dask_build_keeps_shards_that_rebuild_the_graph(kg_cli, tmp_path):
    """`kg build --scheduler local --shards-dir`: the shards, with the ontology, the final labels and
    the counts, are the whole graph (what an external store would be given)."""
    pytest.importorskip("distributed")
    from kg.build import ontology_files
    from kg.rdf.counts import materialise_counts
    from kg.rdf.triples import finalise_labels

    source = synthetic_corpus.write(120, tmp_path / "synth.jsonl", seed=3)
    out, shards = tmp_path / "g", tmp_path / "shards"
    done = kg_cli("build", source, "--out", out, "--no-extras", "--export", "none", "--batch-size", "50",
                  "--scheduler", "local", "--jobs", "2", "--shards-dir", shards)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in shards.glob("*.nt")) == ["shard-000000.nt", "shard-000001.nt", "shard-000002.nt"]
    store = ox.Store()
    for path in ontology_files():
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    for path in sorted(shards.glob("*.nt")):
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    finalise_labels(store)
    materialise_counts(store)
    rebuilt = sorted(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode().splitlines())
    assert rebuilt == triples(out)


def test_synthetic_corpus_is_deterministic_arxiv_snapshot_json_lines(tmp_path):
    from kg.ingest import detect_format, read_papers

    a = synthetic_corpus.write(300, tmp_path / "a.jsonl", seed=7)
    b = synthetic_corpus.write(300, tmp_path / "b.jsonl", seed=7)
    c = synthetic_corpus.write(300, tmp_path / "c.jsonl", seed=8)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    records = [json.loads(line) for line in a.read_text().splitlines()]
    assert len(records) == 300
    assert all({"id", "title", "abstract", "authors", "categories", "update_date", "doi"} <= set(r) for r in records)
    assert all(len(r["id"]) == 10 and r["id"][4] == "." and 1 <= int(r["id"][2:4]) <= 12 for r in records)
    papers = list(read_papers([a]))
    assert len(papers) == 300  # every record is read, none is taken for a repeat of another
    assert papers[0].arxiv_id == records[0]["id"] and papers[0].year and papers[0].authors
    assert detect_format(a) == "arxiv-snapshot"
    # names from the vocabularies and invented ones, and numbers, as in real abstracts
    text = " ".join(r["abstract"] for r in records)
    vocab = synthetic_corpus.vocabulary()
    assert sum(name in text for name in vocab["dataset"][:400]) > 20
    assert any(ch.isdigit() for ch in text) and "%" in text


def test_synthetic_corpus_streams(tmp_path):
    """The generator makes records one at a time: the first comes without making the rest."""
    import itertools
    import time

    start = time.perf_counter()
    first = list(itertools.islice(synthetic_corpus.generate(10**9, seed=1), 5))
    assert len(first) == 5 and time.perf_counter() - start < 5
