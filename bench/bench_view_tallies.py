"""CPU of the field map `kg build` writes (shared papers from the build's tallies) against the one
`kg viz` draws from the store, on the same built graph, in one process, with the blank tokenizer's
rate of the same run.

    python bench/synthetic_corpus.py 20000 c.jsonl && kg build c.jsonl --out g --no-extras --export none
    python bench/bench_view_tallies.py g c.jsonl [--repeats 3]

Prints the medians (and every run) of `make_view` from the store and with `tallied=True`, alternated,
then of the shared-paper counts alone (`shared_papers` against `shared_papers_tallied`, which must agree).
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from itertools import islice
from pathlib import Path

import kg.viz.fieldmap as fm
from kg.analyse.incidence import tallies_of
from kg.store import open_store, resolve
from kg.viz.make import make_view


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("graph", type=Path)
    ap.add_argument("corpus", type=Path, help="the graph's JSON lines (its first 5,000 abstracts time the tokenizer)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    import spacy

    nlp = spacy.blank("en")
    with args.corpus.open() as f:
        texts = [json.loads(line).get("abstract", "") for line in islice(f, 5000)]
    started = time.process_time()
    for text in texts:
        nlp(text)
    print(f"blank tokenizer: {len(texts) / (time.process_time() - started):,.0f} abstracts per CPU-s")

    tallies = tallies_of(resolve(args.graph))
    if tallies is None:
        raise SystemExit(f"{args.graph}: its tallies do not describe its store (changed after the build?)")
    kept: list[list[str]] = []
    counted = fm.shared_papers_tallied
    fm.shared_papers_tallied = lambda path, entities: kept.append(list(entities)) or counted(path, entities)
    views = {"store": [], "tallies": []}
    for _ in range(args.repeats):
        for name, tallied in (("store", False), ("tallies", True)):
            started = time.process_time()
            make_view(args.graph, tallied=tallied)
            views[name].append(time.process_time() - started)
    fm.shared_papers_tallied = counted

    store, pairs = open_store(args.graph), {"store": [], "tallies": []}
    for _ in range(args.repeats):
        started = time.process_time()
        from_store = fm.shared_papers(store, kept[0])
        pairs["store"].append(time.process_time() - started)
        started = time.process_time()
        from_tallies = fm.shared_papers_tallied(tallies, kept[0])
        pairs["tallies"].append(time.process_time() - started)
        assert from_store == from_tallies, "the tallies and the store count different shared papers"
    for what, runs in (("view (make_view)", views), ("shared papers alone", pairs)):
        print(f"{what}: store {statistics.median(runs['store']):.3f} CPU-s, tallies "
              f"{statistics.median(runs['tallies']):.3f} CPU-s (medians of {args.repeats}; store "
              f"{[round(x, 3) for x in runs['store']]}, tallies {[round(x, 3) for x in runs['tallies']]})")
    print(f"{len(kept[0])} entities kept, {len(from_store)} pairs")


if __name__ == "__main__":
    main()
