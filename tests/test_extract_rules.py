"""Rules added for phrase boundaries, verb forms, naming, dataset lists and type choice, pinned on
sentences written for these tests."""
from __future__ import annotations



from conftest import entities, forms, run



def test_phrases_start_at_the_first_part_of_a_hyphenated_compound(nlp):
    x = run(nlp, "Listening to forests",
            "We study cross-modal sound retrieval with an inter-modal contrastive loss.")
    assert "cross-modal sound retrieval" in forms(x, "task")  # not "modal sound retrieval", not "study ..."
    assert "inter-modal contrastive loss" in forms(x, "method")
    assert not any(f.startswith(("modal", "study")) for f in forms(x, "task") | forms(x, "method"))


def test_evaluative_adjectives_do_not_join_a_technique_name(nlp):
    x = run(nlp, "Listening to forests", "We describe an efficient fine-tuning recipe for small devices.")
    assert "fine-tuning" in entities(x, "method")
    assert "efficient fine-tuning" not in forms(x, "method")


def test_verb_forms_of_techniques_but_not_adjectives(nlp):
    x = run(nlp, "Listening to forests",
            "The encoder is fine-tuned on bird songs. The student is instruction-tuned with care.")
    methods = entities(x, "method")
    assert methods["fine-tuning"]["mentions"] == ["fine-tuned"]
    assert methods["instruction tuning"]["mentions"] == ["instruction-tuned"]
    y = run(nlp, "Listening to forests", "We start from a pretrained encoder for owls.")
    assert "pre-training" not in entities(y, "method")


def test_names_after_naming_cues_hyphen_joined_or_capitalised_runs(nlp):
    x = run(nlp, "Listening to forests",
            "In this work we propose a network named Arbor-Former for canopies. "
            "Our generative approach, which we call Canopy Estimator, counts trees.")
    methods = entities(x, "method")
    assert methods["Arbor-Former"]["role"] == "proposed"
    assert methods["Canopy Estimator"]["role"] == "proposed"


def test_a_single_word_before_the_title_colon_is_a_name(nlp):
    x = run(nlp, "Quokka: Tiny Models for Wildlife Sounds", "Small models help rangers.")
    assert entities(x, "method")["Quokka"]["role"] == "proposed"


def test_a_bare_task_head_counts_only_in_a_list_of_tasks(nlp):
    x = run(nlp, "Listening to forests", "The classification of leaves is hard for gardeners.")
    assert "classification" not in entities(x, "task")
    y = run(nlp, "Listening to forests", "We test it on tasks like classification and retrieval.")
    assert {"classification", "retrieval"} <= set(entities(y, "task"))


def test_a_modified_phrase_is_a_variant_of_the_entity_named_by_its_last_words(nlp):
    x = run(nlp, "Listening to forests",
            "We study image-text retrieval for plants. Unlike earlier cross-modal image-text retrieval work, we use no labels.")
    tasks = entities(x, "task")
    assert len(tasks) == 1
    (task,) = tasks.values()
    assert {"image-text retrieval", "cross-modal image-text retrieval"} <= set(task["mentions"])


def test_datasets_in_parentheses_after_a_task_and_before_downstream_datasets(nlp):
    x = run(nlp, "Listening to forests",
            "We evaluate on bird call classification (ChirpSet-5, AvesAudio) and report accuracy. "
            "Experiments on the FernLeaf, MossCount and Lichen Atlas downstream datasets show gains.")
    datasets = entities(x, "dataset")
    assert {"ChirpSet-5", "AvesAudio", "FernLeaf", "MossCount", "Lichen Atlas"} <= set(datasets)
    assert all(d["role"] == "used" for d in datasets.values())
    assert "ChirpSet-5" not in entities(x, "method")


def test_datasets_by_apposition_and_by_a_benchmark_shaped_name(nlp):
    x = run(nlp, "Listening to forests",
            "We present HerbSet-9K, an open dataset of plant photos. We also introduce LeafEval-Bench to compare models.")
    datasets = entities(x, "dataset")
    assert datasets["HerbSet-9K"]["role"] == "proposed"
    assert datasets["LeafEval-Bench"]["role"] == "proposed"
    assert not entities(x, "method")


def test_a_label_of_two_types_takes_the_type_of_its_context(nlp):
    x = run(nlp, "Listening to forests", "Many systems handle tasks like VQA for birds.")
    assert "VQA" in forms(x, "task") and "VQA" not in forms(x, "dataset")
    y = run(nlp, "Listening to forests", "We report results on the VQA dataset.")
    assert "VQA" in forms(y, "dataset")


def test_named_components_of_the_proposed_method_are_proposed(nlp):
    x = run(nlp, "Listening to forests",
            "We propose GroveNet. GroveNet is composed of a Root Alignment module and a Branch-aware Fusion network.")
    methods = entities(x, "method")
    assert methods["GroveNet"]["role"] == "proposed"
    assert methods["Root Alignment"]["role"] == "proposed"
    assert methods["Branch-aware Fusion network"]["role"] == "proposed"


def test_efficiency_measures_are_not_metrics_and_metric_heads_are_kept(nlp):
    x = run(nlp, "Listening to forests",
            "It halves the latency and the number of parameters. Quality is measured by the BLEU score.")
    metrics = entities(x, "metric")
    assert list(metrics) == ["BLEU"] and metrics["BLEU"]["mentions"] == ["BLEU score"]


def test_foundation_models_is_a_generic_word_not_a_method(nlp):
    x = run(nlp, "Listening to forests", "Audio foundation models are large. We adapt foundation models to owl calls.")
    assert "foundation model" not in entities(x, "method")


def test_paired_dimension_words_are_not_names(nlp):
    x = run(nlp, "Listening to forests", "We fuse 2D-3D features and 2D/3D cues of trees.")
    assert not {"2D-3D", "2D/3D"} & forms(x, "method")


def test_3d_point_clouds_are_point_clouds(nlp):
    x = run(nlp, "Listening to forests", "We segment 3D point clouds of tree canopies.")
    assert "point cloud" in entities(x, "modality")
    assert "3d" not in entities(x, "modality")


def test_an_acronym_of_two_types_takes_the_type_of_its_long_form_or_a_value_nearby(nlp):
    x = run(nlp, "Counting owls", "We report the mean absolute error (MAE) of counts. Our model halves the MAE.")
    assert "mean absolute error" in entities(x, "metric")
    assert "masked autoencoder" not in entities(x, "method")
    y = run(nlp, "Breaking owl chatbots", "The jailbreak reaches an ASR of 92% against the chatbot.")
    assert "attack success rate" in entities(y, "metric")
    assert not entities(y, "task")
    z = run(nlp, "Listening to owls", "We pretrain an MAE on bird photos.")
    assert "masked autoencoder" in entities(z, "method")


def test_domain_generalization_is_a_task(nlp):
    x = run(nlp, "Listening to forests", "We study domain generalization (DG) for bird sounds. DG is hard.")
    assert "domain generalization" in entities(x, "task")
    assert "domain generalization" not in entities(x, "method")


def test_a_dataset_named_by_a_common_word_needs_a_dataset_context(nlp):
    x = run(nlp, "Counting owls", "Weather matters for owls. Places where owls nest are dark.")
    assert not entities(x, "dataset")
    y = run(nlp, "Counting owls", "We train on ImageNet, Places and SUN. The Weather dataset has rain records.")
    assert {"Places", "Weather"} <= set(entities(y, "dataset"))


def test_a_bracket_glued_to_a_word_still_defines_an_acronym(nlp):
    x = run(nlp, "Listening to forests", "We use a Graph Attention Network(GAT) on bird calls. The GAT is small.")
    assert "GAT" in forms(x, "method")


def test_long_forms_count_words_not_hyphens_and_start_with_the_whole_compound(nlp):
    x = run(nlp, "Listening to forests",
            "We propose Owl-based Tree-to-tree Fusion (OTF) for canopy maps. "
            "We also propose a Leaf-to-branch Self-supervised Bark Alignment (LSBA) method.")
    methods = entities(x, "method")
    assert "Owl-based Tree-to-tree Fusion" in methods["OTF"]["mentions"]
    assert "Leaf-to-branch Self-supervised Bark Alignment" in methods["LSBA"]["mentions"]


def test_a_digit_in_an_acronym_repeats_the_letter_before_it(nlp):
    x = run(nlp, "Listening to forests",
            "We propose a Multi-scale Mixing network for Multichannel Owl Listening (M3OL). M3OL is fast.")
    assert "Multi-scale Mixing network for Multichannel Owl Listening" in entities(x, "method")["M3OL"]["mentions"]


def test_title_case_task_phrases_in_a_title(nlp):
    x = run(nlp, "Sparse Adapters for 3D Forest Canopy Segmentation", "We study trees.")
    assert "3D Forest Canopy Segmentation" in forms(x, "task")
    y = run(nlp, "OwlBench: A Comprehensive Bird Call Detection Benchmark", "We study owls.")
    assert "Bird Call Detection" in forms(y, "task")  # not "Comprehensive ..."


def test_technique_phrases_that_open_a_title_or_follow_via_are_proposed(nlp):
    x = run(nlp, "Hierarchical Canopy Distillation for Tree Counting", "We count trees.")
    assert entities(x, "method")["Hierarchical Canopy Distillation"]["role"] == "proposed"
    y = run(nlp, "Counting Trees via Sparse Leaf Regularization", "We count trees.")
    assert "Sparse Leaf Regularization" in entities(y, "method")
    z = run(nlp, "Optimizing Canopy Maps for Owls", "We map trees.")
    assert not entities(z, "method")


def test_a_phrase_after_the_title_colon_is_an_alias_of_the_name_only_when_its_initials_match(nlp):
    x = run(nlp, "SLR: Sparse Leaf Regularization for Tree Counting", "SLR counts trees.")
    methods = entities(x, "method")
    assert len(methods) == 1 and "Sparse Leaf Regularization" in next(iter(methods.values()))["mentions"]
    y = run(nlp, "Arbor: Cross-modal Semantic-Guided Large-Scale Pretraining for Trees", "Arbor counts trees.")
    assert "Cross-modal Semantic-Guided Large-Scale Pretraining" not in forms(y, "method")


def test_representation_learning_of_a_kind_of_data_is_a_task(nlp):
    x = run(nlp, "Listening to forests", "Audio-visual representation learning is hard. We use representation learning.")
    assert "Audio-visual representation learning" in forms(x, "task")
    assert "representation learning" in entities(x, "method")


def test_items_of_a_cued_list_of_tasks_are_tasks(nlp):
    x = run(nlp, "Listening to forests",
            "The encoder helps in tasks like classification, nest counting, and visual question answering, "
            "beating larger models. It covers skills including visual reasoning, canopy forecasting and owl tracking.")
    tasks = forms(x, "task")
    assert {"nest counting", "canopy forecasting", "owl tracking"} <= tasks
    assert not any("beating" in t or "including" in t or "skills" in t for t in tasks)


def test_a_list_without_a_cue_or_a_known_task_adds_nothing(nlp):
    x = run(nlp, "Listening to forests", "We record owls, wet leaves, and windy canopies at night.")
    assert not entities(x, "task")


def test_a_vocabulary_phrase_at_the_end_of_a_compound_is_not_matched(nlp):
    x = run(nlp, "Listening to forests", "Large video-language models and cross-modality alignment help owls.")
    assert "language model" not in entities(x, "method")
    assert "modality alignment" not in entities(x, "method")


def test_metric_names_that_are_everyday_words_need_an_evaluation_context(nlp):
    x = run(nlp, "Listening to forests", "The index gives exact matches for words. Owls show sensitivity to light.")
    assert not entities(x, "metric")
    y = run(nlp, "Listening to forests", "We report precision, recall and F1 on owl calls. Sensitivity reaches 0.91.")
    assert {"precision", "recall", "sensitivity"} <= set(entities(y, "metric"))


def test_resources_are_not_metrics(nlp):
    x = run(nlp, "Listening to forests", "Limited GPU memory and training costs slow the owl models down.")
    assert not entities(x, "metric")


def test_an_acronym_defined_across_commas_by_capitalised_words_is_not_a_vocabulary_homonym(nlp):
    x = run(nlp, "Listening to forests", "We propose an Unify, Align and then Refine (UAR) approach. UAR helps owls.")
    assert "UAR" in forms(x, "method")
    assert not entities(x, "metric")


def test_a_metric_head_run_does_not_start_inside_a_compound(nlp):
    x = run(nlp, "Towards Better Multi-Modal Perceptual Metrics", "We compare owls.")
    assert "Modal Perceptual" not in forms(x, "metric")


def test_vague_task_heads_need_a_concrete_modifier(nlp):
    x = run(nlp, "Listening to forests", "Models lack semantic understanding and multimodal comprehension. "
            "We improve birdsong understanding.")
    tasks = forms(x, "task")
    assert "birdsong understanding" in tasks
    assert not {"semantic understanding", "multimodal comprehension"} & tasks


def test_evaluative_adjectives_and_modified_nouns_are_not_part_of_a_task(nlp):
    x = run(nlp, "Listening to forests", "It shows strong text-guided image editing. We collect question-answering pairs.")
    tasks = forms(x, "task")
    assert "text-guided image editing" in tasks and "strong text-guided image editing" not in tasks
    assert not any("question" in t for t in tasks)


def test_a_bare_task_head_joined_by_and_needs_another_task(nlp):
    x = run(nlp, "Listening to forests", "We handle image processing and retrieval of owls.")
    assert "retrieval" not in entities(x, "task")
    y = run(nlp, "Listening to forests", "Results improve on VQA and Captioning for owls.")
    assert "Captioning" in forms(y, "task")


def test_a_title_task_before_the_word_tasks(nlp):
    x = run(nlp, "Evaluating Models on Bird Call Detection Tasks", "We count owls.")
    assert "Bird Call Detection" in forms(x, "task")


def test_a_name_ends_before_an_adjectival_suffix(nlp):
    x = run(nlp, "Listening to forests", "We find OwlNet-style training best. A WrenGPT-Assisted pipeline is OWL-resistant.")
    methods = forms(x, "method")
    assert "OwlNet" in methods and "WrenGPT" in methods
    assert not any(m.endswith(("-style", "-Assisted", "-resistant")) for m in methods)


def test_a_version_after_a_name_belongs_to_it_and_number_formats_are_not_names(nlp):
    x = run(nlp, "Listening to forests", "We compare with OwlNet v2 quantised to INT8 and FP16.")
    methods = forms(x, "method")
    assert "OwlNet v2" in methods
    assert not {"INT8", "FP16"} & methods


def test_we_propose_a_run_of_capitalised_words(nlp):
    x = run(nlp, "Listening to forests", "First, we propose a Sparse Owl-Call Mixer that mixes calls.")
    assert entities(x, "method")["Sparse Owl-Call Mixer"]["role"] == "proposed"


def test_technique_phrases_do_not_cross_based(nlp):
    x = run(nlp, "Listening to forests", "It uses a multi-head attention-based fusion of owl calls.")
    methods = forms(x, "method")
    assert "multi-head attention" in methods
    assert not any("based" in m for m in methods)


def test_a_hyphenated_compound_before_pre_training_names_a_technique(nlp):
    x = run(nlp, "Listening to forests", "It needs an extra canopy-alignment pre-training on owl calls.")
    assert "canopy-alignment pre-training" in forms(x, "method")


def test_models_of_two_kinds_of_data_are_not_language_models(nlp):
    x = run(nlp, "Listening to forests", "Trained vision and language models predict owl calls.")
    assert "language model" not in entities(x, "method")


def test_modality_words_used_as_verbs_or_inside_longer_phrases_or_about_code_release(nlp):
    x = run(nlp, "Listening to forests",
            "We learn projections that map representations of owls. Other songs spoken locally differ. "
            "Inputs are 3D point clouds of trees. Our source code is available at https://example.org/owls.")
    modalities = entities(x, "modality")
    assert "point cloud" in modalities
    assert not {"map", "speech", "3d", "code"} & set(modalities)
    y = run(nlp, "Listening to forests", "We generate code and text for owl maps, and map data of forests.")
    assert "code" in entities(y, "modality")


def test_technique_phrases_without_scale_words_fields_or_head_noun_modifiers(nlp):
    x = run(nlp, "Listening to forests",
            "Large-scale multi-modal contrastive learning helps. Audio-visual multimodal learning is a field. "
            "Prior retrieval learning failed.")
    methods = forms(x, "method")
    assert "multi-modal contrastive learning" in methods
    assert not any(m.lower().startswith("large-scale") for m in methods)
    assert "Audio-visual multimodal learning" not in methods and "retrieval learning" not in methods


def test_a_head_before_task_and_the_phrase_after_task_of(nlp):
    x = run(nlp, "Listening to forests",
            "This matters for the harder planning task. On the task of Finnish bird-to-text retrieval, we win. "
            "It helps both understanding and generation tasks and three detection tasks.")
    tasks = forms(x, "task")
    assert {"planning", "Finnish bird-to-text retrieval"} <= tasks
    assert not {"generation", "detection", "understanding"} & tasks


def test_a_model_class_naming_feature_maps_and_participles_in_adjective_lists(nlp):
    x = run(nlp, "Listening to forests",
            "Inputs include neural network feature maps. We train projections on pretrained, frozen owl encoders.")
    methods = entities(x, "method")
    assert "neural network" not in methods and "pre-training" not in methods


def test_vocabulary_phrases_at_the_start_of_a_compound_and_bare_heads_before_a_clause(nlp):
    x = run(nlp, "Listening to forests",
            "We build plain text to image-caption pairs. Our approach to classification, which is new, helps. "
            "We evaluate on retrieval, classification, and owl counting.")
    tasks = forms(x, "task")
    assert "text to image" not in tasks
    assert {"retrieval", "classification"} <= tasks  # the list keeps them
    y = run(nlp, "Listening to forests", "Our approach to classification, which is new, helps.")
    assert "classification" not in entities(y, "task")
    z = run(nlp, "Listening to forests", "We train a transformer-based owl model.")
    assert "transformer" in entities(z, "method")


def test_benchmark_shaped_title_names_and_named_runs_with_a_joined_tail(nlp):
    x = run(nlp, "Owl EvalHub: Early Experiments with Owls",
            "We propose a small variant of OwlHub, named Owl EvalHub. It is light, named Owl Bird-eHub too.")
    assert entities(x, "dataset")["Owl EvalHub"]["role"] == "proposed"
    assert "Owl Bird-eHub" in forms(x, "method") | forms(x, "dataset")


def test_we_plus_a_technique_verb_and_kinds_of_adversarial_attack(nlp):
    x = run(nlp, "Listening to forests",
            "We instruction-tune the owl model. Prior work studied white-box attacks; we study transfer attacks.")
    methods = entities(x, "method")
    assert {"instruction tuning", "white-box attack", "transfer attack"} <= set(methods)


def test_we_present_a_capitalised_word_in_apposition(nlp):
    x = run(nlp, "Listening to forests", "We present Warbler, a universal owl-call learner.")
    assert entities(x, "method")["Warbler"]["role"] == "proposed"
    y = run(nlp, "Listening to forests", "We present Results, tables and figures.")
    assert "Results" not in forms(y, "method")


def test_component_names_keep_a_joined_head_and_emphasis_capitals_are_not_names(nlp):
    x = run(nlp, "Listening to forests", "It uses a Canopy Contrastive Pre-training stage. Paired and INterleaved owl calls.")
    methods = forms(x, "method")
    assert "Canopy Contrastive Pre-training" in methods
    assert not any(m.endswith("-") for m in methods) and "INterleaved" not in methods


def test_model_versions_are_their_own_concepts_and_multimodal_language_models_are_mllms(nlp):
    x = run(nlp, "Listening to forests",
            "We replace the original Mamba model with Mamba-2 in a multimodal language model for owls.")
    methods = entities(x, "method")
    assert {"Mamba", "Mamba-2", "multimodal large language model"} <= set(methods)
    assert "language model" not in methods


def test_a_name_with_slashed_variants_names_each_variant(nlp):
    x = run(nlp, "Listening to forests",
            "We evaluate on bird retrieval (OwlSet, WrenSet) and call grounding (RefOwl/+/g).")
    datasets = entities(x, "dataset")
    assert {"RefOwl", "RefOwl+", "RefOwlg"} <= {f for e in datasets.values() for f in [e["name"], *e["mentions"]]}
    assert len([e for e in datasets.values() if e["name"].startswith("RefOwl")]) == 3


def test_tasks_that_share_words_across_and(nlp):
    x = run(nlp, "Listening to forests",
            "Owl models handle birdsong understanding and generation. They handle image and video captioning. "
            "We study text detection and classification tasks.")
    tasks = forms(x, "task")
    assert {"birdsong generation", "image captioning", "text classification"} <= tasks
    assert "classification" not in entities(x, "task")


def test_a_resource_word_listed_with_metrics_is_a_metric(nlp):
    x = run(nlp, "Listening to forests",
            "We trade off objectives such as accuracy, model size, and latency. High latency annoys owls.")
    assert "latency" in entities(x, "metric")
    y = run(nlp, "Listening to forests", "High latency annoys owls.")
    assert "latency" not in entities(y, "metric")


def test_usual_spellings_of_vision_language_models(nlp):
    x = run(nlp, "Listening to forests", "Current VL models and large-scale language-vision models ignore owls.")
    assert "VL models" in entities(x, "method")["vision-language model"]["mentions"]


def test_our_before_a_known_architecture_does_not_make_it_proposed(nlp):
    x = run(nlp, "Listening to forests", "We propose OwlFormer. Our transformer reads owl calls.")
    methods = entities(x, "method")
    assert methods["OwlFormer"]["role"] == "proposed"
    assert methods["transformer"]["role"] == "used"


def test_a_modifier_shared_across_and_makes_a_known_technique(nlp):
    x = run(nlp, "Listening to forests", "Most owl work focused on Zero-Shot and In-Context Learning so far.")
    assert "zero-shot learning" in entities(x, "method")
    y = run(nlp, "Listening to forests", "We test retrieval, embedding arithmetic, and image captioning.")
    assert "captioning" not in entities(y, "task")


def test_qualifying_compounds_do_not_open_a_technique_and_naming_ones_do(nlp):
    x = run(nlp, "Listening to forests",
            "It uses a modality-specific encoder and a BERT-based encoder with knowledge-enhanced reranking.")
    methods = forms(x, "method")
    assert "knowledge-enhanced reranking" in methods
    assert not {"modality-specific encoder", "BERT-based encoder"} & methods


def test_title_runs_keep_function_words_inside_compounds_and_lists_skip_adjectives(nlp):
    x = run(nlp, "Towards End-to-End Owl Call Detection", "We test on tasks such as OCR-related, page-level and owl counting.")
    assert "End-to-End Owl Call Detection" in forms(x, "task")
    assert not {"OCR-related", "page-level"} & forms(x, "task")


def test_evaluative_and_temporal_adjectives_do_not_open_a_task(nlp):
    x = run(nlp, "Listening to forests",
            "Current owl call detection is slow. Models show exceptional birdsong understanding and poor generalization.")
    tasks = forms(x, "task")
    assert not any(t.lower().startswith(("current", "exceptional", "poor")) for t in tasks)


def test_a_field_with_two_modifiers_is_still_a_field(nlp):
    x = run(nlp, "Listening to forests", "This changes web-scale machine learning for owls.")
    assert not entities(x, "method")


# --------------------------------------------------------------------------- shapes of issue 14
# (failures seen on papers the rules were not built on; each sentence written for its test)


def test_unknown_names_are_datasets_where_the_context_says_data(nlp):
    x = run(nlp, "Listening to forests",
            "The encoder is pre-trained on HootPile-2M. Calls were recorded for BirdClef2023. "
            "We gather two corpora, OwlTalk and NightJar5, and release them.")
    datasets = entities(x, "dataset")
    assert {"HootPile-2M", "BirdClef2023", "OwlTalk", "NightJar5"} <= set(datasets)  # not "HootPile-2M." either
    assert not {"HootPile-2M", "BirdClef2023", "NightJar5"} & set(entities(x, "method"))


def test_a_name_after_a_plural_dataset_head_and_a_comma_is_a_subject_unless_a_list_follows(nlp):
    x = run(nlp, "Listening to forests", "On owl benchmarks, HootNet, trained from scratch, wins.")
    assert "HootNet" in entities(x, "method")


def test_a_shape_typed_name_listed_with_a_known_dataset_is_a_dataset(nlp):
    x = run(nlp, "Listening to forests", "Owl calls were gathered from AudioSet and HootSet7 for the study.")
    assert {"AudioSet", "HootSet7"} <= set(entities(x, "dataset"))


def test_a_known_model_the_paper_presents_is_proposed_but_one_it_builds_on_is_used(nlp):
    x = run(nlp, "Listening to forests",
            "We present CLIP, a model trained on owl photos and their captions. It is compared with BERT.")
    methods = entities(x, "method")
    assert methods["CLIP"]["role"] == "proposed"
    assert methods["BERT"]["role"] == "used"
    y = run(nlp, "Listening to forests", "We build on CLIP. Our CLIP variant counts owls.")
    assert entities(y, "method")["CLIP"]["role"] == "proposed"
    z = run(nlp, "Listening to forests", "We propose a transformer and an LLM for owl calls.")
    assert all(e["role"] == "used" for e in entities(z, "method").values())  # classes of models, not new ones


def test_coordinated_words_share_the_task_head(nlp):
    x = run(nlp, "Listening to forests", "We study semantic, instance, and panoptic segmentation of owl nests.")
    assert {"semantic segmentation", "instance segmentation", "panoptic segmentation"} <= set(entities(x, "task"))
    assert "instance" not in forms(x, "task")
    y = run(nlp, "Image and Text Matching for Owls", "Owls are matched with their descriptions.")
    tasks = entities(y, "task")
    assert "image-text matching" in tasks
    assert not {"text matching", "image matching"} & set(tasks)


def test_generic_phrases_before_a_task_head_name_no_task(nlp):
    x = run(nlp, "Listening to forests",
            "The model attains high prediction accuracy on owls. We aim to ensure generalization with precise localization.")
    tasks = forms(x, "task")
    assert not any(t.lower().startswith(("high", "ensure", "precise")) for t in tasks)


def test_fragments_are_no_methods(nlp):
    x = run(nlp, "Listening to forests",
            "Training Transformer-based models follows earlier work (Hoot et al., 2019a). We use the V2 release "
            "of GPT-4 developed by OpenAI and compare it with DeepMind's Gemini.")
    methods = forms(x, "method")
    assert not {"2019a", "V2", "Transformer-based", "OpenAI", "DeepMind"} & methods
    assert {"GPT-4", "Gemini"} <= methods
    assert "transformer" in entities(x, "method")  # the name inside the adjective is kept


def test_an_unknown_organisation_after_an_agent_verb_is_no_method(nlp):
    x = run(nlp, "Listening to forests", "We reuse HootLM released by OwlCorp7 in 2020.")
    methods = entities(x, "method")
    assert "HootLM" in methods and "OwlCorp7" not in methods


def test_metrics_of_other_fields_and_metrics_named_in_running_text(nlp):
    x = run(nlp, "Listening to forests",
            "Results on owl calls report WER, Dice, AUROC, NDCG@10, HR@10, RMSE and MAE, SSIM, EER and pass@1. "
            "In our experiments the false alarm rate and the reconstruction error drop, while the learning rate is 0.01.")
    metrics = forms(x, "metric")
    assert {"WER", "Dice", "AUROC", "NDCG@10", "HR@10", "RMSE", "MAE", "SSIM", "EER", "pass@1"} <= metrics
    assert {"false alarm rate", "reconstruction error"} <= metrics
    assert "learning rate" not in metrics
    assert "MAE" not in forms(x, "method")  # the metric, in a list of metrics, not the masked autoencoder


def test_size_and_version_variants_merge_under_a_named_base(nlp):
    x = run(nlp, "Listening to forests",
            "We compare SegFormer-B4, SegFormer-B5 and SegFormer on owl nests, and HootNet-B2 alone.")
    methods = entities(x, "method")
    segformer = [name for name in methods if name.startswith("SegFormer")]
    assert segformer == ["SegFormer"]
    assert {"SegFormer-B4", "SegFormer-B5"} <= set(methods["SegFormer"]["mentions"])
    assert "HootNet-B2" in methods  # no base named: kept as written
    y = run(nlp, "Listening to forests", "We fine-tune ViT-B/16 on owl photos.")
    assert "ViT-B16" not in forms(y, "method")  # a patch size, not a variant after a slash


def test_the_sentencizer_splits_as_spacys_own(nlp):
    """kg_sentencizer reads the token table instead of Token objects; its sentences are spaCy's
    Sentencizer's, on abstracts of the example corpus and on punctuation runs written for the test."""
    from itertools import islice

    from spacy.attrs import SENT_START
    from spacy.pipeline import Sentencizer

    from conftest import EXAMPLE_CORPUS
    from kg.ingest import read_papers

    spacys = Sentencizer(punct_chars=[".", "!", "?"])
    ours = nlp.get_pipe("sentencizer")
    texts = [p.text for p in islice(read_papers([EXAMPLE_CORPUS]), 20)] + [
        "", "Done.", "...", "It works. . Really?! \"Yes.\" (See below.) Then", "Ends with a quote.\"", "A ! b ? c",
    ]
    for text in texts:
        expected, got = nlp.make_doc(text), nlp.make_doc(text)
        spacys(expected)
        ours(got)
        assert got.to_array(SENT_START).tolist() == expected.to_array(SENT_START).tolist(), text


def test_a_unit_after_a_value_is_no_name(nlp):
    x = run(nlp, "Quiet owls", "OwlNet lowers the noise floor to 4.5 dB and runs at −3 dB SNR with 12 GHz sampling.")
    named = forms(x, "method") | forms(x, "dataset")
    assert "OwlNet" in forms(x, "method")
    assert not named & {"dB", "GHz"}


def test_a_name_listed_with_a_dataset_typed_by_its_context_is_a_dataset(nlp):
    x = run(nlp, "OwlNet: counting owls",
            "OwlNet is tested on ForestA. It is compared on ForestA, ForestB-7 and Taiga9 with BirdCount.")
    assert {"ForestA", "ForestB-7", "Taiga9"} <= set(entities(x, "dataset"))
    assert "Taiga9" not in entities(x, "method")
    assert "OwlNet" in entities(x, "method")  # the paper's own name listed beside them stays a method


def test_a_fronted_on_phrase_ends_at_its_comma(nlp):
    x = run(nlp, "Counting owls", "On ForestA, OwlNet-B reaches the best count. We evaluate on ForestA, ForestB and Taiga9.")
    assert "OwlNet-B" not in entities(x, "dataset")
    assert {"ForestA", "ForestB", "Taiga9"} <= set(entities(x, "dataset"))


def test_a_title_task_with_more_modifiers_is_a_variant_of_the_abstracts_task(nlp):
    x = run(nlp, "Foggy-Night Pedestrian Detection for Owls", "We study pedestrian detection in fog. OwlNet detects walkers.")
    tasks = entities(x, "task")
    assert list(tasks) == ["pedestrian detection"]
    assert "Foggy-Night Pedestrian Detection" in tasks["pedestrian detection"]["mentions"]


def test_a_list_announced_after_a_dataset_head_gives_whole_items_short_acronyms_included(nlp):
    x = run(nlp, "Listening to forests",
            "Experiments use four public benchmarks: the Owl Call Dataset (OCD), HOOT and NEST from Audubon, and PSX.")
    datasets = entities(x, "dataset")
    assert {"HOOT", "NEST", "PSX"} <= set(datasets)  # short acronyms count once a colon announces the list
    assert "Owl Call Dataset" in forms(x, "dataset") and "Owl" not in forms(x, "dataset")  # one item, not three
    assert "Audubon" not in datasets  # where an item comes from is no item


def test_a_size_or_release_after_a_name_is_part_of_its_mention_but_a_value_or_count_is_not(nlp):
    x = run(nlp, "Listening to forests",
            "Features come from XLM-R Large and Stable Diffusion 1.5 as the backbone. We evaluate on "
            "TED-LIUM 3 and BraTS 2018. HootNet reaches 82.7 on ImageNet 10 times faster.")
    assert {"XLM-R Large", "Stable Diffusion 1.5"} <= forms(x, "method")
    assert {"TED-LIUM 3", "BraTS 2018"} <= forms(x, "dataset")
    assert "HootNet" in forms(x, "method") and not any(f.startswith("HootNet ") for f in forms(x, "method"))
    assert "ImageNet" in forms(x, "dataset") and "ImageNet 10" not in forms(x, "dataset")


def test_a_component_head_after_a_technique_is_part_of_its_name(nlp):
    x = run(nlp, "Listening to forests",
            "We add a bidirectional cross-modal attention module and a patch embedding module. The patch embedding is shared.")
    methods = forms(x, "method")
    assert {"bidirectional cross-modal attention module", "patch embedding module"} <= methods
    assert "bidirectional cross-modal attention" not in methods  # one entity, named with its head
    assert "patch embedding" in methods  # the same part, named without it later


def test_a_participle_right_after_a_noun_says_how_a_model_was_made_not_a_technique_used(nlp):
    x = run(nlp, "Listening to forests",
            "We compare backbones pre-trained on ImageNet. The teacher, ViT-L/16 pre-trained on owl photos, helps.")
    assert "pre-training" not in entities(x, "method")
    y = run(nlp, "Listening to forests", "Our model is efficiently pretrained on many owl tasks, then fine-tuned on songs.")
    assert {"pre-training", "fine-tuning"} <= set(entities(y, "method"))


def test_the_sizes_of_the_papers_own_model_are_its_own_but_a_baselines_are_not(nlp):
    x = run(nlp, "Listening to owls",
            "We propose HootSparse, a tokenizer for owl videos. We instantiate HootSparse-B and HootSparse Large, "
            "and compare them with VideoMAE-B and VideoMAE Large.")
    methods = {f: e for e in entities(x, "method").values() for f in e["mentions"]}
    assert methods["HootSparse-B"]["role"] == methods["HootSparse Large"]["role"] == "proposed"
    assert methods["VideoMAE Large"]["role"] == "used"
