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


PREFIX_MAP = {p: str(ns) for p, ns in PREFIXES.items()}


def run(store: ox.Store, sparql: str, *, substitutions: dict[str, ox.NamedNode | ox.Literal] | None = None):
    """Run a query; SELECT gives Rows, ASK a bool, CONSTRUCT/DESCRIBE a list of triples.

    The kg prefixes are given to the parser (not pasted into the text), so the line and column of a
    syntax error are those of the query as written. Substitutions bind variables to RDF terms.
    """
    bound = {ox.Variable(k): v for k, v in (substitutions or {}).items()}
    try:
        result = store.query(sparql, prefixes=PREFIX_MAP, substitutions=bound or None)
    except SyntaxError as exc:
        raise KgError(f"malformed SPARQL query: {exc}") from None
    if isinstance(result, (bool, ox.QueryBoolean)):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        terms = [[s[v] for v in variables] for s in result]
        return Rows(variables, [[term_value(t) for t in row] for row in terms], terms)
    return list(result)


# --------------------------------------------------------------------------- named queries

QUERY_DIR = Path(__file__).parent / "queries"
_HEADER = re.compile(r"^#\s*(name|description|param):\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s*\((\w+)(?:,\s*default\s*(\"[^\"]*\"|\S+))?\)\s*(?:-\s*(.*))?$")
CLASSES = {"method": "Method", "dataset": "Dataset", "modality": "Modality", "metric": "Metric", "task": "Task"}


@dataclass
class Param:
    name: str
    kind: str  # label | string | int | iri | class
    description: str = ""
    default: str | None = None


@dataclass
class NamedQuery:
    name: str
    description: str
    params: list[Param]
    sparql: str
    path: Path


def named_queries() -> dict[str, NamedQuery]:
    """The query library shipped with kg, by name."""
    out = {}
    for path in sorted(QUERY_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        meta: dict[str, str] = {}
        params = []
        for line in text.splitlines():
            m = _HEADER.match(line.strip())
            if not m:
                continue
            key, value = m.groups()
            if key == "param":
                pm = _PARAM.match(value)
                if pm:
                    default = pm.group(3)
                    params.append(Param(pm.group(1), pm.group(2), pm.group(4) or "",
                                        default.strip('"') if default is not None else None))
            else:
                meta[key] = value
        name = meta.get("name", path.stem)
        out[name] = NamedQuery(name, meta.get("description", ""), params, text, path)
    return out


def term_for(param: Param, value: str) -> ox.NamedNode | ox.Literal:
    """A parameter value as an RDF term: bound, never pasted into the query."""
    if param.kind in ("label", "string"):
        return ox.Literal(value)
    if param.kind == "int":
        try:
            return ox.Literal(str(int(value)), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        except ValueError:
            raise KgError(f"parameter {param.name} must be an integer, not {value!r}") from None
    if param.kind == "class":
        name = CLASSES.get(value.lower())
        if name is None:
            raise KgError(f"parameter {param.name} must be one of {', '.join(CLASSES)}, not {value!r}")
        return ox.NamedNode(PREFIX_MAP["kgo"] + name)
    prefix, _, local = value.partition(":")
    iri = PREFIX_MAP[prefix] + local if prefix in PREFIX_MAP and not value.startswith("http") else value
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise KgError(f"parameter {param.name} is not a valid IRI: {value!r}") from None


def run_named(store: ox.Store, name: str, params: dict[str, str] | None = None):
    """Run a query of the library with its parameters bound as RDF terms."""
    library = named_queries()
    if name not in library:
        raise KgError(f"no named query {name!r}; `kg query --list` shows them")
    query = library[name]
    params = dict(params or {})
    unknown = set(params) - {p.name for p in query.params}
    if unknown:
        raise KgError(f"query {name} takes no parameter {', '.join(sorted(unknown))}")
    bound: dict[str, list[ox.NamedNode | ox.Literal]] = {}
    for p in query.params:
        value = params.get(p.name, p.default)
        if value is None:
            raise KgError(f"query {name} needs --param {p.name}=... ({p.description})")
        bound[p.name] = concepts_labelled(store, value) if p.kind == "label" else [term_for(p, value)]
    return run(store, with_values(query.sparql, bound))


LABEL_EXACT = "SELECT DISTINCT ?c WHERE { VALUES ?l { %s %s } ?c skos:prefLabel|skos:altLabel ?l }"
LABEL_ANY_CASE = "SELECT DISTINCT ?c WHERE { ?c skos:prefLabel|skos:altLabel ?l . FILTER(LCASE(STR(?l)) = %s) }"


def concepts_labelled(store: ox.Store, label: str) -> list[ox.NamedNode]:
    """The concepts with this label: the exact label through the index first, any case otherwise."""
    tagged, plain = str(ox.Literal(label, language="en")), str(ox.Literal(label))
    found = [r["c"] for r in store.query(LABEL_EXACT % (tagged, plain), prefixes=PREFIX_MAP)]
    if not found:
        lowered = str(ox.Literal(label.lower()))
        found = [r["c"] for r in store.query(LABEL_ANY_CASE % lowered, prefixes=PREFIX_MAP)]
    return sorted(found, key=lambda t: t.value)


_WHERE = re.compile(r"\bWHERE\s*\{", re.I)


def with_values(sparql: str, bound: dict[str, list[ox.NamedNode | ox.Literal]]) -> str:
    """The query with a VALUES block per parameter, first thing inside WHERE.

    Each value is written by pyoxigraph as an RDF term (N-Triples syntax, quotes and backslashes
    escaped), so a value is only ever data: `x" } ; DROP ALL ; #` is a string that matches nothing.
    A parameter with no value (a label no concept has) gives an empty VALUES block: no rows.
    """
    if not bound:
        return sparql
    values = "".join(f"VALUES ?{n} {{ {' '.join(str(t) for t in terms)} }} " for n, terms in sorted(bound.items()))
    m = _WHERE.search(sparql)
    if m is None:
        raise KgError("a named query with parameters needs a WHERE clause")
    return sparql[: m.end()] + " " + values + sparql[m.end() :]
