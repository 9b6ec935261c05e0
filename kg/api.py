"""The Python API a notebook uses: open a built graph, query it, get rows, DataFrames or rdflib.

    from kg.api import open_graph
    g = open_graph("kg-out")
    g.query("papers-using", entity="ImageNet")          # a named query -> list of dicts
    g.query("SELECT ?t WHERE { ?p dcterms:title ?t }")  # ad-hoc SPARQL (kg prefixes declared)
    g.query("queries/mine.rq", timeout=10)              # a .rq file, given up on after 10 s
    g.dataframe("top-entities", type="dataset")         # pandas, when installed
    g.named_queries()                                   # name -> NamedQuery (description, params)
    g.rdflib()                                          # an rdflib.Graph copy of the graph
    g.store                                             # the pyoxigraph Store, read-only
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError
from kg.outputs import hold_build
from kg.query import NamedQuery, Rows, is_query_name, load_query, named_queries, run, run_named, with_timeout
from kg.store import open_store, read_manifest


@dataclass
class Graph:
    path: Path
    store: ox.Store
    # the lock that keeps a later build from deleting the build this graph reads (`close` releases it)
    _hold: int | None = field(default=None, repr=False)
    _build: Path | None = field(default=None, repr=False)  # the build folder read (DIR may point elsewhere later)
    _closed: bool = field(default=False, repr=False)

    def close(self) -> None:
        """Stop reading: a later build may then remove the build this graph read."""
        self._closed = True
        if self._hold is not None:
            os.close(self._hold)
            self._hold = None

    def _open(self) -> None:
        # once closed, a later build may replace and delete the build read, while its store still
        # answered from what it had open: a notebook cell after its `with` read an old graph silently
        if self._closed:
            raise KgError(f"{self.path}: this graph was closed; open_graph({str(self.path)!r}) again to read it")

    def __enter__(self) -> "Graph":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - late in Python's shutdown `os` may be gone; the kernel frees the lock
            pass

    def _rows(self, query: str, params: dict, timeout: float | None) -> Rows | bool | list:
        self._open()
        if query in named_queries() or is_query_name(query):  # a misspelt name gets suggestions, as on the command line
            return with_timeout(lambda: run_named(self.store, query, {k: str(v) for k, v in params.items()}), timeout)
        if params:
            raise TypeError("parameters apply to named queries only; see named_queries()")
        text = load_query(query)
        return with_timeout(lambda: run(self.store, text), timeout)

    def query(self, query: str, timeout: float | None = None, **params) -> list[dict] | bool | list:
        """Run a named query (its parameters as keywords), a .rq file or SPARQL text.

        Rows as dicts of plain Python values for SELECT; a bool for ASK; a list of pyoxigraph
        Triples for CONSTRUCT/DESCRIBE. `timeout` (seconds) raises KgError when exceeded.
        """
        result = self._rows(query, params, timeout)
        return result.as_dicts() if isinstance(result, Rows) else result

    def rows(self, query: str, timeout: float | None = None, **params) -> Rows | bool | list:
        """Like `query`, but SELECT results as `Rows` (variables, values, RDF terms, SPARQL JSON)."""
        return self._rows(query, params, timeout)

    def dataframe(self, query: str, timeout: float | None = None, **params):
        """SELECT results as a pandas DataFrame (pandas must be installed)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("Graph.dataframe needs pandas: pip install pandas (or 'kg-lit[notebooks]')") from None

        result = self._rows(query, params, timeout)
        if not isinstance(result, Rows):
            raise TypeError("a DataFrame needs a SELECT query")
        return pd.DataFrame(result.rows, columns=result.variables)

    def named_queries(self) -> dict[str, NamedQuery]:
        return named_queries()

    def rdflib(self):
        """The graph as an in-memory rdflib Graph (a copy: fine for the example corpus and
        notebooks on small graphs; query large graphs through `query`)."""
        from kg.validate import to_rdflib

        self._open()
        return to_rdflib(self.store)

    def manifest(self) -> dict:
        self._open()
        return read_manifest(self._build or self.path)


def open_graph(path: str | Path) -> Graph:
    """Open a build folder read-only (several processes may read one graph at the same time). The
    build read stays whole while the graph is open, though `kg build` replaces it meanwhile: a
    notebook keeps reading the graph as it was until `close()` (or `open_graph` again for the new one)."""
    build, hold = hold_build(path)
    try:
        return Graph(Path(path), open_store(build), hold, build)
    except BaseException:
        os.close(hold)
        raise
