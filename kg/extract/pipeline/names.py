"""Word lists and shapes of names that several components, or a component and the resolver, read."""
from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS

from kg.extract.pipeline.memo import Memo

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


def _name_shaped(text: str) -> bool:
    return bool(NAME_SHAPE.match(text)) and not NOT_A_NAME.match(text)


# Does a token look like a name (NAME_SHAPE and not NOT_A_NAME)? Kept per word: every token of every
# abstract is tested, and the same words recur across abstracts; testing each token of
# bench_extract's corpus once costs 0.62x the blank tokenizer's time uncached, 0.06x kept.
name_shaped = Memo(_name_shaped).__getitem__


# Sentences that speak of evaluation.
EVAL_WORDS = {"experiments", "experiment", "evaluate", "evaluated", "evaluation", "evaluations", "results",
              "achieves", "achieve", "outperforms", "outperform", "benchmarks", "datasets", "accuracy",
              "state-of-the-art", "sota", "performance", "surpasses", "tested", "demonstrate", "shows"}
# Words between a list of dataset names and its head noun ("X and Y downstream datasets").
DATASET_ADJECTIVES = {"downstream", "benchmark", "public", "popular", "standard", "evaluation", "test", "large-scale",
                      "real-world", "challenging", "widely-used", "classification", "retrieval", "detection", "segmentation"}
# Adjectives made by joining a word to a name ("CLIP-style", "ChatGPT-Assisted", "MNAR-resistant"):
# the name ends before them.
NAME_SUFFIX_WORDS = (
    "style|based|like|assisted|resistant|aware|guided|driven|free|specific|agnostic|only|powered|"
    "enhanced|centric|friendly|generated|conditioned|inspired|oriented|dependent|independent|compatible"
)
# One of those endings as a word of its own ("based" in "Transformer-based").
# any past participle joined to a name makes an adjective too: "RLHF-tuned", "T2-weighted"
SUFFIX_WORD = re.compile(r"^(?:" + NAME_SUFFIX_WORDS + r"|[a-z]{3,}ed)$")
# A name with its variants written after slashes: "RefCOCO/+/g" (RefCOCO, RefCOCO+, RefCOCOg).
# Not a size letter before a patch size: "ViT-B/16" is one model.
VARIANTS = re.compile(r"^([A-Za-z][\w-]*[A-Za-z0-9])(?<!-[BLSHTg])((?:/(?:\+{1,2}|[a-z]{1,2}|\d{1,2}))+)$")
# Words after which an ambiguous modality word ("map", "code", "event") is a verb.
VERB_BEFORE = {"to", "that", "which", "who", "can", "could", "may", "might", "will", "would", "we", "they", "it", "and then"}


# Sizes a model is released in, written after its name: "Whisper-small", "XLM-R Large", "GPT-2 Small",
# "TubeSparse-B" (a letter only after a hyphen).
SIZE_WORDS = frozenset(("tiny", "small", "base", "medium", "large", "huge", "giant", "xl", "xxl"))
SIZE_LETTERS = frozenset("SBLHG")
# A release or edition written after a name and a space: "Stable Diffusion 1.5", "TED-LIUM 3",
# "BraTS 2018"; not a value ("82.7"), which has more digits before its point or after it.
RELEASE_NUMBER = re.compile(r"^(?:\d(?:\.\d)?|\d\d|(?:19[89]|20[0-3])\d)$")
# Units and marks after which a number is a quantity, not a release ("3 %", "2 x").
QUANTITY_AFTER = frozenset(("%", "x", "×", "-"))
# Head nouns that may follow a release ("the TED-LIUM 3 corpus", "a Stable Diffusion 1.5 backbone").
RELEASE_HEADS = frozenset(("dataset", "benchmark", "corpus", "model", "models", "backbone", "encoder", "decoder", "checkpoint"))


def release_end(texts: list[str], lowers: list[str], spaces: list[int], end: int) -> int:
    """The end of a name that ends at `end`, extended over a size or a release written after it
    ("Whisper" in "Whisper-small", "Stable Diffusion" in "Stable Diffusion 1.5 as the backbone"): the
    size or release is part of what the paper names. A number counts only when what follows it
    closes the name (punctuation, a function word, a head noun)."""
    n = len(texts)
    if end + 1 < n and texts[end] == "-" and not spaces[end - 1] and not spaces[end] \
            and (lowers[end + 1] in SIZE_WORDS or texts[end + 1] in SIZE_LETTERS) \
            and (end + 2 >= n or spaces[end + 1] or not texts[end + 2].isalnum()):
        return end + 2
    if end < n and spaces[end - 1]:
        word = texts[end]
        if lowers[end] in SIZE_WORDS and word[:1].isupper():
            return end + 1
        if RELEASE_NUMBER.match(word):
            after = lowers[end + 1] if end + 1 < n else ""
            if after in QUANTITY_AFTER:
                return end
            if not after or not after[:1].isalnum() or after in STOP_WORDS or after in RELEASE_HEADS:
                return end + 1
    return end


# Head nouns that make a technique a named part of a model ("patch embedding module", "cross-modal
# attention fusion block"): the paper names the part with them.
COMPONENT_HEADS = frozenset(("module", "block", "layer"))


def component_end(lowers: list[str], texts: list[str], end: int) -> int:
    """The end of a technique's mention that ends at `end`, over a component head right after it."""
    if end < len(lowers) and lowers[end] in COMPONENT_HEADS and texts[end].islower():
        return end + 1
    return end


def is_size_of(form: str, base: str) -> bool:
    """Is `form` the name `base` with a size after it ("TubeSparse-B", "LayoutSpan-Large", "CLASP-L")?"""
    if len(form) < len(base) + 2 or not form.startswith(base) or form[len(base)] not in "- ":
        return False
    size = form[len(base) + 1 :]
    return size in SIZE_LETTERS or size.lower() in SIZE_WORDS
