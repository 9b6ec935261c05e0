"""A SPARQL endpoint over a built graph (Oxigraph's own server), and pushing a graph to any store.

`Server` runs the `oxigraph` binary from the `oxigraph` package on PyPI: read-only unless asked
(updates are refused), on 127.0.0.1 unless asked, with Oxigraph's query UI at its root URL.
`push` loads a graph into any SPARQL 1.1 Graph Store HTTP Protocol endpoint, in chunks, with retries.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError
from kg.store import STORE_DIR, open_store, resolve


def oxigraph_binary() -> str:
    candidates = [Path(sys.executable).with_name("oxigraph"), shutil.which("oxigraph")]
    for c in candidates:
        if c and Path(c).exists():
            return str(c)
    raise KgError("the oxigraph server is not installed: pip install 'kg[serve]' (or pip install oxigraph)")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Server:
    """An Oxigraph server process over the store of a build folder."""

    def __init__(self, graph: str | Path, *, host: str = "127.0.0.1", port: int = 7878, writable: bool = False,
                 timeout: float | None = None) -> None:
        self.location = resolve(graph) / STORE_DIR
        self.host, self.port, self.writable, self.timeout = host, port, writable, timeout
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

    def start(self, wait: float = 30.0) -> "Server":
        """Start the server and return once it answers a query (or raise KgError)."""
        # stderr goes to a file, not a pipe: a pipe nobody reads would block a chatty server
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=self._log)
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
        self.stop()
        raise KgError(f"the oxigraph server did not answer on {self.url} within {wait:g} s")

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after 10 s) and wait for it to exit."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


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


def _post(url: str, body: bytes, retries: int, backoff: float) -> None:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/n-triples"})
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
                return
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace").strip().splitlines()
            if exc.code < 500 or attempt == retries:
                raise KgError(f"{url}: the endpoint refused the data: HTTP {exc.code} {exc.reason}"
                              + (f": {detail[0][:200]}" if detail else "")) from None
        except (urllib.error.URLError, OSError) as exc:
            if attempt == retries:
                reason = getattr(exc, "reason", exc)
                raise KgError(f"{url}: cannot reach the endpoint after {retries + 1} tries: {reason}") from None
        time.sleep(backoff * 2**attempt)


def push(graph: str | Path, endpoint: str, *, graph_iri: str | None = None, chunk_triples: int = 50_000,
         retries: int = 3, backoff: float = 0.5) -> int:
    """POST the graph to a Graph Store Protocol endpoint; returns the number of triples sent."""
    store = open_store(graph)
    query = {"graph": graph_iri} if graph_iri else {"default": ""}
    url = endpoint + ("&" if "?" in endpoint else "?") + urllib.parse.urlencode(query).replace("default=", "default")
    sent = 0
    for body in ntriples_chunks(store, chunk_triples):
        _post(url, body, retries, backoff)
        sent += body.count(b"\n")
    return sent
