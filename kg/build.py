"""Build a graph folder from input files: ingest -> extract -> rdf -> store -> exports -> report.

Everything streams: papers are read lazily, extracted in batches (optionally in several processes),
turned into quads and bulk-loaded into the store chunk by chunk. The whole build happens in a
staging folder that replaces the previous build in one atomic step (see `kg.store.staged_build`).
"""
from __future__ import annotations

import hashlib
import json
import platform
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from kg import __version__
from kg.errors import KgError
from kg.ingest import expand, read_papers
from kg.model import ENTITY_TYPES, Extraction, Paper
from kg.paths import DEFAULT_PIPELINE, ONTOLOGY_DIR, VOCAB_DIR
from kg.rdf.triples import TripleWriter
from kg.store import MANIFEST, STORE_DIR, count_triples, export, staged_build

CHUNK_QUADS = 200_000  # quads per bulk load: large enough to be fast, small enough to keep memory flat


@dataclass
class BuildSummary:
    out: str
    papers: int = 0
    skipped_existing: int = 0
    entities: dict[str, int] = field(default_factory=dict)  # distinct concepts per type, this build
    links: dict[str, int] = field(default_factory=dict)  # paper-entity links per type
    results: int = 0
    triples: int = 0
    seconds: float = 0.0
    exports: list[str] = field(default_factory=list)


def ontology_files() -> list[Path]:
    return [ONTOLOGY_DIR / "kg.ttl", *sorted(VOCAB_DIR.glob("*.ttl"))]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _existing(store: ox.Store, sparql: str) -> set[str]:
    return {s[0].value for s in store.query(sparql)}


def build(
    inputs: list[str | Path],
    out: str | Path,
    *,
    fmt: str | None = None,
    jobs: int = 1,
    batch_size: int = 64,
    append: bool = False,
    pipeline: Path = DEFAULT_PIPELINE,
    exports: Iterable[str] = ("turtle",),
    extras: bool = True,
    on_paper: Callable[[Paper], None] | None = None,
    extractions: Callable[[Iterable[Paper]], Iterable[Extraction]] | None = None,
) -> BuildSummary:
    """Build (or, with append, extend) the graph folder `out` from the input files.

    `extractions` replaces local extraction (the Dask back end passes its own); by default papers
    go through `kg.extract.extract` with `jobs` processes.
    """
    from kg.extract import build_nlp, extract

    started = time.perf_counter()
    files = expand(inputs)
    summary = BuildSummary(out=str(out))
    with staged_build(out, copy_current=append) as stage:
        store = ox.Store(str(stage / STORE_DIR))
        if append and (stage / MANIFEST).exists():
            previous = json.loads((stage / MANIFEST).read_text())
            known_papers = _existing(store, "SELECT ?id WHERE { ?p a <https://w3id.org/kg-lit/ontology#Paper> ; <http://purl.org/dc/terms/identifier> ?id }")
        else:
            previous, known_papers = None, set()
            for path in ontology_files():
                store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
        described = _existing(store, "SELECT ?c WHERE { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }")
        writer = TripleWriter(described)

        def new_papers() -> Iterator[Paper]:
            for paper in read_papers(files, fmt):
                if paper.id in known_papers:
                    summary.skipped_existing += 1
                    continue
                if on_paper:
                    on_paper(paper)
                yield paper

        if extractions is None:
            nlp = build_nlp(pipeline)
            stream = extract(new_papers(), nlp=nlp, n_process=jobs, batch_size=batch_size)
        else:
            stream = extractions(new_papers())

        concepts: dict[str, set[str]] = {t: set() for t in ENTITY_TYPES}
        links: Counter[str] = Counter()

        def quads() -> Iterator[ox.Quad]:
            for extraction in stream:
                summary.papers += 1
                summary.results += len(extraction.results)
                for entity in extraction.entities:
                    concepts[entity.type].add(writer.concept_iri(entity))
                    links[entity.type] += 1
                yield from writer.triples(extraction)

        for chunk in _chunks(quads(), CHUNK_QUADS):
            store.bulk_extend(chunk)
        if summary.papers == 0 and not append:
            raise KgError("no papers could be read from the input; nothing was built")

        summary.entities = {t: len(concepts[t]) for t in ENTITY_TYPES}
        summary.links = {t: links[t] for t in ENTITY_TYPES}
        store.flush()
        summary.triples = count_triples(store)
        for name in exports:
            from kg.store import EXPORT_FORMATS

            path = export(store, stage / EXPORT_FORMATS[name][1], name)
            summary.exports.append(path.name)
        del store  # close before the extras re-open it read-only and before the folder is swapped
        summary.seconds = round(time.perf_counter() - started, 3)
        manifest = {
            "kg_version": __version__,
            "python": platform.python_version(),
            "pipeline": str(pipeline),
            "pipeline_sha256": _sha256(pipeline) if Path(pipeline).exists() else None,
            "ontology_sha256": {p.name: _sha256(p) for p in ontology_files()},
            "inputs": ([*previous.get("inputs", [])] if previous else [])
            + [{"path": str(f), "sha256": _sha256(f), "bytes": f.stat().st_size} for f in files],
            "papers": summary.papers + (previous or {}).get("papers", 0),
            "triples": summary.triples,
            "appended": bool(previous),
            "summary": asdict(summary),
        }
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        if extras:
            _write_extras(stage)
    return summary


def _write_extras(stage: Path) -> None:
    """The analysis report and the HTML view, written inside the build before it is swapped in."""
    try:
        from kg.analyse.report import write_report
        from kg.viz.html import write_html
    except ImportError:  # optional parts not installed in this checkout
        return
    write_report(stage, stage / "report")
    write_html(stage, stage / "view.html")
