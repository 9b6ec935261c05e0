"""A real Oxigraph server over a built graph: queries over HTTP, updates refused, push into a second server."""
from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.parse
import urllib.request

import pytest

from kg.errors import KgError
from kg.serve import Server, free_port, oxigraph_binary, push

try:
    oxigraph_binary()
except KgError as exc:  # pragma: no cover
    pytest.skip(str(exc), allow_module_level=True)


def count(url: str) -> int:
    q = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    req = urllib.request.Request(f"{url}/query?query={q}", headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return int(json.load(r)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture()
def served(example_graph, tmp_path):
    # a copy, so that the server's lock never meets the session's other readers
    copy = tmp_path / "copy"
    shutil.copytree(example_graph.resolve(), copy)
    server = Server(copy, port=free_port()).start()
    try:
        yield server
    finally:
        server.stop()


def test_read_only_server_answers_and_refuses_updates(served, example_store):
    from kg.query import run

    assert served.host == "127.0.0.1"
    expected = run(example_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
    assert count(served.url) == expected
    update = urllib.request.Request(f"{served.url}/update", data=urllib.parse.urlencode({"update": "DROP ALL"}).encode(), method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(update, timeout=30)
    assert refused.value.code in (403, 405)
    assert count(served.url) == expected


def test_push_into_a_writable_server_reads_back_the_same_count(example_graph, example_store, tmp_path):
    from kg.build import build
    from kg.query import run

    # an empty, writable target store
    target_dir = tmp_path / "target"
    (target_dir / "store").mkdir(parents=True)
    target = Server(target_dir, port=free_port(), writable=True).start()
    try:
        sent = push(example_graph, f"{target.url}/store", chunk_triples=7000)
        expected = run(example_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
        assert sent == expected
        assert count(target.url) == expected
    finally:
        target.stop()
    del build


def test_push_to_a_refusing_endpoint_is_a_clear_error(served, example_graph):
    with pytest.raises(KgError, match=r"refused.*HTTP 4\d\d"):
        push(example_graph, f"{served.url}/store", retries=0)


def test_push_to_nothing_gives_up_after_retries(example_graph):
    with pytest.raises(KgError, match="cannot reach the endpoint after 2 tries"):
        push(example_graph, f"http://127.0.0.1:{free_port()}/store", retries=1, backoff=0.05)
