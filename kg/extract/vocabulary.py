"""The SKOS vocabularies of ontology/vocab, loaded once and compiled into spaCy PhraseMatchers.

Labels with an upper-case letter are names or acronyms and match case-sensitively ("CLIP" is not the
verb "clip"); all-lower-case labels are common nouns and match in any case, with their regular
plurals and hyphen/space variants.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kg.extract import normalise
from kg.extract.normalise import entity_key, plural_variants, spelling_variants, written_variants
from kg.paths import VOCAB_DIR

SKOS = "http://www.w3.org/2004/02/skos/core#"
KGO = "https://w3id.org/kg-lit/ontology#"
SCHEME_TYPES = {
    "https://w3id.org/kg-lit/scheme/methods": "method",
    "https://w3id.org/kg-lit/scheme/datasets": "dataset",
    "https://w3id.org/kg-lit/scheme/modalities": "modality",
    "https://w3id.org/kg-lit/scheme/metrics": "metric",
    "https://w3id.org/kg-lit/scheme/tasks": "task",
}


@dataclass
class Concept:
    iri: str
    type: str
    pref: str
    labels: list[str] = field(default_factory=list)  # prefLabel + altLabels (+ adjective forms)


@dataclass
class Vocabulary:
    concepts: dict[str, Concept]
    # surface label -> concept IRIs, split by how they match
    exact: dict[str, list[str]]  # case-sensitive labels
    lower: dict[str, list[str]]  # lower-cased labels (and their variants)
    words: dict[str, set[str]]  # type -> words seen in that type's lowercase labels (modifier lexicon)

    def by_key(self, entity_type: str) -> dict[str, str]:
        """entity_key(label) -> concept IRI for one type (first concept wins on a clash)."""
        out: dict[str, str] = {}
        for c in self.concepts.values():
            if c.type == entity_type:
                for label in c.labels:
                    out.setdefault(entity_key(label), c.iri)
        return out


def _files(vocab_dir: Path) -> list[Path]:
    return sorted(vocab_dir.glob("*.ttl"))


def _digest(files: list[Path]) -> str:
    h = hashlib.sha256()
    # the code that indexes the labels too: a new variant of a label must not be read from an old cache
    for module in (Path(__file__), Path(normalise.__file__)):
        h.update(module.read_bytes())
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _parse(files: list[Path]) -> dict[str, Concept]:
    import pyoxigraph as ox

    concepts: dict[str, Concept] = {}
    store = ox.Store()
    for f in files:
        store.load(path=str(f), format=ox.RdfFormat.TURTLE)
    query = f"""
        SELECT ?c ?scheme ?pref ?label WHERE {{
          ?c <{SKOS}inScheme> ?scheme ; <{SKOS}prefLabel> ?pref .
          OPTIONAL {{ ?c <{SKOS}altLabel>|<{SKOS}hiddenLabel>|<{KGO}adjectiveForm> ?label }}
        }}"""
    for row in store.query(query):
        entity_type = SCHEME_TYPES.get(row["scheme"].value)
        if entity_type is None:
            continue
        iri = row["c"].value
        concept = concepts.get(iri)
        if concept is None:
            concept = concepts[iri] = Concept(iri, entity_type, row["pref"].value, [row["pref"].value])
        if row["label"] is not None and row["label"].value not in concept.labels:
            concept.labels.append(row["label"].value)
    for concept in concepts.values():  # repeatable order whatever the store returned
        concept.labels = [concept.pref, *sorted(set(concept.labels) - {concept.pref})]
    return dict(sorted(concepts.items()))


def _index(concepts: dict[str, Concept]) -> Vocabulary:
    exact: dict[str, list[str]] = {}
    lower: dict[str, list[str]] = {}
    words: dict[str, set[str]] = {}
    for c in concepts.values():
        for label in c.labels:
            label = " ".join(label.split())
            if not label:
                continue
            if label != label.lower():
                for form in [label, *written_variants(label)]:
                    iris = exact.setdefault(form, [])
                    if c.iri not in iris:  # ("Cohen kappa" is a label of its own and a variant of "Cohen's kappa")
                        iris.append(c.iri)
            else:
                for form in [label, *spelling_variants(label)]:
                    for variant in [form, *plural_variants(form)]:
                        lower.setdefault(variant, []).append(c.iri)
                words.setdefault(c.type, set()).update(w for w in label.replace("-", " ").split() if len(w) > 1)
    return Vocabulary(concepts, exact, lower, words)


@lru_cache(maxsize=4)
def load_vocabulary(vocab_dir: str = "") -> Vocabulary:
    """The vocabulary of a folder of SKOS files, cached on disk by the files' content hash."""
    folder = Path(vocab_dir) if vocab_dir else VOCAB_DIR
    files = _files(folder)
    cache_dir = Path.home() / ".cache" / "kg"
    cache = cache_dir / f"vocab-{_digest(files)}.pickle"
    try:
        with open(cache, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # noqa: BLE001 - none yet, or unreadable in any of the ways pickle fails: parsed again
        pass
    vocab = _index(_parse(files))
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # one per process: a build's workers start at once, and two writing one temporary file mixed
        # their pickles (its sets differ in order from process to process) into a cache that did not load
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(vocab, fh)
        tmp.replace(cache)
    except OSError:
        pass  # a read-only home only costs the parse next time
    return vocab
