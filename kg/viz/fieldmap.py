"""The field map: which methods, datasets, tasks, metrics and modalities matter and travel together.

Entities are the nodes (sized by the number of papers mentioning them), linked by the papers they
share. Each entity's papers are the count the build stores (kgo:paperCount; with a focus, a SPARQL
aggregate over the focus's papers), and the entities are pruned to the
`top` most mentioned BEFORE pairs are counted or anything is laid out, so the work and the page stay
bounded by `top` (pairs: top², panel: top × `papers_per_node`), whatever the number of papers.

- Shared papers are counted as a sparse product A^T A, A being the papers x kept-entities incidence
  matrix read from the store one row per paper (only papers that mention two kept entities are kept),
  or, for the view a build writes, from the build's tally file (`shared_papers_tallied`).
- Links are thinned to a backbone: a pair is kept when it shares at least `min_shared` papers and is
  among the `per_node` strongest links of one of its two entities, strength being the association
  shared / sqrt(papers_a × papers_b) (a cosine: a pair of hubs does not win only by being big). The
  note on the page says how many links were dropped.
- Communities: Louvain (seeded, on sorted nodes and edges, so the same graph gives the same map) over
  the backbone weighted by association; each of the largest communities gets a halo colour.
- The side panel of an entity lists at most `papers_per_node` of its papers, with the role and the
  evidence sentences, read through the named query `evidence` only (see `panel_evidence`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pyoxigraph as ox
from scipy import sparse

from kg.analyse.incidence import tallied_columns
from kg.errors import KgError
from kg.query import PREFIX_MAP, mentions, resolve_entity, run, run_named
from kg.rdf import counts
from kg.viz.style import COMMUNITY_RINGS

DEFAULT_TOP = 100
PER_NODE = 4
PAPERS_PER_NODE = 8
SENTENCE_CHARS = 300
TYPES = {"method": "Method", "dataset": "Dataset", "modality": "Modality", "metric": "Metric", "task": "Task"}
ROLES = {"proposes": "proposes", "uses": "uses", "involvesModality": "involves", "addressesTask": "addresses",
         "measuresWith": "measures with", "mentions": "mentions"}

# {papers}: a sub-select of the papers the map is drawn from (those around a focus).
COUNTS = """
SELECT ?entity ?type ?papers WHERE {
  { SELECT ?entity (COUNT(*) AS ?papers) WHERE { %%(papers)s %s } GROUP BY ?entity }
  ?entity a ?type . VALUES ?type { %%(types)s }
}""" % mentions("?paper", "?entity")
# The map of all papers reads what the build stores (kg.rdf.counts, checked by `kg doctor`) instead
# of counting every link of the graph (2.4 s at 20k papers, growing with them): the paper counts,
# and to pick the `top` most mentioned, each type's ranks (kgo:paperRank; the overall top N is among
# the top N of each type, as both break ties by IRI). The type is compared, not matched, so that
# the store starts from the ranked concepts (0.1 s at 20k instead of 3.6 s for all the counts).
STORED_COUNTS = """
SELECT ?entity ?type ?papers WHERE { ?entity kgo:paperCount ?papers ; a ?type . VALUES ?type { %(types)s } }"""
RANKED_COUNTS = """
SELECT ?entity ?type ?papers WHERE {
  ?entity kgo:paperRank ?rank ; a ?type . FILTER(?rank <= %(top)d && ?type IN (%(type_list)s))
  ?entity kgo:paperCount ?papers
}"""
COUNTED = """
SELECT (COUNT(*) AS ?n) WHERE { ?entity kgo:paperCount ?papers ; a ?type . VALUES ?type { %(types)s } }"""
LABELS = """SELECT ?entity (SAMPLE(?l) AS ?label) WHERE { VALUES ?entity { %s } ?entity skos:prefLabel ?l } GROUP BY ?entity"""
# One row per paper: the positions (in the list of kept entities) of the kept entities it mentions.
# The store groups; Python only sees short strings of numbers, never the papers themselves.
PAPER_SETS = """
SELECT (GROUP_CONCAT(STR(?i)) AS ?set) WHERE {
  %%(papers)s
  VALUES (?entity ?i) { %%(indexed)s }
  %s
} GROUP BY ?paper""" % mentions("?paper", "?entity")
TOTALS = "SELECT ?entity ?papers WHERE { VALUES ?entity { %s } ?entity kgo:paperCount ?papers }"
# every entity of the listed papers (about ten each), those drawn kept in Python: a second VALUES
# list of the drawn entities made Oxigraph try every pair (4 s for 800 papers at 20k)
PAPER_ENTITIES = "SELECT ?paper ?entity WHERE { VALUES ?paper { %%s } %s }" % mentions("?paper", "?entity")
FIND_PAPER = """
SELECT ?paper WHERE {
  VALUES ?q { %s }
  ?paper a kgo:Paper .
  OPTIONAL { ?paper dcterms:identifier ?id }
  OPTIONAL { ?paper dcterms:title ?t }
  FILTER(STR(?id) = STR(?q) || LCASE(STR(?t)) = LCASE(STR(?q)))
} ORDER BY ?paper LIMIT 1"""
ALL_PAPERS = ""


@dataclass
class FieldMap:
    """What the page draws: `graph` (entities with type, label, papers, community; links with shared
    papers and association), the side-panel data, and notes saying what was left out."""

    graph: nx.Graph
    panel: dict = field(default_factory=dict)  # entity id -> {papers: [...], more: int, total: int}
    papers: dict = field(default_factory=dict)  # paper id -> {title, entities: [drawn entity ids]}
    communities: list = field(default_factory=list)  # [{ring, members: [ids], names: [labels]}]
    notes: list = field(default_factory=list)
    focus: list = field(default_factory=list)  # the focus entity, or the entities of the focus paper

    @property
    def note(self) -> str | None:
        return "; ".join(self.notes) or None


def _iris(iris) -> str:
    return " ".join(f"<{i}>" for i in iris)


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _chunks(items: list, size: int = 400):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def find_focus(store: ox.Store, name: str) -> tuple[str, str, list[str]]:
    """(kind, label, anchor entity IRIs) of a focus: an entity by label or IRI, else a paper by its
    id or whole title (any case); the anchors of a paper are the entities it mentions."""
    try:
        entities = [e.value for e in resolve_entity(store, name)]
    except KgError:
        entities = []
    entities = [e for e in entities if run(store, "ASK { %s }" % mentions("?p", f"<{e}>"))]
    if entities:
        return "entity", name, sorted(entities)
    rows = run(store, FIND_PAPER % ox.Literal(name)).rows  # the name written as an RDF literal by pyoxigraph
    if rows:
        paper = rows[0][0]
        anchors = [r[0] for r in run(store, "SELECT ?e WHERE { %s } ORDER BY ?e" % mentions(f"<{paper}>", "?e")).rows]
        if anchors:
            return "paper", name, anchors
    raise KgError(f"no entity or paper called {name!r} in the graph")


def backbone(pairs: dict[tuple[str, str], int], papers: dict[str, int], *, per_node: int = PER_NODE,
             min_shared: int = 2) -> dict[tuple[str, str], tuple[int, float]]:
    """The links kept: (a, b) -> (shared papers, association), for pairs sharing at least `min_shared`
    papers that are among the `per_node` strongest links of a or of b (ties broken by names)."""
    strength = {pair: (n, n / math.sqrt(papers[pair[0]] * papers[pair[1]])) for pair, n in pairs.items() if n >= min_shared}
    by_node: dict[str, list] = {}
    for (a, b), (n, assoc) in strength.items():
        by_node.setdefault(a, []).append((-assoc, -n, b, (a, b)))
        by_node.setdefault(b, []).append((-assoc, -n, a, (a, b)))
    kept = set()
    for links in by_node.values():
        kept.update(pair for *_, pair in sorted(links)[:per_node])
    return {pair: strength[pair] for pair in sorted(kept)}


def communities(G: nx.Graph) -> list[list[str]]:
    """Louvain communities of the backbone (association weights), largest first; the same graph gives
    the same communities whatever the hash seed (nodes and edges are fed in sorted order)."""
    H = nx.Graph()
    H.add_nodes_from(sorted(G))
    H.add_weighted_edges_from(sorted((a, b, d["association"]) for a, b, d in G.edges(data=True)))
    found = nx.community.louvain_communities(H, weight="weight", seed=42) if H.number_of_edges() else []
    ranked = [sorted(c, key=lambda n: (-G.nodes[n]["papers"], n)) for c in found if len(c) > 1]
    return sorted(ranked, key=lambda c: (-len(c), c[0]))


def shared_papers(store: ox.Store, entities: list[str], paper_block: str = ALL_PAPERS) -> dict[tuple[str, str], int]:
    """(a, b) -> the number of papers mentioning both, for a < b among `entities` (pairs sharing none left out)."""
    indexed = " ".join(f"(<{e}> {i})" for i, e in enumerate(entities))
    indptr, indices = [0], []
    for solution in store.query(PAPER_SETS % {"papers": paper_block, "indexed": indexed}, prefixes=PREFIX_MAP):
        mentioned = solution["set"].value.split()
        if len(mentioned) > 1:  # a paper mentioning one kept entity links nothing
            indices.extend(map(int, mentioned))
            indptr.append(len(indices))
    A = sparse.csr_matrix((np.ones(len(indices), dtype=np.int32), np.asarray(indices, dtype=np.int64),
                           np.asarray(indptr, dtype=np.int64)), shape=(len(indptr) - 1, len(entities)))
    return _pairs(A, entities)


def shared_papers_tallied(tally_file: Path, entities: list[str]) -> dict[tuple[str, str], int]:
    """What `shared_papers` counts over all papers, read from a build's tally file (`kg.rdf.tallies`:
    each paper's IRI and concept keys, integer arrays) instead of the store: the build's own view
    takes it from there, as its report does (`kg.analyse.incidence.from_tallies`), since grouping
    every link of the store by paper took 4 s at 100k papers and about a minute at 1M. A paper the
    file holds twice (its IRI in two inputs) is one row, as the store has it."""
    row_of: dict[str, int] = {}
    rows, cols = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int32)]
    for group, sizes, col, _ in tallied_columns(tally_file, entities):
        paper = np.repeat(np.arange(len(group)), sizes)
        hit = col >= 0
        # only the papers mentioning a kept entity get a row (their IRIs, not all papers', looked up)
        mentioning, at = np.unique(paper[hit], return_inverse=True)
        row = np.fromiter((row_of.setdefault(group[p], len(row_of)) for p in mentioning.tolist()),
                          dtype=np.int64, count=len(mentioning))
        rows.append(row[at])
        cols.append(col[hit])
    rows_, cols_ = np.concatenate(rows), np.concatenate(cols)
    A = sparse.csr_matrix((np.ones(len(rows_), dtype=np.int32), (rows_, cols_)), shape=(len(row_of), len(entities)))
    A.data[:] = 1  # a paper held twice: its links count once (the constructor summed them)
    return _pairs(A, entities)


def _pairs(A: sparse.csr_matrix, entities: list[str]) -> dict[tuple[str, str], int]:
    """(a, b) -> shared papers from A, the papers x `entities` incidence matrix: A^T A above the diagonal."""
    C = sparse.triu(A.T @ A, k=1).tocoo()
    pairs = {}
    for i, j, n in zip(C.row.tolist(), C.col.tolist(), C.data.tolist()):
        a, b = entities[i], entities[j]
        pairs[(a, b) if a < b else (b, a)] = int(n)
    return pairs


def panel_evidence(store: ox.Store, entity: str, limit: int) -> list[dict]:
    """The papers of one entity with the role and evidence sentences of each link (at most `limit`
    links), read through the named query `evidence`: the one place that knows how evidence is stored."""
    rows = run_named(store, "evidence", {"entity": entity, "limit": str(limit)}).as_dicts()
    by_paper: dict[str, dict] = {}
    for row in rows:
        item = by_paper.setdefault(str(row["paperIri"]), {"paper": str(row["paperIri"]), "title": str(row["title"]),
                                                         "roles": [], "sentences": []})
        role = ROLES.get(str(row["relation"]), str(row["relation"]))
        if role not in item["roles"]:
            item["roles"].append(role)
        sentence = str(row["sentence"] or "")
        if len(sentence) > SENTENCE_CHARS:
            sentence = sentence[: SENTENCE_CHARS - 1] + "…"
        if sentence and sentence not in item["sentences"] and len(item["sentences"]) < 2:
            item["sentences"].append(sentence)
    # a paper's link as "mentions" adds nothing once a more precise role is known
    for item in by_paper.values():
        if len(item["roles"]) > 1 and "mentions" in item["roles"]:
            item["roles"].remove("mentions")
    return sorted(by_paper.values(), key=lambda i: ("proposes" not in i["roles"], i["title"].casefold(), i["paper"]))


def field_map(store: ox.Store, *, top: int | None = DEFAULT_TOP, types: list[str] | None = None,
              focus: str | None = None, per_node: int = PER_NODE, min_shared: int | None = None,
              papers_per_node: int = PAPERS_PER_NODE, tallies: Path | None = None) -> FieldMap:
    """The field map of a built graph (see the module docstring); `top` 0 or None keeps every entity.
    `tallies`, the tally file of the build that wrote `store` (`kg.analyse.incidence.tallies_of`):
    the shared papers of the map of all papers are counted from it instead of the store."""
    notes = []
    unknown = sorted(set(types or []) - set(TYPES))
    if unknown:
        raise KgError(f"unknown entity type {', '.join(unknown)}; choose from {', '.join(TYPES)}")
    kinds = sorted(set(types or TYPES))
    type_values = " ".join(f"kgo:{TYPES[t]}" for t in kinds)
    paper_block, anchors, focus_label = ALL_PAPERS, [], None
    if focus:
        kind, focus_label, anchors = find_focus(store, focus)
        paper_block = "{ SELECT DISTINCT ?paper WHERE { VALUES ?anchor { %s } %s } }" % (_iris(anchors), mentions("?paper", "?anchor"))
        notes.append(f"papers that mention {focus_label}" if kind == "entity"
                     else f"papers sharing an entity with the paper {focus_label}")
    if types:
        notes.append("types: " + ", ".join(kinds))

    by_rank = not focus and top and top <= counts.TOP_RANKED  # ranks stored that deep
    if focus:
        counted = COUNTS % {"papers": paper_block, "types": type_values}
    elif by_rank:
        counted = RANKED_COUNTS % {"top": top, "type_list": ", ".join(type_values.split())}
    else:
        counted = STORED_COUNTS % {"types": type_values}
    found: dict[str, dict] = {}
    for entity, etype, papers in run(store, counted).rows:
        if entity not in found:  # an entity with two types is drawn once
            found[entity] = {"type": _local(etype).lower(), "papers": int(papers)}
    ranked = sorted(found, key=lambda e: (-found[e]["papers"], e))
    total = run(store, COUNTED % {"types": type_values}).rows[0][0] if by_rank else len(ranked)
    pinned = [e for e in anchors if e in found]
    if top and total > top:
        keep = pinned + [e for e in ranked if e not in pinned][: max(top - len(pinned), 0)]
        notes.append(f"the {len(keep)} most mentioned of {total} entities")
    else:
        keep = ranked
    keep = sorted(keep)
    labels = {}
    for chunk in _chunks(keep):
        labels.update((e, str(label)) for e, label in run(store, LABELS % _iris(chunk)).rows if label is not None)

    G = nx.Graph()
    for e in keep:
        G.add_node(e, label=labels.get(e, _local(e)), **found[e])
    if len(keep) < 2:
        pairs = {}
    elif tallies and paper_block == ALL_PAPERS:
        pairs = shared_papers_tallied(tallies, keep)
    else:
        pairs = shared_papers(store, keep, paper_block)
    if min_shared is None:  # a single shared paper is noise in a large corpus, all there is in a small one
        min_shared = 2 if max((d["papers"] for d in found.values()), default=0) >= 20 else 1
    kept = backbone(pairs, {e: found[e]["papers"] for e in keep}, per_node=per_node, min_shared=min_shared)
    for (a, b), (shared, assoc) in kept.items():
        G.add_edge(a, b, weight=shared, association=round(assoc, 4))
    if len(kept) < len(pairs):
        notes.append(f"{len(kept)} of {len(pairs)} co-mention links kept (the {per_node} strongest per entity"
                     + (f", sharing at least {min_shared} papers" if min_shared > 1 else "") + f"), {len(pairs) - len(kept)} dropped")

    alone = sorted(n for n in G if G.degree(n) == 0 and n not in pinned)
    if alone and G.number_of_edges():
        G.remove_nodes_from(alone)
        notes.append(f"{len(alone)} {'entity' if len(alone) == 1 else 'entities'} with no such link left out")

    groups = communities(G)
    rings = []
    for i, members in enumerate(groups):
        ring = COMMUNITY_RINGS[i] if i < len(COMMUNITY_RINGS) else ""
        for n in members:
            G.nodes[n]["community"] = i + 1
            G.nodes[n]["ring"] = ring
        rings.append({"ring": ring, "members": members, "names": [G.nodes[n]["label"] for n in members[:3]]})
    for n in G:
        G.nodes[n].setdefault("community", 0)
        G.nodes[n].setdefault("ring", "")

    fm = FieldMap(G, communities=rings, notes=notes, focus=sorted(n for n in pinned if n in G))
    _fill_panel(store, fm, papers_per_node)
    return fm


def _fill_panel(store: ox.Store, fm: FieldMap, papers_per_node: int) -> None:
    """Papers and evidence of each drawn entity (bounded), and the drawn entities of each listed paper."""
    G = fm.graph
    totals: dict[str, int] = {}
    for chunk in _chunks(sorted(G)):
        for entity, n in run(store, TOTALS % _iris(chunk)).rows:
            totals[entity] = int(n)
    for n in sorted(G):
        items = panel_evidence(store, n, 2 * papers_per_node)[:papers_per_node]
        total = totals.get(n, len(items))
        fm.panel[n] = {"papers": items, "total": total, "more": max(total - len(items), 0)}
        for item in items:
            fm.papers.setdefault(item["paper"], {"title": item["title"], "entities": []})
    listed = sorted(fm.papers)
    drawn = set(G)
    for paper_chunk in _chunks(listed, 200):
        for paper, entity in run(store, PAPER_ENTITIES % _iris(paper_chunk)).rows:
            if entity in drawn:
                fm.papers[paper]["entities"].append(entity)
    for info in fm.papers.values():
        info["entities"].sort()

