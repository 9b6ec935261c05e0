"""Every way of building the same input gives exactly the same graph."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.build import build
from kg.store import open_store

from conftest import EXAMPLE_CORPUS

FILES = sorted(EXAMPLE_CORPUS.iterdir())


def triples(out) -> list[str]:
    store = open_store(out)
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode()
    return sorted(data.splitlines())


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "g"
    build(FILES, out, jobs=1, extras=False)
    return triples(out)


def test_two_processes_give_the_same_graph(reference, tmp_path):
    build(FILES, tmp_path / "g", jobs=2, batch_size=16, extras=False)
    assert triples(tmp_path / "g") == reference


def test_another_batch_size_gives_the_same_graph(reference, tmp_path):
    build(FILES, tmp_path / "g", jobs=1, batch_size=7, extras=False)
    assert triples(tmp_path / "g") == reference


def test_an_appended_build_gives_the_same_graph_without_duplicates(reference, tmp_path):
    out = tmp_path / "g"
    first = build(FILES[:1], out, extras=False)
    second = build(FILES, out, append=True, extras=False)
    assert second.skipped_existing == first.papers  # the first file's papers are not processed again
    assert first.papers + second.papers == 136
    assert triples(out) == reference


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
