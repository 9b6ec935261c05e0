"""Extraction: a spaCy pipeline of registered kg components.

`build_nlp(path)` loads it: a config file (pipelines/default.cfg: rules only, over a blank English
pipeline) or a trained pipeline folder (pipelines/trained, or one `kg train` wrote: the rules, then
a trained span scorer and its decisions, see kg.extract.learned). `extract(papers)` streams
Extractions in input order, in one process or several (each worker process runs the whole
pipeline, resolver included, on a batch of papers and sends back only the extractions; see kg.pool).
"""
from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.util import minibatch
from thinc.api import Config

from kg.errors import KgError
from kg.extract import learned, pipeline, results  # noqa: F401  (registers the factories)
from kg.extract.learned import finisher
from kg.extract.resolve import resolver
from kg.model import Extraction, Paper, check_min_confidence
from kg.outputs import reading_folder, restore_interrupted_publish
from kg.paths import DEFAULT_PIPELINE


def build_nlp(config_path: str | Path = DEFAULT_PIPELINE) -> Language:
    """The pipeline of a config file, or of a trained pipeline folder (config.cfg and weights)."""
    path = Path(config_path)
    restore_interrupted_publish(path)  # a `kg train --out` killed mid-publish left the old folder aside
    if path.is_dir():
        nlp = _from_folder(path)
    else:
        try:
            config = spacy.util.load_config(path)
        except (OSError, ValueError) as exc:
            raise KgError(f"{path}: cannot read the pipeline config: {exc}") from None
        try:
            nlp = _from_config(config)
        except (ValueError, ImportError, KeyError) as exc:  # an unknown component or language, a bad setting
            raise KgError(f"{path}: cannot build the pipeline of this config: {exc}") from None
    if not any(factory.startswith("kg_") for factory in nlp.pipe_factories.values()):
        # a spaCy pipeline of someone else's finds no entity: every paper would come out empty
        raise KgError(f"{path}: not a kg pipeline (none of kg's components); give a .cfg file or a folder from kg train")
    nlp.meta["kg_config"] = str(path)
    return nlp


def _from_folder(path: Path) -> Language:
    if not (path / "config.cfg").is_file():
        raise KgError(f"{path}: not a pipeline folder (no config.cfg); give a .cfg file or a folder from kg train")
    try:
        with reading_folder(path):  # read whole before a `kg train --out` of it may swap it (kg.outputs)
            nlp = spacy.load(path)
    except (OSError, ValueError, ImportError, KeyError, TypeError, AttributeError) as exc:
        # TypeError, AttributeError: a file of it of another shape (a judge.json holding [] or null)
        raise KgError(f"{path}: cannot load the trained pipeline: {type(exc).__name__}: {exc}") from None
    gc.collect()
    gc.freeze()
    return nlp


def _from_config(config: Config) -> Language:
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    # The vocabularies and matchers are long-lived: keep them out of the garbage collector's scans,
    # which otherwise revisit them on every collection while docs are being made.
    gc.collect()
    gc.freeze()
    return nlp


def _settings(nlp: Language) -> tuple[str, str]:
    cfg = nlp.config["components"].get("kg_patterns", {})
    return cfg.get("vocab_dir", ""), cfg.get("cues", "")


def extract(
    papers: Iterable[Paper], nlp: Language | None = None, *, n_process: int = 1, batch_size: int = 64,
    min_confidence: float = 0.0,
) -> Iterator[Extraction]:
    """Extractions of papers (or of the papers of one file or folder named), in input order, in
    `n_process` processes (0: all cores); entities whose confidence is below `min_confidence` are
    left out.

    Worker processes are started with spawn, which imports the calling script again: a script
    (not a notebook) that asks for several processes needs the `if __name__ == "__main__":` guard.
    """
    check_min_confidence(min_confidence)
    if isinstance(papers, (str, os.PathLike)):  # a file's name, not its papers: read them
        from kg.ingest import read_papers  # (was AttributeError: 'str' object has no attribute 'text')

        papers = read_papers(papers)
    nlp = nlp or build_nlp()
    n_process = n_process if n_process > 0 else os.cpu_count() or 1
    if n_process > 1:
        from kg.pool import batched, ordered_map

        # the workers load the pipeline again: from its folder when trained (the weights are
        # there), else from its config (components and data load from files)
        folder = nlp.meta.get("kg_config", "")
        source = ("folder", folder) if folder and Path(folder).is_dir() else ("config", nlp.config.to_str())
        batches = batched(papers, batch_size)
        for extractions in ordered_map(_extract_batch, batches, n_process, _init_worker, (source, min_confidence)):
            yield from extractions
        return
    resolve = resolver(*_settings(nlp))
    finish = finisher(nlp)
    pairs = ((p.text, p) for p in papers)
    # the resolver, then the finisher, over a whole batch in a row, as the components run
    # (kg.extract.pipeline.batched: each step meets its data still in the processor's caches)
    for batch in minibatch(nlp.pipe(pairs, as_tuples=True, batch_size=batch_size), size=batch_size):
        extractions = [resolve(doc, paper) for doc, paper in batch]
        if finish is not None:
            extractions = [finish(doc, extraction) for (doc, _), extraction in zip(batch, extractions)]
        for extraction in extractions:
            if min_confidence > 0:
                extraction.entities = [e for e in extraction.entities if e.confidence >= min_confidence]
            yield extraction


_WORKER_NLP: Language | None = None  # the pipeline of a worker process, loaded once
_WORKER_MIN_CONFIDENCE = 0.0


def _init_worker(source: tuple[str, str], min_confidence: float = 0.0) -> None:
    global _WORKER_NLP, _WORKER_MIN_CONFIDENCE
    kind, value = source
    _WORKER_NLP = _from_folder(Path(value)) if kind == "folder" else _from_config(Config().from_str(value))
    _WORKER_MIN_CONFIDENCE = min_confidence


def _extract_batch(papers: list[Paper]) -> list[Extraction]:
    return list(extract(papers, nlp=_WORKER_NLP, batch_size=len(papers), min_confidence=_WORKER_MIN_CONFIDENCE))
