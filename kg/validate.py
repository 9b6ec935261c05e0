"""SHACL validation of a built graph against `ontology/shapes.ttl` (pyshacl)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import SH

from kg.paths import ONTOLOGY_DIR

SHAPES = ONTOLOGY_DIR / "shapes.ttl"


@dataclass
class Violation:
    focus: str
    path: str | None
    message: str
    severity: str

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{self.focus}{where}: {self.message}"


def to_rdflib(store: ox.Store) -> Graph:
    """The store's default graph as an rdflib Graph (via N-Triples, the cheapest common format)."""
    graph = Graph()
    graph.parse(data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()), format="nt")
    return graph


def validate_graph(data: Graph, shapes: Path = SHAPES) -> tuple[bool, list[Violation]]:
    from pyshacl import validate  # imported here: pyshacl is slow to import and only needed here

    shapes_graph = Graph().parse(shapes)
    conforms, report, _ = validate(data, shacl_graph=shapes_graph, inference="none", allow_warnings=True)
    violations = []
    for result in report.subjects(SH.resultSeverity, None):
        message = report.value(result, SH.resultMessage)
        path = report.value(result, SH.resultPath)
        violations.append(
            Violation(
                focus=str(report.value(result, SH.focusNode)),
                path=str(path) if path is not None else None,
                message=str(message) if message else "constraint violated",
                severity=str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
            )
        )
    violations.sort(key=lambda v: (v.focus, v.path or "", v.message))
    return bool(conforms), violations


def validate_store(store: ox.Store, shapes: Path = SHAPES) -> tuple[bool, list[Violation]]:
    return validate_graph(to_rdflib(store), shapes)
