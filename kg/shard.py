"""One unit of parallel work: a batch of papers -> N-Triples bytes and counts.

The same function runs in-process, in a local process pool, or as a Dask task; its output depends
only on the papers in the batch, so any way of cutting the input gives the same graph.
"""
from __future__ import annotations

import hashlib
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kg.model import Extraction, Paper
from kg.rdf.namespaces import KGC, KGR
from kg.rdf.tallies import Tally
from kg.rdf.triples import TripleWriter


@dataclass
class ShardStats:
    papers: int = 0
    results: int = 0
    links: Counter = field(default_factory=Counter)
    tally: Tally = field(default_factory=Tally)  # for the labels and counts the build derives at the end
    triples: int = 0  # distinct N-Triples lines written
    shared: array = field(default_factory=lambda: array("q"))  # keys of the lines other batches may write too
    shared_bytes: int = 0  # those lines end the batch's N-Triples, in the order of their keys, in this many bytes
    extract_cpu: float = 0.0  # CPU seconds the batch's extraction took in its worker
    serialise_cpu: float = 0.0  # and its N-Triples and tallies


# Lines about concepts and extractors are the only ones two batches can both write (each worker
# declares a concept the first time it meets it, and the ontology states some of them, alt labels
# say); every other subject belongs to one paper, so to one batch. The build counts its triples as
# the distinct lines of each batch less the repeats of these (see TallyFile.declare).
SHARED_SUBJECTS = (f"<{KGC}", f"<{KGR}extractor/")


def line_key(line: str) -> int:
    return int.from_bytes(hashlib.blake2b(line.encode(), digest_size=8).digest(), "little", signed=True)


def serialise(extractions, writer: TripleWriter | None = None) -> tuple[bytes, ShardStats]:
    writer = writer or TripleWriter()
    stats = ShardStats()
    writer.tally = stats.tally
    lines: list[str] = []
    for extraction in extractions:
        stats.papers += 1
        stats.results += len(extraction.results)
        stats.links.update(entity.type for entity in extraction.entities)
        lines += writer.triples(extraction)
    writer.tally = None
    distinct = dict.fromkeys(lines)  # a paper may state a triple twice (two mentions of one span)
    distinct.pop("", None)
    stats.triples = len(distinct)
    own: list[str] = []
    shared: list[str] = []
    for line in distinct:
        (shared if line.startswith(SHARED_SUBJECTS) else own).append(line)
    stats.shared.extend(map(line_key, shared))
    # the shared lines last, so the build can drop those an earlier batch wrote (`without_repeats`)
    tail = "".join(f"{line}\n" for line in shared).encode("utf-8")
    stats.shared_bytes = len(tail)
    own.append("")  # the last line's newline
    return "\n".join(own).encode("utf-8") + tail, stats


def without_repeats(data: bytes, stats: ShardStats, new: set[int]) -> bytes:
    """A batch's N-Triples (`serialise`) without the shared lines whose keys are not in `new`."""
    if not stats.shared_bytes:
        return data
    cut = len(data) - stats.shared_bytes
    tail = data[cut:].split(b"\n")
    return data[:cut] + b"".join(line + b"\n" for line, key in zip(tail, stats.shared) if key in new)


# Per-process state for pool workers: the pipeline is loaded once per process, not per batch.
_NLP = None
_WRITER: TripleWriter | None = None
_MIN_CONFIDENCE = 0.0


def init_worker(pipeline: str | Path, min_confidence: float = 0.0) -> None:
    global _NLP, _WRITER, _MIN_CONFIDENCE
    from kg.extract import build_nlp

    _NLP = build_nlp(Path(pipeline))
    _WRITER = TripleWriter()
    _MIN_CONFIDENCE = min_confidence


def process_batch(papers: list[Paper]) -> tuple[bytes, ShardStats]:
    """Extract a batch in this process (after `init_worker`) and serialise it."""
    from kg.extract import extract

    started = time.process_time()
    extractions: list[Extraction] = list(
        extract(papers, nlp=_NLP, n_process=1, batch_size=len(papers) or 1, min_confidence=_MIN_CONFIDENCE)
    )
    extracted = time.process_time()
    data, stats = serialise(extractions, _WRITER)
    stats.extract_cpu, stats.serialise_cpu = extracted - started, time.process_time() - extracted
    return data, stats
