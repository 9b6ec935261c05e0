"""kg_vocabulary: mentions of the concepts of the SKOS vocabularies (ontology/vocab/)."""
from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.extract.pipeline.names import SUFFIX_WORD, name_shaped
from kg.extract.pipeline.tokens import Table, add_candidate, kg_spans, token_table
from kg.extract.vocabulary import load_vocabulary


class VocabularyMatcher:
    """Known concepts from the SKOS vocabularies: labels written with capitals ("CLIP") match as
    written, the others ("contrastive learning") in any case, each kind by a PhraseMatcher."""

    def __init__(self, nlp: Language, vocab_dir: str = "") -> None:
        self.vocab = load_vocabulary(vocab_dir)
        self.typed: dict[int, list[tuple[str, str]]] = {}  # a label's key: (type, concept) of its concepts
        self.exact_matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for exact, table in ((True, self.vocab.exact), (False, self.vocab.lower)):
            for label, iris in table.items():
                iris = [i for i in iris if not (self.vocab.concepts[i].type == "modality" and " " not in label and "-" not in label)]
                if not iris:
                    continue  # one-word modality labels need context: the modality mapper handles them
                name = f"{'E' if exact else 'L'}:{label}"
                self.typed[nlp.vocab.strings.add(name)] = [(self.vocab.concepts[i].type, i) for i in iris]
                (self.exact_matcher if exact else self.lower_matcher).add(name, [nlp.make_doc(label)])

    def __call__(self, doc: Doc) -> Doc:
        T = token_table(doc)
        texts, spaces = T.texts, T.spaces
        cands = kg_spans(doc)
        # the exact-case matches first, then the lower-case ones, each in the matcher's order
        for key, start, end in self.exact_matcher(doc):
            if start > 1 and texts[start - 1] == "-" and not spaces[start - 2] and not spaces[start - 1] \
                    and texts[start - 2][:1].isupper() and name_shaped(texts[start - 2]):
                continue  # the end of another name ("ULIP-ShapeNet", "Video-LLaVA" is not LLaVA)
            self._add(cands, T, key, start, end)
        for key, start, end in self.lower_matcher(doc):
            if start > 1 and texts[start - 1] == "-" and not spaces[start - 2] \
                    and not spaces[start - 1] and texts[start - 2][-1:].isalnum():
                continue  # the end of a compound ("video-language models", "cross-modality alignment")
            if end + 1 < len(texts) and texts[end] == "-" and not spaces[end - 1] \
                    and not spaces[end] and texts[end + 1].isalpha() and not SUFFIX_WORD.match(T.lowers[end + 1]):
                continue  # the start of a compound ("text to image-caption pairs"), not "transformer-based"
            self._add(cands, T, key, start, end)
        return doc

    def _add(self, cands: list, T: Table, key: int, start: int, end: int) -> None:
        for entity_type, concept in self.typed[key]:
            add_candidate(cands, T, start, end, entity_type, "vocabulary", concept)


@Language.factory("kg_vocabulary", default_config={"vocab_dir": ""})
def make_vocabulary(nlp: Language, name: str, vocab_dir: str) -> VocabularyMatcher:
    return VocabularyMatcher(nlp, vocab_dir)
