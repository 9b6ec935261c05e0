"""The lexical cues of the rule components, read from JSON data files in pipelines/lexicon/: cues.json
(entities, roles) and results.json (reported results)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kg.paths import PIPELINES_DIR

DEFAULT_CUES = PIPELINES_DIR / "lexicon" / "cues.json"
DEFAULT_RESULT_CUES = PIPELINES_DIR / "lexicon" / "results.json"


@dataclass(frozen=True)
class Cues:
    propose_verbs: frozenset[str]
    self_subjects: tuple[str, ...]
    naming_cues: tuple[str, ...]
    dataset_heads: frozenset[str]
    method_heads: frozenset[str]
    generic_heads: frozenset[str]
    task_heads: frozenset[str]
    metric_heads: frozenset[str]
    stop_names: frozenset[str]
    field_names: frozenset[str]
    vague_terms: frozenset[str]
    ambiguous_modality_words: frozenset[str]
    data_nouns: frozenset[str]
    not_task_modifiers: frozenset[str]
    technique_heads: frozenset[str]
    not_method_modifiers: frozenset[str]
    verb_forms: tuple[tuple[str, str], ...] = ()
    verb_contexts_after: frozenset[str] = frozenset()
    verb_contexts_before: frozenset[str] = frozenset()
    ambiguous_metric_words: frozenset[str] = frozenset()
    vague_task_heads: frozenset[str] = frozenset()
    generic_task_modifiers: frozenset[str] = frozenset()
    not_metric_modifiers: frozenset[str] = frozenset()
    metric_phrase_openers: frozenset[str] = frozenset()
    # the words of kg_patterns' rules (name_patterns.py), each list commented in the data file
    naming_words: frozenset[str] = frozenset()
    component_name_heads: frozenset[str] = frozenset()
    measure_phrase_heads: frozenset[str] = frozenset()
    metric_name_heads: frozenset[str] = frozenset()
    noun_determiners: frozenset[str] = frozenset()
    trained_on_words: frozenset[str] = frozenset()
    qualifying_ends: frozenset[str] = frozenset()
    not_naming_ends: frozenset[str] = frozenset()
    modality_parts: frozenset[str] = frozenset()
    family_heads: frozenset[str] = frozenset()
    title_breaks: frozenset[str] = frozenset()
    task_as_modifier_nouns: frozenset[str] = frozenset()
    list_cues: frozenset[str] = frozenset()
    list_adjective_ends: frozenset[str] = frozenset()
    list_stops: frozenset[str] = frozenset()
    title_method_heads: frozenset[str] = frozenset()
    method_list_heads: frozenset[str] = frozenset()
    comparison_words: frozenset[str] = frozenset()
    noun_phrase_openers: frozenset[str] = frozenset()
    problem_verbs: frozenset[str] = frozenset()
    problem_words: frozenset[str] = frozenset()
    not_qualified_plurals: frozenset[str] = frozenset()


@lru_cache(maxsize=4)
def load_cues(path: str = "") -> Cues:
    data = json.loads(Path(path or DEFAULT_CUES).read_text(encoding="utf-8"))
    lower = lambda key: frozenset(w.lower() for w in data[key])  # noqa: E731
    return Cues(
        propose_verbs=lower("propose_verbs"),
        self_subjects=tuple(data["self_subjects"]),
        naming_cues=tuple(data["naming_cues"]),
        dataset_heads=lower("dataset_heads"),
        method_heads=lower("method_heads"),
        generic_heads=lower("generic_heads"),
        task_heads=lower("task_heads"),
        metric_heads=lower("metric_heads"),
        stop_names=frozenset(data["stop_names"]),
        field_names=lower("field_names"),
        vague_terms=lower("vague_terms"),
        ambiguous_modality_words=lower("ambiguous_modality_words"),
        data_nouns=lower("data_nouns"),
        not_task_modifiers=lower("not_task_modifiers"),
        technique_heads=lower("technique_heads"),
        not_method_modifiers=lower("not_method_modifiers") if "not_method_modifiers" in data else frozenset(),
        verb_forms=tuple(sorted(data.get("verb_forms", {}).items())),
        verb_contexts_after=frozenset(data.get("verb_contexts_after", [])),
        verb_contexts_before=frozenset(data.get("verb_contexts_before", [])),
        ambiguous_metric_words=frozenset(w.lower() for w in data.get("ambiguous_metric_words", [])),
        vague_task_heads=frozenset(w.lower() for w in data.get("vague_task_heads", [])),
        generic_task_modifiers=frozenset(w.lower() for w in data.get("generic_task_modifiers", [])),
        not_metric_modifiers=frozenset(w.lower() for w in data.get("not_metric_modifiers", [])),
        metric_phrase_openers=frozenset(w.lower() for w in data.get("metric_phrase_openers", [])),
        naming_words=lower("naming_words"),
        component_name_heads=lower("component_name_heads"),
        measure_phrase_heads=lower("measure_phrase_heads"),
        metric_name_heads=lower("metric_name_heads"),
        noun_determiners=lower("noun_determiners"),
        trained_on_words=lower("trained_on_words"),
        qualifying_ends=lower("qualifying_ends"),
        not_naming_ends=lower("not_naming_ends"),
        modality_parts=lower("modality_parts"),
        family_heads=lower("family_heads"),
        title_breaks=lower("title_breaks"),
        task_as_modifier_nouns=lower("task_as_modifier_nouns"),
        list_cues=lower("list_cues"),
        list_adjective_ends=lower("list_adjective_ends"),
        list_stops=lower("list_stops"),
        title_method_heads=lower("title_method_heads"),
        method_list_heads=lower("method_list_heads"),
        comparison_words=lower("comparison_words"),
        noun_phrase_openers=lower("noun_phrase_openers"),
        problem_verbs=lower("problem_verbs"),
        problem_words=lower("problem_words"),
        not_qualified_plurals=lower("not_qualified_plurals"),
    )


@dataclass(frozen=True)
class ResultCues:
    """The word lists of the results components; each is a regular-expression alternation in the
    file's order (results.json says what each list is for)."""

    size_nouns: tuple[str, ...]
    cost_nouns: tuple[str, ...]
    used_data_nouns: tuple[str, ...]
    hyperparameters: tuple[str, ...]
    change_size_words: tuple[str, ...]
    change_words_after: tuple[str, ...]
    number_words: dict[str, int]
    metric_head_nouns: tuple[str, ...]
    metric_modifier_words: tuple[str, ...]
    not_metrics: frozenset[str]
    not_variant_words: tuple[str, ...]
    change_nouns: tuple[str, ...]
    not_quantity_openers: tuple[str, ...]
    quantity_end_words: tuple[str, ...]
    change_quantity_end_words: tuple[str, ...]
    metric_verb_stems: tuple[str, ...]
    not_part_words: tuple[str, ...]


@lru_cache(maxsize=4)
def load_result_cues(path: str = "") -> ResultCues:
    data = json.loads(Path(path or DEFAULT_RESULT_CUES).read_text(encoding="utf-8"))
    return ResultCues(**{
        name: frozenset(w.lower() for w in data[name]) if name == "not_metrics"
        else dict(data[name]) if name == "number_words" else tuple(data[name])
        for name in ResultCues.__dataclass_fields__
    })


def alternation(words: tuple[str, ...]) -> str:
    """A list of results.json as the body of a regular-expression group, in the file's order."""
    return "|".join(words)
