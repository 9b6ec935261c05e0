"""A SPARQL endpoint over a built graph (Oxigraph's own server), and pushing a graph to any store.

`Server` runs the `oxigraph` binary from the `oxigraph` package on PyPI: read-only unless asked
(updates are refused), on 127.0.0.1 unless asked, with Oxigraph's query UI at its root URL.
`push` adds a graph to any SPARQL 1.1 Graph Store HTTP Protocol endpoint, all or nothing, in chunks, with retries.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError
from kg.outputs import hold_build, open_lock
from kg.store import STORE_DIR, count_triples, open_store, resolve


def oxigraph_binary() -> str:
    candidates = [Path(sys.executable).with_name("oxigraph"), shutil.which("oxigraph")]
    for c in candidates:
        if c and Path(c).exists():
            return str(c)
    raise KgError("the oxigraph server is not installed: pip install 'kg-lit[serve]' (or pip install oxigraph)")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ child processes that die with kg

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """Run in the child between fork and exec: on Linux, ask the kernel to send SIGKILL to it when its
    parent dies, however the parent dies (SIGKILL included), so no Oxigraph server outlives kg."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


# The kernel sends the parent-death signal when the *thread* that forked the child ends, and the
# supervisor starts fresh servers from short-lived request threads: every child is therefore started
# from this one thread, which lives as long as the process.
_spawner: concurrent.futures.ThreadPoolExecutor | None = None
_spawner_lock = threading.Lock()


def _spawn_child(cmd: list[str], **kwargs) -> subprocess.Popen:
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="kg-spawn")
    parent = os.getpid()
    return _spawner.submit(subprocess.Popen, cmd, preexec_fn=lambda: _die_with_parent(parent), **kwargs).result()


@contextlib.contextmanager
def stop_on_signals(signals=(signal.SIGINT, signal.SIGTERM, signal.SIGHUP)) -> Iterator[None]:
    """Within this block, SIGTERM and SIGHUP (what process managers, containers, `kill` and a closed
    terminal send) raise KeyboardInterrupt as Ctrl-C does, so the caller's cleanup stops the servers.
    Only the first signal interrupts: the others are ignored while the cleanup runs."""
    def interrupt(signum, frame):
        for s in signals:
            signal.signal(s, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = {s: signal.signal(s, interrupt) for s in signals}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


class OxigraphProcess:
    """One Oxigraph server process over a store, on `host:port`."""

    def __init__(self, location: Path, *, host: str, port: int, writable: bool, timeout: float | None) -> None:
        self.location, self.host, self.port, self.writable, self.timeout = location, host, port, writable, timeout
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        cmd = [oxigraph_binary(), "serve" if self.writable else "serve-read-only",
               "--location", str(self.location), "--bind", f"{self.host}:{self.port}"]
        if self.timeout:
            cmd += ["--timeout-s", str(int(max(1, self.timeout)))]
        return cmd

    def start(self, wait: float = 30.0) -> "OxigraphProcess":
        """Start the server and return once it answers a query (or raise KgError)."""
        # stderr goes to a file, not a pipe: a pipe nobody reads would block a chatty server
        self._log = tempfile.TemporaryFile()
        self.process = _spawn_child(self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=self._log)
        try:
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    self._log.seek(0)
                    message = self._log.read().decode(errors="replace").strip().splitlines()
                    self.process = None
                    raise KgError(f"the oxigraph server stopped: {message[-1] if message else 'no message'}")
                try:
                    with urllib.request.urlopen(self.url + "/query?query=ASK%7B%7D", timeout=1):
                        return self
                except OSError:
                    time.sleep(0.1)
            raise KgError(f"the oxigraph server did not answer on {self.url} within {wait:g} s")
        except BaseException:  # a timeout, or Ctrl-C while waiting: the child goes too
            self.stop()
            raise

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, grace: float = 10.0) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after `grace` s) and wait for it to exit."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


class Server:
    """A SPARQL endpoint over the store of a build folder: Oxigraph's server, behind a supervisor
    when queries have a time limit or SERVICE clauses are refused (the default: a SERVICE clause
    makes the server fetch whatever URL the client names, from inside the host's network).

    Oxigraph's own `--timeout-s` does not interrupt a query that is still evaluating (an aggregate
    over a large join keeps its server thread busy to the end). With `timeout`, clients talk to a
    small front server that forwards every request to an Oxigraph process; a request that gets no
    answer in time is answered `503 query timed out`, and that process is retired: new requests go
    to a fresh process at once (read-only stores open in several processes), and the retired one is
    killed as soon as its other requests are done, which ends the runaway evaluation.
    A writable store opens in one process only, so there the process is replaced after it is killed.
    """

    def __init__(self, graph: str | Path, *, host: str = "127.0.0.1", port: int = 7878, writable: bool = False,
                 timeout: float | None = None, allow_service: bool = False) -> None:
        self.graph, self.location = Path(graph), resolve(graph) / STORE_DIR
        self.host, self.port, self.writable, self.timeout = host, port, writable, timeout
        self.allow_service = allow_service
        self._direct: OxigraphProcess | None = None
        self._front: _Front | None = None
        self._lock = None
        self._hold: int | None = None  # the build folder served, locked for reading (`kg.outputs.hold_build`)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _lock_builds(self) -> None:
        """A writable server holds the build lock of its graph (`kg.store.staged_build`) while it runs:
        a build into that graph, meanwhile, would start from the store as it was and, once published,
        sweep the folder this server keeps writing to, so every update it accepted from then on would
        be lost. Whichever comes second is refused; a read-only server needs no lock."""
        versions = self.location.parent.parent  # `.DIR.builds/`, when the graph is a link kg made
        if not self.writable or not (versions.name.startswith(".") and versions.name.endswith(".builds")):
            return
        self._lock = open_lock(versions / ".lock")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            self._lock = None
            raise KgError(f"{self.graph}: a build is writing this graph right now; serve it "
                          "--writable once the build is done") from None

    def start(self, wait: float = 30.0) -> "Server":
        """Start serving and return once the endpoint answers (or raise KgError)."""
        self._lock_builds()
        try:
            # a build of this graph meanwhile leaves the folder served in place (it used to delete
            # the store under a read-only server, whose next query, or restart, then failed)
            build, self._hold = hold_build(self.graph)
            self.location = build / STORE_DIR
            self._start(wait)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, wait: float) -> None:
        if not self.timeout and self.allow_service:  # nothing for the front server to check
            self._direct = OxigraphProcess(self.location, host=self.host, port=self.port,
                                           writable=self.writable, timeout=None).start(wait)
        else:
            self._front = _Front(self).start(wait)

    def alive(self) -> bool:
        if self._direct is not None:
            return self._direct.alive()
        return self._front is not None and self._front.running and not self._front.broken

    @property
    def restarts(self) -> int:
        """How many Oxigraph processes were retired because a query ran out of time."""
        return self._front.retired if self._front else 0

    def stop(self) -> None:
        if self._direct is not None:
            self._direct.stop()
            self._direct = None
        if self._front is not None:
            self._front.stop()
            self._front = None
        if self._lock is not None:
            self._lock.close()  # releases the build lock, once the server has stopped writing
            self._lock = None
        if self._hold is not None:
            os.close(self._hold)  # a later build may now remove the folder served
            self._hold = None

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _Backend:
    def __init__(self, process: OxigraphProcess) -> None:
        self.process, self.inflight, self.retiring = process, 0, False


# Hop-by-hop headers (RFC 9110 7.6.1) are not forwarded; the body is re-sent with its own length.
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
               "transfer-encoding", "upgrade", "host", "content-length"}


class ServiceRefused(ValueError):
    """A query or update with a SERVICE clause, sent to an endpoint that does not fetch other URLs."""


def _with_kg_prefixes(method: str, path: str, content_type: str, body: bytes | None, *,
                      allow_service: bool = True) -> tuple[str, bytes | None]:
    """The request with kg's prefixes (kgo:, kgc:, skos:, ...) declared in its query or update, as
    `kg query` declares them: in the URL (GET), a form body, or a sparql-query/-update body.
    Without `allow_service`, a query or update with a SERVICE clause raises ServiceRefused."""
    from kg.query import calls_service, declare_prefixes

    def declare(sparql: str) -> str:
        if not allow_service and calls_service(sparql):
            raise ServiceRefused(sparql)
        return declare_prefixes(sparql)

    def rewrite(params: str) -> str:
        pairs = urllib.parse.parse_qsl(params, keep_blank_values=True)
        if not any(k in ("query", "update") for k, _ in pairs):
            return params  # not a query (a Graph Store request, say): left exactly as it came
        return urllib.parse.urlencode([(k, declare(v) if k in ("query", "update") else v) for k, v in pairs])

    route, _, params = path.partition("?")
    kind = content_type.split(";")[0].strip().lower()
    if method == "GET" and params:
        path = route + "?" + rewrite(params)
    elif method == "POST" and body is not None and kind == "application/x-www-form-urlencoded":
        body = rewrite(body.decode("utf-8")).encode("utf-8")
    elif method == "POST" and body is not None and kind in ("application/sparql-query", "application/sparql-update"):
        body = declare(body.decode("utf-8")).encode("utf-8")
    return path, body


def _is_write(method: str, path: str) -> bool:
    """Whether a request to Oxigraph's server changes the store: an update (`/update`) or a Graph
    Store write (`/store`: POST, PUT, DELETE); queries go to `/query` (GET or POST)."""
    route = path.partition("?")[0].rstrip("/")
    return method in ("POST", "PUT", "DELETE") and route != "/query" and route != ""


# Oxigraph's query UI (YASGUI) with a first query that shows the prefixes kg declares for every query
_UI_CONFIG = b'requestConfig: { endpoint: url + "/sparql" },'


def _show_prefixes(page: bytes) -> bytes:
    import json

    from kg.query import PREFIX_MAP

    text = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIX_MAP.items())
    text = ("# kg declares these prefixes for you: a query may use them without PREFIX lines\n" + text
            + "\nSELECT ?paper ?title WHERE { ?paper a kgo:Paper ; dcterms:title ?title } LIMIT 10\n")
    return page.replace(_UI_CONFIG, _UI_CONFIG + b" yasqe: { value: " + json.dumps(text).encode() + b" },", 1)


REOPEN_WAIT = 600.0  # seconds a writable store may take to reopen after its process was killed
STREAM_AFTER = 1 << 20  # answers larger than this go to the client in chunks as they arrive


def _front_http_server():
    import http.server

    class FrontHTTPServer(http.server.ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128  # many clients may connect at once (the default backlog is 5)

    return FrontHTTPServer


class _Front:
    """The supervising front server of `Server` (see there)."""

    def __init__(self, server: Server) -> None:
        import threading

        self.server = server
        self.lock = threading.Condition()
        self.backend: _Backend | None = None
        self.broken: str | None = None  # why a writable store could not be reopened
        self.retired = 0
        self.running = False
        self.http = None

    def _spawn(self, wait: float = 30.0) -> _Backend:
        s = self.server
        return _Backend(OxigraphProcess(s.location, host="127.0.0.1", port=free_port(), writable=s.writable,
                                        timeout=s.timeout).start(wait))

    def start(self, wait: float) -> "_Front":
        import http.server
        import threading

        self.backend = self._spawn(wait)
        front = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                front.forward(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward  # noqa: N815 - the http.server API

            def log_message(self, *args) -> None:
                pass

        try:
            self.http = _front_http_server()((self.server.host, self.server.port), Handler)
        except OSError as exc:
            self.backend.process.stop()
            raise KgError(f"cannot listen on {self.server.host}:{self.server.port}: {exc.strerror}") from None
        self.running = True
        threading.Thread(target=self.http.serve_forever, daemon=True, name="kg-serve").start()
        return self

    def _acquire(self) -> _Backend:
        with self.lock:
            while self.backend is None:  # a writable store being reopened
                if self.broken:
                    raise KgError(self.broken)
                self.lock.wait(1.0)
            if not self.backend.process.alive() and self.backend.inflight == 0:  # it crashed: replace it
                self.backend.process.stop()
                self.backend = self._spawn()
            self.backend.inflight += 1
            return self.backend

    def _release(self, backend: _Backend, timed_out: bool) -> None:
        with self.lock:
            backend.inflight -= 1
            if timed_out and not backend.retiring:
                backend.retiring = True
                self.retired += 1
                if self.backend is backend:
                    self.backend = None
                    if not self.server.writable:  # a read-only store opens in a second process at once
                        self.backend = self._spawn()
            if backend.retiring and backend.inflight == 0:
                backend.process.stop(grace=0)  # SIGTERM then SIGKILL: the runaway query ends here
                if self.backend is None and self.running:
                    # a store killed after large writes replays its log as it opens: that may take
                    # minutes; requests wait meanwhile, and are answered an error if it never opens
                    try:
                        self.backend = self._spawn(REOPEN_WAIT)
                    except KgError as exc:
                        self.broken = f"the store could not be reopened after a query ran out of time: {exc}"
                self.lock.notify_all()

    def forward(self, handler) -> None:
        """Send the request on to Oxigraph and its answer back, within the time limit.

        A small answer is sent with its length; a large one (a CONSTRUCT of the whole graph) is
        streamed in chunks as it arrives, so the front server never holds it all. The limit covers
        the whole request: an answer still streaming when it runs out is cut off.
        """
        import http.client

        try:
            length = int(handler.headers.get("Content-Length") or 0)
            body = handler.rfile.read(length) if length > 0 else None
            path, body = _with_kg_prefixes(handler.command, handler.path, handler.headers.get("Content-Type", ""), body,
                                           allow_service=self.server.allow_service)
        except ServiceRefused:  # the server would fetch a URL a client chose: a way into the host's network
            self._reply(handler, 403, b"SERVICE clauses are refused by this endpoint (it would fetch another URL); "
                                      b"start it with kg serve --allow-service to allow federated queries\n")
            return
        except (ValueError, UnicodeDecodeError) as exc:  # a request kg cannot read: the client's error, said
            handler.send_error(400, f"unreadable request: {type(exc).__name__}")
            return
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
        # the limit is for queries, as Oxigraph's own: a write (an update, a Graph Store load) is one
        # transaction, as large as the graph for a staged `kg push`; cut off, it changes nothing, and
        # it holds up no query meanwhile (queries read a snapshot)
        limit = None if _is_write(handler.command, path) else self.server.timeout
        try:
            backend = self._acquire()
        except KgError as exc:
            self._reply(handler, 503, f"{exc}\n".encode())
            return
        # the limit starts once a process takes the request: waiting for a writable store to reopen
        # after a runaway query must not use it up (the next query would time out and retire again)
        deadline = time.monotonic() + (limit or float("inf"))
        timed_out = False
        conn = http.client.HTTPConnection("127.0.0.1", backend.process.port, timeout=limit)
        try:
            try:
                conn.request(handler.command, path, body=body, headers=headers)
                response = conn.getresponse()
                first = self._read(response, conn, deadline, STREAM_AFTER)
            except TimeoutError:
                timed_out = True
                self._reply(handler, 503, f"query timed out after {self.server.timeout:g} s\n".encode())
                return
            except OSError as exc:
                self._reply(handler, 502, f"the oxigraph server did not answer: {exc}\n".encode())
                return
            handler.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in _HOP_BY_HOP:
                    handler.send_header(key, value)
            ui = handler.command == "GET" and path.partition("?")[0] == "/"
            if ui:  # the query UI page (a few kB): read whole, then shown with kg's prefixes
                while part := self._read(response, conn, deadline, STREAM_AFTER):
                    first += part
                first = _show_prefixes(first)
            if ui or response.isclosed() or handler.command == "HEAD":  # complete: send it with its length
                handler.send_header("Content-Length", str(len(first)))
                handler.end_headers()
                if handler.command != "HEAD":
                    handler.wfile.write(first)
                return
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            chunk = first
            try:
                while chunk:
                    handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    chunk = self._read(response, conn, deadline, STREAM_AFTER)
                handler.wfile.write(b"0\r\n\r\n")
            except TimeoutError:  # headers are gone: the client sees a truncated answer
                timed_out = True
                handler.close_connection = True
        finally:
            conn.close()
            self._release(backend, timed_out)

    @staticmethod
    def _read(response, conn, deadline: float, size: int) -> bytes:
        """Up to `size` bytes of the answer (b"" at its end), raising TimeoutError past `deadline`."""
        parts, got = [], 0
        while got < size:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if conn.sock is not None:
                conn.sock.settimeout(None if left == float("inf") else left)
            part = response.read1(size - got)
            if not part:
                break
            parts.append(part)
            got += len(part)
        return b"".join(parts)

    @staticmethod
    def _reply(handler, status: int, message: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "text/plain; charset=utf-8")
        handler.send_header("Content-Length", str(len(message)))
        handler.end_headers()
        handler.wfile.write(message)

    def stop(self) -> None:
        self.running = False
        if self.http is not None:
            self.http.shutdown()
            self.http.server_close()
        with self.lock:
            if self.backend is not None:
                self.backend.process.stop()
                self.backend = None


# --------------------------------------------------------------------------- Graph Store Protocol push


def ntriples_chunks(store: ox.Store, size: int) -> Iterator[bytes]:
    """The default graph as N-Triples, `size` triples at a time (flat memory however big the graph)."""
    chunk: list[ox.Triple] = []
    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        chunk.append(ox.Triple(quad.subject, quad.predicate, quad.object))
        if len(chunk) >= size:
            yield ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)
            chunk = []
    if chunk:
        yield ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)


class Refused(KgError):
    """The endpoint answered a request with an error status (`status`)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


# A chunk's answer comes within seconds; a transaction as large as the graph (the move of a staged
# push, the whole graph in one request) may take minutes: 20k papers took more than 120 s on a loaded
# machine, and a client giving up then would retry, or drop the staging graph, while the store still
# applies it. Those requests wait for their answer as long as the store takes.
CHUNK_WAIT = 120.0


def _send(url: str, body: bytes | Path, content_type: str, retries: int, backoff: float,
          wait: float | None = CHUNK_WAIT) -> None:
    """POST `body` (bytes, or a file sent as it is read), retrying connection errors and 5xx answers;
    `wait`: seconds without an answer before the request counts as failed (None: no limit)."""
    for attempt in range(retries + 1):
        try:
            with contextlib.ExitStack() as files:
                data = body if isinstance(body, bytes) else files.enter_context(open(body, "rb"))
                size = len(body) if isinstance(body, bytes) else body.stat().st_size
                request = urllib.request.Request(url, data=data, method="POST",
                                                 headers={"Content-Type": content_type, "Content-Length": str(size)})
                with urllib.request.urlopen(request, timeout=wait) as response:
                    response.read()
                    return
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace").strip().splitlines()
            if exc.code < 500 or attempt == retries:
                raise Refused(f"{url}: the endpoint refused the data: HTTP {exc.code} {exc.reason}"
                              + (f": {detail[0][:200]}" if detail else ""), exc.code) from None
        except (urllib.error.URLError, OSError) as exc:
            if attempt == retries:
                reason = getattr(exc, "reason", exc)
                raise KgError(f"{url}: cannot reach the endpoint after {retries + 1} tries: {reason}") from None
        time.sleep(backoff * 2**attempt)


LEFT_AS_IT_WAS = "the remote graph was left as it was"


def _graph_url(endpoint: str, graph_iri: str | None) -> str:
    """The Graph Store Protocol URL of a named graph (or, without one, of the default graph)."""
    query = {"graph": graph_iri} if graph_iri else {"default": ""}
    return endpoint + ("&" if "?" in endpoint else "?") + urllib.parse.urlencode(query).replace("default=", "default")


def _send_chunks(store: ox.Store, url: str, size: int, retries: int, backoff: float, *,
                 settle: bool = False) -> int:
    """POST the default graph to `url`, `size` triples at a time; the number of triples sent. With
    `settle`, a Ctrl-C takes effect once the chunk on its way is answered (`_answered_first`)."""
    sent = 0
    for body in ntriples_chunks(store, size):
        with _answered_first() if settle else contextlib.nullcontext():
            _send(url, body, "application/n-triples", retries, backoff)
        sent += body.count(b"\n")
    return sent


@contextlib.contextmanager
def _answered_first(*, then_stop: bool = True) -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) until the request under way is answered, then raise it (`then_stop`;
    else it came too late: the request did what it was sent for, and the push is done). Stopped
    while the store still takes a chunk, a push that dropped its staging graph at once saw the store
    apply that chunk after the drop, and leave it there as a named graph; stopped during the final
    update, it said "interrupted" of a push the store then applied whole. Waiting for the answer puts
    the drop after it, and tells which it was. A second Ctrl-C stops at once. Only the main thread
    receives signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = []

    def hold(signum, frame):
        held.append(signum)
        signal.signal(signal.SIGINT, previous)  # a second one is not held

    previous = signal.signal(signal.SIGINT, hold) or signal.default_int_handler
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held and then_stop:
        raise KeyboardInterrupt


def _check_url(url: str | None, option: str) -> None:
    """KgError unless `url` (when given) is an http(s) address: `--endpoint localhost:3030/ds` ended in
    urllib's ValueError traceback ("unknown url type: 'update'")."""
    parts = urllib.parse.urlsplit(url) if url is not None else None
    if parts is not None and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise KgError(f"{option} {url}: not an http:// or https:// URL (say http://HOST:PORT/PATH)")


def push(graph: str | Path, endpoint: str, *, graph_iri: str | None = None, update: str | None = None,
         staging: bool = True, chunk_triples: int = 50_000, retries: int = 3, backoff: float = 0.5) -> int:
    """Add the graph to a Graph Store Protocol endpoint's default graph (or its graph `graph_iri`), all
    or nothing; returns the number of triples sent.

    The chunks go to a fresh named graph of the endpoint (a staging graph); one SPARQL update, sent
    to its update service (`update`: by default `update` beside the Graph Store path, as Oxigraph and
    Fuseki name it), then adds it to the target and drops it. A store applies an update whole or not
    at all, so the target changes in that one step; a failure before it drops the staging graph. An
    endpoint without an update service gets the whole graph in one request, applied whole too.

    That update (or request) is one transaction as large as the graph. For a store whose time or
    memory limit refuses it, `staging=False` sends the chunks straight into the target: a failure
    then leaves there the chunks sent before it."""
    for option, url in (("--endpoint", endpoint), ("--update", update)):
        _check_url(url, option)
    store = open_store(graph)
    try:
        target = str(ox.NamedNode(graph_iri)) if graph_iri else "DEFAULT"
    except ValueError as exc:
        raise KgError(f"{graph_iri}: not an IRI for --graph: {exc}") from None
    if not staging:
        try:
            return _send_chunks(store, _graph_url(endpoint, graph_iri), chunk_triples, retries, backoff)
        except KgError as exc:
            raise KgError(f"{exc}; the chunks sent before it stay in the remote graph (--no-staging)") from None
    update = update or urllib.parse.urljoin(endpoint, "update")
    stage_iri = f"urn:uuid:{uuid.uuid4()}"
    stage = f"<{stage_iri}>"
    sparql = "application/sparql-update"
    try:
        _send(update, f"DROP SILENT GRAPH {stage}".encode(), sparql, retries, backoff)  # changes nothing
    except KgError as exc:
        if not isinstance(exc, Refused) or exc.status >= 500:  # unreachable, or failing
            raise KgError(f"{exc}; {LEFT_AS_IT_WAS}") from None
        return _push_whole(store, _graph_url(endpoint, graph_iri), retries, backoff)  # no update service there
    try:
        sent = _send_chunks(store, _graph_url(endpoint, stage_iri), chunk_triples, retries, backoff, settle=True)
        # SILENT: were this update applied and its answer lost, its retry finds no staging graph
        # and does nothing more
        with _answered_first(then_stop=False):  # the one step: it is applied whole, or not at all
            _send(update, f"ADD SILENT {stage} TO {target} ; DROP SILENT GRAPH {stage}".encode(), sparql, retries,
                  backoff, wait=None)
    except BaseException as exc:
        try:
            _send(update, f"DROP SILENT GRAPH {stage}".encode(), sparql, 0, backoff, wait=None)
            left = ""
        except KgError as drop:
            left = f" (but its staging graph {stage} could not be removed: {drop})"
        if isinstance(exc, KgError):
            raise KgError(f"{exc}; {LEFT_AS_IT_WAS}{left}") from None
        raise
    return sent


def _push_whole(store: ox.Store, url: str, retries: int, backoff: float) -> int:
    """Send the default graph to `url` in one request (from a temporary N-Triples file)."""
    with tempfile.TemporaryDirectory(prefix="kg-push-") as tmp:
        path = Path(tmp) / "graph.nt"
        with open(path, "wb") as fh:
            store.dump(fh, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        try:
            _send(url, path, "application/n-triples", retries, backoff, wait=None)
        except KgError as exc:
            raise KgError(f"{exc}; {LEFT_AS_IT_WAS}") from None
    return count_triples(store)
