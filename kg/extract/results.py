"""Reported numbers: "74% Top1 Accuracy on ModelNet40", "+3.54 mIoU", "drops by 23.3%".

The `kg_results` component finds values with their unit and whether they are changes; the resolver
attaches each to the metric, dataset and method named around it in the same sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.components import doc_text, sentences

RESULTS = "kg_results"

VALUE = re.compile(
    r"""(?P<sign>[+\-−])?\s?(?P<num>\d{1,3}(?:,\d{3})*(?:\.\d+)?|\d+(?:\.\d+)?)\s?
        (?P<unit>%|\ ?percent(?:age\ points)?\b|\ ?pp\b|\ ?points?\b|x\b|×)?""",
    re.X,
)
DIGIT = re.compile(r"\d")
CHANGE_WORDS = re.compile(
    r"\b(by|improv\w*|gain\w*|boost\w*|increas\w*|decreas\w*|drop\w*|reduc\w*|outperform\w*|surpass\w*|higher|lower|up to)\s+(?:of\s+|by\s+|about\s+|approximately\s+|over\s+|around\s+|nearly\s+)?$",
    re.I,
)
NOT_A_RESULT_AFTER = re.compile(
    r"^\s?(?:[kKMB]\b|million|billion|thousand|times|datasets?|tasks?|papers?|images?|samples?|models?|"
    r"languages?|categories|classes|hours?|minutes?|seconds?|days?|years?|layers?|parameters?|params|GB|MB|"
    r"teams?|instructions?|benchmarks?|shots?|steps?|epochs?|examples?|pairs?|videos?|subjects?|participants?|"
    r"patients?|countries|domains?|modalities|types?|kinds?|variants?|levels?|[-–]\w)",
)


@dataclass
class Value:
    value: float
    unit: str | None
    relative: bool
    start: int
    end: int


def _values(text: str):
    """The matches of VALUE.finditer(text), tried only next to digits: a match holds a digit at most
    two characters after its start (an optional sign, then optional space), so the leftmost match
    from `pos` starts within two characters before the next digit, and one always starts at the
    digit itself. finditer tries the pattern at every character, which took most of the time."""
    pos, match, digit = 0, VALUE.match, DIGIT.search
    while True:
        d = digit(text, pos)
        if d is None:
            return
        d = d.start()
        for p in range(max(pos, d - 2), d + 1):
            m = match(text, p)
            if m:
                break
        yield m
        pos = m.end()


def find_values(text: str, offset: int = 0) -> list[Value]:
    """Numbers in a sentence that look like reported results (percentages, signed changes, scores)."""
    out = []
    if not DIGIT.search(text):
        return out  # most sentences hold no number: VALUE tries a match at every character, this scan does not
    for m in _values(text):
        raw, unit, sign = m.group("num"), (m.group("unit") or "").strip(), m.group("sign")
        after = text[m.end() :]
        begin = m.start("sign") if sign else m.start("num")
        before = text[:begin]
        if before[-1:].isalnum() or (before[-1:] in ("-", "/", "@", ".") and not sign):
            continue  # part of a name or an id: GPT-4, ResNet50, R@1, v2
        if NOT_A_RESULT_AFTER.match(after) and unit != "%":
            continue
        value = float(raw.replace(",", ""))
        if not unit and not sign and "." not in raw:
            continue  # bare integers are counts and years, not results
        if unit in ("percent", "percentage points"):
            unit = "%" if unit == "percent" else "points"
        elif unit == "pp":
            unit = "points"
        elif unit == "point":
            unit = "points"
        elif unit in ("x", "×"):
            unit = "x"
        relative = bool(sign) or bool(CHANGE_WORDS.search(before)) or unit == "points"
        if sign in ("-", "−"):
            value = -value
        out.append(Value(value, unit or None, relative, offset + begin, offset + m.end()))
    return out


class ResultFinder:
    def __call__(self, doc: Doc) -> Doc:
        values = []
        text = doc_text(doc)
        for sent in sentences(doc):
            for v in find_values(text[sent.start_char : sent.end_char], sent.start_char):
                # plain tuples: user data stays serialisable with the doc (Doc.to_bytes, msgpack)
                values.append((v.value, v.unit, v.relative, v.start, v.end, sent.start_char, sent.end_char))
        doc.user_data[RESULTS] = values
        return doc


@Language.factory("kg_results")
def make_results(nlp: Language, name: str) -> ResultFinder:
    return ResultFinder()
