"""spaCy components that find candidate entity mentions; one component per kind of rule.

Each component adds candidates to the list `doc.user_data["kg_cands"]`: token and character bounds,
`label_` the entity type, `kb_id_` the vocabulary concept IRI (empty for new names), `id_` the rule
that made it. `kg.extract.resolve` turns the candidates into entities, roles and results. They are
plain tuples, not a SpanGroup in `doc.spans`: a Span builds Token objects for its bounds, once when
it is added and again each time the group is read, which cost a tenth of the pipeline's time.
"""
from __future__ import annotations

import re
import weakref
from functools import lru_cache
from bisect import bisect_left, bisect_right, insort
from itertools import compress
from operator import getitem, index, itemgetter
from typing import NamedTuple

import numpy as np
import spacy
from spacy.lang.en.stop_words import STOP_WORDS

from spacy.attrs import IDX, IS_PUNCT, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.extract.lexicon import load_cues
from kg.extract.normalise import entity_key
from kg.extract.vocabulary import load_vocabulary

ALIASES = "kg_aliases"  # doc.user_data: {acronym text: long form text}

# Shapes of names never seen before: CamelCase, letters with digits, acronyms, "++" suffixes.
NAME_SHAPE = re.compile(
    r"""^(?=.*[A-Za-z])(?:
        [A-Z][a-z0-9]*[A-Z][\w+\-.^]*           # CamelCase / internal capitals: AdapNet, MiniGPT
      | [A-Za-z]+\d[\w+\-.^]*                     # letters then digits: M3EL, DINOv2, GPT-4V
      | \d+[A-Za-z][\w+\-.^]*                    # digits then letters: 3DETR, 4M
      | [A-Z]{2,}[\w+\-.^]*                       # acronyms: CLIP, MEL, VQA-RAD
      | [a-z]+[A-Z][\w+\-.^]*                    # lower then upper: mPLUG, eP-ALM
      | [A-Z][A-Za-z]*-\d[\w+\-.^]*               # word, hyphen, number: Mamba-2, Aviary-7K
      | [A-Za-z][\w\-]*@(?:\d+(?:\.\d+)?|[kKnN])   # a measure at a cut-off: HR@10, NDCG@K (see AT_CUTOFF)
    )$""",
    re.X,
)


# Shapes that look like names but are not: ordinals, 2D/3D, 2D-3D, "3x", plural acronyms, versions
# standing alone ("v2", "V1.5"), citation years ("2019a"), URLs.
NOT_A_NAME = re.compile(
    r"^(?:\d+(?:st|nd|rd|th|D|x|X|K|M|B|k|s|times)|\d+D(?:[-/]\d+D)+|(?:U?INT|FP|BF)\d+|[A-Z]{2}[a-z]{5,}|[A-Z]{2,}s|[vV]\d+(?:\.\d+)*|(?:19|20)\d\d[a-z]|\d+|.*\.(?:com|org|io|ch|net|ai|html?)|.*\.\w+/.*)$"
)


@lru_cache(maxsize=1 << 16)
def name_shaped(text: str) -> bool:
    """Does a token look like a name (NAME_SHAPE and not NOT_A_NAME)? Cached: every token of every
    abstract is tested, and the same words recur across abstracts."""
    return bool(NAME_SHAPE.match(text)) and not NOT_A_NAME.match(text)


SELF_WORDS = frozenset(("we", "our"))
EVAL_WORDS = {"experiments", "experiment", "evaluate", "evaluated", "evaluation", "evaluations", "results",
              "achieves", "achieve", "outperforms", "outperform", "benchmarks", "datasets", "accuracy",
              "state-of-the-art", "sota", "performance", "surpasses", "tested", "demonstrate", "shows"}
# Words after which a name follows ("a model named X").
NAMING_WORDS = ("called", "named", "dubbed", "termed", "coined")
# Head nouns that belong to a component's name ("Matching Network"), unlike "module" or "strategy".
NAME_HEADS = {"network", "networks", "net", "transformer", "encoder", "decoder", "attention", "loss", "learning", "fusion"}
# Names that say they are benchmarks ("UniSim-Bench", "MMBench", "LVLM-eHub").
BENCHMARK_NAME = re.compile(r"(?:Bench|Benchmark|-?[eE]?Hub)$")
# Words between a list of dataset names and its head noun ("X and Y downstream datasets").
DATASET_ADJECTIVES = {"downstream", "benchmark", "public", "popular", "standard", "evaluation", "test", "large-scale",
                      "real-world", "challenging", "widely-used", "classification", "retrieval", "detection", "segmentation"}
SHORT_ABBREVIATION = re.compile(r"^[A-Z]{2,4}$")
# Heads that name a measure after lower-case modifiers ("false alarm rate", "reconstruction error").
MEASURE_HEADS = ("rate", "error", "ratio")
# A value: "92.1", "3%", "0.41".
NUMBER_TEXT = re.compile(r"^[<>~±+-]?\d+(?:[.,]\d+)?%?$")
# Words after which a proposal verb's form is a noun ("the V2 release", "a design").
NOUN_BEFORE = {"the", "a", "an", "this", "that", "its", "their", "these", "each"}
# Words before "on" that say what follows is data ("trained on X", "fine-tuned on X"), in any sentence.
TRAINED_ON = {"trained", "pretrained", "tuned", "finetuned", "learned", "learnt", "evaluated", "tested", "benchmarked", "validated"}
# A year inside a name ("VOC2007", "SemEval-2017", "BirdClef2023"): editions of datasets and
# challenges; models are numbered by version or size.
YEAR_IN_NAME = re.compile(r"(?<!\d)(?:19[89]\d|20[0-3]\d)(?!\d)")
# A measure taken at a cut-off ("HR@10", "MRR@10", "NDCG@K", "Accuracy@1"): a metric whatever its context.
AT_CUTOFF = re.compile(r"@(?:\d+(?:\.\d+)?|[kKnN])$")
# The rest of a name after its first token: "-25M", "++", "-Bench", "v2" (not "-based", "-style").
# Adjectives made by joining a word to a name ("CLIP-style", "ChatGPT-Assisted", "MNAR-resistant"):
# the name ends before them.
NAME_SUFFIX_WORDS = (
    "style|based|like|assisted|resistant|aware|guided|driven|free|specific|agnostic|only|powered|"
    "enhanced|centric|friendly|generated|conditioned|inspired|oriented|dependent|independent|compatible"
)
NAME_TAIL = re.compile(r"(?:(?:[-/](?=[A-Z0-9]|[a-z]+[A-Z])(?!(?i:" + NAME_SUFFIX_WORDS + r")\b)|\+\+|\+)[\w.^]*(?:\+\+)?)*")
# Words after which a participle is an adjective before its noun ("the pretrained, frozen encoder").
ADJECTIVE_BEFORE = {"on", "the", "a", "an", "of", "with", "from", "our", "their", "its", "these", "those", "such"}
# Words after which an ambiguous modality word ("map", "code", "event") is a verb.
VERB_BEFORE = {"to", "that", "which", "who", "can", "could", "may", "might", "will", "would", "we", "they", "it", "and then"}
# Last parts of compound adjectives that qualify a technique rather than name it ("modality-specific
# encoder", "BERT-based encoder"), unlike "knowledge-enhanced", "text-guided" or "context-aware".
QUALIFYING_ENDS = {"based", "style", "like", "specific", "agnostic", "only", "free", "dependent", "independent",
                   "oriented", "centric", "friendly", "compatible"}
SUFFIX_WORD = re.compile(r"^(?:" + NAME_SUFFIX_WORDS + r")$")
# A name with its variants written after slashes: "RefCOCO/+/g" (RefCOCO, RefCOCO+, RefCOCOg).
# Not a size letter before a patch size: "ViT-B/16" is one model.
VARIANTS = re.compile(r"^([A-Za-z][\w-]*[A-Za-z0-9])(?<!-[BLSHTg])((?:/(?:\+{1,2}|[a-z]{1,2}|\d{1,2}))+)$")
BENCHMARK_WORD = re.compile(r"\b(benchmark|dataset|corpus|suite)\b")
# A version written after a name: "MobileVLM v2", "LLaVA V1.5".
VERSION = re.compile(r"^[vV]\d+(?:\.\d+)*$")


# Function words that end a run of content words in a title (spaCy's stop words also hold "call",
# "show", "full" ... which are content words there).
TITLE_BREAKS = frozenset(
    "a an the for of in on with via and or nor to from by at as is are be was were using through towards toward "
    "under between across without within into over beyond versus vs its their your our my we you i it this that "
    "these those how what when where which who why do does can could will should not no than about is".split()
)
# Nouns a task head modifies rather than names a task before ("question-answering pairs").
TASK_AS_MODIFIER = {"pairs", "pair", "samples", "annotations", "data", "triplets", "examples", "instances"}
# Words before a list that say what its items are ("tasks such as", "like", "including").
LIST_CUES = {"as", "like", "including", "include", "includes", "e.g.", "namely", "spanning", "covering"}
# Last parts of compound adjectives, which do not end the name of a task.
LIST_ADJECTIVE_ENDS = {"related", "level", "wise", "based", "like", "style", "specific", "grained", "aware", "oriented"}
LIST_SEPARATORS = frozenset((",", "and", "or", ";"))
# Words that end an item of a list of tasks.
LIST_STOPS = {"task", "tasks", "problem", "problems", "benchmark", "benchmarks", "dataset", "datasets", "setting", "settings",
              "etc", "data", "capabilities", "abilities", "skills", "domains", "applications"}
# Heads that end a technique's name in a title, besides the technique heads of the cues.
TITLE_METHOD_HEADS = {"network", "representation", "training", "modeling", "modelling", "alignment"}


def _initials_cover(name: str, words: list[str]) -> bool:
    """Do the capitals of a name appear, in order, among the initials of words ("DPL" and
    "Decoupled Prompt Learning", "M2FNet" and "Multi-modal Fusion Network")?"""
    initials = [p[:1].upper() for w in words for p in w.split("-") if p]
    capitals = [c for c in name if c.isupper()]
    k = 0
    for c in initials:
        if k < len(capitals) and c == capitals[k]:
            k += 1
    return bool(capitals) and k == len(capitals)


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


def occurrences(values: list[str], value: str) -> list[int]:
    """The indices of one value in a list (list.index, C-level, from one to the next)."""
    found, i = [], -1
    try:
        while True:
            i = values.index(value, i + 1)
            found.append(i)
    except ValueError:
        return found


def name_shapes(T: Table) -> list[int]:
    """The indices of the name-shaped tokens."""
    flags = T.flags
    return [i for i in T.hits if flags[i] & _NAME_SHAPED]


def within(indices: list[int], start: int, end: int) -> list[int]:
    """The sorted indices in [start, end)."""
    return indices[bisect_left(indices, start) : bisect_left(indices, end)]


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


def add_span(doc: Doc, start: int, end: int, label: str, rule: str, concept: str = "") -> None:
    _add(kg_spans(doc), token_table(doc), start, end, label, rule, concept)


def _add(cands: list, T: Table, start: int, end: int, label: str, rule: str, concept: str = "") -> None:
    """add_span with the doc's candidate list and token table in hand (a rule adds many)."""
    if start < end:
        # tuple.__new__ directly: a NamedTuple's own constructor is a Python function
        cands.append(_new_tuple(Cand0, (start, end, T.idxs[start], T.idxs[end - 1] + len(T.texts[end - 1]), label, concept, rule)))


def _span_text(T: Table, start: int, end: int) -> str:
    """The text of the tokens start to end (a Span's text)."""
    return T.text[T.idxs[start] : T.idxs[end - 1] + len(T.texts[end - 1])]


# --------------------------------------------------------------------------- vocabulary


class VocabularyMatcher:
    """Known concepts from the SKOS vocabularies, via one PhraseMatcher on lower-case forms. It
    holds the exact-case labels too: a match of one counts where the tokens are written as the
    label is, which is what a second matcher on ORTH found, in one scan of the doc instead of two.
    (Should two labels of a kind have the same tokens, the two matchers are kept: the order of
    their matches on the same tokens is the matchers' own.)"""

    def __init__(self, nlp: Language, vocab_dir: str = "") -> None:
        self.vocab = load_vocabulary(vocab_dir)
        self.labels: dict[int, list[str]] = {}
        self.typed: dict[int, list[tuple[str, str]]] = {}  # (type, concept) of the label's concepts
        patterns = []  # (exact case?, name, pattern doc, its token texts or lower-case forms)
        for exact, table in ((True, self.vocab.exact), (False, self.vocab.lower)):
            for label, iris in table.items():
                iris = [i for i in iris if not (self.vocab.concepts[i].type == "modality" and " " not in label and "-" not in label)]
                if not iris:
                    continue  # one-word modality labels need context: the modality mapper handles them
                name = f"{'E' if exact else 'L'}:{label}"
                self.labels[nlp.vocab.strings.add(name)] = iris
                self.typed[nlp.vocab.strings[name]] = [(self.vocab.concepts[i].type, i) for i in iris]
                pattern = nlp.make_doc(label)
                patterns.append((exact, name, pattern, [t.text if exact else t.lower_ for t in pattern]))
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact_texts: dict[int, list[str]] = {}  # the token texts of the exact-case labels
        self.exact_matcher = None
        if len({(exact, *tokens) for exact, _, _, tokens in patterns}) < len(patterns):
            self.exact_matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        for exact, name, pattern, tokens in patterns:
            if not exact:
                self.matcher.add(name, [pattern])
            elif self.exact_matcher is not None:
                self.exact_matcher.add(name, [pattern])
            else:
                self.exact_texts[nlp.vocab.strings[name]] = tokens
                self.matcher.add(name, [pattern])

    def __call__(self, doc: Doc) -> Doc:
        T = token_table(doc)
        texts, spaces, idxs = T.texts, T.spaces, T.idxs
        cands = kg_spans(doc)
        typed = self.typed
        exact_texts = self.exact_texts
        matches = self.matcher(doc)
        # the exact-case matches first, then the lower-case ones, each in the matcher's order (by
        # start, then end: a label's tokens are no other label's of its kind). One pass over the
        # matches: the lower-case ones' candidates wait in a list of their own, added at the end.
        # The candidates are made here rather than by _add, a call per candidate.
        if self.exact_matcher is not None:
            for key, start, end in self.exact_matcher(doc):
                start_char, end_char = idxs[start], idxs[end - 1] + len(texts[end - 1])
                for t, iri in typed[key]:
                    cands.append(_new_tuple(Cand0, (start, end, start_char, end_char, t, iri, "vocabulary")))
        later = []
        for key, start, end in matches:
            tokens = exact_texts.get(key)
            if tokens is not None:
                if texts[start:end] != tokens:
                    continue
                if start > 1 and texts[start - 1] == "-" and not spaces[start - 2] and not spaces[start - 1] \
                        and texts[start - 2][:1].isupper() and name_shaped(texts[start - 2]):
                    continue  # the end of another name ("ULIP-ShapeNet", "Video-LLaVA" is not LLaVA)
                out = cands
            else:
                if start > 1 and texts[start - 1] == "-" and not spaces[start - 2] \
                        and not spaces[start - 1] and texts[start - 2][-1:].isalnum():
                    continue  # the end of a compound ("video-language models", "cross-modality alignment")
                if end + 1 < len(texts) and texts[end] == "-" and not spaces[end - 1] \
                        and not spaces[end] and texts[end + 1].isalpha() and not SUFFIX_WORD.match(T.lowers[end + 1]):
                    continue  # the start of a compound ("text to image-caption pairs"), not "transformer-based"
                out = later
            start_char, end_char = idxs[start], idxs[end - 1] + len(texts[end - 1])
            for t, iri in typed[key]:
                out.append(_new_tuple(Cand0, (start, end, start_char, end_char, t, iri, "vocabulary")))
        cands += later
        return doc


@Language.factory("kg_vocabulary", default_config={"vocab_dir": ""})
def make_vocabulary(nlp: Language, name: str, vocab_dir: str) -> VocabularyMatcher:
    return VocabularyMatcher(nlp, vocab_dir)


# --------------------------------------------------------------------------- acronyms


def _long_form_start(words: list[str], acronym: str) -> int | None:
    """Schwartz & Hearst (2003): the start of the shortest word sequence ending before the
    parenthesis whose characters cover the acronym's letters in order, the first one at a word start.
    A digit after a capital repeats it ("M3EL": three words starting with M), each at a word start."""
    letters: list[tuple[str, bool]] = []  # (letter, must start a word)
    for k, c in enumerate(acronym):
        if c.isdigit() and k > 0 and acronym[k - 1].isupper() and c in "234" and not acronym[k + 1 : k + 2].isdigit():
            letters[-1] = (letters[-1][0], True)
            letters += [(acronym[k - 1].lower(), True)] * (int(c) - 1)
        elif c.isalnum():
            letters.append((c.lower(), False))
    if not letters:
        return None
    letters[0] = (letters[0][0], True)
    text = " ".join(words)
    a, t = len(letters) - 1, len(text) - 1
    while a >= 0:
        c, initial = letters[a]
        while t >= 0 and (text[t].lower() != c or (initial and t > 0 and text[t - 1].isalnum())):
            t -= 1
        if t < 0:
            return None
        a -= 1
        t -= 1
    start_char = t + 1
    # the word index containing start_char
    pos = 0
    for i, w in enumerate(words):
        if pos <= start_char < pos + len(w) + 1:
            return i
        pos += len(w) + 1
    return None


_OPEN = frozenset("(")


class AcronymFinder:
    """'Long Form Name (LFN)': long form and acronym become one entity; the acronym is then
    found everywhere else in the text."""

    def __init__(self, nlp: Language, cues_path: str = "", vocab_dir: str = "") -> None:
        self.cues = load_cues(cues_path)
        self.vocab = load_vocabulary(vocab_dir)
        self.open_bit = watch(_OPEN)

    def _type_of(self, cands: list, T: Table, a: int, b: int, acronym: str) -> str | None:
        """The type of the long form T[a:b] of an acronym."""
        texts = T.texts
        # a known concept ending where the long form ends, or the acronym itself, decides
        for s in cands:
            if s.start == a and s.end == b and s.label_ != "modality":
                return s.label_
        for s in cands:
            if texts[s.start] == acronym and s.end - s.start == 1 and s.label_ != "modality":
                concept = self.vocab.concepts.get(s.kb_id_)
                named = b - a > 1 and texts[b - 1][:1].isupper()
                if concept and named and entity_key(_span_text(T, a, b)) not in {entity_key(x) for x in concept.labels}:
                    continue  # "Unify, Align and then Refine (UAR)" is not the metric UAR
                return s.label_
        words = T.lowers[a:b]
        # the head noun comes before the first preposition: "Matching Network for Entity Linking"
        cut = next((k for k, w in enumerate(words) if w in ("for", "of", "with", "via", "in", "on", "under", "from") and k > 0), len(words))
        head = words[cut - 1]
        if head in self.cues.dataset_heads or any(w in ("dataset", "benchmark", "corpus") for w in words):
            return "dataset"
        if head in self.cues.metric_heads:
            return "metric"
        if head in self.cues.task_heads:
            return "task"
        if head in self.cues.method_heads or texts[b - 1][:1].isupper():
            return "method"
        return None

    def __call__(self, doc: Doc) -> Doc:
        aliases: dict[str, str] = doc.user_data.setdefault(ALIASES, {})
        T = token_table(doc)
        texts, lowers, spaces = T.texts, T.lowers, T.spaces
        cands = kg_spans(doc)
        sent_starts = None
        for i in find(T, self.open_bit):
            if i + 2 >= len(texts) or texts[i + 2] != ")" or i < 1:
                continue
            acro = texts[i + 1]
            if not (2 <= len(acro) <= 12 and any(c.isupper() for c in acro)) or acro in self.cues.stop_names:
                continue
            if sent_starts is None:
                sent_starts = [s.start for s in sentences(doc)]
            k = bisect_right(sent_starts, i) - 1
            sent_start = sent_starts[k] if k >= 0 else 0
            # the window counts words, not the hyphens between the parts of a compound
            budget, window_start = min(len(acro) + 5, 2 * len(acro)), i
            while window_start > sent_start and budget > 0:
                window_start -= 1
                budget -= texts[window_start] not in ("-", "/")
            words = texts[window_start:i]
            full_words, full_start = words, window_start
            # stop the window at punctuation that cannot be inside a name
            for k in range(len(words) - 1, -1, -1):
                if words[k] in {",", ";", ":", "(", ")", "."}:
                    words, window_start = words[k + 1 :], window_start + k + 1
                    break
            start = _long_form_start(words, acro)
            if start is None and words is not full_words:
                # "Unify, Align and then Refine (UAR)": across commas only when each letter is a capitalised word
                start = _long_form_start(full_words, acro)
                if start is not None:
                    capitals = [w for w in full_words[start:] if w[:1].isupper()]
                    letters = [c for c in acro if c.isalpha()]
                    if full_words[start][:1].isupper() and len(capitals) == len(letters) and ";" not in full_words[start:]:
                        window_start = full_start
                    else:
                        start = None
            if start is None:
                continue
            first = window_start + start
            # "BEV-based Area-to-area Fusion (BAF)": a long form starts with the whole first compound
            while first - 2 >= window_start and texts[first - 1] == "-" and not spaces[first - 1] and not spaces[first - 2]:
                first -= 2
            while i - first > 1 and lowers[first] in ("a", "an", "the", "our", "novel", "new", "called", "named"):
                first += 1
            long_text = _span_text(T, first, i)
            if i - first < 2 and not any(c.isupper() for c in long_text[1:]):
                continue
            entity_type = self._type_of(cands, T, first, i, acro)
            if entity_type is None:
                continue
            aliases[acro] = long_text
            _add(cands, T, first, i, entity_type, "acronym-definition")
            for j in occurrences(texts, acro):
                _add(cands, T, j, j + 1, entity_type, "acronym")
        return doc


@Language.factory("kg_acronyms", default_config={"cues": "", "vocab_dir": ""})
def make_acronyms(nlp: Language, name: str, cues: str, vocab_dir: str) -> AcronymFinder:
    return AcronymFinder(nlp, cues, vocab_dir)


# --------------------------------------------------------------------------- patterns

# the rules of the sentence loop of NamePatterns a lower-case word can start (bits of its triggers)
(_NAMING, _CALL, _PROPOSE, _DATASET_HEAD, _METRIC, _METHOD_HEAD, _PAREN, _ON, _TASK_HEAD, _TASK, _TRAINING,
 _TECHNIQUE_HEAD) = (1 << b for b in range(12))


class NamePatterns:
    """Names never seen before, from their shape and context."""

    def __init__(self, nlp: Language, cues_path: str = "", vocab_dir: str = "") -> None:
        self.cues = load_cues(cues_path)
        vocab = load_vocabulary(vocab_dir)
        # modifier lexicons: content words of the vocabulary's labels (never "and", "of", "to" ...)
        content = lambda words: {w for w in words if w not in STOP_WORDS and w.isalpha() or any(c.isdigit() for c in w) and len(w) > 1}  # noqa: E731
        self.task_words = content(vocab.words.get("task", set()) | vocab.words.get("modality", set()))
        self.method_words = content(vocab.words.get("method", set()))
        self.modality_words = {
            w for c in vocab.concepts.values() if c.type == "modality" for label in c.labels for w in label.lower().split("-") if " " not in label
        }
        # evaluative adjectives and the verbs of abstracts ("we use X learning") never start a technique's name
        self.not_method_words = self.cues.not_method_modifiers | {w for w in self.cues.not_task_modifiers if w.isalpha() and w not in ("zero", "few", "context")}
        # the words that can start a rule of the sentence loop below (rules 2 to 6); most tokens are
        # none of them, and one set lookup per token leaves them out
        # none of them, and one lookup per token leaves them out. Each word maps to the rules it can
        # start, as bits: one dict lookup per trigger token instead of a set lookup per rule.
        self.triggers: dict[str, int] = {}
        for bit, words in (
            (_NAMING, NAMING_WORDS), (_CALL, ("call", "calls")), (_PROPOSE, self.cues.propose_verbs),
            (_DATASET_HEAD, self.cues.dataset_heads), (_METRIC, ("metric", "metrics", "score", *MEASURE_HEADS)),
            (_METHOD_HEAD, self.cues.method_heads), (_PAREN, ("(",)), (_ON, ("on", "across")),
            (_TASK_HEAD, self.cues.task_heads), (_TASK, ("task",)), (_TRAINING, ("training",)),
            (_TECHNIQUE_HEAD, self.cues.technique_heads),
        ):
            for w in words:
                self.triggers[w] = self.triggers.get(w, 0) | bit
        self._list_words = {}
        self.trigger_bit, self.separator_bit = watch(self.triggers), watch(LIST_SEPARATORS)

    _list_words: dict[str, bool]

    def _is_name(self, text: str) -> bool:
        return name_shaped(text) and text not in self.cues.stop_names

    def _task_word(self, text: str, low: str) -> bool:
        if low in QUALIFYING_ENDS:
            return False  # "attention-based retrieval": the phrase does not cross "-based" ("text-guided" it does)
        return text == "-" or text in ("2D", "3D") or (low in self.task_words and low not in self.cues.not_task_modifiers)

    def _open_modifier(self, text: str, low: str, sentence_initial: bool = False) -> bool:
        """A lower-case content word that can name what a task is about ("watermark", "price")."""
        shape_ok = text.islower() or (sentence_initial and text[:1].isupper() and text[1:].islower())
        if not shape_ok or not text.isalpha() or low in STOP_WORDS or low in self.cues.propose_verbs:
            return False
        if low in self.cues.not_task_modifiers or low in self.cues.generic_heads:
            return False
        return not low.endswith(("ed", "ly", "ing", "es", "able", "ible", "ive", "ous", "ful", "est", "er"))

    @staticmethod
    def _compound_start(T: Table, j: int, end: int, lo: int) -> int:
        """Move a phrase start left over the first parts of hyphenated compounds it begins inside
        ("modal retrieval" in "cross-modal retrieval", "shot learning" in "zero-shot learning")."""
        texts, spaces = T.texts, T.spaces
        while j < end and texts[j] == "-":
            if j - 1 >= lo and not spaces[j - 1] and not spaces[j] and texts[j - 1].isalnum():
                j -= 1
            else:
                j += 1
        while j - 2 >= lo and texts[j - 1] == "-" and not spaces[j - 1] and not spaces[j - 2] and texts[j - 2].isalnum():
            j -= 2
        return j

    def _joined_name(self, T: Table, j: int) -> int | None:
        """The end of a name made of capitalised words joined by hyphens ("Meta-Transformer"),
        read only where the context says a name follows (named X, we propose X)."""
        texts, spaces = T.texts, T.spaces
        text = texts[j]
        if self._is_name(text):
            return None
        end = j + 1
        while (
            end + 1 < len(texts) and texts[end] == "-" and not spaces[end - 1] and not spaces[end]
            and texts[end + 1][:1].isupper()
        ):
            end += 2
        if end > j + 1 and text[:1].isupper() and text.isalpha():
            return end
        return None

    def _titled_run(self, T: Table, j: int, end: int) -> int | None:
        """The end of a run of two or more capitalised words, hyphen-joined parts included
        ("Geodesic Multi-Modal Mixup"), that starts at j; None if there is none."""
        texts, lowers, spaces = T.texts, T.lowers, T.spaces
        e, words = j, 0
        while e < end and words < 6:
            t = texts[e]
            if t[:1].isupper() and t.isalpha() and t not in self.cues.stop_names and lowers[e] not in TITLE_BREAKS:
                words += 1
                e += 1
            elif t == "-" and e > j and not spaces[e] and not spaces[e - 1] and e + 1 < end and texts[e + 1][:1].isupper():
                e += 1
            else:
                break
        while e > j and texts[e - 1] == "-":
            e -= 1
        return e if words >= 2 else None

    def _capitalised_run(self, T: Table, j: int, end: int) -> int | None:
        """The end of a run of capitalised words that a naming cue introduces ("we call Diffusion Classifier")."""
        texts = T.texts
        e = j
        while e < end and e - j < 4 and texts[e][:1].isupper() and texts[e].isalpha() and texts[e] not in self.cues.stop_names:
            e += 1
        return e if e > j else None

    def _type_after(self, T: Table, end: int, default: str | None) -> str | None:
        """Type a name by the head noun that follows it ("X dataset", "X metric"), by an apposition
        ("X, a benchmark of ...") or by its own last part ("UniSim-Bench")."""
        texts, lowers = T.texts, T.lowers
        n = len(texts)
        if end > 0 and AT_CUTOFF.search(texts[end - 1]):
            return "metric"
        if end > 0 and BENCHMARK_NAME.search(texts[end - 1]):
            default = "dataset"
        if end + 1 < n and texts[end] == "," and lowers[end + 1] in ("a", "an", "the"):
            for m in range(end + 2, min(end + 8, n)):
                low = lowers[m]
                if texts[m] in (",", ".", ";", "(", ")") or low in ("of", "for", "that", "which", "with"):
                    break
                if low in self.cues.dataset_heads:
                    return "dataset"
                if low in self.cues.method_heads:
                    return "method"
        if end < n:
            nxt = lowers[end]
            if nxt in self.cues.dataset_heads:
                return "dataset"
            if nxt in ("metric", "metrics", "score", "measure"):
                return "metric"
            if nxt in ("task", "tasks", "problem"):
                return "task"
            if nxt in self.cues.method_heads:
                return "method"
        return default

    @staticmethod
    def _name_span(T: Table, i: int, text: str) -> tuple[int, int]:
        """Extend a name token over joined parts that are themselves name-like ("VQA-RAD",
        "MedTrinity-25M", "AdapNet++"), but not over "-based" or "-style"."""
        texts, idxs = T.texts, T.idxs
        start_char = idxs[i] + len(texts[i])
        tail = NAME_TAIL.match(text, start_char)
        end_char = tail.end() if tail else start_char
        while end_char > start_char and text[end_char - 1] in ".-/":
            end_char -= 1
        n = len(texts)
        end = i + 1  # walk tokens (doc.char_span scans the whole doc)
        while end < n and idxs[end] + len(texts[end]) <= end_char:
            end += 1
        if end < n and T.spaces[end - 1] and VERSION.match(texts[end]):
            end += 1  # "MobileVLM v2"
        return i, end

    def _title_runs(self, T: Table, te: int) -> list[tuple[int, int]]:
        """Runs of content words in a title (hyphenated compounds kept whole), split at function
        words and punctuation, without a leading verb ("Optimizing", "Boosting")."""
        texts, lowers, spaces = T.texts, T.lowers, T.spaces
        word = [t[:1].isalnum() and low not in TITLE_BREAKS for t, low in zip(texts[:te], lowers[:te])]  # content words
        runs, i = [], 0
        while i < te:
            if not word[i]:
                i += 1
                continue
            start = i
            while i < te and (word[i] or (
                texts[i] == "-" and not spaces[i] and not spaces[i - 1] and i + 1 < te
                and (word[i + 1] or (texts[i + 1].isalpha() and i + 2 < te and texts[i + 2] == "-"))
            ) or (texts[i - 1] == "-" and not spaces[i - 1] and texts[i].isalpha() and i + 1 < te and texts[i + 1] == "-")):
                i += 1  # "End-to-End", "All-in-One": a function word inside a compound stays
            if lowers[start].endswith("ing") and start + 1 < i and texts[start + 1] != "-" and texts[start][:1].isupper():
                start += 1
            runs.append((start, i))
        return runs

    def _title_phrases(self, doc: Doc, cands: list, T: Table, title_end: int, title_name: str) -> None:
        """Task and method phrases of a title, whose words are all capitalised: "... for 3D Industrial
        Anomaly Detection" (a task head ends the run), "Geodesic Multi-Modal Mixup for ...", "... via
        Modality Inversion" (a technique head ends a run that opens the title, follows its colon or
        follows "via / with / using / through")."""
        texts, lowers = T.texts, T.lowers
        te = bisect_left(T.idxs, title_end)  # the tokens that start before the title's end
        colon = texts.index(":", 0, te) if ":" in texts[:te] else -1
        for s, e in self._title_runs(T, te):
            words = [w for w in texts[s:e] if w != "-"]
            if len(words) < 2 or len(words) > 6:
                continue
            last = lowers[e - 1]
            head = e - 2 if last in self.cues.dataset_heads or last in ("task", "tasks") else e - 1  # "... Detection Benchmark"
            while s < head and texts[s + 1] != "-" and lowers[s] in self.cues.not_task_modifiers:
                s += 1  # "Comprehensive Synthetic Data Detection"
            if head > s and lowers[head] in self.cues.task_heads and texts[head - 1] != "-":
                start = max(s, head - 4)
                start = self._compound_start(T, start, head, s)
                _add(cands, T, start, head + 1, "task", "title-task")
                continue
            if last not in self.cues.technique_heads and last not in TITLE_METHOD_HEADS or texts[e - 2] == "-":
                continue
            prev = lowers[s - 1] if s > 0 else ""
            if not (s == 0 or s == colon + 1 or prev in ("via", "with", "using", "through", "by")):
                continue
            phrase = _span_text(T, s, e)
            if any(phrase.lower() in long.lower() for long in doc.user_data.get(ALIASES, {}).values()):
                continue  # part of a long form the abstract defines ("Local-to-global Self-supervised ...")
            if title_name and s == colon + 1:
                if not _initials_cover(title_name, words):
                    continue  # a description of the title's name, not a name of its own
                doc.user_data.setdefault(ALIASES, {}).setdefault(title_name, phrase)
            label = "task" if phrase.lower().endswith("representation learning") else "method"
            _add(cands, T, s, e, label, "title-phrase")

    def _names_after_head(self, cands: list, T: Table, j: int, end: int, text: str) -> None:
        """Names listed right after a plural dataset head and a list cue ("datasets, X and Y",
        "benchmarks such as X, Y", "datasets (X, Y)", "corpora: X and Y") are datasets."""
        texts, lowers = T.texts, T.lowers
        comma_only = texts[j] == ","  # "On X benchmarks, LexVLA, trained on ...": a subject, unless a list follows
        if texts[j] in (",", ":", "("):
            j += 1
        if j + 1 < end and lowers[j] == "such" and lowers[j + 1] == "as":
            j += 2
            comma_only = False
        elif j < end and lowers[j] in LIST_CUES:
            j += 1
            comma_only = False
        found = []
        while j < end:
            t = texts[j]
            if t in (",", "and", "or") or lowers[j] == "the":
                j += 1
                continue
            if self._is_name(t) and not SHORT_ABBREVIATION.match(t) and not AT_CUTOFF.search(t):
                s, e = self._name_span(T, j, text)
                found.append((s, e))
                j = e
                continue
            if t[:1].isupper() and t.isalpha() and t not in self.cues.stop_names and lowers[j] not in TITLE_BREAKS:
                found.append((j, j + 1))  # a capitalised word ("Objaverse")
                j += 1
                continue
            break
        if j < end and texts[j] not in (".", ",", ")", ";", ":") and lowers[j] not in TITLE_BREAKS \
                and texts[j - 1] not in (",", "and", "or"):
            return  # the list goes on with something else than names ("datasets, X models ...")
        if comma_only and len(found) < 2:
            return
        for s, e in found:
            _add(cands, T, s, e, "dataset", "dataset-list")

    def _measure_phrase(self, cands: list, T: Table, i: int, sent: Sent) -> None:
        """A measure named in running text by its head ("false alarm rate", "reconstruction error",
        "alignment score"): one to three lower-case modifiers before the head, in a sentence about
        evaluation or next to a value; not a setting ("learning rate", "dropout rate") nor a judgement
        ("a lower error")."""
        texts, lowers = T.texts, T.lowers
        j, words = i, 0
        while j - 1 >= sent.start and words < 3:
            t, low = texts[j - 1], lowers[j - 1]
            if t == "-" and words and j - 2 >= sent.start and texts[j - 2].isalpha() and not T.spaces[j - 2]:
                j -= 1  # "click-through rate"
                continue
            if not (t.isalpha() and t.islower()) or low in STOP_WORDS or low in self.cues.not_task_modifiers \
                    or low in self.cues.not_metric_modifiers or low in self.cues.propose_verbs \
                    or low.endswith(("ly", "ive", "ous", "ful", "able", "ible")):
                break
            j -= 1
            words += 1
        while j < i and (texts[j] == "-" or lowers[j] in self.cues.not_metric_modifiers):
            j += 1
        if j == i or any(lowers[m] in self.cues.not_metric_modifiers for m in range(j, i)):
            return
        near_value = any(NUMBER_TEXT.match(t) for t in texts[max(sent.start, j - 3) : min(sent.end, i + 5)])
        if near_value or not EVAL_WORDS.isdisjoint(lowers[sent.start : sent.end]):
            _add(cands, T, j, i + 1, "metric", "metric-head")

    def _generic_understanding(self, T: Table, j: int, i: int) -> bool:
        """"semantic understanding", "multimodal comprehension": a vague head with only generic
        modifiers names no task ("video understanding", "document comprehension" do)."""
        if T.lowers[i] not in self.cues.vague_task_heads:
            return False
        generic = self.cues.generic_task_modifiers
        return all(t == "-" or low in generic for t, low in zip(T.texts[j:i], T.lowers[j:i]))

    def _list_word(self, text: str) -> bool:
        """A word that can be part of an item of a list of tasks (cached per text, which decides it)."""
        known = self._list_words.get(text)
        if known is None:
            if len(self._list_words) >= 1 << 16:
                self._list_words.clear()
            known = self._list_words[text] = self._is_list_word(text)
        return known

    def _is_list_word(self, text: str) -> bool:
        low = text.lower()
        if text == "-":
            return True
        if low in STOP_WORDS or low in LIST_STOPS or low in LIST_CUES or low in self.cues.generic_heads or low in self.cues.not_task_modifiers:
            return False
        if low in self.cues.vague_terms:
            return False
        return text.isalpha() and (text.islower() or text.isupper()) or text in ("2D", "3D")

    def _task_lists(self, cands: list, sents: list[Sent], T: Table) -> None:
        """Items of a list that names tasks are tasks: "tasks like classification, querying, and
        visual question answering", "matching and retrieval tasks", "including X, Y, and Z" with X a
        known task. The list must be cued (such as / like / including / ... tasks) and hold a known task,
        or hold two known tasks."""
        tasks = {(s.start, s.end) for s in cands if s.label_ == "task"}
        if not tasks:
            return
        texts, lowers = T.texts, T.lowers
        list_word = self._list_word
        others = None  # the tokens of names and metrics, made when a list is found
        separators = find(T, self.separator_bit)
        # only a sentence with a known task can hold a list of them
        sent_starts = [sent.start for sent in sents]
        for sent in [sents[n] for n in sorted({bisect_right(sent_starts, start) - 1 for start, _ in tasks})]:
            a, b = sent.start, sent.end
            seps = within(separators, a, b)
            if not seps:
                continue
            # chunks between separators; ", and" leaves an empty chunk, which is skipped
            bounds, prev = [], a
            for i in seps + [b]:
                if i > prev:
                    bounds.append((prev, i))
                prev = i + 1
            for k in range(len(bounds) - 1):
                # the list that starts in chunk k: its first item is the tail of the chunk
                s0, e0 = bounds[k]
                j = e0
                while j > s0 and list_word(texts[j - 1]):
                    j -= 1
                j = self._compound_start(T, j, e0, s0)
                if j >= e0 or (j > s0 and texts[j - 1] == "-"):
                    continue
                items = [(j, e0)]
                cue_before = j > s0 and (lowers[j - 1] in LIST_CUES or texts[j - 1] == ":")
                m = k + 1
                cue_after = False
                while m < len(bounds):
                    s1, e1 = bounds[m]
                    if texts[s1 - 1] == ";":
                        break
                    e = s1
                    while e < e1 and list_word(texts[e]):
                        e += 1
                    if e == s1 or (e < e1 and texts[e] == "-"):
                        break
                    items.append((s1, e))
                    if e < e1:  # the last item: what follows it may say "tasks"
                        cue_after = lowers[e] in ("task", "tasks", "problems", "problem")
                        break
                    if lowers[s1 - 1] in ("and", "or"):
                        break  # "X, Y, and Z, surpassing ...": the item after "and" ends the list
                    m += 1
                if len(items) < 2:
                    continue
                known = [it for it in items if it in tasks]
                if not known or (not (cue_before or cue_after) and len(known) < 2):
                    continue
                for s_, e_ in items:
                    words = [w for w in range(s_, e_) if texts[w] != "-"]
                    if others is None:
                        others = {i for s in cands if s.label_ in ("method", "dataset", "metric") for i in range(s.start, s.end)}
                    if (s_, e_) in tasks or not 1 <= len(words) <= 4 or not others.isdisjoint(range(s_, e_)):
                        continue
                    if lowers[words[-1]] in LIST_ADJECTIVE_ENDS or all(lowers[w] in self.modality_words for w in words):
                        continue  # "OCR-related", "page-level", "image-text": modifiers, not tasks
                    _add(cands, T, s_, e_, "task", "task-list")

    def __call__(self, doc: Doc) -> Doc:
        T = token_table(doc)
        text = T.text
        texts, lowers, spaces, idxs = T.texts, T.lowers, T.spaces, T.idxs
        n = len(texts)
        cands = kg_spans(doc)
        is_name = self._is_name
        stop_names = self.cues.stop_names
        title_end = text.find("\n\n")
        title_end = len(text) if title_end < 0 else title_end
        # 1. the name before the colon of the title
        colon = text.find(":", 0, title_end)
        title_name = ""
        if 0 < colon < 60:
            span = doc.char_span(0, colon, alignment_mode="expand")
            words = text[:colon].split()
            single = len(words) == 1 and any(c.isupper() for c in words[0]) and words[0] not in stop_names
            if span is not None and len(words) <= 2 and (single or any(is_name(t) for t in texts[span.start : span.end])):
                rest = text[colon:title_end].lower()
                named_bench = BENCHMARK_NAME.search(text[:colon])  # "Tiny LVLM-eHub: Early Experiments with ..."
                entity_type = "dataset" if named_bench or BENCHMARK_WORD.search(rest) else "method"
                _add(cands, T, span.start, span.end, entity_type, "title-name")
                title_name = _span_text(T, span.start, span.end) if entity_type == "method" else ""
        self._title_phrases(doc, cands, T, title_end, title_name)
        # the tokens each test below applies to, found once for the doc by C-level scans
        rules_of = self.triggers
        triggers = find(T, self.trigger_bit)
        shaped = name_shapes(T)
        task_word = self._task_word
        sents = sentences(doc)
        # one sweep over the sentences and the (sorted) trigger and name-shaped tokens; whether a
        # sentence speaks of the paper itself or of evaluation is decided when a rule asks
        t0 = n0 = 0
        for sent in sents:
            t1 = bisect_left(triggers, sent.end, t0)
            n1 = bisect_left(shaped, sent.end, n0)
            if t0 == t1 and n0 == n1:
                continue
            sent_triggers, t0 = triggers[t0:t1], t1
            sent_shaped, n0 = shaped[n0:n1], n1
            is_self = is_eval = None
            for i in sent_triggers:
                low, word = lowers[i], texts[i]
                k = i - sent.start  # the token's place in its sentence
                rules = rules_of[low]
                # 2. "called / named / dubbed X"
                naming = rules & _NAMING or (
                    rules & _CALL and k > 0 and lowers[i - 1] in ("we", "which", "that")
                )
                if naming and i + 1 < n:
                    j = i + 1
                    if texts[j] in ('"', "'", "“"):
                        j += 1
                    joined = self._joined_name(T, j) if j < n else None
                    if joined is None and j < n and not is_name(texts[j]):
                        joined = self._capitalised_run(T, j, sent.end)
                        if joined:
                            joined = self._name_span(T, joined - 1, text)[1]  # "Tiny LVLM-eHub"
                    if j < n and (joined or is_name(texts[j])):
                        s, e = (j, joined) if joined else self._name_span(T, j, text)
                        prev = " ".join(lowers[max(sent.start, i - 6) : i])
                        default = "dataset" if any(h in prev.split() for h in self.cues.dataset_heads) else "method"
                        _add(cands, T, s, e, self._type_after(T, e, default), "named-as")
                # 3. "we propose / introduce ... X": the first name within a few tokens of the verb
                if rules & _PROPOSE and is_self is None:
                    is_self = not SELF_WORDS.isdisjoint(lowers[sent.start : sent.end]) or "this paper" in text[sent.start_char : sent.end_char].lower()
                if rules & _PROPOSE and is_self and not (k > 0 and lowers[i - 1] in NOUN_BEFORE):
                    j0 = i + 1
                    while j0 < sent.end and lowers[j0] in ("a", "an", "the", "novel", "new", "simple", "our"):
                        j0 += 1
                    run_end = self._titled_run(T, j0, sent.end)
                    if (run_end is None and j0 + 2 < sent.end and texts[j0][:1].isupper() and texts[j0].isalpha()
                            and texts[j0] not in stop_names and texts[j0 + 1] == ","
                            and lowers[j0 + 2] in ("a", "an")):
                        run_end = j0 + 1  # "We present Hydra, a universal framework ..."
                    if run_end:  # "we propose a Geodesic Multi-Modal Mixup that ..."
                        _add(cands, T, j0, run_end, self._type_after(T, run_end, "method"), "we-propose")
                        continue
                    for j in range(i + 1, min(i + 8, sent.end)):
                        if texts[j] in (",", ";", ".", "(", ":"):
                            break
                        # a name-shaped token, else capitalised words joined by hyphens
                        if is_name(texts[j]):
                            s, e = self._name_span(T, j, text)
                        else:
                            e = self._joined_name(T, j)
                            s = j
                        if e:
                            before = set(lowers[i:j])
                            default = "dataset" if before & self.cues.dataset_heads else "method"
                            _add(cands, T, s, e, self._type_after(T, e, default), "we-propose")
                            break
                # 4. "X dataset / benchmark", "on X, Y and Z datasets": runs of names before the head
                if rules & _DATASET_HEAD and k > 0:
                    in_title = idxs[i] < title_end
                    j, run_end = i - 1, i
                    if k > 1 and lowers[i - 1] in DATASET_ADJECTIVES:  # "X and Y downstream datasets"
                        j, run_end = i - 2, i - 1
                    while j >= sent.start:
                        t = texts[j]
                        is_word = is_name(t) or (
                            not in_title and t[:1].isupper() and t.isalpha() and j != sent.start
                            and lowers[j] not in ("the", "a", "an", "our", "this", "these", "and")
                        )
                        if is_word:
                            j -= 1
                            continue
                        if run_end > j + 1:
                            _add(cands, T, j + 1, run_end, "dataset", "dataset-head")
                        if t in (",", "and", "&") or lowers[j] == "the":
                            run_end = j
                            j -= 1
                            continue
                        break
                    else:
                        if run_end > sent.start:
                            _add(cands, T, sent.start, run_end, "dataset", "dataset-head")
                    # "two datasets, X and Y", "benchmarks such as X, Y and Z": the names listed after a
                    # plural head ("a corpus, X, ..." more often describes the paper's own)
                    if i + 2 < sent.end and (low == "corpora" or low.endswith("s") and low != "corpus"):
                        self._names_after_head(cands, T, i + 1, sent.end, text)
                if rules & _METRIC and k > 0:
                    j = i
                    while j - 1 >= sent.start and texts[j - 1][:1].isupper() and texts[j - 1].isalpha() and lowers[j - 1] not in ("the", "a", "our"):
                        j -= 1
                    inside = j > sent.start and texts[j - 1] == "-" and not spaces[j - 1]  # "Multi-[Modal ...]"
                    if j < i and j > sent.start and not inside:
                        _add(cands, T, j, i + (1 if low in MEASURE_HEADS else 0), "metric", "metric-head")
                    elif j == i and low in MEASURE_HEADS and word.islower():
                        self._measure_phrase(cands, T, i, sent)
                # 4c. "Capitalised Words module / network / loss": a named component of a method
                if rules & _METHOD_HEAD and idxs[i] > title_end and k > 0 and word.islower():
                    j = i
                    while j - 1 >= sent.start and (
                        (texts[j - 1][:1].isupper() and texts[j - 1].isalpha() and lowers[j - 1] not in ("the", "a", "an", "our", "this", "we", "in", "to"))
                        or (texts[j - 1] == "-" and not spaces[j - 1] and j - 2 >= sent.start)
                        or (  # "Intra-modal Matching Network": a lower-case part joined to a capitalised word
                            j - 3 >= sent.start and texts[j - 1].islower() and texts[j - 1].isalpha()
                            and texts[j - 2] == "-" and not spaces[j - 2] and texts[j - 3][:1].isupper()
                        )
                    ):
                        j -= 1
                    while j < i and texts[j] == "-":
                        j += 1
                    if j == sent.start and j < i and not is_name(texts[j]) and texts[j + 1] != "-":
                        j += 1  # a capital that only starts the sentence ("Current VL models")
                    words = [w for w in texts[j:i] if w != "-"] if j < i else ()  # mostly none
                    if words and texts[i - 2] == "-" and SUFFIX_WORD.match(lowers[i - 1]):
                        words = ()  # "Transformer-based models", "NLP-enhanced decoder": an adjective, no name
                    if words and (len(words) >= 2 or j > sent.start) and not all(is_name(w) for w in words) and not any(
                        # "CLIP-style training", but "Branch-aware Fusion network" is a name
                        SUFFIX_WORD.match(lowers[m]) and texts[m - 1] == "-" and is_name(texts[m - 2])
                        for m in range(max(j, 2), i)
                    ):
                        joined_head = texts[i - 1] == "-" and not spaces[i - 1]  # "Contrastive Pre-training"
                        end = i + 1 if low in NAME_HEADS or joined_head else i
                        _add(cands, T, j, end, "method", "component-name")
                # 4d. "audio classification (ESC-50, FSD50K)": names listed in parentheses after a task
                if rules & _PAREN and k > 0 and lowers[i - 1] in self.cues.task_heads:
                    j, found = i + 1, []
                    while j < sent.end and texts[j] != ")":
                        t = texts[j]
                        variants = VARIANTS.match(t)
                        if variants:  # "RefCOCO/+/g" names RefCOCO, RefCOCO+ and RefCOCOg
                            found += [(j, j + 1)] * (variants.group(2).count("/") + 1)
                            j += 1
                        elif is_name(t) and not SHORT_ABBREVIATION.match(t):
                            s_, e_ = self._name_span(T, j, text)
                            found.append((s_, e_))
                            j = e_
                        elif t in (",", ";", "and") or t[:1].isupper():
                            j += 1
                        else:
                            found = []
                            break
                    if j < sent.end and texts[j] == ")" and len(found) >= 2:
                        for s_, e_ in dict.fromkeys(found):
                            _add(cands, T, s_, e_, "dataset", "dataset-list")
                # 4b. "on X, Y and Z" in a sentence about evaluation: names there are datasets
                if rules & _ON and is_eval is None:
                    is_eval = not EVAL_WORDS.isdisjoint(lowers[sent.start : sent.end])
                if rules & _ON and (is_eval or (k > 0 and lowers[i - 1] in TRAINED_ON)):
                    j = i + 1
                    while j < sent.end:
                        t = texts[j]
                        if lowers[j] in ("the", "and", ",", "both", "several", "standard", "popular"):
                            j += 1
                            continue
                        if is_name(t) and not SHORT_ABBREVIATION.match(t):
                            s, e = self._name_span(T, j, text)
                            _add(cands, T, s, e, self._type_after(T, e, "dataset"), "evaluated-on")
                            j = e
                            continue
                        break
                # 5. task phrases: modifiers from the task vocabulary before a task head noun, and at
                # most one other content word at the far left ("toxic content detection")
                if rules & _TASK_HEAD and k > 0 and word.islower():
                    j, words = i, 0
                    while j - 1 >= sent.start and words < 4 and task_word(texts[j - 1], lowers[j - 1]):
                        j -= 1
                        words += texts[j] != "-"
                    # one open (unknown) modifier at the far left, but not a verb ("to ensure generalization")
                    # nor before a measure of the task ("high prediction accuracy")
                    if j - 1 >= sent.start and self._open_modifier(texts[j - 1], lowers[j - 1], j - 1 == sent.start) \
                            and not (j - 2 >= sent.start and lowers[j - 2] in VERB_BEFORE) \
                            and not (i + 1 < n and (lowers[i + 1] in self.cues.metric_heads or lowers[i + 1] == "performance")):
                        j -= 1
                        words += 1
                        while j - 1 >= sent.start and words < 4 and task_word(texts[j - 1], lowers[j - 1]) and texts[j - 1] != "-":
                            j -= 1
                            words += 1
                    j = self._compound_start(T, j, i, sent.start)
                    modifies = i + 1 < n and lowers[i + 1] in TASK_AS_MODIFIER  # "question-answering pairs"
                    if j < i and not modifies and not self._generic_understanding(T, j, i):
                        _add(cands, T, j, i + 1, "task", "task-phrase")
                    elif (j == i and i + 1 < n and lowers[i + 1] == "task" and low not in self.cues.vague_task_heads
                          and lowers[i - 1] not in ("and", "or", "both", "one", "each") and not texts[i - 1].isdigit()):
                        _add(cands, T, i, i + 1, "task", "task-phrase")  # "the planning task"
                # 5b. "the task of Chinese text-to-image retrieval": the phrase after "task of" up to its head
                if rules & _TASK and i + 2 < sent.end and lowers[i + 1] == "of":
                    e = i + 2
                    while e < sent.end and e - i <= 8 and (texts[e].isalpha() or texts[e] == "-") and (
                        lowers[e] not in TITLE_BREAKS or (texts[e - 1] == "-" and not spaces[e - 1])  # "text-to-image"
                    ):
                        e += 1
                    if e - 1 > i + 2 and lowers[e - 1] in self.cues.task_heads:
                        _add(cands, T, i + 2, e, "task", "task-phrase")
                # 6a. "feature-alignment pre-training": a hyphenated compound before "pre-training"
                if (rules & _TRAINING and k >= 5 and texts[i - 1] == "-" and lowers[i - 2] == "pre"
                        and not spaces[i - 2] and not spaces[i - 1]):
                    h = i - 2
                    a, dash, b = texts[h - 3], texts[h - 2], texts[h - 1]
                    if (h - 3 >= sent.start and dash == "-" and not spaces[h - 3] and not spaces[h - 2]
                            and a.isalpha() and b.isalpha() and a.islower() and b.islower()
                            and not SUFFIX_WORD.match(lowers[h - 1]) and lowers[h - 3] not in self.not_method_words):
                        _add(cands, T, h - 3, i + 1, "method", "method-phrase")
                # 6. technique phrases: modifiers from the method vocabulary, then a technique head
                if rules & _TECHNIQUE_HEAD and k > 0 and word.islower():
                    j, words = i, 0
                    while j - 1 >= sent.start and words < 4 and (
                        (lowers[j - 1] in self.method_words and texts[j - 1].islower() and lowers[j - 1] not in self.not_method_words
                         and lowers[j - 1] not in QUALIFYING_ENDS)
                        or texts[j - 1] == "-"
                    ):
                        j -= 1
                        words += texts[j] != "-"
                    if j == i and i - 3 >= sent.start and texts[i - 2] == "-" and not spaces[i - 2] and not spaces[i - 3] and texts[i - 1].islower():
                        if lowers[i - 1] not in QUALIFYING_ENDS:  # not "BERT-based encoder", "modality-specific encoder"
                            j = i - 1  # a hyphenated compound modifier: "uni-modal encoder", "modality-shared encoder"
                    j = self._compound_start(T, j, i, sent.start)
                    while j + 2 < i and texts[j + 1] == "-" and lowers[j] in self.not_method_words:
                        j += 3  # "large-scale multi-modal contrastive learning": the scale is not in the name
                    mods = [lowers[m] for m in range(j, i) if texts[m] != "-"]
                    if low == "learning" and mods and (
                        all(m in self.modality_words or m in ("multimodal", "modal", "multi", "cross", "language") for m in mods)
                        or (len(mods) == 1 and (mods[0] in self.cues.task_heads or mods[0] in self.cues.technique_heads))
                    ):
                        continue  # "audio-language multimodal learning" is a field, "retrieval learning" no technique
                    if j < i:
                        # "vision-language representation learning" names a problem, not a technique
                        topic = low == "learning" and lowers[i - 1] == "representation" and j < i - 1
                        _add(cands, T, j, i + 1, "task" if topic else "method", "method-phrase")
            # 7. any other name-shaped token: a method unless the next word says otherwise. Short
            # all-capital tokens ("BEV", "INT8") are abbreviations of anything; they count only when
            # the vocabulary knows them or the text defines them (acronym component).
            for i in sent_shaped:
                t = texts[i]
                if (t not in stop_names and not SHORT_ABBREVIATION.match(t)
                        and not (i > 0 and texts[i - 1] == "-" and not spaces[i - 1])):
                    s, e = self._name_span(T, i, text)
                    default = "dataset" if YEAR_IN_NAME.search(_span_text(T, s, e)) else "method"
                    _add(cands, T, s, e, self._type_after(T, e, default), "name-shape")
        self._task_lists(cands, sents, T)
        return doc


@Language.factory("kg_patterns", default_config={"cues": "", "vocab_dir": ""})
def make_patterns(nlp: Language, name: str, cues: str, vocab_dir: str) -> NamePatterns:
    return NamePatterns(nlp, cues, vocab_dir)


# --------------------------------------------------------------------------- verb forms


class VerbForms:
    """Techniques named by a verb ("the model is fine-tuned on ...", "instruction-tuned"): the
    participle becomes a mention of the technique's vocabulary concept, but not an adjective
    before a noun ("a pre-trained model")."""

    def __init__(self, nlp: Language, cues_path: str = "", vocab_dir: str = "") -> None:
        self.cues = load_cues(cues_path)
        vocab = load_vocabulary(vocab_dir)
        self.target: dict[str, str] = {}
        for form, label in self.cues.verb_forms:
            iris = vocab.lower.get(label) or vocab.exact.get(label) or []
            iri = next((i for i in iris if vocab.concepts[i].type == "method"), None)
            if iri:
                self.target[form] = iri
        forms = sorted(self.target, key=len, reverse=True)
        self.pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, forms)) + r")(?![\w-])", re.I) if forms else None
        # A match is kept only when it covers whole tokens, so it starts where a token does, and that
        # token's text is the start of a form (in any case). In ASCII text, lower case is all the
        # case-insensitive match compares, and these lower-case starts find the few tokens to try the
        # pattern at, where a scan tries it at every character. Matches tried there are the scan's:
        # forms hold only word characters and hyphens, so no match begins inside another.
        ascii_forms = all(f.isascii() for f in forms)
        self.starts = frozenset(f.lower()[:k] for f in forms for k in range(1, len(f) + 1)) if ascii_forms else None
        self.start_bit = watch(self.starts) if self.starts else 0

    def _matches(self, T: Table, text: str):
        if self.starts is None or not text.isascii():
            return self.pattern.finditer(text)
        idxs = T.idxs
        return filter(None, [self.pattern.match(text, idxs[i]) for i in find(T, self.start_bit)])

    def __call__(self, doc: Doc) -> Doc:
        if self.pattern is None:
            return doc
        T = token_table(doc)
        text, lowers = T.text, T.lowers
        cands = kg_spans(doc)
        for m in self._matches(T, text):
            span = doc.char_span(m.start(), m.end())
            if span is None:
                continue
            after = lowers[span.end] if span.end < len(lowers) else "."
            before = lowers[span.start - 1] if span.start > 0 else ""
            if before in ADJECTIVE_BEFORE:
                continue  # "on pretrained, frozen encoders": an adjective in a list of adjectives
            if after in self.cues.verb_contexts_after or before in self.cues.verb_contexts_before:
                _add(cands, T, span.start, span.end, "method", "verb-form", self.target[m.group(0).lower()])
        return doc


@Language.factory("kg_verb_forms", default_config={"cues": "", "vocab_dir": ""})
def make_verb_forms(nlp: Language, name: str, cues: str, vocab_dir: str) -> VerbForms:
    return VerbForms(nlp, cues, vocab_dir)


# --------------------------------------------------------------------------- modalities


class ModalityMapper:
    """Surface words that name data ("visual", "image-text", "speech") mapped onto the fixed
    modality list. Words inside a capitalised name ("Vision Transformer") do not count; "language"
    and "vision" count only next to another modality word ("vision-and-language")."""

    PAIRED_ONLY = {"language", "vision", "linguistic"}

    def __init__(self, nlp: Language, vocab_dir: str = "", cues_path: str = "") -> None:
        vocab = load_vocabulary(vocab_dir)
        self.cues = load_cues(cues_path)
        self.lower: dict[str, str] = {}
        self.exact: dict[str, str] = {}
        for c in vocab.concepts.values():
            if c.type != "modality":
                continue
            for label in c.labels:
                if " " in label:
                    continue  # multi-word labels are matched by the vocabulary matcher
                if label == label.lower():
                    self.lower.setdefault(label, c.iri)
                    for p in ("s", "es"):
                        self.lower.setdefault(label + p, c.iri)
                else:
                    self.exact.setdefault(label, c.iri)
        # the words by lower-case form; the exact-case ones are then tested as written
        self.word_bit = watch(self.lower) | watch({w.lower() for w in self.exact})

    def _lookup(self, text: str, low: str) -> str | None:
        return self.exact.get(text) or self.lower.get(low)

    def __call__(self, doc: Doc) -> Doc:
        T = token_table(doc)
        texts, lowers = T.texts, T.lowers
        n = len(texts)
        lookup = self._lookup
        in_name = set()
        cands = kg_spans(doc)
        modalities = []  # the modality candidates so far, read in the same loop
        for s in cands:
            start, end, _, _, label, _, _ = s
            if label == "modality":
                modalities.append(s)
            elif label == "method" or label == "dataset":
                if end - start == 1:
                    if texts[start][:1].isupper() and not lookup(texts[start], lowers[start]):
                        in_name.add(start)  # not "CT", "MRI": a modality acronym, not a name containing one
                else:
                    for t in texts[start:end]:
                        if t[:1].isupper():
                            in_name.update(range(start, end))
                            break
        # vocabulary matches of modality words inside names are dropped too
        if in_name and modalities:
            drop = [s for s in modalities if not in_name.isdisjoint(range(s[0], s[1]))]
            if drop:
                dropped = set(map(id, drop))
                cands[:] = [s for s in cands if id(s) not in dropped]
                modalities = [s for s in modalities if id(s) not in dropped]
        existing = {(s[0], s[1]) for s in modalities}
        # a word inside a longer modality phrase ("3D" in "3D point clouds") is not a modality of its own
        covered = {i for s, e in existing if e - s > 1 for i in range(s, e)}
        exact, lower = self.exact, self.lower
        for i in find(T, self.word_bit):  # the modality words are among these
            low = lowers[i]
            iri = exact.get(texts[i]) or lower.get(low)
            if iri is None or i in in_name or (i, i + 1) in existing or i in covered:
                continue
            if low in self.PAIRED_ONLY and not self._paired(T, i):
                continue
            prev = lowers[i - 1] if i > 0 else ""
            nxt = lowers[i + 1] if i + 1 < n else ""
            if low in self.cues.ambiguous_modality_words and (prev in VERB_BEFORE or not (
                self._paired(T, i) or self._in_list(T, i) or nxt in self.cues.data_nouns
            )):
                continue  # "techniques that map representations", "to map data": a verb
            if nxt.endswith("ly") and nxt.isalpha() and not low.endswith("ly"):
                continue  # "the languages spoken globally"
            _add(cands, T, i, i + 1, "modality", "modality-word", iri)
        return doc

    def _in_list(self, T: Table, i: int) -> bool:
        """Is the word an item of a list of modalities ("images, graphs, and code")?"""
        texts, lowers = T.texts, T.lowers
        n = len(texts)
        for step in (-1, 1):
            j = i + step
            while 0 <= j < n and texts[j] in (",", "and", "or", "&", "/"):
                j += step
            if j != i + step and 0 <= j < n and self._lookup(texts[j], lowers[j]) and lowers[j] not in self.cues.ambiguous_modality_words:
                return True
        return False

    def _paired(self, T: Table, i: int) -> bool:
        """Is the word joined to another modality word ("vision-language", "vision and language")?"""
        texts, lowers = T.texts, T.lowers
        n = len(texts)
        for step in (-1, 1):
            j = i + step
            hops = 0
            while 0 <= j < n and texts[j] in ("-", "and", "&", "/", "+", "to", "or") and hops < 2:
                j += step
                hops += 1
            if hops and 0 <= j < n and self._lookup(texts[j], lowers[j]) and lowers[j] != lowers[i]:
                return True
        return False


@Language.factory("kg_modalities", default_config={"vocab_dir": "", "cues": ""})
def make_modalities(nlp: Language, name: str, vocab_dir: str, cues: str) -> ModalityMapper:
    return ModalityMapper(nlp, vocab_dir, cues)


# --------------------------------------------------------------------------- title boundary


@Language.component("kg_title_boundary")
def title_boundary(doc: Doc) -> Doc:
    """The title has no final full stop: start a new sentence after the blank line that ends it.
    The tokens are read from the token table (is_space is str.isspace, as the English lexeme
    attribute computes it), not as Token objects."""
    T = token_table(doc)
    for i, text in enumerate(T.texts):
        if "\n\n" in text or (text.isspace() and "\n" in text):
            if i + 1 < len(doc):
                doc[i + 1].is_sent_start = True
                if T.starts is not None and i + 1 not in T.starts:
                    insort(T.starts, i + 1)
            break
    return doc


# --------------------------------------------------------------------------- sentences


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


# --------------------------------------------------------------------------- tokenizer


@spacy.registry.tokenizers("kg_tokenizer")
def make_tokenizer():
    """English tokenization, except that capital unit letters after digits stay attached:
    names such as "PIN-14M" or "CC-12M" remain one token (spaCy splits "14M" as 14 + M), and a full
    stop after such a name is split off. An opening
    bracket glued to a word is split off, so that "Transformer(ViT)" defines an acronym."""

    def create(nlp: Language):
        from spacy.util import compile_infix_regex, compile_suffix_regex

        suffixes = [
            re.sub(r"\|(?:T|G|M|K)(?=\|)", "", s) if isinstance(s, str) and s.startswith("(?<=[0-9])(?:km") else s
            for s in nlp.Defaults.suffixes
        ]
        from spacy.util import registry as spacy_registry

        # a full stop after a name that ends in a capital ("... beats ViT.", "... on CC-12M.") ends the
        # sentence: spaCy splits it only after a lower-case letter or two capitals
        suffixes.append(r"(?<=[a-z0-9][A-Z])\.")
        tokenizer = spacy_registry.tokenizers.get("spacy.Tokenizer.v1")()(nlp)
        tokenizer.suffix_search = compile_suffix_regex(suffixes).search
        # a bracket glued to a word opens a new token: "Vision Transformer(ViT)", "Wukong{ViT-B}"
        infixes = [*nlp.Defaults.infixes, r"(?<=[A-Za-z])[({](?=[A-Za-z])",
                   r"(?<=[A-Za-z0-9])-(?=(?i:" + NAME_SUFFIX_WORDS + r")\b)"]
        tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
        return tokenizer

    return create
