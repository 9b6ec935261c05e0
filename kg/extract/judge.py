"""The entity judge: a trained classifier that keeps or drops each entity the rules resolved in a
paper, and gives it a calibrated confidence.

The rules see a span and a few words around it; the judge sees the whole entity as the paper
uses it: which rules found it and how often, whether a vocabulary knows it, where it occurs
(title, first sentence), its shape (capitals, digits, length, head word), the words around each
mention and in its sentences, and the class of the cue words and numbers near it (a dataset head
such as "benchmark", a metric head such as "score", a propose verb: classes of the rules' lexicon,
so a cue word the gold never shows still counts). The keep model crosses each feature with the type
the rules gave and also has it shared by all types, so a rare type borrows what the others learnt.
A logistic regression over these sparse features (kg.training.judge fits it on projected paper-level gold)
gives the probability that the entity is right; an entity is kept when that probability reaches
its type's threshold (chosen on training papers only), and the probability, mapped through an
isotonic calibration fitted on out-of-fold predictions, becomes its confidence.

The weights are a plain {feature: weight} table (JSON), so applying the judge needs no library
beyond the standard one and costs a few dictionary look-ups per entity.
"""
from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.lexicon import load_cues
from kg.extract.normalise import entity_key as form_key
from kg.extract.pipeline.memo import Memo
from kg.extract.pipeline.tokens import sentences
from kg.model import ENTITY_TYPES, Entity, Extraction, Mention

WORD = re.compile(r"\w[\w'-]*|[^\w\s]")
_MATCHED = itemgetter(0)  # a regex match's text
CONTEXT = 2  # words either side of a mention that are features of their own
CUE_REACH = 3  # words either side of a mention searched for a cue word or a number
NUMBER = re.compile(r"\d+(?:\.\d+)?%?$|%$")


@lru_cache(maxsize=1)
def cue_classes() -> dict[str, tuple[str, ...]]:
    """The class(es) of each cue word of the rules' lexicon (pipelines/lexicon/cues.json): a word
    next to a mention says what it is ("X benchmark", "X score", "trained on X") whatever the
    word, so the judge learns one weight per class, which carries to cue words the gold never shows."""
    cues = load_cues()
    lists = {"dataset": cues.dataset_heads, "method": cues.method_heads, "metric": cues.metric_heads,
             "task": cues.task_heads, "data": cues.data_nouns, "generic": cues.generic_heads,
             "propose": cues.propose_verbs}
    out: dict[str, tuple[str, ...]] = {}
    for name, words in lists.items():
        for w in words:
            if " " not in w:
                out[w] = (*out.get(w, ()), name)
    return out


def _shape(word: str) -> str:
    """Xxxx-style shape with runs collapsed: "ResNet-50" -> "XxXx-d"."""
    out = []
    for c in word:
        s = "X" if c.isupper() else "x" if c.islower() else "d" if c.isdigit() else c
        if not out or out[-1] != s:
            out.append(s)
    return "".join(out)


def features(entity: Entity, text: str, title_end: int, sentence_words: dict | None = None) -> dict[str, float]:
    """The judge's features of one entity of a paper whose text (title, blank line, abstract) is
    `text`. The models cross each with the entity's type (`typed`), so each type learns its own
    weights. `sentence_words` caches each sentence's word features across the entities of a paper."""
    f, sentences = entity_features(entity, text, title_end)
    f.update(sentence_features(text, sentences, {} if sentence_words is None else sentence_words))
    return f


def entity_features(entity: Entity, text: str, title_end: int) -> tuple[dict[str, float], frozenset]:
    """The features of the entity and its mentions, and the (start, end) of the sentences it
    occurs in, whose words are features too (sentence_features)."""
    f: dict[str, float] = {}

    def add(name: str, value: float = 1.0) -> None:
        if f.get(name, 0.0) < value:
            f[name] = value

    size, label_features = _LABEL_FEATURES[entity.label]
    f[size] = 1.0
    if entity.concept:
        f["concept"] = 1.0
    if entity.role == "proposed":
        f["proposed"] = 1.0
    f.update(label_features)
    forms = entity.surface_forms
    add("mentions", math.log1p(len(entity.mentions)))
    add("forms", math.log1p(len(forms)))
    for form in forms:
        f.update(_FORM_FEATURES[form])
    sentences = set()
    for m in entity.mentions:
        f[f"rule={m.rule}"] = 1.0
        if m.start < title_end:
            f["in-title"] = 1.0
        elif m.sent_start <= title_end + 2:
            f["first-sentence"] = 1.0
        # (the words of text[a:b], read in place; those after a mention up to the third only)
        before = WORD.findall(text, max(m.sent_start, m.start - 60), m.start)[-CUE_REACH:]
        after = list(map(_MATCHED, islice(WORD.finditer(text, m.end, min(m.sent_end, m.end + 60)), CUE_REACH)))
        for k, w in enumerate(reversed(before[-CONTEXT:])):
            f[_CONTEXT_WORDS[w].before[k]] = 1.0
        for k, w in enumerate(after[:CONTEXT]):
            f[_CONTEXT_WORDS[w].after[k]] = 1.0
        for w in before:
            for name in _CONTEXT_WORDS[w].near_before:
                f[name] = 1.0
        for w in after:
            for name in _CONTEXT_WORDS[w].near_after:
                f[name] = 1.0
        if not before:
            f["sentence-start"] = 1.0
        sentences.add((m.sent_start, m.sent_end))
    add("sentences", math.log1p(len(sentences)))
    return f, frozenset(sentences)


# The features of a label, of a surface form and of a context word are the same in every paper, and
# the same names and words recur across papers: each is worked out once (Memo) and its feature
# names copied from there, in the order entity_features adds them (which is the order the models
# sum them in). Built anew for every entity and mention, they cost entity_features about a third
# of its time.


def _label_features(label: str) -> tuple[str, dict[str, float]]:
    """The label's size feature ("words=2"), then its words, head, first word, the head's suffix and
    cue classes."""
    words = WORD.findall(label)
    f: dict[str, float] = {}
    for w in words:
        f[f"w={w.lower()}"] = 1.0
    if words:
        head = words[-1].lower()
        f[f"head={head}"] = f[f"first={words[0].lower()}"] = f[f"suffix={head[-3:]}"] = 1.0
        for cls in cue_classes().get(head, ()):
            f[f"head-cue={cls}"] = 1.0
    return f"words={min(len(words), 5)}", f


def _form_features(form: str) -> dict[str, float]:
    """A surface form's shape, digits and capitals."""
    f = {f"shape={_shape(form)[:8]}": 1.0}
    if any(c.isdigit() for c in form):
        f["digit"] = 1.0
    if form.isupper():
        f["allcaps"] = 1.0
    elif form[:1].isupper():
        f["capital"] = 1.0
    elif form.islower():
        f["lower"] = 1.0
    return f


class ContextWord(NamedTuple):
    """The feature names a word near a mention gives: as the k-th word before or after it
    (before[k - 1], after[k - 1]), and as one of the words searched for cues (its cue classes,
    then whether it is a number) before or after it."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    near_before: tuple[str, ...]
    near_after: tuple[str, ...]


def _context_word(word: str) -> ContextWord:
    low = word.lower()
    near = {side: (*(f"cue-{side}={cls}" for cls in cue_classes().get(low, ())),
                   *([f"number-{side}"] if NUMBER.match(word) else []))
            for side in ("before", "after")}
    return ContextWord(tuple(f"before{k}={low}" for k in range(1, CONTEXT + 1)),
                       tuple(f"after{k}={low}" for k in range(1, CONTEXT + 1)), near["before"], near["after"])


_LABEL_FEATURES = Memo(_label_features)
_FORM_FEATURES = Memo(_form_features)
_CONTEXT_WORDS = Memo(_context_word)


def sentence_features(text: str, sentences: frozenset, cache: dict) -> dict[str, float]:
    """The words of the sentences (each 0.5); `cache` keeps each sentence's across a paper."""
    f: dict[str, float] = {}
    for a, b in sentences:
        in_sentence = cache.get((a, b))
        if in_sentence is None:
            in_sentence = cache[(a, b)] = dict.fromkeys(filter(None, map(_SENTENCE_WORDS.__getitem__,
                                                                         WORD.findall(text[a:b].lower()))), 0.5)
        f.update(in_sentence)
    return f


# a sentence's word as a feature ("sent=benchmark"); None for a word of one or two characters
_SENTENCE_WORDS = Memo(lambda w: f"sent={w}" if len(w) > 2 else None)


SHARED = "*"  # the "type" of the keep model's features shared by every type


def typed(entity_type: str, feats: dict[str, float], shared: bool = False) -> dict[str, float]:
    """The features crossed with the type ("w=net|method"), as the models are fitted on them;
    `shared`: also each feature as such ("w=net|*"), whose weight every type shares."""
    out = {f"{name}|{entity_type}": v for name, v in feats.items()}
    out[f"type|{entity_type}"] = 1.0
    if shared:
        out.update((f"{name}|{SHARED}", v) for name, v in feats.items())
    return out


NAME_WORD = re.compile(r"\w[\w'.+/-]*\w|\w")
PROPOSED_RULE = "judge"  # the rule name of the entities the judge adds
PROPOSAL_TYPE = "new"  # the type of a proposal until the judge types it


LETTER = re.compile(r"[^\W\d_]")
DIGIT = re.compile(r"\d")


def _function_word(word: str) -> bool:
    """A word of spaCy's English stop list capitalised as a sentence or title starts it ("We",
    "The", "In"): its capital says nothing of a name ("MoRE" and "UP" are not of this shape)."""
    return word == word.capitalize() and word.lower() in STOP_WORDS


def _name_shaped(word: str) -> bool:
    """A capital or a digit, and a letter."""
    return (word != word.lower() or DIGIT.search(word) is not None) and LETTER.search(word) is not None


# (per word: the same words recur in every paper)
_NAME_SHAPED = Memo(_name_shaped)
_FUNCTION_WORDS = Memo(_function_word)


def proposals(doc: Doc, extraction: Extraction, max_words: int = 3, extend_words: int = 0) -> list[Entity]:
    """Entities the rules did not find, for the judge to type or reject: runs of one to
    `max_words` name-shaped words (a capital or a digit: "Geo-FNO", "minADE", "Speech Commands")
    inside a sentence and outside every mention of the rules' entities, one entity per form. A run
    never starts with a capitalised function word ("We", "The"): a fifth of all runs, never a name.
    With `extend_words`, also each rule mention widened to the words around it (extensions), for
    the judge to choose the boundary the rules cut short; an added one replaces the rules' entity."""
    text = extraction.paper.text
    covered = bytearray(len(text) + 1)
    for entity in extraction.entities:
        for m in entity.mentions:
            covered[m.start : m.end] = b"\x01" * (m.end - m.start)
    title_end = len(extraction.paper.title)
    found: dict[str, Entity] = {}

    def propose(start: int, end: int, a: int, b: int, rule: str = PROPOSED_RULE) -> None:
        form = text[start:end]
        key = form_key(form)
        if not key:
            return
        entity = found.get(key)
        if entity is None:
            entity = found[key] = Entity(PROPOSAL_TYPE, key, form, None, "proposed" if start < title_end else "used")
        entity.mentions.append(Mention(PROPOSAL_TYPE, form, start, end, text[a:b].strip(), a, b, rule, 0.5))

    for sent in sentences(doc):
        a, b = sent.start_char, sent.end_char
        matches = list(NAME_WORD.finditer(text, a, b))
        words = list(map(_MATCHED, matches))
        shaped = list(map(_NAME_SHAPED.__getitem__, words))
        for i, word in enumerate(words):
            if not shaped[i] or _FUNCTION_WORDS[word]:
                continue
            start = matches[i].start()
            for last in range(i, min(i + max_words, len(words))):
                if not shaped[last]:
                    break
                end = matches[last].end()
                if covered.find(1, start, end) >= 0 or text.find("\n", start, end) >= 0:
                    break
                propose(start, end, a, b)
        if extend_words:
            words = [(m.start(), m.end(), m.group()) for m in matches]
            for entity in extraction.entities:
                for m in entity.mentions:
                    if a <= m.start < b:
                        for start, end in extensions(text, words, m.start, m.end, extend_words):
                            propose(start, end, a, b, f"{PROPOSED_RULE}-extends-{entity.type}")
    ruled = {e.key for e in extraction.entities}
    return [e for e in found.values() if e.key not in ruled]


def extensions(text: str, words: list[tuple[int, int, str]], start: int, end: int, max_left: int):
    """(start, end) of a mention widened to whole words ("TCGA" inside "TCGA-NSCLC"), then by up to
    `max_left` words before it and one after it, each joined by a space and none a stop word: the
    longer names the rules cut short ("cross-scale gating mechanism", "patch embedding module")."""
    inside = [k for k, (s, e, _) in enumerate(words) if e > start and s < end]
    if not inside:
        return
    first, last = inside[0], inside[-1]

    def joins(k: int) -> bool:  # word k and word k + 1 are one phrase
        return 0 <= k < len(words) - 1 and text[words[k][1] : words[k + 1][0]] == " " and \
            words[k][2].lower() not in STOP_WORDS and words[k + 1][2].lower() not in STOP_WORDS

    lefts = [first]
    while len(lefts) <= max_left and joins(lefts[-1] - 1):
        lefts.append(lefts[-1] - 1)
    rights = [last] + ([last + 1] if joins(last) else [])
    for i in lefts:
        for j in rights:
            if (words[i][0], words[j][1]) != (start, end):
                yield words[i][0], words[j][1]


class Judge:
    """A pipeline component that holds the judge's weights, thresholds and calibration (saved with
    the pipeline) and applies them after the resolver (`finish`); as a step of nlp.pipe it does
    nothing.

    Two linear models: `keep` (is an entity the rules resolved right?) and `add` (is a proposal an
    entity, and of which type?), each a {feature: weight} table."""

    def __init__(self, nlp: Language, name: str, extend_words: int = 0) -> None:
        self.name = name
        self.extend_words = extend_words  # rule mentions are proposed widened by up to this many words (proposals)
        self.keep: dict = {"bias": 0.0, "weights": {}}
        self.add: dict = {"classes": [], "bias": [], "weights": {}}
        self.keep_above: dict[str, float] = {t: 0.0 for t in ENTITY_TYPES}
        self.add_above: dict[str, float] = {t: 1.01 for t in ENTITY_TYPES}
        self.calibration: dict = {}
        self.max_words = 3
        self._indexed_from: tuple = ()
        self._indexed: tuple = ({}, {})

    def __call__(self, doc: Doc) -> Doc:
        return doc

    def _tables(self) -> tuple[dict[str, dict[str, float]], dict[str, list[float]]]:
        """The weights by type then by plain feature name ({"method": {"w=net": 0.3}}) and the add
        model's rows by plain name: scoring looks features up without crossing them with the type.
        Built again whenever keep or add is replaced."""
        if self._indexed_from != (id(self.keep), id(self.add)):
            keep: dict[str, dict[str, float]] = {}
            for name, w in self.keep["weights"].items():
                feature, _, entity_type = name.rpartition("|")
                keep.setdefault(entity_type, {})[feature] = w
            add = {name.rpartition("|")[0]: row for name, row in self.add["weights"].items()}
            self._indexed = (keep, add)
            self._indexed_from = (id(self.keep), id(self.add))
        return self._indexed

    def keep_logit(self, entity_type: str, feats: dict[str, float]) -> float:
        """The keep model's sum over these (plain) features of an entity of this type."""
        tables = self._tables()[0]
        weights, shared = tables.get(entity_type, {}), tables.get(SHARED, {})
        z = 0.0
        for k, v in feats.items():
            w = weights.get(k)
            if w is not None:
                z += w * v
            w = shared.get(k)
            if w is not None:
                z += w * v
        return z

    def keep_probability(self, entity_type: str, feats: dict[str, float], extra: float = 0.0) -> float:
        """Probability that an entity of this type with these (plain) features is right; `extra`:
        the logit of features scored apart (keep_logit)."""
        z = self.keep["bias"] + self._tables()[0].get(entity_type, {}).get("type", 0.0)
        z += self.keep_logit(entity_type, feats) + extra
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def add_logits(self, feats: dict[str, float]) -> list[float]:
        """The add model's sums, one per class, over these (plain) features of a proposal."""
        weights = self._tables()[1]
        z = [0.0] * len(self.add["classes"])
        for k, v in feats.items():
            row = weights.get(k)
            if row:
                for c, w in enumerate(row):
                    z[c] += w * v
        return z

    def add_probabilities(self, feats: dict[str, float], extra: list[float] | None = None) -> dict[str, float]:
        """Probability of each class ("none" and entity types) of a proposal (softmax); `extra`:
        the logits of features scored apart (add_logits)."""
        classes = self.add["classes"]
        if not classes:
            return {}
        z = [b + w + x + y for b, w, x, y in zip(self.add["bias"], self._tables()[1].get("type", [0.0] * len(classes)),
                                                 self.add_logits(feats), extra or [0.0] * len(classes))]
        top = max(z)
        e = [math.exp(x - top) for x in z]
        total = sum(e)
        return {c: x / total for c, x in zip(classes, e)}

    def finish(self, doc: Doc, extraction: Extraction) -> Extraction:
        text = extraction.paper.text
        title_end = len(extraction.paper.title)
        # the words of a sentence are features of every entity in it: their part of each model's
        # sum is computed once per paper, per set of sentences (and per type for keep)
        sentence_words: dict = {}
        keep_part: dict = {}
        kept = []
        for entity in extraction.entities:
            feats, sentences = entity_features(entity, text, title_end)
            part = keep_part.get((entity.type, sentences))
            if part is None:
                part = keep_part[(entity.type, sentences)] = self.keep_logit(
                    entity.type, sentence_features(text, sentences, sentence_words))
            p = self.keep_probability(entity.type, feats, part)
            if p < self.keep_above.get(entity.type, 0.0):
                continue
            self._set_confidence(entity, p)
            kept.append(entity)
        added: list[Entity] = []
        if any(v <= 1 for v in self.add_above.values()):
            add_part: dict = {}
            for entity in proposals(doc, extraction, self.max_words, self.extend_words):
                feats, sentences = entity_features(entity, text, title_end)
                part = add_part.get(sentences)
                if part is None:
                    part = add_part[sentences] = self.add_logits(sentence_features(text, sentences, sentence_words))
                probs = self.add_probabilities(feats, part)
                best = max(ENTITY_TYPES, key=lambda t: probs.get(t, 0.0))
                if probs.get(best, 0.0) >= self.add_above.get(best, 1.01):
                    entity.type = best
                    for m in entity.mentions:
                        m.type = best
                    if best not in ("method", "dataset"):
                        entity.role = None
                    self._set_confidence(entity, probs[best])
                    added.append(entity)
        extraction.entities = (_without_cut_short(kept, added) if added else kept) + added
        return extraction

    def _set_confidence(self, entity: Entity, p: float) -> None:
        confidence = round(calibrate(self.calibration, p), 4)
        for m in entity.mentions:
            m.confidence = confidence

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        data = {"keep_above": self.keep_above, "add_above": self.add_above, "calibration": self.calibration,
                "max_words": self.max_words, "keep": self.keep, "add": self.add}
        (path / "judge.json").write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")

    def from_disk(self, path, exclude=()) -> "Judge":
        data = json.loads((Path(path) / "judge.json").read_text(encoding="utf-8"))
        for k in ("keep_above", "add_above", "calibration", "max_words", "keep", "add"):
            setattr(self, k, data[k])
        return self


@Language.factory("kg_entity_judge", default_config={"extend_words": 0})
def make_judge(nlp: Language, name: str, extend_words: int) -> Judge:
    return Judge(nlp, name, extend_words)


def _without_cut_short(kept: list[Entity], added: list[Entity]) -> list[Entity]:
    """The kept entities less those every mention of which lies inside an added one: the judge
    chose the wider boundary ("TCGA-NSCLC" over the rules' "TCGA"). The wider name of the same type
    takes the role the rules gave the narrower one ("we propose X" said of the whole name). An entity
    the vocabulary knows stays beside the wider name: the paper does use that concept, and the links
    of every paper to it are what its queries read ("ImageNet" in "ImageNet-pretrained")."""
    out = []
    for e in kept:
        wider = [a for a in added if all(any(n.start <= m.start and m.end <= n.end for n in a.mentions) for m in e.mentions)]
        covered = wider or all(any(n.start <= m.start and m.end <= n.end for a in added for n in a.mentions)
                               for m in e.mentions)
        if not covered or e.concept:
            out.append(e)
        for a in wider:
            if a.type == e.type and a.role is not None and e.role is not None:
                a.role = e.role
    return out


def calibrate(calibration: dict, p: float) -> float:
    """The share of entities with probability p that held-out papers showed right (an isotonic step
    function), or p itself with no map."""
    xs, ys = calibration.get("x"), calibration.get("y")
    if not xs:
        return p
    return ys[max(bisect_right(xs, p) - 1, 0)]
