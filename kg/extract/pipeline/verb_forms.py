"""kg_verb_forms: techniques named by a verb ("fine-tuned on", "instruction-tuned")."""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.lexicon import load_cues
from kg.extract.pipeline.tokens import add_candidate, kg_spans, token_table
from kg.extract.vocabulary import load_vocabulary

# Words after which a participle is an adjective before its noun ("the pretrained, frozen encoder").
ADJECTIVE_BEFORE = {"on", "the", "a", "an", "of", "with", "from", "our", "their", "its", "these", "those", "such"}


class VerbForms:
    """Techniques named by a verb ("the model is fine-tuned on ...", "instruction-tuned"): the
    participle becomes a mention of the technique's vocabulary concept, but not an adjective
    before a noun ("a pre-trained model")."""

    def __init__(self, nlp: Language, cues_path: str = "", vocab_dir: str = "") -> None:
        self.cues = load_cues(cues_path)
        vocab = load_vocabulary(vocab_dir)
        self.target: dict[str, str] = {}
        for form, label in self.cues.verb_forms:
            iris = vocab.lower.get(label) or vocab.exact.get(label) or []
            iri = next((i for i in iris if vocab.concepts[i].type == "method"), None)
            if iri:
                self.target[form] = iri
        forms = sorted(self.target, key=len, reverse=True)
        self.pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, forms)) + r")(?![\w-])", re.I) if forms else None

    def __call__(self, doc: Doc) -> Doc:
        if self.pattern is None:
            return doc
        T = token_table(doc)
        text, lowers = T.text, T.lowers
        cands = kg_spans(doc)
        for m in self.pattern.finditer(text):
            span = doc.char_span(m.start(), m.end())
            if span is None:
                continue
            after = lowers[span.end] if span.end < len(lowers) else "."
            before = lowers[span.start - 1] if span.start > 0 else ""
            if before in ADJECTIVE_BEFORE:
                continue  # "on pretrained, frozen encoders": an adjective in a list of adjectives
            if after in self.cues.verb_contexts_after or before in self.cues.verb_contexts_before:
                add_candidate(cands, T, span.start, span.end, "method", "verb-form", self.target[m.group(0).lower()])
        return doc


@Language.factory("kg_verb_forms", default_config={"cues": "", "vocab_dir": ""})
def make_verb_forms(nlp: Language, name: str, cues: str, vocab_dir: str) -> VerbForms:
    return VerbForms(nlp, cues, vocab_dir)
