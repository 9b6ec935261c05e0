"""Reported numbers: "74% Top1 Accuracy on ModelNet40", "+3.54 mIoU", "drops by 23.3%", "4.8/8.2 WER".

The `kg_results` component finds the numbers of each sentence that can be results, with their unit
and whether they are changes, and leaves out the numbers that are not (see RESULTS_GUIDELINES.md):
versions inside names ("GPT-4", "Kinetics-400", "V2"), sizes and counts ("7B parameters", "960
hours"), fractions of the data used ("only 1% of the labels"), hyperparameters ("a temperature of
0.07", "k = 5", "p < 0.05"), standard deviations ("± 0.3"), years and citations (bare integers).
"A/B" pairs and "A-B" ranges give one value per number, sharing the unit written once.

A number written right after a name ("wav2vec 2.0", "Wenlan 2.0") is a version unless the name is a
metric ("BLEU 34.2"), and a bare integer is a count or a year unless a metric is written beside it
("41 BLEU"): only the resolver knows the metrics, so such values are flagged here and decided there. The resolver ties each value to its metric, dataset and method (kg.extract.attach).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.lexicon import alternation, load_result_cues
from kg.extract.pipeline.batched import Batched
from kg.extract.pipeline.tokens import doc_text, sentences

RESULTS = "kg_results"
CUES = load_result_cues()  # the word lists (pipelines/lexicon/results.json)

NUMBER = re.compile(
    r"""(?P<sign>[+\-−–±])?\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)
        (?P<unit>\s?(?:\\?%|\\\(\\%\\\)|percent(?:age\ points)?\b|pp\b|p\.p\.|points?\b|pts?\b)|-points?\b
                |\s?(?:x\b|×)|\s?times\b|[-\s]fold\b)?""",
    re.X,
)
DIGIT = re.compile(r"\d")
# A pair or range joins its numbers with one of these, and nothing else, between them.
FROM_BEFORE = re.compile(r"\bfrom\s*$", re.I)
JOINT = re.compile(r"\s?(?:/|[-–~]|to)\s?$")

# words before a number that make it a change: "improves by 2.3%", "a gain of 3.4", "by a margin of 5"
CHANGE_BEFORE = re.compile(
    r"""(?:\bby|\bmargins?|\bwithin|\b(?:gains?|improvements?|increases?|boosts?|reductions?|decreases?|drops?|lifts?)
        \s+(?:of|by)|\bimprov\w*|\bboost\w*|\bincreas\w*|\breduc\w*|\bdecreas\w*
        |\bdrop\w*|\bgain\w*|\blift\w*
        |\b(?:improvements?|gains?|increases?|reductions?|decreases?|drops?)(?:\s+[\w@-]+){1,4}?\s+of
        |\bgaps?(?:\s+[\w'-]+){0,5}?\s+(?:of|to|at|is|was|are|were|by)|\bretain\w*|\brecover\w*|\bpreserv\w*)\b
        (?:[\s(]+(?:""" + alternation(CUES.change_size_words) + r""")){0,6}
        [\s(]*$""",
    re.I | re.X,
)
# words after a number that make it a change: "2.4 points lower", "1.3% improvements", "3x faster"
CHANGE_AFTER = re.compile(
    r"""^\s*(?:[\w@-]+\s+){0,2}?
        (?:""" + alternation(CUES.change_words_after) + r""")\b
        |^\s*of\s+(?:its|their|the\s+original|the\s+full)\s
        |^\s*(?:[\w@-]+\s+){0,2}?(?:over|above|beyond)\s+(?:the\s+|a\s+|an\s+|its\s+)?(?:[\w-]+\s+){0,2}?
           (?:baselines?|previous|prior|state-of-the-art|SOTA|best|strongest|existing|competitive|competitors?|rivals?|
              teachers?|counterparts?|methods?|models?|systems?|approaches|(?-i:[A-Z]))""",
    re.I | re.X,
)
SIZE_NOUNS = alternation(CUES.size_nouns)
# a number followed by these is a size or count, not a result: "7B", "4M images", "960 hours"
SIZE_AFTER = re.compile(rf"^\s?(?:[kKMBT]\b|(?:{SIZE_NOUNS})\b|[-–][A-Za-z])")
# a factor followed by these compares sizes ("10x fewer parameters", "20-fold reduction in data");
# one that compares a cost is a result ("2.1x less compute", "3x less energy")
COST_NOUNS = alternation(CUES.cost_nouns)
SIZE_FACTOR_AFTER = re.compile(
    rf"""^\s*(?:smaller|larger|bigger|(?:fewer|less|more|cheaper)(?!\s+(?:{COST_NOUNS})\b)|(?:reduction|increase|decrease|saving)s?\s+(?:in|of)\b)""",
    re.I,
)
# "N times" is a result only as a comparison ("3 times faster") or with speed named before
TIMES_COMPARATIVE = re.compile(r"^\s*(?:faster|slower|higher|lower|better|speed-?ups?|improvements?|gains?|more\s+efficient)", re.I)
SPEED_BEFORE = re.compile(r"\b(?:speed\w*|accelerat\w*|faster|throughput)\b", re.I)
# a percentage of the data, labels or compute used is a setting: "only 1% of the labels", "on 10% of
# the training data", "using 5% labelled data", "15% of the training cost"
DATA_NOUN = alternation(CUES.used_data_nouns)
FRACTION_OF = re.compile(rf"^\s*of\s+(?:[\w-]+\s+){{0,4}}?(?:{DATA_NOUN})\b", re.I)
FRACTION_USED = re.compile(r"\b(?:only|just|using|use|uses|with|merely|mere|as\s+little\s+as|as\s+few\s+as|add\w*|sampl\w*|keep\w*|"
                           r"label\w*|annotat\w*|remov\w*|mask\w*|drop\w*)\s*$", re.I)
# (but a cost compared is a result, as it is for factors: "uses 40% less memory than X"; "40% fewer
# parameters" compares sizes)
COMPARED_AFTER = re.compile(rf"^\s*(?:less|fewer|lower)\s+(?:{COST_NOUNS})\b", re.I)
# what is used is a fraction of anything: "adding 5% of configurations", "with 10% of the scans"
FRACTION_ANY = re.compile(r"^\s*of\s+(?:the\s+|its\s+|their\s+)?[a-z][\w-]*", re.I)
# a number in a physical unit after "at" is a condition: "at −5 dB SNR", "sampled at 16 kHz"
CONDITION = re.compile(r"^\s?(?:dB|Hz|kHz|MHz|GHz)\b")
# ("a PSNR of 31.8 dB" is a result; "at an SNR of 0 dB" a condition)
CONDITION_BEFORE = re.compile(r"\b(?:at|under)\s+(?:(?:an?|the)\s+)?(?:[\w-]+\s+){0,2}?(?:of\s+)?$|\b(?:at|under)\s*$", re.I)
# a change in a size is not a result: "reducing the number of parameters by 40%"
SIZE_CHANGE_BEFORE = re.compile(rf"\b(?:number\s+of\s+(?:[\w-]+\s+)?(?:{SIZE_NOUNS})|model\s+size|parameters|params)\s+by\s*$", re.I)
FRACTION_BARE = re.compile(rf"^\s*(?:[\w-]+\s+){{0,2}}?(?:{DATA_NOUN})\b", re.I)
# settings written with a relation or a variable: "p < 0.05", "k = 5", "λ=0.1", "± 0.3"
HYPER_BEFORE = re.compile(
    r"""(?:[<>≤≥]\s*|(?:^|[\s(,;])(?:[A-Za-z]|[α-ωΑ-Ω]|lr|alpha|beta|gamma|lambda|tau|sigma|epsilon|eta|top-[kp])\s*=\s*
        |\b(?:""" + alternation(CUES.hyperparameters) + r""")
        \s*(?:of|=|:|to|at|is|was|set\s+to|equal\s+to|fixed\s+at)?\s*(?:only\s+|just\s+|about\s+)?)$""",
    re.I | re.X,
)
# ("at" only after a ranking metric: "recall at 10"; "runs at 14 FPS" is a result)
# agreement between annotators measures the data, not a method: "inter-annotator agreement reaches a kappa of 0.78"
AGREEMENT_BEFORE = re.compile(r"\b(?:inter-?(?:annotator|rater|coder)|(?:annotator|rater)s?(?:'s?)?\s+agreement|agreement\s+between\s+(?:the\s+)?(?:annotators|raters))\b", re.I)
# a confidence interval is the spread of a result, not one: "(95% CI 0.89-0.93)", "95% confidence interval: 0.8-0.9"
CONFIDENCE_AFTER = re.compile(r"^\s*(?:CI|C\.I\.|confidence\s+intervals?|credible\s+intervals?)\b", re.I)
CONFIDENCE_BEFORE = re.compile(r"\b(?:CI|C\.I\.|confidence\s+intervals?)\s*(?:[:=,]\s*)?(?:\[|\()?\s*$", re.I)
RANK_BEFORE = re.compile(r"\b(?:top|rank|(?:recall|precision|hits?|hit\s+rat(?:e|io)|ndcg|map|ap|mrr|r|p)\s+at|k|n|table|figure|fig\.|section|sec\.|chapter|eq\.|equation|step|stage|phase|level|version)\s*$", re.I)
# "7 of 8 datasets", "87 out of 100 attempts": counts
COUNT_OF_BEFORE = re.compile(r"\d\s+(?:out\s+)?of\s*$")
COUNT_OF_AFTER = re.compile(r"^\s+(?:out\s+)?of\s+\d")
# words before a number that give it a version: "version 2.1", "v 3"
VERSION_BEFORE = re.compile(r"\b(?:version|versions|release|v|ver)\s*$", re.I)
# a word that looks like a name (digits, inner capitals, capitalised), right before a bare number
NAME_WORD = re.compile(r"(?:^|[\s(])([A-Za-z][\w.+-]*)\s$")
UNITS = {"%": "%", "\\%": "%", "\\(\\%\\)": "%", "percent": "%", "percentage points": "points", "pp": "points",
         "p.p.": "points", "point": "points", "points": "points", "pt": "points", "pts": "points",
         "x": "x", "×": "x", "times": "x", "fold": "x"}


@dataclass
class Value:
    value: float
    unit: str | None
    relative: bool
    start: int
    end: int
    group: int = -1  # the start of the first number of its "A/B" pair or "A-B" range (-1: alone)
    needs: str = ""  # AFTER_NAME or INTEGER: kept by the resolver only with a metric written beside it


# values that are results only when a metric is written beside them (decided by the resolver)
AFTER_NAME = "name"  # right after a name-like word: "wav2vec 2.0" (a version) or "BLEU 34.2" (a result)
INTEGER = "int"  # a bare integer: "3 benchmarks", "in 2023" or "41 BLEU"


def _numbers(text: str):
    """The matches of NUMBER in text, tried only next to digits (finditer would try every character)."""
    pos, match, digit = 0, NUMBER.match, DIGIT.search
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


def _groups(text: str) -> list[list[re.Match]]:
    """The numbers of a sentence, with the members of each pair or range ("4.8/8.2", "3%-9%",
    "5-6 %") in one group."""
    groups: list[list[re.Match]] = []
    prev_end = -10
    for m in _numbers(text):
        sign = m.group("sign")
        begin = m.start("sign") if sign else m.start("num")
        joined = False
        if groups and prev_end <= begin:
            gap = text[prev_end : m.start("num")]
            # "3%-9%": the minus belongs to the range; "4.8/8.2": the slash joins a pair
            if sign in ("-", "–") and not text[prev_end:begin].strip():
                joined = True
            elif not sign and JOINT.fullmatch(gap) and (gap.strip() != "to" or not groups[-1][-1].group("unit")
                                                         and m.group("unit") and not FROM_BEFORE.search(text, 0, groups[-1][0].start())):
                joined = True  # "4.8/8.2", "3-9%", "3 to 9 points" (but "from 70% to 75%" is two values)
        if joined:
            groups[-1].append(m)
        else:
            groups.append([m])
        prev_end = m.end()
    return groups


def find_values(text: str, offset: int = 0) -> list[Value]:
    """The numbers of a sentence that can be reported results, with unit and change flag."""
    out: list[Value] = []
    if not DIGIT.search(text):
        return out  # most sentences hold no number
    for group in _groups(text):
        first, last = group[0], group[-1]
        sign = first.group("sign")
        begin = first.start("sign") if sign else first.start("num")
        # (the words around a number decide: 80 characters each side, not the whole sentence copied)
        before, after = text[max(0, begin - 80) : begin], text[last.end() : last.end() + 80]
        # (cheap tests first: most numbers are glued to names or are bare integers)
        if before[-1:].isalnum() or (before[-1:] in ("-", "/", "@", ".", "_", "^") and not sign):
            continue  # part of a name or an id: GPT-4, ResNet50, R@1, v2, Kinetics-400/600, M^2IXT
        if sign in ("-", "–") and before[-1:] in ("-", "/"):
            continue
        if before[-1:] == "(" and before[-2:-1].isalnum() and after[:1] == ")":
            continue  # an argument inside a name: "SE(3)-equivariant", "O(1)"
        raw_units = [(m.group("unit") or "").strip().lstrip("-").strip() for m in group]
        written = next((u for u in reversed(raw_units) if u), "")
        unit = UNITS.get(written.lower(), UNITS.get(written)) if written else None
        integer = all("." not in m.group("num") for m in group)
        bare_integer = unit is None and not sign and integer
        if bare_integer and (len(group) > 1 or RANK_BEFORE.search(before[-12:]) or 1900 <= int(first.group("num").replace(",", "")) < 2100
                             or COUNT_OF_BEFORE.search(before[-16:]) or COUNT_OF_AFTER.match(after)):
            continue  # years ("2019-2021", "in 2023"), ranks ("top 5")
        if unit != "%" and SIZE_AFTER.match(after):
            continue  # a size or a count: "7B", "1.4 million parameters", "960 hours"
        if sign == "±" or HYPER_BEFORE.search(before, max(0, len(before) - 50)):
            continue  # a standard deviation, a setting
        if unit == "points" and integer and not sign and not (CHANGE_BEFORE.search(before) or CHANGE_AFTER.match(after)):
            continue  # "2048 points": a count of points, not a change in points
        if after[:1] in ("x", "×") and after[1:2].isdigit():
            continue  # a size written "800x800"
        if unit == "x":
            if after[:2].strip()[:1].isdigit():
                continue  # a shape: "3 × 3 kernels", "224×224 images"
            if SIZE_FACTOR_AFTER.match(after):
                continue  # "10x fewer parameters", "a 20-fold reduction in data"
            if written == "times" and not (TIMES_COMPARATIVE.match(after) or SPEED_BEFORE.search(before[-60:])):
                continue  # "repeated 3 times"
        if unit == "%" and not COMPARED_AFTER.match(after) and (
                FRACTION_OF.match(after) or (FRACTION_USED.search(before) and (FRACTION_BARE.match(after) or FRACTION_ANY.match(after)))):
            continue  # a fraction of the data used: "only 1% of the labels", "with 10% labeled data"
        if CONDITION.match(after) and CONDITION_BEFORE.search(before):
            continue  # a condition: "at −5 dB SNR"
        if unit == "%" and CONFIDENCE_AFTER.match(after) or CONFIDENCE_BEFORE.search(before):
            continue  # a confidence interval: its level ("95% CI") and its bounds ("(95% CI 0.89-0.93)")
        if AGREEMENT_BEFORE.search(before):
            continue  # the annotators' agreement: a property of the data
        if SIZE_CHANGE_BEFORE.search(before):
            continue  # a change in size: "reducing the number of parameters by 40%"
        if unit is None and VERSION_BEFORE.search(before[-12:]):
            continue  # "version 2.1"
        needs = ""
        if bare_integer:
            needs = INTEGER  # most are counts, years, citations: a result only with its metric beside it
        elif unit is None and not sign and len(group) == 1:
            word = NAME_WORD.search(before[-40:])
            if word and _name_like(word.group(1)):
                needs = AFTER_NAME
        relative = (sign in ("+", "-", "−", "–") or unit in ("points", "x") or bool(CHANGE_AFTER.match(after))
                    or bool(CHANGE_BEFORE.search(before)))
        for m in group:
            # a signed number is a change ("+3.4", "-2.1 WER"): the value is its size, the flag says change
            start = offset + (begin if m is first else m.start("num"))
            out.append(Value(float(m.group("num").replace(",", "")), unit, relative, start, offset + m.end(),
                             offset + begin if len(group) > 1 else -1, needs))
    return out


# a factor written in words is a result only as a comparison: "about six times faster", "ten times fewer" is not
NUMBER_WORDS = CUES.number_words
WORD_FACTOR = re.compile(rf"\b(?P<w>{'|'.join(NUMBER_WORDS)})\s+times(?=\s+(?:faster|slower|higher|lower|better|speed))", re.I)


# a change in points written in words, after the words that say a change's size: "by two points",
# "to under three points", "a gain of four points" ("two points in time" is no change)
WORD_POINTS = re.compile(
    rf"\b(?:by|of|to|within)\s+(?:(?:about|nearly|only|under|over|up\s+to|less\s+than|more\s+than)\s+)?"
    rf"(?P<w>{'|'.join(NUMBER_WORDS)})\s+(?:percentage\s+)?points\b", re.I)


def word_factors(text: str, offset: int = 0) -> list[Value]:
    """Changes written in words: factors before a comparative ("six times faster") and points after
    the size of a change ("by two points"): one value each, a change."""
    if "times" not in text and "points" not in text:
        return []
    factors = [Value(float(NUMBER_WORDS[m.group("w").lower()]), "x", True, offset + m.start(), offset + m.end())
               for m in WORD_FACTOR.finditer(text)]
    points = [Value(float(NUMBER_WORDS[m.group("w").lower()]), "points", True, offset + m.start("w"), offset + m.end())
              for m in WORD_POINTS.finditer(text)]
    return factors + points


def _name_like(word: str) -> bool:
    """A name, not a common word: holds a digit or a capital after its first letter ("wav2vec",
    "BiomedCLIP"), or is capitalised ("Wenlan"). Metric names look alike; the resolver tells them."""
    if any(c.isdigit() for c in word):
        return True
    return any(c.isupper() for c in word)


class ResultFinder(Batched):
    def __call__(self, doc: Doc) -> Doc:
        values = []
        text = doc_text(doc)
        for sent in sentences(doc):
            piece = text[sent.start_char : sent.end_char]
            found = find_values(piece, sent.start_char) + word_factors(piece, sent.start_char)
            for v in sorted(found, key=lambda v: v.start):
                # plain tuples: user data stays serialisable with the doc (Doc.to_bytes, msgpack)
                values.append((v.value, v.unit, v.relative, v.start, v.end, sent.start_char, sent.end_char,
                               v.group, v.needs))
        doc.user_data[RESULTS] = values
        return doc


@Language.factory("kg_results")
def make_results(nlp: Language, name: str) -> ResultFinder:
    return ResultFinder()
