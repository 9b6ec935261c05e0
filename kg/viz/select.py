"""Choosing what a view shows: a focus entity and its neighbourhood, entity types, the top N nodes."""
from __future__ import annotations

import networkx as nx

from kg.errors import KgError, did_you_mean
from kg.model import ENTITY_TYPES


def check_types(types: list[str] | None) -> None:
    """Raise KgError for a --type that is not an entity type (checked before the graph is read)."""
    for t in types or []:
        if t not in ENTITY_TYPES:
            raise KgError(f"unknown entity type {t!r}{did_you_mean(t, ENTITY_TYPES)}; "
                          f"choose among {', '.join(ENTITY_TYPES)}")


def check_counts(hops: int, top: int | None) -> None:
    """Raise KgError for a negative `hops` or `top` (the command line's option ranges refuse them; from
    Python, top=-1 drew an empty view over the earlier one)."""
    if hops < 0 or (top is not None and top < 0):
        raise KgError(f"hops and top must be 0 or more, not hops={hops}, top={top}")


def check_focus(focus: str | None) -> None:
    """Raise KgError for a focus that names nothing (`--focus ''`, a variable left empty in a script):
    it was taken as no focus, and the whole view drawn without a word."""
    if focus is not None and not focus.strip():
        raise KgError("--focus is empty: give the label of an entity or the title of a paper")


def find_node(G: nx.Graph, name: str) -> str:
    """The node whose label (or IRI) is `name`, case-insensitively."""
    low = name.casefold()
    matches = [n for n, label in G.nodes(data="label") if n == name or str(label).casefold() == low]
    if not matches:
        raise KgError(f"no entity or paper called {name!r} in the graph")
    return sorted(matches, key=lambda n: (G.nodes[n]["type"] == "paper", n))[0]


def select(
    G: nx.Graph, *, focus: str | None = None, hops: int = 1, types: list[str] | None = None, top: int | None = None
) -> tuple[nx.Graph, str | None]:
    """The subgraph to draw, and a note saying what was left out (None when nothing was)."""
    check_types(types)
    check_counts(hops, top)
    H = G
    notes = []
    if focus:
        centre = find_node(G, focus)
        H = nx.ego_graph(G, centre, radius=hops)
        notes.append(f"showing {hops} hop(s) around {G.nodes[centre]['label']}")
    if types:
        keep = set(types) | {"paper"}
        H = H.subgraph(n for n, t in H.nodes(data="type") if t in keep)
        notes.append("types: " + ", ".join(sorted(types)))
    if top and H.number_of_nodes() > top:
        total = H.number_of_nodes()
        H = H.subgraph(best_connected(H, top))
        notes.append(f"pruned to the {top} best-connected of {total} nodes")
    return nx.Graph(H), ("; ".join(notes) or None)


def best_connected(G: nx.Graph, top: int) -> list:
    """`top` nodes of a papers-and-entities graph that stay linked: the best-connected entities, then
    the papers with the most links to them, papers taking up to three quarters of the places.
    (Ranking all nodes by degree alone keeps only entities on a large graph, since an entity's degree
    grows with the corpus and a paper's does not, and a view of entities alone has no edges.)"""
    def by_degree(nodes):
        return sorted(nodes, key=lambda n: (-G.degree(n), str(n)))

    papers = [n for n, t in G.nodes(data="type") if t == "paper"]
    others = [n for n, t in G.nodes(data="type") if t != "paper"]
    n_entities = min(len(others), max(top - min(len(papers), 3 * top // 4), 0))
    entities = by_degree(others)[:n_entities]
    kept = set(entities)
    linked = sorted(papers, key=lambda p: (-sum(1 for e in G.neighbors(p) if e in kept), -G.degree(p), str(p)))
    return entities + linked[: top - n_entities]
