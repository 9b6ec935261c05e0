"""Cross-validation by paper (`kg eval --folds K`): quality measured only on papers not used to build
or tune what is measured.

Papers of all the given gold files are dealt into K folds by a hash of their id. A rules-only
pipeline learns nothing from the gold, so its cross-validated score is its score on every paper; a
trained pipeline is trained anew K times, each time on the other K-1 folds (its thresholds and
calibration chosen on a share of those), and scores the held-out fold. Scores are given per gold
file and in total, with a reliability table of the confidences (bins of confidence against the
share of links right).
"""
from __future__ import annotations

import copy
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.evaluate import GoldEntity, Report, _match, form_key, score
from kg.extract.pipeline.tokens import CANDS
from kg.ids import title_key
from kg.model import ENTITY_TYPES, Extraction, Paper
from kg.training.data import AnnotatedPaper, fold_of

BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001)


def gold_of(items: Iterable[AnnotatedPaper]) -> dict[str, tuple[str, list[GoldEntity]]]:
    """The items' gold in the form kg.evaluate.score reads."""
    return {
        title_key(it.paper.title): (it.paper.title, [
            GoldEntity(e["type"], e["name"], {form_key(f) for f in [e["name"], *e.get("aliases", [])] if form_key(f)},
                       e.get("role"))
            for e in it.entities
        ])
        for it in items
    }


class Scored:
    """Extractions scored against gold, keeping, for each predicted entity, its confidence (or the
    raw probability given beside it) and whether it matched a gold entity of its type."""

    def __init__(self, predictions: Iterable[tuple[Extraction, list[float | None]] | Extraction],
                 gold: dict[str, tuple[str, list[GoldEntity]]]) -> None:
        self.pairs: list[tuple[float | None, bool]] = []
        records = []
        for item in predictions:
            extraction, raws = item if isinstance(item, tuple) else (item, [e.confidence for e in item.entities])
            record = extraction.to_json()
            records.append(record)
            key = title_key(record["title"])
            if key not in gold:
                continue
            gold_entities = gold[key][1]
            for entity_type in ENTITY_TYPES:
                idx = [i for i, e in enumerate(record["entities"]) if e["type"] == entity_type]
                pred = [record["entities"][i] for i in idx]
                matched = {i for i, _ in _match(pred, [g for g in gold_entities if g.type == entity_type])}
                self.pairs += [(raws[i], k in matched) for k, i in enumerate(idx)]
        self.report: Report = score(records, gold)

    def outcomes(self) -> list[tuple[float | None, bool]]:
        return self.pairs


# ----------------------------------------------------------------------------- predictions


def prepare(nlp, papers: Sequence[Paper]) -> list[tuple]:
    """Docs run through the pipeline up to the decisions (the costly part), each with a copy of its
    candidates, so that many thresholds can be tried on them (predict_prepared)."""
    with nlp.select_pipes(disable=["kg_model_decisions"]):
        docs = list(nlp.pipe(p.text for p in papers))
    return [(doc, paper, copy.copy(doc.user_data.get(CANDS, []))) for doc, paper in zip(docs, papers)]


def predict_prepared(nlp, prepared: list[tuple]) -> list[tuple[Extraction, list[float | None]]]:
    """(extraction, raw type probability of each entity) of prepared docs, with the decisions'
    current thresholds."""
    from kg.extract import _settings
    from kg.extract.learned import finisher, raw_confidence, scores_by_place
    from kg.extract.resolve import resolver

    decisions = nlp.get_pipe("kg_model_decisions")
    finish = finisher(nlp)
    resolve = resolver(*_settings(nlp))
    out = []
    for doc, paper, cands in prepared:
        doc.user_data[CANDS] = list(cands)
        decisions(doc)
        extraction = finish(doc, resolve(doc, paper))
        by_char = scores_by_place(doc)
        out.append((extraction, [raw_confidence(e, by_char) for e in extraction.entities]))
    return out


# ----------------------------------------------------------------------------- cross-validation


@dataclass
class CrossValidation:
    folds: int
    trained: bool
    per_set: dict[str, Report] = field(default_factory=dict)
    total: Report = field(default_factory=Report)
    reliability: list[dict] = field(default_factory=list)  # per bin: low, high, links, right, share
    thresholds: list[dict] = field(default_factory=list)  # per fold, for a trained pipeline

    def as_dict(self) -> dict:
        return {
            "folds": self.folds,
            "trained": self.trained,
            "per_set": {name: r.as_dict() for name, r in self.per_set.items()},
            "total": self.total.as_dict(),
            "reliability": self.reliability,
            "thresholds": self.thresholds,
        }


def reliability(pairs: list[tuple[float | None, bool]], bins: Sequence[float] = BINS) -> list[dict]:
    rows = []
    for low, high in zip(bins, bins[1:]):
        inside = [ok for p, ok in pairs if p is not None and low <= p < high]
        rows.append({"low": low, "high": min(high, 1.0), "links": len(inside), "right": sum(inside),
                     "share": round(sum(inside) / len(inside), 4) if inside else None})
    at_least = [ok for p, ok in pairs if p is not None and p >= 0.9]
    rows.append({"low": 0.9, "high": 1.0, "links": len(at_least), "right": sum(at_least),
                 "share": round(sum(at_least) / len(at_least), 4) if at_least else None, "cumulative": True})
    return rows


def is_trained(pipeline: str | Path) -> bool:
    """Does the pipeline hold a trained scorer (a folder saved by kg train, or a config naming it)?"""
    path = Path(pipeline)
    config = path / "config.cfg" if path.is_dir() else path
    try:
        text = config.read_text(encoding="utf-8")
    except OSError:
        return False
    return "kg_span_scorer" in text or "kg_entity_judge" in text or "\n[judge]" in text


def _trains_judge(train_config: str | Path) -> bool:
    from spacy.util import load_config

    return "judge" in load_config(Path(train_config), interpolate=False)


def cross_validate(items: Sequence[AnnotatedPaper], pipeline: str | Path, folds: int = 5, *,
                   epochs: int | None = None, train_config: str | Path | None = None,
                   on_fold=None) -> CrossValidation:
    """K-fold cross-validation by paper of `pipeline` over the annotated papers `items`."""
    from kg.extract import build_nlp, extract
    from kg.training.train import TRAIN_CONFIG, train

    if folds < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    trained = is_trained(pipeline)
    if trained and train_config is None and Path(pipeline).is_file():
        train_config = pipeline  # a training config (pipelines/train.cfg) is cross-validated as given
    fold = {id(it): fold_of(it.key, folds) for it in items}
    predictions: dict[int, Extraction] = {}
    result = CrossValidation(folds, trained)
    if not trained:  # nothing learned from the gold: every paper is held out from what is measured
        nlp = build_nlp(pipeline)
        for it, extraction in zip(items, extract([it.paper for it in items], nlp=nlp)):
            predictions[id(it)] = extraction
    elif _trains_judge(train_config or TRAIN_CONFIG):
        from kg.training.judge import cross_validate_judge

        extractions, result.thresholds = cross_validate_judge(
            items, Path(train_config or TRAIN_CONFIG), [fold[id(it)] for it in items], folds, on_fold)
        predictions = {id(it): extraction for it, extraction in zip(items, extractions)}
    else:
        for k in range(folds):
            held_out = [it for it in items if fold[id(it)] == k]
            rest = [it for it in items if fold[id(it)] != k]
            with tempfile.TemporaryDirectory(prefix=f"kg-fold{k}-") as tmp:
                done = train(rest, Path(tmp) / "model", config=train_config or TRAIN_CONFIG, epochs=epochs)
                nlp = build_nlp(done.path)
                for it, extraction in zip(held_out, extract([it.paper for it in held_out], nlp=nlp)):
                    predictions[id(it)] = extraction
            result.thresholds.append(done.thresholds)
            if on_fold:
                on_fold(k, len(held_out))
    everything = Scored((predictions[id(it)] for it in items), gold_of(items))
    result.total = everything.report
    result.reliability = reliability(everything.outcomes())
    for name in dict.fromkeys(it.source for it in items):
        subset = [it for it in items if it.source == name]
        result.per_set[name] = Scored((predictions[id(it)] for it in subset), gold_of(subset)).report
    return result
