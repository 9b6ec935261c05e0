"""From candidate spans on a Doc to an Extraction: overlaps, normalisation, linking, roles, results."""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from operator import attrgetter, itemgetter
from collections import Counter, defaultdict
from typing import NamedTuple

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from kg.extract.pipeline.names import DATASET_ADJECTIVES, EVAL_WORDS, VARIANTS, is_size_of, name_shaped
from kg.extract.pipeline.memo import Memo
from kg.extract.pipeline.tokens import ALIASES, CANDS, Sent, Table, drop_token_table, sentences, token_table
from kg.extract.lexicon import Cues, load_cues
from kg.extract.normalise import entity_key
from kg.extract.attach import Named, tie_results
from kg.extract.results import RESULTS
from kg.extract.vocabulary import Vocabulary, load_vocabulary
from kg.model import Entity, Extraction, Mention, Paper, Result
from kg.paths import ONTOLOGY_DIR

ORGANISATIONS = ONTOLOGY_DIR / "organisations.ttl"

# How much each rule is trusted; also the order in which overlapping candidates win.
CONFIDENCE = {
    "vocabulary": 0.95,
    "acronym-definition": 0.9,
    "acronym": 0.9,
    "title-name": 0.9,
    "we-propose": 0.85,
    "named-as": 0.85,
    "dataset-head": 0.8,
    "metric-head": 0.75,
    "task-phrase": 0.7,
    "method-phrase": 0.65,
    "name-shape": 0.6,
    "evaluated-on": 0.7,
    "component-name": 0.75,
    "modality-word": 0.9,
    "verb-form": 0.7,
    "dataset-list": 0.8,
    "title-task": 0.8,
    "title-phrase": 0.8,
    "task-list": 0.65,
    "problem-phrase": 0.6,
    "method-list": 0.65,
    "task-ellipsis": 0.6,
    "method-ellipsis": 0.6,
    "listed-abbreviation": 0.55,
}


# Which rules are trusted most to say what type a name is.
TYPE_AUTHORITY = {"vocabulary": 0, "title-name": 1, "dataset-head": 2, "dataset-list": 2, "acronym-definition": 3, "evaluated-on": 4,
                  "named-as": 5, "we-propose": 6, "acronym": 7, "component-name": 8}
# The rules whose candidates take the type a more trusted rule gives the same text.
RETYPED = ("name-shape", "we-propose", "named-as")


class Cand(NamedTuple):
    """A candidate span, its attributes read once (spaCy builds them anew on every access)."""

    start: int
    end: int
    start_char: int
    end_char: int
    label_: str
    kb_id_: str
    id_: str
    text: str


def candidates(doc: Doc, text: str) -> list[Cand]:
    # by position: the components' tuples come back as lists from another process
    return [Cand(start, end, a, b, label, concept, rule, text[a:b])
            for start, end, a, b, label, concept, rule in doc.user_data.get(CANDS, [])]


def _variants(spans: list[Cand]) -> list[Cand]:
    """"RefCOCO/+/g": one candidate per variant (RefCOCO, RefCOCO+, RefCOCOg), at the same place."""
    out = []
    for cand in spans:
        # (a name with variants holds a slash: the test rules most out without the regex)
        variants = VARIANTS.match(cand.text) if "/" in cand.text and cand.label_ in ("dataset", "method") else None
        if variants:
            out += [cand._replace(text=variants.group(1) + v) for v in ["", *variants.group(2).split("/")[1:]]]
        else:
            out.append(cand)
    return out


def _choose(spans: list[Cand]) -> list[Cand]:
    """Resolve overlaps among non-modality candidates: longer spans first, then the more trusted rule."""
    distrust = _DISTRUST.get
    ranked = sorted(spans, key=lambda s: (s.start - s.end, distrust(s.id_, -0.5), s.start, s.label_))
    taken = [False] * max((s.end for s in spans), default=0)  # the tokens of the spans chosen so far
    chosen = []
    for s in ranked:
        if not any(taken[s.start : s.end]):
            chosen.append(s)
            taken[s.start : s.end] = [True] * (s.end - s.start)
    chosen.sort(key=_START)
    return chosen


_DISTRUST = {rule: -c for rule, c in CONFIDENCE.items()}  # sorts the most trusted first


# (compiled once: re.search looks each pattern up in the module's cache on every call)
SELF_REFERENCE = re.compile(r"\b(we|our|this (paper|work|study|article))\b")
OWN_WORK = re.compile(r"\b(we|our|this (paper|work))\b")
NOT_THE_OBJECT = re.compile(
    r"\b(than|over|outperform\w*|compared|against|such as|including|based on|upon|using|use|with|from|e\.g\.|like|existing|previous|prior|achiev\w*|on the|evaluat\w*)\b"
)


# From a proposal verb to its object, nothing but determiners and a few adjectives ("we propose a new X").
_RIGHT_AFTER_VERB = re.compile(r"(?i)(?:put\s+forward|\w+)(?:\s+(?:a|an|the|novel|new|simple|first|our))*\s*$")


# A method named only where the text says it is absent ("without any flow supervision", "due to no
# ground-truth supervision") is none the paper uses: what it does without is no part of it.
_NEGATED = re.compile(r"\b(?:without(?: any)?|no|lack of|absence of)\s+$", re.I)


# The rules whose names _is_proposed tests when they are vocabulary concepts (and for any name in the title).
_TESTED_FOR_CONCEPTS = ("title-name", "title-phrase", "named-as")


# Verbs whose agent ("developed by X", "released by X") is an organisation or a person, not a model
# (unlike "generated by X" or "annotated by X", which models do).
_AGENT_VERBS = frozenset("developed released introduced proposed created built published maintained funded launched "
                         "open-sourced designed trained hosted sponsored".split())


@lru_cache(maxsize=2)
def organisation_names(path: str = "") -> frozenset[str]:
    """The labels of ontology/organisations.ttl: companies and laboratories, which are no research entities."""
    from rdflib import Graph
    from rdflib.namespace import SKOS

    graph = Graph()
    try:
        graph.parse(path or ORGANISATIONS, format="turtle")
    except (OSError, ValueError):
        return frozenset()
    return frozenset(str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in graph.objects(None, p))


_CONJUNCTIONS = ("and", "or", "&")
# Task heads that relate two kinds of data: "image and text matching" is one task, not two.
_RELATIONAL_HEADS = frozenset(("matching", "alignment", "retrieval", "correspondence"))
_DATA_OF_MODELS = ("feature", "features", "activations", "outputs", "maps", "weights")


class Resolver:
    def __init__(self, vocab: Vocabulary, cues: Cues) -> None:
        self.vocab, self.cues = vocab, cues
        self.organisations = organisation_names()
        self._rejections: dict[tuple[str, str, str], bool] = {}
        self.key_to_concept = {t: vocab.by_key(t) for t in ("method", "dataset", "metric", "task", "modality")}
        # the last words of a name that make it a field; str.endswith tests them all in one call,
        # where a regex alternation anchored at the end is tried at every character of every name
        self._field_ends = tuple(" " + name for name in sorted(cues.field_names))
        self.code_iri = next((c.iri for c in vocab.concepts.values() if c.type == "modality" and c.pref == "code"), None)
        self.task_words = frozenset(vocab.words.get("task", ()))
        self.modality_words = {
            label.lower() for c in vocab.concepts.values() if c.type == "modality" for label in c.labels if " " not in label
        }
        # the concepts named like one model or dataset ("LLaVA", "CLIP", "Speech Commands"): every word
        # of the preferred label capitalised or a number; a paper can present one of these as its own
        self.specific_concepts = frozenset(
            iri for iri, c in vocab.concepts.items() if all(w[:1].isupper() or w[:1].isdigit() for w in c.pref.split()))
        # the nouns a task mention can qualify ("a denoising network", "captioning data"): the
        # mention then names what a model or data is for, not a task the paper works on
        self._modified_heads = cues.method_heads | cues.generic_heads | cues.task_as_modifier_nouns
        self._verbs = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, cues.propose_verbs), key=len, reverse=True)) + r")\b")

    # ------------------------------------------------------------------ filters

    def _rejected(self, span: Cand) -> bool:
        """Is the candidate a field, a vague or generic word, a stop name or a determiner phrase? It
        depends on its text, type and concept only, which recur across abstracts: cached."""
        key = (span.text, span.label_, span.kb_id_)
        rejected = self._rejections.get(key)
        if rejected is None:
            if len(self._rejections) >= 1 << 16:
                self._rejections.clear()
            rejected = self._rejections[key] = self._rejects(span)
        return rejected

    def _rejects(self, span: Cand) -> bool:
        text = span.text.strip()
        low = text.lower()
        if span.label_ == "modality":
            return False
        spaced = low.replace("-", " ")
        if len(text) < 2 or spaced in self.cues.field_names or low in self.cues.vague_terms:
            return True
        if span.kb_id_ and self.vocab.concepts[span.kb_id_].pref.lower() in self.cues.vague_terms:
            return True  # "GPU memory" is a name of "memory footprint", a resource and not a measure
        if len(spaced.split()) <= 4 and spaced.endswith(self._field_ends):
            return True  # "multimodal deep learning": a field, not a method
        if low in self.cues.generic_heads or text in self.cues.stop_names:
            return True
        if not span.kb_id_ and text in self.organisations:
            return True  # "OpenAI", "DeepMind": who made a model, not a model
        words = low.replace("-", " ").split()
        if span.kb_id_ == "" and words and words[0] in ("a", "an", "the", "this", "these", "our", "their", "its"):
            return True
        return False

    def _bare_task_head(self, T: Table, span: Cand, cands: list[Cand]) -> bool:
        """A task head noun alone ("classification", "retrieval") names a task only as an item of a
        list of tasks or before "task": not in "the classification of", "accurate retrieval"."""
        if span.label_ != "task" or span.end - span.start != 1 or span.text.lower() not in self.cues.task_heads:
            return False
        prev = T.lowers[span.start - 1] if span.start > 0 else ""
        nxt = T.lowers[span.end] if span.end < len(T) else ""
        if nxt in ("task", "tasks", "/") or prev in ("like", "as", "on", "/"):
            return False
        # "detection and retrieval", "retrieval, classification": joined to another task, not to
        # "image processing and retrieval" or a clause ("our approach to classification, which ...")
        heads = self.cues.task_heads
        if nxt in ("and", "or", ",") and (self._task_head_at(T, span.end + 1) or any(
                c.start == span.end + 1 and c.label_ == "task" and c.text.lower() not in heads for c in cands)):
            return False
        if prev in ("and", "or", ",") and (self._task_head_at(T, span.start - 2) or any(
                c.end == span.start - 1 and c.label_ == "task" and c.text.lower() not in heads for c in cands)):
            return False
        return True

    @staticmethod
    def _names_an_owner(T: Table, span: Cand, cands: list[Cand]) -> bool:
        """A name that says who made something: the agent of "developed by X", "released by X", or
        the owner in "X's" before a known model ("X's GPT-4"): an organisation, not a method."""
        lowers = T.lowers
        if lowers[span.start - 1] == "by" and lowers[span.start - 2] in _AGENT_VERBS:
            return True
        after = span.end + 1  # the token after "'s"
        return any(c.start == after and c.kb_id_ and c.label_ == "method" for c in cands)

    def _merge_title_tasks(self, entities: list[Entity]) -> list[Entity]:
        """A task phrase of the title that the abstract names with other first words is the
        abstract's task: the two share their last two words, and the title's other words name no kind
        of data and hold no number, so they say how the work is done rather than which task it is
        ("Low-Latency Streaming Speech Recognition" is the abstract's "streaming automatic speech
        recognition", "Fine-Grained Action Segmentation" its "temporal action segmentation"; "3D
        Object Detection" and "Video Question Answering" stay tasks of their own)."""
        out: list[Entity] = []
        for e in entities:
            if e.type != "task" or e.concept or any(_RULE(m) != "title-task" for m in e.mentions):
                out.append(e)
                continue
            words = _SPACED[e.mentions[0].text].split()
            how = words[:-2]
            if not how or any(w in self.modality_words or any(c.isdigit() for c in w) for w in how):
                out.append(e)
                continue
            tail = " " + " ".join(words[-2:])
            # (not into another title phrase, which may itself be merged away)
            target = next((f for f in entities if f is not e and f.type == "task" and any(_RULE(m) != "title-task" for m in f.mentions)
                           and any((" " + _SPACED[form]).endswith(tail) for form in f.surface_forms)), None)
            if target is None:
                out.append(e)
            else:
                target.mentions += e.mentions
        return out

    def _qualified_plural(self, T: Table, i: int) -> bool:
        """Is the word at `i` a lower-case plural noun that a task mention before it qualifies
        ("denoising steps", "generation metrics", "calibration gaps": what the steps, metrics, gaps are
        of, no task of the paper)? Not "tasks", "benchmarks", dataset heads, nor the -s form of a verb
        (cues.json not_qualified_plurals: "detection remains hard")."""
        word, low = T.texts[i], T.lowers[i]
        if not word.islower() or not low.endswith("s") or low.endswith(("ss", "us", "is")) or low in STOP_WORDS:
            return False
        cues = self.cues
        return not (low in cues.not_qualified_plurals or low in cues.dataset_heads or low in cues.propose_verbs
                    or low in cues.not_task_modifiers)

    def _task_head_at(self, T: Table, i: int) -> bool:
        return 0 <= i < len(T) and T.lowers[i] in self.cues.task_heads

    def _measured(self, T: Table, span: Cand, cands: list[Cand]) -> bool:
        """A resource word ("latency", "memory footprint") is a metric as an item of a list of metrics:
        "objectives such as accuracy, model size, and latency"."""
        if span.label_ != "metric" or not span.kb_id_ or span.text.lower() not in self.cues.vague_terms:
            return False
        return _listed_with(T, span, cands, "metric")

    def _metric_in_context(self, T: Table, sents: list[Sent], span: Cand, cands: list[Cand]) -> bool:
        """A metric named by an everyday word ("sensitivity", "exact match", "coverage") counts in a
        sentence about evaluation, next to a value, or in a list with another metric."""
        if span.label_ != "metric" or span.text.lower() not in self.cues.ambiguous_metric_words:
            return True
        if _near_number(T, span.start, span.end) or _listed_with(T, span, cands, "metric"):
            return True
        sent = _sentence_of(sents, span.start)
        lowers = T.lowers
        return not (EVAL_WORDS.isdisjoint(lowers[sent.start : span.start]) and EVAL_WORDS.isdisjoint(lowers[span.end : sent.end]))

    def _defined_elsewise(self, span: Cand, aliases: dict[str, str], cands: list[Cand]) -> bool:
        """A vocabulary acronym the text defines as something else ("Unify, Align and then Refine
        (UAR)" is not the metric UAR)."""
        if span.id_ != "vocabulary" or span.text not in aliases or not span.kb_id_:
            return False
        concept = self.vocab.concepts[span.kb_id_]
        # (keys memoised per text, see _KEYS: labels and aliases recur across abstracts)
        key = _KEYS[aliases[span.text]]
        if any(_KEYS[label] == key for label in concept.labels):
            return False
        # the type the text's own acronym candidate gives it (the last one found)
        defined = next((c.label_ for c in reversed(cands) if c.id_ == "acronym" and c.text == span.text), span.label_)
        return defined != span.label_

    def _word_as_dataset(self, T: Table, sents: list[Sent], span: Cand, cands: list[Cand]) -> bool:
        """A dataset whose name is a capitalised common word ("Places", "Weather", "Replica") counts
        only where the context says dataset: before a dataset head, in a sentence about evaluation, or
        in a list next to another name; never as the first word of a sentence."""
        if span.label_ != "dataset" or span.id_ != "vocabulary" or span.end - span.start != 1:
            return True
        word = span.text
        if not (word[:1].isupper() and word[1:].islower() and word.isalpha()):
            return True
        sent = _sentence_of(sents, span.start)
        if span.start == 0 or sent.start == span.start:
            return False
        after = T.lowers[span.end : span.end + 3]
        if after and (after[0] in self.cues.dataset_heads or after[:2] in (["-", "based"],) or
                      (len(after) > 1 and after[0] in DATASET_ADJECTIVES and after[1] in self.cues.dataset_heads)):
            return True
        if not EVAL_WORDS.isdisjoint(T.lowers[sent.start : sent.end]):
            return True
        for step in (-1, 1):  # "ImageNet, Places and SUN"
            j = span.start + step if step < 0 else span.end
            if 0 <= j < len(T) and T.texts[j] in (",", "and", "or", "/"):
                k = j + step
                if 0 <= k < len(T) and any(c.start <= k < c.end and c.label_ in ("dataset", "method") for c in cands):
                    return True
        return False

    CODE_RELEASE = re.compile(r"\b(?:available|released?|github|https?://|open-sourced?)\b", re.I)

    def _code_release(self, text: str, span: Cand) -> bool:
        """"Our source code is available at ...": the paper's own code, not code as data."""
        if span.kb_id_ != self.code_iri:
            return False
        return bool(self.CODE_RELEASE.search(text, span.end_char, span.end_char + 60))

    def _not_the_method(self, T: Table, span: Cand) -> bool:
        """A vocabulary method whose words name something else here (one test for both, called for
        every such candidate): "vision and language models" are models of two kinds of data, not
        the concept "language model"; "neural network feature maps": a lower-case class of models
        naming where data comes from."""
        start, end, words, lowers = span.start, span.end, self.modality_words, T.lowers
        if start >= 2 and lowers[start] in words and lowers[start - 1] in _CONJUNCTIONS and lowers[start - 2] in words:
            return True
        return end < len(T) and lowers[end] in _DATA_OF_MODELS and span.text.islower()

    def _ellipses(self, T: Table, text: str, spans: list[Cand]) -> list[Cand]:
        """Tasks and techniques that share words across "and" / "or": "image understanding and
        generation" names image generation too, "image and video understanding" image understanding,
        "zero-shot and in-context learning" zero-shot learning when the vocabulary knows it."""
        heads = self.cues.task_heads
        texts, lowers, idxs, n = T.texts, T.lowers, T.idxs, len(T)
        at = None  # the candidates by place, made only when a coordination is found
        extra: dict[tuple[int, int], Cand] = {}
        drop: set[tuple[int, int]] = set()  # candidates that a coordination replaces
        for s in spans:
            if s.label_ != "task" or s.end - s.start < 2 or " " not in s.text:
                continue
            e = s.end
            if (e + 1 < n and lowers[e] in ("and", "or") and lowers[e - 1] in heads
                    and lowers[e + 1] in heads and lowers[e + 1] != lowers[e - 1]):
                if (e + 2 >= n or not texts[e + 2].isalpha() or lowers[e + 2] in ("task", "tasks")
                        or lowers[e + 2] in STOP_WORDS):
                    h = texts[e + 1]
                    extra[(e + 1, e + 2)] = Cand(e + 1, e + 2, idxs[e + 1], idxs[e + 1] + len(h), "task", "", "task-ellipsis",
                                                 s.text[: s.text.rfind(" ")] + " " + h)
            first = lowers[s.start]
            if s.start >= 2 and lowers[s.start - 1] in ("and", "or", "/") and lowers[s.end - 1] in heads:
                if at is None:
                    at = {(c.start, c.end): c for c in spans}
                if self._compound_items(T, text, s, at, extra, drop):
                    continue
            if s.end - s.start == 2 and s.start >= 2 and lowers[s.start - 1] in ("and", "or") and self._shares_head(first):
                if at is None:
                    at = {(c.start, c.end): c for c in spans}
                words = self._coordinated_words(T, s.start - 1, at)
                head = texts[s.end - 1]
                if len(words) == 1 and first in self.modality_words and lowers[words[0]] in self.modality_words \
                        and lowers[s.end - 1] in _RELATIONAL_HEADS:
                    # "Image and Text Matching" matches images with texts: one task, image-text matching
                    w = words[0]
                    drop.add((s.start, s.end))
                    extra[(w, s.end)] = Cand(w, s.end, idxs[w], s.end_char, "task", "", "task-ellipsis",
                                             f"{texts[w]}-{texts[s.start]} {head}")
                    continue
                for w in words:  # "semantic, instance, and panoptic segmentation": each word with the head
                    extra[(w, w + 1)] = Cand(w, w + 1, idxs[w], idxs[w] + len(texts[w]), "task", "", "task-ellipsis",
                                             texts[w] + " " + head)
        # (the tests are pure: the cheap ones first, and the tokens of all candidates gathered only
        # for a modifier that makes a known concept)
        taken = None
        for s in spans:  # "Zero-Shot and In-Context Learning": the modifier with the head is a known concept
            if s.label_ not in ("method", "task") or s.start < 2 or lowers[s.start - 1] not in ("and", "or") \
                    or (s.start, s.end) in drop:
                continue
            m_end = s.start - 1
            m_start = m_end - 3 if m_end >= 3 and texts[m_end - 2] == "-" else m_end - 1
            if m_start < 0 or not (texts[m_start].isalpha() and texts[m_end - 1].isalpha()):
                continue  # "X, and Y": no modifier before the conjunction
            mod_end = idxs[m_end - 1] + len(texts[m_end - 1])
            synthesised = text[idxs[m_start] : mod_end] + " " + texts[s.end - 1]
            concept = self.key_to_concept[s.label_].get(entity_key(synthesised))
            if not concept:
                continue
            if taken is None:
                taken = {i for s in spans for i in range(s.start, s.end)}
            if taken.isdisjoint(range(m_start, m_end)) and (m_start, m_end) not in extra:
                extra[(m_start, m_end)] = Cand(m_start, m_end, idxs[m_start], mod_end, s.label_, concept,
                                               "task-ellipsis" if s.label_ == "task" else "method-ellipsis", synthesised)
        if not extra:
            return spans
        drop.update(extra)
        return sorted([s for s in spans if (s.start, s.end) not in drop] + list(extra.values()), key=lambda c: c.start)

    def _compound_items(self, T: Table, text: str, s: Cand, at: dict, extra: dict, drop: set) -> bool:
        """Hyphenated compounds coordinated before a task share its head: "page-level and
        layout-level retrieval" names page-level retrieval, "image, text-to-image, image-to-text and
        image-text pair generation" text-to-image and image-to-text generation (and image
        generation); "text-to-image/video generation" is text-to-video generation, not video
        generation. A compound item is data-to-data ("image-to-text": modality words) or parallel
        to the compound that opens the task ("page-level" beside "layout-level"). True if a
        coordination was read."""
        texts, lowers, spaces, idxs = T.texts, T.lowers, T.spaces, T.idxs
        head = texts[s.end - 1]

        def compound_start(j: int) -> int:  # the first token of the hyphenated compound ending at j
            while j >= 2 and texts[j - 1] == "-" and not spaces[j - 1] and not spaces[j - 2] and texts[j - 2].isalpha():
                j -= 2
            return j

        def of_data(k: int, j: int) -> bool:  # "image-to-text", "image-text", "audio-visual"
            parts = lowers[k : j + 1 : 2]
            return all(p in self.modality_words or p == "to" for p in parts) and parts[0] != "to" and parts[-1] != "to"

        own_end = s.start  # the compound that opens the task ("layout-level" in "layout-level retrieval")
        while own_end + 2 < s.end - 1 and texts[own_end + 1] == "-" and not spaces[own_end] and not spaces[own_end + 1]:
            own_end += 2
        # a compound whose last part qualifies ("text-only", "BERT-based": cues' qualifying_ends) names
        # no kind of data the head can share
        own_last = lowers[own_end] if own_end > s.start else ""
        conj = s.start - 1
        j = conj - 1
        if texts[conj] == "/":
            if spaces[conj] or spaces[j]:
                return False
            k = compound_start(j)
            if k == j or not of_data(k, j):
                return False
            if own_end == s.start and s.end - s.start == 2 and "to" in lowers[k:j]:
                # "text-to-image/video generation": the word after the slash replaces the compound's last part
                prefix = text[idxs[k] : idxs[j]]
                drop.add((s.start, s.end))
                extra[(k, s.end)] = Cand(k, s.end, idxs[k], s.end_char, "task", "", "task-ellipsis", f"{prefix}{s.text}")
                return True
            items = [(k, j)]
        else:
            if texts[j] == "," and lowers[conj] in ("and", "or"):
                j -= 1  # the comma before "and"
            items = []
            while j >= 0 and texts[j].isalpha():
                k = compound_start(j)
                if k == j:
                    if not (self._shares_head(lowers[j]) and (texts[j].islower() or texts[j].istitle())):
                        break
                elif not (of_data(k, j) or (own_last and lowers[j] == own_last and own_last not in self.cues.qualifying_ends)):
                    break
                items.append((k, j))
                if k >= 2 and texts[k - 1] == ",":
                    j = k - 2
                else:
                    break
        if not any(k < j for k, j in items):
            return False  # single words only: the rule for those reads them
        for k, j in items:
            c = at.get((k, j + 1))
            if c is not None and c.label_ == "task":
                continue  # a task of its own ("text-to-image" is text-to-image generation)
            end_char = idxs[j] + len(texts[j])
            extra.setdefault((k, j + 1), Cand(k, j + 1, idxs[k], end_char, "task", "", "task-ellipsis", f"{text[idxs[k]:end_char]} {head}"))
        return True

    def _shares_head(self, word: str) -> bool:
        """Can a (lower-case) word share a task head with another across "and" / "or" ("image and
        video understanding", "semantic, instance and panoptic segmentation")? A modality word or a
        word of the task vocabulary that is no task head itself ("detection and instance segmentation")."""
        return (word in self.modality_words or word in self.task_words) and word not in self.cues.task_heads \
            and word not in STOP_WORDS and word.isalpha()

    def _coordinated_words(self, T: Table, conj: int, at: dict) -> list[int]:
        """The single words coordinated before the conjunction at `conj` ("A and", "A, B, and"),
        each of which shares the head after it; none when an item is a longer phrase or a name."""
        texts, lowers = T.texts, T.lowers
        j = conj - 1
        if j >= 0 and texts[j] == ",":
            j -= 1  # the comma before "and"
        words = []
        while j >= 0 and self._shares_head(lowers[j]) and (texts[j].islower() or texts[j].istitle()):
            c = at.get((j, j + 1))
            if c is not None and (c.label_ != "task" or c.kb_id_):
                break  # a name or a known task of its own
            if j > 0 and (texts[j - 1] == "-" or lowers[j - 1] in self.task_words or lowers[j - 1] in self.modality_words):
                return []  # "2D semantic and instance segmentation": an item of more than one word
            words.append(j)
            if j >= 2 and texts[j - 1] == ",":
                j -= 2
            else:
                break
        return words

    def _one_type_per_label(self, spans: list[Cand], doc: Doc, T: Table, mixed: set[tuple[int, int]]) -> list[Cand]:
        """A vocabulary label of two types ("VQA": task and dataset; "domain generalization": task and
        method) takes the type its context says: a dataset head after it makes a dataset, a task head
        as its last word or "task" after it a task; otherwise a task before a method before a dataset."""
        # (`mixed`: the places whose vocabulary candidates are of two types or more, the only ones grouped)
        if not mixed:
            return spans  # nothing to choose
        by_place: dict[tuple[int, int], list[Cand]] = defaultdict(list)
        for s in spans:
            if s.id_ == "vocabulary" and (s.start, s.end) in mixed:
                by_place[(s.start, s.end)].append(s)
        drop: set[int] = set()
        aliases: dict[str, str] = doc.user_data.get(ALIASES, {})
        for (start, end), group in by_place.items():
            types = {s.label_ for s in group}
            nxt = T.lowers[end] if end < len(T) else ""
            last = T.lowers[end - 1]
            defined = self._defined_type(aliases.get(group[0].text), types)
            if defined:
                keep = defined  # "mean absolute error (MAE)": the text's own long form decides
            elif "metric" in types and (_near_number(T, start, end) or _listed_with(T, group[0], spans, "metric")):
                keep = "metric"  # "an ASR of 92%", "MAE 0.41", "RMSE and MAE"
            elif nxt in self.cues.dataset_heads and "dataset" in types:
                keep = "dataset"
            elif "task" in types and (last in self.cues.task_heads or nxt in ("task", "tasks") or "dataset" in types):
                keep = "task"
            else:
                keep = next(t for t in ("method", "task", "dataset", "metric") if t in types)
            drop.update(id(s) for s in group if s.label_ != keep)
        return [s for s in spans if id(s) not in drop] if drop else spans

    def _defined_type(self, long_form: str | None, types: set[str]) -> str | None:
        """The type of the vocabulary concept an acronym's long form names, if it is one of `types`."""
        if not long_form:
            return None
        key = entity_key(long_form)
        return next((t for t in sorted(types) if key in self.key_to_concept[t]), None)

    def _consistent_types(self, spans: list[Cand], retyped: set[str]) -> list[Cand]:
        """A name typed by its context once ("X dataset", "X: a benchmark") keeps that type where it
        is found by its shape alone. (`retyped`: the texts of the candidates of RETYPED rules.)"""
        if not retyped:
            return spans  # only these rules' candidates change type
        # One pass: each text's type by its most trusted rule (the first of them on a tie), for the
        # texts that can change type only (no sort of all candidates by authority), and where the
        # candidates of the rules that change type are.
        typed: dict[str, str] = {}
        authority: dict[str, int] = {}
        at = []
        for i, s in enumerate(spans):
            if s.text not in retyped:
                continue
            if s.id_ in RETYPED:
                at.append(i)
            if s.label_ == "modality":
                # a name shape that is a modality word is none: without those, start again
                words = {m.text for m in spans if m.label_ == "modality"}
                kept = [c for c in spans if not (c.id_ == "name-shape" and c.text in words)]
                if len(kept) < len(spans):
                    return self._consistent_types(kept, {c.text for c in kept if c.id_ in RETYPED})
            elif s.id_ != "name-shape":
                rank = TYPE_AUTHORITY.get(s.id_, 9)
                if rank < authority.get(s.text, 10):
                    typed[s.text], authority[s.text] = s.label_, rank
        titled = None  # made for a hyphenated name shape only
        out = spans[:]
        for i in at:
            s = spans[i]
            if typed.get(s.text, s.label_) != s.label_:
                out[i] = s._replace(label_=typed[s.text])
            elif s.id_ == "name-shape" and "-" in s.text:
                if titled is None:
                    titled = {c.text: c.label_ for c in spans if c.id_ == "title-name"}
                if titled.get(s.text.split("-")[0], s.label_) != s.label_:
                    out[i] = s._replace(label_=titled[s.text.split("-")[0]])  # "PIN-14M" is a version of the title's "PIN"
        return out

    # ------------------------------------------------------------------ roles

    def _proposal_verb(self, text: str, sent: Sent) -> int:
        """The character offset of the verb by which a sentence states the paper's contribution
        ("we propose"), or -1."""
        low = text[sent.start_char : sent.end_char].lower()
        # a match needs one of these substrings: testing them first rules a sentence out
        # faster than the regex, which tries every character
        if not ("we" in low or "our" in low or "this " in low) or not SELF_REFERENCE.search(low):
            return -1
        verb = self._verbs.search(low)
        return sent.start_char + verb.start() if verb else -1

    def _is_proposed(self, text: str, span: Cand, sents: list[Sent], k: int, title_end: int, verbs: dict[int, int]) -> bool:
        """`span` is in sentence `k`; `verbs` keeps each sentence's proposal verb, found when first needed."""
        sent_start_char = sents[k].start_char
        if span.id_ == "title-name":
            return True
        if span.id_ == "title-phrase":
            return True  # a technique the title names that the vocabulary does not know
        if span.id_ == "named-as":  # "our approach, which we call X"; "a model named X (prior work)" stays used
            sentence = text[sent_start_char : span.start_char].lower()
            if OWN_WORK.search(sentence):
                return True
        if not span.kb_id_:  # "our transformer" is an instance of a known architecture, not a new one
            before = text[max(sent_start_char, span.start_char - 30) : span.start_char].lower()
            if "our" in before:  # (both words hold it: most are ruled out without the split)
                last = before.split()[-3:]
                if "our" in last or "ours" in last:
                    return True
        if span.start_char < title_end:  # the name before the colon of the title is the paper's subject
            colon = text.find(":", 0, title_end)
            if 0 < colon and span.end_char <= colon and (not span.kb_id_ or (span.start_char == 0 and span.end_char == colon)):
                return True
        if span.kb_id_:
            return False  # a concept of the vocabulary is prior work the paper builds on
        # only the span's own sentence can hold the verb it is the object of; most spans get no
        # further than the tests above, so sentences are searched for verbs only when reached
        verb = verbs.get(k)
        if verb is None:
            verb = verbs[k] = self._proposal_verb(text, sents[k])
        if 0 <= verb < span.start_char:
            # the object of "we propose": not things it is compared with or built on
            between = text[verb : span.start_char].lower()
            if NOT_THE_OBJECT.search(between):
                return False
            return True
        return False

    def _proposes_concept(self, text: str, span: Cand, sents: list[Sent], k: int, verbs: dict[int, int]) -> bool:
        """A vocabulary concept is prior work the paper uses, unless the paper presents it: a specific
        name ("LLaVA", "CLIP", not "transformer") right after the proposal verb ("We propose LLaVA, ...",
        "we introduce the CLIP model") or after "our" ("our LLaVA model")."""
        if span.kb_id_ not in self.specific_concepts:
            return False  # a class of models ("LLM", "Transformer", "diffusion model"): an instance, not a new one
        sent_start_char = sents[k].start_char
        before = text[max(sent_start_char, span.start_char - 40) : span.start_char].lower().split()
        if before and before[-1] == "our":
            return True
        verb = verbs.get(k)
        if verb is None:
            verb = verbs[k] = self._proposal_verb(text, sents[k])
        return 0 <= verb < span.start_char and bool(_RIGHT_AFTER_VERB.match(text, verb, span.start_char))

    # ------------------------------------------------------------------ main

    def __call__(self, doc: Doc, paper: Paper) -> Extraction:
        # the doc was made from the paper's text, and spaCy keeps every character: `doc.text` would
        # join it again, building a Token object per token
        text = paper.text
        title_end = text.find("\n\n")
        title_end = len(text) if title_end < 0 else title_end
        cands = candidates(doc, text)
        T = token_table(doc)  # kept from the components when they ran in this process
        sents = sentences(doc)
        aliases: dict[str, str] = doc.user_data.get(ALIASES, {})
        # One pass: the tests are pure, and each is called only for the candidates it can apply to
        # (by rule and type). The few that look at other candidates scan `cands` when they get that
        # far, instead of sets of their tokens made for every abstract.
        rejections = self._rejections
        n, lowers = len(T), T.lowers
        kept = []
        # gathered on the way for the passes after this one: the texts of the rules that can change
        # type, and the places whose vocabulary candidates are of two types or more (a label found
        # by two concepts of one type is common; of two types rare)
        retyped: set[str] = set()
        first_type: dict[tuple[int, int], str] = {}
        mixed: set[tuple[int, int]] = set()
        for s in cands:
            start, end, _, _, label, concept, rule, name = s  # (read once: the loop is hot)
            # (for a method, a look at the words next to it rules out most before the full test)
            if rule == "vocabulary" and ((name in aliases and self._defined_elsewise(s, aliases, cands)) or (
                    label == "method" and (lowers[start - 1] in _CONJUNCTIONS or end < n and lowers[end] in _DATA_OF_MODELS)
                    and self._not_the_method(T, s))):
                continue
            if label == "modality":
                kept.append(s)  # never rejected, and none of the tests below is for it
                if rule in RETYPED:
                    retyped.add(name)
                continue
            if rule == "listed-abbreviation":
                # a short capital abbreviation is a name only as an item of a list of models or
                # datasets, and is of their kind ("over ReAct, Reflexion and LATS")
                label = _list_kind(T, s, cands)
                if not label:
                    continue
                s = s._replace(label_=label)
            rejected = rejections.get((name, label, concept))
            if rejected is None:
                rejected = self._rejected(s)
            if label == "metric":
                if not self._metric_in_context(T, sents, s, cands) or (rejected and not self._measured(T, s, cands)):
                    continue
                s = _with_metric_modifier(T, text, _with_metric_head(T, text, s), cands)
            elif rejected:
                continue  # only a metric is kept by its context
            elif (not concept and (label == "method" or label == "dataset") and start > 1
                  and (lowers[start - 1] == "by" or end + 1 < n and lowers[end] in ("'s", "’s"))
                  and self._names_an_owner(T, s, cands)):
                continue
            elif (rule == "name-shape" and end - start == 1 and start and NUMBER.match(T.texts[start - 1].lstrip("−–"))
                  and not any(c.isdigit() for c in name)):
                continue  # a unit after a value ("21.3 dB", "5 GHz"), not a name
            elif label == "task":
                if end - start == 1 and self._bare_task_head(T, s, cands):
                    continue
                if end < n and lowers[end] in self._modified_heads and T.texts[end].islower():
                    continue  # "denoising network", "captioning data": the task names what a thing is for
                if end < n and self._qualified_plural(T, end):
                    continue  # "denoising steps", "generation metrics"
            elif label == "dataset":
                if rule == "vocabulary" and end - start == 1 and not self._word_as_dataset(T, sents, s, cands):
                    continue
            kept.append(s)
            if rule == "vocabulary":
                if first_type.setdefault((s.start, s.end), label) != label:
                    mixed.add((s.start, s.end))
            elif rule in RETYPED:
                retyped.add(s.text)
        spans = self._consistent_types(kept, retyped)
        if retyped:
            spans = _coordinated_datasets(T, spans)
        modalities, others = [], []
        code = self.code_iri
        for s in spans:
            if s.label_ != "modality":
                others.append(s)
            elif s.kb_id_ != code or not self._code_release(text, s):
                modalities.append(s)
        others = _choose(self._one_type_per_label(others, doc, T, mixed))
        if "/" in text:  # (a name with variants holds a slash: most abstracts have none)
            others = _variants(others)
        others = _model_name_pairs(T, text, self._ellipses(T, text, others))
        variant_bases = ({m.group(1) for m in [VARIANTS.match(s.text) for s in spans if "/" in s.text and s.label_ != "modality"] if m}
                         if "/" in text else ())
        alias_key = {_KEYS[a]: _KEYS[b] for a, b in aliases.items()}
        verbs: dict[int, int] = {}  # each sentence's proposal verb, found when a name there needs it
        sent_starts = [s.start for s in sents]
        sentence_texts: dict[int, str] = {}  # stripped once, for the sentences that hold a mention

        groups: dict[tuple[str, str], Entity] = {}  # in order of first mention
        key_to_concept, concepts, confidence = self.key_to_concept, self.vocab.concepts, CONFIDENCE.get
        for span in [*others, *modalities]:
            start, _, start_char, end_char, label, concept, rule, name = span  # (read once: the loop is hot)
            key = _KEYS[name]
            if alias_key:
                key = alias_key.get(key, key)
            if variant_bases and name.endswith("+") and name[:-1] in variant_bases:
                key += "plus"  # "RefCOCO+" beside "RefCOCO": two datasets though their keys fold alike
            if not key:
                continue
            concept = concept or key_to_concept[label].get(key, "")
            group_key = (label, concept or key)
            entity = groups.get(group_key)
            if entity is None:
                entity = groups[group_key] = Entity(label, key, concepts[concept].pref if concept else name, concept or None)
            k = bisect_right(sent_starts, start) - 1
            sent = sents[k]
            sentence = sentence_texts.get(k)
            if sentence is None:
                sentence = sentence_texts[k] = text[sent.start_char : sent.end_char].strip()
            entity.mentions.append(
                Mention(label, name, start_char, end_char, sentence, sent.start_char, sent.end_char,
                        rule or "vocabulary", confidence(rule, 0.5))
            )
            if label in ("method", "dataset") and entity.role != "proposed":
                # a concept found by the vocabulary in the abstract is used: no test tells otherwise
                if span.kb_id_ and start_char >= title_end and rule not in _TESTED_FOR_CONCEPTS:
                    entity.role = "proposed" if self._proposes_concept(text, span, sents, k, verbs) else "used"
                else:
                    entity.role = "proposed" if self._is_proposed(text, span, sents, k, title_end, verbs) else "used"
        # An acronym and its long form are one entity even when found by different rules.
        entities = self._merge_aliases(list(groups.values()), aliases)
        entities = [e for e in entities if not (e.type == "method" and all(
            _NEGATED.search(text, max(0, m.start - 20), m.start) for m in e.mentions))]
        if any(s.id_ == "title-name" and s.label_ == "method" for s in others):
            entities = self._without_own_kind(entities, text, title_end)
        entities = _merge_modified_phrases(entities)
        entities = _merge_anaphoric_classes(entities, text)
        entities = self._merge_title_tasks(entities)
        entities = _merge_shortened_tasks(entities)
        entities = _merge_size_variants(entities)
        self._component_roles(entities)
        _size_roles(entities)
        for e in entities:
            if not e.concept and len(e.mentions) > 1:
                # the paper's own spelling: the acronym when one is defined, else the first form
                forms = e.surface_forms
                short = [f for f in forms if f in aliases]
                e.label = short[0] if short else forms[0]
        results = self._results(doc, text, entities)
        entities = self._metrics_of_results(text, results, entities)
        # (after the results: a value keeps the name its sentence writes the measure by)
        entities = self._merge_metric_variants(entities)
        drop_token_table(doc)
        return Extraction(paper, entities, results)

    def _without_own_kind(self, entities: list[Entity], text: str, title_end: int) -> list[Entity]:
        """A title "NAME: A Hierarchical Event Language Model for ..." says what kind of thing the
        paper's own NAME is: a known class of methods named only there ("language model", "gated
        fusion") is that kind, not a method the paper uses. (A named concept, "Mamba-2", is kept; so is
        a class the abstract names again.)"""
        colon = text.find(":", 0, title_end)
        return [e for e in entities if not (
            e.type == "method" and e.concept and e.concept not in self.specific_concepts
            and all(colon < m.start < title_end for m in e.mentions))]

    USE_CUES = re.compile(r"\b(?:based on|built on|such as|e\.g\.|including|like|existing|previous|prior|than|outperform\w*|baselines?|compared)\b", re.I)

    def _metrics_of_results(self, text: str, results: list[Result], entities: list[Entity]) -> list[Entity]:
        """A measure the sentence reports a value in is a measure of the paper, though no rule found
        it as a name ("a median matching RMSD (MAT-R) of 0.38", "Melanoma sensitivity on darker skin
        improves from 0.61 to 0.83"): the results tie a value to it by the sentence's structure. Only
        a name shaped like a measure's: a capital or a digit in it, or a last word that is a measure's
        head or a known measure ("27% fewer tool calls", "in 80% of cases" count things)."""
        # a name the rules took for a model ("achieves a PSDS1 of 0.312") that the results read as the
        # measure of a value, and as no value's system or data, is that measure
        measures = {_KEYS[r.metric] for r in results if r.metric}
        others = {_KEYS[n] for r in results for n in (r.method, r.dataset) if n}
        for e in entities:
            if e.type == "method" and not e.concept and e.role != "proposed" and e.key in measures and e.key not in others \
                    and all(_KEYS[f] in measures for f in e.surface_forms):
                e.type = "metric"
                e.role = None
                for m in e.mentions:
                    m.type = "metric"
        known = {_KEYS[f] for e in entities for f in e.surface_forms}
        # (and every name of a known concept: a value's measure is written short, "F1" for "F1 score")
        known.update(_KEYS[label] for e in entities if e.concept for label in self.vocab.concepts[e.concept].labels)
        metric_keys, heads = self.key_to_concept["metric"], self.cues.metric_heads
        added: dict[str, Entity] = {}
        for r in results:
            if not r.metric or _KEYS[r.metric] in known:
                continue
            last = r.metric.rsplit(" ", 1)[-1].lower()
            if not (any(c.isupper() or c.isdigit() for c in r.metric) or last in heads or _KEYS[last] in metric_keys):
                continue
            start = text.find(r.metric, r.sent_start, r.sent_end)
            if start < 0:
                continue
            key = _KEYS[r.metric]
            entity = added.get(key)
            if entity is None:
                entity = added[key] = Entity("metric", key, r.metric)
            entity.mentions.append(Mention("metric", r.metric, start, start + len(r.metric), r.sentence, r.sent_start,
                                           r.sent_end, "result-metric", CONFIDENCE.get("result-metric", 0.5)))
        return [*entities, *added.values()] if added else entities

    def _merge_metric_variants(self, entities: list[Entity]) -> list[Entity]:
        """A known measure the paper also names with what specialises it ("point-adjusted F1", then "the
        F1 score") is that variant: one measure, named in full once."""
        variants = [e for e in entities if e.type == "metric" and not e.concept]
        if not variants:
            return entities
        merged = set()
        for f in entities:
            if f.type != "metric" or not f.concept:
                continue
            tails = tuple(" " + _SPACED[label] for label in self.vocab.concepts[f.concept].labels)
            target = next((e for e in variants if any(_SPACED[form].endswith(tails) for form in e.surface_forms)), None)
            if target is not None:
                target.mentions += f.mentions
                merged.add(id(f))
        return [e for e in entities if id(e) not in merged] if merged else entities

    def _component_roles(self, entities: list[Entity]) -> None:
        """Named parts of the paper's own method ("M3EL is composed of a Feature Extraction module")
        are proposed with it: unnamed-before phrases in a sentence about the proposed method."""
        own = None  # the proposed names, gathered when a phrase first needs them (before any role changes here)
        for e in entities:
            if e.type != "method" or e.role == "proposed" or e.concept:
                continue
            if any(m.rule not in ("component-name", "method-phrase") for m in e.mentions):
                continue
            if own is None:
                own = [f for e in entities if e.type == "method" and e.role == "proposed" and not e.concept for f in e.surface_forms]
            if not own:
                return
            for m in e.mentions:
                # the clause before the mention: "(i) ... based on X; (ii) a Y module" leaves Y proposed
                before = m.sentence[: max(0, m.start - m.sent_start)].split(";")[-1]
                if _names_a_word(m.sentence, own) and not self.USE_CUES.search(before):
                    e.role = "proposed"
                    break

    def _merge_aliases(self, entities: list[Entity], aliases: dict[str, str]) -> list[Entity]:
        by_form: dict[str, dict[str, Entity]] = {}  # by type, then form
        out: list[Entity] = []
        alias_keys = [(_KEYS[acro], _KEYS[long]) for acro, long in aliases.items()]
        alias_forms = {k for pair in alias_keys for k in pair}
        for e in entities:
            seen = by_form.setdefault(e.type, {})
            forms = set(map(_FORM_KEYS.__getitem__, map(_TEXT, e.mentions)))
            if not forms.isdisjoint(alias_forms):  # (most entities are no acronym nor long form)
                for acro, long in alias_keys:
                    if acro in forms:
                        forms.add(long)
                    if long in forms:
                        forms.add(acro)
            target = next(filter(None, map(seen.get, forms)), None)  # the first form seen before
            if target is None:
                out.append(e)
                target = e
            else:
                target.mentions += e.mentions
                if e.role == "proposed":
                    target.role = "proposed"
                target.concept = target.concept or e.concept
            for f in forms:
                seen.setdefault(f, target)
        return out

    def _results(self, doc: Doc, text: str, entities: list[Entity]) -> list[Result]:
        values = doc.user_data.get(RESULTS, [])
        if not values:
            return []
        # the names of each sentence that holds a value, by type and sentence start
        value_sentences = {v[5] for v in values}
        named: dict[tuple[str, int], list[Named]] = defaultdict(list)
        for e in entities:
            proposed = e.role == "proposed"
            for m in e.mentions:
                if m.sent_start in value_sentences:
                    named[(e.type, m.sent_start)].append(Named(m.start, m.end, m.text, proposed, bool(e.concept)))
        proposed = next((e for e in entities if e.type == "method" and e.role == "proposed"), None)
        datasets = sorted((Named(m.start, m.end, m.text, e.role == "proposed") for e in entities if e.type == "dataset"
                           for m in e.mentions),
                          key=attrgetter("start"))
        metrics = sorted((Named(m.start, m.end, m.text) for e in entities if e.type == "metric" for m in e.mentions),
                         key=attrgetter("start"))
        # the variants of the paper's own model each sentence names, by the sentence's end, for the
        # sentences after it that name none ("X-Base is pretrained on ... After fine-tuning, it achieves")
        own = _usual_name(proposed) if proposed else None
        variants: dict[int, set[str]] = defaultdict(set)
        for e in entities:
            if e.type == "method" and e.role == "proposed" and own and e is not proposed:
                for m in e.mentions:
                    if m.text.startswith(own + "-"):
                        variants[m.sent_end].add(m.text)
        results = tie_results(text, values, named, own, datasets, metrics, variants)
        return _metrics_named_short(results, entities)


def _usual_name(entity: Entity) -> str:
    """The form the abstract writes an entity in most often (the first of those written as often): after
    "We propose Local Token Fusion (LTF)" the abstract's results speak of LTF."""
    counts = Counter(m.text for m in entity.mentions)
    return max(entity.surface_forms, key=counts.__getitem__)


def _metrics_named_short(results: list[Result], entities: list[Entity]) -> list[Result]:
    """A result's metric written as a longer form of a metric entity ("mean absolute error",
    "Dice coefficient") is named by the entity's shortest form in the paper ("MAE", "Dice"): the
    guidelines name a measure by its standard short form, and a leaderboard needs one column for it
    whichever form a sentence uses. Forms the resolver did not join (a compound such as "top-1
    accuracy" beside "accuracy") stay as written."""
    shortest: dict[str, str] = {}
    for e in entities:
        if e.type == "metric":
            short = min(e.surface_forms, key=len)
            for form in e.surface_forms:
                shortest[form.lower()] = short
    for r in results:
        if r.metric and r.metric.lower() in shortest:
            r.metric = shortest[r.metric.lower()]
    return results


def _coordinated_datasets(T: Table, spans: list[Cand]) -> list[Cand]:
    """A name typed by its shape alone is a dataset in a list with a known dataset ("Objaverse and
    X", "X, Y and ImageNet") and no method: items of one list are of one kind. Known: a dataset of
    the vocabulary, or one its context typed (here or elsewhere in the abstract: "evaluated on X");
    the type passes along the list item by item. A method that stops it is one typed by more than
    its shape, or the paper's own model."""
    known = [s for s in spans if s.label_ == "dataset"]  # every dataset type comes from a vocabulary or a context
    if not known:
        return spans
    own = {s.text for s in spans if s.id_ in ("title-name", "we-propose") and s.label_ == "method"}
    methods = [s for s in spans if s.label_ == "method" and (s.id_ != "name-shape" or s.text in own)]
    out, changed = spans, True
    while changed:
        changed = False
        for k, s in enumerate(out):
            if s.id_ == "name-shape" and s.label_ == "method" and s.text not in own \
                    and _listed_with(T, s, known, "dataset") and not _listed_with(T, s, methods, "method") \
                    and _list_item(T, s):
                if out is spans:
                    out = spans[:]
                out[k] = s._replace(label_="dataset")
                known.append(out[k])
                changed = True
    return out


def _model_name_pairs(T: Table, text: str, spans: list[Cand]) -> list[Cand]:
    """Two model names written one after the other ("CLIP ViT-B/32", "PANNs CNN14") name one model:
    a family and its backbone or checkpoint. Both must be name-shaped (capitals inside or digits),
    not phrases of common words."""
    out: list[Cand] = []
    for s in spans:
        prev = out[-1] if out else None
        if (prev is not None and prev.end == s.start and prev.label_ == "method" and s.label_ == "method"
                and T.spaces[prev.end - 1] and prev.id_ in _MODEL_NAME_RULES and s.id_ in _MODEL_NAME_RULES
                and _name_shaped(prev.text) and _name_shaped(s.text)):
            out[-1] = Cand(prev.start, s.end, prev.start_char, s.end_char, "method", "", "name-shape",
                           text[prev.start_char : s.end_char])
        else:
            out.append(s)
    return out


_MODEL_NAME_RULES = frozenset(("vocabulary", "name-shape", "acronym", "listed-abbreviation"))


def _name_shaped(name: str) -> bool:
    """A name by its letters: a digit, or two capitals (not "Transformer", "Diffusion")."""
    return " " not in name and (any(c.isdigit() for c in name) or sum(c.isupper() for c in name) >= 2)


def _list_item(T: Table, span: Cand) -> bool:
    """Is the span placed as an item of a list: followed by the list's next separator, or its last
    item after "and"/"or"? Not "On X, Y reaches ...", where Y after the comma opens the clause."""
    after = T.texts[span.end] if span.end < len(T) else "."
    return after in (",", "and", "or", "/", ";", ")", ".") or span.start > 0 and T.lowers[span.start - 1] in ("and", "or")


def _names_a_word(text: str, names: list[str]) -> bool:
    """Does one of the names occur in the text as a whole word (no word character, as the re
    module's \\w, on either side)? The same as searching for a pattern of them all, which differs
    per paper and took longer to compile than the search."""
    for name in names:
        i = text.find(name)
        while i >= 0:
            j = i + len(name)
            if not (i and _is_word_char(text[i - 1])) and not (j < len(text) and _is_word_char(text[j])):
                return True
            i = text.find(name, i + 1)
    return False


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _sentence_of(sents: list[Sent], i: int) -> Sent:
    """The sentence that holds token i (the doc's one sentence when it has no sentence starts)."""
    k = bisect_right(sents, i, key=_START) - 1
    return sents[k]


_START = itemgetter(0)
_TEXT = attrgetter("text")
_RULE = attrgetter("rule")


def _listed_with(T: Table, span: Cand, cands: list[Cand], label: str) -> bool:
    """Is the span an item of a list ("precision, recall and F1") whose next or previous item is a
    candidate of type `label`? (The item is outside the span.)"""
    for step in (-1, 1):
        j = span.start - 1 if step < 0 else span.end
        while 0 <= j < len(T) and T.texts[j] in (",", "and", "or", "/"):
            j += step
        if 0 <= j < len(T) and j != (span.start - 1 if step < 0 else span.end) and any(
                c.start <= j < c.end and c.label_ == label for c in cands):
            return True
    return False


# The rules whose names make a list one of models or datasets for an abbreviation listed with them
# (not a phrase rule: "regression, classification and OCR" lists tasks).
LISTED_BY = frozenset(("vocabulary", "name-shape", "acronym", "acronym-definition", "dataset-head", "dataset-list",
                       "evaluated-on"))
_LIST_JOINS = (",", "and", "or", "/")


def _list_kind(T: Table, span: Cand, cands: list[Cand]) -> str:
    """The kind of the list the span is an item of ("ReAct, Reflexion and LATS": method), by its other
    items: a dataset if one is a dataset, else a method if one is a model; "" if none is either or the
    span is no list item. Items are walked one by one from the span out, over the joining words."""
    starts = {c.start: c for c in cands if c.id_ in LISTED_BY or c.id_ == "listed-abbreviation"}
    ends = {c.end: c for c in cands if c.id_ in LISTED_BY or c.id_ == "listed-abbreviation"}
    kinds = set()
    n = len(T)
    j = span.end  # rightwards
    while True:
        k = j
        while k < n and T.texts[k] in _LIST_JOINS:
            k += 1
        c = starts.get(k) if k > j else None
        if c is None:
            break
        if c.id_ != "listed-abbreviation":
            kinds.add(c.label_)
        j = c.end
    j = span.start  # leftwards
    while True:
        k = j
        while k > 0 and T.texts[k - 1] in _LIST_JOINS:
            k -= 1
        c = ends.get(k) if k < j else None
        if c is None:
            break
        if c.id_ != "listed-abbreviation":
            kinds.add(c.label_)
        j = c.start
    return "dataset" if "dataset" in kinds else "method" if "method" in kinds else ""


NUMBER = re.compile(r"^[<>~±+-]?\d+(?:[.,]\d+)?%?$")


def _near_number(T: Table, start: int, end: int) -> bool:
    """Is a value reported next to the span ("ASR of 92%", "MAE 0.41", "12.5 MAE")?"""
    after = T.texts[end : end + 4]
    before = T.texts[max(0, start - 2) : start]
    return any(NUMBER.match(w) or w == "%" for w in after + before)


def _with_metric_modifier(T: Table, text: str, span: Cand, cands: list[Cand]) -> Cand:
    """A known metric right after what specialises it keeps it: an unknown name ("RadGraph F1") or a
    hyphenated compound ("event-based F1", "CheXpert-label F1"). Not a known model or dataset
    ("COCO mAP" names the data the metric is taken on)."""
    if not span.kb_id_ or span.start < 2 or not T.spaces[span.start - 1]:
        return span
    texts = T.texts
    before = texts[span.start - 1]
    start = None
    if (span.start >= 3 and texts[span.start - 2] == "-" and before.isalpha() and before.islower()
            and not T.spaces[span.start - 3] and not T.spaces[span.start - 2] and texts[span.start - 3].isalpha()
            and (span.start < 4 or texts[span.start - 4] != "-")
            and T.lowers[span.start - 3] not in STOP_WORDS and T.lowers[span.start - 1] not in STOP_WORDS):
        start = span.start - 3  # "event-based F1"
    elif name_shaped(before) and not NUMBER.match(texts[span.start - 2].lstrip("−–")) \
            and any(c.start == span.start - 1 and c.end == span.start and c.id_ == "name-shape" and not c.kb_id_ for c in cands) \
            and not any(c.start < span.start and c.end >= span.start and c.id_ != "name-shape" for c in cands):
        start = span.start - 1  # "RadGraph F1": a name no other rule knows (and no unit: "10 dB SNR")
    if start is None:
        return span
    start_char = T.idxs[start]
    return span._replace(start=start, start_char=start_char, kb_id_="", text=text[start_char : span.end_char])


def _with_metric_head(T: Table, text: str, span: Cand) -> Cand:
    """A metric named with its head noun ("perceptual similarity metric", "BLEU score") keeps it."""
    if span.label_ != "metric" or not span.kb_id_ or span.end >= len(T):
        return span
    end = span.end
    if T.lowers[end] not in ("metric", "score", "measure") or span.text.lower().endswith(("score", "metric", "measure")):
        return span
    end_char = T.idxs[end] + len(T.texts[end])
    return span._replace(end=span.end + 1, end_char=end_char, text=text[span.start_char : end_char])


# the rules that build a phrase from its modifiers and head: their phrases can be variants of a shorter name
PHRASE_RULES = {"task-phrase", "method-phrase", "title-task"}


def _form_key(form: str) -> str:
    """The key a form is merged by: "RefCOCO+" is not "RefCOCO", though the two fold to one key."""
    return _KEYS[form] + "+" * (len(form) - len(form.rstrip("+")))


def _spaced(form: str) -> str:
    return " ".join(form.lower().replace("-", " ").split())


def _tail(form: str) -> str | None:
    """The spaced form with a space before it when it has two words or more, else None."""
    spaced = _SPACED[form]
    return " " + spaced if " " in spaced else None


_KEYS = Memo(entity_key)
_FORM_KEYS = Memo(_form_key)
_SPACED = Memo(_spaced)
_TAILS = Memo(_tail)


def _merge_modified_phrases(entities: list[Entity]) -> list[Entity]:
    """A phrase found only by its modifiers and head ("cross-modal image-text retrieval") is a
    variant of an entity the paper also names by its last words ("image-text retrieval")."""
    out: list[Entity] = []
    for e in entities:
        if e.concept or e.type not in ("task", "method") or not PHRASE_RULES.issuperset(map(_RULE, e.mentions)):
            out.append(e)
            continue
        forms = [form for form in map(_SPACED.__getitem__, e.surface_forms) if not form.startswith(("multimodal ", "multi modal "))]
        target = None
        if forms:
            for f in entities:
                if f is e or f.type != e.type:
                    continue
                # the last words f is named by, a space before each, for one str.endswith call
                tails = tuple(filter(None, map(_TAILS.__getitem__, map(_TEXT, f.mentions))))
                if tails and any(form.endswith(tails) for form in forms):
                    target = f
                    break
        if target is None and forms:
            # the reverse: a shortened phrase of a task or technique named in full before it ("routing
            # congestion prediction", then "For congestion prediction, ...")
            tails = tuple(" " + form for form in forms if " " in form)
            if tails:
                target = next((f for f in out if f.type == e.type and any(
                    _SPACED[form].endswith(tails) for form in f.surface_forms)), None)
        if target is None:
            out.append(e)
        else:
            target.mentions += e.mentions
            if e.role == "proposed":
                target.role = "proposed"
    return out


def _merge_anaphoric_classes(entities: list[Entity], text: str) -> list[Entity]:
    """"the language model" in a paper that names its video large language model: a known class
    named only with "the" after a narrower known class ending in its words ("video large language
    model") refers back to that one, and is a mention of it."""
    out: list[Entity] = []
    for e in entities:
        target = None
        if e.type == "method" and e.concept and all(_THE_BEFORE.search(text, max(0, m.start - 5), m.start) for m in e.mentions):
            tail = " " + _SPACED[e.label]
            target = next((f for f in entities if f is not e and f.type == "method" and f.concept
                           and _SPACED[f.label].endswith(tail) and f.mentions[0].start < e.mentions[0].start), None)
        if target is None:
            out.append(e)
        else:
            target.mentions = sorted(target.mentions + e.mentions, key=attrgetter("start"))
    return out


_THE_BEFORE = re.compile(r"\bthe\s+$", re.I)


def _merge_shortened_tasks(entities: list[Entity]) -> list[Entity]:
    """A task named again without a middle word of its full name is that task ("long-horizon time
    series forecasting", then "long-horizon forecasting"; "multi-modal retrieval" in the title, then
    "multi-modal document retrieval"). The one the vocabulary knows keeps the other's mentions (its
    concept stays linked), else the full name does."""
    tasks = [e for e in entities if e.type == "task"]
    gone: set[int] = set()
    for e in tasks:
        if id(e) in gone:
            continue
        forms = [form.lower() for form in e.surface_forms]
        full = next((f for f in tasks if f is not e and id(f) not in gone and any(
            _shortened(form, other.lower()) for form in forms for other in f.surface_forms)), None)
        if full is not None:
            keep, drop = (e, full) if e.concept and not full.concept else (full, e)
            keep.mentions += drop.mentions
            gone.add(id(drop))
    return [e for e in entities if id(e) not in gone] if gone else entities


def _shortened(short: str, full: str) -> bool:
    """Is the (lower-case) form `short` the form `full` without one or more of its middle words (its
    first and last word kept, the rest in order; a hyphenated compound is one word)?"""
    a, b = short.split(), full.split()
    if len(a) < 2 or len(b) <= len(a) or a[0] != b[0] or a[-1] != b[-1]:
        return False
    rest = iter(b[1:-1])
    return all(w in rest for w in a[1:-1])


# A size or version written after a name: "SegFormer-B4", "EfficientNet-B0", "Speech Commands V2". (Not a
# number alone, "ResNet-50", "GPT-4", a count, "LLaMA-7B", "PIN-14M", nor a named size, "BERT-Large",
# "ViT-L/14", which papers compare as models of their own.)
SIZE_VARIANT = re.compile(
    r"^(?P<base>.*?[A-Za-z])[-\s](?:[BLSH]\d{1,2}|[vV]\d+(?:\.\d+)*)$"
)


def _merge_size_variants(entities: list[Entity]) -> list[Entity]:
    """Sizes and versions of one model or dataset ("SegFormer-B4", "SegFormer-B5") are mentions of
    it when the paper also names it without them ("SegFormer"); alone they stay apart."""
    bases: dict[tuple[str, str], Entity] = {}
    variants = []
    for e in entities:
        if e.type not in ("method", "dataset"):
            continue
        match = SIZE_VARIANT.match(e.mentions[0].text)
        if match and not e.concept:
            variants.append((e, match.group("base")))
        for form in e.surface_forms:
            bases.setdefault((e.type, _KEYS[form]), e)
    if not variants:
        return entities
    merged = set()
    for e, base in variants:
        target = bases.get((e.type, _KEYS[base]))
        if target is None or target is e or id(target) in merged:
            continue
        target.mentions += e.mentions
        if e.role == "proposed":
            target.role = "proposed"
        merged.add(id(e))
    return [e for e in entities if id(e) not in merged] if merged else entities


def _size_roles(entities: list[Entity]) -> None:
    """The sizes of the paper's own model ("TubeSparse-B", "TubeSparse-L" beside TubeSparse) are its own too."""
    own = [f for e in entities if e.type == "method" and e.role == "proposed" and not e.concept for f in e.surface_forms]
    if own:
        for e in entities:
            if e.type == "method" and e.role == "used" and any(is_size_of(m.text, base) for m in e.mentions for base in own):
                e.role = "proposed"


_RESOLVERS: dict[tuple[str, str], Resolver] = {}


def resolver(vocab_dir: str = "", cues: str = "") -> Resolver:
    key = (vocab_dir, cues)
    if key not in _RESOLVERS:
        _RESOLVERS[key] = Resolver(load_vocabulary(vocab_dir), load_cues(cues))
    return _RESOLVERS[key]
