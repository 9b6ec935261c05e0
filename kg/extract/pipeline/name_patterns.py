"""kg_patterns: names never seen before, from their shape and their context ("we propose X",
"X dataset", "evaluated on X", "X score", task and technique phrases, lists of tasks, title phrases).
The words the rules look for are data: pipelines/lexicon/cues.json (read by kg.extract.lexicon)."""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.lexicon import load_cues
from kg.extract.pipeline.batched import Batched
from kg.extract.pipeline.names import (
    DATASET_ADJECTIVES, EVAL_WORDS, NAME_SUFFIX_WORDS, SUFFIX_WORD, VARIANTS, VERB_BEFORE, component_end, name_shaped, release_end,
)
from kg.extract.pipeline.tokens import (
    ALIASES, Cand0, Sent, Table, add_candidate, kg_spans, name_shapes, sentences, span_text, token_table, tokens_in,
)
from kg.extract.vocabulary import load_vocabulary
# Words by which a sentence speaks of the paper itself.
SELF_WORDS = frozenset(("we", "our"))
# A measured value ("0.312", "64.5"), not a count or a year.
DECIMAL = re.compile(r"^\d*\.\d+%?$")
# Names that say they are benchmarks ("UniSim-Bench", "MMBench", "LVLM-eHub").
BENCHMARK_NAME = re.compile(r"(?:Bench|Benchmark|-?[eE]?Hub)$")
# Short all-capital tokens ("BEV", "VQA"): abbreviations of anything, not names by their shape alone.
SHORT_ABBREVIATION = re.compile(r"^[A-Z]{2,4}$")
# The words that join the items of a list.
LIST_JOINS = (",", "and", "or")
# A value: "92.1", "3%", "0.41".
LETTER_NUMBER = re.compile(r"^(?:[A-Z]\d{1,4})+$")
NUMBER_TEXT = re.compile(r"^[<>~±+-]?\d+(?:[.,]\d+)?%?$")
# A year inside a name ("VOC2007", "SemEval-2017", "BirdClef2023"): editions of datasets and
# challenges; models are numbered by version or size.
YEAR_IN_NAME = re.compile(r"(?<!\d)(?:19[89]\d|20[0-3]\d)(?!\d)")
# A measure taken at a cut-off ("HR@10", "MRR@10", "NDCG@K", "Accuracy@1"): a metric whatever its context.
AT_CUTOFF = re.compile(r"@(?:\d+(?:\.\d+)?|[kKnN])$")
# The rest of a name after its first token: "-25M", "++", "-Bench", "v2" (not "-based", "-style").
NAME_TAIL = re.compile(r"(?:(?:[-/](?=[A-Z0-9]|[a-z]+[A-Z])(?!(?i:" + NAME_SUFFIX_WORDS + r")\b)|\+\+|\+)[\w.^]*(?:\+\+)?)*")
# Words in a title after its name that make the name a dataset ("X: A Benchmark for ...").
BENCHMARK_WORD = re.compile(r"\b(benchmark|benchmarking|dataset|corpus|suite)\b")
# Endings of adjectives: "-al" ("professional"), and "-ic" in words past six letters ("periodic";
# "logic", "music" and "topic" are nouns).
# A part of a name written in capitals: "Lift", "X", "GRU" ("Lift-Splat-Shoot", "Mod-X").
_CAPITAL_PART = re.compile(r"^[A-Z][A-Za-z]*$")
ADJECTIVE_END = re.compile(r"(?:al|[a-z]{5}ic)$")
# Nouns made from verbs, which name an activity ("mapping", "stratification", "alignment"); plural
# only where the activity is counted ("simulations"), unlike "documents" or "environments".
DEVERBAL_NOUN = re.compile(r"(?:[a-z]{3}(?:tions?|sions?|ment|sis)|[a-z]{4}ing)$")
# A version written after a name: "MobileVLM v2", "LLaVA V1.5".
VERSION = re.compile(r"^[vV]\d+(?:\.\d+)*$")
# The words and marks that separate the items of a list of tasks.
LIST_SEPARATORS = frozenset((",", "and", "or", ";"))


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


def within(indices: list[int], start: int, end: int) -> list[int]:
    """The sorted indices in [start, end)."""
    return indices[bisect_left(indices, start) : bisect_left(indices, end)]


class NamePatterns(Batched):
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
        # head nouns after a capitalised name that say it names a measure ("BLEU score", "Recall
        # metric"), the heads of measure phrases among them ("Hamming error")
        self.metric_words = self.cues.metric_name_heads | self.cues.measure_phrase_heads
        # the words that can start a rule of the sentence loop below (rules 2 to 6): the loop
        # visits only these tokens
        self.trigger_words = {
            *self.cues.family_heads, *self.cues.method_list_heads, *self.cues.comparison_words,
            *self.cues.naming_words, "call", "calls", *self.cues.propose_verbs, *self.cues.dataset_heads, *self.metric_words,
            *self.cues.method_heads, "(", "on", "across", *self.cues.task_heads, "task", "training",
            *self.cues.technique_heads,
        }
        # heads of parts and techniques a compound before them can name (rule 6b); not the heads of
        # whole approaches ("a task-oriented approach", "an end-to-end framework")
        parts = {"module", "modules", "network", "networks", "mechanism", "mechanisms"}
        self.part_heads = (self.cues.method_heads | self.cues.technique_heads) - (self.cues.generic_heads - parts) - {"agent", "policy", "representation"}

    def _plain_word(self, low: str) -> bool:
        """A content word that can sit inside a technique's name ("gating", "alignment")."""
        return low not in STOP_WORDS and low not in self.not_method_words and low not in self.cues.generic_heads

    def _naming_compound(self, parts: list[str]) -> bool:
        """Do the parts of a hyphenated compound say which technique a head is ("noise-aware",
        "flow-guided", "low-rank"), rather than how large, how good or which modality ("large-scale",
        "fine-grained", "modality-specific", "cross-modal", "end-to-end")?"""
        if parts[0] in STOP_WORDS or parts[-1] in STOP_WORDS or parts[0] in self.cues.not_method_modifiers or parts[0] == parts[-1]:
            return False
        if parts[-1] in self.cues.qualifying_ends or parts[-1] in self.cues.not_naming_ends:
            return False
        return not all(p in self.modality_words or p in self.cues.modality_parts for p in parts)

    def _is_name(self, text: str) -> bool:
        return name_shaped(text) and text not in self.cues.stop_names

    def _task_word(self, text: str, low: str) -> bool:
        if low in self.cues.qualifying_ends:
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

    def _capitalised_compound_start(self, T: Table, i: int, lo: int) -> int | None:
        """The first token of a name whose part at i follows a hyphen, if every part before it is a
        capitalised word or a short capital abbreviation ("Panoptic-PolarNet", "MI-FGSM"); None
        when a part before names itself (a name-shaped part, which the name rule reads whole) or
        is no capitalised word."""
        texts, spaces = T.texts, T.spaces
        j = i
        while j - 2 >= lo and texts[j - 1] == "-" and not spaces[j - 1] and not spaces[j - 2]:
            part = texts[j - 2]
            if not (part.isalpha() and part[:1].isupper()) or part in self.cues.stop_names:
                return None
            if self._is_name(part) and not SHORT_ABBREVIATION.match(part):
                return None
            j -= 2
        return j if j < i else None

    def _titled_run(self, T: Table, j: int, end: int) -> int | None:
        """The end of a run of two or more capitalised words, hyphen-joined parts included
        ("Geodesic Multi-Modal Mixup"), that starts at j; None if there is none."""
        texts, lowers, spaces = T.texts, T.lowers, T.spaces
        e, words = j, 0
        while e < end and words < 6:
            t = texts[e]
            if t[:1].isupper() and t.isalpha() and t not in self.cues.stop_names and lowers[e] not in self.cues.title_breaks:
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
            if nxt == "of" and end + 1 < n and (DECIMAL.match(texts[end + 1]) or (texts[end + 1].isdigit() and end + 2 < n and texts[end + 2] == "%")):
                return "metric"  # "achieves a PSDS1 of 0.312": a value is reported for it, so it is a measure
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
        return i, release_end(texts, T.lowers, T.spaces, end)  # "XLM-R Large", "TED-LIUM 3"

    def _title_runs(self, T: Table, te: int) -> list[tuple[int, int]]:
        """Runs of content words in a title (hyphenated compounds kept whole), split at function
        words and punctuation, without a leading verb ("Optimizing", "Boosting")."""
        texts, lowers, spaces = T.texts, T.lowers, T.spaces
        word = [t[:1].isalnum() and low not in self.cues.title_breaks for t, low in zip(texts[:te], lowers[:te])]  # content words
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
        purpose_runs: list[int] = []  # the ends of the title's task phrases, which "and" may coordinate
        for s, e in self._title_runs(T, te):
            words = [w for w in texts[s:e] if w != "-"]
            if len(words) < 2 or len(words) > 6:
                continue
            opened_by = lowers[s - 1] if s > 0 else ""
            if opened_by == "and" and s - 1 in purpose_runs:
                opened_by = "for"  # "for Nodule Detection and Risk Stratification": the second shares the "for"
            last = lowers[e - 1]
            head = e - 2 if last in self.cues.dataset_heads or last in ("task", "tasks") else e - 1  # "... Detection Benchmark"
            while s < head and texts[s + 1] != "-" and lowers[s] in self.cues.not_task_modifiers:
                s += 1  # "Comprehensive Synthetic Data Detection"
            if head > s and lowers[head] in self.cues.task_heads and texts[head - 1] != "-":
                start = max(s, head - 4)
                start = self._compound_start(T, start, head, s)
                add_candidate(cands, T, start, head + 1, "task", "title-task")
                purpose_runs.append(e)
                continue
            while s + 2 < e and lowers[s].endswith(("able", "ible")) and texts[s + 1] != "-":
                s += 1  # "for Interpretable Visual-Language Alignment": how good the work is, not what it is for
            if opened_by == "for" and self._purpose_phrase(T, s, e):
                add_candidate(cands, T, s, e, "task", "title-task")
                purpose_runs.append(e)
                continue
            if last not in self.cues.technique_heads and last not in self.cues.title_method_heads or texts[e - 2] == "-":
                continue
            prev = lowers[s - 1] if s > 0 else ""
            if not (s == 0 or s == colon + 1 or prev in ("via", "with", "using", "through", "by")):
                continue
            phrase = span_text(T, s, e)
            if any(phrase.lower() in long.lower() for long in doc.user_data.get(ALIASES, {}).values()):
                continue  # part of a long form the abstract defines ("Local-to-global Self-supervised ...")
            if title_name and s == colon + 1:
                if not _initials_cover(title_name, words):
                    continue  # a description of the title's name, not a name of its own
                doc.user_data.setdefault(ALIASES, {}).setdefault(title_name, phrase)
            label = "task" if phrase.lower().endswith("representation learning") else "method"
            add_candidate(cands, T, s, e, label, "title-phrase")

    def _purpose_phrase(self, T: Table, s: int, e: int) -> bool:
        """Does a title's run of content words after "for" name what the work is for by a noun made
        from a verb ("for Global Flood Extent Mapping", "for W4A4 Quantization", "for Reward-Free
        Exploration"), rather than a thing ("for Long Documents") or a way of training ("for Visual
        Pretraining", "for Multimodal Learning")?"""
        texts, lowers = T.texts, T.lowers
        words = [m for m in range(s, e) if texts[m] != "-"]
        head = lowers[e - 1]
        if len(words) < 2 or texts[e - 2] == "-" or head in self.cues.method_heads or head in self.cues.vague_task_heads:
            return False
        return DEVERBAL_NOUN.search(head) is not None

    def _names_after_head(self, cands: list, T: Table, j: int, end: int, text: str) -> None:
        """Names listed right after a plural dataset head and a list cue ("datasets, X and Y",
        "benchmarks such as X, Y", "datasets (X, Y)", "corpora: X and Y") are datasets."""
        texts, lowers = T.texts, T.lowers
        comma_only = texts[j] == ","  # "On X benchmarks, LexVLA, trained on ...": a subject, unless a list follows
        # a colon, a parenthesis or a list cue announces the list: its items are the head's, short
        # acronyms too ("benchmarks: SMD, SWaT and PSM"), which alone name anything
        announced = texts[j] in (":", "(")
        if texts[j] in (",", ":", "("):
            j += 1
        if j + 1 < end and lowers[j] == "such" and lowers[j + 1] == "as":
            j += 2
            comma_only, announced = False, True
        elif j < end and lowers[j] in self.cues.list_cues:
            j += 1
            comma_only, announced = False, True
        found = []
        while j < end:
            t = texts[j]
            if t in (",", "and", "or") or lowers[j] == "the":
                j += 1
                continue
            if self._is_name(t) and (announced or not SHORT_ABBREVIATION.match(t)) and not AT_CUTOFF.search(t):
                s, e = self._name_span(T, j, text)
            elif self._list_capital(T, j):
                s, e = j, j + 1  # capitalised words, one item together ("Objaverse", "Server Machine Dataset")
                while e < end and self._list_capital(T, e):
                    e += 1
            else:
                break
            found.append((s, e))
            j = e
            if announced and j + 2 < end and texts[j] == "(" and texts[j + 2] == ")" and self._is_name(texts[j + 1]):
                j += 3  # the item's acronym, "(SMD)", which the acronym component reads
            if announced and j + 1 < end and lowers[j] in ("from", "by") and (self._is_name(texts[j + 1]) or self._list_capital(T, j + 1)):
                j += 2  # where the item comes from: "MSL from NASA"
        if j < end and texts[j] not in (".", ",", ")", ";", ":") and lowers[j] not in self.cues.title_breaks \
                and texts[j - 1] not in (",", "and", "or"):
            return  # the list goes on with something else than names ("datasets, X models ...")
        if comma_only and len(found) < 2:
            return
        for s, e in found:
            add_candidate(cands, T, s, e, "dataset", "dataset-list")

    def _methods_after_head(self, cands: list, T: Table, j: int, end: int, text: str) -> None:
        """Items listed right after a plural head of methods and a list cue ("baselines, namely
        seasonal naive, ETS and AutoARIMA", "architectures, including SchNet, PaiNN and Allegro") are
        methods, lower-case and capitalised words too: the cue says what they are (items as in
        _method_items)."""
        texts, lowers = T.texts, T.lowers
        if j < end and texts[j] == ",":
            j += 1
        if j + 1 < end and lowers[j] == "such" and lowers[j + 1] == "as":
            j += 2
        elif j < end and lowers[j] in self.cues.list_cues:
            j += 1
        else:
            return
        for s, e in self._method_items(T, j, end, text):
            add_candidate(cands, T, s, e, "method", "method-list")

    def _compared_methods(self, cands: list, T: Table, j: int, end: int, text: str) -> None:
        """"outperforming logit-based KD, FitNets and DKD", "surpassing X, Tidal Diffusion and Y": the
        items of a list the paper's method is compared with are methods when the list holds two or
        more and one of them is a name ("outperforms prior work, and ..." lists nothing)."""
        while j < end and T.lowers[j] in ("both", "the"):
            j += 1
        items = self._method_items(T, j, end, text)
        if len(items) >= 2 and any(self._is_name(T.texts[m]) for s, e in items for m in range(s, e)):
            for s, e in items:
                add_candidate(cands, T, s, e, "method", "method-list")

    def _method_items(self, T: Table, j: int, end: int, text: str) -> list[tuple[int, int]]:
        """The items of a list of methods from j: runs of names, capitalised and lower-case content
        words, each closed by a separator or the sentence's end; the list stops at the first item
        that is not closed ("such as DLinear can rival ...")."""
        texts, lowers = T.texts, T.lowers
        found = []
        while j < end:
            if texts[j] in (",", "and", "or") or lowers[j] in ("a", "an", "the"):
                j += 1
                continue
            e = j
            while e < end and e - j < 5:
                t = texts[e]
                named = self._is_name(t) or self._list_capital(T, e)
                if named and e > j and texts[e - 1].islower():
                    j = e  # "the universal potential CHGNet": a description, then the item's name
                if self._is_name(t):
                    e = self._name_span(T, e, text)[1]  # "DimeNet++", "XLM-R Large"
                elif named or (e > j and t.isdigit()) or (  # "Tesseract 5"
                        t.isalpha() and t.islower() and self._plain_word(lowers[e]) and lowers[e] not in self.cues.title_breaks) or (
                        t == "-" and e > j and not T.spaces[e - 1] and not T.spaces[e] and e + 1 < end and texts[e + 1].isalnum()):
                    e += 1
                else:
                    break
            if e == j or (e < end and texts[e] not in (",", ".", ";", ")") and lowers[e] not in ("and", "or")):
                break
            found.append((j, e))
            j = e
        return found

    def _list_capital(self, T: Table, j: int) -> bool:
        t = T.texts[j]
        return t[:1].isupper() and t.isalpha() and t not in self.cues.stop_names and T.lowers[j] not in self.cues.title_breaks

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
            add_candidate(cands, T, j, i + 1, "metric", "metric-head")

    def _generic_understanding(self, T: Table, j: int, i: int) -> bool:
        """"semantic understanding", "multimodal comprehension": a vague head with only generic
        modifiers names no task ("video understanding", "document comprehension" do)."""
        if T.lowers[i] not in self.cues.vague_task_heads:
            return False
        generic = self.cues.generic_task_modifiers
        return all(t == "-" or low in generic for t, low in zip(T.texts[j:i], T.lowers[j:i]))

    def _list_word(self, text: str) -> bool:
        """A word that can be part of an item of a list of tasks."""
        low = text.lower()
        if text == "-":
            return True
        if low in STOP_WORDS or low in self.cues.list_stops or low in self.cues.list_cues or low in self.cues.generic_heads or low in self.cues.not_task_modifiers:
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
        separators = tokens_in(T, LIST_SEPARATORS)
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
                cue_before = j > s0 and (lowers[j - 1] in self.cues.list_cues or texts[j - 1] == ":")
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
                    if lowers[words[-1]] in self.cues.list_adjective_ends or all(lowers[w] in self.modality_words for w in words):
                        continue  # "OCR-related", "page-level", "image-text": modifiers, not tasks
                    add_candidate(cands, T, s_, e_, "task", "task-list")

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
            end = bisect_right(idxs, colon - 1)  # the tokens before the colon and the one it may end
            words = text[:colon].split()
            single = len(words) == 1 and any(c.isupper() for c in words[0]) and words[0] not in stop_names
            if len(words) <= 2 and (single or any(is_name(t) for t in texts[:end])):
                rest = text[colon:title_end].lower()
                named_bench = BENCHMARK_NAME.search(text[:colon])  # "Tiny LVLM-eHub: Early Experiments with ..."
                entity_type = "dataset" if named_bench or BENCHMARK_WORD.search(rest) else "method"
                add_candidate(cands, T, 0, end, entity_type, "title-name")
                title_name = span_text(T, 0, end) if entity_type == "method" else ""
        self._title_phrases(doc, cands, T, title_end, title_name)
        # the tokens the rules below start at, and the head words that start each rule
        triggers = tokens_in(T, self.trigger_words)
        propose_verbs, dataset_heads, method_heads = self.cues.propose_verbs, self.cues.dataset_heads, self.cues.method_heads
        task_heads, technique_heads = self.cues.task_heads, self.cues.technique_heads
        part_heads = self.part_heads
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
                # 2. "called / named / dubbed X"
                naming = low in self.cues.naming_words or (
                    low in ("call", "calls") and k > 0 and lowers[i - 1] in ("we", "which", "that")
                )
                if naming and i + 1 < n:
                    j = i + 1
                    if lowers[j] == "as" and j + 1 < n:
                        j += 1  # "a new benchmark, named as X"
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
                        add_candidate(cands, T, s, e, self._type_after(T, e, default), "named-as")
                # 3. "we propose / introduce ... X": the first name within a few tokens of the verb
                if low in propose_verbs and is_self is None:
                    is_self = not SELF_WORDS.isdisjoint(lowers[sent.start : sent.end]) or "this paper" in text[sent.start_char : sent.end_char].lower()
                if low in propose_verbs and is_self and not (k > 0 and lowers[i - 1] in self.cues.noun_determiners):
                    j0 = i + 1
                    while j0 < sent.end and lowers[j0] in ("a", "an", "the", "novel", "new", "simple", "our"):
                        j0 += 1
                    run_end = self._titled_run(T, j0, sent.end)
                    if (run_end is None and j0 + 2 < sent.end and texts[j0][:1].isupper() and texts[j0].isalpha()
                            and texts[j0] not in stop_names and texts[j0 + 1] == ","
                            and lowers[j0 + 2] in ("a", "an")):
                        run_end = j0 + 1  # "We present Hydra, a universal framework ..."
                    if run_end:  # "we propose a Geodesic Multi-Modal Mixup that ..."
                        add_candidate(cands, T, j0, run_end, self._type_after(T, run_end, "method"), "we-propose")
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
                            add_candidate(cands, T, s, e, self._type_after(T, e, default), "we-propose")
                            break
                # 4. "X dataset / benchmark", "on X, Y and Z datasets": runs of names before the head
                if low in dataset_heads and k > 0:
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
                        if (t == "-" and j + 1 < run_end and j - 1 >= sent.start and not spaces[j] and not spaces[j - 1]
                                and texts[j - 1][:1].isupper() and texts[j - 1].isalnum()):
                            j -= 1  # a name's parts joined by a hyphen ("ML-SUPERB")
                            continue
                        if run_end > j + 1:
                            add_candidate(cands, T, j + 1, run_end, "dataset", "dataset-head")
                        if t in (",", "and", "&") or lowers[j] == "the":
                            run_end = j
                            j -= 1
                            continue
                        break
                    else:
                        if run_end > sent.start:
                            add_candidate(cands, T, sent.start, run_end, "dataset", "dataset-head")
                    # "two datasets, X and Y", "benchmarks such as X, Y and Z": the names listed after a
                    # plural head ("a corpus, X, ..." more often describes the paper's own)
                    if i + 2 < sent.end and (low == "corpora" or low.endswith("s") and low != "corpus"):
                        self._names_after_head(cands, T, i + 1, sent.end, text)
                # 4e. "baselines, namely X, Y and Z": the items of a cued list after a plural head of methods
                if low in self.cues.method_list_heads and word.islower() and i + 2 < sent.end:
                    self._methods_after_head(cands, T, i + 1, sent.end, text)
                # 4f. "outperforming X, Y and Z": a list of what the paper's method is compared with
                if low in self.cues.comparison_words and i + 3 < sent.end:
                    self._compared_methods(cands, T, i + 1, sent.end, text)
                if low in self.metric_words and k > 0:
                    j = i
                    while j - 1 >= sent.start and texts[j - 1][:1].isupper() and texts[j - 1].isalpha() and lowers[j - 1] not in ("the", "a", "our"):
                        j -= 1
                    inside = j > sent.start and texts[j - 1] == "-" and not spaces[j - 1]  # "Multi-[Modal ...]"
                    if j < i and j > sent.start and not inside:
                        add_candidate(cands, T, j, i + (1 if low in self.cues.measure_phrase_heads else 0), "metric", "metric-head")
                    elif j == i and low in self.cues.measure_phrase_heads and word.islower():
                        self._measure_phrase(cands, T, i, sent)
                # 4c. "Capitalised Words module / network / loss": a named component of a method
                # (a capitalised head too, inside a sentence after a capitalised word: "the Anomaly
                # Transformer", where "Transformer" alone would be the architecture)
                if low in method_heads and idxs[i] > title_end and k > 0 and (word.islower() or (
                        low in self.cues.component_name_heads and word.istitle() and k > 1 and texts[i - 1].istitle() and texts[i - 1].isalpha()
                        and lowers[i - 1] not in STOP_WORDS)):
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
                    if words and any(c[0] == j and c[1] == i and c[6] == "vocabulary" for c in cands):
                        words = ()  # "a Fake News Detection network": a known concept (what the part is for) names no part
                    if words and (len(words) >= 2 or j > sent.start) and not all(is_name(w) for w in words) and not any(
                        # "CLIP-style training", but "Branch-aware Fusion network" is a name
                        SUFFIX_WORD.match(lowers[m]) and texts[m - 1] == "-" and is_name(texts[m - 2])
                        for m in range(max(j, 2), i)
                    ):
                        joined_head = texts[i - 1] == "-" and not spaces[i - 1]  # "Contrastive Pre-training"
                        end = i + 1 if low in self.cues.component_name_heads or joined_head else i
                        add_candidate(cands, T, j, end, "method", "component-name")
                # 4d. "audio classification (ESC-50, FSD50K)": names listed in parentheses after a task
                if word == "(" and k > 0 and lowers[i - 1] in self.cues.task_heads:
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
                            add_candidate(cands, T, s_, e_, "dataset", "dataset-list")
                # 4b. "on X, Y and Z" in a sentence about evaluation: names there are datasets
                if low in ("on", "across") and is_eval is None:
                    is_eval = not EVAL_WORDS.isdisjoint(lowers[sent.start : sent.end])
                # (a sentence that opens with "On X" says where what follows was measured: "On
                # GEOM-QM9 it performs on par with ...", whatever its words)
                if low in ("on", "across") and (is_eval or k == 0 or (k > 0 and lowers[i - 1] in self.cues.trained_on_words)):
                    j, items, joined = i + 1, [], False
                    while j < sent.end:
                        t = texts[j]
                        if lowers[j] in ("the", "and", ",", "both", "several", "standard", "popular"):
                            joined = joined or lowers[j] == "and"
                            j += 1
                            continue
                        if is_name(t) and (not SHORT_ABBREVIATION.match(t) or (
                                # an abbreviation as an item of the list ("on SMAP, MSL and SWaT")
                                j + 1 < sent.end and lowers[j + 1] in LIST_JOINS or items and lowers[j - 1] in LIST_JOINS)
                                or self._name_span(T, j, text)[1] > j + 1):  # or the start of a longer name ("GEOM-QM9")
                            s, e = self._name_span(T, j, text)
                            items.append((s, e))
                            j = e
                            continue
                        break
                    if not joined:
                        # an abbreviation counts only in a list joined by "and": "using Mask R-CNN on COCO,
                        # our model reaches ..." ends at the comma
                        short = next((m for m, (s, e) in enumerate(items) if e - s == 1 and SHORT_ABBREVIATION.match(texts[s])), None)
                        if short is not None:
                            items = items[:short]
                    if not joined:
                        # "On X, Y reaches ...", "When evaluated on X, Y reaches ...": a fronted phrase
                        # ends at its comma, and the name after it is the clause's subject; a list
                        # would be joined by "and"
                        items = items[:1]
                    for s, e in items:
                        add_candidate(cands, T, s, e, self._type_after(T, e, "dataset"), "evaluated-on")
                # 5. task phrases: modifiers from the task vocabulary before a task head noun, and at
                # most one other content word at the far left ("toxic content detection")
                if low in task_heads and k > 0 and word.islower():
                    j, words = i, 0
                    while j - 1 >= sent.start and words < 4 and task_word(texts[j - 1], lowers[j - 1]):
                        j -= 1
                        words += texts[j] != "-"
                    # one open (unknown) modifier at the far left, but not a verb ("to ensure generalization")
                    # nor before a measure of the task ("high prediction accuracy") or a model, a method or an
                    # abbreviated measure the phrase qualifies ("neural recommendation models", "median matching
                    # RMSD": the modifier then belongs to the whole compound, not to the task)
                    # nor an adjective of its own in -al or a longer -ic ("professional translation", "internal
                    # text recognition", "periodic forecasting": how or where the task is done; "logic" is a
                    # noun, and the last part of a compound, "timing-critical", is no such word)
                    if j - 1 >= sent.start and self._open_modifier(texts[j - 1], lowers[j - 1], j - 1 == sent.start) \
                            and not (j - 2 >= sent.start and lowers[j - 2] in VERB_BEFORE) \
                            and not (ADJECTIVE_END.search(lowers[j - 1]) and not (j - 2 >= sent.start and texts[j - 2] == "-")) \
                            and not (i + 1 < n and (lowers[i + 1] in self.cues.metric_heads or lowers[i + 1] == "performance"
                                                    or lowers[i + 1] in self.cues.method_heads or SHORT_ABBREVIATION.match(texts[i + 1]))):
                        j -= 1
                        words += 1
                        while j - 1 >= sent.start and words < 4 and task_word(texts[j - 1], lowers[j - 1]) and texts[j - 1] != "-":
                            j -= 1
                            words += 1
                    j = self._compound_start(T, j, i, sent.start)
                    modifies = i + 1 < n and lowers[i + 1] in self.cues.task_as_modifier_nouns  # "question-answering pairs"
                    if j < i and not modifies and not self._generic_understanding(T, j, i):
                        add_candidate(cands, T, j, i + 1, "task", "task-phrase")
                    elif (j == i and i + 1 < n and lowers[i + 1] == "task" and low not in self.cues.vague_task_heads
                          and lowers[i - 1] not in ("and", "or", "both", "one", "each") and not texts[i - 1].isdigit()):
                        add_candidate(cands, T, i, i + 1, "task", "task-phrase")  # "the planning task"
                # 5b. "the task of Chinese text-to-image retrieval": the phrase after "task of" up to its head
                if low == "task" and i + 2 < sent.end and lowers[i + 1] == "of":
                    e = i + 2
                    while e < sent.end and e - i <= 8 and (texts[e].isalpha() or texts[e] == "-") and (
                        lowers[e] not in self.cues.title_breaks or (texts[e - 1] == "-" and not spaces[e - 1])  # "text-to-image"
                    ):
                        e += 1
                    if e - 1 > i + 2 and lowers[e - 1] in self.cues.task_heads:
                        add_candidate(cands, T, i + 2, e, "task", "task-phrase")
                # 6a. "feature-alignment pre-training": a hyphenated compound before "pre-training"
                if (low == "training" and k >= 5 and texts[i - 1] == "-" and lowers[i - 2] == "pre"
                        and not spaces[i - 2] and not spaces[i - 1]):
                    h = i - 2
                    a, dash, b = texts[h - 3], texts[h - 2], texts[h - 1]
                    if (h - 3 >= sent.start and dash == "-" and not spaces[h - 3] and not spaces[h - 2]
                            and a.isalpha() and b.isalpha() and a.islower() and b.islower()
                            and not SUFFIX_WORD.match(lowers[h - 1]) and lowers[h - 3] not in self.not_method_words):
                        add_candidate(cands, T, h - 3, i + 1, "method", "method-phrase")
                # 6. technique phrases: modifiers from the method vocabulary, then a technique head
                if low in technique_heads and k > 0 and word.islower():
                    j, words = i, 0
                    while j - 1 >= sent.start and words < 4 and (
                        (lowers[j - 1] in self.method_words and texts[j - 1].islower() and lowers[j - 1] not in self.not_method_words
                         and lowers[j - 1] not in self.cues.qualifying_ends)
                        or texts[j - 1] == "-"
                    ):
                        j -= 1
                        words += texts[j] != "-"
                    if j == i and i - 3 >= sent.start and texts[i - 2] == "-" and not spaces[i - 2] and not spaces[i - 3] and texts[i - 1].islower():
                        if lowers[i - 1] not in self.cues.qualifying_ends:  # not "BERT-based encoder", "modality-specific encoder"
                            j = i - 1  # a hyphenated compound modifier: "uni-modal encoder", "modality-shared encoder"
                    j = self._compound_start(T, j, i, sent.start)
                    while j + 2 < i and texts[j + 1] == "-" and (lowers[j] in self.not_method_words or lowers[j] in STOP_WORDS):
                        j += 3  # "large-scale multi-modal contrastive learning": the scale is not in the name, nor where it is done ("in-domain")
                    while j + 1 < i and texts[j] == "-":
                        j += 2  # the rest of a longer such compound ("out-of-domain")
                    mods = [lowers[m] for m in range(j, i) if texts[m] != "-"]
                    if low == "learning" and mods and (
                        all(m in self.modality_words or m in ("multimodal", "modal", "multi", "cross", "language") for m in mods)
                        or (len(mods) == 1 and (mods[0] in self.cues.task_heads or mods[0] in self.cues.technique_heads))
                    ):
                        continue  # "audio-language multimodal learning" is a field, "retrieval learning" no technique
                    if j < i:
                        # "vision-language representation learning" names a problem, not a technique
                        topic = low == "learning" and lowers[i - 1] == "representation" and j < i - 1
                        end = i + 1 if topic else component_end(lowers, texts, i + 1)  # "... attention module"
                        add_candidate(cands, T, j, end, "task" if topic else "method", "method-phrase")
                # 6b. "a noise-aware gating network", "feature-aware negative sampling": a lower-case
                # hyphenated compound, at most one content word, then a head that names a part or a
                # technique; the compound says which one, so the phrase names it
                if low in part_heads and word.islower() and k >= 3:
                    h = i - 1
                    if texts[h].isalpha() and texts[h].islower() and self._plain_word(lowers[h]) and texts[h - 1] != "-":
                        h -= 1  # one content word between the compound and its head
                    s = h
                    while s - 2 >= sent.start and texts[s - 1] == "-" and not spaces[s - 1] and not spaces[s - 2] \
                            and texts[s].isalpha() and texts[s - 2].isalpha():
                        s -= 2
                    if s < h and self._naming_compound(lowers[s : h + 1 : 2]) and texts[s].islower():
                        add_candidate(cands, T, s, component_end(lowers, texts, i + 1), "method", "method-phrase")
                # 6c. "prompt-based methods", "value-based approaches": a family of methods named by
                # what its members rest on (a plural head; "our diffusion-based approach" is one
                # method and unnamed, "Transformer-based models" says what a model is built from);
                # so is a process ("chunk-based attention"), unlike a part ("BERT-based encoder")
                process = low in technique_heads and low.endswith(("ing", "ion")) and word.islower()
                if (low in self.cues.family_heads or process) and k >= 3 and lowers[i - 1] == "based" and texts[i - 2] == "-" \
                        and not spaces[i - 2] and not spaces[i - 3]:
                    s = i - 3
                    lower_case = texts[s].islower() or (s == sent.start and texts[s][1:].islower())  # "Value-based methods must ..."
                    # a process rests on one plain word: "multi-head attention-based fusion" names
                    # the known technique, not a new one
                    one_word = not process or (lowers[s] not in technique_heads and texts[s - 1] != "-")
                    if texts[s].isalpha() and lower_case and self._plain_word(lowers[s]) and one_word:
                        if not process and s - 1 >= sent.start and texts[s - 1].isalpha() and texts[s - 1].islower() and self._plain_word(lowers[s - 1]):
                            s -= 1  # "external knowledge-based methods"
                        add_candidate(cands, T, s, i + 1, "method", "method-phrase")
            # 7. any other name-shaped token: a method unless the next word says otherwise. Short
            # all-capital tokens ("BEV", "INT8") are abbreviations of anything; they count only when
            # the vocabulary knows them or the text defines them (acronym component).
            for i in sent_shaped:
                t = texts[i]
                if t in stop_names:
                    continue
                if i > 0 and texts[i - 1] == "-" and not spaces[i - 1]:
                    # the last part of a name joined to capitalised parts before it ("Panoptic-PolarNet",
                    # "Mult-VAE", "MI-FGSM"): the name starts at its first part; a part of a name read
                    # from its own start ("VQA-RAD"), or of a lower-case compound ("text-to-SQL"), is no name
                    s = self._capitalised_compound_start(T, i, sent.start)
                    if s is not None:
                        e = self._name_span(T, i, text)[1]
                        # what a value is reported "on" is data ("38.5 cIoU on Vggish-SoundSet")
                        value_on = s - 1 > sent.start and lowers[s - 1] == "on" and any(
                            NUMBER_TEXT.match(w) for w in texts[max(sent.start, s - 4) : s - 1])
                        default = "dataset" if value_on or YEAR_IN_NAME.search(span_text(T, s, e)) else "method"
                        add_candidate(cands, T, s, e, self._type_after(T, e, default), "name-shape")
                    continue
                if LETTER_NUMBER.match(t) and not (i + 2 < sent.end and texts[i + 1] == "-" and not SUFFIX_WORD.match(lowers[i + 2])):
                    continue  # "T1", "A100", "W4A4": a letter and a number name a setting, a device or a version
                if not SHORT_ABBREVIATION.match(t):
                    s, e = self._name_span(T, i, text)
                    default = "dataset" if YEAR_IN_NAME.search(span_text(T, s, e)) else "method"
                    add_candidate(cands, T, s, e, self._type_after(T, e, default), "name-shape")
                elif (i > sent.start and lowers[i - 1] in LIST_JOINS) or (i + 1 < sent.end and lowers[i + 1] in LIST_JOINS):
                    # an abbreviation placed as an item of a list: the resolver keeps it if the list
                    # holds a model or dataset ("ReAct, Reflexion and LATS")
                    add_candidate(cands, T, i, i + 1, "method", "listed-abbreviation")
        self._modified_techniques(cands, T, sents)
        self._hyphenated_names(cands, T, sents, title_end)
        self._task_lists(cands, sents, T)
        self._addressed_problems(cands, T, title_end)
        return doc

    def _problem_word(self, text: str, low: str, in_title: bool) -> bool:
        """A word that can be part of the name of a problem: a lower-case content word (Title Case in
        the title), or the hyphen of a compound."""
        if text == "-":
            return True
        if not text.isalpha() or not (text.islower() or (in_title and text.istitle())):
            return False
        cues = self.cues
        return not (low in STOP_WORDS or low in cues.problem_words or low in cues.problem_verbs or low in cues.not_task_modifiers
                    or low in cues.generic_heads or low in cues.vague_terms or low in cues.propose_verbs)

    def _problem_head(self, low: str) -> bool:
        """Can the word end the name of a problem: one thing ("misalignment", "collapse"), not a
        plural ("unseen actions"), a measure, a model or data."""
        cues = self.cues
        if low.endswith("s") and not low.endswith(("ss", "sis", "us")):
            return False
        return not (low in cues.generic_task_modifiers or low in cues.metric_heads or low in cues.method_heads or low in cues.dataset_heads or low in cues.data_nouns
                    or low in cues.task_as_modifier_nouns or ADJECTIVE_END.search(low) or low.endswith("ly"))

    def _addressed_problems(self, cands: list, T: Table, title_end: int) -> None:
        """What a verb of solving acts on names a problem the paper works on, a task in the gold's
        sense: "to prevent feature misalignment", "Mitigating Feature Suppression in ...". Only a
        short noun phrase that ends where the clause goes on (a function word or a mark), whose last
        word is singular, no word of problems in general ("this issue", "these limitations": "this" /
        "these" point back to a problem named before), and which the paper writes twice or more (a
        problem it works on, not one it mentions in passing)."""
        texts, lowers, idxs = T.texts, T.lowers, T.idxs
        n = len(texts)
        taken = None
        spans = []
        for v in tokens_in(T, self.cues.problem_verbs):
            s = v + 1
            if s < n and lowers[s] in ("the", "such"):
                s += 1
            in_title = s < n and idxs[s] < title_end
            e = s
            while e < n and e - s < 5 and self._problem_word(texts[e], lowers[e], in_title):
                e += 1
            if e < n and (self._problem_word(texts[e], lowers[e], in_title) or lowers[e] in self.cues.problem_words or lowers[e] == "from"):
                continue  # longer than a name; "the long-standing challenge"; "prevent the student from": an agent
            spans.append((s, e))
        for s, e in spans:
            if e <= s or texts[s] == "-" or texts[e - 1] == "-" or not self._problem_head(lowers[e - 1]):
                continue
            if e - s > 1 and (lowers[s].endswith("ing") or lowers[s].endswith("ly")):
                continue  # "avoid querying unseen actions": a verb and its object
            if taken is None:
                taken = {i for c in cands for i in range(c.start, c.end)}
            if taken.isdisjoint(range(s, e)) and T.text.lower().count(span_text(T, s, e).lower()) >= 2:
                add_candidate(cands, T, s, e, "task", "problem-phrase")

    def _hyphenated_names(self, cands: list, T: Table, sents: list[Sent], title_end: int) -> None:
        """9. "over Lift-Splat-Shoot with ...", "the framework Mod-X": capitalised words joined by hyphens,
        standing alone inside a sentence, are one name (no part is name-shaped, so rule 7 misses it). Not
        a part of a longer capitalised name ("Mask R-CNN", "Vision-Language Models"), a language pair
        ("En-De": no part a word), nor a compound of the vocabularies' words ("Zero-Shot and In-Context
        Learning": a modifier sharing the head of what it is coordinated with)."""
        texts, spaces, idxs = T.texts, T.spaces, T.idxs
        starts = [s.start for s in sents]
        n, end = len(texts), 0
        for h in tokens_in(T, {"-"}, lower=False):  # (from the hyphens: most abstracts have few)
            i = j = h - 1
            if i < end:
                continue  # inside the run before
            while j + 2 < n and texts[j + 1] == "-" and not spaces[j] and not spaces[j + 1] and _CAPITAL_PART.match(texts[j + 2]) \
                    and _CAPITAL_PART.match(texts[j]):
                j += 2
            if j == i:
                continue
            parts, end = texts[i : j + 1 : 2], j + 1
            sent_start = starts[bisect_right(starts, i) - 1]
            before, after = (texts[i - 1] if i > 0 else ""), (texts[end] if end < n else "")
            if (idxs[i] > title_end and i > sent_start and not (before[:1].isupper() or before in ("(", "/", "-") or before.endswith("/"))
                    and not (after[:1].isupper() or after in ("-", "/", "("))
                    # nor a compound of the vocabularies' words, a kind and no name ("Zero-Shot", "Cross-Modal")
                    and not all(p.lower() in self.method_words or p.lower() in self.task_words for p in parts)
                    and any(p[1:].islower() and len(p) >= 3 for p in parts)
                    and not all(p.lower() in self.modality_words or p.lower() in self.cues.modality_parts for p in parts)
                    and span_text(T, i, end) not in self.cues.stop_names):
                add_candidate(cands, T, i, end, self._type_after(T, end, "method"), "name-shape")

    def _variant_modifier(self, low: str) -> bool:
        """A lower-case word that can say which variant of a known technique a paper names ("grid",
        "trajectory", "masked"): not a function word, an evaluative or generic word, a verb of
        abstracts, an adverb or -ing form, an adjective in -al/-ic (how or where, as for tasks), a
        plural (a verb's -s form more often), a modality or a training state ("pretrained")."""
        cues = self.cues
        return not (
            low in STOP_WORDS or low in cues.not_method_modifiers or low in cues.not_task_modifiers
            or low in cues.propose_verbs or low in cues.generic_heads or low in cues.generic_task_modifiers
            or low in cues.not_naming_ends or low in cues.trained_on_words or low in self.modality_words
            or low.endswith(("ly", "ing")) or (low.endswith("s") and not low.endswith("ss"))
            or ADJECTIVE_END.search(low) is not None
        )

    def _compound_modifier(self, T: Table, j: int, lo: int) -> int:
        """The first token of a lower-case hyphenated compound that ends at token j ("item-based",
        "continuous-time") and names a variant: its first part no function or evaluative word, its
        last no size or grain ("large-scale", "fine-grained"); j itself when there is none."""
        texts, lowers, spaces = T.texts, T.lowers, T.spaces
        h = j
        while h - 2 > lo and texts[h - 1] == "-" and not spaces[h - 1] and not spaces[h - 2] \
                and texts[h - 2].isalpha() and texts[h - 2].islower():
            h -= 2
        if h < j and (lowers[h] in STOP_WORDS or lowers[h] in self.cues.not_method_modifiers or lowers[j] in self.cues.not_naming_ends):
            return j
        return h

    def _modified_techniques(self, cands: list, T: Table, sents: list[Sent]) -> None:
        """8. "unlike grid beam search", "such as group reweighting", "with continuous-time positional
        encodings": a known lower-case technique with one open modifier before it (a
        word or a hyphenated compound), right after a word that opens a noun phrase, is mentioned
        by the whole phrase: the modifier says which variant the paper names, and the mention stays
        the vocabulary's (its concept, type and role), so the variant is linked to what it is a
        kind of. Not over a word another rule read, nor before a generic head ("foundation models")."""
        texts, lowers, spaces = T.texts, T.lowers, T.spaces
        openers = self.cues.noun_phrase_openers
        read = {m for c in cands if c[6] != "vocabulary" for m in range(c[0], c[1])}
        starts = [s.start for s in sents]
        for n, c in enumerate(cands):
            start, end, _, end_char, label, concept, rule = c
            if rule != "vocabulary" or label != "method" or not texts[start][:1].islower():
                continue
            j = start - 1  # the modifier's last token
            sent_start = starts[bisect_right(starts, start) - 1]
            if j < 1 or j in read or not spaces[j] or j <= sent_start or not (texts[j].isalpha() and texts[j].islower()):
                continue
            h = self._compound_modifier(T, j, sent_start)  # the modifier's first token
            if any(m in read for m in range(h, j)) or lowers[h - 1] not in openers:
                continue
            if (h < j or self._variant_modifier(lowers[j])) and span_text(T, start, end).lower() not in self.cues.generic_heads:
                cands[n] = Cand0(h, end, T.idxs[h], end_char, label, concept, rule)


@Language.factory("kg_patterns", default_config={"cues": "", "vocab_dir": ""})
def make_patterns(nlp: Language, name: str, cues: str, vocab_dir: str) -> NamePatterns:
    return NamePatterns(nlp, cues, vocab_dir)
