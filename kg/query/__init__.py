"""Running SPARQL on a built graph: ad-hoc strings, .rq files or the named query library.

Named queries live in `kg/query/queries/*.rq`. Each starts with comment lines the runner reads:

    # name: papers-using
    # description: what the query answers
    # param: entity (label) - what the parameter means
    # param: limit (int, default 100) - at most this many rows (0: all)

Parameter kinds: `label` (an entity, by any of its labels in any case, or by IRI / prefixed name),
`string`, `int`, `iri` and `class` (an entity type: method, dataset, modality, metric, task). Values
become RDF terms (pyoxigraph writes them, escaping included) in a VALUES block at the top of the
WHERE clause; they are never pasted into the query as text. The one exception is `limit`, which
is checked to be an integer and becomes the query's LIMIT clause (SPARQL cannot bind a LIMIT).
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError, did_you_mean, one_line
from kg.rdf.namespaces import PREFIXES, mentions  # noqa: F401 (mentions: for the modules that query)


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


# Text in which a word is no keyword of the SPARQL grammar
_NO_KEYWORDS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'  # long strings
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'  # short strings
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'  # IRIs
    r"|#[^\n]*",  # comments
    re.S)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# SERVICE as a keyword: not part of a prefixed name (`ex:service`), a variable or a longer word
_SERVICE = re.compile(r"(?<![\w:?$.-])SERVICE(?![\w:.-])", re.I)


def _decode_codepoint(match: re.Match) -> str:
    code = int(match[1] or match[2], 16)
    return chr(code) if code <= 0x10FFFF else match[0]


def calls_service(sparql: str) -> bool:
    """Whether a query or update holds a `SERVICE` clause, which makes the engine fetch another
    URL (a federated query). Read as the SPARQL grammar reads it: the query's \\u escapes decoded
    first (the grammar decodes them anywhere), the word inside strings, IRIs and comments no keyword.
    When unsure it says yes: an endpoint refuses a query rather than fetch a URL it was not meant to."""
    text = _CODEPOINT.sub(_decode_codepoint, sparql)
    return bool(_SERVICE.search(_NO_KEYWORDS.sub(" ", text)))


_DECLARED = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:", re.I)


def with_prefixes(sparql: str) -> str:
    """Declare the kg prefixes (kgo:, kgc:, skos:, ...) that the query does not declare itself."""
    declared = set(_DECLARED.findall(sparql))
    missing = {p: ns for p, ns in PREFIXES.items() if p not in declared}
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in missing.items()) + sparql


def declare_prefixes(sparql: str) -> str:
    """`with_prefixes`, the declarations all on the query's first line: line numbers in errors
    stay those of the query as written (the SPARQL endpoint of `kg serve` uses this)."""
    declared = set(_DECLARED.findall(sparql))
    return "".join(f"PREFIX {p}: <{ns}> " for p, ns in PREFIXES.items() if p not in declared) + sparql


def load_query(text_or_path: str) -> str:
    path = Path(text_or_path)
    # a file: a .rq name, an existing file or pipe (`kg query DIR <(...)`; it was parsed as SPARQL,
    # "malformed SPARQL near '/dev/fd/63'"), or one word no query is (`mine.sparql`, mistyped)
    if (text_or_path.endswith(".rq") or not re.search(r"[\s{<]", text_or_path)
            or (len(text_or_path) < 255 and path.exists() and not path.is_dir())):
        try:
            return path.read_text(encoding="utf-8-sig")  # a BOM (Windows editors) is no part of the query
        except OSError as exc:
            raise KgError(f"{path}: cannot read query: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:  # saved in another encoding, or not text
            raise KgError(f"{path}: cannot read query: not UTF-8 text (byte {exc.start})") from None
    return text_or_path


PREFIX_MAP = {p: str(ns) for p, ns in PREFIXES.items()}


_POSITION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)
# the first word of a query after its comments and PREFIX / BASE declarations
_FORM = re.compile(r"(?:\s+|#[^\n]*\n|(?:PREFIX\s+[\w.-]*:\s*|BASE\s*)<[^>]*>)*([A-Za-z]+)", re.I)
_KEYWORD = re.compile(r"^[A-Z][A-Za-z_ ]*$|^'[^']{1,3}'$")


def explain_syntax_error(sparql: str, message: str) -> str:
    """Oxigraph's parse error as one short line: where (line, column, the text there) and what was
    expected, without the character ranges of the SPARQL grammar that Oxigraph lists."""
    m = _POSITION.match(message.strip())
    if not m:
        return one_line(f"malformed SPARQL query: {message.splitlines()[0] if message else 'syntax error'}")
    line, column, rest = int(m.group(1)), int(m.group(2)), m.group(3)
    lines = sparql.splitlines() or [""]
    text = lines[line - 1][column - 1:].strip() if 0 < line <= len(lines) else ""
    where = f"near {text[:30]!r}" if text else "at the end of the query"
    prefixes = re.findall(r"([A-Za-z][\w.-]*):", lines[line - 1][: column - 1]) if 0 < line <= len(lines) else []
    form = _FORM.match(sparql)
    if form and form.group(1).upper() not in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE"):
        where, reason = f"near {form.group(1)!r}", "a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE"
    elif "Prefix not found" in rest:
        undeclared = f"prefix {prefixes[-1]}: is" if prefixes else "a prefix"
        reason = f"{undeclared} not declared (kg declares " + ", ".join(f"{p}:" for p in PREFIX_MAP) + ")"
    else:
        expected = rest.removeprefix("expected one of").removeprefix("expected").strip()
        words = [w.strip() for w in expected.split(",") if _KEYWORD.match(w.strip())]
        reason = "expected " + " or ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words) \
            if words else ("the query ends too soon" if not text else "unexpected text")
    return one_line(f"malformed SPARQL at line {line}, column {column} ({where}): {reason}")


def is_query_name(text: str) -> bool:
    """Whether `text` can only be meant as the name of a query: one word, which no SPARQL query
    is, and not a file."""
    return bool(re.fullmatch(r"[A-Za-z][\w-]*", text)) and not Path(text).exists()


def run(store: ox.Store, sparql: str, *, substitutions: dict[str, ox.NamedNode | ox.Literal] | None = None):
    """Run a query; SELECT gives Rows, ASK a bool, CONSTRUCT/DESCRIBE a list of triples.

    The kg prefixes are given to the parser (not pasted into the text), so the line and column of a
    syntax error are those of the query as written. Substitutions bind variables to RDF terms.
    """
    bound = {ox.Variable(k): v for k, v in (substitutions or {}).items()}
    try:
        result = store.query(sparql, prefixes=PREFIX_MAP, substitutions=bound or None)
    except SyntaxError as exc:
        raise KgError(explain_syntax_error(sparql, str(exc))) from None
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

    def usage(self) -> str:
        """One line per parameter: name, kind, default and meaning."""
        return "\n".join(
            f"{p.name} ({p.kind}{'' if p.default is None else ', default ' + repr(p.default)})"
            + (f" - {p.description}" if p.description else "")
            for p in self.params
        )


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
        raise KgError(f"unknown query {name!r}{did_you_mean(name, library)}; `kg query --list` shows them all")
    query = library[name]
    params = {k: str(v) for k, v in (params or {}).items()}
    unknown = set(params) - {p.name for p in query.params}
    if unknown:
        raise KgError(f"query {name} takes no parameter {', '.join(sorted(unknown))}"
                      + (f"; it takes {', '.join(p.name for p in query.params)}" if query.params else ""))
    bound: dict[str, list[ox.NamedNode | ox.Literal]] = {}
    limit = None
    for p in query.params:
        value = params.get(p.name, p.default)
        if value is None:
            raise KgError(f"query {name} needs --param {p.name}=... ({p.description})")
        if p.name == "limit":
            limit = _limit(value)
        elif p.kind == "label":
            bound[p.name] = resolve_entity(store, value)
        else:
            bound[p.name] = [term_for(p, value)]
    sparql = with_limit(with_values(query.sparql, bound), limit)
    return run(store, sparql)


_LIMIT_MARKER = re.compile(r"#\s*@limit\b[^\n]*")


def with_limit(sparql: str, limit: int | None) -> str:
    """The query with a LIMIT clause: in place of a `# @limit` comment line (a sub-select that picks
    the rows before the expensive part), at the end otherwise. 0 or None: no limit."""
    marker = _LIMIT_MARKER.search(sparql)
    clause = f"LIMIT {limit}" if limit else ""
    if marker is not None:
        return sparql[: marker.start()] + clause + sparql[marker.end() :]
    return sparql.rstrip() + f"\n{clause}\n" if clause else sparql


def _limit(value: str) -> int:
    try:
        limit = int(value)
    except ValueError:
        limit = -1
    if limit < 0:
        raise KgError(f"parameter limit must be a whole number (0: no limit), not {value!r}")
    # more rows than a store can hold is no limit (Oxigraph reads a LIMIT past 2^64 - 1 as a syntax
    # error, which named line 20 of kg's own query)
    return 0 if limit >= 1 << 64 else limit


def resolve_entity(store: ox.Store, value: str) -> list[ox.NamedNode]:
    """The concepts a `label` parameter names: an IRI (or kgc:/kgr: prefixed name) as it is,
    otherwise every concept with that preferred or alternative label, in any case."""
    value = value.strip()
    if re.match(r"^(https?|urn):", value) or (value.partition(":")[0] in PREFIX_MAP and " " not in value):
        return [term_for(Param("entity", "iri"), value)]
    return concepts_labelled(store, value)


LABEL_EXACT = "SELECT DISTINCT ?c WHERE { VALUES ?l { %s } ?c skos:prefLabel|skos:altLabel ?l }"
LABEL_ANY_CASE = "SELECT DISTINCT ?c WHERE { ?c skos:prefLabel|skos:altLabel ?l . FILTER(LCASE(STR(?l)) = %s) }"


def concepts_labelled(store: ox.Store, label: str) -> list[ox.NamedNode]:
    """The concepts with this label, in any case.

    The usual spellings (as given, lower case, upper case, capitalised; with and without the @en
    tag) are looked up through the store's index, which stays fast on large graphs; only when none
    of them is a label is every label compared in lower case (a scan of all labels).
    """
    spellings = dict.fromkeys([label, label.lower(), label.upper(), label[:1].upper() + label[1:], label.title()])
    terms = " ".join(f"{ox.Literal(s, language='en')} {ox.Literal(s)}" for s in spellings)
    found = {r["c"] for r in store.query(LABEL_EXACT % terms, prefixes=PREFIX_MAP)}
    if not found:
        lowered = str(ox.Literal(label.lower()))
        found = {r["c"] for r in store.query(LABEL_ANY_CASE % lowered, prefixes=PREFIX_MAP)}
    return sorted(found, key=lambda t: t.value)


_WHERE = re.compile(r"\bWHERE\s*\{", re.I)
_MARKER = re.compile(r"#\s*@values\b[^\n]*")


def with_values(sparql: str, bound: dict[str, list[ox.NamedNode | ox.Literal]]) -> str:
    """The query with a VALUES block per parameter, first thing inside WHERE (or in place of each
    `# @values` comment line, for a query whose parameters belong in sub-selects).

    Each value is written by pyoxigraph as an RDF term (N-Triples syntax, quotes and backslashes
    escaped), so a value is only ever data: `x" } ; DROP ALL ; #` is a string that matches nothing.
    A parameter with no value (a label no concept has) gives an empty VALUES block: no rows.
    """
    if not bound:
        return sparql
    values = "".join(f"VALUES ?{n} {{ {' '.join(str(t) for t in terms)} }} " for n, terms in sorted(bound.items()))
    if _MARKER.search(sparql):  # the query says where (each sub-select that must see the values)
        return _MARKER.sub(lambda _: values, sparql)
    m = _WHERE.search(sparql)
    if m is None:
        raise KgError("a named query with parameters needs a WHERE clause")
    return sparql[: m.end()] + " " + values + sparql[m.end() :]


# the longest wait a thread (or a socket) can be given, about 292 years: `--timeout inf` ended in an
# OverflowError traceback after the store was opened, NaN in a ValueError
MAX_TIMEOUT = threading.TIMEOUT_MAX


def check_timeout(seconds: float | None) -> float | None:
    """`seconds` as a time limit (None: no limit), or KgError when it is none (NaN, negative, too long)."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= MAX_TIMEOUT:
        raise KgError(f"a timeout is a number of seconds from 0 (no limit) to {MAX_TIMEOUT:.0f}, not {seconds!r}")
    return seconds or None


def with_timeout(job, seconds: float | None):
    """Call `job()`, giving up after `seconds` (None or 0: wait as long as it takes).

    The job runs in a daemon thread rather than a child process: pyoxigraph releases the GIL while
    it evaluates, so the caller can stop waiting at once and a store needs no second opening (a
    process would have to re-open the RocksDB store and ship every row back through a pipe). A
    query that is given up on keeps its thread until it ends or the process exits; the `kg query`
    command exits right after, which ends it.
    """
    if not check_timeout(seconds):
        return job()
    box: dict = {}

    def target() -> None:
        try:
            box["result"] = job()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True, name="kg-query")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise KgError(f"query timed out after {seconds:g} s")
    if "error" in box:
        raise box["error"]
    return box["result"]
