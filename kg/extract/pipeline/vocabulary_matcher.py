"""kg_vocabulary: mentions of the concepts of the SKOS vocabularies (ontology/vocab/)."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import spacy
from spacy.attrs import LOWER
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.extract.pipeline.batched import Batched
from kg.extract.pipeline.names import SUFFIX_WORD, component_end, name_shaped, release_end
from kg.extract.pipeline.tokens import Table, add_candidate, kg_spans, token_table
from kg.extract.vocabulary import load_vocabulary

CACHE_DIR = Path.home() / ".cache" / "kg"  # beside the vocabulary's own cache (kg.extract.vocabulary)


class VocabularyMatcher(Batched):
    """Known concepts from the SKOS vocabularies: labels written with capitals ("CLIP") match as
    written, the others ("contrastive learning") in any case, each kind by a PhraseMatcher."""

    def __init__(self, nlp: Language, vocab_dir: str = "") -> None:
        self.vocab = load_vocabulary(vocab_dir)
        # the (type, concept) pairs of the labels, by their tokens: as written (exact) or in lower case
        self.exact: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        self.lower: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        self.exact_matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        labels: list[tuple[bool, str, list[str]]] = []
        for exact, table in ((True, self.vocab.exact), (False, self.vocab.lower)):
            for label, iris in table.items():
                iris = [i for i in iris if not (self.vocab.concepts[i].type == "modality" and " " not in label and "-" not in label)]
                if iris:  # (one-word modality labels need context: the modality mapper handles them)
                    labels.append((exact, label, iris))
        # One match key per matcher, and a pattern is the hashes of its tokens' texts or lower-case
        # forms, what the matchers compare with a doc's tokens: no Doc, and no lexeme, is made for
        # the labels or their keys (see label_tokens).
        strings, lower = nlp.vocab.strings, nlp.vocab.lex_attr_getters[LOWER]
        exact_patterns, lower_patterns = [], []
        for (exact, label, iris), tokens in zip(labels, label_tokens(nlp, [label for _, label, _ in labels])):
            typed = [(self.vocab.concepts[i].type, i) for i in iris]
            if exact:
                self.exact.setdefault(tuple(tokens), []).extend(typed)
                exact_patterns.append(tuple(map(strings.add, tokens)))
            else:
                forms = tuple(map(lower, tokens))
                self.lower.setdefault(forms, []).extend(typed)
                lower_patterns.append(tuple(map(strings.add, forms)))
        self.exact_matcher.add("kg_vocabulary_exact", exact_patterns)
        self.lower_matcher.add("kg_vocabulary_lower", lower_patterns)

    def __call__(self, doc: Doc) -> Doc:
        T = token_table(doc)
        texts, spaces = T.texts, T.spaces
        cands = kg_spans(doc)
        # the exact-case matches first, then the lower-case ones, each in the matcher's order
        for _, start, end in self.exact_matcher(doc):
            if start > 1 and texts[start - 1] == "-" and not spaces[start - 2] and not spaces[start - 1] \
                    and texts[start - 2][:1].isupper() and name_shaped(texts[start - 2]):
                continue  # the end of another name ("ULIP-ShapeNet", "Video-LLaVA" is not LLaVA)
            if end + 1 < len(texts) and texts[end] == "-" and not spaces[end - 1] and not spaces[end] \
                    and texts[end + 1][:1].isupper() and texts[end + 1].rstrip(".").isalpha() \
                    and release_end(texts, T.lowers, spaces, end) == end and not SUFFIX_WORD.match(T.lowers[end + 1]):
                continue  # the start of another name ("KD-Bridge", "GRU-D" is not GRU)
            self._add(cands, T, self.exact[tuple(texts[start:end])], start, end)
        for _, start, end in self.lower_matcher(doc):
            if start > 1 and texts[start - 1] == "-" and not spaces[start - 2] \
                    and not spaces[start - 1] and texts[start - 2][-1:].isalnum():
                continue  # the end of a compound ("video-language models", "cross-modality alignment")
            if end + 1 < len(texts) and texts[end] == "-" and not spaces[end - 1] \
                    and not spaces[end] and texts[end + 1].isalpha() and not SUFFIX_WORD.match(T.lowers[end + 1]):
                continue  # the start of a compound ("text to image-caption pairs"), not "transformer-based"
            self._add(cands, T, self.lower[tuple(T.lowers[start:end])], start, end)
        return doc

    @staticmethod
    def _add(cands: list, T: Table, typed: list[tuple[str, str]], start: int, end: int) -> None:
        for entity_type, concept in typed:
            # a size or release after a known model or dataset is part of its mention ("Whisper-small")
            e = release_end(T.texts, T.lowers, T.spaces, end) if entity_type in ("method", "dataset") else end
            if entity_type == "method" and e == end and not T.texts[start][:1].isupper():
                e = component_end(T.lowers, T.texts, end)  # "patch embedding module"
            add_candidate(cands, T, start, e, entity_type, "vocabulary", concept)


def label_tokens(nlp: Language, labels: list[str]) -> list[list[str]]:
    """The texts of the tokens of each label, as the pipeline's tokenizer splits it.

    Kept on disk, keyed by the labels, the tokenizer's rules and spaCy's version: tokenizing the
    ~9,000 labels took 1.7 s of every process's start-up (each worker's and each command's), 1.2 s
    of it making the lexemes of their words, which the matchers do not need; reading the file takes
    a few milliseconds."""
    digest = hashlib.sha256(nlp.tokenizer.to_bytes(exclude=["vocab"]))  # its rules and affixes
    digest.update(json.dumps([spacy.__version__, labels]).encode("utf-8"))  # and how spaCy applies them
    cache = CACHE_DIR / f"label-tokens-{digest.hexdigest()[:32]}.json"
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    tokens = [[t.text for t in doc] for doc in nlp.tokenizer.pipe(labels)]
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")  # one per process: workers start at once
        tmp.write_text(json.dumps(tokens), encoding="utf-8")
        tmp.replace(cache)
    except OSError:
        pass  # a read-only home only costs the tokenizing next time
    return tokens


@Language.factory("kg_vocabulary", default_config={"vocab_dir": ""})
def make_vocabulary(nlp: Language, name: str, vocab_dir: str) -> VocabularyMatcher:
    return VocabularyMatcher(nlp, vocab_dir)
