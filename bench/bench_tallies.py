"""The build's main-thread tally work alone, as the tally file grows: CPU seconds per 100k papers.

    python bench/bench_tallies.py SOURCE --papers 1000000 --work DIR

What the main thread of `kg build` does per batch with the tallies (`kg.build`: `TallyFile.add`,
`TallyFile.declare`), replayed without extraction, the store or workers. The papers come from a
finished build's tally file (SOURCE, e.g. the 1M benchmark's `tallies.sqlite`, opened read-only):
each paper's concepts in the order that build met them (its `incidence` rows, the concept IRIs from
its `concepts` table), so the number of distinct concepts grows with papers as in a real build.
From each batch of 64 papers the bench makes the `Tally` a worker sends (`Tally.paper` per paper; one
evidence form per minted concept link, its stored label; one result per dataset link, as the writer
adds them) and the shared-line keys (three lines per concept the first time a worker meets it; two
workers take turns and are replaced every 500 batches, as `kg.pool` does). Only the two calls are
timed (`time.thread_time`), per 100k papers, with each flush's share. Ratios between slices are the
measure; the machine's load moves absolute figures.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import sqlite3
import sys
import time
from array import array
from pathlib import Path

from kg.rdf.counts import concept_hash
from kg.rdf.tallies import TALLY_FILE, Tally, TallyFile

BATCH = 64
SLICE = 100_000


def io_gb() -> tuple[float, float]:
    """GB this process read and wrote through system calls (Linux; the source file's reading included)."""
    try:
        fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
        return int(fields["rchar"]) / 1e9, int(fields["wchar"]) / 1e9
    except OSError:
        return 0.0, 0.0


def source_papers(path: Path):
    """(concept IRIs, paper IRI, year) of each paper SOURCE counts, in order; and the minted set, labels."""
    db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    iri = {concept_hash(c): c for (c,) in db.execute("SELECT concept FROM concepts")}
    minted = {c for (c,) in db.execute("SELECT concept FROM minted")}
    labels = dict(db.execute("SELECT concept, label FROM labels"))

    def papers():
        for sizes, hashes, names, years in TallyFile.papers(path):
            sizes, hashes, years = array("q", sizes), array("q", hashes), array("i", years)
            at = 0
            for n, name, year in zip(sizes, names, years):
                yield [iri[h] for h in hashes[at:at + n]], name, year
                at += n
    return papers(), minted, labels


def key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little", signed=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="a finished build's tallies.sqlite (read only)")
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, required=True, help="folder for the new tally file (emptied)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    target = args.work / TALLY_FILE
    target.unlink(missing_ok=True)
    papers, minted, labels = source_papers(args.source)
    rng = random.Random(1)
    tallies = TallyFile(target, appending=False)  # as `kg build` opens a new graph's file
    seen: list[set[str]] = [set(), set()]
    cpu_add = cpu_declare = 0.0
    done, batches, started_wall = 0, 0, time.time()
    print(f"source {args.source}; papers {args.papers:,}; load {os.getloadavg()[0]:.1f}", flush=True)
    print("papers | main-thread CPU s this slice (add ; declare) | GB read ; written this slice | file MB | max RSS MB | wall s",
          flush=True)
    slice_start, io_start = (0.0, 0.0), io_gb()
    while done < args.papers:
        if batches % (500 * 2) == 0:
            seen = [set(), set()]  # a new generation of workers
        worker = seen[batches % 2]
        tally, shared = Tally(), array("q")
        for _ in range(BATCH):
            try:
                concepts, paper, year = next(papers)
            except StopIteration:
                break
            concepts = set(concepts)
            for c in sorted(concepts):  # a set's order differs between processes: the same results in every run
                if c in minted:
                    tally.minted.add(c)
                    tally.forms[(c, labels.get(c, c))] += 1
                if "/concept/dataset/" in c:
                    tally.results.append((f"{paper}/result/{len(tally.results)}", c, 0, round(rng.random(), 6)))
                if c not in worker:
                    worker.add(c)
                    shared.extend(key(f"{c} {i}") for i in range(3))
            tally.paper(concepts, paper, year)
            done += 1
        if not tally.sizes:  # the source holds fewer papers than asked
            break
        batches += 1
        t0 = time.thread_time()
        tallies.add(tally)
        t1 = time.thread_time()
        tallies.declare(shared)
        t2 = time.thread_time()
        cpu_add += t1 - t0
        cpu_declare += t2 - t1
        if done % SLICE < BATCH or done >= args.papers or len(tally.sizes) < BATCH:
            a, d = cpu_add - slice_start[0], cpu_declare - slice_start[1]
            slice_start, io_before, io_start = (cpu_add, cpu_declare), io_start, io_gb()
            print(f"{done:,} | {a + d:.1f} ({a:.1f} ; {d:.1f}) | {io_start[0] - io_before[0]:.1f} ; {io_start[1] - io_before[1]:.1f} | "
                  f"{target.stat().st_size / 2**20:.0f} | "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} | {time.time() - started_wall:.0f}",
                  flush=True)
    t0 = time.thread_time()
    tallies.flush()
    print(f"final flush {time.thread_time() - t0:.1f} CPU s; total add {cpu_add:.1f}, declare {cpu_declare:.1f}; "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    tallies.close()


if __name__ == "__main__":
    sys.exit(main())
