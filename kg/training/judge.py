"""Training the entity judge (kg.extract.judge) on annotated papers: `kg train` with
pipelines/train.cfg.

1. The rules pipeline runs on every training paper; each entity it resolves is labelled right or
   wrong by the same one-to-one matching `kg eval` scores with, and each proposal (a name-shaped
   phrase the rules missed) by the type of the gold entity it names that no rule entity matched
   ("none" otherwise). These are the paper-level gold, projected onto what the pipeline sees.
2. The keep and add regressions (scikit-learn, L2) are fitted `inner_folds` times on all but one
   inner fold of the training papers and predict that fold: the out-of-fold probabilities choose
   each type's thresholds (the best F1 of that type) and fit the isotonic calibration of the
   confidences. No paper outside the given ones is looked at.
3. Both regressions are fitted again on all training papers and saved, as {feature: weight}
   tables, with the thresholds and calibration in the pipeline folder (judge/judge.json).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.evaluate import _match, form_key
from kg.model import ENTITY_TYPES
from kg.training.calibration import fit_isotonic
from kg.training.data import AnnotatedPaper, fold_of

NONE = "none"
# Newton steps reach the same L2 optimum as the default lbfgs in a fraction of its time on these
# few thousand sparse rows (a 5-fold CV fits 40 regressions)
SOLVER = "newton-cg"
KEEP_GRID = [round(0.025 * k, 3) for k in range(0, 31)]  # 0 (keep all) .. 0.75
# weights smaller than this are dropped from the saved tables: on 5-fold CV the F1 is the same from
# 1e-4 to 0.1 (0.773-0.775; 0.769 at 0.2) while the tables shrink about five-fold, and each feature
# an entity has then costs a failed look-up instead of a row of products
PRUNE = 0.05
ADD_GRID = [round(0.05 * k, 2) for k in range(6, 20)]  # 0.3 .. 0.95; 1.01 (add none) if none gains


@dataclass
class PaperExamples:
    """What the judge sees in one paper and what the gold says of it."""

    key: str
    kept: list[tuple[str, dict, int]] = field(default_factory=list)  # (type, plain features, right 0/1)
    proposed: list[tuple[dict, str]] = field(default_factory=list)  # (features, gold type or NONE)
    gold_counts: dict[str, int] = field(default_factory=dict)


def examples(nlp, items: Sequence[AnnotatedPaper], max_words: int, extend_words: int = 0) -> list[PaperExamples]:
    """The labelled examples of each paper, from the rules pipeline `nlp` (without the judge)."""
    from kg.extract import _settings
    from kg.extract.resolve import resolver

    resolve = resolver(*_settings(nlp))
    pairs = ((it.paper.text, it) for it in items)
    return [paper_examples(doc, resolve(doc, it.paper), it, max_words, extend_words)
            for doc, it in nlp.pipe(pairs, as_tuples=True)]


def paper_examples(doc, extraction, item: AnnotatedPaper, max_words: int, extend_words: int = 0) -> PaperExamples:
    """The labelled examples of one paper: its doc and the rules' extraction of it."""
    from kg.extract.judge import features, proposals
    from kg.training.crossval import gold_of

    text, title_end = item.paper.text, len(item.paper.title)
    gold_entities = next(iter(gold_of([item]).values()))[1]
    record = extraction.to_json()
    ex = PaperExamples(item.key, gold_counts={t: sum(g.type == t for g in gold_entities) for t in ENTITY_TYPES})
    right = [0] * len(extraction.entities)
    unmatched: dict[str, set[str]] = {}
    for t in ENTITY_TYPES:
        idx = [i for i, e in enumerate(record["entities"]) if e["type"] == t]
        gl = [g for g in gold_entities if g.type == t]
        pairs_t = _match([record["entities"][i] for i in idx], gl)
        for i, _ in pairs_t:
            right[idx[i]] = 1
        taken = {j for _, j in pairs_t}
        unmatched[t] = {f for j, g in enumerate(gl) if j not in taken for f in g.forms}
    sentence_words: dict = {}
    for entity, ok in zip(extraction.entities, right):
        ex.kept.append((entity.type, features(entity, text, title_end, sentence_words), ok))
    for entity in proposals(doc, extraction, max_words, extend_words):
        forms = {form_key(f) for f in entity.surface_forms} - {""}
        label = next((t for t in ENTITY_TYPES if forms & unmatched[t]), NONE)
        ex.proposed.append((features(entity, text, title_end, sentence_words), label))
    return ex


# ----------------------------------------------------------------------------- the regressions


def fit_keep(papers: Sequence[PaperExamples], C: float) -> dict:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    from kg.extract.judge import typed

    X = [typed(t, f, shared=True) for p in papers for t, f, _ in p.kept]
    y = [ok for p in papers for _, _, ok in p.kept]
    if len(set(y)) < 2:  # all right (or all wrong): a constant model
        return {"bias": 10.0 if (y and y[0]) else -10.0, "weights": {}}
    vec = DictVectorizer()
    model = LogisticRegression(C=C, solver=SOLVER, max_iter=3000).fit(vec.fit_transform(X), y)
    # pruned after rounding, as the saved value is what is read (0.050003 would be saved as 0.05)
    rounded = ((name, round(float(w), 5)) for name, w in zip(vec.feature_names_, model.coef_[0]))
    weights = {name: w for name, w in rounded if abs(w) > PRUNE}
    return {"bias": round(float(model.intercept_[0]), 5), "weights": weights}


def fit_add(papers: Sequence[PaperExamples], C: float) -> dict:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    from kg.extract.judge import PROPOSAL_TYPE, typed

    X = [typed(PROPOSAL_TYPE, f) for p in papers for f, _ in p.proposed]
    y = [label for p in papers for _, label in p.proposed]
    if len(set(y)) < 2:
        return {"classes": [], "bias": [], "weights": {}}
    vec = DictVectorizer()
    model = LogisticRegression(C=C, solver=SOLVER, max_iter=3000).fit(vec.fit_transform(X), y)
    classes = [str(c) for c in model.classes_]
    coef = model.coef_
    if len(classes) == 2:  # scikit-learn's binary case: one row, for the second class
        coef = [-coef[0] / 2, coef[0] / 2]
        bias = [-model.intercept_[0] / 2, model.intercept_[0] / 2]
    else:
        bias = list(model.intercept_)
    weights = {}
    for j, name in enumerate(vec.feature_names_):
        row = [round(float(coef[c][j]), 5) for c in range(len(classes))]
        if any(abs(w) > PRUNE for w in row):
            weights[name] = row
    return {"classes": classes, "bias": [round(float(b), 5) for b in bias], "weights": weights}


# ----------------------------------------------------------------------------- thresholds


@dataclass
class OutOfFold:
    """Out-of-fold probabilities of the training papers' examples."""

    kept: list[tuple[str, float, int]] = field(default_factory=list)  # (type, p right, right)
    proposed: list[tuple[str, float, str]] = field(default_factory=list)  # (best type, its p, gold label)
    gold_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENTITY_TYPES, 0))


def out_of_fold(papers: Sequence[PaperExamples], C: float, folds: int) -> OutOfFold:
    from kg.extract.judge import Judge

    oof = OutOfFold()
    judge = Judge(None, "oof")
    for k in range(folds):
        inside = [p for p in papers if fold_of("inner:" + p.key, folds) != k]
        held = [p for p in papers if fold_of("inner:" + p.key, folds) == k]
        if not inside or not held:
            continue
        judge.keep, judge.add = fit_keep(inside, C), fit_add(inside, C)
        for p in held:
            for t, f, ok in p.kept:
                oof.kept.append((t, judge.keep_probability(t, f), ok))
            for f, label in p.proposed:
                probs = judge.add_probabilities(f)
                if probs:
                    best = max(ENTITY_TYPES, key=lambda t: probs.get(t, 0.0))
                    oof.proposed.append((best, probs[best], label))
            for t, n in p.gold_counts.items():
                oof.gold_counts[t] += n
    return oof


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def choose_thresholds(oof: OutOfFold, min_add_gain: float = 0.0) -> tuple[dict[str, float], dict[str, float]]:
    """Per type: the keep threshold of best F1 on the out-of-fold predictions, then the add
    threshold that raises that F1 most (1.01, adding nothing, unless one raises it by at least
    `min_add_gain`: proposing costs the judge the features of every name-shaped run in the text,
    about a quarter of the trained pipeline's time, which a gain within what a refit moves does
    not repay; with no type adding, the judge proposes nothing)."""
    keep_above, add_above = {}, {}
    for t in ENTITY_TYPES:
        gold = oof.gold_counts.get(t, 0)
        kept = [(p, ok) for tt, p, ok in oof.kept if tt == t]
        best = None
        for thr in KEEP_GRID:
            tp = sum(ok for p, ok in kept if p >= thr)
            fp = sum(1 - ok for p, ok in kept if p >= thr)
            f1 = _f1(tp, fp, gold - tp)
            if best is None or f1 > best[0] + 1e-9:
                best = (f1, thr, tp, fp)
        f1, keep_above[t], tp0, fp0 = best
        added = [(p, label == t) for tt, p, label in oof.proposed if tt == t]
        best_add = (f1, 1.01)
        for thr in ADD_GRID:
            tp = tp0 + sum(ok for p, ok in added if p >= thr)
            fp = fp0 + sum(not ok for p, ok in added if p >= thr)
            f1_add = _f1(tp, fp, gold - tp)
            if f1_add > best_add[0] + 1e-9:
                best_add = (f1_add, thr)
        add_above[t] = best_add[1] if best_add[0] - f1 >= min_add_gain else 1.01
    return keep_above, add_above


def calibration_map(oof: OutOfFold, keep_above: dict, add_above: dict) -> dict:
    """Isotonic map of the probability of what the judge would output to the share of it right."""
    pairs = [(p, float(ok)) for t, p, ok in oof.kept if p >= keep_above[t]]
    pairs += [(p, float(label == t)) for t, p, label in oof.proposed if p >= add_above[t]]
    xs, ys = fit_isotonic([p for p, _ in pairs], [y for _, y in pairs])
    return {"x": xs, "y": ys}


# ----------------------------------------------------------------------------- kg train


@dataclass
class JudgeSettings:
    rules: Path  # the rules pipeline's config
    C: float
    inner_folds: int
    max_words: int
    extend_words: int  # most words a rule mention is widened by on its left (0: not widened)
    min_add_gain: float = 0.0  # least out-of-fold F1 gain of a type for which the judge adds proposals


def judge_settings(config_path: Path) -> JudgeSettings:
    from spacy.util import load_config

    config = load_config(config_path, interpolate=True)
    settings = config["judge"]
    return JudgeSettings(config_path.parent / config["rules"]["config"], float(settings["C"]),
                         int(settings["inner_folds"]), int(settings["max_words"]),
                         int(settings.get("extend_words", 0)), float(settings.get("min_add_gain", 0.0)))


def fit_judge(judge, papers: Sequence[PaperExamples], settings: JudgeSettings) -> dict:
    """Fit `judge` (a kg_entity_judge) on the papers' examples: weights, thresholds chosen on
    out-of-fold predictions, calibration. Returns the thresholds."""
    oof = out_of_fold(papers, settings.C, settings.inner_folds)
    keep_above, add_above = choose_thresholds(oof, settings.min_add_gain)
    judge.keep, judge.add = fit_keep(papers, settings.C), fit_add(papers, settings.C)
    judge.keep_above, judge.add_above, judge.max_words = keep_above, add_above, settings.max_words
    judge.calibration = calibration_map(oof, keep_above, add_above)
    return {f"keep {t}": keep_above[t] for t in ENTITY_TYPES} | {f"add {t}": add_above[t] for t in ENTITY_TYPES}


def train_judge(items: Sequence[AnnotatedPaper], out: str | Path, config_path: Path):
    """Train the judge on `items` and save the rules pipeline with it to `out` (replaced whole)."""
    from kg.errors import KgError
    from kg.extract import build_nlp
    from kg.training.train import Trained, pipeline_folder

    settings = judge_settings(config_path)
    if len(items) < 2 * settings.inner_folds:
        raise KgError(f"training needs at least {2 * settings.inner_folds} annotated papers with text (got {len(items)})")
    nlp = build_nlp(settings.rules)
    papers = examples(nlp, items, settings.max_words, settings.extend_words)
    judge = nlp.add_pipe("kg_entity_judge", config={"extend_words": settings.extend_words})
    thresholds = fit_judge(judge, papers, settings)
    out = Path(out)
    # where the rules' config sat on the training machine means nothing elsewhere; loading the
    # folder records the folder itself (kg.extract.build_nlp)
    nlp.meta.pop("kg_config", None)
    with pipeline_folder(out) as stage:
        nlp.to_disk(stage)
    return Trained(out, thresholds, len(items), len(items))


def cross_validate_judge(items: Sequence[AnnotatedPaper], config_path: Path, fold_of_item: Sequence[int],
                         folds: int, on_fold=None) -> tuple[list, list[dict]]:
    """(extraction of each item by a judge trained without its fold, thresholds of each fold).

    The rules learn nothing from the gold, so they run once over all papers; each fold's judge is
    fitted, as `kg train` fits it, on the examples of the other folds' papers only."""
    import copy

    from kg.extract import _settings, build_nlp
    from kg.extract.judge import Judge
    from kg.extract.resolve import resolver

    settings = judge_settings(Path(config_path))
    for k in range(folds):  # as `kg train` refuses: tables from judges fitted on 0-2 papers read as results
        rest = sum(1 for f in fold_of_item if f != k)
        if rest < 2 * settings.inner_folds:
            from kg.errors import KgError

            raise KgError(f"cross-validating the judge needs at least {2 * settings.inner_folds} papers to train on "
                          f"outside each fold, as kg train does (fold {k + 1} of {folds} leaves {rest}): give more "
                          "gold papers or fewer folds")
    nlp = build_nlp(settings.rules)
    resolve = resolver(*_settings(nlp))
    docs = list(nlp.pipe(it.paper.text for it in items))
    rules_output = [resolve(doc, it.paper) for doc, it in zip(docs, items)]
    papers = [paper_examples(doc, copy.deepcopy(extraction), it, settings.max_words, settings.extend_words)
              for doc, extraction, it in zip(docs, rules_output, items)]
    predictions: list = [None] * len(items)
    thresholds = []
    for k in range(folds):
        judge = Judge(nlp, "kg_entity_judge", settings.extend_words)
        thresholds.append(fit_judge(judge, [p for p, f in zip(papers, fold_of_item) if f != k], settings))
        held_out = [i for i, f in enumerate(fold_of_item) if f == k]
        for i in held_out:
            predictions[i] = judge.finish(docs[i], copy.deepcopy(rules_output[i]))
        if on_fold:
            on_fold(k, len(held_out))
    return predictions, thresholds
