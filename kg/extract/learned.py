"""The trained part of extraction: a span scorer over the rules' candidates, and what is done with
its scores.

The rule components propose candidates (explainable, fast); the scorer, a spaCy span categorizer
trained on projected gold (kg.training), gives each candidate, and each n-gram of up to four tokens
that starts and ends with a content word, a probability per entity type and one of being the
paper's own (PROPOSED). Its features are the words and what the rules say of them
(`kg_candidate_tags`). Then:

- `kg_model_decisions` (a component after the scorer) keeps, drops or retypes the rules' candidates
  and adds confident spans the rules missed, before the resolver reads them;
- `ModelFinisher` (after the resolver) sets the roles of methods and datasets from the PROPOSED
  probability (when tuning found that better than the rules' roles) and each entity's confidence
  from the calibrated probability of its type.
"""
from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable
from pathlib import Path
from typing import Optional

import spacy
from spacy.language import Language
from spacy.pipeline.spancat import SpanCategorizer, spancat_score
from spacy.tokens import Doc
from thinc.api import Ops, get_current_ops
from spacy.lang.en.stop_words import STOP_WORDS
from thinc.types import Ragged

from kg.extract import judge  # noqa: F401  (registers the entity judge's factory)
from kg.extract.pipeline.tokens import CANDS, token_table
from kg.model import ENTITY_TYPES, Extraction

SCORES = "kg_model_scores"  # doc.user_data: [start_char, end_char, p(type) for each type..., p(PROPOSED)]
N_TYPES = len(ENTITY_TYPES)
ADDED_RULE = "model"  # the rule name of the spans the model adds


# ----------------------------------------------------------------------------- the suggester


def _edge(text: str) -> bool:
    """Can a span start or end with this token? A word or number that is not a stop word."""
    return text.lower() not in STOP_WORDS and any(map(str.isalnum, text))


def candidate_spans(doc: Doc, max_ngram: int) -> list[tuple[int, int]]:
    """The rules' candidates, then the n-grams of 1 to max_ngram tokens within a sentence that
    start and end with a word that is not a stop word (what the rules miss is mostly of that shape:
    96% of the gold spans with 4)."""
    seen: dict[tuple[int, int], None] = {}
    for cand in doc.user_data.get(CANDS, ()):
        seen.setdefault((cand[0], cand[1]), None)
    if max_ngram:
        texts = token_table(doc).texts
        n = len(texts)
        edges = [_edge(t) for t in texts]
        for i in range(n):
            if not edges[i]:
                continue
            for j in range(i + 1, min(n, i + max_ngram) + 1):
                last = texts[j - 1]
                if last in (".", ";", "!", "?") or "\n" in last:
                    break
                if edges[j - 1]:
                    seen.setdefault((i, j), None)
    return list(seen)


@spacy.registry.misc("kg.candidate_suggester.v1")
def make_candidate_suggester(max_ngram: int = 4):
    def suggest(docs: Iterable[Doc], *, ops: Optional[Ops] = None) -> Ragged:
        ops = ops or get_current_ops()
        spans: list[tuple[int, int]] = []
        lengths = []
        for doc in docs:
            found = candidate_spans(doc, max_ngram)
            spans += found
            lengths.append(len(found))
        data = ops.asarray2i(spans) if spans else ops.xp.zeros((0, 0), dtype="i")
        return Ragged(data, ops.asarray1i(lengths))

    return suggest


# ----------------------------------------------------------------------------- rule features


@Language.component("kg_candidate_tags")
def candidate_tags(doc: Doc) -> Doc:
    """What the rules say of each token, as its tag, which the scorer's embedding reads beside the
    word: "V-method" in a vocabulary concept's candidate, "R-task" in another rule's; a vocabulary
    candidate wins over the others on the same token."""
    tags: dict[int, str] = {}
    for cand in doc.user_data.get(CANDS, ()):
        start, end, label, rule = cand[0], cand[1], cand[4], cand[6]
        tag = ("V-" if rule == "vocabulary" else "R-") + label
        for i in range(start, end):
            if i not in tags or tag[0] == "V":
                tags[i] = tag
    for i, tag in tags.items():
        doc[i].tag_ = tag
    return doc


# ----------------------------------------------------------------------------- the scorer


class SpanScorer(SpanCategorizer):
    """spaCy's multi-label span categorizer that also keeps every suggested span's probabilities
    (doc.user_data[SCORES]), which the decisions and the calibrated confidence read."""

    def set_annotations(self, docs: Iterable[Doc], indices_scores) -> None:
        docs = list(docs)
        super().set_annotations(docs, indices_scores)
        indices, scores = indices_scores
        scores = self.model.ops.to_numpy(scores)
        # the labels in kg's order; a label the scorer was not trained with has probability 0
        order = [self.labels.index(label) if label in self.labels else None for label in (*ENTITY_TYPES, "PROPOSED")]
        offset = 0
        for i, doc in enumerate(docs):
            rows = self.model.ops.to_numpy(indices[i].dataXd).tolist()
            block = scores[offset : offset + len(rows)]
            offset += len(rows)
            T = token_table(doc)
            doc.user_data[SCORES] = [
                [T.idxs[a], T.idxs[b - 1] + len(T.texts[b - 1]),
                 *(0.0 if j is None else round(float(block[k, j]), 4) for j in order)]
                for k, (a, b) in enumerate(rows)
            ]


@Language.factory(
    "kg_span_scorer",
    default_config={
        "threshold": 0.5,
        "spans_key": "kg_model",
        "max_positive": None,
        "model": None,
        "suggester": {"@misc": "kg.candidate_suggester.v1", "max_ngram": 4},
        "scorer": {"@scorers": "spacy.spancat_scorer.v1"},
    },
)
def make_span_scorer(nlp: Language, name: str, suggester, model, spans_key: str, scorer, threshold: float,
                     max_positive: Optional[int]) -> SpanScorer:
    return SpanScorer(nlp.vocab, model=model, suggester=suggester, name=name, spans_key=spans_key, negative_weight=None,
                      allow_overlap=True, max_positive=max_positive, threshold=threshold, scorer=scorer or spancat_score,
                      add_negative_label=False)


# ----------------------------------------------------------------------------- the decisions


def scores_by_place(doc: Doc) -> dict[tuple[int, int], list[float]]:
    return {(row[0], row[1]): row[2:] for row in doc.user_data.get(SCORES, ())}


class Decisions:
    """Keeps, drops or retypes the rules' candidates by the scorer's probabilities, and adds the
    spans it is sure of that no kept candidate overlaps. The thresholds are chosen on training
    folds only (kg.training.crossval); the calibration map turns a type probability into the share
    of such links that held-out papers showed right."""

    def __init__(self, nlp: Language, name: str, drop_below: float, retype_above: float, add_above: float,
                 proposed_above: Optional[float]) -> None:
        self.name = name
        self.drop_below, self.retype_above, self.add_above, self.proposed_above = (
            drop_below, retype_above, add_above, proposed_above)
        self.calibration: dict = {}

    def __call__(self, doc: Doc) -> Doc:
        # (with the thresholds that change nothing, which tuning chooses unless the model clearly
        # beats the rules, the candidates stay as the rules made them)
        rows = doc.user_data.get(SCORES)
        if rows is None:
            return doc
        by_char = {(r[0], r[1]): r[2:] for r in rows}
        cands = doc.user_data.get(CANDS, [])
        kept = []
        for cand in cands:
            start, end, a, b, label, concept, rule = cand
            p = by_char.get((a, b))
            if p is None or label not in ENTITY_TYPES:
                kept.append(cand)
                continue
            best = max(range(N_TYPES), key=p.__getitem__)
            if p[best] < self.drop_below:
                continue
            if ENTITY_TYPES[best] != label and p[best] >= self.retype_above:
                cand = (start, end, a, b, ENTITY_TYPES[best], "", rule)
            kept.append(cand)
        taken = bytearray(len(doc) + 1)
        for cand in kept:
            taken[cand[0] : cand[1]] = b"\x01" * (cand[1] - cand[0])
        T = None
        added = []
        for (a, b), p in sorted(by_char.items(), key=lambda item: -max(item[1][:N_TYPES])):
            best = max(range(N_TYPES), key=p.__getitem__)
            if p[best] < self.add_above:
                break
            if T is None:
                T = token_table(doc)
            start = bisect_right(T.idxs, a) - 1
            end = bisect_right(T.idxs, b - 1)
            if start < 0 or any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            added.append((start, end, a, b, ENTITY_TYPES[best], "", ADDED_RULE))
        doc.user_data[CANDS] = kept + added
        return doc

    # the calibration map travels with the trained weights (nlp.to_disk / spacy.load)
    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "calibration.json").write_text(json.dumps(self.calibration, indent=1), encoding="utf-8")

    def from_disk(self, path, exclude=()) -> "Decisions":
        file = Path(path) / "calibration.json"
        self.calibration = json.loads(file.read_text(encoding="utf-8")) if file.exists() else {}
        return self


@Language.factory(
    "kg_model_decisions",
    default_config={"drop_below": 0.0, "retype_above": 1.01, "add_above": 1.01, "proposed_above": None},
)
def make_decisions(nlp: Language, name: str, drop_below: float, retype_above: float, add_above: float,
                   proposed_above: Optional[float]) -> Decisions:
    return Decisions(nlp, name, drop_below, retype_above, add_above, proposed_above)


# ----------------------------------------------------------------------------- after the resolver


def calibrate(calibration: dict, p: float) -> float:
    """The share of links with raw probability p that held-out papers showed right: a step function
    fitted by isotonic regression (kg.training.calibration), or p itself with no map."""
    xs, ys = calibration.get("x"), calibration.get("y")
    if not xs:
        return p
    k = bisect_right(xs, p) - 1
    return ys[max(k, 0)]


def raw_confidence(entity, by_char: dict[tuple[int, int], list[float]]) -> float | None:
    """The highest probability the scorer gave the entity's type at any of its mentions (None if
    it scored none of them: a span the resolver made, such as one side of an ellipsis)."""
    t = ENTITY_TYPES.index(entity.type)
    found = [by_char[(m.start, m.end)][t] for m in entity.mentions if (m.start, m.end) in by_char]
    return max(found) if found else None


def proposed_probability(entity, by_char: dict[tuple[int, int], list[float]]) -> float | None:
    found = [by_char[(m.start, m.end)][N_TYPES] for m in entity.mentions if (m.start, m.end) in by_char]
    return max(found) if found else None


class ModelFinisher:
    """Roles and confidences from the scorer, for an Extraction the resolver made from its doc."""

    def __init__(self, decisions: Decisions) -> None:
        self.decisions = decisions

    def __call__(self, doc: Doc, extraction: Extraction) -> Extraction:
        by_char = scores_by_place(doc)
        calibration = self.decisions.calibration
        unscored = calibration.get("unscored")
        for entity in extraction.entities:
            if entity.type in ("method", "dataset") and self.decisions.proposed_above is not None:
                p = proposed_probability(entity, by_char)
                if p is not None:
                    entity.role = "proposed" if p >= self.decisions.proposed_above else "used"
            raw = raw_confidence(entity, by_char)
            confidence = calibrate(calibration, raw) if raw is not None else unscored
            if confidence is not None:
                for m in entity.mentions:
                    m.confidence = round(confidence, 4)
        return extraction


def finisher(nlp: Language):
    """The step after the resolver, (doc, extraction) -> extraction, for a pipeline with a trained
    part (the span scorer's decisions, or the entity judge), else None."""
    for _, component in nlp.pipeline:
        if isinstance(component, Decisions):
            return ModelFinisher(component)
        if hasattr(component, "finish"):
            return component.finish
    return None
