"""What the build's store load costs as the store grows: CPU seconds of each bulk load, and RocksDB's share.

    python bench/bench_load.py GRAPH.nt --chunk-mb 64 128

The build (`kg.build.BackgroundLoader`) bulk-loads its N-Triples into the store in chunks of
`kg.build.LOAD_BYTES`. This loads an N-Triples file (for instance a built graph's store dumped with
`pyoxigraph`'s `Store.dump`) the same way into an empty store, once per chunk size, and prints for
each chunk the CPU seconds of the whole process during that load (Oxigraph parses in the calling
thread and encodes, sorts and writes the table files in threads of its own, which the build's
`summary.cpu` shows only as what its "extract and load" lap holds beyond its named threads), and
how much of it RocksDB's background threads (`rocksdb:*`, the
compactions of the files each load adds) took. Then the total and the peak RSS of the process
(which holds the whole file; the growth past it is the load's working memory, so give one chunk
size per run to read it). Linux only (/proc).
"""
from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

TICK = os.sysconf("SC_CLK_TCK")
NEWLINE = b"\n"


def rocksdb_cpu() -> float:
    """CPU seconds of this process's RocksDB threads (they live as long as the store)."""
    total = 0.0
    for task in Path("/proc/self/task").iterdir():
        try:
            if task.joinpath("comm").read_text().startswith("rocksdb"):
                fields = task.joinpath("stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / TICK
        except OSError:  # the thread ended
            pass
    return total


def chunks(data: bytes, size: int):
    at = 0
    while at < len(data):
        end = data.find(b"\n", min(at + size, len(data) - 1)) + 1 or len(data)
        yield data[at:end]
        at = end


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("ntriples", type=Path)
    parser.add_argument("--chunk-mb", type=int, nargs="+", default=[64])
    parser.add_argument("--work", type=Path, default=None, help="folder for the temporary stores")
    args = parser.parse_args()
    data = args.ntriples.read_bytes()
    rss_file = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.ntriples}: {len(data) / 2**20:,.0f} MB, {data.count(NEWLINE):,} lines; RSS holding it {rss_file:,.0f} MB")
    for mb in args.chunk_mb:
        with tempfile.TemporaryDirectory(dir=args.work) as tmp:
            store = ox.Store(tmp)
            total = compacting = 0.0
            lines = 0
            for k, chunk in enumerate(chunks(data, mb << 20), start=1):
                cpu, rocks, wall = time.process_time(), rocksdb_cpu(), time.perf_counter()
                store.bulk_load(input=chunk, format=ox.RdfFormat.N_TRIPLES, lenient=True)
                cpu, rocks = time.process_time() - cpu, rocksdb_cpu() - rocks
                total += cpu
                compacting += rocks
                lines += chunk.count(NEWLINE)
                print(f"  {mb} MB chunk {k}: {lines:,} lines loaded; this load {cpu:.2f} CPU s "
                      f"(RocksDB threads {rocks:.2f}), {time.perf_counter() - wall:.2f} s", flush=True)
            cpu = time.process_time()
            store.flush()
            del store  # closing waits for the compactions under way
            closing = time.process_time() - cpu
            total += closing
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{mb} MB chunks: {total:.1f} CPU s, of which RocksDB threads {compacting:.1f} and closing {closing:.1f}; "
              f"peak RSS so far {peak:,.0f} MB", flush=True)


if __name__ == "__main__":
    main()
