"""End-to-end build benchmark: abstracts/s from input file to queryable store, peak RSS, store size.

    python bench/bench_build.py --sizes 10000 100000 --modes 1 2 dask

Each run is `kg build FILE --out DIR --no-extras --export none` in a subprocess; the peak RSS is the
highest sum over the process and its children (workers included), sampled every 0.2 s. The
synthetic corpus comes from bench/synthetic_corpus.py (seed 1). "load" is a separate measure: the
graph's N-Triples bulk-loaded into an empty store.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
KG = str(Path(sys.executable).with_name("kg"))


def corpus(n: int, folder: Path) -> Path:
    path = folder / f"synth-{n}.jsonl"
    if not path.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "synthetic_corpus.py"), str(n), str(path), "--seed", "1"], check=True)
    return path


def run(cmd: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [proc, *proc.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.2)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-500:]}")
    return time.perf_counter() - start, peak


def size_of(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def load_rate(out: Path) -> tuple[int, float]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(out.resolve() / "store"))
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    triples = data.count(b"\n")
    with tempfile.TemporaryDirectory() as tmp:
        fresh = ox.Store(tmp)
        start = time.perf_counter()
        fresh.bulk_load(input=data, format=ox.RdfFormat.N_TRIPLES)
        seconds = time.perf_counter() - start
    return triples, triples / seconds


def count_triples(out: Path) -> int:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(out.resolve() / "store"))
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))[0].value)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000])
    ap.add_argument("--modes", nargs="+", default=["1", "2", "dask"])
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kg-bench")
    ap.add_argument("--load-up-to", type=int, default=20000, help="measure the load rate only for graphs of at most this many papers (it holds the whole dump in memory)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}")
    print("| papers | mode | seconds | abstracts/s | peak RSS (MB) | store (MB) | triples | load triples/s |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        source = corpus(n, args.work)
        for mode in args.modes:
            out = args.work / f"graph-{n}-{mode}"
            shutil.rmtree(out, ignore_errors=True)
            cmd = [KG, "build", str(source), "--out", str(out), "--no-extras", "--export", "none"]
            cmd += ["--scheduler", "local", "--jobs", "2"] if mode == "dask" else ["--jobs", mode]
            seconds, peak = run(cmd)
            triples, rate = load_rate(out) if n <= args.load_up_to else (count_triples(out), float("nan"))
            print(f"| {n:,} | {'dask (2 workers)' if mode == 'dask' else f'jobs={mode}'} | {seconds:.1f} | {n / seconds:,.0f} | "
                  f"{peak / 2**20:,.0f} | {size_of(out.resolve() / 'store') / 2**20:,.0f} | {triples:,} | {'-' if rate != rate else f'{rate:,.0f}'} |", flush=True)


if __name__ == "__main__":
    main()
