"""The paper × entity incidence matrix of a built graph: what every analysis of the report starts from.

Papers and entities are numbered in the order of their sorted IRIs, so the same graph gives the same
numbering (and the same report) whatever the hash seed or the order its input files were read in.
The matrix is a scipy CSR matrix with a 1 where a paper mentions an entity (a sub-property of
kgo:mentions, `kg.rdf.namespaces.mentions`); a million papers with twenty links each take about 100 MB, where a networkx graph of the same links
takes tens of GB.

A build folder's matrix (`from_build`) is read from the tallies its build kept (`kg.rdf.tallies`:
each paper's IRI, year and concept keys) when they describe its store: the store's files are the
ones the build recorded in its manifest, and the tally file is this version's. Decoding the links
from SPARQL solutions costs ~45 µs a link (45 CPU-s at 100k papers); the tallies are integer
arrays. Any other store (changed outside kg, built by an older kg, given in memory) is read with
SPARQL queries whose solutions are streamed into integer arrays, never held as Python rows; both
give the same matrix (tests/test_analyse.py holds them to that).
"""
from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pyoxigraph as ox
from scipy import sparse

from kg.analyse.views import _local
from kg.query import PREFIX_MAP, mentions
from kg.rdf.counts import concept_hash
from kg.rdf.tallies import TALLY_FILE, TallyFile
from kg.rdf.triples import issued_year
from kg.errors import KgError
from kg.store import open_store, read_manifest, resolve, store_as_built

ENTITY_TYPES = ("method", "dataset", "modality", "metric", "task")
Progress = Callable[[str, "int | None", "int | None"], None]

# No GROUP BY: an aggregate holds every group in memory before the first row; these stream, and the
# rare paper with two dates or entity with two labels is settled below (the least, on every run).
PAPERS = "SELECT ?paper ?year WHERE { ?paper a kgo:Paper OPTIONAL { ?paper dcterms:issued ?year } }"
# Two plain patterns, not one with an OPTIONAL label: the join cost 3x their sum (2.1 against 0.65
# CPU-s for the 31k entities of 20k papers)
ENTITIES = "SELECT ?entity ?type WHERE { ?entity a ?type VALUES ?type { kgo:Method kgo:Dataset kgo:Modality kgo:Metric kgo:Task } }"
LABELS = "SELECT ?entity ?label WHERE { ?entity skos:prefLabel ?label }"
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


def from_build(build_dir: str | Path, *, progress: Progress | None = None, every: int = 200_000) -> Incidence:
    """The incidence matrix of the graph in a build folder: from its build's tallies when they
    describe its store (`tallies_of`), else from the store."""
    build_dir = resolve(build_dir)
    tallies = tallies_of(build_dir)  # before the store is opened: its files are what is compared
    store = open_store(build_dir)
    if tallies is not None:
        return from_tallies(tallies, store, progress=progress, every=every)
    return from_store(store, progress=progress, every=every)


def tallies_of(build_dir: Path) -> Path | None:
    """The build's tally file if it describes the store: the store's files are those the build
    recorded (`kg.store.store_files`: any write since adds or grows one) and the file is this
    version's (an older kg kept no papers in it); else None."""
    path = build_dir / TALLY_FILE
    try:
        manifest = read_manifest(build_dir)
    except KgError:  # no manifest, or an unreadable one: the store tells
        return None
    return path if store_as_built(build_dir, manifest) and TallyFile.current(path) else None


def _entity_kinds(store: ox.Store) -> dict[str, tuple[str, str]]:
    """Entity IRI -> (type, label) of every typed entity in the store: an IRI typed twice (say
    method and task) counts once, as its least type; its least preferred label, else its local name."""
    types: dict[str, str] = {}
    for entity, entity_type in store.query(ENTITIES, prefixes=PREFIX_MAP):
        entity, entity_type = entity.value, _local(entity_type.value).lower()
        if entity not in types or entity_type < types[entity]:
            types[entity] = entity_type
    labels: dict[str, str] = {}
    for entity, label in store.query(LABELS, prefixes=PREFIX_MAP):
        entity, label = entity.value, label.value
        if entity in types and (entity not in labels or label < labels[entity]):
            labels[entity] = label
    return {entity: (entity_type, labels[entity] if entity in labels else _local(entity)) for entity, entity_type in types.items()}


def from_tallies(path: Path, store: ox.Store, *, progress: Progress | None = None, every: int = 200_000) -> Incidence:
    """The incidence matrix from a build's tally file (papers, years and links) and its store (the
    entities' types and labels: one row per entity, not per link). The same matrix as `from_store`
    gives for the store the tallies describe: papers sorted by IRI, a paper counted twice is one row
    with the least of its years (as `from_store` settles two dates), links of untyped entities left out."""
    kinds = _entity_kinds(store)
    names = sorted(kinds)
    iris: list[str] = []
    sizes, columns, years = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int32)], [np.zeros(0, dtype=np.int32)]
    links = reported = 0
    for group, group_sizes, group_columns, group_years in tallied_columns(path, names):
        columns.append(group_columns)
        sizes.append(group_sizes)
        years.append(group_years)
        iris += group
        links += len(group_columns)
        if progress and links - reported >= every:
            progress("reading the graph", links, None)
            reported = links
    papers = sorted(set(iris))
    row_of = {p: i for i, p in enumerate(papers)}
    rows = np.fromiter((row_of[p] for p in iris), dtype=np.int32, count=len(iris))  # tally order -> row
    del row_of, iris
    undated = np.iinfo(np.int32).max  # 0 is no date: the least year is taken over the others
    dated = np.concatenate(years)
    least = np.full(len(papers), undated, dtype=np.int32)
    np.minimum.at(least, rows, np.where(dated != 0, dated, undated))
    least[least == undated] = 0
    rows, cols = np.repeat(rows, np.concatenate(sizes)), np.concatenate(columns)
    kept = cols >= 0
    return _assemble(papers, least, names, [kinds[e][0] for e in names], [kinds[e][1] for e in names],
                     rows[kept], cols[kept], store=store)


def tallied_columns(path: Path, entities: list[str]):
    """Each group of papers a tally file holds, as (their IRIs, their numbers of links, each link's
    column in `entities` (-1 for a concept not among them), their years): the file keeps concepts as
    keys (`concept_hash`), so a link is matched to its entity by key, not by IRI."""
    keys = np.fromiter((concept_hash(e) for e in entities), dtype=np.int64, count=len(entities))
    by_key = np.argsort(keys)
    sorted_keys = keys[by_key]
    for size_blob, hash_blob, group, year_blob in TallyFile.papers(path):
        yield (group, np.frombuffer(size_blob, dtype=np.int64),
               _columns(np.frombuffer(hash_blob, dtype=np.int64), sorted_keys, by_key),
               np.frombuffer(year_blob, dtype=np.int32))


def _columns(hashes: np.ndarray, sorted_keys: np.ndarray, by_key: np.ndarray) -> np.ndarray:
    """The column of each concept key (`by_key[i]`: the column of the i-th least key), -1 for a key
    of no typed entity."""
    if not len(sorted_keys):
        return np.full(len(hashes), -1, dtype=np.int32)
    at = np.minimum(np.searchsorted(sorted_keys, hashes), len(sorted_keys) - 1)
    return np.where(sorted_keys[at] == hashes, by_key[at], -1).astype(np.int32)


def from_store(store: ox.Store, *, progress: Progress | None = None, every: int = 200_000) -> Incidence:
    """Read the incidence matrix of the graph in `store`, streaming the links into integer arrays."""
    years_of: dict[str, int] = {}
    for s in store.query(PAPERS, prefixes=PREFIX_MAP):
        paper, year = s["paper"].value, issued_year(s["year"].value if s["year"] is not None else None)
        known = years_of.get(paper)
        if known is None or (year and (not known or year < known)):
            years_of[paper] = year
    papers = sorted(years_of)
    years = np.fromiter((years_of[p] for p in papers), dtype=np.int32, count=len(papers))
    del years_of
    kinds = _entity_kinds(store)
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
