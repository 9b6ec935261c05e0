"""kg_sentencizer: spaCy's rule-based sentencizer (a sentence starts after a sentence-final
character and the punctuation that follows it)."""
from __future__ import annotations

from itertools import compress

from spacy.attrs import IS_PUNCT
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from kg.extract.pipeline.tokens import token_table


class ConfiguredSentencizer(Sentencizer):
    """spaCy's sentencizer, set up by the pipeline config alone (its punct_chars): it writes and
    reads nothing in a pipeline folder, so trained pipelines saved without a sentencizer file
    (pipelines/trained) load as they are.

    Its rule is spaCy's, read from the token table rather than from Token objects: spaCy's own
    `predict` builds a Token object per token, which cost half the blank tokenizer's time."""

    def predict(self, docs) -> list[list[bool]]:
        return [self._starts(doc) for doc in docs]

    def _starts(self, doc: Doc) -> list[bool]:
        """Sentence starts: the first token, and the first token after a sentence-final character
        that is neither punctuation nor another such character."""
        guesses = [False] * len(doc)
        if guesses:
            guesses[0] = True
            texts = token_table(doc).texts
            is_punct = doc.to_array(IS_PUNCT).tolist()
            i = 0
            for end in compress(range(len(texts)), map(self.punct_chars.__contains__, texts)):
                if end < i:
                    continue  # in the punctuation run of the previous sentence end
                i = end + 1
                while i < len(texts) and (is_punct[i] or texts[i] in self.punct_chars):
                    i += 1
                if i < len(texts):
                    guesses[i] = True
        return guesses

    def to_disk(self, path, *, exclude=tuple()) -> None:
        pass

    def from_disk(self, path, *, exclude=tuple()) -> "ConfiguredSentencizer":
        return self


@Language.factory("kg_sentencizer", default_config={"punct_chars": [".", "!", "?"]})
def make_sentencizer(nlp: Language, name: str, punct_chars: list[str]) -> ConfiguredSentencizer:
    return ConfiguredSentencizer(name, punct_chars=punct_chars)
