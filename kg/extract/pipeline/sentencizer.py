"""kg_sentencizer: spaCy's rule-based sentencizer (a sentence starts after a sentence-final
character and the punctuation that follows it)."""
from __future__ import annotations

from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.vocab import Vocab

from kg.extract.pipeline.memo import Memo
from kg.extract.pipeline.tokens import token_table, tokens_in


class ConfiguredSentencizer(Sentencizer):
    """spaCy's sentencizer, set up by the pipeline config alone (its punct_chars): it writes and
    reads nothing in a pipeline folder, so trained pipelines saved without a sentencizer file
    (pipelines/trained) load as they are.

    It decides as spaCy's does, from the token table: only the sentence-final characters and the
    punctuation after them are looked at, where spaCy's `predict` builds a Token object for every
    token (half the blank tokenizer's time). Whether a word is punctuation is its lexeme's IS_PUNCT
    flag, read once per word (a `doc.to_array(IS_PUNCT)` per doc cost a tenth of the tokenizer's
    time, for the few tokens that follow a full stop)."""

    def __init__(self, vocab: Vocab, name: str, punct_chars: list[str]) -> None:
        super().__init__(name, punct_chars=punct_chars)
        self._is_punct = Memo(lambda word: vocab[word].is_punct)

    def predict(self, docs):
        return [self._starts(doc) for doc in docs]

    def _starts(self, doc) -> list[bool]:
        starts = [False] * len(doc)
        if not starts:
            return starts
        starts[0] = True
        T = token_table(doc)
        texts, punct_chars, is_punct = T.texts, self.punct_chars, self._is_punct
        end = 0  # the sentence-final characters before it are those of a sentence already ended
        for i in tokens_in(T, punct_chars, lower=False):
            if i < end:
                continue
            # the sentence starts at the first token after it that is neither punctuation nor final
            end = i + 1
            while end < len(texts) and (is_punct[texts[end]] or texts[end] in punct_chars):
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
    return ConfiguredSentencizer(nlp.vocab, name, punct_chars=punct_chars)
