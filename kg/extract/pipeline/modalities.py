"""kg_modalities: words that name data ("visual", "image-text", "speech") mapped onto the modality list."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.lexicon import load_cues
from kg.extract.pipeline.batched import Batched
from kg.extract.pipeline.names import VERB_BEFORE
from kg.extract.pipeline.tokens import Table, add_candidate, kg_spans, token_table, tokens_in
from kg.extract.vocabulary import load_vocabulary


class ModalityMapper(Batched):
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
        self.words = set(self.lower) | {w.lower() for w in self.exact}

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
        for i in tokens_in(T, self.words):  # the modality words are among these
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
            add_candidate(cands, T, i, i + 1, "modality", "modality-word", iri)
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
