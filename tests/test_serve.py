"""A real Oxigraph server over a built graph: queries over HTTP, updates refused, push into a second server."""
from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
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


@pytest.fixture(params=[None, 20], ids=["oxigraph", "with-time-limit"])
def served(example_graph, tmp_path, request):
    """Oxigraph's server as it is, and behind the supervisor that enforces a per-query time limit."""
    # a copy, so that the server's lock never meets the session's other readers
    copy = tmp_path / "copy"
    shutil.copytree(example_graph.resolve(), copy)
    # no time limit and SERVICE allowed: Oxigraph's server answers directly
    server = Server(copy, port=free_port(), timeout=request.param, allow_service=request.param is None).start()
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
    target = Server(target_dir, port=free_port(), writable=True, timeout=20).start()
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
    with pytest.raises(KgError, match="cannot reach the endpoint after 2 tries: .*; the remote graph was left as it was$"):
        push(example_graph, f"http://127.0.0.1:{free_port()}/store", retries=1, backoff=0.05)


@pytest.mark.parametrize("endpoint, update", [("localhost:3030/ds/data", None), ("notaurl", None),
                                              ("ftp://host/store", None), ("http://127.0.0.1:1/store", "update")])
def test_an_endpoint_that_is_not_an_http_url_is_one_line(kg_cli, example_graph, endpoint, update):
    # before: urllib's ValueError traceback, "unknown url type: 'update'"
    option, shown = ("--update", update) if update else ("--endpoint", endpoint)
    done = kg_cli("push", example_graph, "--endpoint", endpoint, *(["--update", update] if update else []))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip() == f"error: {option} {shown}: not an http:// or https:// URL (say http://HOST:PORT/PATH)"


def test_a_read_only_server_and_the_python_api_read_one_store_at_once(example_graph):
    """`serve-read-only` takes no exclusive lock: kg commands and notebooks keep reading the graph."""
    from kg.query import run
    from kg.store import open_store

    with Server(example_graph, port=free_port()) as server:
        reader = open_store(example_graph)
        expected = run(reader, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
        assert count(server.url) == expected


def start_kg_serve(graph, *args: str):
    """`kg serve GRAPH` as a user starts it; returns the process and its port once it answers."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    port = free_port()
    kg = Path(sys.executable).with_name("kg")
    proc = subprocess.Popen([str(kg), "serve", str(graph), "--port", str(port), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "COLUMNS": "200"})
    line = proc.stdout.readline()  # printed once the server answers
    assert f"http://127.0.0.1:{port}/" in line, line + proc.stderr.read() if proc.poll() is not None else line
    return proc, port


def oxigraph_children(pid: int) -> list:
    import psutil

    return [c for c in psutil.Process(pid).children(recursive=True) if "oxigraph" in c.name()]


def gone(process, within: float = 10.0) -> bool:
    """True once the process has exited (a zombie nobody reaps yet has exited too)."""
    import time

    import psutil

    deadline = time.monotonic() + within
    while True:
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def port_closed(port: int, within: float = 5.0) -> bool:
    """True once nothing listens on the port (a dying process's other threads may hold it a moment
    after its main thread is a zombie)."""
    import socket
    import time

    deadline = time.monotonic() + within
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        except OSError:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.parametrize("options", [("--timeout", "30"), ("--timeout", "0"), ("--timeout", "0", "--allow-service")],
                         ids=["supervised", "untimed", "direct"])
@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM", "SIGHUP", "SIGKILL"])
def test_kg_serve_stops_its_oxigraph_child_on_every_signal(example_graph, signame, options):
    """Ctrl-C, `kill`, a closed terminal, and kg serve itself killed: no Oxigraph server outlives it.
    Oxigraph answers directly only with no time limit and SERVICE allowed (nothing to check)."""
    import signal

    proc, port = start_kg_serve(example_graph, *options)
    children = []
    try:
        children = oxigraph_children(proc.pid)
        assert len(children) == 1
        child_ports = {c.laddr.port for c in children[0].net_connections("tcp") if c.status == "LISTEN"}
        assert child_ports and (port in child_ports) == ("--allow-service" in options)
        assert count(f"http://127.0.0.1:{port}") > 0
        proc.send_signal(getattr(signal, signame))
        code = proc.wait(timeout=30)
        if signame == "SIGKILL":
            assert code == -signal.SIGKILL
        else:
            assert code == 0 and "stopped" in proc.stdout.read()
        assert gone(children[0]), f"the oxigraph server {children[0].pid} outlived kg serve ({signame})"
        assert all(port_closed(p) for p in {port, *child_ports})
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for child in children:  # a failed run leaves no orphan behind
            if not gone(child, within=0):
                child.kill()


class FlakyEndpoint:
    """A Graph Store endpoint that fails with the given statuses, then accepts (204). It has no SPARQL
    update service: its `update` beside the store answers 404."""

    def __init__(self, statuses: list[int]) -> None:
        import http.server
        import threading

        self.statuses, self.requests = list(statuses), []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path.startswith("/update"):
                    status = 404
                else:
                    outer.requests.append((self.path, self.headers["Content-Type"], body))
                    status = outer.statuses.pop(0) if outer.statuses else 204
                message = b"graph store is busy" if status >= 500 else b"Bad request: nope" if status >= 400 else b""
                self.send_response(status)
                self.send_header("Content-Length", str(len(message)))
                self.end_headers()
                self.wfile.write(message)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/store"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_push_retries_server_errors_with_backoff_then_succeeds(example_graph):
    endpoint = FlakyEndpoint([503, 502])
    try:
        sent = push(example_graph, endpoint.url, graph_iri="https://example.org/g", chunk_triples=10**9,
                    retries=3, backoff=0.01)
    finally:
        endpoint.close()
    assert len(endpoint.requests) == 3  # two refusals, then the chunk is accepted
    path, content_type, body = endpoint.requests[-1]
    assert path == "/store?graph=https%3A%2F%2Fexample.org%2Fg" and content_type == "application/n-triples"
    assert body.count(b"\n") == sent > 0


def test_push_gives_the_status_and_message_of_a_refusal(example_graph):
    endpoint = FlakyEndpoint([400])
    try:
        with pytest.raises(KgError, match="HTTP 400 Bad Request: Bad request: nope"):
            push(example_graph, endpoint.url, retries=3, backoff=0.01)
    finally:
        endpoint.close()
    assert len(endpoint.requests) == 1  # a 4xx is not retried
    assert endpoint.requests[0][0] == "/store?default"


def test_a_push_without_an_update_service_sends_the_graph_in_one_request(example_graph, example_store):
    # a store applies one request whole or not at all: chunks sent one by one left the graph half loaded
    # when one of them failed
    endpoint = FlakyEndpoint([])
    try:
        sent = push(example_graph, endpoint.url, chunk_triples=1000, retries=0)
        assert [path for path, _, _ in endpoint.requests] == ["/store?default"]
        body = endpoint.requests[0][2]
        triples = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)}
        assert triples == default_graph_triples(example_store) and sent == len(triples) > 1000
        endpoint.statuses.append(400)
        with pytest.raises(KgError, match=r"HTTP 400 Bad Request: Bad request: nope; the remote graph was left as it was$"):
            push(example_graph, endpoint.url, chunk_triples=1000, retries=0)
        # asked for, chunks go straight in, and a failure says that those sent stay
        endpoint.requests.clear()
        endpoint.statuses.extend([204, 204, 400])
        with pytest.raises(KgError, match=r"HTTP 400 .*; the chunks sent before it stay in the remote graph \(--no-staging\)$"):
            push(example_graph, endpoint.url, chunk_triples=1000, retries=0, staging=False)
        assert len(endpoint.requests) == 3
    finally:
        endpoint.close()


def test_a_push_waits_for_the_move_however_long_the_store_takes(example_graph, monkeypatch):
    """The move of a staged push is one transaction as large as the graph: 20k papers took more than
    the 120 s a chunk's request waits. Before, the client gave up on it, then retried it or dropped
    the staging graph while the store was still applying it. Here the store answers the move after
    1 s, and every request that has a time limit gets at most 0.25 s: the chunks still do, the move waits."""
    import http.server
    import threading
    import time

    updates = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path.startswith("/update"):
                updates.append(body.decode())
                if body.startswith(b"ADD"):
                    time.sleep(1.0)
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    urlopen = urllib.request.urlopen
    monkeypatch.setattr(urllib.request, "urlopen", lambda request, timeout=None: urlopen(
        request, timeout=None if timeout is None else min(timeout, 0.25)))
    try:
        push(example_graph, f"http://127.0.0.1:{server.server_address[1]}/store", chunk_triples=5000, retries=0)
    finally:
        server.shutdown()
        server.server_close()
    assert len(updates) == 2 and updates[1].startswith("ADD SILENT")  # the move once, no drop after it


class FailingProxy:
    """A proxy before a real endpoint that fails every Graph Store request from the `fail_at`th on:
    answered 400 ("refused"), or the connection closed without an answer ("cut"); or ("interrupt")
    whose `fail_at`th Graph Store request is met by a Ctrl-C of this process (SIGINT) and passed on
    to the endpoint half a second later, as a store still busy with a chunk when the user stops the
    push (`forwarded` is set once it has answered); or ("interrupt the update") the same for the
    update that adds the staging graph to the target."""

    def __init__(self, endpoint: str, fail_at: int, how: str) -> None:
        import http.client
        import http.server
        import os
        import signal
        import threading
        import time

        self.stored = 0
        self.forwarded = threading.Event()
        outer, target = self, urllib.parse.urlsplit(endpoint)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                interrupted = False
                if how == "interrupt the update" and self.path.startswith("/update") and body.startswith(b"ADD"):
                    os.kill(os.getpid(), signal.SIGINT)
                    time.sleep(0.5)
                    interrupted = True
                elif self.path.startswith("/store"):
                    outer.stored += 1
                    if outer.stored == fail_at and how == "interrupt":
                        os.kill(os.getpid(), signal.SIGINT)
                        time.sleep(0.5)
                        interrupted = True
                    elif outer.stored >= fail_at and how == "cut":
                        self.close_connection = True
                        return
                    elif outer.stored >= fail_at and how == "refused":
                        self.send_response(400)
                        self.send_header("Content-Length", "14")
                        self.end_headers()
                        self.wfile.write(b"rejected chunk")
                        return
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                conn.request("POST", self.path, body=body, headers={"Content-Type": self.headers["Content-Type"]})
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                conn.close()
                if interrupted:
                    outer.forwarded.set()
                try:
                    self.wfile.write(data)
                except OSError:  # the push gave up on this answer
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("how", ["refused", "cut"])
def test_a_push_failing_half_way_leaves_the_remote_graph_as_it_was(example_graph, example_store, tmp_path, how):
    # the chunks went straight into the target graph: the third one refused (or its connection cut),
    # the endpoint was left with the first two added to what it held
    target = tmp_path / "target"
    (target / "store").mkdir(parents=True)
    theirs = ox.Triple(ox.NamedNode("urn:x"), ox.NamedNode("urn:y"), ox.NamedNode("urn:z"))
    with Server(target, port=free_port(), writable=True) as server:
        insert = urllib.parse.urlencode({"update": "INSERT DATA { <urn:x> <urn:y> <urn:z> }"}).encode()
        urllib.request.urlopen(urllib.request.Request(f"{server.url}/update", data=insert, method="POST"), timeout=30)
        proxy = FailingProxy(server.url, fail_at=3, how=how)
        try:
            with pytest.raises(KgError) as failed:
                push(example_graph, f"{proxy.url}/store", chunk_triples=2000, retries=1, backoff=0.01)
        finally:
            proxy.close()
        assert proxy.stored >= 3
        assert construct(server.url, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }") == {theirs}
        assert construct(server.url, "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }") == set()  # no staging left
        reason = "HTTP 400 Bad Request: rejected chunk" if how == "refused" else "Remote end closed connection"
        assert reason in str(failed.value) and str(failed.value).endswith("; the remote graph was left as it was")
        # the same push, not failing, adds the whole graph
        sent = push(example_graph, f"{server.url}/store", chunk_triples=2000)
        expected = default_graph_triples(example_store)
        assert sent == len(expected)
        assert construct(server.url, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }") == expected | {theirs}
        assert construct(server.url, "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }") == set()


def test_a_push_stopped_by_ctrl_c_leaves_the_remote_graph_as_it_was_or_is_done(example_graph, example_store, tmp_path):
    # Ctrl-C while the store was still taking a chunk: the push dropped its staging graph at once, the
    # store applied the chunk after that, and a named graph of 2,000 triples stayed in the store
    import time

    target = tmp_path / "target"
    (target / "store").mkdir(parents=True)
    with Server(target, port=free_port(), writable=True) as server:
        proxy = FailingProxy(server.url, fail_at=3, how="interrupt")
        try:
            started = time.monotonic()
            with pytest.raises(KeyboardInterrupt):
                push(example_graph, f"{proxy.url}/store", chunk_triples=2000, retries=0)
            assert proxy.forwarded.wait(30) and proxy.stored == 3  # stopped at the third chunk
            time.sleep(0.5)  # time for a late write to land, as it did
        finally:
            proxy.close()
        assert time.monotonic() - started < 60
        assert construct(server.url, "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }") == set()
        assert construct(server.url, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }") == set()
        # stopped during the update that adds the staging graph, which the store applies: it said
        # "interrupted" of a push that was done. Now the push waits for the answer and is done
        proxy = FailingProxy(server.url, fail_at=0, how="interrupt the update")
        try:
            sent = push(example_graph, f"{proxy.url}/store", chunk_triples=2000, retries=0)
        finally:
            proxy.close()
        assert proxy.forwarded.is_set() and sent == len(default_graph_triples(example_store))
        assert construct(server.url, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }") == default_graph_triples(example_store)
        assert construct(server.url, "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }") == set()


def test_query_ui_and_content_negotiation_pass_through(served):
    with urllib.request.urlopen(served.url + "/", timeout=30) as page:
        assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
        assert b"<html" in page.read().lower()
    q = urllib.parse.quote("SELECT ?t WHERE { ?p <http://purl.org/dc/terms/title> ?t } LIMIT 2")
    req = urllib.request.Request(f"{served.url}/query?query={q}", headers={"Accept": "text/csv"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.headers["Content-Type"].startswith("text/csv")
        assert r.read().decode().splitlines()[0] == "t"


def test_a_large_answer_streams_through_whole(served, example_store):
    """A CONSTRUCT of the whole graph (megabytes of N-Triples) arrives complete, whether it goes
    through the time-limited front server in chunks or straight from Oxigraph."""
    import pyoxigraph as ox

    from kg.query import run

    q = urllib.parse.quote("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    req = urllib.request.Request(f"{served.url}/query?query={q}", headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(req, timeout=60) as r:
        data = r.read()
    assert len(data) > 2 * (1 << 20)
    expected = run(example_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
    assert sum(1 for _ in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)) == expected


# --------------------------------------------------------------------------- recovery and push from the CLI


def construct(url: str, sparql: str) -> set:
    import pyoxigraph as ox

    q = urllib.parse.quote(sparql)
    req = urllib.request.Request(f"{url}/query?query={q}", headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(r.read(), format=ox.RdfFormat.N_TRIPLES)}


def default_graph_triples(store) -> set:
    import pyoxigraph as ox

    return {ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def test_a_crashed_oxigraph_process_is_replaced_and_the_next_query_answers(example_graph, example_store, tmp_path):
    import signal

    from kg.query import run

    copy = tmp_path / "copy"
    shutil.copytree(example_graph.resolve(), copy)
    expected = run(example_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
    with Server(copy, port=free_port(), timeout=20) as server:
        crashed = server._front.backend.process.process
        crashed.send_signal(signal.SIGKILL)
        crashed.wait(10)
        assert count(server.url) == expected
        assert server._front.backend.process.process.pid != crashed.pid


def test_a_writable_server_cuts_off_a_runaway_query_and_keeps_its_data(example_graph, example_store, tmp_path):
    """A writable store opens in one process only: the process running the runaway query is killed,
    a new one opens the store, and what was written before is still there and still writable."""
    target = tmp_path / "target"
    (target / "store").mkdir(parents=True)
    with Server(target, port=free_port(), writable=True, timeout=2) as server:
        # small chunks straight into the graph: each write stays well inside the 2 s limit on a loaded
        # machine (the one update of a staged push adds the whole graph at once)
        push(example_graph, f"{server.url}/store", chunk_triples=2000, staging=False)
        before = count(server.url)
        assert before == len(default_graph_triples(example_store))
        runaway = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        with pytest.raises(urllib.error.HTTPError) as cut:
            urllib.request.urlopen(f"{server.url}/query?query={runaway}", timeout=60)
        assert cut.value.code == 503
        assert count(server.url) == before
        assert server.restarts == 1
        update = urllib.parse.urlencode({"update": "INSERT DATA { <urn:x> <urn:y> <urn:z> }"}).encode()
        urllib.request.urlopen(urllib.request.Request(f"{server.url}/update", data=update, method="POST"), timeout=30)
        assert count(server.url) == before + 1


def test_a_staged_push_into_a_server_with_a_time_limit_is_not_cut_off(example_graph, example_store, tmp_path):
    """The server's time limit is for queries: a push's writes (its chunks, then the one update that
    moves the whole graph) run to the end. Before, the front server cut off any request past the
    limit: the move of a 20k-paper graph past the default 30 s was refused and its retries with it,
    and the writable store, killed mid-update, did not reopen in time: the server then hung."""
    target = tmp_path / "target"
    (target / "store").mkdir(parents=True)
    # a limit far below what a load of thousands of triples takes: every write of the push exceeds it
    with Server(target, port=free_port(), writable=True, timeout=0.01) as server:
        sent = push(example_graph, f"{server.url}/store", chunk_triples=2000, retries=0)
        assert server.restarts == 0
    from kg.store import open_store

    expected = default_graph_triples(example_store)
    assert sent == len(expected)
    store = open_store(target)
    assert default_graph_triples(store) == expected
    assert list(store.named_graphs()) == []  # the staging graph dropped


def test_a_writable_server_whose_store_cannot_reopen_says_so_instead_of_hanging(example_graph, tmp_path, monkeypatch):
    """Before, a writable store that did not reopen within 30 s after a runaway query (its log of a
    large push replayed as it opens) left the server without a process: every request after it
    waited for ever. Now the reopen may take minutes, and a store that never opens is an answer."""
    from kg.serve import OxigraphProcess

    target = tmp_path / "target"
    (target / "store").mkdir(parents=True)
    with Server(target, port=free_port(), writable=True, timeout=2) as server:
        push(example_graph, f"{server.url}/store")

        def cannot_open(self, wait=30.0):
            raise KgError(f"the oxigraph server did not answer on {self.url} within {wait:g} s")

        monkeypatch.setattr(OxigraphProcess, "start", cannot_open)
        runaway = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        with pytest.raises(urllib.error.HTTPError) as cut:
            urllib.request.urlopen(f"{server.url}/query?query={runaway}", timeout=60)
        assert cut.value.code == 503
        with pytest.raises(urllib.error.HTTPError) as refused:
            count(server.url)
        assert refused.value.code == 503
        assert "could not be reopened after a query ran out of time" in refused.value.read().decode()
        assert not server.alive()  # `kg serve` stops, saying so


@pytest.mark.slow
def test_cli_push_into_a_named_graph_of_a_kg_serve_writable_server(example_graph, example_store, kg_cli, tmp_path):
    import signal

    target = tmp_path / "target"
    (target / "store").mkdir(parents=True)
    proc, port = start_kg_serve(target, "--writable")
    url = f"http://127.0.0.1:{port}"
    try:
        iri = "https://example.org/graphs/papers"
        done = kg_cli("push", example_graph, "--endpoint", f"{url}/store", "--graph", iri, "--chunk-triples", "20000")
        assert done.returncode == 0, done.stderr
        expected = default_graph_triples(example_store)
        assert f"pushed {len(expected)} triples" in done.stdout
        assert construct(url, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}") == expected
        assert construct(url, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }") == set()  # the default graph untouched
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def test_a_writable_server_and_a_build_of_its_graph_never_run_at_once(tmp_path):
    """Before, an append (or a rebuild) beside `kg serve --writable` started from the store as it was,
    then swept the build folder the server kept writing to: every update accepted after it was lost."""
    from kg.build import build
    from kg.store import open_store, staged_build

    papers = tmp_path / "papers.jsonl"
    papers.write_text(json.dumps({"title": "FooNet for image classification", "abstract": "We propose FooNet, "
                                  "a network for image classification evaluated on ImageNet."}) + "\n")
    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps({"title": "BarNet for speech recognition", "abstract": "We propose BarNet, a "
                                "model for speech recognition evaluated on LibriSpeech."}) + "\n")
    graph = tmp_path / "graph"
    build([papers], graph, extras=False, jobs=1)
    update = urllib.parse.urlencode({"update": 'INSERT DATA { <urn:mine> <urn:says> "keep me" }'}).encode()
    with Server(graph, port=free_port(), writable=True) as server:
        urllib.request.urlopen(urllib.request.Request(f"{server.url}/update", data=update, method="POST"), timeout=30)
        with pytest.raises(KgError, match="another build .or a kg serve --writable. is writing this graph"):
            build([more], graph, append=True, extras=False, jobs=1)
    build([more], graph, append=True, extras=False, jobs=1)  # the server stopped: the append goes ahead
    store = open_store(graph)
    assert len(list(store.quads_for_pattern(None, None, ox.Literal("keep me")))) == 1
    assert len(list(store.quads_for_pattern(None, None, ox.Literal("BarNet for speech recognition")))) == 1
    with pytest.raises(InterruptedError), staged_build(graph):  # a build under way, abandoned at the end
        with pytest.raises(KgError, match="a build is writing this graph right now"):
            Server(graph, port=free_port(), writable=True).start()
        with Server(graph, port=free_port()) as reader:  # reading needs no lock
            assert count(reader.url) > 0
        raise InterruptedError


def tiny_build(out, label: str, manifest: dict | None = None) -> None:
    """A build of one triple through kg's own publish (`staged_build`): what `kg build` leaves."""
    from kg.store import staged_build

    with staged_build(out) as stage:
        store = ox.Store(str(stage / "store"))
        store.add(ox.Quad(ox.NamedNode("urn:graph"), ox.NamedNode("urn:label"), ox.Literal(label)))
        store.flush()
        del store
        (stage / "manifest.json").write_text(json.dumps(manifest or {}))


def labels(url_or_graph) -> set:
    sparql = "SELECT ?l WHERE { <urn:graph> <urn:label> ?l }"
    if isinstance(url_or_graph, str):
        req = urllib.request.Request(f"{url_or_graph}/query?query={urllib.parse.quote(sparql)}",
                                     headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return {b["l"]["value"] for b in json.load(r)["results"]["bindings"]}
    return {row["l"] for row in url_or_graph.query(sparql)}


def test_a_build_leaves_the_build_a_notebook_or_a_server_still_reads(tmp_path):
    """Before, the next `kg build` of the graph deleted the build folder a read-only `kg serve` or an
    open notebook was reading: the server's next query (or its restart after a timeout) failed."""
    from kg.api import open_graph
    from kg.store import resolve

    out = tmp_path / "graph"
    tiny_build(out, "first")
    first = resolve(out)
    with open_graph(out) as notebook, Server(out, port=free_port(), timeout=None) as server:
        tiny_build(out, "second")
        tiny_build(out, "third")  # a build that sweeps while the first is still read
        assert first.is_dir() and resolve(out) != first
        assert labels(notebook) == {"first"} and labels(server.url) == {"first"}
        assert notebook.manifest() == {}
    with open_graph(out) as reader:
        assert labels(reader) == {"third"}
    tiny_build(out, "fourth")  # nobody reads the first any more: swept, with the second and third
    builds = [p for p in (tmp_path / ".graph.builds").iterdir() if p.is_dir()]
    assert builds == [resolve(out)]


def test_a_notebook_graph_used_after_it_was_closed_says_so_instead_of_reading_a_removed_build(tmp_path):
    """Before, a graph used after `close()` (a cell after its `with open_graph(...)`) kept answering
    from the store it had open, though the next build had removed that build: the old graph, without
    a word; its `manifest()` said "no built graph here" naming the removed folder."""
    from kg.api import open_graph

    out = tmp_path / "graph"
    tiny_build(out, "first")
    with open_graph(out) as notebook:
        assert labels(notebook) == {"first"}
    tiny_build(out, "second")  # nobody holds the first any more: removed
    for use in (lambda: labels(notebook), notebook.manifest, notebook.rdflib,
                lambda: notebook.rows("ASK {}"), lambda: notebook.dataframe("SELECT * WHERE { ?s ?p ?o }")):
        with pytest.raises(KgError, match="this graph was closed; open_graph.* again to read it"):
            use()
    notebook.close()  # closing twice is harmless
    with open_graph(out) as reader:
        assert labels(reader) == {"second"}



@pytest.mark.parametrize("command", [["query", "SELECT ?l WHERE { <urn:graph> <urn:label> ?l }"], ["stats"],
                                     ["export", "-f", "ntriples"], ["validate"]])
def test_a_build_leaves_the_build_a_short_command_still_reads(tmp_path, command):
    """Before, `kg query`, `kg stats`, `kg export`, `kg validate` (and `kg analyze`, `kg viz`, `kg push`)
    took no hold on the build they read: a `kg build` of the graph finishing meanwhile could delete the
    store under them. The command runs in this process, so its hold lasts as it would while it runs."""
    import os

    from typer.testing import CliRunner

    from kg.cli import app
    from kg.store import resolve

    out = tmp_path / "graph"
    tiny_build(out, "first")
    first = resolve(out)
    result = CliRunner().invoke(app, [command[0], str(out), *command[1:]])
    try:
        assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
        tiny_build(out, "second")
        tiny_build(out, "third")  # sweeps every build nobody reads
        assert first.is_dir() and resolve(out) != first
        assert {str(s["l"].value) for s in ox.Store.read_only(str(first / "store")).query(
            "SELECT ?l WHERE { <urn:graph> <urn:label> ?l }")} == {"first"}
    finally:  # what kg's exit would release
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{fd}") == str(first):
                    os.close(int(fd))
            except OSError:
                pass

def test_kg_doctor_checks_the_one_build_it_started_on_while_a_build_replaces_it(tmp_path):
    """Before, `kg doctor GRAPH` took no hold: a `kg build` finishing during its checks swept the build
    it had opened, and its later checks read the new build's manifest against the old store (here: a
    paper count "mismatch" that no build has). Now it holds the build it checks until it is done."""
    from kg.doctor import graph_checks
    from kg.store import resolve

    out = tmp_path / "graph"
    tiny_build(out, "first", {"papers": 0})  # the store holds no kgo:Paper: 0 is right
    first = resolve(out)
    checks = graph_checks(out)
    opened = next(checks)
    assert opened.name == "store opens" and opened.ok, opened
    tiny_build(out, "second", {"papers": 5})
    tiny_build(out, "third", {"papers": 5})  # sweeps every build nobody holds
    assert first.is_dir() and resolve(out) != first
    rest = {c.name: c for c in checks}
    assert rest["manifest"].ok and rest["manifest"].detail == "0 papers recorded"
    assert rest["paper count matches the manifest"].ok, rest["paper count matches the manifest"]
    tiny_build(out, "fourth", {"papers": 5})  # the checks are done: the hold is released
    assert not first.exists()


def test_an_unreadable_request_is_answered_400_and_the_server_goes_on(tmp_path):
    """Before, a query body that is not UTF-8 (or a Content-Length that is not a number) raised in
    the front server's handler: a traceback in kg serve's output and the connection dropped unanswered."""
    import socket

    out = tmp_path / "graph"
    tiny_build(out, "first")
    with Server(out, port=free_port(), timeout=20) as server:
        bad = urllib.request.Request(f"{server.url}/query", data=b"SELECT * WHERE { ?s ?p \xff }", method="POST",
                                     headers={"Content-Type": "application/sparql-query"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bad, timeout=30)
        assert refused.value.code == 400
        with socket.create_connection((server.host, server.port), timeout=30) as raw:
            raw.sendall(b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Length: many\r\nConnection: close\r\n\r\n")
            assert raw.recv(100).split(b" ")[1] == b"400"
        assert labels(server.url) == {"first"}


@pytest.mark.parametrize("timeout", [None, 20])
def test_a_service_clause_is_refused_unless_allowed_and_no_url_is_fetched(tmp_path, timeout):
    """Before, a SERVICE clause sent to `kg serve` made the server fetch whatever URL the client
    named (from inside the host's network). Now it is answered 403 and nothing is fetched, unless
    the server was started with allow_service; a query naming SERVICE in a string still answers."""
    import socket
    import threading

    out = tmp_path / "graph"
    tiny_build(out, "first")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    fetched = []

    def watch() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            fetched.append(conn.recv(4096))
            conn.close()

    stop = threading.Event()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    target = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    federated = f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"
    try:
        with Server(out, port=free_port(), timeout=timeout) as server:
            for request in (urllib.request.Request(f"{server.url}/query?query={urllib.parse.quote(federated)}"),
                            urllib.request.Request(f"{server.url}/query", data=federated.encode(), method="POST",
                                                   headers={"Content-Type": "application/sparql-query"})):
                with pytest.raises(urllib.error.HTTPError) as refused:
                    urllib.request.urlopen(request, timeout=30)
                assert refused.value.code == 403
                assert b"--allow-service" in refused.value.read()
            assert labels(server.url) == {"first"}
            q = urllib.parse.quote('SELECT ?s WHERE { ?s ?p "SERVICE <http://example.org/>" }')
            with urllib.request.urlopen(f"{server.url}/query?query={q}", timeout=30) as answer:
                assert answer.status == 200
        assert fetched == []
        with Server(out, port=free_port(), timeout=timeout, allow_service=True) as server:
            try:
                urllib.request.urlopen(f"{server.url}/query?query={urllib.parse.quote(federated)}", timeout=30)
            except urllib.error.HTTPError:
                pass  # the watcher answers no SPARQL: the query fails, after the fetch
        assert fetched and fetched[0].startswith((b"GET", b"POST"))
    finally:
        stop.set()
        watcher.join()
        listener.close()
