"""kg_acronyms: "Long Form Name (LFN)" definitions, and the acronym wherever else it occurs."""
from __future__ import annotations

from bisect import bisect_right

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.lexicon import load_cues
from kg.extract.normalise import entity_key
from kg.extract.pipeline.batched import Batched
from kg.extract.pipeline.tokens import (
    ALIASES, Table, add_candidate, kg_spans, sentences, span_text, token_table, tokens_in,
)
from kg.extract.vocabulary import load_vocabulary


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


class AcronymFinder(Batched):
    """'Long Form Name (LFN)': long form and acronym become one entity; the acronym is then
    found everywhere else in the text."""

    def __init__(self, nlp: Language, cues_path: str = "", vocab_dir: str = "") -> None:
        self.cues = load_cues(cues_path)
        self.vocab = load_vocabulary(vocab_dir)

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
                if concept and named and entity_key(span_text(T, a, b)) not in {entity_key(x) for x in concept.labels}:
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
        for i in tokens_in(T, {"("}, lower=False):
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
            long_text = span_text(T, first, i)
            if i - first < 2 and not any(c.isupper() for c in long_text[1:]):
                continue
            entity_type = self._type_of(cands, T, first, i, acro)
            if entity_type is None:
                continue
            aliases[acro] = long_text
            add_candidate(cands, T, first, i, entity_type, "acronym-definition")
            for j in tokens_in(T, {acro}, lower=False):
                add_candidate(cands, T, j, j + 1, entity_type, "acronym")
        return doc


@Language.factory("kg_acronyms", default_config={"cues": "", "vocab_dir": ""})
def make_acronyms(nlp: Language, name: str, cues: str, vocab_dir: str) -> AcronymFinder:
    return AcronymFinder(nlp, cues, vocab_dir)
