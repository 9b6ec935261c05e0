"""kg_sentencizer: spaCy's rule-based sentencizer (a sentence starts after a sentence-final
character and the punctuation that follows it)."""
from __future__ import annotations

from spacy.language import Language
from spacy.pipeline import Sentencizer


class ConfiguredSentencizer(Sentencizer):
    """spaCy's sentencizer, set up by the pipeline config alone (its punct_chars): it writes and
    reads nothing in a pipeline folder, so trained pipelines saved without a sentencizer file
    (pipelines/trained) load as they are."""

    def to_disk(self, path, *, exclude=tuple()) -> None:
        pass

    def from_disk(self, path, *, exclude=tuple()) -> "ConfiguredSentencizer":
        return self


@Language.factory("kg_sentencizer", default_config={"punct_chars": [".", "!", "?"]})
def make_sentencizer(nlp: Language, name: str, punct_chars: list[str]) -> ConfiguredSentencizer:
    return ConfiguredSentencizer(name, punct_chars=punct_chars)
