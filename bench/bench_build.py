"""End-to-end build benchmark: abstracts/s from input file to queryable store, peak RSS, store size.

    python bench/bench_build.py --sizes 10000 100000 --modes 1 2 dask --repeats 3

Each run is `kg build FILE --out DIR --no-extras --export none` in a subprocess (the exact command
is printed); the peak RSS is the highest sum over the process and its children (workers and the
Dask scheduler included), sampled every 0.2 s; "CPU s" is the user+system time of the whole process
tree, which other work on a shared machine does not inflate (abstracts per CPU-second times the
free cores is the throughput an idle machine would give). With --repeats, each figure is the median over the
runs. The synthetic corpus comes from bench/synthetic_corpus.py (seed 1; regenerated when the
generator changes). "load triples/s" is a separate measure: the graph's N-Triples bulk-loaded
into an empty store.
"""
from __future__ import annotations

import argparse
import shlex
import statistics
import os
import platform
import resource
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
    generator = ROOT / "bench" / "synthetic_corpus.py"
    if not path.exists() or path.stat().st_mtime < generator.stat().st_mtime:
        subprocess.run([sys.executable, str(ROOT / "bench" / "synthetic_corpus.py"), str(n), str(path), "--seed", "1"], check=True)
    return path


def run(cmd: list[str]) -> tuple[float, int, int, float, float, list[int]]:
    start = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    errors = tempfile.TemporaryFile()  # a file, not a pipe: Dask's logging must never block the build
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors)
    samples: list[tuple[float, int]] = []  # (seconds, RSS of the process tree)
    workers_seen = 0.0  # the last moment worker processes were alive: extraction ends there
    while proc.poll() is None:
        try:
            procs = [proc, *proc.children(recursive=True)]
            # workers only: a spawning pool also starts a resource tracker that lives to the end
            if any("resource_tracker" not in " ".join(p.cmdline()) for p in procs[1:]):
                workers_seen = time.perf_counter() - start
            samples.append((time.perf_counter() - start, sum(p.memory_info().rss for p in procs if p.is_running())))
        except psutil.Error:
            pass
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the whole tree, once it has been waited for
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    peak = max((rss for _, rss in samples), default=0)
    # the peak while papers stream through (the middle fifth of the run): flat if memory does not grow
    mid = max((rss for t, rss in samples if 0.4 * seconds <= t <= 0.6 * seconds), default=peak)
    if proc.returncode:
        errors.seek(0)
        raise SystemExit(f"{' '.join(cmd)} failed: {errors.read().decode(errors='replace')[-500:]}")
    # the peak of each tenth of the run: the memory trend through it
    tenths = [max((rss for t, rss in samples if k * seconds / 10 <= t < (k + 1) * seconds / 10), default=0) for k in range(10)]
    return seconds, peak, mid, cpu, seconds - workers_seen if workers_seen else float("nan"), tenths


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
    """The triple count the build recorded in its manifest (counting a large store again takes minutes)."""
    import json

    return int(json.loads((out.resolve() / "manifest.json").read_text())["triples"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000])
    ap.add_argument("--modes", nargs="+", default=["1", "2", "dask"])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kg-bench")
    ap.add_argument("--load-up-to", type=int, default=20000, help="measure the load rate only for graphs of at most this many papers (it holds the whole dump in memory)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at start")
    print(f"command: python bench/bench_build.py {shlex.join(sys.argv[1:])}")
    print("| papers | mode | seconds | abstracts/s | CPU s | abstracts per CPU-s | after workers s | peak RSS (MB) | mid-run RSS (MB) | store (MB) | triples | load triples/s |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        source = corpus(n, args.work)
        for mode in args.modes:
            out = args.work / f"graph-{n}-{mode}"
            cmd = [KG, "build", str(source), "--out", str(out), "--no-extras", "--export", "none"]
            cmd += ["--scheduler", "local", "--jobs", "2"] if mode == "dask" else ["--jobs", mode]
            print(f"<!-- {shlex.join(['kg', *cmd[1:]])} -->", flush=True)
            runs = []
            for _ in range(args.repeats):
                shutil.rmtree(out, ignore_errors=True)
                shutil.rmtree(out.parent / f".{out.name}.builds", ignore_errors=True)
                runs.append(run(cmd))
            seconds = statistics.median(r[0] for r in runs)
            peak = statistics.median(r[1] for r in runs)
            mid = statistics.median(r[2] for r in runs)
            cpu = statistics.median(r[3] for r in runs)
            after = statistics.median(r[4] for r in runs)
            triples, rate = load_rate(out) if n <= args.load_up_to else (count_triples(out), float("nan"))
            print(f"| {n:,} | {'dask (2 workers)' if mode == 'dask' else f'jobs={mode}'} | {seconds:.1f} | {n / seconds:,.0f} | {cpu:,.0f} | {n / cpu:,.0f} | {after:.1f} | "
                  f"{peak / 2**20:,.0f} | {mid / 2**20:,.0f} | {size_of(out.resolve() / 'store') / 2**20:,.0f} | {triples:,} | {'-' if rate != rate else f'{rate:,.0f}'} |", flush=True)
            print(f"<!-- peak RSS (MB) in each tenth of the run: {', '.join(f'{r / 2**20:,.0f}' for r in runs[-1][5])} -->", flush=True)


if __name__ == "__main__":
    main()
