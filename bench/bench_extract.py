"""Extraction throughput: abstracts per second for the tokenizer alone and the full pipeline.

    python bench/bench_extract.py [--papers 2000] [--repeats 3]

The example corpus is repeated (with distinct ids) up to --papers abstracts; each figure is the
median of --repeats runs in this one process, so the ratios between rows are measured together.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from dataclasses import replace
from pathlib import Path

from kg.extract import build_nlp, extract
from kg.ingest import read_papers

ROOT = Path(__file__).resolve().parent.parent


def corpus(n: int):
    base = list(read_papers([ROOT / "examples" / "corpus"]))
    return [replace(base[i % len(base)], id=f"bench-{i}") for i in range(n)]


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    papers = corpus(args.papers)
    texts = [p.text for p in papers]
    nlp = build_nlp()
    rows = []
    t = timed(lambda: [nlp.make_doc(x) for x in texts], args.repeats)
    rows.append(("tokenizer only, 1 process", t))
    for n_process in (1, 2):
        t = timed(lambda: list(extract(papers, nlp=nlp, n_process=n_process, batch_size=64)), args.repeats)
        rows.append((f"full pipeline, n_process={n_process}", t))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{args.papers} abstracts, median of {args.repeats} runs\n")
    print("| what | seconds | abstracts/s | abstracts/s per core |")
    print("|---|---:|---:|---:|")
    for name, seconds in rows:
        cores = 2 if "n_process=2" in name else 1
        rate = args.papers / seconds
        print(f"| {name} | {seconds:.2f} | {rate:,.0f} | {rate / cores:,.0f} |")


if __name__ == "__main__":
    main()
