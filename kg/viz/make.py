"""What `kg viz` (and the build's view.html) draws: the field map by default, the papers-and-entities
view on request, written as an HTML page or exported for other tools."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from kg.progress import stage as progress_stage
from kg.store import open_store
from kg.viz.select import check_counts, check_focus, check_types


@dataclass
class View:
    graph: nx.Graph  # what is drawn: node attributes type and label, at least
    note: str | None
    page: object = None  # a FieldMap for the field map; None for the papers view

    def write(self, out_path: str | Path, fmt: str = "html") -> Path:
        """Write the view (atomically) as an HTML page or in an export format of kg.viz.exports. An
        existing file is replaced only if it is a view of that format (kg.outputs)."""
        from kg.viz.exports import check_view_target, export_view

        check_view_target(out_path, fmt)  # from Python too: write_html(DIR, "notes.txt") replaced the notes
        if fmt == "html" and self.page is not None:
            from kg.viz.html import _write_atomically, render_field_map

            return _write_atomically(render_field_map(self.page), out_path)
        return export_view(self.graph, out_path, fmt, note=self.note)


def write_view(build_dir: str | Path, out_path: str | Path, fmt: str = "html", **options) -> View:
    """`make_view(build_dir, **options)` written to out_path, shown as the stage "view" of a long
    command (`kg.progress`): choosing what to show, then writing it. `out_path` is checked first,
    before any work."""
    from kg.viz.exports import check_view_target

    check_view_target(out_path, fmt)
    with progress_stage("view", total=2, unit="steps") as shown:
        shown.step("choosing what to show")
        view = make_view(build_dir, **options)
        shown.step("writing the page" if fmt == "html" else f"writing {fmt}")
        view.write(out_path, fmt)
    return view


def make_view(build_dir: str | Path, *, papers: bool = False, focus: str | None = None, hops: int = 1,
              types: list[str] | None = None, top: int | None = None, evidence: bool = True,
              tallied: bool = False) -> View:
    """The view of the graph in build_dir.

    Field map (default): entities linked by shared papers, pruned to the `top` most mentioned entities
    (None: kg.viz.fieldmap.DEFAULT_TOP; 0: all) before anything else is computed; `focus` draws the
    field of the papers mentioning that entity (or sharing an entity with that paper); `types` keeps
    those entity types.
    Papers view (papers=True): papers and entities, `focus` with `hops` its neighbourhood, `types` the
    entity types kept (papers always kept), `top` the best-connected nodes (None: 400; 0: all), chosen
    in the store before the graph is built unless there is a focus (kg.viz.papersview);
    `evidence` adds one evidence sentence per entity to its tooltip.
    `tallied` (the view `kg build` writes): the field map counts shared papers from the build's tally
    file when it describes the store (`kg.analyse.incidence.tallies_of`), as the report reads its
    matrix; the same map as from the store (tests/test_viz.py holds them to that).
    """
    check_types(types)  # before the graph is read
    check_counts(hops, top)
    check_focus(focus)
    tallies = None
    if tallied and not papers:
        from kg.analyse.incidence import tallies_of
        from kg.store import resolve

        tallies = tallies_of(resolve(build_dir))  # before the store is opened: its files are what is compared
    store = open_store(build_dir)
    if not papers:
        from kg.viz.fieldmap import DEFAULT_TOP, field_map

        fm = field_map(store, top=DEFAULT_TOP if top is None else top, types=types, focus=focus, tallies=tallies)
        return View(fm.graph, fm.note, fm)

    from kg.viz import papersview
    from kg.viz.html import DEFAULT_TOP as PAPERS_TOP

    top = PAPERS_TOP if top is None else top
    if focus or not top:  # a neighbourhood, or everything: taken in the whole graph
        from kg.analyse import views
        from kg.viz.select import select

        H, note = select(views.typed_graph(store), focus=focus, hops=hops, types=types, top=top or None)
    else:
        H, note = papersview.pruned_graph(store, top, types)
    if evidence:
        papersview.add_evidence(store, H)
    return View(H, note)
