"""kg_sentencizer: sentence starts after sentence-final punctuation."""
from __future__ import annotations

import numpy as np
from spacy.attrs import IS_PUNCT, ORTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.pipeline.tokens import _HELD, find, token_table, watch


# SENT_START -1 (not a start) as doc.to_array and doc.from_array hold it
_NOT_START = np.uint64(2**64 - 1)
# Token texts that are punctuation (the lexeme flag, the same for every token with the text)
_PUNCT: dict[str, bool] = {}


def _is_punct(doc: Doc, text: str) -> bool:
    known = _PUNCT.get(text)
    if known is None:
        if len(_PUNCT) >= 1 << 16:
            _PUNCT.clear()
        known = _PUNCT[text] = doc.vocab[text].is_punct
    return known


class Sentencizer:
    """spaCy's rule-based sentencizer, with the same result, computed on the doc's arrays instead of
    a loop over Token objects: a sentence starts at the first token that is neither punctuation nor
    a sentence-final character after a sentence-final character (punctuation such as quotes and
    brackets between the two is passed over), and at the first token. Sentence starts already set
    are kept, as spaCy's does."""

    def __init__(self, nlp: Language, punct_chars: list[str]) -> None:
        self.punct = [nlp.vocab.strings.add(c) for c in dict.fromkeys(punct_chars)]
        self.finals = frozenset(punct_chars)
        self.final_bit = watch({c.lower() for c in self.finals})  # by lower-case form, then tested as written

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if not n:
            return doc
        current = doc.to_array(SENT_START)
        if np.count_nonzero(current[1:]):
            return self._keeping(doc, current)
        # No start is set but the first token's (which a new doc has): the start after each
        # sentence-final token is the first token after it that is neither punctuation nor final.
        # The texts come from the token table, which the components use next; punctuation is read
        # only for the tokens after a final one, by text (a lexeme flag), without a Token object.
        T = token_table(doc)
        texts = T.texts
        finals, punct = self.finals, _is_punct
        starts = [0] if current[0] != _NOT_START else []  # token 0 keeps a start set to False
        after = 0
        for f in [i for i in find(T, self.final_bit) if texts[i] in finals]:
            if f < after:
                continue  # inside the run after the previous final token
            after = f + 1
            while after < n and (texts[after] in finals or punct(doc, texts[after])):
                after += 1
            if after < n:
                starts.append(after)
        values = np.full(n, _NOT_START, dtype=np.uint64)
        values[starts] = 1
        doc.from_array([SENT_START], values)
        T.starts = starts  # for sentences(), which need not read the flags again
        return doc

    def _keeping(self, doc: Doc, current) -> Doc:
        """The same on arrays, keeping the sentence starts set before."""
        held = _HELD.get(doc)
        if held is not None:
            held.starts = None  # sentences() reads the flags
        n = len(doc)
        arr = doc.to_array([ORTH, IS_PUNCT, SENT_START])
        orth = arr[:, 0]
        final = np.zeros(n, dtype=bool)
        for h in self.punct:
            final |= orth == h
        words = np.flatnonzero(~(final | (arr[:, 1] == 1)))
        # a word starts a sentence when a sentence-final token lies between it and the word before
        finals = np.cumsum(final)[words]
        starts = np.zeros(n, dtype=bool)
        starts[0] = True
        starts[words[finals > np.concatenate(([0], finals[:-1]))]] = True
        current = arr[:, 2].astype(np.int64)
        values = np.where(current != 0, current, np.where(starts, 1, -1))
        doc.from_array([SENT_START], values.astype(np.uint64))
        return doc


@Language.factory("kg_sentencizer", default_config={"punct_chars": [".", "!", "?"]})
def make_sentencizer(nlp: Language, name: str, punct_chars: list[str]) -> Sentencizer:
    return Sentencizer(nlp, punct_chars)
