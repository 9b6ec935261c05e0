"""kg_title_boundary: the title, which has no final full stop, is a sentence of its own."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.pipeline.tokens import token_table


@Language.component("kg_title_boundary")
def title_boundary(doc: Doc) -> Doc:
    """The title has no final full stop: start a new sentence after the blank line that ends it.
    The tokens are read from the token table (is_space is str.isspace, as the English lexeme
    attribute computes it), not as Token objects."""
    T = token_table(doc)
    for i, text in enumerate(T.texts):
        if "\n\n" in text or (text.isspace() and "\n" in text):
            if i + 1 < len(doc):
                doc[i + 1].is_sent_start = True
            break
    return doc

