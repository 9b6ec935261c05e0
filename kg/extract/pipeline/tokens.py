"""What the components and the resolver share about a doc: its token table, its sentences and the
candidate entity mentions the components add.

Each component adds candidates to the list `doc.user_data["kg_cands"]`: token and character bounds,
`label_` the entity type, `kb_id_` the vocabulary concept IRI (empty for new names), `id_` the rule
that made it. `kg.extract.resolve` turns the candidates into entities, roles and results. They are
plain tuples, not a SpanGroup in `doc.spans`: a Span builds Token objects for its bounds, once when
it is added and again each time the group is read, which cost a tenth of the pipeline's time
(BENCHMARKS.md, Extraction speed); the resolver and kg.extract.learned read these tuples.
"""
from __future__ import annotations

import weakref
from itertools import compress
from operator import itemgetter
from typing import NamedTuple

import numpy as np
from spacy.attrs import IDX, ORTH, SENT_START, SPACY
from spacy.tokens import Doc

from kg.extract.pipeline.names import name_shaped

ALIASES = "kg_aliases"  # doc.user_data: {acronym text: long form text}
CANDS = "kg_cands"  # doc.user_data: the candidates (Cand0), in the order they were added
SENTS = "kg_sents"  # doc.user_data: the sentences' bounds (Sent)


class Table:
    """The token table of a doc: the tokens' attributes as parallel lists, which the components and
    the resolver read instead of Token objects. A speed measure kept: spaCy builds a new Token object
    on every `doc[i]`, and one pass reading each token's text that way costs 0.3x the blank
    tokenizer's time, while building this whole table costs 0.45x (bench_extract's corpus), and the
    rules and the resolver read tokens and their neighbours many times per doc. Built once per doc
    by token_table.

    texts, lowers: the tokens' texts and lower-case forms; idxs: their character offsets;
    spaces: 1 where whitespace follows a token, else 0; text: the doc's text."""

    __slots__ = ("texts", "lowers", "idxs", "spaces", "text")

    def __init__(self, doc: Doc) -> None:
        orths, self.idxs, self.spaces = doc.to_array([ORTH, IDX, SPACY]).T.tolist()
        words = _words(orths, doc.vocab.strings)
        self.texts = list(map(_TEXT, words))
        self.lowers = list(map(_LOWER, words))
        kept = _DOC_TEXTS.pop(doc, None)  # as the tokenizer was given it, else joined again
        self.text = kept if kept is not None else "".join(
            [text + " " if space else text for text, space in zip(self.texts, self.spaces)])

    def __len__(self) -> int:
        return len(self.texts)


# Words' texts and lower-case forms (what the English LOWER attribute computes) by their hash
# (ORTH), kept once per word: the StringStore decodes a new str on every lookup, which costs more
# than a dict hit, and one look-up for both forms costs less than a second one for the lower case
# (BENCHMARKS.md, "One pass less over the tokens"). A hash names the same text in every store, so
# one dict serves every pipeline of the process.
_WORDS: dict[int, tuple[str, str]] = {}
_TEXT, _LOWER = itemgetter(0), itemgetter(1)


def _words(orths: list[int], strings) -> list[tuple[str, str]]:
    """The (text, lower-case form) of the hashes `orths`, the words not seen before read from the
    doc's `strings`."""
    try:
        return list(map(_WORDS.__getitem__, orths))
    except KeyError:
        if len(_WORDS) >= 1 << 16:
            _WORDS.clear()  # a long run does not grow it without end
        return [_WORDS[orth] if orth in _WORDS else _WORDS.setdefault(orth, _forms(strings[orth])) for orth in orths]


def _forms(text: str) -> tuple[str, str]:
    return text, text.lower()


# The texts the pipeline's tokenizer made docs from (kg_tokenizer), until their token tables take them.
_DOC_TEXTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def keep_text(doc: Doc, text: str) -> None:
    """Keep the text a doc was made from, for its token table."""
    _DOC_TEXTS[doc] = text


# Token tables of docs, kept beside the docs rather than in their user data, which travels with a
# doc between processes; an entry goes with its doc.
_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def token_table(doc: Doc) -> Table:
    """The token table of a doc, built once and shared by the components and the resolver (in the
    process that ran the components; another process builds its own)."""
    table = _TABLES.get(doc)
    if table is None:
        table = _TABLES[doc] = Table(doc)
    return table


def drop_token_table(doc: Doc) -> None:
    _TABLES.pop(doc, None)


def doc_text(doc: Doc) -> str:
    """The doc's text, joined once per doc with the token table (`doc.text` builds a Token object
    per token each time)."""
    return token_table(doc).text


def tokens_in(T: Table, words, lower: bool = True) -> list[int]:
    """The indices of the tokens whose lower-case form (or, with lower=False, text) is one of the
    words (a set), in order."""
    forms = T.lowers if lower else T.texts
    return list(compress(range(len(forms)), map(words.__contains__, forms)))


def name_shapes(T: Table) -> list[int]:
    """The indices of the name-shaped tokens."""
    return list(compress(range(len(T.texts)), map(name_shaped, T.texts)))


class Sent(NamedTuple):
    """A sentence's token and character bounds (a Span builds Token objects for its text)."""

    start: int
    end: int
    start_char: int
    end_char: int


def sentences(doc: Doc) -> list[Sent]:
    """The doc's sentences, computed once per doc from the sentence-start flags (each `doc.sents`
    walk builds a Token object per token). The bounds stay in the doc's user data, for the resolver
    in another process; the same list is returned on every call (callers only read it), as Sent
    tuples, which become lists when the doc travels between processes and are turned back once."""
    bounds = doc.user_data.get(SENTS)
    if bounds is None:
        bounds = doc.user_data[SENTS] = []
        if len(doc):
            T = token_table(doc)
            idxs, texts = T.idxs, T.texts
            starts = np.flatnonzero(doc.to_array(SENT_START) == 1).tolist()
            if not starts or starts[0]:
                starts.insert(0, 0)  # the first token starts a sentence, whatever its flag
            starts.append(len(texts))
            bounds += [Sent(a, b, idxs[a], idxs[b - 1] + len(texts[b - 1])) for a, b in zip(starts, starts[1:])]
    elif bounds and type(bounds[0]) is not Sent:
        bounds = doc.user_data[SENTS] = [Sent(*b) for b in bounds]
    return bounds


class Cand0(NamedTuple):
    """A candidate as the components add it (the resolver adds its text)."""

    start: int
    end: int
    start_char: int
    end_char: int
    label_: str
    kb_id_: str
    id_: str


def kg_spans(doc: Doc) -> list[Cand0]:
    """The candidates added so far, in the order they were added. After a doc has travelled between
    processes (user data goes through msgpack) they are lists, in the same field order."""
    return doc.user_data.setdefault(CANDS, [])


def add_candidate(cands: list, T: Table, start: int, end: int, label: str, rule: str, concept: str = "") -> None:
    """Add the tokens start to end, if any, to the doc's candidates `cands` (kg_spans)."""
    if start < end:
        cands.append(Cand0(start, end, T.idxs[start], T.idxs[end - 1] + len(T.texts[end - 1]), label, concept, rule))


def span_text(T: Table, start: int, end: int) -> str:
    """The text of the tokens start to end (a Span's text)."""
    return T.text[T.idxs[start] : T.idxs[end - 1] + len(T.texts[end - 1])]
