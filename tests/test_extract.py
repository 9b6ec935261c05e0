"""Each kind of extraction rule, pinned on sentences written for these tests."""
from __future__ import annotations

import json

import pytest

from kg.extract.normalise import entity_key
from kg.extract.results import find_values

from conftest import EXAMPLE_CORPUS, entities, forms, run



def test_vocabulary_is_case_sensitive_for_names_and_matches_plurals_of_common_nouns(nlp):
    x = run(nlp, "Cutting costs", "Gardeners clip hedges. We compare CLIP with two convolutional neural networks and several GANs.")
    methods = entities(x, "method")
    assert "CLIP" in methods and methods["CLIP"]["mentions"] == ["CLIP"]
    assert "convolutional neural networks" in forms(x, "method")
    assert "GANs" in forms(x, "method")


def test_versions_of_a_model_family_are_entities_of_their_own(nlp):
    # the gold names each version as written (GUIDELINES: "as written in the text"); a family's
    # vocabulary concept once held its later versions as labels, so "Claude 3.5 Sonnet" and
    # "Claude 3 Opus" became one entity named "Claude 2"
    gold = next(json.loads(line) for line in (EXAMPLE_CORPUS.parent / "gold" / "synthetic.jsonl").read_text().splitlines()
                if "Claude 3.5 Sonnet" in line)
    methods = entities(run(nlp, gold["title"], gold["abstract"]), "method")
    assert "Claude 3.5 Sonnet" in methods and "Claude 2" not in methods
    x = run(nlp, "Comparing generators", "We compare Claude 3.5 Sonnet with Claude 3 Opus, and StyleGAN2 with StyleGAN3.")
    methods = entities(x, "method")
    assert {"Claude 3.5 Sonnet", "Claude 3 Opus", "StyleGAN2", "StyleGAN3"} <= set(methods)
    assert methods["StyleGAN2"]["mentions"] == ["StyleGAN2"]


def test_acronym_definition_links_long_form_and_later_uses(nlp):
    x = run(nlp, "Bird song analysis",
            "We introduce the Hierarchical Chirp Encoder (HCE) for bird calls. HCE outperforms earlier encoders.")
    methods = entities(x, "method")
    hce = [e for e in methods.values() if "HCE" in e["mentions"]]
    assert len(hce) == 1
    assert "Hierarchical Chirp Encoder" in hce[0]["mentions"] and hce[0]["role"] == "proposed"


def test_title_name_before_the_colon_is_the_proposed_method(nlp):
    x = run(nlp, "FlexiNet: Elastic Networks for Sensor Fusion", "Sensor fusion matters. Results are strong.")
    assert entities(x, "method")["FlexiNet"]["role"] == "proposed"


def test_title_name_of_a_benchmark_is_a_proposed_dataset(nlp):
    x = run(nlp, "OrchardQA: A Benchmark for Fruit Counting", "We release a benchmark of orchard photos.")
    assert entities(x, "dataset")["OrchardQA"]["role"] == "proposed"


def test_datasets_from_their_context_and_baselines_as_used(nlp):
    x = run(nlp, "Counting birds",
            "We propose TallyFormer. Experiments on the BirdCount, Aviary-7K and FlockSet datasets show that "
            "TallyFormer outperforms DenseCounter.")
    datasets = entities(x, "dataset")
    assert {"BirdCount", "Aviary-7K", "FlockSet"} <= set(datasets)
    assert all(d["role"] == "used" for d in datasets.values())
    methods = entities(x, "method")
    assert methods["TallyFormer"]["role"] == "proposed"
    assert methods["DenseCounter"]["role"] == "used"


def test_metric_names_before_metric_and_score(nlp):
    x = run(nlp, "On evaluation", "We report the Harmonic Agreement score and the Stability metric on held-out data.")
    names = forms(x, "metric")
    assert any("Harmonic Agreement" in n for n in names) and "Stability" in names


def test_modalities_map_onto_the_fixed_list_without_hits_inside_names(nlp):
    x = run(nlp, "Pictures and words", "Vision-and-language models align visual and textual inputs; we also add audio.")
    assert set(entities(x, "modality")) == {"image", "text", "audio"}
    y = run(nlp, "A study of Vision Transformer depth", "We prune Vision Transformer layers and report accuracy.")
    assert entities(y, "modality") == {}


def test_ambiguous_modality_words_need_context(nlp):
    x = run(nlp, "Release", "Our code is available online and the map of results is public.")
    assert entities(x, "modality") == {}
    y = run(nlp, "Programs", "We pair source code with natural language descriptions and graph data.")
    assert {"code", "graph"} <= set(entities(y, "modality"))


def test_task_phrases_and_vocabulary_tasks(nlp):
    x = run(nlp, "Spotting leaks", "We study pipeline leak detection and image captioning for inspection reports.")
    tasks = forms(x, "task")
    assert "image captioning" in tasks
    assert any(t.endswith("leak detection") for t in tasks)


def test_normalisation_joins_spelling_variants():
    assert entity_key("MS-COCO") == entity_key("MSCOCO") == entity_key("ms coco")
    assert entity_key("F1 scores") == entity_key("F1 score")
    assert entity_key("class") == "class"  # "ss" keeps its s


def test_spelling_variants_are_one_entity_in_a_paper(nlp):
    x = run(nlp, "Captions", "We train on MS-COCO. Unlike prior MSCOCO baselines, our captions are long.")
    coco = [e for e in entities(x, "dataset").values() if entity_key(e["name"]) in ("mscoco", "coco")]
    assert len(coco) == 1 and set(coco[0]["mentions"]) == {"MS-COCO", "MSCOCO"}


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("It reaches 74% Top1 Accuracy on ModelNet40.", [(74.0, "%", False)]),
        ("This yields +3.54 mIoU over the baseline.", [(3.54, None, True)]),
        ("Accuracy drops by 23.3%.", [(23.3, "%", True)]),
        ("We use GPT-4 and ResNet50 on 18 datasets from 2023.", []),
        ("The error falls by 2.1 points.", [(2.1, "points", True)]),
    ],
)
def test_result_values(sentence, expected):
    assert [(v.value, v.unit, v.relative) for v in find_values(sentence)] == expected


@pytest.mark.parametrize(
    "abstract, expected",
    [
        # a change word makes a gain relative, a bare score is absolute
        ("Our method achieves 76.8% top-1 accuracy on ImageNet and improves by 2.3% over CLIP.",
         {76.8: False, 2.3: True}),
        # the resolver's rule: a value right after a relative one ("by A and B") is relative too
        ("On ImageNet, top-1 accuracy drops by 23.3% and 22.5% for ViT and ResNet-50, respectively.",
         {23.3: True, 22.5: True}),
        # ... and a list of scores stays absolute
        ("Our model achieves 76.8% top-1 accuracy on ImageNet, 80.1% on CIFAR-100 and 70.2% on Places365.",
         {76.8: False, 80.1: False, 70.2: False}),
    ],
)
def test_results_are_relative_as_their_sentence_says(nlp, abstract, expected):
    found = {r.value: r.relative for r in run(nlp, "Results", abstract).results}
    assert {v: found.get(v) for v in expected} == expected


def test_results_attach_metric_dataset_and_method(nlp):
    x = run(nlp, "GlideNet: Fast Point Clouds",
            "We propose GlideNet. GlideNet achieves 91.2% overall accuracy on ModelNet40 and improves mIoU by 2.4 points.")
    results = {(r.metric, r.value, r.unit, r.dataset, r.relative) for r in x.results}
    assert ("overall accuracy", 91.2, "%", "ModelNet40", False) in results
    assert any(r[0] == "mIoU" and r[1] == 2.4 and r[4] for r in results)
    assert all(r.method == "GlideNet" for r in x.results)


def test_every_mention_keeps_its_evidence(nlp):
    x = run(nlp, "Evidence", "We fine-tune BERT on SQuAD. BERT is strong.")
    text = x.paper.text
    for e in x.entities:
        for m in e.mentions:
            assert text[m.start:m.end] == m.text
            assert text[m.sent_start:m.sent_end].strip() == m.sentence
            assert 0 < m.confidence <= 1 and m.rule


def test_jsonl_export_shape(nlp, kg_cli, tmp_path):
    src = tmp_path / "p.txt"
    src.write_text("Sound maps\n\nWe evaluate Whisper on LibriSpeech and report the WER of its transcripts for long recordings.\n")
    out = tmp_path / "x.jsonl"
    done = kg_cli("extract", src, "--format", "jsonl", "--out", out)
    assert done.returncode == 0, done.stderr
    record = json.loads(out.read_text().splitlines()[0])
    assert set(record) >= {"id", "title", "entities", "results"}
    by_name = {f: e for e in record["entities"] for f in [e["name"], *e["mentions"]]}
    assert by_name["Whisper"]["type"] == "method" and by_name["Whisper"]["role"] == "used"
    assert by_name["LibriSpeech"]["type"] == "dataset"
    assert all(isinstance(e["mentions"], list) and e["mentions"] for e in record["entities"])
    assert by_name["WER"]["type"] == "metric" and "role" not in by_name["WER"]


def test_extraction_in_worker_processes_equals_one_process(kg_cli, tmp_path):
    """`--jobs 2` cuts the example corpus into batches for two worker processes; the JSON Lines must
    be the same, byte for byte and in input order."""
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert kg_cli("extract", EXAMPLE_CORPUS, "--out", one).returncode == 0
    done = kg_cli("extract", EXAMPLE_CORPUS, "--out", two, "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert two.read_bytes() == one.read_bytes()
    assert len(one.read_text().splitlines()) == 136


def test_worker_processes_use_the_callers_pipeline(tmp_path):
    """Workers rebuild the pipeline the caller passed (from its config), not the default one."""
    from dataclasses import replace

    from kg.extract import build_nlp, extract
    from kg.ingest import read_papers
    from kg.paths import RULES_PIPELINE

    config = tmp_path / "no-results.cfg"
    config.write_text(RULES_PIPELINE.read_text().replace(', "kg_results"', ""))
    nlp = build_nlp(config)
    papers = [replace(p, id=f"p{i}") for i, p in enumerate(list(read_papers([EXAMPLE_CORPUS]))[:12])]
    here = list(extract(papers, nlp=nlp))
    there = list(extract(papers, nlp=nlp, n_process=2, batch_size=5))
    assert [x.to_json() for x in there] == [x.to_json() for x in here]
    assert not any(x.results for x in there)
    assert any(x.results for x in extract(papers, n_process=2, batch_size=5))  # the default pipeline finds some
    assert any(e.type == "method" for x in there for e in x.entities)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_bad_input_in_extract_is_one_line_naming_the_file_and_writes_nothing(kg_cli, tmp_path, jobs):
    """A file that cannot be read, after a good one: one error line with the file and line, exit 1,
    and no output file (not even the good paper's record)."""
    good = tmp_path / "good.txt"
    good.write_text("Sound maps\n\nWe evaluate Whisper on LibriSpeech and report the WER of its transcripts for long recordings.\n")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"A title\n\nAn abstract with a stray byte \xff in it, long enough to be an abstract.\n")
    out = tmp_path / "x.jsonl"
    done = kg_cli("extract", good, bad, "--out", out, "--jobs", jobs)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("error:") and f"{bad}:3:" in errors[0] and "UTF-8" in errors[0]
    assert not out.exists() and not list(tmp_path.glob(".x.jsonl*"))



def test_vocabulary_patterns_from_the_label_token_cache_are_the_tokenized_labels(nlp, tmp_path, monkeypatch):
    """The vocabulary matcher's patterns, from tokenizing the labels or from the cache written then,
    are the tokens spaCy's tokenizer makes of each label (capitalised labels as written, the others
    in lower case), each with its concepts; the cache is keyed by the labels."""
    from kg.extract.pipeline import vocabulary_matcher
    from kg.extract.pipeline.vocabulary_matcher import VocabularyMatcher

    monkeypatch.setattr(vocabulary_matcher, "CACHE_DIR", tmp_path)
    fresh = VocabularyMatcher(nlp)
    assert len(list(tmp_path.glob("label-tokens-*.json"))) == 1
    cached = VocabularyMatcher(nlp)
    assert cached.exact == fresh.exact and cached.lower == fresh.lower  # the tokens of every label
    for label, matcher, table, as_written in (
        ("CLIP", cached.exact_matcher, cached.exact, True), ("MS-COCO", cached.exact_matcher, cached.exact, True),
        ("contrastive learning", cached.lower_matcher, cached.lower, False),
        ("fine-tuning", cached.lower_matcher, cached.lower, False),
    ):
        written = label if as_written else label.capitalize()
        doc = nlp.make_doc(f"We report {written} here.")
        n = len(nlp.make_doc(label))
        assert (2, 2 + n) in {(start, end) for _, start, end in matcher(doc)}
        tokens = tuple(t.text if as_written else t.lower_ for t in doc[2 : 2 + n])
        assert {iri for _, iri in table[tokens]} == set((cached.vocab.exact if as_written else cached.vocab.lower)[label])
    assert not cached.exact_matcher(nlp.make_doc("We report clip here."))  # capitalised labels as written
    # the tokens are read from the file of these labels, not from another labels' file
    before = set(tmp_path.glob("label-tokens-*.json"))
    assert vocabulary_matcher.label_tokens(nlp, ["CLIP", "MS-COCO"]) == [["CLIP"], ["MS", "-", "COCO"]]
    (own,) = set(tmp_path.glob("label-tokens-*.json")) - before
    own.write_text('[["CL", "IP"], ["MS-COCO"]]', encoding="utf-8")
    assert vocabulary_matcher.label_tokens(nlp, ["CLIP", "MS-COCO"]) == [["CL", "IP"], ["MS-COCO"]]
    assert vocabulary_matcher.label_tokens(nlp, ["CLIP"]) == [["CLIP"]]


def test_token_table_holds_the_docs_text_and_words_however_the_doc_was_made(nlp):
    """The token table's text is the doc's text: the one the pipeline's tokenizer was given (odd
    whitespace, non-ASCII, a trailing space included) or, for a doc made another way, the tokens
    joined again; its texts and lower-case forms are spaCy's."""
    from spacy.tokens import Doc

    from kg.extract.pipeline.tokens import token_table

    text = "ÉCLAIR: A  Title\n\nWe test   Über-Net\t(ÜN) on CIFAR-10 . \n"
    made = nlp.make_doc(text)
    built = Doc(nlp.vocab, words=["Über", "-", "Net", "works", "."], spaces=[False, False, True, False, True])
    for doc in (made, built):
        T = token_table(doc)
        assert T.text == doc.text
        assert T.texts == [t.text for t in doc] and T.lowers == [t.lower_ for t in doc]
    assert token_table(made).text == text


def test_components_over_a_batch_give_each_doc_what_they_give_it_alone(nlp):
    """`nlp.pipe` runs each component over a whole batch before the next one starts
    (kg.extract.pipeline.batched): every doc gets the same candidates, sentences and values as when
    it goes through the pipeline alone, and the docs come out in their order."""
    from kg.extract.pipeline.tokens import CANDS, SENTS
    from kg.extract.results import RESULTS
    from kg.ingest import read_papers

    texts = [paper.text for paper in read_papers([EXAMPLE_CORPUS])][:40]
    fields = lambda doc: [[list(x) for x in doc.user_data.get(key, [])] for key in (CANDS, SENTS, RESULTS)]  # noqa: E731
    alone = [fields(nlp(text)) for text in texts]
    batched = list(nlp.pipe(texts, batch_size=16))
    assert [doc.text for doc in batched] == texts
    assert [fields(doc) for doc in batched] == alone
    assert any(cands for cands, _, _ in alone) and any(values for _, _, values in alone)
