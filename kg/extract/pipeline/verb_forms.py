"""kg_verb_forms: techniques named by a verb ("fine-tuned on", "instruction-tuned")."""
from __future__ import annotations

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.extract.lexicon import load_cues
from kg.extract.pipeline.batched import Batched
from kg.extract.pipeline.names import name_shaped
from kg.extract.pipeline.tokens import add_candidate, kg_spans, span_text, token_table
from kg.extract.vocabulary import load_vocabulary

# Words after which a participle is an adjective before its noun ("the pretrained, frozen encoder").
ADJECTIVE_BEFORE = {"on", "the", "a", "an", "of", "with", "from", "our", "their", "its", "these", "those", "such"}


def _glued(char: str) -> bool:
    """Does a character joined to a form make it part of a longer word ("pre-fine-tuned")?"""
    return char.isalnum() or char in "_-"


class VerbForms(Batched):
    """Techniques named by a verb ("the model is fine-tuned on ...", "instruction-tuned"): the
    participle becomes a mention of the technique's vocabulary concept, but not an adjective
    before a noun ("a pre-trained model")."""

    def __init__(self, nlp: Language, cues_path: str = "", vocab_dir: str = "") -> None:
        self.cues = load_cues(cues_path)
        vocab = load_vocabulary(vocab_dir)
        self.target: dict[str, str] = {}  # a form in lower case: its technique's concept
        for form, label in self.cues.verb_forms:
            iris = vocab.lower.get(label) or vocab.exact.get(label) or []
            iri = next((i for i in iris if vocab.concepts[i].type == "method"), None)
            if iri:
                self.target[form.lower()] = iri
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.matcher.add("verb_form", [nlp.make_doc(form) for form in self.target])

    def __call__(self, doc: Doc) -> Doc:
        matches = self.matcher(doc)
        if not matches:
            return doc
        T = token_table(doc)
        text, lowers = T.text, T.lowers
        cands = kg_spans(doc)
        taken = 0  # the end of the last form taken: forms do not overlap, the leftmost and longest wins
        for _, start, end in sorted(matches, key=lambda m: (m[1], -m[2])):
            form = span_text(T, start, end).lower()  # as written: no space inside a form
            a, b = T.idxs[start], T.idxs[end - 1] + len(T.texts[end - 1])
            if start < taken or form not in self.target or (a and _glued(text[a - 1])) or (b < len(text) and _glued(text[b])):
                continue
            taken = end
            after = lowers[end] if end < len(lowers) else "."
            before = lowers[start - 1] if start > 0 else ""
            if before in ADJECTIVE_BEFORE:
                continue  # "on pretrained, frozen encoders": an adjective in a list of adjectives
            if self._after_a_noun(T.texts[start - 1] if start > 0 else "", before):
                continue  # "a teacher, ViT-L/16 pre-trained on ImageNet-21K": how a model was made, not a technique used
            if after in self.cues.verb_contexts_after or before in self.cues.verb_contexts_before:
                add_candidate(cands, T, start, end, "method", "verb-form", self.target[form])
        return doc


    def _after_a_noun(self, word: str, low: str) -> bool:
        """Is a participle after this word a reduced relative clause ("backbones pre-trained on X")?
        After a name or a content word that no auxiliary, adverb or function word could be."""
        if not word or low in self.cues.verb_contexts_before or low in STOP_WORDS:
            return False
        return name_shaped(word) or (word[-1:].isalnum() and not low.endswith("ly"))


@Language.factory("kg_verb_forms", default_config={"cues": "", "vocab_dir": ""})
def make_verb_forms(nlp: Language, name: str, cues: str, vocab_dir: str) -> VerbForms:
    return VerbForms(nlp, cues, vocab_dir)
