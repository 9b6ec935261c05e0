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
from kg.query import concepts_labelled, named_queries, run, run_named, term_for, with_prefixes, with_values


# ---------------------------------------------------------------- SPARQL injection through parameters

def test_threat_sparql_injection_through_a_parameter(example_store):
    before = run(example_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
    for evil in ['x" } ; DROP ALL ; #', "x> } INSERT DATA { <a> <b> <c> } #", "\\\" UNION { ?s ?p ?o } #"]:
        assert run_named(example_store, "papers-using", {"entity": evil}).rows == []
        assert run_named(example_store, "evidence", {"entity": "CLIP", "paper": evil}).rows == []
    assert run(example_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows == before


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

@pytest.fixture(scope="module")
def endpoint(example_graph, tmp_path_factory):
    from kg.serve import Server, free_port

    copy = tmp_path_factory.mktemp("served") / "g"
    shutil.copytree(example_graph.resolve(), copy)
    server = Server(copy, port=free_port(), timeout=2).start()
    try:
        yield server
    finally:
        server.stop()


def http_select(url: str, sparql: str, timeout: float = 60) -> list[dict]:
    body = urllib.parse.urlencode({"query": sparql}).encode()
    req = urllib.request.Request(f"{url}/query", data=body, headers={
        "Accept": "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.load(r)["results"]["bindings"]


def test_threat_load_20_clients_50_named_queries_each(endpoint, example_store):
    library = named_queries()
    params = {"type": "dataset", "entity": "CLIP", "dataset": "ImageNet"}
    jobs = []
    for q in library.values():
        bound = {}
        for p in q.params:
            if p.default is not None:
                continue
            value = params[p.name]
            bound[p.name] = concepts_labelled(example_store, value) if p.kind == "label" else [term_for(p, value)]
        text = with_prefixes(with_values(q.sparql, bound))
        expected = len(run(example_store, with_values(q.sparql, bound)).rows)
        jobs.append((q.name, text, expected))

    def client(i: int) -> int:
        served = 0
        for k in range(50):
            name, text, expected = jobs[(i + k) % len(jobs)]
            rows = http_select(endpoint.url, text)
            assert len(rows) == expected, name
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


def test_threat_updates_are_refused_and_only_loopback_listens(endpoint):
    assert endpoint.host == "127.0.0.1"
    req = urllib.request.Request(f"{endpoint.url}/update", data=b"update=DROP%20ALL", method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=30)
    assert refused.value.code in (403, 405)
    import socket

    own_ip = socket.gethostbyname(socket.gethostname())
    if own_ip.startswith("127."):
        pytest.skip("no non-loopback address on this machine")
    with pytest.raises(OSError):
        socket.create_connection((own_ip, endpoint.port), timeout=2)
