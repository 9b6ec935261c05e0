"""kg_vocabulary: mentions of the concepts of the SKOS vocabularies (ontology/vocab/)."""
from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.extract.pipeline.names import SUFFIX_WORD, name_shaped
from kg.extract.pipeline.tokens import Cand0, kg_spans, token_table
from kg.extract.vocabulary import load_vocabulary


class VocabularyMatcher:
    """Known concepts from the SKOS vocabularies, via one PhraseMatcher on lower-case forms. It
    holds the exact-case labels too: a match of one counts where the tokens are written as the
    label is, which is what a second matcher on ORTH found, in one scan of the doc instead of two.
    (Should two labels of a kind have the same tokens, the two matchers are kept: the order of
    their matches on the same tokens is the matchers' own.)"""

    def __init__(self, nlp: Language, vocab_dir: str = "") -> None:
        self.vocab = load_vocabulary(vocab_dir)
        self.labels: dict[int, list[str]] = {}
        self.typed: dict[int, list[tuple[str, str]]] = {}  # (type, concept) of the label's concepts
        patterns = []  # (exact case?, name, pattern doc, its token texts or lower-case forms)
        for exact, table in ((True, self.vocab.exact), (False, self.vocab.lower)):
            for label, iris in table.items():
                iris = [i for i in iris if not (self.vocab.concepts[i].type == "modality" and " " not in label and "-" not in label)]
                if not iris:
                    continue  # one-word modality labels need context: the modality mapper handles them
                name = f"{'E' if exact else 'L'}:{label}"
                self.labels[nlp.vocab.strings.add(name)] = iris
                self.typed[nlp.vocab.strings[name]] = [(self.vocab.concepts[i].type, i) for i in iris]
                pattern = nlp.make_doc(label)
                patterns.append((exact, name, pattern, [t.text if exact else t.lower_ for t in pattern]))
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact_texts: dict[int, list[str]] = {}  # the token texts of the exact-case labels
        self.exact_matcher = None
        if len({(exact, *tokens) for exact, _, _, tokens in patterns}) < len(patterns):
            self.exact_matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        for exact, name, pattern, tokens in patterns:
            if not exact:
                self.matcher.add(name, [pattern])
            elif self.exact_matcher is not None:
                self.exact_matcher.add(name, [pattern])
            else:
                self.exact_texts[nlp.vocab.strings[name]] = tokens
                self.matcher.add(name, [pattern])

    def __call__(self, doc: Doc) -> Doc:
        T = token_table(doc)
        texts, spaces, idxs = T.texts, T.spaces, T.idxs
        cands = kg_spans(doc)
        typed = self.typed
        exact_texts = self.exact_texts
        matches = self.matcher(doc)
        # the exact-case matches first, then the lower-case ones, each in the matcher's order (by
        # start, then end: a label's tokens are no other label's of its kind). One pass over the
        # matches: the lower-case ones' candidates wait in a list of their own, added at the end.
        if self.exact_matcher is not None:
            for key, start, end in self.exact_matcher(doc):
                start_char, end_char = idxs[start], idxs[end - 1] + len(texts[end - 1])
                for t, iri in typed[key]:
                    cands.append(Cand0(start, end, start_char, end_char, t, iri, "vocabulary"))
        later = []
        for key, start, end in matches:
            tokens = exact_texts.get(key)
            if tokens is not None:
                if texts[start:end] != tokens:
                    continue
                if start > 1 and texts[start - 1] == "-" and not spaces[start - 2] and not spaces[start - 1] \
                        and texts[start - 2][:1].isupper() and name_shaped(texts[start - 2]):
                    continue  # the end of another name ("ULIP-ShapeNet", "Video-LLaVA" is not LLaVA)
                out = cands
            else:
                if start > 1 and texts[start - 1] == "-" and not spaces[start - 2] \
                        and not spaces[start - 1] and texts[start - 2][-1:].isalnum():
                    continue  # the end of a compound ("video-language models", "cross-modality alignment")
                if end + 1 < len(texts) and texts[end] == "-" and not spaces[end - 1] \
                        and not spaces[end] and texts[end + 1].isalpha() and not SUFFIX_WORD.match(T.lowers[end + 1]):
                    continue  # the start of a compound ("text to image-caption pairs"), not "transformer-based"
                out = later
            start_char, end_char = idxs[start], idxs[end - 1] + len(texts[end - 1])
            for t, iri in typed[key]:
                out.append(Cand0(start, end, start_char, end_char, t, iri, "vocabulary"))
        cands += later
        return doc


@Language.factory("kg_vocabulary", default_config={"vocab_dir": ""})
def make_vocabulary(nlp: Language, name: str, vocab_dir: str) -> VocabularyMatcher:
    return VocabularyMatcher(nlp, vocab_dir)
