"""kg_tokenizer: spaCy's English tokenizer, adjusted so that names stay whole."""
from __future__ import annotations

import re

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from kg.extract.pipeline.names import NAME_SUFFIX_WORDS
from kg.extract.pipeline.tokens import keep_text


class TextKeepingTokenizer(Tokenizer):
    """spaCy's Tokenizer, which also hands each doc's text to its token table (keep_text): spaCy keeps
    every character, so the text given is the doc's, and joining it again from the tokens cost a
    fifth to a third of the table's time (BENCHMARKS.md, "One pass less over the tokens")."""

    def __call__(self, text: str):
        doc = super().__call__(text)
        keep_text(doc, text)
        return doc


@spacy.registry.tokenizers("kg_tokenizer")
def make_tokenizer():
    """English tokenization, except that capital unit letters after digits stay attached:
    names such as "PIN-14M" or "CC-12M" remain one token (spaCy splits "14M" as 14 + M), and a full
    stop after such a name is split off. An opening
    bracket glued to a word is split off, so that "Transformer(ViT)" defines an acronym."""

    def create(nlp: Language) -> Tokenizer:
        suffixes = [
            re.sub(r"\|(?:T|G|M|K)(?=\|)", "", s) if isinstance(s, str) and s.startswith("(?<=[0-9])(?:km") else s
            for s in nlp.Defaults.suffixes
        ]
        # a full stop after a name that ends in a capital ("... beats ViT.", "... on CC-12M.") ends the
        # sentence: spaCy splits it only after a lower-case letter or two capitals
        suffixes.append(r"(?<=[a-z0-9][A-Z])\.")
        # a bracket glued to a word opens a new token: "Vision Transformer(ViT)", "Wukong{ViT-B}"
        infixes = [*nlp.Defaults.infixes, r"(?<=[A-Za-z])[({](?=[A-Za-z])",
                   r"(?<=[A-Za-z0-9])-(?=(?i:" + NAME_SUFFIX_WORDS + r")\b)"]
        # spaCy's own English tokenizer (spacy.Tokenizer.v1) with these affixes, made in one go: its
        # special cases are loaded once, not again for each affix rule set afterwards
        return TextKeepingTokenizer(
            nlp.vocab,
            rules=nlp.Defaults.tokenizer_exceptions,
            prefix_search=compile_prefix_regex(nlp.Defaults.prefixes).search,
            suffix_search=compile_suffix_regex(suffixes).search,
            infix_finditer=compile_infix_regex(infixes).finditer,
            token_match=nlp.Defaults.token_match,
            url_match=nlp.Defaults.url_match,
        )

    return create
