"""Time the two phases of a staged `kg push` into a store: the chunks into a staging named graph,
then the one update that adds it to the target and drops it.

    python bench/bench_push.py GRAPH http://127.0.0.1:7878/store [--update URL] [--chunk-triples N]

The store should be empty (or hold what the push may add to); the phases are sent as `kg.serve.push`
sends them. Each phase's time and answer (or error) is printed; nothing is retried, so a refusal
shows as the store's own answer.
"""
from __future__ import annotations

import argparse
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.errors import KgError  # noqa: E402
from kg.serve import _graph_url, _send, _send_chunks  # noqa: E402
from kg.store import open_store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("graph", type=Path)
    ap.add_argument("endpoint")
    ap.add_argument("--update")
    ap.add_argument("--chunk-triples", type=int, default=50_000)
    args = ap.parse_args()
    update = args.update or urllib.parse.urljoin(args.endpoint, "update")
    stage_iri = f"urn:uuid:{uuid.uuid4()}"
    sparql = "application/sparql-update"
    store = open_store(args.graph)
    t0 = time.perf_counter()
    sent = _send_chunks(store, _graph_url(args.endpoint, stage_iri), args.chunk_triples, 0, 0.5)
    t1 = time.perf_counter()
    print(f"chunks into the staging graph: {sent} triples, {t1 - t0:.1f} s", flush=True)
    try:
        _send(update, f"ADD SILENT <{stage_iri}> TO DEFAULT ; DROP SILENT GRAPH <{stage_iri}>".encode(), sparql, 0, 0.5,
              wait=None)
        print(f"ADD + DROP: {time.perf_counter() - t1:.1f} s")
    except KgError as exc:
        print(f"ADD + DROP failed after {time.perf_counter() - t1:.1f} s: {exc}")
        t2 = time.perf_counter()
        try:
            _send(update, f"DROP SILENT GRAPH <{stage_iri}>".encode(), sparql, 0, 0.5, wait=None)
            print(f"DROP of the staging graph: {time.perf_counter() - t2:.1f} s")
        except KgError as drop:
            print(f"DROP of the staging graph failed after {time.perf_counter() - t2:.1f} s: {drop}")


if __name__ == "__main__":
    main()
