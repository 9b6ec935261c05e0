"""Extraction throughput: abstracts per second for the tokenizer alone and the full pipeline.

    python bench/bench_extract.py [--papers 2000] [--repeats 3] [--pipeline PATH ...] [--components] [--one-process]

The example corpus is repeated (with distinct ids) up to --papers abstracts; each figure is the
median of --repeats runs in this one process. The one-process rows (the tokenizer and each
pipeline) run in turn, once each per round, so that a round's rows share the machine's load, and
each pipeline's CPU time over the tokenizer's is also printed round by round: the ratios between
rows are measured together. --one-process leaves out the rows with worker processes.
The CPU column is this process's CPU time (time.process_time), steadier than wall-clock time on a
shared machine; with n_process=2 the work is in the child processes, so it is not given.

Rows with two processes: `extract(n_process=2)` (worker processes that each run the whole pipeline
and send back extractions; its start-up, loading the pipeline in each worker, is timed apart on two
abstracts) and, for comparison, spaCy's `nlp.pipe(n_process=2)` with the resolver in the parent,
which receives every Doc whole.

With --pipeline given more than once, the first pipeline gets all the rows and each other one a
row in one process (and its ratio to the tokenizer), all measured in this one run.

With --components, only where one process's time goes: the CPU time of the tokenizer, of each
component, of the resolver and of a trained pipeline's finisher (the step after the resolver,
where the entity judge decides, split into its keep model and its proposals), each over a batch
of 64 docs in a row as `extract` runs them (the best of --repeats passes), in units of the
tokenizer's time; steadier than the rows above on a loaded machine. In the same passes, the tokenizer alone over all texts and the
whole `extract` are timed as the one-process rows time them, and every part is also given in units
of the tokenizer alone, the unit of the whole-pipeline ratio.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from copy import deepcopy
from dataclasses import replace
from pathlib import Path

from kg.extract import _settings, build_nlp, extract
from kg.extract.learned import finisher
from kg.extract.resolve import resolver
from kg.ingest import read_papers
from kg.paths import DEFAULT_PIPELINE

ROOT = Path(__file__).resolve().parent.parent
BATCH = 64  # extract()'s batch: each component runs over a batch of docs in a row


def corpus(n: int):
    base = list(read_papers([ROOT / "examples" / "corpus"]))
    return [replace(base[i % len(base)], id=f"bench-{i}") for i in range(n)]


def timed(fn, repeats: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of `repeats` runs."""
    return timed_in_turn([fn], repeats)[0][:2]


def timed_in_turn(fns: list, repeats: int) -> list[tuple[float, float, list[float]]]:
    """For each function: the median wall-clock and CPU seconds of `repeats` runs, and its CPU time
    over the first function's, run by run. The functions run in turn, once each per round, so that
    the rows of a round share the machine's load of the moment (on a shared machine the tokenizer
    timed first and the pipelines a minute later saw different loads, and their ratio moved by half
    from one run to the next)."""
    wall: list[list[float]] = [[] for _ in fns]
    cpu: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            wall[k].append(time.perf_counter() - start)
            cpu[k].append(time.process_time() - start_cpu)
    return [(statistics.median(w), statistics.median(c), [a / b for a, b in zip(c, cpu[0])]) for w, c in zip(wall, cpu)]


def component_times(nlp, papers, repeats: int) -> None:
    resolve = resolver(*_settings(nlp))
    finish = finisher(nlp)  # a trained pipeline's step after the resolver (the entity judge)
    names = ["tokenizer", *nlp.pipe_names, "resolver", *(["finisher"] if finish else [])]
    # the entity judge's two halves: keeping or dropping the rules' entities, and proposing and
    # typing phrases the rules missed (its add model); the latter is the finisher's time minus a
    # second pass, on a copy of each extraction, with the add model switched off
    judge = getattr(finish, "__self__", None)
    proposes = any(v <= 1 for v in getattr(judge, "add_above", {}).values())
    components = [component for _, component in nlp.pipeline]
    clock = time.thread_time_ns
    best = None
    # in the same passes, the tokenizer alone over all texts and the whole extract() as the rows of
    # the one-process mode time them: the tokenizer inside the pipeline is slower than alone (the
    # components' work between two batches evicts its data from the processor's caches), so the
    # parts, in units of the tokenizer inside, sum to less than the whole in units of the tokenizer alone
    texts = [paper.text for paper in papers]
    [nlp.make_doc(text) for text in texts]  # the first pass fills the tokenizer's cache and the vocab for all the others
    alone = whole = None
    for _ in range(repeats):
        start = clock()
        [nlp.make_doc(text) for text in texts]
        start, now = clock(), clock() - start
        alone = now if alone is None else min(alone, now)
        list(extract(papers, nlp=nlp, n_process=1, batch_size=64))
        now = clock() - start
        whole = now if whole is None else min(whole, now)
        spent = [0] * (len(names) + proposes)
        for k in range(0, len(papers), BATCH):
            batch = papers[k : k + BATCH]
            start = clock()
            docs = [nlp.make_doc(paper.text) for paper in batch]
            now = clock()
            spent[0] += now - start
            for j, component in enumerate(components, 1):
                docs = [component(doc) for doc in docs]
                start, now = now, clock()
                spent[j] += now - start
            extractions = [resolve(doc, paper) for doc, paper in zip(docs, batch)]
            start, now = now, clock()
            spent[len(components) + 1] += now - start
            if proposes:
                copies, add_above = deepcopy(extractions), judge.add_above
                judge.add_above = dict.fromkeys(add_above, 1.01)  # (a probability never reaches it)
                start = clock()
                for doc, copy in zip(docs, copies):
                    finish(doc, copy)
                spent[-1] += clock() - start
                judge.add_above = add_above
                now = clock()
            if finish is not None:
                for doc, extraction in zip(docs, extractions):
                    finish(doc, extraction)
                spent[len(names) - 1] += clock() - now
        best = spent if best is None else list(map(min, best, spent))
    print(f"{len(papers)} abstracts, best of {repeats} passes, each part over a batch of {BATCH} in a row as extract() runs them\n")
    print("| part | CPU s | x tokenizer (inside the pipeline) | x tokenizer alone |")
    print("|---|---:|---:|---:|")
    rows = [*zip(names, best), ("sum", sum(best[: len(names)]))]
    if proposes:
        keep_only = best[-1]
        rows[-1:-1] = [("finisher: keep model (the rules' entities)", keep_only),
                       ("finisher: proposals and add model (finisher minus keep model)", best[len(names) - 1] - keep_only)]
    rows += [("tokenizer alone (one pass over all texts)", alone), ("whole extract(), one process", whole)]
    for name, ns in rows:
        print(f"| {name} | {ns / 1e9:.3f} | {ns / best[0]:.2f} | {ns / alone:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--pipeline", action="append", help="A config file or trained pipeline folder (repeatable).")
    ap.add_argument("--components", action="store_true", help="Only the time of each component of the first pipeline.")
    ap.add_argument("--one-process", action="store_true", help="Only the one-process rows (no worker processes).")
    args = ap.parse_args()
    papers = corpus(args.papers)
    texts = [p.text for p in papers]
    pipelines = args.pipeline or [str(DEFAULT_PIPELINE)]
    nlp = build_nlp(pipelines[0])
    if args.components:
        return component_times(nlp, papers, args.repeats)
    others = [(path, build_nlp(path)) for path in pipelines[1:]]
    # a first pass of each pipeline's tokenizer fills its cache and the vocab: without it the first
    # round timed a colder tokenizer than the others, and its ratios read ~20% lower
    for pipeline in [nlp, *(other for _, other in others)]:
        [pipeline.make_doc(x) for x in texts]
    # the one-process rows, in turn in each round: the tokenizer, the first pipeline, the others
    in_turn = timed_in_turn(
        [lambda: [nlp.make_doc(x) for x in texts],
         lambda: list(extract(papers, nlp=nlp, n_process=1, batch_size=64)),
         *(lambda other=other: list(extract(papers, nlp=other, n_process=1, batch_size=64)) for _, other in others)],
        args.repeats)
    names = ["tokenizer only, 1 process", "full pipeline, n_process=1",
             *(f"full pipeline {Path(path).name}, n_process=1" for path, _ in others)]
    rows = [(name, wall, cpu) for name, (wall, cpu, _) in zip(names, in_turn)]
    if not args.one_process:
        rows.append(("full pipeline, n_process=2 (worker processes)",
                     *timed(lambda: list(extract(papers, nlp=nlp, n_process=2, batch_size=64)), args.repeats)))
        start_up = timed(lambda: list(extract(papers[:2], nlp=nlp, n_process=2)), args.repeats)[0]
        resolve = resolver(*_settings(nlp))
        spacy_pipe = lambda: [resolve(doc, p) for doc, p in nlp.pipe(((p.text, p) for p in papers), as_tuples=True,  # noqa: E731
                                                                      n_process=2, batch_size=64)]
        rows.append(("spaCy nlp.pipe, n_process=2, resolver in the parent", *timed(spacy_pipe, args.repeats)))
    print(f"pipelines: {', '.join(pipelines)}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{args.papers} abstracts, median of {args.repeats} runs\n")
    print("| what | seconds | abstracts/s | abstracts/s per core | CPU s |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds, cpu in rows:
        cores = 2 if "n_process=2" in name else 1
        rate = args.papers / seconds
        cpu_cell = f"{cpu:.2f}" if cores == 1 else "-"
        print(f"| {name} | {seconds:.2f} | {rate:,.0f} | {rate / cores:,.0f} | {cpu_cell} |")
    # the rows of one round ran together: their ratio compares code versions when the machine's speed varies
    for (name, seconds, cpu), (_, _, by_round) in list(zip(rows, in_turn))[1:]:
        rounds = ", ".join(f"{r:.1f}x" for r in by_round)
        print(f"{name} / tokenizer: {seconds / rows[0][1]:.1f}x (CPU: {cpu / rows[0][2]:.1f}x; CPU round by round: {rounds})")
    if not args.one_process:
        steady = args.papers / (rows[len(in_turn)][1] - start_up)
        print(f"n_process=2: worker start-up {start_up:.2f} s; after it {steady:,.0f} abstracts/s ({steady / 2:,.0f} per core)")


if __name__ == "__main__":
    main()
