"""What the components and the resolver share about a doc: its token table, its sentences and the
candidate entity mentions the components add.

Each component adds candidates to the list `doc.user_data["kg_cands"]`: token and character bounds,
`label_` the entity type, `kb_id_` the vocabulary concept IRI (empty for new names), `id_` the rule
that made it. `kg.extract.resolve` turns the candidates into entities, roles and results. They are
plain tuples, not a SpanGroup in `doc.spans`: a Span builds Token objects for its bounds, once when
it is added and again each time the group is read, which cost a tenth of the pipeline's time.
"""
from __future__ import annotations

import weakref
from itertools import compress
from operator import getitem, index, itemgetter
from typing import NamedTuple

import numpy as np
from spacy.attrs import IDX, ORTH, SENT_START, SPACY
from spacy.tokens import Doc

from kg.extract.pipeline.names import name_shaped

ALIASES = "kg_aliases"  # doc.user_data: {acronym text: long form text}


SENTS = "kg_sents"


class Tok(NamedTuple):
    """A token's attributes as one row (see Table): a spaCy Token object is built on every
    `doc[i]`, which made rule loops that look around a token the pipeline's cost."""

    i: int
    text: str
    lower_: str
    idx: int
    whitespace_: str
    is_alpha: bool


_WHITESPACE = ("", " ")
_new_tuple = tuple.__new__


class Table:
    """The token table of a doc: the tokens' attributes as parallel lists, which the components
    read, and rows (Tok) made when indexed, for the resolver. The rules read one or two attributes
    of a token at a time and the resolver a few dozen rows per doc: a row per token cost more than
    the rules that read them.

    texts, lowers: the tokens' texts and lower-case forms; idxs: their character offsets;
    spaces: 1 where whitespace follows a token, else 0; text: the doc's text; flags: the tokens'
    flags (see _learn); hits: the indices of the tokens with a flag (a watched word, see watch, or
    a name-shaped text); starts: the tokens whose sentence-start flag is set, as the sentencizer and
    the title boundary set them (None if some other way)."""

    __slots__ = ("texts", "lowers", "idxs", "spaces", "text", "flags", "hits", "starts")

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, k):
        if type(k) is int and k >= 0:  # the row made here, without a second call
            text = self.texts[k]  # an IndexError as a list's
            return _new_tuple(Tok, (k, text, self.lowers[k], self.idxs[k], _WHITESPACE[self.spaces[k]], text.isalpha()))
        if type(k) is slice:
            return list(map(self._row, range(*k.indices(len(self.texts)))))
        return self._row(k)

    def __iter__(self):
        return map(self._row, range(len(self.texts)))

    def _row(self, i: int) -> Tok:
        text = self.texts[i]  # an IndexError (or TypeError) as a list's
        i = index(i)
        if i < 0:
            i += len(self.texts)
        return _new_tuple(Tok, (i, text, self.lowers[i], self.idxs[i], _WHITESPACE[self.spaces[i]], text.isalpha()))


# Token tables of docs, kept beside the docs rather than in their user data, which travels with a doc
# between processes; an entry goes with its doc. The last doc's table is also kept in _LAST, read
# by the many calls for the same doc without the weak dictionary's Python-level lookup.
_HELD: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LAST: tuple = (lambda: None, None)


def token_table(doc: Doc) -> Table:
    """The token table of a doc, built once and shared by the components and the resolver (in the
    process that ran the components; another process builds its own)."""
    global _LAST
    ref, table = _LAST
    if ref() is doc:
        return table
    table = _HELD.get(doc)
    if table is None:
        table = _HELD[doc] = _build_table(doc)
    _LAST = (weakref.ref(doc), table)
    return table


def _build_table(doc: Doc) -> Table:
    # read as arrays: iterating the doc would build a Token object per token. Only the texts need
    # the string store; lower case is what the English lexeme attribute computes from them
    # (str.lower), and C-level maps build the columns without a Python step per token, from what
    # is cached per orth id (see _learn): one dict lookup per token, then reads of its tuple.
    table = Table()
    table.starts = None
    orths, table.idxs, spaces = doc.to_array([ORTH, IDX, SPACY]).T.tolist()
    try:
        infos = list(map(_INFO.__getitem__, orths))
    except KeyError:  # words not seen before in this process
        _learn(orths, doc.vocab.strings)
        infos = list(map(_INFO.__getitem__, orths))
    table.spaces = spaces
    table.texts = list(map(_TEXT, infos))
    table.lowers = list(map(_LOWER, infos))
    table.text = "".join(map(getitem, infos, spaces))  # the text, or with its space (spaces are 0 or 1)
    flags = table.flags = list(map(_FLAGS, infos))
    table.hits = list(compress(range(len(flags)), flags))
    return table


# The word lists the rules look for, each with a bit; the tokens' flags hold the bits of the lists
# that hold their lower-case forms. The token table lists the tokens with a flag (Table.hits) in one
# C-level scan; a rule then picks its own tokens from that short list by their bits, where a scan of
# its own per rule and doc, over every token, cost a tenth of the components' time.
_WORD_BITS: dict[str, int] = {}  # a word: the bits of the lists that hold it
_LIST_BITS: dict[frozenset, int] = {}  # a word list: its bit


def watch(words) -> int:
    """The bit of a word list, which `find` looks for; a component asks for its lists' bits when it
    is made, before it reads a doc. Tokens are compared by their lower-case forms, so a word with
    capitals is never found (as in a test of the lower-case forms)."""
    key = frozenset(words)
    bit = _LIST_BITS.get(key)
    if bit is None:
        bit = _LIST_BITS[key] = _NAME_SHAPED << (len(_LIST_BITS) + 1)
        for w in key:
            _WORD_BITS[w] = _WORD_BITS.get(w, 0) | bit
        _INFO.clear()  # the flags are learnt again
    return bit


# What the token table reads of a token, cached per orth id (the hash of its text, the same in
# every string store), in a dict that C-level maps read for a doc's tokens: its text, the text with
# a space after it (which joins the doc's text without a new string per token), its lower-case
# form and its flags: the bit of a name-shaped text and those of the watched lists (see watch).
_NAME_SHAPED = 1
_INFO: dict[int, tuple[str, str, str, int]] = {}
_TEXT, _LOWER, _FLAGS = itemgetter(0), itemgetter(2), itemgetter(3)


def _learn(orths: list[int], strings) -> None:
    if len(_INFO) >= 1 << 17:  # a bound on the memory (a few dozen MB)
        _INFO.clear()
    for orth in orths:
        if orth not in _INFO:
            text = strings[orth]
            low = text.lower()
            if low == text:
                low = text  # one string object for both
            flags = _WORD_BITS.get(low, 0) | (_NAME_SHAPED if name_shaped(text) else 0)
            _INFO[orth] = (text, text + " ", low, flags)


def find(T: Table, bit: int) -> list[int]:
    """The indices of the tokens whose lower-case form is in the word list with the bit, in order."""
    flags = T.flags
    return [i for i in T.hits if flags[i] & bit]



def name_shapes(T: Table) -> list[int]:
    """The indices of the name-shaped tokens."""
    flags = T.flags
    return [i for i in T.hits if flags[i] & _NAME_SHAPED]



class Sent(NamedTuple):
    """A sentence's token and character bounds (a Span builds Token objects for its text)."""

    start: int
    end: int
    start_char: int
    end_char: int


def doc_text(doc: Doc) -> str:
    """The doc's text, joined once per doc with the token table (`doc.text` builds a Token object
    per token each time)."""
    return token_table(doc).text


def drop_token_table(doc: Doc) -> None:
    global _LAST
    _HELD.pop(doc, None)
    if _LAST[0]() is doc:
        _LAST = (lambda: None, None)


def sentences(doc: Doc) -> list[Sent]:
    """The doc's sentences, computed once per doc from the sentence-start flags (each `doc.sents`
    walk builds a Token object per token, which dominated the pipeline's time). The bounds stay in
    the doc's user data, for the resolver in another process; the same list is returned on every
    call (callers only read it), as Sent tuples, which become lists when the doc travels between
    processes and are turned back once."""
    bounds = doc.user_data.get(SENTS)
    if bounds is None:
        bounds = doc.user_data[SENTS] = []
        if len(doc):
            T = token_table(doc)
            idxs, texts = T.idxs, T.texts
            # the flags as the sentencizer and title boundary left them, or read from the doc
            starts = np.flatnonzero(doc.to_array(SENT_START) == 1).tolist() if T.starts is None else T.starts[:]
            if not starts or starts[0]:
                starts.insert(0, 0)  # the first token starts a sentence, whatever its flag
            starts.append(len(texts))
            bounds += [_new_tuple(Sent, (a, b, idxs[a], idxs[b - 1] + len(texts[b - 1]))) for a, b in zip(starts, starts[1:])]
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


CANDS = "kg_cands"


def kg_spans(doc: Doc) -> list[Cand0]:
    """The candidates added so far, in the order they were added. After a doc has travelled between
    processes (user data goes through msgpack) they are lists, in the same field order."""
    return doc.user_data.setdefault(CANDS, [])


def add_candidate(cands: list, T: Table, start: int, end: int, label: str, rule: str, concept: str = "") -> None:
    """Add a candidate, with the doc's candidate list and token table in hand (a rule adds many)."""
    if start < end:
        # tuple.__new__ directly: a NamedTuple's own constructor is a Python function
        cands.append(_new_tuple(Cand0, (start, end, T.idxs[start], T.idxs[end - 1] + len(T.texts[end - 1]), label, concept, rule)))


def span_text(T: Table, start: int, end: int) -> str:
    """The text of the tokens start to end (a Span's text)."""
    return T.text[T.idxs[start] : T.idxs[end - 1] + len(T.texts[end - 1])]

