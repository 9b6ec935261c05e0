"""The trained part of extraction: projection of paper-level gold onto text, folds, calibration,
cross-validation, `kg train` end to end, `--pipeline` and `--min-confidence`."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from conftest import DEV_GOLD, EXAMPLE_CORPUS, ROOT

GOLD_DIR = ROOT / "examples" / "gold"


# --------------------------------------------------------------------------- projection


def test_projection_labels_every_token_aligned_occurrence(nlp):
    from kg.training.data import PROPOSED, project

    doc = nlp.make_doc("FooNet: Fast Parsing\n\nWe propose FooNet. Unlike foonet-lite, FOONET beats ResNet-50 on ImageNet.")
    spans = project(doc, [
        {"type": "method", "name": "FooNet", "aliases": [], "role": "proposed"},
        {"type": "dataset", "name": "imagenet", "aliases": [], "role": "used"},
        {"type": "method", "name": "ResNet", "aliases": [], "role": "used"},
    ])
    got = {(doc[a:b].text, doc[a:b].start_char, label) for a, b, label in spans}
    foonet = [i for i in range(len(doc.text)) if doc.text.startswith("FooNet", i)]
    # case-sensitive occurrences only, as the name has some ("foonet-lite" and "FOONET" are not taken)
    assert {(t, s, l) for t, s, l in got if t.lower() == "foonet"} == {
        ("FooNet", foonet[0], "method"), ("FooNet", foonet[0], PROPOSED),
        ("FooNet", foonet[1], "method"), ("FooNet", foonet[1], PROPOSED)}
    # no case-sensitive occurrence: the case-insensitive one, without PROPOSED for a used dataset
    assert ("ImageNet", doc.text.index("ImageNet"), "dataset") in got
    assert not any(label == PROPOSED and t == "ImageNet" for t, _, label in got)
    # "ResNet" inside the token "ResNet-50" is not token-aligned: no span
    assert not any(t == "ResNet" for t, _, _ in got)


def test_a_gold_record_without_text_names_the_file_and_line(tmp_path):
    from kg.errors import InputError
    from kg.training.data import read_annotations

    gold = tmp_path / "mine.jsonl"
    gold.write_text(json.dumps({"title": "A paper nobody has", "entities": []}) + "\n")
    with pytest.raises(InputError, match=r"mine\.jsonl:1: no abstract"):
        read_annotations([gold], [EXAMPLE_CORPUS])


def test_an_empty_annotation_file_is_named(tmp_path):
    # kg train DEV_GOLD empty.jsonl: training said it got too few papers, not which file was empty
    from kg.errors import InputError
    from kg.training.data import read_annotations

    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(InputError, match=r"empty\.jsonl: holds no gold record"):
        read_annotations([DEV_GOLD, empty], [EXAMPLE_CORPUS])


def test_cross_validating_the_judge_on_too_few_papers_is_refused_as_training_is(tmp_path, kg_cli):
    # before: `kg eval --gold three.jsonl --folds 5 --pipeline pipelines/train.cfg` printed tables and a
    # reliability table (">= 0.90: 30 links, 0.900") from judges fitted on 0 to 2 papers
    three = tmp_path / "three.jsonl"
    three.write_text("".join((GOLD_DIR / "synthetic.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)[:3]))
    done = kg_cli("eval", "--gold", three, "--folds", "5", "--pipeline", ROOT / "pipelines" / "train.cfg", timeout=600)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip().splitlines()[-1].startswith(
        "error: cross-validating the judge needs at least 6 papers to train on outside each fold, as kg train does (fold 1 of 5 leaves ")


def test_folds_are_fixed_by_the_paper_id_and_cover_the_gold():
    from kg.training.data import fold_of, read_annotations

    items = read_annotations([GOLD_DIR / "dev.jsonl", GOLD_DIR / "seed_more.jsonl", GOLD_DIR / "synthetic.jsonl"],
                             [EXAMPLE_CORPUS])
    assert len(items) == 190 and {it.source for it in items} == {"dev", "seed_more", "synthetic"}
    folds = [fold_of(it.key, 5) for it in items]
    assert folds == [fold_of(it.key, 5) for it in items]  # the same on every call
    sizes = [folds.count(k) for k in range(5)]
    assert min(sizes) >= 25, sizes  # a hash deals them out roughly evenly


# --------------------------------------------------------------------------- calibration


def test_isotonic_calibration_is_monotone_and_fits_the_shares():
    from kg.extract.learned import calibrate
    from kg.training.calibration import fit_isotonic

    # raw 0.2: 1 in 4 right; raw 0.6: 3 in 4; raw 0.9: 4 in 4; one inversion (0.4 all wrong) pooled
    xs = [0.2] * 4 + [0.4] * 2 + [0.6] * 4 + [0.9] * 4
    ys = [1, 0, 0, 0] + [0, 0] + [1, 1, 1, 0] + [1, 1, 1, 1]
    bounds, values = fit_isotonic(xs, ys)
    assert values == sorted(values)
    cal = {"x": bounds, "y": values}
    assert calibrate(cal, 0.2) == pytest.approx(1 / 6, abs=1e-4)  # 0.2 and 0.4 pooled: 1 right in 6
    assert calibrate(cal, 0.45) == pytest.approx(1 / 6, abs=1e-4) and calibrate(cal, 0.1) == calibrate(cal, 0.2)
    assert calibrate(cal, 0.65) == pytest.approx(0.75)
    assert calibrate(cal, 0.95) == 1.0
    assert calibrate({}, 0.42) == 0.42  # no map: the raw probability


# --------------------------------------------------------------------------- cross-validation


def test_rules_only_cross_validation_adds_up_per_set(tmp_path):
    from kg.paths import RULES_PIPELINE
    from kg.training.crossval import cross_validate
    from kg.training.data import read_annotations

    items = read_annotations([DEV_GOLD, GOLD_DIR / "synthetic.jsonl"], [EXAMPLE_CORPUS])
    cv = cross_validate(items, RULES_PIPELINE, 3)
    assert not cv.trained and set(cv.per_set) == {"dev", "synthetic"}
    assert cv.per_set["dev"].papers == 70 and cv.per_set["synthetic"].papers == 80
    for t, total in cv.total.per_type.items():
        assert total.tp == sum(r.per_type[t].tp for r in cv.per_set.values())
        assert total.fn == sum(r.per_type[t].fn for r in cv.per_set.values())
    # the rules are better on the dev set they were built on than on the abstracts written apart
    assert cv.per_set["dev"].micro.f1 > cv.per_set["synthetic"].micro.f1
    cumulative = cv.reliability[-1]
    assert cumulative["cumulative"] and cumulative["links"] == sum(r["links"] for r in cv.reliability[-3:-1])


def test_kg_eval_folds_of_the_rules_equals_their_plain_score(kg_cli):
    """The rules learn nothing from the gold: their cross-validated score is their score on every
    paper, and `kg eval --folds` says so per gold file."""
    from kg.paths import RULES_PIPELINE

    plain = kg_cli("eval", "--gold", DEV_GOLD, "--json", "--errors", "--pipeline", RULES_PIPELINE)
    folds = kg_cli("eval", "--gold", DEV_GOLD, "--gold", GOLD_DIR / "seed_more.jsonl", "--folds", "3", "--json",
                   "--errors", "--pipeline", RULES_PIPELINE)
    assert plain.returncode == 0 and folds.returncode == 0, folds.stderr
    plain, folds = json.loads(plain.stdout), json.loads(folds.stdout)
    assert folds["folds"] == 3 and not folds["trained"]
    assert folds["per_set"]["dev"]["micro"] == plain["micro"]
    assert folds["total"]["papers"] == 110
    # --errors lists each paper's errors as its held-out fold scored it (it printed nothing with --folds):
    # the dev papers' are their plain errors, and there are as many as the totals count
    listed = {json.dumps(e, sort_keys=True) for e in folds["errors"]}
    assert {json.dumps(e, sort_keys=True) for e in plain["errors"]} <= listed
    for kind in ("fp", "fn"):
        assert sum(e["kind"] == kind for e in folds["errors"]) == folds["total"]["micro"][kind]


def test_the_judges_cross_validation_is_kg_train_on_the_other_folds(tmp_path):
    """`kg eval --folds` runs the rules once and fits each fold's judge in process: what it predicts
    for a held-out paper is what `kg train` on the other folds, then extraction, gives."""
    from kg.extract import build_nlp, extract
    from kg.training.data import fold_of, read_annotations
    from kg.training.judge import cross_validate_judge
    from kg.training.train import TRAIN_CONFIG, train

    items = read_annotations([DEV_GOLD], [EXAMPLE_CORPUS])[:16]
    fold = [fold_of(it.key, 2) for it in items]
    predictions, thresholds = cross_validate_judge(items, TRAIN_CONFIG, fold, 2)
    done = train([it for it, f in zip(items, fold) if f != 0], tmp_path / "judge")
    apart = extract([it.paper for it, f in zip(items, fold) if f == 0], nlp=build_nlp(done.path))
    in_process = [p for p, f in zip(predictions, fold) if f == 0]
    assert [e.to_json() for e in apart] == [e.to_json() for e in in_process] and in_process
    assert thresholds[0] == done.thresholds
    # the judge did decide: confidences are its calibrated probabilities, not the rules' 1.0
    assert any(e.confidence < 1.0 for x in in_process for e in x.entities)


# --------------------------------------------------------------------------- kg train, --pipeline


def _annotations(path: Path, n: int = 14) -> Path:
    """Abstracts of a made-up field whose measure, "FLRB", no rule or vocabulary knows."""
    tasks = ["image captioning", "speech recognition", "question answering", "object detection",
             "machine translation", "text summarization"]
    datasets = ["Quorva", "Lintel", "Mardo"]
    records = []
    for i in range(n):
        name, task, data = f"Zq{i}Net", tasks[i % len(tasks)], datasets[i % 3]
        # no value after the measure: "a FLRB of 0.71" would make it a measure by the rules alone
        abstract = (f"We propose {name}, a model for {task}. On the {data} benchmark, {name} reaches a higher FLRB "
                    f"than previous models. We also report that FLRB rises with model size.")
        records.append({"id": f"t{i}", "title": f"{name}: Fast {task.title()}", "abstract": abstract, "entities": [
            {"type": "method", "name": name, "aliases": [], "role": "proposed"},
            {"type": "metric", "name": "FLRB", "aliases": []},
            {"type": "dataset", "name": data, "aliases": [], "role": "used"},
            {"type": "task", "name": task, "aliases": []},
        ]})
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


NEW_PAPER = {"title": "Blorp: Faster Question Answering",
             "abstract": "We present Blorp, a reader for question answering. Blorp improves FLRB over strong "
                         "baselines on the Quorva benchmark."}


@pytest.fixture(scope="module")
def trained_folder(tmp_path_factory, kg_cli_module):
    out = tmp_path_factory.mktemp("trained") / "flurbity-model"
    annotations = _annotations(out.parent / "annotations.jsonl")
    done = kg_cli_module("train", annotations, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def kg_cli_module():
    import os
    import subprocess

    from conftest import KG

    def run(*args):
        return subprocess.run([KG, *map(str, args)], capture_output=True, text=True, cwd=ROOT, timeout=300,
                              env={**os.environ, "COLUMNS": "200"})

    return run


def test_kg_train_then_extract_with_the_trained_pipeline(trained_folder, kg_cli_module, tmp_path):
    """The trained pipeline finds what the annotations taught it and the rules alone miss: the
    measure "FLRB" in an abstract it was not trained on (a name the rules do not propose, which
    the entity judge adds and types from the words around it)."""
    from kg.paths import RULES_PIPELINE

    assert (trained_folder / "config.cfg").is_file()
    assert (trained_folder / "kg_entity_judge" / "judge.json").is_file()
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps(NEW_PAPER) + "\n")
    metrics = {}
    for name, pipeline in (("trained", trained_folder), ("rules", RULES_PIPELINE)):
        done = kg_cli_module("extract", new, "--pipeline", pipeline)
        assert done.returncode == 0, done.stderr
        record = json.loads(done.stdout)
        metrics[name] = {e["name"].lower() for e in record["entities"] if e["type"] == "metric"}
    assert "flrb" in metrics["trained"]
    assert "flrb" not in metrics["rules"]


def test_a_trained_pipeline_builds_a_graph(trained_folder, kg_cli_module, tmp_path):
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps(NEW_PAPER) + "\n")
    out = tmp_path / "graph"
    done = kg_cli_module("build", new, "--out", out, "--pipeline", trained_folder, "--no-extras", "--jobs", "1")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["pipeline"] == str(trained_folder) and len(manifest["pipeline_sha256"]) == 64


def test_kg_train_never_replaces_a_folder_it_did_not_write(kg_cli_module, tmp_path):
    """`--out` naming a user's folder (a project, a home directory) is refused before any work, in
    one line, and the folder keeps every file; a pipeline kg wrote may be replaced."""
    from kg.errors import KgError
    from kg.outputs import check_pipeline_target
    from kg.paths import TRAINED_PIPELINE

    project = tmp_path / "my-project"
    project.mkdir()
    (project / "notes.txt").write_text("months of work\n")
    annotations = _annotations(tmp_path / "annotations.jsonl")
    done = kg_cli_module("train", annotations, "--out", project)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert str(project) in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert [p.name for p in project.iterdir()] == ["notes.txt"]
    assert (project / "notes.txt").read_text() == "months of work\n"
    # another spaCy pipeline (not one of kg's components) is a folder kg did not write either
    (project / "meta.json").write_text("{}")
    (project / "config.cfg").write_text('[nlp]\npipeline = ["ner"]\n')
    with pytest.raises(KgError):
        check_pipeline_target(project)
    check_pipeline_target(TRAINED_PIPELINE)  # the shipped pipeline is retrained in place
    check_pipeline_target(tmp_path / "new-model")  # a path that does not exist yet


def test_a_trained_pipeline_folder_is_marked_as_kg_s(trained_folder):
    from kg.outputs import PIPELINE_MARKER, check_pipeline_target

    assert (trained_folder / PIPELINE_MARKER).is_file()
    check_pipeline_target(trained_folder)  # so `kg train --out` the same folder again replaces it
    assert not list(trained_folder.parent.glob(f".{trained_folder.name}*"))  # no staging folder left


def test_a_folder_that_is_not_a_pipeline_is_one_line(kg_cli_module, tmp_path):
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps(NEW_PAPER) + "\n")
    done = kg_cli_module("extract", new, "--pipeline", tmp_path)
    assert done.returncode != 0
    assert "not a pipeline folder" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("judge", ["[]", "null"])
def test_a_trained_pipeline_with_a_file_of_another_shape_is_one_line(kg_cli_module, tmp_path, judge):
    # before: "TypeError: list indices must be integers or slices, not str" as a traceback
    import shutil

    from kg.paths import DEFAULT_PIPELINE

    pipeline = tmp_path / "pipeline"
    shutil.copytree(DEFAULT_PIPELINE, pipeline)
    (pipeline / "kg_entity_judge" / "judge.json").write_text(judge + "\n")
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps(NEW_PAPER) + "\n")
    done = kg_cli_module("extract", new, "--pipeline", pipeline)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().startswith(f"error: {pipeline}: cannot load the trained pipeline: TypeError: ")
    assert len(done.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- --min-confidence


def test_min_confidence_keeps_only_links_at_or_above_it(kg_cli_module, tmp_path):
    out = {}
    for threshold in ("0", "0.9"):
        done = kg_cli_module("extract", DEV_GOLD.parent.parent / "corpus", "--min-confidence", threshold, "-o",
                             tmp_path / f"x{threshold}.jsonl")
        assert done.returncode == 0, done.stderr
        out[threshold] = [json.loads(line) for line in (tmp_path / f"x{threshold}.jsonl").read_text().splitlines()]
    every = [e for r in out["0"] for e in r["entities"]]
    kept = [e for r in out["0.9"] for e in r["entities"]]
    assert kept and all(e["confidence"] >= 0.9 for e in kept)
    assert len(kept) == sum(e["confidence"] >= 0.9 for e in every) < len(every)


@pytest.mark.parametrize("bad", [1.5, -0.1, float("nan")])
def test_a_min_confidence_that_is_no_confidence_is_refused_from_python_too(bad, tmp_path):
    # the CLI's option range did not guard kg.build / kg.extract: 1.5 kept no link, NaN every one
    from kg.build import build
    from kg.errors import KgError
    from kg.extract import extract
    from kg.model import Paper

    with pytest.raises(KgError, match="min_confidence must be between 0 and 1"):
        build([EXAMPLE_CORPUS], tmp_path / "g", min_confidence=bad)
    assert not (tmp_path / "g").exists() and not (tmp_path / ".g.builds").exists()  # refused before any work
    with pytest.raises(KgError, match="min_confidence must be between 0 and 1"):
        next(extract([Paper(id="p", title="A title", abstract="An abstract.")], min_confidence=bad))


def test_build_min_confidence_writes_no_link_below_it(kg_cli_module, tmp_path):
    from kg.store import open_store

    papers = tmp_path / "papers.jsonl"
    gold = [json.loads(line) for line in (GOLD_DIR / "synthetic.jsonl").read_text().splitlines()[:20]]
    papers.write_text("".join(json.dumps({"title": r["title"], "abstract": r["abstract"]}) + "\n" for r in gold))
    counts = {}
    for threshold in ("0", "0.85"):
        out = tmp_path / f"g{threshold}"
        done = kg_cli_module("build", papers, "--out", out, "--min-confidence", threshold, "--no-extras", "--jobs", "1")
        assert done.returncode == 0, done.stderr
        store = open_store(out)
        rows = list(store.query("PREFIX kgo: <https://w3id.org/kg-lit/ontology#> "
                                "SELECT ?c WHERE { ?link kgo:confidence ?c }"))
        confidences = [float(r[0].value) for r in rows]
        counts[threshold] = len(confidences)
        if threshold != "0":
            assert confidences and min(confidences) >= 0.85
    assert counts["0.85"] < counts["0"]
    done = kg_cli_module("build", papers, "--out", tmp_path / "bad", "--min-confidence", "1.5")
    assert done.returncode != 0


def test_the_shipped_trained_pipeline_gives_calibrated_confidences():
    """pipelines/trained loads without a download, and each link's confidence is a value of its
    calibration map (the share right that held-out papers showed), not a rule's fixed trust."""
    from kg.extract import build_nlp, extract
    from kg.model import Paper
    from kg.paths import TRAINED_PIPELINE

    calibration = json.loads((TRAINED_PIPELINE / "kg_entity_judge" / "judge.json").read_text())["calibration"]
    assert calibration["y"] == sorted(calibration["y"]) and len(calibration["x"]) == len(calibration["y"])
    size = sum(p.stat().st_size for p in TRAINED_PIPELINE.rglob("*") if p.is_file())
    assert size <= 25 * 2**20
    nlp = build_nlp(TRAINED_PIPELINE)
    paper = Paper(id="p", title=NEW_PAPER["title"], abstract=NEW_PAPER["abstract"] + " We compare with BERT on SQuAD.")
    extraction = next(extract([paper], nlp=nlp))
    allowed = set(calibration["y"])
    assert extraction.entities and all(round(e.confidence, 4) in allowed for e in extraction.entities)


# --------------------------------------------------------------------------- the entity judge


def _rules_output(text_title: str, abstract: str):
    from kg.extract import build_nlp
    from kg.extract.resolve import resolver
    from kg.model import Paper

    nlp = build_nlp()
    paper = Paper(id="p", title=text_title, abstract=abstract)
    doc = nlp(paper.text)
    return doc, resolver()(doc, paper)


def test_proposals_are_name_shaped_phrases_the_rules_missed():
    from kg.extract.judge import proposals

    doc, extraction = _rules_output("Geo-FNO for Airfoil Design",
                                    "We report minADE of our model and FLRB on Argoverse 2 and on the Zorp split.")
    found = {e.label for e in proposals(doc, extraction)}
    ruled = {m.text for e in extraction.entities for m in e.mentions}
    # (FLRB is no list item here: "minADE and FLRB" would make it a model by the rules, like its neighbour)
    assert {"FLRB", "Zorp", "Airfoil Design"} <= found
    assert "minADE" in ruled and not found & ruled  # never a second entity on a rule's mention
    assert all(any(c.isupper() or c.isdigit() for c in word) for form in found for word in form.split())


def test_no_proposal_starts_with_a_capitalised_function_word():
    """A sentence's "We", "The" or "In" is capitalised by its place, not by a name: no run starts
    there (the name after it is still proposed); an acronym spelling a function word ("UP") is a name."""
    from kg.extract.judge import proposals

    doc, extraction = _rules_output("Geo-FNO for Airfoil Design",
                                    "We report FLRB on Zorp. The Zorp split is hard. In UP, Blorp wins.")
    found = {e.label for e in proposals(doc, extraction)}
    assert {"Zorp", "UP", "Blorp"} <= found
    assert not found & {"We", "The", "In", "The Zorp", "In UP"}


def test_the_judge_drops_below_its_threshold_and_adds_typed_proposals():
    from kg.extract.judge import Judge

    doc, extraction = _rules_output("Blorp: Faster Question Answering",
                                    "We present Blorp, a reader for question answering. Blorp improves FLRB by "
                                    "three points on the Quorva benchmark.")
    judge = Judge(None, "judge")
    # the keep model: rule-found tasks are wrong, the rest right; the add model: after "improves", a metric
    judge.keep = {"bias": 2.0, "weights": {"type|task": -4.0}}
    judge.keep_above = {t: 0.5 for t in judge.keep_above}
    judge.add = {"classes": ["metric", "none"], "bias": [-1.0, 1.0], "weights": {"before1=improves|new": [3.0, -3.0]}}
    judge.add_above = {t: 0.6 for t in judge.add_above}
    before = {(e.type, e.label) for e in extraction.entities}
    assert ("task", "question answering") in before
    out = {(e.type, e.label): e for e in judge.finish(doc, extraction).entities}
    assert ("task", "question answering") not in out and ("method", "Blorp") in out
    assert ("metric", "FLRB") in out and out[("metric", "FLRB")].role is None
    p = 1 / (1 + math.exp(-2.0))
    assert all(round(e.confidence, 4) == round(p, 4) for k, e in out.items() if k[0] == "method")


def test_thresholds_are_chosen_for_the_best_f1_of_each_type():
    from kg.training.judge import OutOfFold, choose_thresholds

    oof = OutOfFold()
    oof.gold_counts = {"method": 4, "dataset": 2, "modality": 0, "metric": 1, "task": 0}
    # methods: three right ones above 0.6, two wrong ones below 0.3; one right proposal at 0.8 and
    # a wrong one at 0.4; datasets: proposals that are all wrong
    oof.kept = [("method", 0.9, 1), ("method", 0.7, 1), ("method", 0.65, 1), ("method", 0.2, 0), ("method", 0.1, 0),
                ("dataset", 0.9, 1), ("dataset", 0.8, 1)]
    oof.proposed = [("method", 0.8, "method"), ("method", 0.4, "none"), ("dataset", 0.9, "none")]
    keep, add = choose_thresholds(oof)
    assert 0.2 < keep["method"] <= 0.65 and 0.4 < add["method"] <= 0.8
    assert keep["dataset"] == 0.0 and add["dataset"] > 1


def test_cue_words_and_numbers_near_a_mention_are_features_by_their_lexicon_class():
    """A word of the rules' lexicon next to a mention ("testbed", a dataset head no gold paper uses)
    is a feature by its class, so the judge's weight for the class carries to it; a number or a
    percentage next to a mention is one too (a metric's value)."""
    from kg.extract.judge import entity_features
    from kg.extract.lexicon import load_cues
    from kg.model import Entity, Mention

    text = "Zorp: a study\n\nWe test Blorp on the Quorva testbed, where Blorp reaches a FLRB of 71.2% overall."
    sentence = (text.index("We"), len(text))

    def entity(name: str, entity_type: str) -> Entity:
        e = Entity(entity_type, name.lower(), name, None, None)
        for at in [i for i in range(len(text)) if text.startswith(name, i)]:
            e.mentions.append(Mention(entity_type, name, at, at + len(name), text[sentence[0]:], *sentence, "test", 1.0))
        return e

    assert "testbed" in load_cues().dataset_heads
    quorva, _ = entity_features(entity("Quorva", "dataset"), text, len("Zorp: a study"))
    flrb, _ = entity_features(entity("FLRB", "metric"), text, len("Zorp: a study"))
    assert quorva["cue-after=dataset"] == 1.0 and "number-after" not in quorva
    assert flrb["number-after"] == 1.0 and "cue-after=dataset" not in flrb


def test_the_keep_model_shares_its_weights_across_types_and_drops_the_negligible(nlp):
    """Fitted on real annotated papers, the keep model has, besides each type's own weights, one
    weight per feature shared by all types: a feature seen only with methods moves the probability
    of a metric too. Weights under PRUNE are not saved."""
    from kg.extract.judge import Judge
    from kg.training.data import read_annotations
    from kg.training.judge import PRUNE, examples, fit_keep

    items = read_annotations([DEV_GOLD], [EXAMPLE_CORPUS])[:24]
    papers = examples(nlp, items, 3)
    judge = Judge(None, "judge")
    judge.keep = fit_keep(papers, 1.0)
    weights = judge.keep["weights"]
    assert all(abs(w) > PRUNE for w in weights.values())
    seen = {f"{name}|{t}" for p in papers for t, f, _ in p.kept for name in f}
    assert len(weights) < len(seen)  # the negligible ones went
    by_type: dict[str, set] = {}
    for p in papers:
        for t, f, _ in p.kept:
            for name in f:
                by_type.setdefault(name, set()).add(t)
    only_methods = [name for name, types in by_type.items() if types == {"method"} and f"{name}|*" in weights]
    assert only_methods
    name = only_methods[0]
    assert f"{name}|metric" not in weights
    assert judge.keep_probability("metric", {name: 1.0}) != judge.keep_probability("metric", {})


def test_proposals_are_added_only_for_a_gain_worth_their_time():
    """Adding proposals costs the judge about a quarter of the pipeline's time: a type adds them
    only when they raise its out-of-fold F1 by at least `min_add_gain`, not for one entity in a
    thousand; a gain that large still switches them on."""
    from kg.training.judge import OutOfFold, choose_thresholds

    oof = OutOfFold()
    oof.gold_counts = {"method": 1000, "dataset": 0, "modality": 0, "metric": 20, "task": 0}
    oof.kept = [("method", 0.9, 1)] * 800 + [("method", 0.1, 0)] * 50 + [("metric", 0.9, 1)] * 10
    oof.proposed = [("method", 0.8, "method"), ("method", 0.3, "none")] + [("metric", 0.7, "metric")] * 5
    assert choose_thresholds(oof)[1]["method"] <= 0.8  # one more right entity: the best F1
    keep, add = choose_thresholds(oof, min_add_gain=0.005)
    assert add["method"] > 1
    assert add["metric"] <= 0.7  # five of twenty metrics more: 0.667 -> 0.8
