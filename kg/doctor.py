"""`kg doctor`: check an installation and, optionally, a built graph; say what is wrong in plain words."""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path


DISTRIBUTION = "kg-lit"  # kg's name on the package index (pyproject.toml); the package is `kg`


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def _check(name: str, fn: Callable[[], str]) -> Check:
    try:
        return Check(name, True, fn())
    except Exception as exc:  # a doctor reports every failure instead of stopping at the first
        return Check(name, False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def installation_checks() -> Iterator[Check]:
    yield Check("python", sys.version_info >= (3, 11), f"{sys.version.split()[0]} (3.11 or newer needed)")
    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        requirements = []
        yield Check("kg package", False, f"{DISTRIBUTION} is not installed; run `pip install -e .` in the project folder")
    for req in requirements:
        if "extra ==" in req:
            continue
        name_m, min_m = re.match(r"[A-Za-z0-9_.\-]+", req), re.search(r">=\s*([\d.]+)", req)
        if not (name_m and min_m):
            continue
        name, minimum = name_m.group(0), min_m.group(1)
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            yield Check(name, False, f"not installed (needs >= {minimum}); run `pip install -e .`")
            continue
        ok = _version_tuple(have) >= _version_tuple(minimum)
        yield Check(name, ok, f"{have}" + ("" if ok else f", but >= {minimum} is needed"))

    def ontology() -> str:
        from rdflib import Graph

        from kg.build import ontology_files

        total = 0
        for path in ontology_files():
            total += len(Graph().parse(path))
        return f"{len(ontology_files())} files, {total} triples"

    yield _check("ontology and vocabularies parse", ontology)

    def pipeline() -> str:
        from kg.extract import build_nlp
        from kg.paths import DEFAULT_PIPELINE

        nlp = build_nlp(DEFAULT_PIPELINE)
        return f"{DEFAULT_PIPELINE.name}: " + ", ".join(nlp.pipe_names)

    yield _check("spaCy pipeline loads", pipeline)


# Entities whose stored count (kg.rdf.counts) is missing or differs from a count of their links
# (a graph written by an older kg, or changed behind kg's back).
STALE_COUNTS = """
SELECT (COUNT(*) AS ?n) WHERE {
  { SELECT ?c (COUNT(*) AS ?live) WHERE { %s } GROUP BY ?c }
  OPTIONAL { ?c kgo:paperCount ?stored }
  FILTER(!BOUND(?stored) || ?stored != ?live)
}
"""


def graph_checks(graph: Path) -> Iterator[Check]:
    """The checks of the build behind `graph`, held for reading while they run (`hold_build`): a
    `kg build --out GRAPH` finishing meanwhile leaves this build in place, so every check reads the
    one build it started on instead of failing halfway on a store deleted under it."""
    from kg.outputs import hold_build

    try:
        folder, held = hold_build(graph)
    except Exception as exc:
        yield Check("store opens", False, str(exc))
        return
    try:
        yield from _build_checks(graph, folder)
    finally:
        os.close(held)


def _build_checks(graph: Path, folder: Path) -> Iterator[Check]:
    """`graph_checks` of the build folder `folder` (named `graph` in what they say)."""
    from kg.query import mentions, run
    from kg.store import EXPORT_FORMATS, open_store, read_manifest

    try:
        store = open_store(folder)
    except Exception as exc:
        yield Check("store opens", False, str(exc))
        return
    yield Check("store opens", True, str(folder / "store"))
    papers = run(store, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper }").rows[0][0]
    manifest = _check("manifest", lambda: f"{read_manifest(folder)['papers']} papers recorded")
    yield manifest
    if manifest.ok:
        recorded = read_manifest(folder)["papers"]
        yield Check("paper count matches the manifest", recorded == papers, f"store {papers}, manifest {recorded}" + (
            "" if recorded == papers else f": the store was changed outside kg build (a push to `kg serve --writable`?); "
            f"`kg build INPUT --out {graph} --append` records it and recomputes the counts"))
    in_named = run(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0][0]
    yield Check("every triple in the default graph", in_named == 0,
                "kg builds, queries and counts the default graph only" if not in_named else
                f"{in_named} triples in named graphs, which kg's queries, stats and counts do not see "
                "(pushed with --graph?); push to the default graph instead")
    orphans = run(store, "SELECT (COUNT(?l) AS ?n) WHERE { ?l kgo:confidence ?c . FILTER NOT EXISTS { ?l kgo:span ?s } }").rows[0][0]
    yield Check("every link has evidence", orphans == 0, f"{orphans} links without evidence")
    unlabelled = run(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { %s FILTER NOT EXISTS { ?c skos:prefLabel ?l } }" % mentions("?p", "?c")).rows[0][0]
    yield Check("every entity has a label", unlabelled == 0, f"{unlabelled} entities without a preferred label")
    stale = run(store, STALE_COUNTS % mentions("?p", "?c")).rows[0][0]
    yield Check("stored paper counts are current", stale == 0,
                f"{stale} entities whose stored paper count (kgo:paperCount) is missing or wrong: named queries "
                f"would report wrong figures; `kg build INPUT --out {graph} --append` recomputes them" if stale else
                "every mentioned entity's kgo:paperCount matches its links")
    recorded_triples = read_manifest(folder).get("triples") if manifest.ok else None
    for fmt, (_, name) in EXPORT_FORMATS.items():
        if (folder / name).exists():
            yield _check(f"{name} parses", lambda n=name, f=fmt: _count_file(folder / n, f, recorded_triples))

    def shapes() -> str:
        from kg.validate import validate_store

        conforms, violations = validate_store(store)
        if not conforms:
            raise ValueError(f"{len(violations)} SHACL violations, first: {violations[0]}; run `kg validate {graph}`")
        return "conforms to ontology/shapes.ttl"

    yield _check("SHACL shapes", shapes)
    leftovers = [p.name for p in folder.parent.glob("*.partial")]
    yield Check("no abandoned partial builds", not leftovers, ", ".join(leftovers) or "none")


def _count_file(path: Path, fmt: str, recorded: int | None = None) -> str:
    """The triples of an export, which must be the build's whole graph: a file cut at the end of a
    statement still parses, so its count is held to the one the manifest records."""
    import pyoxigraph as ox

    from kg.store import EXPORT_FORMATS

    with open(path, "rb") as fh:
        n = sum(1 for _ in ox.parse(fh, format=EXPORT_FORMATS[fmt][0]))
    if recorded is not None and n != recorded:
        raise ValueError(f"{n} triples, but the build recorded {recorded}: the file is cut short or not this build's")
    return f"{n} triples"
