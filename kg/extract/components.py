"""The names other modules imported from here before the components moved to kg.extract.pipeline
(one module per component); new code imports them from kg.extract.pipeline.tokens."""
from kg.extract.pipeline.tokens import CANDS, doc_text, sentences, token_table  # noqa: F401
