"""Annotated papers and the span annotations projected from them.

The gold files are paper-level: each paper lists its entities (type, name, aliases, role), not where
they occur. Projection puts them back on the text: every token-aligned occurrence of an entity's name
or aliases becomes a labelled span (case-sensitive occurrences of a form first; its case-insensitive
ones only when it has none). Labels are the entity type, plus PROPOSED on the spans of the paper's
own methods and datasets.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from kg.errors import InputError
from kg.evaluate import check_each_paper_once, gold_lines
from kg.ids import title_key
from kg.model import ENTITY_TYPES, Paper

SPANS_KEY = "kg_model"  # doc.spans key of the trained component's spans (gold and predicted)
PROPOSED = "PROPOSED"
LABELS = (*ENTITY_TYPES, PROPOSED)


@dataclass
class AnnotatedPaper:
    paper: Paper
    entities: list[dict]  # the gold record's entities: type, name, aliases, role
    source: str  # the gold file's name without its extension ("dev", "seed_more", ...)
    key: str  # the gold record's id, else its normalised title: what folds are drawn by


def read_annotations(gold_paths: Sequence[str | Path], corpus: Sequence[str | Path] = ()) -> list[AnnotatedPaper]:
    """The papers of gold files with their text: a record's own "abstract", else the paper of the
    corpus files with the same normalised title. A record with neither is an InputError, and so is
    a paper annotated twice. One path may be given alone, for either."""
    from kg.ingest import as_paths, read_papers

    gold_paths = as_paths(gold_paths)  # (a string alone was read as its letters: "g: cannot read gold file")
    check_each_paper_once(gold_paths)
    by_title: dict[str, Paper] = {}
    if corpus:
        for paper in read_papers(corpus):
            by_title.setdefault(title_key(paper.title), paper)
    out: list[AnnotatedPaper] = []
    for path in map(Path, gold_paths):
        records = 0
        for number, record in gold_lines(path):
            records += 1
            try:
                title, entities = record["title"], record["entities"]
                for e in entities:
                    if e["type"] not in ENTITY_TYPES or not isinstance(e["name"], str):
                        raise ValueError(f"entity {e.get('name')!r} has unknown type {e.get('type')!r}")
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(str(path), f"not a gold record ({exc.__class__.__name__}: {exc})", line=number) from None
            key = title_key(title)
            if record.get("abstract"):
                paper = Paper(id=str(record.get("id") or key), title=title, abstract=record["abstract"])
            elif key in by_title:
                paper = by_title[key]
            else:
                raise InputError(str(path), f"no abstract for {title!r}: give it one, or the corpus (--corpus) that holds it",
                                 line=number)
            out.append(AnnotatedPaper(paper, entities, path.stem, str(record.get("id") or key)))
        if not records:  # (else training says only that it got too few papers, not which file was empty)
            raise InputError(str(path), "holds no gold record")
    return out


def fold_of(key: str, folds: int) -> int:
    """The fold a paper belongs to: a hash of its id, the same on every machine and run."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") % folds


def _occurrences(text: str, form: str) -> list[tuple[int, int]]:
    """Where `form` occurs as a whole word: case-sensitive, else (none found) case-insensitive."""
    if not form.strip():
        return []
    pattern = r"(?<!\w)" + re.escape(form) + r"(?!\w)"
    found = [m.span() for m in re.finditer(pattern, text)]
    return found or [m.span() for m in re.finditer(pattern, text, re.IGNORECASE)]


def project(doc: Doc, entities: Iterable[dict]) -> list[tuple[int, int, str]]:
    """Token spans (start, end, label) of every occurrence of the entities' names and aliases."""
    spans: set[tuple[int, int, str]] = set()
    for e in entities:
        labels = [e["type"]] + ([PROPOSED] if e.get("role") == "proposed" else [])
        for form in {e["name"], *e.get("aliases", [])}:
            for a, b in _occurrences(doc.text, form):
                span = doc.char_span(a, b)  # None when the form does not start and end on tokens
                if span is not None:
                    spans.update((span.start, span.end, label) for label in labels)
    return sorted(spans)


def annotated_doc(nlp: Language, item: AnnotatedPaper) -> Doc:
    """The paper's text, tokenised as the pipeline does, with its projected spans."""
    doc = nlp.make_doc(item.paper.text)
    doc.spans[SPANS_KEY] = [Span(doc, a, b, label=label) for a, b, label in project(doc, item.entities)]
    return doc


def write_docbin(nlp: Language, items: Iterable[AnnotatedPaper], path: str | Path) -> int:
    """The items as a spaCy DocBin of texts with their projected spans; returns the number of docs."""
    docs = DocBin(store_user_data=False)
    n = 0
    for item in items:
        docs.add(annotated_doc(nlp, item))
        n += 1
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    docs.to_disk(path)
    return n
