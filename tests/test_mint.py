"""Minted concept IRIs: one per concept whatever the spelling, with the word boundaries put back."""
from __future__ import annotations

import json

import pytest

from kg.build import build
from kg.errors import KgError
from kg.extract.normalise import entity_key
from kg.extract.vocabulary import load_vocabulary
from kg.ingest import read_papers
from kg.paths import EXAMPLES_DIR
from kg.query import run
from kg.rdf.mint import concept_iri
from kg.rdf.segment import WORDS_FILE, hyphenate, load_words, make_word_list, split_letters
from kg.store import open_store, read_manifest

from conftest import EXAMPLE_CORPUS


def tail(iri: str) -> str:
    return iri.split("/concept/")[1]


@pytest.mark.parametrize("spelling", ["vision encoder", "Vision Encoder", "Vision-Encoder", "VisionEncoder",
                                      "vision encoders", "vision_encoder"])
def test_every_spelling_of_a_name_gets_one_iri_with_its_words_hyphenated(spelling):
    assert tail(concept_iri("method", entity_key(spelling))) == "method/vision-encoder"


def test_names_that_known_words_do_not_spell_stay_whole():
    words = frozenset({"rob", "in", "mixture", "of", "experts", "at", "on", "mel", "set", "image", "re", "finer"})
    assert split_letters("robin", words) is None  # a two-letter word never ends a run
    assert split_letters("melatonin", words) is None  # "mel-at-on-in": two-letter words in a row
    assert split_letters("mixtureofexperts", words) == ["mixture", "of", "experts"]
    assert hyphenate("llava", words) == "llava"


def test_digits_stay_with_their_letters_and_take_one_letter_when_the_rest_is_words():
    words = frozenset({"zero", "shot", "question", "answering", "speech", "command", "gpt"})
    assert hyphenate("gpt4", words) == "gpt4"
    assert hyphenate("zeroshot3dquestionanswering", words) == "zero-shot-3d-question-answering"
    assert hyphenate("speechcommandv2", words) == "speech-command-v2"


def test_the_shipped_word_list_is_what_its_sources_make():
    labels = [label for c in load_vocabulary().concepts.values() for label in c.labels]
    sources = [EXAMPLES_DIR / "corpus", EXAMPLES_DIR / "gold" / "synthetic.jsonl"]
    texts = [f"{p.title}\n{p.abstract}" for p in read_papers(sources)]
    assert sorted(load_words()) == make_word_list(labels, texts)


def boundaries(words: list[str]) -> set[int]:
    """Where one word ends and the next starts, as offsets into the words written together."""
    ends, at = set(), 0
    for word in words[:-1]:
        at += len(word)
        ends.add(at)
    return ends


def test_minted_concepts_of_the_example_corpus_read_like_their_labels(example_store):
    """A minted concept whose label is lower-case known words gets hyphens only where the label has
    a word boundary (it may keep a compound whole: "cross-modal" and "crossmodal" are one key)."""
    words = load_words()
    rows = run(example_store, """SELECT ?c ?label WHERE { ?c kgo:minted true ; skos:prefLabel ?label }""").rows
    checked = 0
    for concept, label in rows:
        parts = label.replace("-", " ").split()
        if len(parts) > 1 and label == label.lower() and all(p in words and len(p) > 2 for p in parts):
            if entity_key(label) != "".join(parts):  # the plural "s" the key drops
                continue
            slug_words = tail(concept).split("/", 1)[1].split("-")
            assert "".join(slug_words) == "".join(parts), (concept, label)
            assert len(slug_words) > 1 and boundaries(slug_words) <= boundaries(parts), (concept, label)
            checked += 1
    assert checked >= 50


def test_an_append_to_a_graph_with_other_minted_iris_is_refused_and_leaves_it_intact(tmp_path):
    files = sorted(EXAMPLE_CORPUS.iterdir())
    out = tmp_path / "g"
    build(files[:1], out, extras=False, jobs=1)
    manifest_file = out / "manifest.json"
    manifest = read_manifest(out)
    assert manifest["concept_words_sha256"]
    del manifest["concept_words_sha256"]  # as an older kg wrote it
    manifest_file.write_text(json.dumps(manifest))
    before = len(open_store(out))
    with pytest.raises(KgError, match="other minted concept IRIs.*without --append"):
        build(files, out, extras=False, append=True, jobs=1)
    assert len(open_store(out)) == before and read_manifest(out) == manifest
