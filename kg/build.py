"""Build a graph folder from input files: ingest -> extract -> rdf -> store -> exports -> report.

Everything streams: papers are read lazily, extracted in batches (optionally in several processes),
turned into quads and bulk-loaded into the store chunk by chunk. The whole build happens in a
staging folder that replaces the previous build in one atomic step (see `kg.store.staged_build`).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import __version__
from kg.errors import KgError
from kg.faults import pause_point
from kg.ingest import check_format, check_some_files, expand, read_papers
from kg.model import ENTITY_TYPES, Extraction, Paper, check_min_confidence
from kg.paths import DEFAULT_PIPELINE, ONTOLOGY_DIR, VOCAB_DIR
from kg.query import mentions
from kg.rdf.counts import materialise_counts
from kg.rdf.segment import WORDS_FILE
from kg.rdf.tallies import TALLY_FILE, TallyFile
from kg.rdf.triples import finalise_labels
from kg.pool import batched, ordered_map
from kg.shard import SHARED_SUBJECTS, ShardStats, init_worker, line_key, process_batch, serialise, without_repeats
from kg.progress import stage as progress_stage
from kg.store import (
    EXPORT_FORMATS, MANIFEST, PREFIX_MAP, STORE_DIR, check_export_format, check_export_target, checkpoint_store,
    dangling_graph, export, read_manifest, staged_build, store_as_built, store_files,
)
from kg.outputs import atomic_file

log = logging.getLogger("kg.build")
LOAD_BYTES = 64 << 20  # N-Triples per bulk load: large enough to be fast, small enough to keep memory flat
# How the store's loader and the Turtle export read the N-Triples the build writes itself
# (kg.rdf.triples): every IRI there is minted valid (kg.rdf.mint, kg.ids) or comes from the ontology
# files, which are parsed strictly, and every literal is escaped as the grammar requires, so the
# parser skips checking each IRI again (half its time). Files given by a user are never read so.
OWN_NTRIPLES = {"format": ox.RdfFormat.N_TRIPLES, "lenient": True}
IDENTIFIER = ox.NamedNode("http://purl.org/dc/terms/identifier")
PAPER = ox.NamedNode("https://w3id.org/kg-lit/ontology#Paper")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
# distinct concepts per type that papers link to; a concept IRI's type is the path segment after kgc:
CONCEPTS_PER_TYPE = """SELECT ?t (COUNT(DISTINCT ?c) AS ?n) WHERE {
  %s BIND(STRBEFORE(STRAFTER(STR(?c), "%%s"), "/") AS ?t)
} GROUP BY ?t""" % mentions("?p", "?c")


@dataclass
class BuildSummary:
    out: str
    papers: int = 0
    skipped_existing: int = 0
    # input records left out as repeats of a paper read before them (same title, arXiv id or DOI):
    # told, since a second record with other content is dropped (the first reading is kept)
    repeats: int = 0
    entities: dict[str, int] = field(default_factory=dict)  # distinct concepts per type linked in the graph
    links: dict[str, int] = field(default_factory=dict)  # paper-entity links per type
    results: int = 0
    triples: int = 0
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage of the build, in order
    # CPU seconds by part: the workers' extraction and serialisation, then each thread of this
    # process during extraction, and this process's CPU in each later stage (where a build's time goes)
    cpu: dict[str, float] = field(default_factory=dict)
    exports: list[str] = field(default_factory=list)


def export_names(values: Iterable[str]) -> list[str]:
    """The RDF files a build writes, from the `--export` values: names may be repeated or given
    comma-separated. graph.ttl is always written, and each name adds a file, unless `none` is among
    them: `none` alone writes no RDF file, `none,ntriples` writes only graph.nt. Unknown names are
    refused here, before any work."""
    names = [n.strip().lower() for v in values for n in v.split(",") if n.strip()]
    for name in names:
        if name != "none":
            check_export_format(name)
    chosen = [n for n in names if n != "none"]
    if "none" not in names:
        chosen.insert(0, "turtle")
    return list(dict.fromkeys(chosen))


def ontology_files() -> list[Path]:
    return [ONTOLOGY_DIR / "kg.ttl", *sorted(VOCAB_DIR.glob("*.ttl"))]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _pipeline_sha256(pipeline: Path) -> str | None:
    """The hash of a pipeline config file, or of a trained pipeline folder's files (config,
    weights, calibration) taken in order of their paths."""
    if pipeline.is_file():
        return _sha256(pipeline)
    if not pipeline.is_dir():
        return None
    h = hashlib.sha256()
    for path in sorted(p for p in pipeline.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(pipeline)).encode("utf-8") + b"\0" + _sha256(path).encode("ascii"))
    return h.hexdigest()


def _in_store(store: ox.Store, paper_id: str) -> bool:
    """Whether the store already holds a paper with this id: an index lookup (~20 µs), so an append
    does not keep every id of the graph in a Python set."""
    for quad in store.quads_for_pattern(None, IDENTIFIER, ox.Literal(paper_id), ox.DefaultGraph()):
        if ox.Quad(quad.subject, RDF_TYPE, PAPER, ox.DefaultGraph()) in store:
            return True
    return False


def _seed_append(current: Path, stage: Path) -> bool:
    """Start an append from the current build without copying its store: a checkpoint of the store
    (hard links to its table files) when the store is as the build that made it left it, a full copy
    otherwise (a store written outside kg may hold writes only in its log, which a checkpoint of a
    read-only store leaves out). The small files are copied, never linked: SQLite and the manifest
    are written in place. Exports, report and view are left behind: this build writes its own.
    Returns whether the store was as its build left it."""
    with progress_stage("copying the previous graph"):
        previous = read_manifest(current) if (current / MANIFEST).exists() else {}  # a broken one: one line
        as_built = store_as_built(current, previous)
        if as_built:
            checkpoint_store(current / STORE_DIR, stage / STORE_DIR)
        else:
            shutil.copytree(current / STORE_DIR, stage / STORE_DIR)
        for name in (MANIFEST, TALLY_FILE):
            if (current / name).exists():
                shutil.copy2(current / name, stage / name)
    return as_built


def _tallies_hold(stage: Path, previous: dict | None, store_as_built: bool) -> bool:
    """Whether this build can count with tallies: always for a new graph; for an append, when the
    previous build kept them and its store is as that build left it (the same files, of the same
    sizes: `store_files`). A store changed since (through a writable endpoint, say) or built before
    these tallies were kept has its counts recomputed from the store instead, and no longer keeps a
    tally file. Merely opening the store for writing counts as a change: the append is then slower,
    never wrong."""
    path = stage / TALLY_FILE
    if not previous:
        return True
    if TallyFile.current(path) and store_as_built:
        return True
    path.unlink(missing_ok=True)
    return False


def _papers_in(store: ox.Store) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, RDF_TYPE, PAPER, ox.DefaultGraph()))


def _concepts_per_type(store: ox.Store) -> dict[str, int]:
    from kg.rdf.namespaces import KGC

    counts = {str(r[0].value): int(r[1].value) for r in store.query(CONCEPTS_PER_TYPE % KGC)}
    return {t: counts.get(t, 0) for t in ENTITY_TYPES}


def _libc_malloc_trim() -> Callable[[int], int] | None:
    import ctypes

    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


_MALLOC_TRIM = _libc_malloc_trim()


def release_free_memory() -> None:
    """Hands the memory the C allocator holds free back to the system. Each bulk load allocates and
    frees hundreds of MB in the loader thread's own glibc arena, which `free` keeps for reuse: over a
    long build the freed-but-held part grew with papers (bench/build_memory.py); trimming after each
    load keeps the process's floor flat."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


class BackgroundLoader:
    """Bulk-loads N-Triples chunks in a thread (Oxigraph releases the GIL while it loads), so the
    main thread keeps feeding the extraction workers instead of waiting on each load."""

    def __init__(self, store: ox.Store, progress=None) -> None:
        import queue
        import threading

        self.store = store
        self.progress = progress  # a kg.progress stage, advanced by the triples of each chunk loaded
        self.chunks: queue.Queue = queue.Queue(maxsize=2)  # two chunks waiting at most: flat memory
        self.error: BaseException | None = None
        self.cpu = 0.0  # CPU seconds of the loading thread
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.thread_time()
        try:
            self._load()
        finally:
            self.cpu = time.thread_time() - started

    def _load(self) -> None:
        while (item := self.chunks.get()) is not None:
            if self.error is None:
                chunk, lines = item
                try:
                    self.store.bulk_load(input=chunk, **OWN_NTRIPLES)
                except BaseException as exc:  # re-raised in the building thread
                    self.error = exc
                    continue
                release_free_memory()
                if self.progress:
                    self.progress.advance(lines)
                pause_point("load")

    def put(self, chunk: bytes, lines: int) -> None:
        if self.error is not None:
            raise self.error
        self.chunks.put((chunk, lines))

    def __enter__(self) -> "BackgroundLoader":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.chunks.put(None)
        self.thread.join()
        self.store = None  # the store closes when the build lets it go
        if self.error is not None and exc[0] is None:
            raise self.error


class StreamedExport:
    """The Turtle export of a new graph, written in a thread from the same triples the store is given
    (the ontology, each N-Triples chunk as it is loaded, the derived triples) instead of dumped from
    the finished store: reading a store back costs several times the CPU of parsing and serialising
    the chunks (35 s against 6 s at 20k papers). Only for a new graph, where the store is only ever
    added to and every chunk's repeated lines were dropped before loading, so the file holds exactly
    the store's triples (tests/test_build.py holds it to that). Written to a temporary path, renamed
    by `finish`; a build that fails removes it."""

    def __init__(self, path: Path) -> None:
        import queue
        import threading

        check_export_target(path, "turtle")
        self.path = path
        self.items: queue.Queue = queue.Queue(maxsize=2)  # like the loader's: flat memory
        self.error: BaseException | None = None
        self.cpu = 0.0  # CPU seconds of the writing thread
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _triples(self) -> Iterator[ox.Triple]:
        while (item := self.items.get()) is not None:
            if isinstance(item, BaseException):
                raise item  # the build failed: stop, and the temporary file goes
            if isinstance(item, bytes):
                yield from ox.parse(item, **OWN_NTRIPLES)
            else:
                yield from (quad.triple for quad in item)

    def _run(self) -> None:
        started = time.thread_time()
        try:
            with atomic_file(self.path) as tmp:
                ox.serialize(self._triples(), str(tmp), format=ox.RdfFormat.TURTLE, prefixes=PREFIX_MAP)
        except BaseException as exc:  # raised in the building thread by `finish`
            self.error = exc
            while self.items.get() is not None:  # let the building thread go on to its own error
                pass
        finally:
            self.cpu = time.thread_time() - started

    def cpu_so_far(self) -> float | None:
        """CPU seconds of the writing thread until now (None where the platform cannot tell)."""
        if not self.thread.is_alive():
            return self.cpu
        try:
            return time.clock_gettime(time.pthread_getcpuclockid(self.thread.ident))
        except (AttributeError, OSError):  # not a POSIX system
            return None

    def put(self, item: bytes | list[ox.Quad]) -> None:
        """Add N-Triples bytes or a list of quads (of the default graph) to the file."""
        if self.error is None:
            self.items.put(item)

    def finish(self) -> None:
        self.items.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        if self.thread.is_alive():
            self.items.put(KgError("build stopped"))
            self.items.put(None)
            self.thread.join()


class Laps:
    """Records the seconds since the previous lap under each stage's name, and this process's CPU
    seconds (all its threads) under the same name in `cpu`."""

    def __init__(self, into: dict[str, float], cpu: dict[str, float]) -> None:
        self.into, self.cpu = into, cpu
        self.last, self.last_cpu = time.perf_counter(), time.process_time()

    def __call__(self, stage: str) -> None:
        now, now_cpu = time.perf_counter(), time.process_time()
        self.into[stage] = round(now - self.last, 3)
        self.cpu[stage] = round(now_cpu - self.last_cpu, 3)
        self.last, self.last_cpu = now, now_cpu


def build(inputs: list[str | Path], out: str | Path, **options) -> BuildSummary:
    """Build (or, with append=True, extend) the graph folder `out` from the input files; see `_build`.

    A failure to write (a full disk, a read-only folder) is one KgError line, and the previous graph
    stays as it was.
    """
    from kg.outputs import reading_folder

    try:
        # the pipeline folder stays as it is until the build is done: each worker loads it, file by
        # file, and the manifest records its hash (a `kg train --out` of it waits)
        with reading_folder(options.get("pipeline", DEFAULT_PIPELINE)):
            return _build(inputs, out, **options)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).splitlines()[0]
        if "No space left" in str(exc):
            reason = "no space left on the device"
        raise KgError(f"{out}: cannot write the graph: {reason}") from None
    except sqlite3.Error as exc:  # the tally file (kg.rdf.tallies) failing to grow
        reason = "no space left on the device" if "full" in str(exc) else f"tally file: {exc}"
        raise KgError(f"{out}: cannot write the graph: {reason}") from None


def _build(
    inputs: list[str | Path],
    out: str | Path,
    *,
    fmt: str | None = None,
    jobs: int = 1,
    batch_size: int = 64,
    append: bool = False,
    pipeline: Path = DEFAULT_PIPELINE,
    min_confidence: float = 0.0,
    exports: Iterable[str] = ("turtle",),
    extras: bool = True,
    on_paper: Callable[[Paper], None] | None = None,
    extractions: Callable[[Iterable[Paper]], Iterable[Extraction]] | None = None,
    shards: Callable[[Iterator[list[Paper]]], Iterable[tuple[bytes, ShardStats]]] | None = None,
) -> BuildSummary:
    """Build (or, with append, extend) the graph folder `out` from the input files.

    Papers are cut into batches of `batch_size`; each batch is extracted and serialised to
    N-Triples in one of `jobs` processes and bulk-loaded into the store. `shards` replaces that
    executor (the Dask back end passes its own); `extractions` replaces the extractor itself.
    """
    started = time.perf_counter()
    exports = [name for name in exports if name != "none"]
    for name in exports:  # an unknown format is refused before any work (and before any folder is made)
        check_export_format(name)
    if batch_size < 1:
        raise KgError(f"batch size must be 1 or more, not {batch_size}")
    check_min_confidence(min_confidence)
    check_format(fmt)  # (else found at the first file, after the build took its lock and began)
    jobs = jobs if jobs > 0 else os.cpu_count() or 1  # 0: all cores, as on the command line
    files = expand(inputs, fmt)
    check_some_files(files, inputs)  # before the build begins, naming the inputs (not "(input)")
    if append and os.path.islink(out) and not os.path.exists(out):
        # a graph moved or copied without its builds folder: the append built a graph of the new
        # papers alone over the link and said "Graph extended"
        raise KgError(dangling_graph(Path(out)) + "; or build it again without --append")
    if append and not os.path.lexists(out):  # a mistyped --out started a second graph without a word
        log.warning("%s: no graph there yet; --append builds it from these inputs alone", out)
    summary = BuildSummary(out=str(out))
    totals = ShardStats()
    seeded: dict[str, bool] = {}

    def seed(current: Path, stage: Path) -> None:
        seeded["store_as_built"] = _seed_append(current, stage)

    with staged_build(out, seed=seed if append else None) as stage, ExitStack() as cleanup:
        store = ox.Store(str(stage / STORE_DIR))
        previous = json.loads((stage / MANIFEST).read_text()) if append and (stage / MANIFEST).exists() else None
        if previous and previous.get("concept_words_sha256") != _sha256(WORDS_FILE):
            # minted concept IRIs are spelt with this word list: new papers would mint other IRIs
            # for the concepts the graph already has, and split them in two
            raise KgError(f"{out}: built with other minted concept IRIs (an older kg); "
                          "rebuild it without --append")
        if not previous:
            for path in ontology_files():
                store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
        tallies = TallyFile(stage / TALLY_FILE, appending=bool(previous)) if _tallies_hold(stage, previous, seeded.get("store_as_built", False)) else None
        # The triples of the graph, counted from what this build writes (counting a large store
        # takes minutes): the previous build's count or the ontology's, plus the lines loaded, less
        # the repeats of concept declarations that the tally file recognises.
        triples = previous.get("triples", 0) if previous else len(store)  # a few thousand ontology triples
        if tallies and not previous:  # the concept triples the ontology states already
            tallies.declare(line_key(f"{q.triple} .") for q in store if str(q.subject).startswith(SHARED_SUBJECTS))
        # a new graph's Turtle file is written as the store is filled (an append's, which changes
        # triples of the previous graph, is dumped from the store at the end)
        wanted = [name for name in exports if name != "none"]
        streamed = StreamedExport(stage / EXPORT_FORMATS["turtle"][1]) if "turtle" in wanted and tallies and not previous else None
        if streamed:
            cleanup.callback(streamed.abort)  # a build that fails stops it; after `finish`, nothing to do
            streamed.put(list(store))  # the ontology

        def count_repeat(paper: Paper) -> None:
            summary.repeats += 1

        def new_papers() -> Iterator[Paper]:
            for paper in read_papers(files, fmt, on_repeat=count_repeat):
                # only the previous build's papers can be found: the input holds each paper once
                if previous and _in_store(store, paper.id):
                    summary.skipped_existing += 1
                    continue
                if on_paper:
                    on_paper(paper)
                yield paper

        batches = batched(new_papers(), batch_size)
        if extractions is not None:
            stream: Iterable[tuple[bytes, ShardStats]] = (serialise(extractions(b)) for b in batches)
        elif shards is not None:
            stream = shards(batches)
        elif jobs > 1:
            stream = ordered_map(process_batch, batches, jobs, init_worker, (str(pipeline), min_confidence))
        else:
            init_worker(pipeline, min_confidence)
            stream = (process_batch(b) for b in batches)

        lap = Laps(summary.stages, summary.cpu)
        main_thread_cpu = time.thread_time()
        # the loader runs beside the extraction and drains after it: two stages, shown together
        with progress_stage("loading", unit="triples") as loading, BackgroundLoader(store, loading) as loader:
            buffer: list[bytes] = []
            buffered = lines = 0

            def send(chunk: bytes, lines: int) -> None:
                loader.put(chunk, lines)
                if streamed:
                    streamed.put(chunk)
            with progress_stage("reading and extracting", unit="papers") as extracting:
                for data, stats in stream:
                    # counts only, and the tallies go to their file: nothing here grows with the graph
                    totals.papers += stats.papers
                    totals.results += stats.results
                    totals.links.update(stats.links)
                    totals.extract_cpu += stats.extract_cpu
                    totals.serialise_cpu += stats.serialise_cpu
                    written = stats.triples
                    if tallies:
                        tallies.add(stats.tally)
                        new = tallies.declare(stats.shared)  # repeats of an earlier batch's lines are dropped
                        data = without_repeats(data, stats, new)
                        written += len(new) - len(stats.shared)
                        triples += written
                    extracting.advance(stats.papers)
                    buffer.append(data)
                    buffered += len(data)
                    lines += written
                    if buffered >= LOAD_BYTES:
                        send(b"".join(buffer), lines)
                        buffer, buffered, lines = [], 0, 0
            if buffer:
                send(b"".join(buffer), lines)
        summary.cpu.update({
            "extraction (workers)": round(totals.extract_cpu, 3),
            "serialisation and tallies (workers)": round(totals.serialise_cpu, 3),
            "reading, feeding workers, tallies (main thread)": round(time.thread_time() - main_thread_cpu, 3),
            "loading the store (loader thread)": round(loader.cpu, 3),
        })
        del loader
        if totals.papers == 0 and not previous:
            raise KgError("no papers could be read from the input; nothing was built")
        lap("extract and load")
        if (turtle := streamed.cpu_so_far() if streamed else 0.0) is not None:
            # The calling thread of a bulk load only parses: Oxigraph encodes, sorts and writes in
            # threads of its own and RocksDB compacts in others, which no named thread shows (at
            # 100k papers nine tenths of the load, a fifth of the build). What the lap's CPU holds
            # beyond the named threads is theirs (and the process pool's pipe threads').
            named = (summary.cpu["reading, feeding workers, tallies (main thread)"]
                     + summary.cpu["loading the store (loader thread)"] + turtle)
            summary.cpu["loading the store (Oxigraph's and RocksDB's threads) and the pool's threads"] = round(
                max(summary.cpu["extract and load"] - named, 0.0), 3)
        with progress_stage("counts and rankings", unit="steps") as counting:
            if tallies:
                triples += tallies.write_derived(store, appended=bool(previous), progress=counting,
                                                 also=streamed.put if streamed else None)
                per_type = tallies.concepts_per_type()
                summary.entities = {t: per_type.get(t, 0) for t in ENTITY_TYPES}
                tallies.close()
            else:
                finalise_labels(store)
                materialise_counts(store)
                summary.entities = _concepts_per_type(store)
                triples = len(store)  # a store changed outside kg: counted, once, the slow way
            pause_point("counts")
        lap("labels and counts")
        summary.papers, summary.results = totals.papers, totals.results
        summary.links = {t: totals.links[t] for t in ENTITY_TYPES}
        store.flush()
        summary.triples = triples  # the manifest keeps it
        lap("flush")
        summary.exports = [EXPORT_FORMATS[name][1] for name in wanted]
        if not previous:
            papers_total = summary.papers
        elif seeded.get("store_as_built"):  # nothing was added behind kg's back: no need to count the store
            papers_total = previous.get("papers", 0) + summary.papers
        else:
            papers_total = _papers_in(store)
        del store  # closed: its files are final before they are fingerprinted, exports and extras re-open it and the folder is swapped
        summary.seconds = round(time.perf_counter() - started, 3)
        manifest = {
            "kg_version": __version__,
            "python": platform.python_version(),
            "pipeline": str(pipeline),
            "pipeline_sha256": _pipeline_sha256(Path(pipeline)),
            "min_confidence": min_confidence,
            "ontology_sha256": {p.name: _sha256(p) for p in ontology_files()},
            "concept_words_sha256": _sha256(WORDS_FILE),  # the spelling of minted IRIs (kg.rdf.segment)
            "inputs": (previous or {}).get("inputs", [])
            + [{"path": str(f), "sha256": _sha256(f), "bytes": f.stat().st_size} for f in files],
            # after an append, counted in the store: papers added behind kg's back (a push to a
            # writable `kg serve`) are recorded too, so `kg doctor` agrees with the graph
            "papers": papers_total,
            "triples": summary.triples,
            "store_files": store_files(stage / STORE_DIR),  # what an append checks the store against
            "appended": bool(previous),
            "summary": asdict(summary),
        }
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        dumped = [name for name in wanted if not (streamed and name == "turtle")]
        with progress_stage("exports", total=len(wanted), unit="files") as exporting:
            if streamed:
                streamed.finish()  # it was given the derived triples as the store was
                summary.cpu["Turtle written as the store fills (export thread)"] = round(streamed.cpu, 3)
                exporting.advance()
                pause_point("exports")
            if extras and dumped:
                # The exports are Oxigraph serialising the store, which releases the GIL; the report
                # and view are Python reading it. Side by side, on two cores, they take the longer
                # one's time instead of the sum. Both only read the closed store.
                with ThreadPoolExecutor(1, thread_name_prefix="kg-export") as pool:
                    exported = pool.submit(write_exports, stage, dumped, exporting)
                    _write_extras(stage, summary.cpu)
                    exported.result()
                lap("exports, report and view")
            else:
                write_exports(stage, dumped, exporting)
                lap("exports")
        if extras and not dumped:
            _write_extras(stage, summary.cpu)
            lap("report and view")
        manifest["summary"] = asdict(summary)  # now with the time and CPU of the stages after the store closed
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return summary


def write_exports(stage: Path, names: list[str], progress=None) -> None:
    """Write the RDF files `names` (`--export` values) of the closed store in the build folder `stage`."""
    store = ox.Store.read_only(str(stage / STORE_DIR))
    for name in names:
        export(store, stage / EXPORT_FORMATS[name][1], name)
        if progress:
            progress.advance()
        pause_point("exports")


def _write_extras(stage: Path, cpu: dict[str, float] | None = None) -> None:
    """The analysis report and the HTML view, written inside the build before it is swapped in;
    the CPU seconds of each go into `cpu`."""
    try:
        from kg.analyse.report import write_report
        from kg.viz.make import write_view
    except ImportError:  # optional parts not installed in this checkout
        return
    started = time.process_time()
    write_report(stage, stage / "report")  # each shows its own stage of progress
    if cpu is not None:
        cpu["report"] = round(time.process_time() - started, 3)
    pause_point("report")
    started = time.process_time()
    write_view(stage, stage / "view.html", "html", tallied=True)  # shared papers from the tallies, as the report
    if cpu is not None:
        cpu["view"] = round(time.process_time() - started, 3)
    pause_point("view")
