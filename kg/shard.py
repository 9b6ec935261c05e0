"""One unit of parallel work: a batch of papers -> N-Triples bytes and counts.

The same function runs in-process, in a local process pool, or as a Dask task; its output depends
only on the papers in the batch, so any way of cutting the input gives the same graph.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kg.model import Extraction, Paper
from kg.rdf.tallies import Tally
from kg.rdf.triples import TripleWriter


@dataclass
class ShardStats:
    papers: int = 0
    results: int = 0
    links: Counter = field(default_factory=Counter)
    tally: Tally = field(default_factory=Tally)  # for the labels and counts the build derives at the end


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
    lines.append("")
    return "\n".join(lines).encode("utf-8"), stats


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

    extractions: list[Extraction] = list(
        extract(papers, nlp=_NLP, n_process=1, batch_size=len(papers) or 1, min_confidence=_MIN_CONFIDENCE)
    )
    return serialise(extractions, _WRITER)
