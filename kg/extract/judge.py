"""The entity judge: a trained classifier that keeps or drops each entity the rules resolved in a
paper, and gives it a calibrated confidence.

The rules see a span and a few words around it; the judge sees the whole entity as the paper
uses it: which rules found it and how often, whether a vocabulary knows it, where it occurs
(title, first sentence), its shape (capitals, digits, length, head word) and the words around each
mention and in its sentences, each feature crossed with the type the rules gave. A logistic
regression over these sparse features (kg.training.judge fits it on projected paper-level gold)
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
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.normalise import entity_key as form_key
from kg.model import ENTITY_TYPES, Entity, Extraction, Mention

WORD = re.compile(r"\w[\w'-]*|[^\w\s]")
CONTEXT = 2  # words either side of a mention that are features of their own


def _shape(word: str) -> str:
    """Xxxx-style shape with runs collapsed: "ResNet-50" -> "XxXx-d"."""
    out = []
    for c in word:
        s = "X" if c.isupper() else "x" if c.islower() else "d" if c.isdigit() else c
        if not out or out[-1] != s:
            out.append(s)
    return "".join(out)


def features(entity: Entity, text: str, title_end: int) -> dict[str, float]:
    """The judge's features of one entity of a paper whose text (title, blank line, abstract) is
    `text`; every feature is named with the entity's type, so each type learns its own weights."""
    t = entity.type
    f: dict[str, float] = {f"type|{t}": 1.0}

    def add(name: str, value: float = 1.0) -> None:
        f[f"{name}|{t}"] = max(f.get(f"{name}|{t}", 0.0), value)

    words = WORD.findall(entity.label)
    add(f"words={min(len(words), 5)}")
    if entity.concept:
        add("concept")
    if entity.role == "proposed":
        add("proposed")
    for w in words:
        add(f"w={w.lower()}")
    if words:
        head = words[-1].lower()
        add(f"head={head}")
        add(f"first={words[0].lower()}")
        add(f"suffix={head[-3:]}")
    add("mentions", math.log1p(len(entity.mentions)))
    forms = entity.surface_forms
    add("forms", math.log1p(len(forms)))
    for form in forms:
        add(f"shape={_shape(form)[:8]}")
        if any(c.isdigit() for c in form):
            add("digit")
        if form.isupper():
            add("allcaps")
        elif form[:1].isupper():
            add("capital")
        elif form.islower():
            add("lower")
    sentences = set()
    for m in entity.mentions:
        add(f"rule={m.rule}")
        if m.start < title_end:
            add("in-title")
        elif m.sent_start <= title_end + 2:
            add("first-sentence")
        before = WORD.findall(text[max(m.sent_start, m.start - 60) : m.start])[-CONTEXT:]
        after = WORD.findall(text[m.end : min(m.sent_end, m.end + 60)])[:CONTEXT]
        for k, w in enumerate(reversed(before), 1):
            add(f"before{k}={w.lower()}")
        for k, w in enumerate(after, 1):
            add(f"after{k}={w.lower()}")
        if not before:
            add("sentence-start")
        sentences.add((m.sent_start, m.sent_end))
    add("sentences", math.log1p(len(sentences)))
    for a, b in sentences:
        for w in WORD.findall(text[a:b].lower()):
            if len(w) > 2:
                add(f"sent={w}", 0.5)
    return f


NAME_WORD = re.compile(r"\w[\w'.+/-]*\w|\w")
PROPOSED_RULE = "judge"  # the rule name of the entities the judge adds


def _name_shaped(word: str) -> bool:
    return any(c.isupper() or c.isdigit() for c in word) and any(c.isalpha() for c in word)


def proposals(doc: Doc, extraction: Extraction, max_words: int = 3) -> list[Entity]:
    """Entities the rules did not find, for the judge to type or reject: runs of one to
    `max_words` name-shaped words (a capital or a digit: "Geo-FNO", "minADE", "Speech Commands")
    inside a sentence and outside every mention of the rules' entities, one entity per form."""
    text = extraction.paper.text
    covered = bytearray(len(text) + 1)
    for entity in extraction.entities:
        for m in entity.mentions:
            covered[m.start : m.end] = b"\x01" * (m.end - m.start)
    title_end = len(extraction.paper.title)
    found: dict[str, Entity] = {}
    for sent in doc.sents:
        a, b = sent.start_char, sent.end_char
        words = [(m.start() + a, m.end() + a, m.group()) for m in NAME_WORD.finditer(text[a:b])]
        for i in range(len(words)):
            for n in range(1, max_words + 1):
                run = words[i : i + n]
                if len(run) < n or not _name_shaped(run[-1][2]):
                    break
                start, end = run[0][0], run[-1][1]
                if any(covered[start:end]) or "\n" in text[start:end]:
                    break
                form = text[start:end]
                key = form_key(form)
                if not key:
                    continue
                entity = found.get(key)
                if entity is None:
                    entity = found[key] = Entity("new", key, form, None, "proposed" if start < title_end else "used")
                entity.mentions.append(Mention("new", form, start, end, text[a:b].strip(), a, b, PROPOSED_RULE, 0.5))
    return list(found.values())


class Judge:
    """A pipeline component that holds the judge's weights, thresholds and calibration (saved with
    the pipeline) and applies them after the resolver (`finish`); as a step of nlp.pipe it does
    nothing.

    Two linear models: `keep` (is an entity the rules resolved right?) and `add` (is a proposal an
    entity, and of which type?), each a {feature: weight} table."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.keep: dict = {"bias": 0.0, "weights": {}}
        self.add: dict = {"classes": [], "bias": [], "weights": {}}
        self.keep_above: dict[str, float] = {t: 0.0 for t in ENTITY_TYPES}
        self.add_above: dict[str, float] = {t: 1.01 for t in ENTITY_TYPES}
        self.calibration: dict = {}
        self.max_words = 3

    def __call__(self, doc: Doc) -> Doc:
        return doc

    def keep_probability(self, feats: dict[str, float]) -> float:
        weights = self.keep["weights"]
        z = self.keep["bias"] + sum(weights.get(k, 0.0) * v for k, v in feats.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def add_probabilities(self, feats: dict[str, float]) -> dict[str, float]:
        """Probability of each class ("none" and entity types) of a proposal (softmax)."""
        classes, weights = self.add["classes"], self.add["weights"]
        if not classes:
            return {}
        z = list(self.add["bias"])
        for k, v in feats.items():
            row = weights.get(k)
            if row:
                for c, w in enumerate(row):
                    z[c] += w * v
        top = max(z)
        e = [math.exp(x - top) for x in z]
        total = sum(e)
        return {c: x / total for c, x in zip(classes, e)}

    def finish(self, doc: Doc, extraction: Extraction) -> Extraction:
        text = extraction.paper.text
        title_end = len(extraction.paper.title)
        kept = []
        for entity in extraction.entities:
            p = self.keep_probability(features(entity, text, title_end))
            if p < self.keep_above.get(entity.type, 0.0):
                continue
            self._set_confidence(entity, p)
            kept.append(entity)
        if any(v <= 1 for v in self.add_above.values()):
            for entity in proposals(doc, extraction, self.max_words):
                probs = self.add_probabilities(features(entity, text, title_end))
                best = max(ENTITY_TYPES, key=lambda t: probs.get(t, 0.0))
                if probs.get(best, 0.0) >= self.add_above.get(best, 1.01):
                    entity.type = best
                    for m in entity.mentions:
                        m.type = best
                    if best not in ("method", "dataset"):
                        entity.role = None
                    self._set_confidence(entity, probs[best])
                    kept.append(entity)
        extraction.entities = kept
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


@Language.factory("kg_entity_judge")
def make_judge(nlp: Language, name: str) -> Judge:
    return Judge(nlp, name)


def calibrate(calibration: dict, p: float) -> float:
    """The share of entities with probability p that held-out papers showed right (an isotonic step
    function), or p itself with no map."""
    xs, ys = calibration.get("x"), calibration.get("y")
    if not xs:
        return p
    return ys[max(bisect_right(xs, p) - 1, 0)]
