"""Scoring reported results (leaderboard rows) against a results gold file (RESULTS_GUIDELINES.md).

Papers are joined on their normalised title. A predicted result matches a gold result of the same
paper, one to one, when the values are equal and the metric names are equal after the entity
normalisation ("value+metric"); a "full" match also needs equal dataset names (empty equals empty).
Precision, recall and F1 are micro-averaged over papers; the relative flag is scored over the full
matches.

The guidelines' figures never compare the method a value is attributed to (the paper's model or a
baseline: "ResNet-50 reaches 79.1%"), so "value+metric+method" also needs equal method names (empty
equals empty); a value+metric match whose method disagrees is listed as a "method" error.

Beside these figures of the guidelines, a third ("value+metric, vocabulary synonyms") also counts two
metric names as one when the project's SKOS metric vocabulary (ontology/vocab/metrics.ttl) lists both
as labels of one concept ("MAE" and "mean absolute error"): a leaderboard files them in one column,
but the guidelines' scoring does not, so it is never reported instead of the strict figure.

RESULTS_GUIDELINES.md lets a gold metric be named "as written or as an entity annotator would name
it", so the two gold files of a paper may name one metric two ways ("Dice" in the results; "Dice"
with its alias "Dice coefficient", the text's word, in the entities). Given the entity gold, a second value+metric
figure ("value+metric, names as the entity gold") also counts a metric equal to any form of the same
paper's gold metric entity that the gold result's metric is a form of. It is reported beside the
strict figure, never instead of it.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


from kg.errors import InputError
from kg.evaluate import TypeScore, gold_lines, one_to_one
from kg.extract.normalise import entity_key
from kg.ids import title_key
from kg.ingest.records import make_paper
from kg.model import Paper, Source

RESULTS_GOLD_NAME = "results.jsonl"  # looked for beside an entity gold file
# `kg eval --split`: the halves of the annotated papers, by a hash of each paper's id (fold 0 and 1 of
# `kg eval --folds 2`), so that rules can be tuned on the errors of one half and reported on the other
SPLITS = ("tune", "test")


@dataclass(frozen=True)
class GoldResult:
    method: str
    metric: str
    value: float
    unit: str
    dataset: str
    relative: bool


@dataclass
class ResultsReport:
    value_metric: TypeScore = field(default_factory=TypeScore)
    full: TypeScore = field(default_factory=TypeScore)
    value_metric_method: TypeScore = field(default_factory=TypeScore)  # also the system the value belongs to
    value_metric_synonyms: TypeScore = field(default_factory=TypeScore)  # metric names as the vocabulary groups them
    value_metric_named: TypeScore | None = None  # metric names as the entity gold groups them (module doc)
    relative_agree: int = 0
    relative_total: int = 0
    papers: int = 0
    errors: list[dict] = field(default_factory=list)  # {"paper", "kind": "fp"|"fn"|"relative"|"dataset"|"method", "result"}

    @property
    def relative_accuracy(self) -> float:
        return self.relative_agree / self.relative_total if self.relative_total else 0.0

    def as_dict(self) -> dict:
        out = {"papers": self.papers, "value_metric": self.value_metric.as_dict(), "full": self.full.as_dict(),
               "value_metric_method": self.value_metric_method.as_dict(),
               "value_metric_vocabulary_synonyms": self.value_metric_synonyms.as_dict(),
               "relative_accuracy": round(self.relative_accuracy, 4), "relative_scored": self.relative_total}
        if self.value_metric_named is not None:
            out["value_metric_entity_names"] = self.value_metric_named.as_dict()
        return out


def load_results_gold(path: str | Path) -> dict[str, tuple[str, list[GoldResult]]]:
    """normalised title -> (title, gold results). A bad line is an InputError naming file:line."""
    gold: dict[str, tuple[str, list[GoldResult]]] = {}
    for number, record in gold_lines(path):
        try:
            results = [
                GoldResult(r.get("method") or "", r.get("metric") or "", float(r["value"]), r.get("unit") or "",
                           r.get("dataset") or "", bool(r.get("relative", False)))
                for r in record["results"]
            ]
            title = record["title"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(str(path), f"not a results gold record ({exc.__class__.__name__}: {exc})", line=number) from None
        gold[title_key(title)] = (title, results)
    return gold


def split_titles(paths: Iterable[str | Path], split: str) -> set[str]:
    """The normalised titles of the gold papers of `paths` in one half (`SPLITS`): the paper's id
    (else its normalised title) hashed as the cross-validation folds are, fold 0 tuning, 1 test."""
    from kg.training.data import fold_of

    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    wanted = SPLITS.index(split)
    titles = set()
    for path in paths:
        for _, record in gold_lines(path):
            if isinstance(record, dict) and record.get("title"):
                key = title_key(record["title"])
                if fold_of(str(record.get("id") or key), len(SPLITS)) == wanted:
                    titles.add(key)
    return titles


def papers_from_gold(path: str | Path) -> Iterator[Paper]:
    """The papers of a gold file whose lines carry their text (an `abstract`, as synthetic.jsonl)."""
    for number, record in gold_lines(path):
        if isinstance(record, dict) and record.get("abstract"):
            paper = make_paper(Source(str(path), line=number), title=record.get("title"), abstract=record["abstract"])
            if paper is not None:
                yield paper


def metric_key(name: str) -> str:
    """The key two metric names share when they name one measure: the SKOS metric concept (ontology/vocab)
    that lists the name among its labels ("MAE" and "mean absolute error"), else the folded name."""
    key = entity_key(name)
    return _metric_concepts().get(key, key)


@lru_cache(maxsize=1)
def _metric_concepts() -> dict[str, str]:
    from kg.extract.vocabulary import load_vocabulary

    return load_vocabulary().by_key("metric")


def _same_value(pred: dict, gold: GoldResult) -> bool:
    value = pred.get("value")
    return isinstance(value, (int, float)) and math.isclose(value, gold.value, rel_tol=1e-9, abs_tol=1e-9)


def _value_metric(pred: dict, gold: GoldResult) -> bool:
    return _same_value(pred, gold) and entity_key(pred.get("metric") or "") == entity_key(gold.metric)


def _value_metric_synonyms(pred: dict, gold: GoldResult) -> bool:
    return _same_value(pred, gold) and metric_key(pred.get("metric") or "") == metric_key(gold.metric)


def _value_metric_named(groups: list[set[str]]):
    """value+metric where the metrics may also be two forms of one gold metric entity of the paper."""
    def agree(pred: dict, gold: GoldResult) -> bool:
        if _value_metric(pred, gold):
            return True
        if not _same_value(pred, gold):
            return False
        said, meant = entity_key(pred.get("metric") or ""), entity_key(gold.metric)
        return bool(said) and any(said in forms and meant in forms for forms in groups)
    return agree


def _full(pred: dict, gold: GoldResult) -> bool:
    return _value_metric(pred, gold) and entity_key(pred.get("dataset") or "") == entity_key(gold.dataset)


def _value_metric_method(pred: dict, gold: GoldResult) -> bool:
    return _value_metric(pred, gold) and entity_key(pred.get("method") or "") == entity_key(gold.method)


def _match(pred: list[dict], gold: list[GoldResult], agree) -> list[tuple[int, int]]:
    """Maximum one-to-one matching of predicted and gold results that `agree`."""
    return one_to_one(len(pred), len(gold), lambda i, j: agree(pred[i], gold[j]))


def _count(score: TypeScore, pairs: list, n_pred: int, n_gold: int) -> None:
    score.tp += len(pairs)
    score.fp += n_pred - len(pairs)
    score.fn += n_gold - len(pairs)


def score_results(predictions: Iterable[dict], gold: dict[str, tuple[str, list[GoldResult]]],
                  titles: Iterable[str] | None = None, entity_gold: dict | None = None) -> ResultsReport:
    """Score the `results` of `kg extract` records against gold, on the papers whose normalised
    title is in `titles` (default: every gold paper). A gold paper never predicted has all its
    results missed. With `entity_gold` (kg.evaluate.load_gold), the report also holds the
    value+metric figure with metric names as the entity gold groups them (module doc)."""
    wanted = set(gold) if titles is None else {t for t in titles if t in gold}
    report = ResultsReport(value_metric_named=TypeScore() if entity_gold is not None else None)

    def metric_forms(key: str) -> list[set[str]]:
        entities = entity_gold.get(key, ("", []))[1] if entity_gold is not None else []
        return [e.forms for e in entities if e.type == "metric"]

    seen: set[str] = set()
    for record in predictions:
        key = title_key(record["title"])
        if key not in wanted or key in seen:
            continue
        seen.add(key)
        _score_paper(report, record.get("results", []), *gold[key], metric_forms(key))
    for key in sorted(wanted - seen):
        _score_paper(report, [], *gold[key], metric_forms(key))
    return report


def _score_paper(report: ResultsReport, pred: list[dict], title: str, gl: list[GoldResult],
                 metric_forms: list[set[str]] = ()) -> None:
    report.papers += 1
    loose = _match(pred, gl, _value_metric)
    full = _match(pred, gl, _full)
    _count(report.value_metric, loose, len(pred), len(gl))
    _count(report.full, full, len(pred), len(gl))
    by_method = _match(pred, gl, _value_metric_method)
    _count(report.value_metric_method, by_method, len(pred), len(gl))
    _count(report.value_metric_synonyms, _match(pred, gl, _value_metric_synonyms), len(pred), len(gl))
    if report.value_metric_named is not None:
        _count(report.value_metric_named, _match(pred, gl, _value_metric_named(metric_forms)), len(pred), len(gl))
    for i, j in full:
        report.relative_total += 1
        if bool(pred[i].get("relative")) == gl[j].relative:
            report.relative_agree += 1
        else:
            report.errors.append({"paper": title, "kind": "relative", "result": _describe_pred(pred[i]),
                                  "gold": gl[j].relative})
    # the errors are those of the value+metric matching; a pair matched there but not in full has
    # the wrong dataset, and one not matched with its method the wrong method, listed as such
    full_p, method_p = {i for i, _ in full}, {i for i, _ in by_method}
    matched_p, matched_g = {i for i, _ in loose}, {j for _, j in loose}
    for i, j in loose:
        if i not in full_p:
            report.errors.append({"paper": title, "kind": "dataset", "result": _describe_pred(pred[i]),
                                  "gold": gl[j].dataset})
        if i not in method_p:
            report.errors.append({"paper": title, "kind": "method", "result": _describe_pred(pred[i]),
                                  "gold": gl[j].method})
    for i, p in enumerate(pred):
        if i not in matched_p:
            report.errors.append({"paper": title, "kind": "fp", "result": _describe_pred(p)})
    for j, g in enumerate(gl):
        if j not in matched_g:
            report.errors.append({"paper": title, "kind": "fn", "result": _describe_gold(g)})


def _describe_pred(p: dict) -> str:
    rel = " (relative)" if p.get("relative") else ""
    return f"{p.get('value')}{p.get('unit') or ''} {p.get('metric') or '-'} | {p.get('method') or '-'} | {p.get('dataset') or '-'}{rel}"


def _describe_gold(g: GoldResult) -> str:
    rel = " (relative)" if g.relative else ""
    return f"{g.value}{g.unit} {g.metric or '-'} | {g.method or '-'} | {g.dataset or '-'}{rel}"


def find_results_gold(gold: list[Path], given: Path | None) -> Path | None:
    """The results gold to score with: the one given, else results.jsonl beside an entity gold file."""
    if given is not None:
        return given
    for path in gold:
        beside = path.with_name(RESULTS_GOLD_NAME)
        if beside.is_file() and beside != path:
            return beside
    return None


def gold_and_input_papers(gold: list[Path], inputs: list[Path] | None) -> list[Paper]:
    """The papers to extract for scoring: those whose text the gold files carry, and those of
    INPUTS (default: the example corpus, unless every gold line carries its text)."""
    from kg.ingest import read_papers
    from kg.paths import EXAMPLES_DIR

    papers = [p for path in gold for p in papers_from_gold(path)]
    n_gold = sum(1 for path in gold for _ in gold_lines(path))
    if inputs or len(papers) < n_gold:
        known = {title_key(p.title) for p in papers}
        papers += [p for p in read_papers(inputs or [EXAMPLES_DIR / "corpus"]) if title_key(p.title) not in known]
    return papers
