"""Extraction: a spaCy pipeline (pipelines/default.cfg) of registered kg components.

`build_nlp()` assembles it over a blank English pipeline; `extract(papers)` streams Extractions in
input order, in one process or several (`nlp.pipe(..., n_process=N)`).
"""
from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from pathlib import Path

import spacy
from spacy.language import Language

from kg.errors import KgError
from kg.extract import components, results  # noqa: F401  (registers the factories)
from kg.extract.resolve import resolver
from kg.model import Extraction, Paper
from kg.paths import DEFAULT_PIPELINE


def build_nlp(config_path: str | Path = DEFAULT_PIPELINE) -> Language:
    path = Path(config_path)
    try:
        config = spacy.util.load_config(path)
    except (OSError, ValueError) as exc:
        raise KgError(f"{path}: cannot read the pipeline config: {exc}") from None
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    nlp.meta["kg_config"] = str(path)
    # The vocabularies and matchers are long-lived: keep them out of the garbage collector's scans,
    # which otherwise revisit them on every collection while docs are being made.
    gc.collect()
    gc.freeze()
    return nlp


def _settings(nlp: Language) -> tuple[str, str]:
    cfg = nlp.config["components"].get("kg_patterns", {})
    return cfg.get("vocab_dir", ""), cfg.get("cues", "")


def extract(
    papers: Iterable[Paper], nlp: Language | None = None, *, n_process: int = 1, batch_size: int = 64
) -> Iterator[Extraction]:
    """Extractions of papers, in input order."""
    nlp = nlp or build_nlp()
    resolve = resolver(*_settings(nlp))
    pairs = ((p.text, p) for p in papers)
    for doc, paper in nlp.pipe(pairs, as_tuples=True, n_process=n_process, batch_size=batch_size):
        yield resolve(doc, paper)
