"""End-to-end build benchmark: abstracts/s from input file to queryable store, peak RSS, store size.

    python bench/bench_build.py --sizes 10000 100000 --modes 1 2 dask --repeats 3
    python bench/bench_build.py --sizes 20000 100000 --modes core default --cap 900 --append 1000

Modes 1, 2 and dask run `kg build FILE --out DIR --no-extras --export none` with --jobs 1, --jobs 2
or a local Dask cluster. Mode "default" is the command exactly as a user types it,
`kg build FILE --out DIR` (all cores, Turtle export, report and HTML view); mode "core" is that
command with `--no-extras --export none`. Each row has beside it the rate of the blank spaCy
tokenizer (`spacy.blank("en")`, one core, over the first 5,000 abstracts of the same file) measured
just before the build, so the ratio holds while the machine's speed moves. A run longer than --cap
seconds (or holding more than --rss-cap MB) is stopped; its row then says which stages had finished (the build prints a line per
finished stage when its output is not a terminal). --append N adds N further synthetic papers (the
same generator, continued) to the largest core graph with `--append --no-extras --export none`,
and compares the time with that graph's build.

Each run is `kg build FILE --out DIR --no-extras --export none` in a subprocess (the exact command
is printed); the peak RSS is the highest sum over the process and its children (workers and the
Dask scheduler included), sampled every 0.2 s; "CPU s" is the user+system time of the whole process
tree, which other work on a shared machine does not inflate (abstracts per CPU-second times the
free cores is the throughput an idle machine would give). With --repeats, each figure is the median over the
runs. `--pipeline P` passes `--pipeline P` to every build (pipelines/default.cfg: the rules alone, the
fast configuration). After each row, the build's own CPU split (its manifest's `summary.cpu`): the
workers' extraction and serialisation, each thread of the main process while papers stream (reading
and feeding, loading the store, writing the Turtle), then the counts, report and view. The synthetic corpus comes from bench/synthetic_corpus.py (seed 1; regenerated when the
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


def run(cmd: list[str], cap: float | None = None, rss_cap: float | None = None) -> tuple[float, int, int, float, float, list[int], str, bool]:
    start = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    errors = tempfile.TemporaryFile()  # a file, not a pipe: Dask's logging must never block the build
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors)
    samples: list[tuple[float, int]] = []  # (seconds, RSS of the process tree)
    workers_seen = 0.0  # the last moment worker processes were alive: extraction ends there
    capped = False
    while proc.poll() is None:
        try:
            procs = [proc, *proc.children(recursive=True)]
            # workers only: a spawning pool also starts a resource tracker that lives to the end
            if any("resource_tracker" not in " ".join(p.cmdline()) for p in procs[1:]):
                workers_seen = time.perf_counter() - start
            samples.append((time.perf_counter() - start, sum(p.memory_info().rss for p in procs if p.is_running())))
            if (cap and time.perf_counter() - start > cap) or (rss_cap and samples[-1][1] > rss_cap * 2**20):
                capped = True
                for p in reversed(procs):
                    p.kill()
        except psutil.Error:
            pass
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the whole tree, once it has been waited for
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    peak = max((rss for _, rss in samples), default=0)
    # the peak while papers stream through (the middle fifth of the run): flat if memory does not grow
    mid = max((rss for t, rss in samples if 0.4 * seconds <= t <= 0.6 * seconds), default=peak)
    errors.seek(0)
    stderr = errors.read().decode(errors="replace")
    if proc.returncode and not capped:
        raise SystemExit(f"{' '.join(cmd)} failed: {stderr[-500:]}")
    # the peak of each tenth of the run: the memory trend through it
    tenths = [max((rss for t, rss in samples if k * seconds / 10 <= t < (k + 1) * seconds / 10), default=0) for k in range(10)]
    return seconds, peak, mid, cpu, seconds - workers_seen if workers_seen else float("nan"), tenths, stderr, capped


def tokenizer_rate(source: Path, n: int = 5000) -> float:
    """Abstracts per second of the blank spaCy tokenizer on one core (median of three passes); its
    rate per CPU-second of the same passes is left in TOKENIZER_CPU_RATE."""
    import json

    import spacy

    texts = []
    with open(source, encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["abstract"])
            if len(texts) == n:
                break
    nlp = spacy.blank("en")
    times, cpu = [], []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        for text in texts:
            nlp.make_doc(text)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    TOKENIZER_CPU_RATE.append(len(texts) / statistics.median(cpu))
    return len(texts) / statistics.median(times)


# A loaded machine gives the build and the tokenizer different shares of its cores, so the wall-clock
# ratio moves with the load. The CPU basis does not: what two free cores would give if the build kept
# both busy (2 × papers per CPU-second of the process tree), over the tokenizer's papers per CPU-second.
TOKENIZER_CPU_RATE: list[float] = []


def stage_lines(stderr: str) -> str:
    """The build's one line per finished stage, shortened: 'reading and extracting 60.1 s; ...'."""
    import re

    found = re.findall(r"^([a-z ]+)(?::[^\n]*)? in ([\d.]+) s$", stderr, re.M)
    return "; ".join(f"{name} {secs} s" for name, secs in found)


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


def command(mode: str, source: Path, out: Path, pipeline: str | None = None) -> list[str]:
    cmd = [KG, "build", str(source), "--out", str(out)] + (["--pipeline", pipeline] if pipeline else [])
    if mode == "default":
        return cmd  # exactly as a user types it
    cmd += ["--no-extras", "--export", "none"]
    if mode == "core":
        return cmd
    return cmd + (["--scheduler", "local", "--jobs", "2"] if mode == "dask" else ["--jobs", mode])


def cpu_split(out: Path) -> str:
    """CPU seconds by part of the build, as its manifest records them (`BuildSummary.cpu`)."""
    import json

    cpu = json.loads((out.resolve() / "manifest.json").read_text())["summary"].get("cpu", {})
    return "; ".join(f"{name} {secs:.1f}" for name, secs in cpu.items())


def label(mode: str) -> str:
    return {"dask": "dask (2 workers)", "default": "`kg build`", "core": "`--no-extras --export none`"}.get(mode, f"jobs={mode}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000])
    ap.add_argument("--modes", nargs="*", default=["1", "2", "dask"], help="1, 2, dask, core, default (none: only --append)")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kg-bench")
    ap.add_argument("--load-up-to", type=int, default=20000, help="measure the load rate only for graphs of at most this many papers (it holds the whole dump in memory)")
    ap.add_argument("--cap", type=float, default=None, help="stop a run after this many seconds and say how far it got")
    ap.add_argument("--rss-cap", type=float, default=None, help="stop a run whose process tree holds more than this many MB")
    ap.add_argument("--append", type=int, default=0, help="then append this many new papers to the largest core graph")
    ap.add_argument("--pipeline", help="the builds' --pipeline (default: the command's own default pipeline)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at start")
    print(f"command: python bench/bench_build.py {shlex.join(sys.argv[1:])}")
    print("| papers | command | seconds | abstracts/s | tokenizer abstracts/s (same run) | × tokenizer | CPU s | peak RSS, process tree (MB) | mid-run RSS (MB) "
          "| store (MB) | store KB/paper | triples | triples/paper | load triples/s | stages |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    built: dict[int, float] = {}
    for n in args.sizes:
        source = corpus(n, args.work)
        for mode in args.modes:
            out = args.work / f"graph-{n}-{mode}"
            cmd = command(mode, source, out, args.pipeline)
            print(f"<!-- {shlex.join(['kg', *cmd[1:]])} -->", flush=True)
            runs, tokenizer = [], []
            for _ in range(args.repeats):
                shutil.rmtree(out, ignore_errors=True)
                shutil.rmtree(out.parent / f".{out.name}.builds", ignore_errors=True)
                tokenizer.append(tokenizer_rate(source))
                runs.append(run(cmd, args.cap, args.rss_cap))
            seconds = statistics.median(r[0] for r in runs)
            peak = statistics.median(r[1] for r in runs)
            mid = statistics.median(r[2] for r in runs)
            cpu = statistics.median(r[3] for r in runs)
            tok = statistics.median(tokenizer)
            stages, capped = runs[-1][6], runs[-1][7]
            if capped:
                print(f"| {n:,} | {label(mode)} | **stopped at {seconds:.0f}** | - | {tok:,.0f} | - | {cpu:,.0f} | {peak / 2**20:,.0f} | {mid / 2**20:,.0f} "
                      f"| - | - | - | - | - | finished: {stage_lines(stages) or 'none'} |", flush=True)
                continue
            if mode == "core":
                built[n] = seconds
            triples, rate = load_rate(out) if n <= args.load_up_to else (count_triples(out), float("nan"))
            store = size_of(out.resolve() / "store")
            print(f"| {n:,} | {label(mode)} | {seconds:.1f} | {n / seconds:,.0f} | {tok:,.0f} | {n / seconds / tok:.3f} | {cpu:,.0f} | "
                  f"{peak / 2**20:,.0f} | {mid / 2**20:,.0f} | {store / 2**20:,.0f} | {store / n / 1024:.1f} | {triples:,} | {triples / n:.0f} | "
                  f"{'-' if rate != rate else f'{rate:,.0f}'} | {stage_lines(stages)} |", flush=True)
            print(f"<!-- peak RSS (MB) in each tenth of the run: {', '.join(f'{r / 2**20:,.0f}' for r in runs[-1][5])} -->", flush=True)
            print(f"<!-- CPU seconds by part: {cpu_split(out)} -->", flush=True)
            tok_cpu = statistics.median(TOKENIZER_CPU_RATE[-args.repeats:])
            print(f"<!-- CPU basis: {n / cpu:,.0f} papers per CPU-second of the process tree, tokenizer {tok_cpu:,.0f} per CPU-second: "
                  f"two busy cores would give {2 * n / cpu / tok_cpu:.3f}x the tokenizer -->", flush=True)
    if args.append and not built:  # a core graph of an earlier run: its build time from its manifest
        import json

        for n in args.sizes:
            manifest = args.work / f"graph-{n}-core" / "manifest.json"
            if manifest.exists():
                built[n] = json.loads(manifest.read_text())["summary"]["seconds"]
                print(f"\n(the {n:,}-paper core graph of an earlier run, built in {built[n]:.1f} s by its manifest)")
    if args.append and built:
        n = max(built)
        out = args.work / f"graph-{n}-core"
        more = args.work / f"synth-{n}+{args.append}.jsonl"
        # the generator continued: the first n records of n + k are the n already built
        full = corpus(n + args.append, args.work)
        with open(full, encoding="utf-8") as src, open(more, "w", encoding="utf-8") as dst:
            for i, line in enumerate(src):
                if i >= n:
                    dst.write(line)
        cmd = [KG, "build", str(more), "--out", str(out), "--append", "--no-extras", "--export", "none"]
        cmd += ["--pipeline", args.pipeline] if args.pipeline else []
        print(f"\n<!-- {shlex.join(['kg', *cmd[1:]])} -->")
        tok = tokenizer_rate(more)
        seconds, peak, _, cpu, _, _, stages, _ = run(cmd)
        print(f"append {args.append:,} papers to the {n:,}-paper graph: {seconds:.1f} s ({seconds / built[n]:.1%} of its "
              f"{built[n]:.1f} s build), peak RSS {peak / 2**20:,.0f} MB, tokenizer {tok:,.0f} abstracts/s; "
              f"stages: {stage_lines(stages)}", flush=True)


if __name__ == "__main__":
    main()
