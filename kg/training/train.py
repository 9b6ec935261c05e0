"""`kg train`: annotated papers -> a trained pipeline folder that `--pipeline` loads.

A training config with a [judge] section (pipelines/train.cfg, the default) trains the entity judge
(kg.training.judge); any other is a spaCy training config of the span scorer, trained as follows.

1. Papers are split by a hash of their id: most train the span scorer (spaCy's own training loop,
   `spacy train`, with pipelines/spancat.cfg), the rest (the "tuning" papers, never trained on) choose
   the decision thresholds and fit the calibration map of the confidences.
2. The trained pipeline gets the decisions component (thresholds, calibration map) and is saved
   whole: config, weights and calibration.json, loadable by `spacy.load` once kg is imported.
"""
from __future__ import annotations

import itertools
import logging
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language

from kg.errors import KgError
from kg.outputs import PIPELINE_MARKER, atomic_folder, check_pipeline_target, pipeline_names
from kg.paths import PIPELINES_DIR, RULES_PIPELINE
from kg.training.calibration import fit_isotonic
from kg.training.data import AnnotatedPaper, fold_of, write_docbin

TRAIN_CONFIG = PIPELINES_DIR / "train.cfg"  # the entity judge (kg.training.judge)
SPANCAT_CONFIG = PIPELINES_DIR / "spancat.cfg"  # the span scorer (spaCy training, below)
TUNING_SHARE = 6  # one paper in this many tunes the thresholds and calibration instead of training
log = logging.getLogger(__name__)

# the grid the thresholds are chosen from, on the tuning papers
GRID = {
    "drop_below": (0.0, 0.05, 0.1, 0.2, 0.3),
    "retype_above": (1.01, 0.9, 0.7, 0.5),
    "add_above": (1.01, 0.9, 0.8, 0.7, 0.6, 0.5),
}
PROPOSED_GRID = (None, 0.3, 0.5, 0.7)  # None: the rules' roles stay
# what tuning must gain over the rules' own output (micro F1, or role accuracy) before the model
# overrides them: tuning papers are few, and five-fold cross-validation showed smaller gains there
# to be noise (see BENCHMARKS.md)
MARGIN = 0.01


@dataclass
class Trained:
    path: Path
    thresholds: dict
    tuning_papers: int
    training_papers: int


def split(items: Sequence[AnnotatedPaper]) -> tuple[list[AnnotatedPaper], list[AnnotatedPaper]]:
    """(training papers, tuning papers), by a hash of each paper's id."""
    tune = [it for it in items if fold_of("tune:" + it.key, TUNING_SHARE) == 0]
    train = [it for it in items if fold_of("tune:" + it.key, TUNING_SHARE) != 0]
    if not tune or not train:
        raise KgError(f"training needs at least {TUNING_SHARE} annotated papers with text (got {len(items)})")
    return train, tune


def train(items: Sequence[AnnotatedPaper], out: str | Path, *, config: str | Path = TRAIN_CONFIG,
          epochs: int | None = None, seed: int = 0) -> Trained:
    """Train the span scorer on `items`, tune and calibrate it, and save the pipeline to `out`."""
    from kg.extract import build_nlp

    check_pipeline_target(out)

    if "judge" in spacy.util.load_config(Path(config), interpolate=False):
        from kg.training.judge import train_judge

        return train_judge(items, out, Path(config))
    train_items, tune_items = split(items)
    out = Path(out)
    tokenizer_nlp = build_nlp(RULES_PIPELINE)  # the project's tokenizer: the docs are tokenised as at run time
    with tempfile.TemporaryDirectory(prefix="kg-train-") as tmp:
        tmp = Path(tmp)
        write_docbin(tokenizer_nlp, train_items, tmp / "train.spacy")
        write_docbin(tokenizer_nlp, tune_items, tmp / "dev.spacy")
        overrides = {"paths.train": str(tmp / "train.spacy"), "paths.dev": str(tmp / "dev.spacy"), "system.seed": seed}
        if epochs is not None:
            overrides["training.max_epochs"] = epochs
        nlp = run_spacy_training(Path(config), tmp / "model", overrides)
        thresholds = tune(nlp, tune_items)
        with pipeline_folder(out) as stage:
            nlp.to_disk(stage)
            if thresholds["add_above"] > 1:
                _set_max_ngram(stage / "config.cfg", 0)
    return Trained(out, thresholds, len(tune_items), len(train_items))


@contextmanager
def pipeline_folder(out: Path) -> Iterator[Path]:
    """A fresh folder to save a trained pipeline in; once it is whole it replaces `out` in one step
    (a failed run leaves `out` as it was). `train` has refused, before any work, an `out` that is
    not a pipeline kg wrote: a user's folder is never replaced."""
    with atomic_folder(out, marker=PIPELINE_MARKER, known=pipeline_names) as stage:
        yield stage


def run_spacy_training(config_path: Path, output: Path, overrides: dict) -> Language:
    """spaCy's own training (what `spacy train CONFIG --output OUTPUT` runs), quietly; returns the
    pipeline of the last epoch with the decisions component added."""
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as train_loop

    config = spacy.util.load_config(config_path, overrides=overrides, interpolate=False)
    nlp = init_nlp(config, use_gpu=-1)
    output.mkdir(parents=True, exist_ok=True)
    # spaCy's progress table, kept beside the weights rather than printed
    with open(output / "training.log", "w", encoding="utf-8") as log_file:
        train_loop(nlp, output, use_gpu=-1, stdout=log_file, stderr=log_file)
    nlp = spacy.load(output / "model-last")
    nlp.add_pipe("kg_model_decisions", after="kg_span_scorer")
    return nlp


# ----------------------------------------------------------------------------- tuning


def tune(nlp: Language, items: Sequence[AnnotatedPaper]) -> dict:
    """Choose the decision thresholds on papers the scorer was not trained on (best micro F1, then
    best role accuracy for the proposal threshold, or the rules' roles) and fit the calibration map
    there. The rules' output stays unless a setting beats it by MARGIN."""
    from kg.training.crossval import Scored, gold_of, predict_prepared, prepare

    prepared = prepare(nlp, [it.paper for it in items])
    gold = gold_of(items)
    decisions = nlp.get_pipe("kg_model_decisions")
    best = None  # (F1, settings); the grids start with the settings that leave the rules' output as it is
    for values in itertools.product(*GRID.values()):
        settings = dict(zip(GRID, values))
        for k, v in settings.items():
            setattr(decisions, k, v)
        f1 = Scored(predict_prepared(nlp, prepared), gold).report.micro.f1
        if best is None:
            baseline = f1
        if best is None or f1 > best[0] + 1e-9:
            best = (f1, settings)
    if best[0] < baseline + MARGIN:  # not clearly better than the rules on papers it never saw: no change
        best = (baseline, dict(zip(GRID, (values[0] for values in GRID.values()))))
    for k, v in best[1].items():
        setattr(decisions, k, v)
    best_role = None
    for threshold in PROPOSED_GRID:
        decisions.proposed_above = threshold
        accuracy = Scored(predict_prepared(nlp, prepared), gold).report.role_accuracy
        if best_role is None or accuracy > best_role[0] + (MARGIN if best_role[1] is None else 1e-9):
            best_role = (accuracy, threshold)
    decisions.proposed_above = best_role[1]
    thresholds = {**best[1], "proposed_above": best_role[1]}
    if thresholds["add_above"] > 1:
        # nothing is added: the scorer needs to score only the rules' candidates (its n-grams cost
        # most of its time); the calibration is then fitted on what it will see
        scorer_only_candidates(nlp)
        prepared = prepare(nlp, [it.paper for it in items])
    # the calibration map: raw type probability -> share right, on the tuning papers
    scored = Scored(predict_prepared(nlp, prepared), gold)
    # added again with the chosen thresholds as its config, which the saved config.cfg then shows
    nlp.remove_pipe("kg_model_decisions")
    decisions = nlp.add_pipe("kg_model_decisions", after="kg_span_scorer", config=thresholds)
    decisions.calibration = calibration_map(scored.outcomes())
    log.info("thresholds %s (tuning micro F1 %.3f, role accuracy %.3f)", thresholds, best[0], best_role[0])
    return thresholds


def scorer_only_candidates(nlp: Language) -> None:
    from kg.extract.learned import make_candidate_suggester

    nlp.get_pipe("kg_span_scorer").suggester = make_candidate_suggester(0)


def _set_max_ngram(config_path: Path, max_ngram: int) -> None:
    """The saved config says what the scorer suggests (spaCy saves the config it was built with)."""
    config = spacy.util.load_config(config_path, interpolate=False)
    config["components"]["kg_span_scorer"]["suggester"]["max_ngram"] = max_ngram
    config.to_disk(config_path)


def calibration_map(outcomes: list[tuple[float | None, bool]]) -> dict:
    """{"x": ..., "y": ...} (isotonic step function of the raw probability) and "unscored" (the share
    right of the entities the scorer saw no mention of)."""
    scored = [(p, ok) for p, ok in outcomes if p is not None]
    unscored = [ok for p, ok in outcomes if p is None]
    xs, ys = fit_isotonic([p for p, _ in scored], [float(ok) for _, ok in scored])
    return {"x": xs, "y": ys, "unscored": round(sum(unscored) / len(unscored), 4) if unscored else None}
