"""The paper × entity incidence matrix of a built graph: what every analysis of the report starts from.

Papers and entities are numbered in the order of their sorted IRIs, so the same graph gives the same
numbering (and the same report) whatever the hash seed or the order its input files were read in.
The matrix is a scipy CSR matrix with a 1 where a paper mentions an entity (a sub-property of
kgo:mentions, `kg.rdf.namespaces.mentions`); a million papers with twenty links each take about 100 MB, where a networkx graph of the same links
takes tens of GB. It is read from the store with SPARQL queries whose solutions are streamed into
integer arrays, never held as Python rows.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pyoxigraph as ox
from scipy import sparse

from kg.analyse.views import _local, _year
from kg.query import PREFIX_MAP, mentions

ENTITY_TYPES = ("method", "dataset", "modality", "metric", "task")
Progress = Callable[[str, "int | None", "int | None"], None]

# No GROUP BY: an aggregate holds every group in memory before the first row; these stream, and the
# rare paper with two dates or entity with two labels is settled below (the least, on every run).
PAPERS = "SELECT ?paper ?year WHERE { ?paper a kgo:Paper OPTIONAL { ?paper dcterms:issued ?year } }"
ENTITIES = """
SELECT ?entity ?type ?label WHERE {
  ?entity a ?type .
  VALUES ?type { kgo:Method kgo:Dataset kgo:Modality kgo:Metric kgo:Task }
  OPTIONAL { ?entity skos:prefLabel ?label }
}"""
LINKS = "SELECT ?paper ?entity WHERE { %s }" % mentions("?paper", "?entity")
TITLES = "SELECT ?paper (MIN(STR(?t)) AS ?title) WHERE { VALUES ?paper { %s } ?paper dcterms:title ?t } GROUP BY ?paper"


@dataclass
class Incidence:
    papers: list[str]  # paper ids (IRIs), sorted
    years: np.ndarray  # int32 per paper, 0 when undated
    entities: list[str]  # entity ids (IRIs), sorted; only entities some paper mentions
    types: list[str]  # per entity: method, dataset, modality, metric or task
    labels: list[str]  # per entity
    matrix: sparse.csr_matrix  # papers × entities, int32 ones
    store: ox.Store | None = None  # where paper titles are looked up (only those a report lists)
    paper_labels: dict[int, str] = field(default_factory=dict)  # titles known up front (graphs given in memory)

    @property
    def papers_per_entity(self) -> np.ndarray:
        return np.asarray(self.matrix.sum(axis=0)).ravel()

    def of_type(self, entity_type: str) -> np.ndarray:
        return np.array([i for i, t in enumerate(self.types) if t == entity_type], dtype=np.int64)

    def titles(self, rows: Iterable[int], *, chunk: int = 500) -> dict[int, str]:
        """Titles of the papers at these row numbers (their local name when a paper has none)."""
        rows = sorted(set(rows))
        out = {r: self.paper_labels.get(r, _local(self.papers[r])) for r in rows}
        if self.store is not None:
            row_of = {self.papers[r]: r for r in rows}
            for i in range(0, len(rows), chunk):
                values = " ".join(f"<{self.papers[r]}>" for r in rows[i:i + chunk])
                for s in self.store.query(TITLES % values, prefixes=PREFIX_MAP):
                    if s["title"] is not None:
                        out[row_of[s["paper"].value]] = s["title"].value
        return out


def from_store(store: ox.Store, *, progress: Progress | None = None, every: int = 200_000) -> Incidence:
    """Read the incidence matrix of the graph in `store`, streaming the links into integer arrays."""
    years_of: dict[str, int] = {}
    for s in store.query(PAPERS, prefixes=PREFIX_MAP):
        paper, year = s["paper"].value, _year(s["year"].value if s["year"] is not None else None)
        known = years_of.get(paper)
        if known is None or (year and (not known or year < known)):
            years_of[paper] = year
    papers = sorted(years_of)
    years = np.fromiter((years_of[p] for p in papers), dtype=np.int32, count=len(papers))
    del years_of
    kinds: dict[str, tuple[str, str]] = {}
    for s in store.query(ENTITIES, prefixes=PREFIX_MAP):
        entity = s["entity"].value
        # an IRI typed twice (say method and task) counts once, as its least type; its least label
        kind = (_local(s["type"].value).lower(), s["label"].value if s["label"] is not None else _local(entity))
        if entity not in kinds or kind < kinds[entity]:
            kinds[entity] = kind
    paper_row = {p: i for i, p in enumerate(papers)}
    entity_ids = {e: i for i, e in enumerate(sorted(kinds))}
    rows, cols = array("i"), array("i")
    for n, s in enumerate(store.query(LINKS, prefixes=PREFIX_MAP), start=1):
        row, col = paper_row.get(s[0].value), entity_ids.get(s[1].value)
        if row is not None and col is not None:
            rows.append(row)
            cols.append(col)
        if progress and n % every == 0:
            progress("reading the graph", n, None)
    del paper_row
    names = sorted(kinds)
    return _assemble(papers, years, names, [kinds[e][0] for e in names], [kinds[e][1] for e in names],
                     np.frombuffer(rows, dtype=np.int32), np.frombuffer(cols, dtype=np.int32), store=store)


def from_graph(G: nx.Graph) -> Incidence:
    """The incidence matrix of a typed graph (`views.typed_graph`): its paper–entity edges."""
    papers = sorted((n for n, t in G.nodes(data="type") if t == "paper"), key=str)
    entities = sorted((n for n, t in G.nodes(data="type") if t != "paper"), key=str)
    row = {p: i for i, p in enumerate(papers)}
    col = {e: i for i, e in enumerate(entities)}
    pairs = [(row[a], col[b]) if a in row else (row[b], col[a])
             for a, b in G.edges() if (a in row) != (b in row)]
    rows = np.array([r for r, _ in pairs], dtype=np.int32)
    cols = np.array([c for _, c in pairs], dtype=np.int32)
    inc = _assemble(papers, np.array([int(G.nodes[p].get("year") or 0) for p in papers], dtype=np.int32),
                    entities, [G.nodes[e]["type"] for e in entities], [str(G.nodes[e].get("label", e)) for e in entities],
                    rows, cols)
    inc.paper_labels = {i: str(G.nodes[p].get("label", p)) for i, p in enumerate(papers)}
    return inc


def _assemble(papers, years, entities, types, labels, rows, cols, *, store=None) -> Incidence:
    """The matrix, without entities no paper mentions (an entity only named in a vocabulary is no
    part of the analysis)."""
    matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(papers), len(entities)))
    matrix.data[:] = 1  # a link given twice counts once (the constructor summed the duplicates)
    used = np.flatnonzero(np.asarray(matrix.sum(axis=0)).ravel())
    matrix = matrix[:, used].tocsr()
    matrix.sort_indices()
    return Incidence(papers=list(papers), years=years, entities=[entities[i] for i in used],
                     types=[types[i] for i in used], labels=[labels[i] for i in used], matrix=matrix, store=store)
