"""Where kg finds its data folders (ontology, pipelines, examples).

In a source checkout (and an editable install) they are the folders at the top of the tree; an
installed wheel carries the same folders inside the package as kg/data/ (pyproject.toml maps them).
"""
from __future__ import annotations

from pathlib import Path

_INSTALLED = Path(__file__).resolve().parent / "data"
ROOT = _INSTALLED if (_INSTALLED / "ontology").is_dir() else Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
VOCAB_DIR = ONTOLOGY_DIR / "vocab"
PIPELINES_DIR = ROOT / "pipelines"
EXAMPLES_DIR = ROOT / "examples"
RULES_PIPELINE = PIPELINES_DIR / "default.cfg"  # rules and vocabularies only: the fast pipeline
TRAINED_PIPELINE = PIPELINES_DIR / "trained"  # the rules, then the trained entity judge (kg train)
# the trained pipeline is the default: it beats the rules alone on held-out folds (BENCHMARKS.md)
DEFAULT_PIPELINE = TRAINED_PIPELINE
