"""Latency of every named query (median of --repeats runs) on one or more built graphs.

    python bench/bench_queries.py kg-out /tmp/kg-bench/graph-100000-2

Parameters: the most mentioned method of each graph and the dataset with the most results, so the
queries do real work; list queries run with their default limit.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.query import named_queries, run, run_named  # noqa: E402
from kg.store import open_store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("graphs", nargs="+", type=Path)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    library = named_queries()
    header = "| query | " + " | ".join(f"{g.name}: papers / median s" for g in args.graphs) + " |"
    cells: dict[str, list[str]] = {}
    for graph in args.graphs:
        store = open_store(graph)
        papers = run(store, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper }").rows[0][0]
        top_dataset = run_named(store, "top-entities", {"type": "dataset"}).rows[0][1]
        top_method = run_named(store, "top-entities", {"type": "method"}).rows[0][1]
        # the leaderboard of the dataset with the most results (the most mentioned one may have none)
        ranked = run(store, "SELECT ?d (COUNT(?r) AS ?n) WHERE { ?r kgo:dataset ?d } GROUP BY ?d ORDER BY DESC(?n) LIMIT 1").rows
        params = {"type": "dataset", "entity": top_method, "dataset": ranked[0][0] if ranked else top_dataset}
        for name, q in library.items():
            bound = {p.name: params[p.name] for p in q.params if p.default is None}
            # top-entities of each type: the method type has by far the most (minted) concepts
            for label, b in ([(f"{name} (type={t})", {**bound, "type": t}) for t in ("dataset", "method", "task")]
                             if "type" in bound else [(name, bound)]):
                times = []
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    rows = run_named(store, name, b)
                    times.append(time.perf_counter() - start)
                cells.setdefault(label, []).append(f"{papers:,} papers, {len(rows.rows):,} rows: {statistics.median(times):.3f}")
    print(header)
    print("|---|" + "---|" * len(args.graphs))
    for name, row in cells.items():
        print(f"| {name} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
