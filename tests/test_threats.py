"""Threats, one test each, in one place: what an attacker could put in the input or a request."""
from __future__ import annotations

import concurrent.futures
import json
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from kg.errors import InputError
from kg.query import (concepts_labelled, named_queries, run, run_named, term_for, with_limit, with_prefixes,
                      with_values)


# ---------------------------------------------------------------- SPARQL injection through parameters

def test_threat_sparql_injection_through_a_parameter(example_store):
    """Values that would rewrite the query if pasted into its text match nothing once bound; the same
    parameter bound to a real value does match (the query is not simply empty)."""
    assert run_named(example_store, "papers-using", {"entity": "CLIP"}).rows
    assert run_named(example_store, "evidence", {"entity": "CLIP", "paper": "clip"}).rows
    for evil in ['x" } ; DROP ALL ; #', "x> } INSERT DATA { <a> <b> <c> } #", "\\\" UNION { ?s ?p ?o } #",
                 'x")) || true || (CONTAINS("x", "']:
        assert run_named(example_store, "papers-using", {"entity": evil}).rows == []
        assert run_named(example_store, "evidence", {"entity": "CLIP", "paper": evil}).rows == []
    # the last payload, pasted into a title filter like the evidence query's, is valid and matches every paper
    pasted = ('SELECT ?t WHERE { ?p a kgo:Paper ; dcterms:title ?t . FILTER(CONTAINS(LCASE(?t), LCASE("%s"))) }'
              % 'x")) || true || (CONTAINS("x", "')
    assert len(run(example_store, pasted).rows) == 136


# ---------------------------------------------------------------- script injection into the HTML view

def test_threat_script_injection_into_the_html_view():
    import networkx as nx

    from kg.viz.html import render

    G = nx.Graph()
    G.add_node("p", type="paper", label='</script><script>alert(1)</script>')
    G.add_node("e", type="dataset", label="<img src=x onerror=alert(1)>")
    G.add_edge("p", "e", evidence="<svg onload=alert(1)>")
    page = render(G, note="<script>alert(2)</script>")
    for payload in ("<script>alert(1)</script>", "<img src=x onerror", "<svg onload", "<script>alert(2)</script>"):
        assert payload not in page
    # (the page is also opened in a real browser in tests/test_browser.py)


def test_threat_markup_in_entity_names_stays_text_in_the_markdown_report(tmp_path):
    """Markdown lets raw HTML through to the page a viewer makes of report.md (and browsers take
    `<svg/onload=...>` as a tag): a name the extractor mints from a title must reach the report as
    text. Rendered here by markdown-it (CommonMark, tables), each name reads back as it was."""
    from markdown_it import MarkdownIt

    from kg.analyse.report import write_report
    from kg.build import build
    from kg.paths import RULES_PIPELINE

    evil = "<svg/onload=alert(1)>Net"
    src = tmp_path / "evil.jsonl"
    src.write_text(json.dumps({"title": f"{evil}: Vision Transformers for Image Classification",
                               "abstract": f"We introduce {evil}, a model for image classification. "
                                           "It reaches 90.1% accuracy on ImageNet and 80.2% on the Q*u_x [a](b) dataset."}) + "\n")
    build([src], tmp_path / "g", extras=False, pipeline=RULES_PIPELINE)
    text = (write_report(tmp_path / "g", tmp_path / "rep") / "report.md").read_text()
    assert "<svg" not in text  # as text, not markup
    page = MarkdownIt("commonmark").enable("table").render(text)
    cells = {cell.split(">", 1)[1].rsplit("<", 1)[0] for cell in page.split("\n") if cell.startswith("<td>")}
    assert "&lt;svg/onload=alert(1)&gt;Net" in cells  # rendered back to the name, as text


# ---------------------------------------------------------------- XML entity expansion / external entities

@pytest.mark.parametrize("payload", [
    '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><feed xmlns="http://www.w3.org/2005/Atom"><title>&b;</title></feed>',
    '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><feed xmlns="http://www.w3.org/2005/Atom"><title>&x;</title></feed>',
    '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]><feed xmlns="http://www.w3.org/2005/Atom"/>',
])
def test_threat_xml_bombs_and_external_entities(tmp_path, payload):
    from kg.ingest import read_papers

    path = tmp_path / "feed.atom"
    path.write_text('<?xml version="1.0"?>' + payload)
    with pytest.raises(InputError, match="refused"):
        list(read_papers([path]))


# ---------------------------------------------------------------- the endpoint under load

def serving(example_graph, tmp_path_factory, timeout: float):
    from kg.serve import Server, free_port

    copy = tmp_path_factory.mktemp("served") / "g"
    shutil.copytree(example_graph.resolve(), copy)
    server = Server(copy, port=free_port(), timeout=timeout).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def endpoint(example_graph, tmp_path_factory):
    """An endpoint with a 2 s limit per query."""
    yield from serving(example_graph, tmp_path_factory, timeout=2)


@pytest.fixture(scope="module")
def busy_endpoint(example_graph, tmp_path_factory):
    """An endpoint whose time limit leaves room for 20 clients queueing on a shared 2-core machine."""
    yield from serving(example_graph, tmp_path_factory, timeout=60)


def http_select(url: str, sparql: str, timeout: float = 60) -> list[dict]:
    body = urllib.parse.urlencode({"query": sparql}).encode()
    req = urllib.request.Request(f"{url}/query", data=body, headers={
        "Accept": "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.load(r)["results"]["bindings"]


def canonical(bindings: list[dict]) -> list[str]:
    """SPARQL JSON result rows as sorted strings: the same answer whatever the order of tied rows."""
    return sorted(json.dumps(b, sort_keys=True) for b in bindings)


def test_threat_load_20_clients_50_named_queries_each(busy_endpoint, example_store):
    import pyoxigraph as ox

    library = named_queries()
    # the dataset with the most results, so that the leaderboard has an answer to compare
    scored = run(example_store, "SELECT ?label (COUNT(*) AS ?n) WHERE { ?p kgo:reportsResult ?r . ?r kgo:dataset ?d . "
                                "?d skos:prefLabel ?label } GROUP BY ?label ORDER BY DESC(?n) ?label LIMIT 1").rows
    params = {"type": "dataset", "entity": "CLIP", "dataset": str(scored[0][0])}
    jobs = []
    for q in library.values():
        bound, limit = {}, None
        for p in q.params:
            value = params.get(p.name, p.default)
            if p.name == "limit":
                limit = int(value)
            else:
                bound[p.name] = concepts_labelled(example_store, value) if p.kind == "label" else [term_for(p, value)]
        text = with_prefixes(with_limit(with_values(q.sparql, bound), limit))
        local = example_store.query(text).serialize(format=ox.QueryResultsFormat.JSON)
        jobs.append((q.name, text, canonical(json.loads(local)["results"]["bindings"])))
    assert all(expected for *_, expected in jobs), [name for name, _, expected in jobs if not expected]

    def client(i: int) -> int:
        served = 0
        for k in range(50):
            name, text, expected = jobs[(i + k) % len(jobs)]
            assert canonical(http_select(busy_endpoint.url, text)) == expected, name
            served += 1
        return served

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        served = sum(pool.map(client, range(20)))
    assert served == 1000
    assert time.perf_counter() - started < 240


def test_threat_a_runaway_query_is_cut_off_and_the_server_keeps_answering(endpoint):
    """A query past the time limit (2 s here) is answered 503, the Oxigraph process evaluating it is
    killed (its evaluation really stops), and the endpoint goes on answering others meanwhile."""
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    papers = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/kg-lit/ontology#Paper> }"
    worker = endpoint._front.backend.process.process  # the Oxigraph process that will get the runaway
    restarts = endpoint.restarts
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        started = time.perf_counter()
        pending = pool.submit(http_select, endpoint.url, runaway, 60)
        time.sleep(0.5)
        assert http_select(endpoint.url, papers, 10)[0]["n"]["value"] == "136"  # answered meanwhile
        assert not pending.done(), "the runaway query was still running while the server answered"
        with pytest.raises(urllib.error.HTTPError) as cut:
            pending.result()
        elapsed = time.perf_counter() - started
    assert cut.value.code == 503 and b"query timed out after 2 s" in cut.value.read()
    assert 2 <= elapsed < 6
    deadline = time.monotonic() + 10
    while worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert worker.poll() is not None, "the process evaluating the runaway query is still running"
    assert endpoint.restarts == restarts + 1
    assert http_select(endpoint.url, papers, 10)[0]["n"]["value"] == "136"  # a fresh process answers


def listening_addresses(pids: list[int]) -> set[str]:
    """The addresses the processes really listen on (their sockets, as the kernel reports them)."""
    import psutil

    return {c.laddr.ip for pid in pids for c in psutil.Process(pid).net_connections("inet")
            if c.status == psutil.CONN_LISTEN}


def server_pids(server) -> list[int]:
    """This process (the time-limiting front server listens here) and the Oxigraph processes."""
    import os

    return [os.getpid(), server._front.backend.process.process.pid]


def test_threat_updates_are_refused_and_only_loopback_listens(endpoint):
    req = urllib.request.Request(f"{endpoint.url}/update", data=b"update=DROP%20ALL", method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=30)
    assert refused.value.code in (403, 405)
    addresses = listening_addresses(server_pids(endpoint))
    assert addresses and addresses <= {"127.0.0.1", "::1"}, addresses


def test_the_loopback_check_sees_a_server_open_to_every_address(example_graph):
    """The check above is not blind: a server asked to listen on 0.0.0.0 is seen doing so."""
    from kg.serve import Server, free_port

    with Server(example_graph, host="0.0.0.0", port=free_port(), timeout=5) as server:
        assert "0.0.0.0" in listening_addresses(server_pids(server))


def test_threat_shards_of_an_earlier_run_or_other_files_in_the_shards_folder(tmp_path):
    """`--shards-dir` wrote shard-N.nt into any folder: beside a user's files, and over an earlier
    run's shards, whose extra files stayed behind to be pushed with the new ones."""
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    from kg.build import build
    from kg.distributed import SHARDS_MARKER, dask_shards
    from kg.errors import KgError
    from kg.outputs import WRITTEN_RECORD
    from kg.paths import DEFAULT_PIPELINE

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("mine\n")
    with pytest.raises(KgError, match="not a shards folder kg wrote"):
        dask_shards("local", DEFAULT_PIPELINE, shards_dir=notes)  # refused before any work
    assert [p.name for p in notes.iterdir()] == ["todo.txt"]

    papers = tmp_path / "papers.jsonl"
    papers.write_text("".join(json.dumps({"title": f"Method {n} for image classification", "abstract":
                                          f"We propose Net{n}, evaluated on ImageNet with accuracy."}) + "\n"
                              for n in range(2)))
    shards = tmp_path / "shards"
    shards.mkdir()
    for n in range(4):  # an earlier run of four batches, written before the marker
        (shards / f"shard-{n:06d}.nt").write_text("<urn:old> <urn:p> <urn:o> .\n")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        build([papers], tmp_path / "g", batch_size=1, extras=False,
              shards=dask_shards(cluster.scheduler_address, DEFAULT_PIPELINE, shards_dir=shards))
    assert sorted(p.name for p in shards.iterdir()) == [SHARDS_MARKER, WRITTEN_RECORD, "shard-000000.nt",
                                                        "shard-000001.nt"]
    assert all(b"urn:old" not in p.read_bytes() and b"Net" in p.read_bytes() for p in shards.glob("*.nt"))
    # written before kg recorded its files, the old shards cannot be told from edited ones: kept aside, whole
    (kept,) = tmp_path.glob("shards.kept-*")
    assert sorted(p.name for p in kept.iterdir()) == [f"shard-{n:06d}.nt" for n in range(4)]
