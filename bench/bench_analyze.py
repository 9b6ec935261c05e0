"""The analysis report of a built graph: time, CPU time and peak memory of `kg analyze`.

    python bench/bench_analyze.py GRAPH [GRAPH ...]      # build folders, e.g. from:
    python bench/synthetic_corpus.py 20000 c.jsonl && kg build c.jsonl --out g --no-extras --export none

Each graph is analysed by `/usr/bin/time -v kg analyze GRAPH --out TMP` in a subprocess (the exact
command is printed); "CPU s" is its user+system time, which other work on a shared machine does not
inflate. Beside each row, the blank spaCy tokenizer's rate on one core, measured in the same run on
abstracts of the example corpus: analysis seconds per 1,000 papers divided by tokenizer seconds per
1,000 abstracts is the ratio that holds when the machine's speed moves from day to day.

    python bench/bench_analyze.py --synthetic 1000000

runs the analysis and the plots (`report.analyse`, `plots.write_plots`) in this process on a seeded
synthetic incidence matrix of N papers (Zipf-popular entities of the five types, ~10 links a
paper, dated 2015-2024) without a store: it measures what the analysis costs at a size whose build
takes hours, reading the store excluded (that part is linear in links and measured by the rows above).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KG = str(Path(sys.executable).with_name("kg"))


def tokenizer_rate(n: int = 5000) -> float:
    """Abstracts per CPU-second of spacy.blank("en")'s tokenizer, one process."""
    import spacy

    from kg.ingest import read_papers

    texts = [p.text for p in read_papers([ROOT / "examples" / "corpus"])]
    texts = (texts * (n // len(texts) + 1))[:n]
    nlp = spacy.blank("en")
    start = time.process_time()
    for text in texts:
        nlp.make_doc(text)
    return n / (time.process_time() - start)


def analyse(graph: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["/usr/bin/time", "-v", KG, "analyze", str(graph), "--out", str(Path(tmp) / "report")]
        print("$", shlex.join(cmd), flush=True)
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - start
        report = json.loads((Path(tmp) / "report" / "report.json").read_text())
    field = lambda name: float(re.search(rf"{name}: ([\d.]+)", done.stderr).group(1))  # noqa: E731
    return {"papers": report["counts"]["papers"], "links": report["counts"]["paper-entity links"],
            "seconds": seconds, "cpu": field(r"User time \(seconds\)") + field(r"System time \(seconds\)"),
            "peak_mb": field(r"Maximum resident set size \(kbytes\)") / 1024}


def synthetic(papers: int, *, entities: int = 300_000, links: int = 10, seed: int = 1):
    """An incidence matrix like a build's: entity popularity Zipf-distributed, 32 modalities among
    the popular entities, every fifth entity of each other type."""
    import numpy as np
    from scipy import sparse

    from kg.analyse.incidence import Incidence

    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, entities + 1) ** 1.05
    cols = rng.choice(entities, size=papers * links, p=weights / weights.sum()).astype(np.int32)
    rows = np.repeat(np.arange(papers, dtype=np.int32), links)
    matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(papers, entities))
    matrix.data[:] = 1
    kinds = ("method", "dataset", "task", "metric", "method")
    types = ["modality" if e % 97 == 3 and e < 97 * 32 else kinds[e % 5] for e in range(entities)]
    return Incidence(papers=[f"p{i:07d}" for i in range(papers)], years=rng.integers(2015, 2025, papers, dtype=np.int32),
                     entities=[f"e{i:07d}" for i in range(entities)], types=types,
                     labels=[f"{t} {i}" for i, t in enumerate(types)], matrix=matrix)


def analyse_synthetic(papers: int) -> dict:
    import resource

    from kg.analyse import plots
    from kg.analyse.report import analyse as report_data

    start, cpu = time.perf_counter(), time.process_time()
    inc = synthetic(papers)
    made = time.process_time() - cpu
    data = report_data(inc)
    with tempfile.TemporaryDirectory() as tmp:
        plots.write_plots(data, Path(tmp))
    return {"papers": papers, "links": int(inc.matrix.nnz), "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu - made,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("graphs", nargs="*", type=Path)
    ap.add_argument("--synthetic", type=int, default=0, help="papers of an in-memory synthetic incidence matrix")
    args = ap.parse_args()
    rows = [analyse(g) for g in args.graphs]
    if args.synthetic:
        rows.append(analyse_synthetic(args.synthetic))
    rate = tokenizer_rate()
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"blank tokenizer, same run: {rate:,.0f} abstracts per CPU-second\n")
    print("| papers | links | seconds | CPU s | peak RSS MB | CPU s per 1,000 papers | ÷ tokenizer CPU s per 1,000 |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        per_1000 = r["cpu"] / r["papers"] * 1000
        print(f"| {r['papers']:,} | {r['links']:,} | {r['seconds']:.1f} | {r['cpu']:.1f} | {r['peak_mb']:,.0f} "
              f"| {per_1000:.2f} | {per_1000 / (1000 / rate):.1f}x |")


if __name__ == "__main__":
    main()
