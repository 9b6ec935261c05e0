"""The failure shapes seen on unseen papers (issue 14), each pinned on sentences written for these
tests: context that types a name, the paper's own model, generic phrases, coordinated title phrases,
fragments, metrics of other fields and in running text, and variants of one entity."""
from __future__ import annotations

from conftest import entities, forms, run


def test_training_and_evaluation_contexts_type_unknown_names_as_data(nlp):
    x = run(nlp, "Keyword Spotting on Chips",
            "We train on TinyBirds-2021 and evaluate on ForestSounds10. Results on the Quail dataset confirm this. "
            "We pretrain our encoder on LibriLight-60k and fine-tune it on VoxTalk-12.")
    datasets = entities(x, "dataset")
    assert {"TinyBirds-2021", "ForestSounds10", "Quail", "LibriLight-60k", "VoxTalk-12"} <= set(datasets)
    assert not {"LibriLight-60k", "VoxTalk-12"} & set(entities(x, "method"))
    # "our" owns the encoder, not the data it is trained on
    assert datasets["LibriLight-60k"]["role"] == "used"


def test_a_benchmark_named_as_x_and_a_title_that_benchmarks(nlp):
    x = run(nlp, "Forest Sounds at Night",
            "To address this gap, this work introduces a new benchmark, named as OwlEval, with two tasks.")
    assert entities(x, "dataset")["OwlEval"]["role"] == "proposed"
    assert "OwlEval" not in entities(x, "method")
    y = run(nlp, "OwlEval: Benchmarking Audio Models on Night Recordings", "We collect recordings of owls.")
    assert entities(y, "dataset")["OwlEval"]["role"] == "proposed"


def test_the_papers_own_model_is_proposed_even_when_the_vocabulary_knows_it(nlp):
    x = run(nlp, "Visual Tuning for Assistants",
            "We propose LLaVA, a large multimodal model that connects a vision encoder and an LLM.")
    assert entities(x, "method")["LLaVA"]["role"] == "proposed"
    y = run(nlp, "Learning Visual Models From Captions",
            "We learn representations from captions. We call the resulting model CLIP. CLIP matches ResNet-50 on ImageNet.")
    methods = entities(y, "method")
    assert methods["CLIP"]["role"] == "proposed"
    assert methods["ResNet-50"]["role"] == "used"


def test_a_model_the_paper_builds_on_is_used(nlp):
    x = run(nlp, "Fast Segmentation in Cities", "We build on SegFormer and add a lighter decoder to SegFormer-B4.")
    assert entities(x, "method")["SegFormer"]["role"] == "used"


def test_generic_phrases_are_no_tasks(nlp):
    x = run(nlp, "Reliable Rivers",
            "To ensure generalization, we design a loss that gives high prediction accuracy and precise localization of each instance.")
    assert not entities(x, "task")


def test_coordinated_title_phrases_share_their_head(nlp):
    x = run(nlp, "Image and Text Matching with Graphs", "We match pictures with captions.")
    assert set(entities(x, "task")) == {"image-text matching"}
    y = run(nlp, "Semantic and Instance Segmentation of Leaves", "We segment leaves.")
    assert set(entities(y, "task")) == {"semantic segmentation", "instance segmentation"}


def test_fragments_are_no_methods(nlp):
    x = run(nlp, "Graph Learning for Molecules",
            "Following Smith et al. 2019a, we use an NLP-enhanced decoder released by OpenAI and the V2 checkpoint of a Transformer-based encoder.")
    found = forms(x, "method") | forms(x, "dataset")
    assert not {"2019a", "OpenAI", "V2", "NLP-enhanced", "Transformer-based"} & found


def test_metrics_of_other_fields_by_name(nlp):
    x = run(nlp, "Speech Models for Hospitals",
            "Our recognizer lowers WER by 12%. The segmentation model reaches a Dice of 0.91 and an AUROC of 0.95. "
            "The recommender improves NDCG@10, the regressor lowers MAE and RMSE, and the robot achieves a success rate of 80%.")
    assert {"WER", "Dice", "AUROC", "NDCG@10", "MAE", "RMSE", "success rate"} <= forms(x, "metric")


def test_metrics_in_running_text(nlp):
    x = run(nlp, "Sound Events in Streets",
            "The best system reaches a PSDS1 of 0.312 and an SDRi of 12.4 dB, while a ResNet of 50 layers lags. "
            "We report RadGraph F1, event-based F1 and the COCO mAP at -5 dB SNR.")
    metrics = forms(x, "metric")
    assert {"PSDS1", "SDRi", "RadGraph F1", "event-based F1", "mAP"} <= metrics
    assert "ResNet" in entities(x, "method") and "COCO" not in " ".join(metrics)
    assert "dB SNR" not in metrics  # a unit after a value is no name


def test_sizes_and_versions_are_mentions_of_one_entity(nlp):
    x = run(nlp, "Fast Segmentation in Cities", "We build on SegFormer and compare SegFormer-B4 and SegFormer-B5.")
    methods = entities(x, "method")
    assert set(methods) == {"SegFormer"}
    assert {"SegFormer-B4", "SegFormer-B5"} <= set(methods["SegFormer"]["mentions"])
    y = run(nlp, "Keyword Spotting on Chips", "We test on the RoadScenes dataset and on RoadScenes V2.")
    assert set(entities(y, "dataset")) == {"RoadScenes"}
    assert "RoadScenes V2" in entities(y, "dataset")["RoadScenes"]["mentions"]
    assert not entities(y, "method")


def test_quoted_names_after_a_naming_cue_are_whole(nlp):
    x = run(nlp, "Forest Sounds",
            'We release our generated triplet datasets (Audio - Image - Text), named "OwlSet Triplets" and "Bat-Call Triplets".')
    datasets = entities(x, "dataset")
    assert {"OwlSet Triplets", "Bat-Call Triplets"} <= set(datasets)
    assert all(d["role"] == "proposed" for d in datasets.values())
    assert not entities(x, "method")


def test_short_abbreviations_count_as_items_of_a_list_of_models_or_datasets(nlp):
    x = run(nlp, "Offline Control",
            "Our agent beats ReAct, Reflexion and LATS. We evaluate on SMAP, MSL and SWaT. "
            "The US and UK teams use cameras. Using Mask R-CNN on COCO, OURS reaches 52.1 AP.")
    assert "LATS" in entities(x, "method")
    assert {"SMAP", "MSL", "SWaT"} <= set(entities(x, "dataset"))
    found = forms(x, "method") | forms(x, "dataset")
    assert not {"US", "UK", "OURS"} & found  # no list of models; a comma after a fronted phrase is no list


def test_a_task_shortened_after_its_full_name_is_one_task(nlp):
    x = run(nlp, "Chips and Graphs",
            "The suite defines three tasks: routing congestion prediction, net delay regression and image classification. "
            "For congestion prediction, graph models do well, and for delay regression they do not.")
    tasks = entities(x, "task")
    assert set(tasks) == {"routing congestion prediction", "net delay regression", "image classification"}
    assert "congestion prediction" in tasks["routing congestion prediction"]["mentions"]


def test_a_model_family_and_its_backbone_written_together_are_one_model(nlp):
    x = run(nlp, "Attacks on Encoders",
            "A variant built on CLIP ViT-B/32 transfers worse than PANNs CNN14, and the Vision Transformer helps.")
    methods = entities(x, "method")
    assert {"CLIP ViT-B/32", "PANNs CNN14"} <= set(methods)
    assert not {"CNN14", "PANNs"} & set(methods)
