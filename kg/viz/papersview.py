"""The papers-and-entities view (`kg viz --papers`) read from the store already pruned.

Without --focus, the nodes are chosen by SPARQL aggregates before any graph is built: the entities
mentioned by the most papers, then the papers with the most links to those entities (papers take up
to three quarters of the places, as kg.viz.select.best_connected does on a graph in memory). Only
the chosen papers, entities and the links between them are read, so the work is bounded by --top
and not by the corpus. With --focus the neighbourhood is taken in the whole graph (kg.viz.select).

Tooltip evidence is read through the named query `evidence` (kg.viz.fieldmap.panel_evidence).
"""
from __future__ import annotations

import networkx as nx
import pyoxigraph as ox

from kg.query import mentions, run
from kg.rdf.triples import issued_year
from kg.viz.fieldmap import COUNTS, TYPES, _chunks, _iris, _local, panel_evidence

PAPER_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?paper a kgo:Paper }"
LINKED_PAPERS = """
SELECT ?paper (COUNT(*) AS ?links) WHERE { VALUES ?entity { %%s } %s }
GROUP BY ?paper ORDER BY DESC(?links) ?paper LIMIT %%d""" % mentions("?paper", "?entity")
PAPER_DATA = """
SELECT ?paper (SAMPLE(?t) AS ?title) (SAMPLE(?y) AS ?year) WHERE {
  VALUES ?paper { %s } OPTIONAL { ?paper dcterms:title ?t } OPTIONAL { ?paper dcterms:issued ?y }
} GROUP BY ?paper"""
ENTITY_LABELS = """SELECT ?entity (SAMPLE(?l) AS ?label) WHERE { VALUES ?entity { %s } ?entity skos:prefLabel ?l } GROUP BY ?entity"""
LINKS = """
SELECT ?paper ?entity ?relation WHERE {
  VALUES ?paper { %%s } VALUES ?entity { %%s }
  %s
}""" % mentions("?paper", "?entity", "?relation")


def pruned_graph(store: ox.Store, top: int, types: list[str] | None = None) -> tuple[nx.Graph, str | None]:
    """Papers and entities (attributes as kg.analyse.views.typed_graph gives them), at most `top`
    nodes chosen before the graph is built, and a note saying what was left out."""
    kinds = sorted(set(types or TYPES))
    counts: dict[str, tuple[str, int]] = {}
    for entity, etype, papers in run(store, COUNTS % {"papers": "", "types": " ".join(f"kgo:{TYPES[t]}" for t in kinds)}).rows:
        counts.setdefault(entity, (_local(etype).lower(), int(papers)))
    n_papers = int(run(store, PAPER_COUNT).rows[0][0])
    total = n_papers + len(counts)
    n_entities = min(len(counts), max(top - min(n_papers, 3 * top // 4), 0))
    entities = sorted(counts, key=lambda e: (-counts[e][1], e))[:n_entities]
    papers = [p for p, _ in run(store, LINKED_PAPERS % (_iris(entities), top - n_entities)).rows] if entities else []

    G = nx.Graph()
    for chunk in _chunks(papers):
        for paper, title, year in run(store, PAPER_DATA % _iris(chunk)).rows:
            G.add_node(paper, type="paper", label=str(title or _local(paper)), year=issued_year(year), bipartite=0)
    labels = {}
    for chunk in _chunks(entities):
        labels.update(run(store, ENTITY_LABELS % _iris(chunk)).rows)
    for e in entities:
        G.add_node(e, type=counts[e][0], label=str(labels.get(e) or _local(e)), papers=counts[e][1], bipartite=1)
    for paper_chunk in _chunks(papers, 200):
        for entity_chunk in _chunks(entities):
            for paper, entity, relation in run(store, LINKS % (_iris(paper_chunk), _iris(entity_chunk))).rows:
                if relation or not G.has_edge(paper, entity):
                    G.add_edge(paper, entity, relation=_local(relation) if relation else "mentions")
    notes = ["types: " + ", ".join(kinds)] if types else []
    if G.number_of_nodes() < total:
        notes.append(f"pruned to the {G.number_of_nodes()} best-connected of {total} nodes")
    return G, "; ".join(notes) or None


def add_evidence(store: ox.Store, G: nx.Graph) -> nx.Graph:
    """One evidence sentence on each entity node (`evidence`), for its tooltip."""
    for n, kind in G.nodes(data="type"):
        if kind != "paper":
            sentences = [s for item in panel_evidence(store, n, 1) for s in item["sentences"]]
            if sentences:
                G.nodes[n]["evidence"] = sentences[0]
    return G
