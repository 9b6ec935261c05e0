"""The kg spaCy components, one module each, laid out as spaCy's own `spacy.pipeline` package.

In the order of pipelines/default.cfg:
- tokenizer: `kg_tokenizer`, spaCy's English tokenizer adjusted so that names stay whole;
- sentencizer: `kg_sentencizer`, sentence starts after sentence-final punctuation;
- title_boundary: `kg_title_boundary`, the title is a sentence of its own;
- vocabulary_matcher: `kg_vocabulary`, concepts of the SKOS vocabularies;
- acronyms: `kg_acronyms`, "Long Form (LF)" definitions and the acronym's other mentions;
- name_patterns: `kg_patterns`, new names from their shape and context;
- verb_forms: `kg_verb_forms`, techniques named by a verb ("fine-tuned");
- modalities: `kg_modalities`, words that name data, mapped onto the modality list.
(`kg_results` is in kg.extract.results, the trained components in kg.extract.learned.)

The components add candidate mentions to the doc (see tokens: the token table, sentences and
candidates they share with the resolver); names holds the word lists and name shapes that more
than one of them reads, memo the per-word cache they and the resolver use for what depends on a
word alone. Importing this package registers the factories.
"""
from kg.extract.pipeline import (  # noqa: F401  (registers the factories)
    acronyms, modalities, name_patterns, sentencizer, title_boundary, tokenizer, verb_forms, vocabulary_matcher,
)
