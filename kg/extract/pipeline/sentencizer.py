"""kg_sentencizer: spaCy's rule-based sentencizer (a sentence starts after a sentence-final
character and the punctuation that follows it)."""
from __future__ import annotations

from spacy.attrs import IS_PUNCT
from spacy.language import Language
from spacy.pipeline import Sentencizer

from kg.extract.pipeline.tokens import token_table, tokens_in


class ConfiguredSentencizer(Sentencizer):
    """spaCy's sentencizer, set up by the pipeline config alone (its punct_chars): it writes and
    reads nothing in a pipeline folder, so trained pipelines saved without a sentencizer file
    (pipelines/trained) load as they are.

    It decides as spaCy's does, from the token table: only the sentence-final characters and the
    punctuation after them are looked at, where spaCy's `predict` builds a Token object for every
    token (half the blank tokenizer's time)."""

    def predict(self, docs):
        return [self._starts(doc) for doc in docs]

    def _starts(self, doc) -> list[bool]:
        starts = [False] * len(doc)
        if not starts:
            return starts
        starts[0] = True
        T = token_table(doc)
        texts, punct_chars = T.texts, self.punct_chars
        is_punct = None  # the tokens' IS_PUNCT flags, read when a sentence-final character is found
        end = 0  # the sentence-final characters before it are those of a sentence already ended
        for i in tokens_in(T, punct_chars, lower=False):
            if i < end:
                continue
            if is_punct is None:
                is_punct = doc.to_array(IS_PUNCT).tolist()
            # the sentence starts at the first token after it that is neither punctuation nor final
            end = i + 1
            while end < len(texts) and (is_punct[end] or texts[end] in punct_chars):
                end += 1
            if end < len(texts):
                starts[end] = True
        return starts

    def to_disk(self, path, *, exclude=tuple()) -> None:
        pass

    def from_disk(self, path, *, exclude=tuple()) -> "ConfiguredSentencizer":
        return self


@Language.factory("kg_sentencizer", default_config={"punct_chars": [".", "!", "?"]})
def make_sentencizer(nlp: Language, name: str, punct_chars: list[str]) -> ConfiguredSentencizer:
    return ConfiguredSentencizer(name, punct_chars=punct_chars)
