"""Where a build's memory goes: the default command run in this process with a sampler beside it.

    python bench/build_memory.py trace.jsonl FILE --out DIR [kg build options]   # writes the samples
    python bench/build_memory.py --summary trace.jsonl [SECONDS]                  # min/max per window

Every --every seconds (env INTERVAL, 5) a JSON line: the RSS of this process (the build's main
process) and of each child (extraction workers, the resource tracker), glibc's `mallinfo2()` of this
process (heap held, in use, free but held, mmapped: native memory, RocksDB's and SQLite's included),
and with TRACE=1 (the default) tracemalloc's traced total, what Python itself allocated. RSS less the
traced total is native. With TRACE=1 a line "SNAP {...}" every SNAP_EVERY seconds (240) holds the 15
source lines that hold the most Python memory. bench_build.py sums the tree; this tells its parts apart.
"""
from __future__ import annotations

import ctypes
import json
import os
import sys
import threading
import time
import tracemalloc


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def _mallinfo():
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        return libc.mallinfo2
    except (OSError, AttributeError):  # not glibc, or older than 2.33
        return None


def sample(log, started: float, trace: bool, every: float, snap_every: float, done: threading.Event) -> None:
    import psutil

    me, mallinfo, last_snap = psutil.Process(), _mallinfo(), 0.0
    while not done.is_set():
        t = time.perf_counter() - started
        row = {"t": round(t, 1), "main": me.memory_info().rss >> 20, "children": []}
        for child in me.children(recursive=True):
            try:
                kind = "tracker" if "resource_tracker" in " ".join(child.cmdline()) else "worker"
                row["children"].append([child.pid, child.memory_info().rss >> 20, kind])
            except psutil.Error:
                pass
        row["tree"] = row["main"] + sum(c[1] for c in row["children"])
        if mallinfo:
            m = mallinfo()
            row.update(malloc_arena=m.arena >> 20, malloc_inuse=m.uordblks >> 20, malloc_free=m.fordblks >> 20,
                       malloc_mmap=m.hblkhd >> 20)
        if trace:
            row["traced"] = tracemalloc.get_traced_memory()[0] >> 20
        log.write(json.dumps(row) + "\n")
        if trace and t - last_snap >= snap_every:
            last_snap = t
            top = tracemalloc.take_snapshot().statistics("lineno")[:15]
            log.write("SNAP " + json.dumps({"t": round(t, 1), "top": [[str(s.traceback[0]), s.size >> 10, s.count] for s in top]}) + "\n")
        done.wait(every)


def summary(path: str, window: float = 120.0) -> None:
    rows = [json.loads(line) for line in open(path) if line.startswith("{")]
    keys = ["main", "tree", "traced", "malloc_inuse", "malloc_free", "malloc_mmap"]
    for k in range(int(rows[-1]["t"] // window) + 1):
        part = [r for r in rows if k * window <= r["t"] < (k + 1) * window]
        if not part:
            continue
        workers = max((c[1] for r in part for c in r["children"] if c[2] == "worker"), default=0)
        cells = [f"{key} {min(r[key] for r in part)}/{max(r[key] for r in part)}" for key in keys if key in part[0]]
        print(f"{k * window:6.0f}-{(k + 1) * window:.0f} s: " + ", ".join(cells) + f", each worker up to {workers} (MB, min/max)")


def main() -> None:
    if sys.argv[1] == "--summary":
        summary(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 120.0)
        return
    trace = os.environ.get("TRACE", "1") == "1"
    if trace:
        tracemalloc.start(1)
    done, started = threading.Event(), time.perf_counter()
    with open(sys.argv[1], "w", buffering=1) as log:
        sampler = threading.Thread(target=sample, daemon=True, args=(
            log, started, trace, float(os.environ.get("INTERVAL", "5")), float(os.environ.get("SNAP_EVERY", "240")), done))
        sampler.start()
        sys.argv = ["kg", "build", *sys.argv[2:]]
        from kg.cli import app

        try:
            app()
        except SystemExit as exc:
            code = exc.code
        else:
            code = 0
        finally:
            done.set()
            sampler.join()
            log.write(f"END {time.perf_counter() - started:.1f}\n")
    sys.exit(code)


if __name__ == "__main__":  # the workers are spawned: they import this module and must not build
    main()
