"""The failure shapes seen on unseen papers (issue 14), each pinned on sentences written for these
tests: context that types a name, generic phrases, coordinated title phrases, fragments, metrics of
other fields and in running text, lists of abbreviations, and variants of one entity."""
from __future__ import annotations

from conftest import entities, forms, run


def test_a_benchmark_named_as_x_and_a_title_that_benchmarks(nlp):
    x = run(nlp, "Forest Sounds at Night",
            "To address this gap, this work introduces a new benchmark, named as OwlEval, with two tasks.")
    assert entities(x, "dataset")["OwlEval"]["role"] == "proposed"
    assert "OwlEval" not in entities(x, "method")
    y = run(nlp, "OwlEval: Benchmarking Audio Models on Night Recordings", "We collect recordings of owls.")
    assert entities(y, "dataset")["OwlEval"]["role"] == "proposed"


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
            "We report RadGraph F1, event-based F1 and the COCO mAP at -5 dB SNR.")
    metrics = forms(x, "metric")
    assert {"RadGraph F1", "event-based F1", "mAP"} <= metrics
    assert "COCO" not in " ".join(metrics)  # a known dataset names the data the metric is taken on
    assert "dB SNR" not in metrics  # a unit after a value is no name


def test_sizes_and_versions_are_mentions_of_one_entity(nlp):
    x = run(nlp, "Fast Segmentation in Cities", "We start from SegFormer and compare SegFormer-B4 and SegFormer-B5.")
    methods = entities(x, "method")
    assert set(methods) == {"SegFormer"}
    assert {"SegFormer-B4", "SegFormer-B5"} <= set(methods["SegFormer"]["mentions"])
    y = run(nlp, "Keyword Spotting on Chips", "On Speech Commands and Speech Commands V2 our model is best.")
    assert len(entities(y, "dataset")) == 1


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


def test_hyphenated_compounds_coordinated_before_a_task_head_share_it(nlp):
    x = run(nlp, "Reading Parish Ledgers",
            "We define two tasks on the ledgers: entry-level and column-level retrieval. "
            "The same network can do sound, sound-to-image, image-to-sound, and sound-image pair generation.")
    tasks = set(entities(x, "task"))
    assert {"entry-level retrieval", "column-level retrieval"} <= tasks
    assert {"sound-to-image generation", "image-to-sound generation", "sound generation"} <= tasks
    y = run(nlp, "Moving Pictures from Words", "Our model handles text-to-image/video generation in one network.")
    tasks = set(entities(y, "task"))
    assert "text-to-video generation" in tasks
    assert "video generation" not in tasks  # the slash joins "image" and "video", not two tasks
    z = run(nlp, "Seeing Alone", "We compare text-only, image-only, and video-only understanding.")
    assert not {"text-only understanding", "image-only understanding"} & set(entities(z, "task"))
    # the compounds that qualify are those of the technique phrases (cues' qualifying_ends): "-centric"
    # says how the task is done, no kind of data it is done on
    w = run(nlp, "Looking at Rooms", "We compare object-centric and scene-centric retrieval on indoor scans.")
    assert "object-centric retrieval" not in set(entities(w, "task"))


def test_a_name_joined_to_capitalised_parts_before_it_starts_at_its_first_part(nlp):
    x = run(nlp, "Attacks on Reef Cameras",
            "Our attack beats Reef-FGSM, Coral-PolarNet and Mult-VAE, and the gains hold for ZQ-VSL.")
    methods = forms(x, "method")
    assert {"Reef-FGSM", "Coral-PolarNet", "Mult-VAE", "ZQ-VSL"} <= methods
    assert not {"FGSM", "PolarNet", "VAE", "VSL"} & methods
    assert "variational autoencoder" not in entities(x, "method")  # "VAE" here is a part of another name
    y = run(nlp, "Attacks on Reef Cameras", "Our attack reaches 41.2 mAP on Reef-SoundSet.")
    assert "Reef-SoundSet" in entities(y, "dataset")  # what a value is reported on is data


def test_a_sentence_that_opens_with_on_a_name_says_where_it_was_measured(nlp):
    x = run(nlp, "Rigid Fragments for Molecules",
            "We propose RotaFrag. On GEOM-ZX7 it performs on par with the best prior method.")
    assert "GEOM-ZX7" in entities(x, "dataset")
    assert "GEOM-ZX7" not in entities(x, "method")
    y = run(nlp, "Rigid Fragments for Molecules", "We propose RotaFrag. On PubChemX it matches the best prior method.")
    assert "PubChemX" in entities(y, "dataset")


def test_a_dataset_named_before_its_head_keeps_its_hyphenated_parts(nlp):
    x = run(nlp, "Speech Probes", "We probe frozen features on the SUPERB and ZX-SUPERB benchmarks and the Reef-Audio dataset.")
    datasets = set(entities(x, "dataset"))
    assert {"ZX-SUPERB", "Reef-Audio"} <= datasets
    assert "Audio" not in datasets


def test_a_capitalised_word_before_a_capitalised_architecture_names_a_model(nlp):
    x = run(nlp, "Anomalies in Pumps", "Our detector is comparable to the Reef Transformer and outperforms the Pump Network.")
    methods = set(entities(x, "method"))
    assert {"Reef Transformer", "Pump Network"} <= methods
    assert "transformer" not in methods  # the architecture is a part of the name here


def test_a_hyphenated_compound_before_a_part_head_names_the_part(nlp):
    x = run(nlp, "Listening to Rivers",
            "Our model passes each clip through a flood-aware pooling network, and a reed-guided bridge module "
            "links both streams. We train it with silt-weighted contrastive sampling.")
    methods = set(entities(x, "method"))
    assert {"flood-aware pooling network", "reed-guided bridge module", "silt-weighted contrastive sampling"} <= methods
    # how large or which modality a compound says is no name of a part
    y = run(nlp, "Listening to Lakes", "We pair a large-scale retrieval module with a fine-grained fusion network.")
    assert not {"large-scale retrieval module", "fine-grained fusion network"} & set(entities(y, "method"))


def test_a_capital_letter_with_a_number_is_no_model(nlp):
    x = run(nlp, "Fast Scans of Owls",
            "Our owl detector runs on V100 and H100 devices with W8A8 weights and reads P3 and P4 views; it beats C4D-Net.")
    methods = set(entities(x, "method"))
    assert not {"V100", "H100", "W8A8", "P3", "P4"} & methods
    assert "C4D-Net" in methods  # a longer name keeps its parts


def test_a_title_phrase_after_for_that_ends_in_a_noun_made_from_a_verb_is_a_task(nlp):
    x = run(nlp, "TideNet: A Recurrent Model for Shoreline Change Forecasting and Coastal Erosion Mapping",
            "We train it on twenty years of satellite images of beaches.")
    assert {"Shoreline Change Forecasting", "Coastal Erosion Mapping"} <= set(entities(x, "task"))
    y = run(nlp, "Channel Folding for Reward-Free Exploration", "We fold channels of the value network.")
    assert "Reward-Free Exploration" in entities(y, "task")
    # a thing the work is for, or a way of training, is no task
    z = run(nlp, "Sparse Readers for Long Documents and Visual Pretraining", "We read documents.")
    assert not {"Long Documents", "Visual Pretraining"} & set(entities(z, "task"))
    # how good the work is, said first, is no part of the task
    w = run(nlp, "Lexical Codes for Interpretable Sonar-Text Alignment", "We align sonar echoes with words.")
    assert "Sonar-Text Alignment" in entities(w, "task")


def test_a_based_compound_before_methods_or_approaches_names_a_family_of_methods(nlp):
    x = run(nlp, "Cleaning Sonar Echoes",
            "Earlier denoisers fall into filter-based methods and sparse dictionary-based approaches. "
            "Wavelet-based methods are fast. Our echo-based approach beats Transformer-based methods.")
    methods = set(entities(x, "method"))
    assert {"filter-based methods", "sparse dictionary-based approaches", "Wavelet-based methods"} <= methods
    # one method of the paper's own, and a family named by the model it is built from, are no family names
    assert not {"echo-based approach", "Transformer-based methods"} & methods


def test_well_known_measures_of_speech_forecasting_and_continual_learning_are_metrics(nlp):
    x = run(nlp, "Listening Machines That Keep Learning",
            "Our enhancer raises DNSMOS by 0.3 and our diarizer lowers the diarization error rate to 9.1%. "
            "The trajectory head cuts minADE by 12%, the forecaster lowers NRMSE, and the continual learner keeps "
            "backward transfer near zero.")
    assert {"DNSMOS", "diarization error rate", "minADE", "NRMSE", "backward transfer"} <= forms(x, "metric")


def test_an_unknown_adjective_before_a_task_phrase_is_no_part_of_the_task(nlp):
    x = run(nlp, "Reading Court Rulings",
            "Our reader improves professional translation and internal speech recognition in call centres. "
            "A second head performs timing-critical path classification on circuits.")
    tasks = set(entities(x, "task"))
    assert not {"professional translation", "internal speech recognition"} & tasks
    assert "speech recognition" in tasks
    assert "timing-critical path classification" in tasks  # the last part of a compound stays


def test_an_unknown_adjective_in_ic_before_a_task_phrase_is_no_part_of_the_task(nlp):
    x = run(nlp, "Tides and Captions",
            "Our system improves periodic forecasting of tides and heuristic translation of captions.")
    assert not {"periodic forecasting", "heuristic translation"} & set(entities(x, "task"))


def test_an_open_modifier_before_a_task_word_that_qualifies_a_measure_is_no_task(nlp):
    # "mean tracking RMSE": "mean" qualifies the measure, so "mean tracking" names no task
    x = run(nlp, "Drones in Forests",
            "The planner reaches a mean tracking RMSE of 0.41 m and a median localization ADE of 0.3 m.")
    assert not entities(x, "task")
    assert {"RMSE", "ADE"} <= forms(x, "metric")


def test_a_name_joined_to_a_past_participle_is_an_adjective_not_a_name(nlp):
    # "RLHF-tuned models", "T2-weighted scans": the participle makes the compound describe the models or scans
    x = run(nlp, "Calibration of Chat Models",
            "We compare RLHF-tuned models with SFT-trained models, and segment tumours on T2-weighted scans with U-Net.")
    found = forms(x, "method")
    assert not {"RLHF-tuned", "SFT-trained", "T2"} & found
    assert "U-Net" in found


def test_the_items_of_a_cued_list_after_a_plural_head_of_methods_are_methods(nlp):
    x = run(nlp, "Forecasting River Levels",
            "We compare against statistical baselines, namely seasonal naive, ETS and AutoARIMA. We also train four "
            "architectures, including SchNet, Allegro and the universal potential CHGNet, on gauge records.")
    methods = set(entities(x, "method"))
    assert {"seasonal naive", "Allegro", "CHGNet"} <= methods
    assert not {"universal potential CHGNet", "gauge records"} & methods
    # the list stops where an item is no name or noun phrase closed by a separator
    y = run(nlp, "Forecasting River Levels", "Simple models such as DLinear can rival deep forecasters on gauge records.")
    assert not {m for m in entities(y, "method") if "rival" in m}


def test_the_items_of_a_list_compared_with_are_methods_when_one_is_a_name(nlp):
    x = run(nlp, "Forecasting River Levels",
            "Our model outperforms RiverNet, Tidal Diffusion and the hydrology baseline FloodSim on gauge records.")
    methods = set(entities(x, "method"))
    assert {"RiverNet", "Tidal Diffusion", "FloodSim"} <= methods
    # no name among the items: what is compared is no list of methods
    y = run(nlp, "Forecasting River Levels", "Our model outperforms prior work, and it surpasses careful hydrologists.")
    assert not {"prior work", "careful hydrologists", "hydrologists"} & set(entities(y, "method"))


def test_a_task_that_qualifies_a_model_or_data_is_no_task_of_the_paper(nlp):
    # "a denoising network", "captioning data": the task says what a network or data is for
    x = run(nlp, "Rendering Rooms at Dusk",
            "We train a denoising network on captioning data and compare it with 9 music tagging models.")
    assert not {"denoising", "captioning", "music tagging"} & set(entities(x, "task"))
    # the task itself, named as such, stays
    y = run(nlp, "Rendering Rooms at Dusk", "We study denoising of renderings and music tagging of songs.")
    assert {"denoising", "music tagging"} <= set(entities(y, "task"))


def test_the_size_of_a_model_is_a_measure_only_among_measures(nlp):
    # "doubling the model size", "three model sizes": a setting of the experiment, like the number of
    # parameters; listed with other measures it is one of them
    x = run(nlp, "Forecasting River Levels",
            "Doubling the model size helps less than more data, and we release two model sizes.")
    assert "model size" not in entities(x, "metric")
    y = run(nlp, "Forecasting River Levels", "We report accuracy, model size and latency for each forecaster.")
    assert {"accuracy", "model size"} <= set(entities(y, "metric"))


def test_a_known_measure_named_once_with_what_specialises_it_is_that_variant(nlp):
    # "segment-wise F1", then "the F1 score": one measure, not a second one named F1
    x = run(nlp, "Finding Leaks in Pipes",
            "We score detectors by segment-wise F1. Our detector raises the F1 score from 0.61 to 0.74 on PipeSet.")
    metrics = entities(x, "metric")
    assert set(metrics) == {"segment-wise F1"}
    assert "F1 score" in metrics["segment-wise F1"]["mentions"]


def test_a_measure_named_after_a_person_in_its_written_variants(nlp):
    # with or without the possessive, the Greek letter spelled out or written as the letter
    x = run(nlp, "Judging Essays", "Scores agree with raters (Spearman ρ = 0.71, Kendall tau = 0.55, Cohen's κ of 0.62).")
    assert {"Spearman correlation", "Kendall's tau", "Cohen's kappa"} <= set(entities(x, "metric"))


def test_a_known_technique_is_mentioned_with_the_modifier_that_names_its_variant(nlp):
    x = run(nlp, "Decoding Under Constraints",
            "The decoder relies on a lattice beam search over the candidates. Unlike prefix beam search, it keeps every constraint.")
    search = entities(x, "method")["beam search"]
    # the variants are mentions of the known technique, which keeps its concept and its role
    assert {"lattice beam search", "prefix beam search"} <= set(search["mentions"])
    assert search["role"] == "used"
    # a verb before the technique is no modifier, nor an evaluative word or an -al adjective
    y = run(nlp, "Decoding Under Constraints",
            "We apply beam search. The decoder uses a standard beam search and a lexical beam search.")
    assert set(entities(y, "method")["beam search"]["mentions"]) == {"beam search"}


def test_a_hyphenated_compound_before_a_known_technique_names_its_variant(nlp):
    x = run(nlp, "Decoding Under Constraints",
            "Tokens are decoded with a lattice-constrained beam search. Unlike large-scale beam search, it is cheap.")
    mentions = set(entities(x, "method")["beam search"]["mentions"])
    assert "lattice-constrained beam search" in mentions
    # a compound of size or grain says how large, not which variant
    assert "large-scale beam search" not in mentions


def test_a_method_named_only_where_the_text_says_it_is_absent_is_none(nlp):
    x = run(nlp, "Tracking Birds in Flight",
            "Our tracker follows each bird without any depth supervision. It is trained with no contrastive loss at all.")
    assert not {"depth supervision", "contrastive loss"} & set(entities(x, "method"))
    # named once as absent and once as used, it is used
    y = run(nlp, "Tracking Birds in Flight",
            "At test time our tracker needs no depth supervision. During training, depth supervision guides the encoder.")
    assert "depth supervision" in entities(y, "method")


def test_a_known_name_that_starts_another_name_is_not_mentioned_there(nlp):
    x = run(nlp, "Forecasting Tides", "Our model beats LSTM-Tide on every station. We present BERT-Fuse, a fusion model.")
    methods = entities(x, "method")
    assert "BERT-Fuse" in methods
    assert not {m["name"] for m in methods.values() if m.get("concept")}  # neither LSTM nor BERT
    # a size or a suffix word after the known name keeps it
    y = run(nlp, "Forecasting Tides", "Our model beats BERT-Large and a BERT-based tagger.")
    assert set(entities(y, "method")["BERT"]["mentions"]) == {"BERT-Large", "BERT"}


def test_the_class_named_with_the_after_a_narrower_known_class_refers_back_to_it(nlp):
    x = run(nlp, "Listening to Owls",
            "We present OwlNet, a video large language model for birdsong. Frames are pooled before the language model reads them.")
    methods = entities(x, "method")
    assert "language model" not in methods
    assert "language model" in methods["video large language model"]["mentions"]
    # without "the" it names the class itself
    y = run(nlp, "Listening to Owls",
            "We present OwlNet, a video large language model for birdsong. Unlike language models of text, it hears.")
    assert "language model" in entities(y, "method")


def test_capitalised_words_joined_by_hyphens_are_one_name(nlp):
    x = run(nlp, "Mapping Streets from Above",
            "Our model improves the IoU by 3.5 over Rain-Drop-Shift with the same backbone, and it beats Moth-Q on every split.")
    assert {"Rain-Drop-Shift", "Moth-Q"} <= set(entities(x, "method"))
    # a language pair, a part of a longer capitalised name or a compound of modality words is none
    y = run(nlp, "Mapping Streets from Above",
            "We translate WMT En-Fr with Mask R-CNN features and Audio-Visual Models.")
    assert not {"En-Fr", "R-CNN", "Audio-Visual"} & forms(y, "method")


def test_a_known_class_named_only_in_the_title_after_the_paper_s_name_is_its_kind(nlp):
    x = run(nlp, "OwlNet: A Hierarchical Event Language Model for Bird Calls",
            "We present OwlNet, which reads recordings of owls and names the species.")
    methods = entities(x, "method")
    assert "OwlNet" in methods
    assert "language model" not in methods
    # a class the abstract names again, or a named model, stays
    y = run(nlp, "OwlNet: A Hierarchical Event Language Model for Bird Calls",
            "We present OwlNet, which reads recordings of owls. The language model is small.")
    assert "language model" in entities(y, "method")
    z = run(nlp, "OwlNet: Tuning CLIP for Bird Calls", "We present OwlNet, which reads recordings of owls.")
    assert "CLIP" in entities(z, "method")



def test_a_known_concept_before_a_component_head_names_no_component(nlp):
    x = run(nlp, "Hearing Owls", "We train a compact Sound Event Detection network and a small Owl-Song Fusion network.")
    methods = entities(x, "method")
    # what the network is for, a known task, is no name of a network
    assert "Sound Event Detection network" not in methods
    # capitalised words no vocabulary knows still name a component
    assert "Owl-Song Fusion network" in methods


def test_a_title_task_named_with_other_first_words_in_the_abstract_is_that_task(nlp):
    # the title's "Far-Field" says how the speech is recognised; the abstract names the same task
    # with other first words: one task, not a second one named by the title's words
    x = run(nlp, "EchoGate: Reverberation-Aware Gating for Low-Latency Far-Field Speech Recognition",
            "Automatic speech recognition in large halls suffers from reverberation. EchoGate gates each frame.")
    tasks = entities(x, "task")
    assert set(tasks) == {"speech recognition"}
    assert "Far-Field Speech Recognition" in tasks["speech recognition"]["mentions"]
    # words naming a kind of data make a task of its own
    y = run(nlp, "EchoGate: Reverberation-Aware Gating for Audio-Visual Speech Recognition",
            "Automatic speech recognition in large halls suffers from reverberation. EchoGate gates each frame.")
    assert {"audio-visual speech recognition", "speech recognition"} <= set(entities(y, "task"))


def test_standard_measures_of_other_fields_are_measures(nlp):
    # structure prediction, tracking and source separation name their measures by abbreviations
    # that look like model names; the vocabulary knows them as measures
    x = run(nlp, "Folding, Tracking and Separating",
            "Our predicted structures reach a TM-score of 0.81 and an lDDT of 77.2. The tracker improves AMOTA "
            "and MOTP, and the separator improves SI-SNRi by 1.2 dB.")
    assert {"TM-score", "lDDT", "AMOTA", "MOTP", "SI-SNRi"} <= forms(x, "metric")
    assert not forms(x, "method")


def test_a_measure_a_value_is_reported_in_is_a_measure(nlp):
    # the results tie each value to the measure the sentence reports it in, though no rule names it
    x = run(nlp, "Docking Ligands with Rigid Fragments",
            "On our benchmark, the model achieves a median pose coverage (POS-C) of 88.2% and a median "
            "alignment deviation (ALD-M) of 0.41. Lesion sensitivity on small nodules improves from 0.55 to 0.78, "
            "and the planner finishes with 27% fewer tool calls.")
    found = forms(x, "metric")
    assert {"POS-C", "ALD-M"} <= found
    assert any(f.endswith("sensitivity") for f in found)
    assert not any("tool calls" in f for f in found)  # a count of things, no measure


def test_a_name_the_results_read_as_a_measure_is_a_measure(nlp):
    # "a PSDS1 of 0.31"-like: a name shaped like a model's that the sentence gives a value as its measure
    x = run(nlp, "Detecting Bird Calls at Dawn",
            "The best system, Chirper with a median filter, achieves a DCSQ2 of 0.412 on our recordings, "
            "far below scores reported on other benchmarks.")
    assert "DCSQ2" in forms(x, "metric")
    assert "DCSQ2" not in forms(x, "method")


def test_a_name_given_a_measured_value_is_a_metric(nlp):
    # no vocabulary knows these names; "a X of 0.47" reports a value of X, so X is a measure
    x = run(nlp, "Counting Owls at Night",
            "Our detector reaches a HootScore2 of 0.471 and an OWLACC of 81.5 %, while OwlNet-7 reaches a HootScore2 of 0.402.")
    assert {"HootScore2", "OWLACC"} <= forms(x, "metric")
    methods = forms(x, "method")
    assert not {"HootScore2", "OWLACC"} & methods
    assert "OwlNet-7" in methods  # a name followed by a count is not typed by it


def test_pseudo_labels_are_data_and_pseudo_labeling_is_the_technique(nlp):
    # the labels are what a teacher produced, data the model trains on; the technique makes them
    x = run(nlp, "Counting Owls at Night", "Training uses pseudo-labels computed by a teacher and pseudo labels from a tracker.")
    assert "pseudo-labeling" not in entities(x, "method")
    y = run(nlp, "Counting Owls at Night", "We apply pseudo-labeling to the unlabeled clips.")
    assert "pseudo-labeling" in entities(y, "method")


def test_a_compound_opened_by_a_preposition_says_where_a_technique_is_applied(nlp):
    # "in-domain" says on which data the model is tuned, not which technique: the name is the technique's
    x = run(nlp, "Counting Owls at Night", "We compare transfer from a forest corpus with in-domain fine-tuning on owl recordings.")
    methods = entities(x, "method")
    assert "fine-tuning" in methods
    assert not any(name.startswith("in-domain") for name in methods)
    y = run(nlp, "Counting Owls at Night", "We compare it with out-of-domain fine-tuning on owl recordings.")
    assert set(entities(y, "method")) == {"fine-tuning"}  # the whole compound is left out, not a part of it


def test_what_a_verb_of_solving_acts_on_twice_is_a_task(nlp):
    x = run(nlp, "Mitigating Gradient Starvation in Sparse Networks",
            "Sparse networks often stop learning rare features. We propose PruneGuard, a schedule that is "
            "designed to prevent gradient starvation. To address this issue at scale, PruneGuard reweights the "
            "loss of each layer.")
    assert "gradient starvation" in {k.lower() for k in entities(x, "task")}
    assert not any("issue" in k for k in entities(x, "task"))
    # named once, in passing: no task of the paper
    y = run(nlp, "Sparse Networks at Scale",
            "We propose PruneGuard, a schedule for sparse networks that also helps to avoid gradient starvation.")
    assert not entities(y, "task")


def test_a_task_named_again_without_a_middle_word_is_that_task(nlp):
    x = run(nlp, "Graph Models for Traffic",
            "We study multi-step traffic flow forecasting on road networks. Our model improves multi-step "
            "forecasting on three cities.")
    assert set(entities(x, "task")) == {"multi-step traffic flow forecasting"}


def test_a_task_before_a_lower_case_plural_noun_qualifies_it(nlp):
    x = run(nlp, "Rivers",
            "We propose RiverNet, which reduces denoising steps and gives good generation metrics for speech enhancement.")
    assert set(entities(x, "task")) == {"speech enhancement"}


def test_heads_of_techniques_that_name_what_is_done(nlp):
    # a regularizer, a curriculum, a penalty, decoding, probing, sampling, normalization: the words
    # before such a head say which technique it is, as they do before "loss" or "distillation"
    x = run(nlp, "Counting Owls at Night",
            "We train the detector with a contrastive regularizer and a noise-adaptive curriculum, "
            "decode calls with beam-constrained decoding and compare it against linear probing.")
    methods = forms(x, "method")
    assert {"contrastive regularizer", "noise-adaptive curriculum", "beam-constrained decoding", "linear probing"} <= methods


def test_heads_of_techniques_that_say_how_inputs_are_changed(nlp):
    # warping, rewiring, weighting, filtering, scaling ...: what a technique does to its input,
    # named by the compound before the head
    x = run(nlp, "Counting Owls at Night",
            "Frames are aligned by flow-guided warping, with uncertainty-aware weighting of the losses.")
    assert {"flow-guided warping", "uncertainty-aware weighting"} <= forms(x, "method")


def test_a_process_named_by_what_it_rests_on_is_a_technique(nlp):
    # "-based" before a process ("attention", "rewiring") says which technique it is, as before
    # "methods"; before a part ("BERT-based encoder") it says what the part is built from
    x = run(nlp, "Counting Owls at Night",
            "Calls are detected with window-based attention and the graph is refined by degree-based rewiring.")
    methods = forms(x, "method")
    assert {"window-based attention", "degree-based rewiring"} <= methods
