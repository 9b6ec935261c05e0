"""Trends by year, where papers have dates (dcterms:issued), counted on the incidence matrix."""
from __future__ import annotations

from collections import defaultdict

import networkx as nx
import numpy as np

from kg.analyse.incidence import Incidence, from_graph


def _incidence(source: Incidence | nx.Graph) -> Incidence:
    return from_graph(source) if isinstance(source, nx.Graph) else source


def papers_per_year(source: Incidence | nx.Graph) -> dict[int, int]:
    inc = _incidence(source)
    years, counts = np.unique(inc.years[inc.years > 0], return_counts=True)
    return {int(y): int(n) for y, n in zip(years, counts)}


def _mentions_by_year(inc: Incidence) -> dict[int, np.ndarray]:
    """For each year with dated papers, how many of its papers mention each entity."""
    return {year: np.asarray(inc.matrix[np.flatnonzero(inc.years == year)].sum(axis=0)).ravel()
            for year in papers_per_year(inc)}


def trends(source: Incidence | nx.Graph, k: int = 5) -> dict[int, dict[str, list[tuple[str, int]]]]:
    """For each year with dated papers, the most mentioned entities of each type."""
    inc = _incidence(source)
    out = {}
    for year, counts in _mentions_by_year(inc).items():
        by_type: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for e in np.flatnonzero(counts):
            by_type[inc.types[e]].append((inc.labels[e], int(counts[e])))
        out[year] = {t: sorted(rows, key=lambda x: (-x[1], x[0]))[:k] for t, rows in sorted(by_type.items())}
    return out


def share_by_year(source: Incidence | nx.Graph, entity_type: str = "modality", k: int = 6) -> dict[str, dict[int, float]]:
    """For the k entities of a type mentioned by most dated papers: the share of each year's papers
    that mention them."""
    inc = _incidence(source)
    per_year = papers_per_year(inc)
    by_year = _mentions_by_year(inc)
    of_type = inc.of_type(entity_type)
    if not per_year or not len(of_type):
        return {}
    dated = sum(by_year.values())  # dated papers mentioning each entity
    ranked = sorted((e for e in of_type.tolist() if dated[e]), key=lambda e: (-dated[e], inc.labels[e]))[:k]
    return {inc.labels[e]: {y: round(int(by_year[y][e]) / n, 4) for y, n in per_year.items()} for e in ranked}
