"""Scoring extraction against a gold file, with the matching rule of the annotation guidelines.

Papers are joined on their normalised title. A predicted entity matches a gold entity of the same
type when any of its forms (name and mentions) equals any of the gold forms (name and aliases)
after normalisation (NFKC, case-folded, only a-z0-9, one trailing "s" dropped from forms longer
than 3 characters not ending in "ss"). Matching is one to one (a maximum bipartite matching).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from kg.errors import InputError
from kg.extract.normalise import entity_key
from kg.ids import title_key
from kg.ingest.gold import check_gold_record
from kg.model import ENTITY_TYPES


@dataclass
class GoldEntity:
    type: str
    name: str
    forms: set[str]
    role: str | None


@dataclass
class TypeScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class Report:
    per_type: dict[str, TypeScore] = field(default_factory=lambda: {t: TypeScore() for t in ENTITY_TYPES})
    role_agree: int = 0
    role_total: int = 0
    papers: int = 0
    missing_papers: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"paper", "type", "kind": "fp"|"fn"|"role", "name", ...}

    @property
    def micro(self) -> TypeScore:
        total = TypeScore()
        for s in self.per_type.values():
            total.tp, total.fp, total.fn = total.tp + s.tp, total.fp + s.fp, total.fn + s.fn
        return total

    @property
    def role_accuracy(self) -> float:
        return self.role_agree / self.role_total if self.role_total else 0.0

    def as_dict(self) -> dict:
        return {
            "papers": self.papers,
            "per_type": {t: s.as_dict() for t, s in self.per_type.items()},
            "micro": self.micro.as_dict(),
            "role_accuracy": round(self.role_accuracy, 4),
            "roles_scored": self.role_total,
            "missing_papers": self.missing_papers,
        }


def form_key(text: str) -> str:
    return entity_key(text)


def gold_lines(path: str | Path) -> Iterator[tuple[int, object]]:
    """(line number, record) of each line of a gold file (JSON Lines); an unreadable file or a line
    that is not JSON is an InputError naming the file and line."""
    try:
        # a BOM is no part of line 1; lines end at "\n" alone, as JSON Lines says: `splitlines` also broke
        # a line at a U+2028, U+2029 or U+0085 inside a string, which JSON allows unescaped (json.dumps
        # with ensure_ascii=False writes them so), and a valid record was "not JSON"
        lines = Path(path).read_text(encoding="utf-8-sig").split("\n")
    except OSError as exc:
        raise InputError(str(path), f"cannot read gold file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"cannot read gold file: not UTF-8 (byte {exc.start})") from None
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise InputError(str(path), f"not JSON ({exc})", line=number) from None
            yield number, check_gold_record(str(path), number, record)


def check_each_paper_once(paths: Iterable[str | Path]) -> None:
    """InputError at the second gold record of one paper (the same normalised title) in `paths`.
    A paper annotated twice was scored against its later record alone, and in cross-validation its
    two records (two ids, so two folds) put the held-out paper into its own training data."""
    first: dict[str, str] = {}
    for path in paths:
        for number, record in gold_lines(path):
            key = title_key(record["title"])
            if key in first:
                raise InputError(str(path), f"{record['title']!r} is annotated again (first at {first[key]}): "
                                 "annotate each paper once", line=number)
            first[key] = f"{path}:{number}"


def load_gold(path: str | Path) -> dict[str, tuple[str, list[GoldEntity]]]:
    """normalised title -> (title, gold entities). A bad line is an InputError naming file:line."""
    gold: dict[str, tuple[str, list[GoldEntity]]] = {}
    for number, record in gold_lines(path):
        try:
            entities = [
                GoldEntity(
                    e["type"], e["name"], {form_key(f) for f in [e["name"], *e.get("aliases", [])] if form_key(f)},
                    e.get("role"),
                )
                for e in record["entities"]
            ]
            title = record["title"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(str(path), f"not a gold record ({exc.__class__.__name__}: {exc})", line=number) from None
        unknown = {e.type for e in entities} - set(ENTITY_TYPES)
        if unknown:
            raise InputError(str(path), f"unknown entity type(s) {sorted(unknown)}", line=number)
        gold[title_key(title)] = (title, entities)
    return gold


def one_to_one(n_pred: int, n_gold: int, agree) -> list[tuple[int, int]]:
    """A maximum one-to-one matching of predicted i and gold j where agree(i, j), as sorted pairs.

    Nodes are plain ints (predicted i, gold n_pred + j): networkx keeps them in sets, and only ints
    iterate in the same order under every PYTHONHASHSEED, so the pairs chosen among equally large
    matchings (and with them role accuracy, the relative flag and training labels) repeat exactly.
    """
    graph = nx.Graph()
    graph.add_nodes_from(range(n_pred + n_gold))
    graph.add_edges_from((i, n_pred + j) for i in range(n_pred) for j in range(n_gold) if agree(i, j))
    matching = nx.bipartite.maximum_matching(graph, top_nodes=range(n_pred))
    return sorted((i, matching[i] - n_pred) for i in range(n_pred) if i in matching)


def _match(pred: list[dict], gold: list[GoldEntity]) -> list[tuple[int, int]]:
    """Maximum one-to-one matching between predicted and gold entities sharing a form."""
    pred_forms = [{form_key(f) for f in [e["name"], *e.get("mentions", [])] if form_key(f)} for e in pred]
    return one_to_one(len(pred), len(gold), lambda i, j: bool(pred_forms[i] & gold[j].forms))


def score(predictions: Iterable[dict], gold: dict[str, tuple[str, list[GoldEntity]]]) -> Report:
    """Score `kg extract` records (dicts with title and entities) against gold."""
    report = Report()
    seen: set[str] = set()
    for record in predictions:
        key = title_key(record["title"])
        if key not in gold or key in seen:
            continue
        seen.add(key)
        report.papers += 1
        title, gold_entities = gold[key]
        for entity_type in ENTITY_TYPES:
            pred = [e for e in record["entities"] if e["type"] == entity_type]
            gl = [g for g in gold_entities if g.type == entity_type]
            pairs = _match(pred, gl)
            s = report.per_type[entity_type]
            s.tp += len(pairs)
            s.fp += len(pred) - len(pairs)
            s.fn += len(gl) - len(pairs)
            matched_p, matched_g = {i for i, _ in pairs}, {j for _, j in pairs}
            for i, j in pairs:
                if entity_type in ("method", "dataset") and gl[j].role:
                    report.role_total += 1
                    if pred[i].get("role") == gl[j].role:
                        report.role_agree += 1
                    else:
                        report.errors.append({"paper": title, "type": entity_type, "kind": "role",
                                              "name": gl[j].name, "predicted": pred[i].get("role"), "gold": gl[j].role})
            for i, e in enumerate(pred):
                if i not in matched_p:
                    report.errors.append({"paper": title, "type": entity_type, "kind": "fp", "name": e["name"],
                                          "mentions": e.get("mentions", [])})
            for j, g in enumerate(gl):
                if j not in matched_g:
                    report.errors.append({"paper": title, "type": entity_type, "kind": "fn", "name": g.name})
    report.missing_papers = sorted(gold[k][0] for k in gold if k not in seen)
    for k in gold:  # gold papers never predicted: all their entities are missed
        if k not in seen:
            for g in gold[k][1]:
                report.per_type[g.type].fn += 1
    return report
