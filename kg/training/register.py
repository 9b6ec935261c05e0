"""Imported by `spacy train --code` so that spaCy finds kg's registered components and suggester."""
import kg.extract  # noqa: F401
