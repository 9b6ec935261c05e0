"""The Python API a notebook uses: open a built graph, query it, get rows, DataFrames or rdflib.

    from kg.api import open_graph
    g = open_graph("kg-out")
    g.query("papers-using", entity="ImageNet")          # a named query -> list of dicts
    g.query("SELECT ?t WHERE { ?p dcterms:title ?t }")  # ad-hoc SPARQL (kg prefixes declared)
    g.dataframe("top-entities", type="dataset")         # pandas, when installed
    g.rdflib()                                          # an rdflib.Graph copy of the graph
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.query import NamedQuery, Rows, load_query, named_queries, run, run_named
from kg.store import open_store, read_manifest


@dataclass
class Graph:
    path: Path
    store: ox.Store

    def _rows(self, query: str, params: dict) -> Rows | bool | list:
        if query in named_queries():
            return run_named(self.store, query, {k: str(v) for k, v in params.items()})
        if params:
            raise TypeError("parameters apply to named queries only; see named_queries()")
        return run(self.store, load_query(query))

    def query(self, query: str, **params) -> list[dict] | bool | list:
        """Rows as dicts for SELECT; a bool for ASK; triples for CONSTRUCT/DESCRIBE."""
        result = self._rows(query, params)
        return result.as_dicts() if isinstance(result, Rows) else result

    def dataframe(self, query: str, **params):
        import pandas as pd

        result = self._rows(query, params)
        if not isinstance(result, Rows):
            raise TypeError("a DataFrame needs a SELECT query")
        return pd.DataFrame(result.rows, columns=result.variables)

    def named_queries(self) -> dict[str, NamedQuery]:
        return named_queries()

    def rdflib(self):
        from kg.validate import to_rdflib

        return to_rdflib(self.store)

    def manifest(self) -> dict:
        return read_manifest(self.path)


def open_graph(path: str | Path) -> Graph:
    """Open a build folder read-only."""
    return Graph(Path(path), open_store(path))
