"""Where kg finds its data folders (ontology, pipelines, examples) in a source checkout."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
VOCAB_DIR = ONTOLOGY_DIR / "vocab"
PIPELINES_DIR = ROOT / "pipelines"
EXAMPLES_DIR = ROOT / "examples"
DEFAULT_PIPELINE = PIPELINES_DIR / "default.cfg"
