"""Running SPARQL on a built graph: ad-hoc strings or .rq files, results as rows."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError
from kg.rdf.namespaces import PREFIXES


@dataclass
class Rows:
    """SELECT results: variable names and rows of plain Python values (None when unbound)."""

    variables: list[str]
    rows: list[list[object]]
    terms: list[list[object]] | None = None  # the RDF terms behind the values, for JSON output

    def as_dicts(self) -> list[dict[str, object]]:
        return [dict(zip(self.variables, row)) for row in self.rows]

    def as_sparql_json(self) -> dict:
        """SPARQL 1.1 Query Results JSON."""
        bindings = []
        for row in self.terms or []:
            binding = {}
            for var, term in zip(self.variables, row):
                if term is None:
                    continue
                if isinstance(term, ox.NamedNode):
                    binding[var] = {"type": "uri", "value": term.value}
                elif isinstance(term, ox.BlankNode):
                    binding[var] = {"type": "bnode", "value": term.value}
                else:
                    b = {"type": "literal", "value": term.value}
                    if term.language:
                        b["xml:lang"] = term.language
                    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                        b["datatype"] = term.datatype.value
                    binding[var] = b
            bindings.append(binding)
        return {"head": {"vars": self.variables}, "results": {"bindings": bindings}}


def term_value(term: object) -> object:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value.rsplit("#", 1)[-1]
        if dt in ("integer", "int", "long", "gYear"):
            try:
                return int(term.value)
            except ValueError:
                return term.value
        if dt in ("decimal", "double", "float"):
            return float(term.value)
        if dt == "boolean":
            return term.value == "true"
        return term.value
    return getattr(term, "value", str(term))


_DECLARED = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:", re.I)


def with_prefixes(sparql: str) -> str:
    """Declare the kg prefixes (kgo:, kgc:, skos:, ...) that the query does not declare itself."""
    declared = set(_DECLARED.findall(sparql))
    missing = {p: ns for p, ns in PREFIXES.items() if p not in declared}
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in missing.items()) + sparql


def load_query(text_or_path: str) -> str:
    path = Path(text_or_path)
    if text_or_path.endswith(".rq") or (len(text_or_path) < 255 and path.is_file()):
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise KgError(f"{path}: cannot read query: {exc.strerror or exc}") from None
    return text_or_path


def run(store: ox.Store, sparql: str, *, substitutions: dict[str, ox.NamedNode | ox.Literal] | None = None):
    """Run a query; SELECT gives Rows, ASK a bool, CONSTRUCT/DESCRIBE a list of triples."""
    try:
        result = store.query(with_prefixes(sparql), substitutions=substitutions or None)
    except SyntaxError as exc:
        raise KgError(f"malformed SPARQL query: {exc}") from None
    if isinstance(result, bool):
        return result
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        terms = [[s[v] for v in variables] for s in result]
        return Rows(variables, [[term_value(t) for t in row] for row in terms], terms)
    return list(result)
