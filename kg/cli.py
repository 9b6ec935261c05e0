"""The `kg` command line: a thin layer that parses arguments and calls the package."""
from __future__ import annotations

import csv
import io
import json
import logging
import os
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kg.errors import KgError

app = typer.Typer(
    help="Build, query and explore a knowledge graph of research papers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)


@app.callback()
def _setup(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show debug messages.")] = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_time=False, show_path=False, markup=False)],
        force=True,
    )


def fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def _run(fn, *args, **kwargs):
    """Call into the package; a KgError becomes one red line and exit code 1."""
    try:
        return fn(*args, **kwargs)
    except KgError as exc:
        fail(str(exc).replace("[", r"\["))
    except KeyboardInterrupt:
        fail("interrupted", 130)


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    turtle = "turtle"


# ----------------------------------------------------------------------------- build


@app.command()
def build(
    inputs: Annotated[list[Path], typer.Argument(help="Input files or folders of abstracts.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Build folder to write (replaced atomically).")] = Path("kg-out"),
    fmt: Annotated[Optional[str], typer.Option("--format", help="Force the input format (default: detect).")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Extraction processes (0 = all cores).")] = 0,
    batch_size: Annotated[int, typer.Option(help="Papers per extraction batch.")] = 64,
    append: Annotated[bool, typer.Option("--append", help="Add new papers to the existing graph in --out.")] = False,
    export_formats: Annotated[
        list[str], typer.Option("--export", help="RDF files to write: turtle, ntriples, jsonld, trig, or none (large graphs).")
    ] = ["turtle"],
    extras: Annotated[bool, typer.Option("--extras/--no-extras", help="Also write the analysis report and the HTML view.")] = True,
    pipeline: Annotated[Optional[Path], typer.Option(help="Pipeline: a config file or a trained pipeline folder (kg train).")] = None,
    scheduler: Annotated[Optional[str], typer.Option(help="Run extraction on Dask: a scheduler address, or 'local'.")] = None,
    shards_dir: Annotated[Optional[Path], typer.Option(help="With --scheduler, also keep the N-Triples shards here.")] = None,
    min_confidence: Annotated[float, typer.Option(min=0.0, max=1.0, help="Keep only links whose confidence is at least this (0-1).")] = 0.0,
) -> None:
    """Build the knowledge graph of INPUTS into --out: store, RDF files, report and HTML view."""
    from kg.build import build as run_build
    from kg.paths import DEFAULT_PIPELINE

    jobs = jobs or os.cpu_count() or 1
    shards = None
    if shards_dir and not scheduler:
        fail("--shards-dir needs --scheduler (local, or a Dask scheduler address)")
    if scheduler:
        from kg.distributed import dask_shards

        shards = dask_shards(scheduler, pipeline or DEFAULT_PIPELINE, workers=jobs if jobs > 1 else 2, shards_dir=shards_dir,
                             min_confidence=min_confidence)
    with Progress(
        TextColumn("[bold]reading and extracting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("papers"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("build", total=None)
        summary = _run(
            run_build,
            list(inputs),
            out,
            fmt=fmt,
            jobs=jobs,
            batch_size=batch_size,
            append=append,
            pipeline=pipeline or DEFAULT_PIPELINE,
            min_confidence=min_confidence,
            exports=export_formats,
            extras=extras,
            on_paper=lambda _p: progress.advance(task),
            shards=shards,
        )
    table = Table(title=f"Graph built in {out}", show_lines=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("papers" + (" (new)" if append else ""), str(summary.papers))
    if append:
        table.add_row("papers already present", str(summary.skipped_existing))
    for entity_type, n in summary.entities.items():
        table.add_row(f"{entity_type} entities", f"{n}  ({summary.links[entity_type]} links)")
    table.add_row("results", str(summary.results))
    table.add_row("triples", str(summary.triples))
    table.add_row("seconds", f"{summary.seconds:.1f}")
    console.print(table)


# ----------------------------------------------------------------------------- query


def print_rows(rows, output: OutputFormat) -> None:
    """Print SELECT rows as a table, CSV, TSV or SPARQL 1.1 results JSON."""
    if output is OutputFormat.table:
        table = Table(*rows.variables, show_lines=False)
        for row in rows.rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        console.print(table)
        console.print(f"{len(rows.rows)} rows", style="dim")
    elif output in (OutputFormat.csv, OutputFormat.tsv) or output is OutputFormat.turtle:
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if output is OutputFormat.csv else "\t", lineterminator="\n")
        writer.writerow(rows.variables)
        writer.writerows([["" if v is None else v for v in row] for row in rows.rows])
        sys.stdout.write(buf.getvalue())
    else:
        sys.stdout.write(json.dumps(rows.as_sparql_json(), ensure_ascii=False, indent=1) + "\n")


@app.command()
def query(
    graph: Annotated[Optional[Path], typer.Argument(help="Build folder.")] = None,
    sparql: Annotated[Optional[str], typer.Argument(help="A named query, a .rq file, or SPARQL text.")] = None,
    params: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="key=value for a named query (repeatable).")] = None,
    output: Annotated[OutputFormat, typer.Option("--output", "-f", help="table, csv, tsv, json; turtle for CONSTRUCT.")] = OutputFormat.table,
    timeout: Annotated[float, typer.Option(help="Give up after this many seconds (0: never).")] = 0,
    list_queries: Annotated[bool, typer.Option("--list", help="List the named queries and their parameters.")] = False,
) -> None:
    """Run SPARQL on a built graph: a named query of the library, a .rq file or a query string."""
    from kg.query import load_query, named_queries, run, run_named, with_timeout
    from kg.store import open_store

    library = named_queries()
    if list_queries:
        table = Table("name", "parameters", "answers", title="named queries (kg query DIR NAME -p key=value)")
        for q in library.values():
            table.add_row(q.name, q.usage(), q.description)
        console.print(table)
        return
    if graph is None or sparql is None:
        fail("give a build folder and a query (or --list)")
    pairs = {}
    for item in params or []:
        key, sep, value = item.partition("=")
        if not sep:
            fail(f"--param {item!r}: write key=value")
        pairs[key.strip()] = value
    store = _run(open_store, graph)
    if sparql in library:
        job = lambda: run_named(store, sparql, pairs)  # noqa: E731
    else:
        if pairs:
            fail("--param only applies to named queries (`kg query --list`)")
        text = _run(load_query, sparql)
        job = lambda: run(store, text)  # noqa: E731
    result = _run(with_timeout, job, timeout)
    if isinstance(result, bool):
        if output is OutputFormat.json:
            sys.stdout.write(json.dumps({"head": {}, "boolean": result}) + "\n")
        else:
            console.print("true" if result else "false")
    elif isinstance(result, list):
        import pyoxigraph as ox

        from kg.query import PREFIX_MAP

        sys.stdout.write(ox.serialize(result, format=ox.RdfFormat.TURTLE, prefixes=PREFIX_MAP).decode())
    else:
        print_rows(result, output)


# ----------------------------------------------------------------------------- export / validate / stats


@app.command("export")
def export_cmd(
    graph: Annotated[Path, typer.Argument(help="Build folder.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="turtle, ntriples, jsonld or trig.")] = "turtle",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Export the graph as Turtle, N-Triples, JSON-LD or TriG."""
    import tempfile

    from kg.store import export, open_store

    store = _run(open_store, graph)
    if out is None:
        with tempfile.TemporaryDirectory() as tmp:
            path = _run(export, store, Path(tmp) / "graph", fmt)
            sys.stdout.buffer.write(path.read_bytes())
        return
    try:
        _run(export, store, out, fmt)
    except OSError as exc:
        fail(f"{out}: cannot write: {exc.strerror or exc}")
    err.print(f"wrote {out}")


@app.command()
def validate(graph: Annotated[Path, typer.Argument(help="Build folder.")]) -> None:
    """Check the graph against the SHACL shapes; list each violation in plain words."""
    from kg.store import open_store
    from kg.validate import validate_store

    conforms, violations = _run(validate_store, _run(open_store, graph))
    if conforms:
        console.print(f"[green]valid[/]: {graph} conforms to the kg shapes")
        return
    table = Table("node", "property", "problem", title=f"{len(violations)} SHACL violations")
    for v in violations[:200]:
        table.add_row(v.focus, v.path or "", v.message)
    console.print(table)
    raise typer.Exit(1)


@app.command()
def stats(graph: Annotated[Path, typer.Argument(help="Build folder.")]) -> None:
    """Counts of papers, entities per type, links, results and triples."""
    from kg.stats import graph_stats
    from kg.store import open_store

    numbers = _run(graph_stats, _run(open_store, graph))
    table = Table("what", "count", title=f"{graph}")
    for key, value in numbers.items():
        table.add_row(key, str(value))
    console.print(table)


def main() -> None:  # pragma: no cover - entry point for `python -m kg`
    app()


@app.command()
def doctor(graph: Annotated[Optional[Path], typer.Argument(help="A build folder to check too.")] = None) -> None:
    """Check the installation (and a built graph): versions, ontology, pipeline, store, counts, shapes."""
    from kg.doctor import graph_checks, installation_checks

    checks = list(installation_checks()) + (list(graph_checks(graph)) if graph else [])
    table = Table("check", "", "detail", title="kg doctor")
    for check in checks:
        table.add_row(check.name, "[green]ok[/]" if check.ok else "[bold red]FAIL[/]", check.detail)
    console.print(table)
    failed = [c for c in checks if not c.ok]
    if failed:
        fail(f"{len(failed)} of {len(checks)} checks failed: " + "; ".join(f"{c.name}: {c.detail}" for c in failed))


# ----------------------------------------------------------------------------- extract / eval


@app.command("extract")
def extract_cmd(
    inputs: Annotated[list[Path], typer.Argument(help="Input files or folders of abstracts.")],
    fmt: Annotated[str, typer.Option("--format", help="Output format (jsonl).")] = "jsonl",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: stdout).")] = None,
    input_format: Annotated[Optional[str], typer.Option("--input-format", help="Force the input format.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Extraction processes (0: all cores).")] = 1,
    pipeline: Annotated[Optional[Path], typer.Option(help="Pipeline: a config file or a trained pipeline folder (kg train).")] = None,
    min_confidence: Annotated[float, typer.Option(min=0.0, max=1.0, help="Keep only entities whose confidence is at least this (0-1).")] = 0.0,
) -> None:
    """Extract entities, roles and results from INPUTS as JSON Lines, one object per paper."""
    from kg.extract import build_nlp, extract
    from kg.ingest import read_papers
    from kg.paths import DEFAULT_PIPELINE

    if fmt != "jsonl":
        fail(f"unknown output format {fmt!r}; only jsonl is supported")

    def write(fh) -> None:
        # the whole stream runs here, under _run: bad input read midway is one line, not a traceback
        nlp = build_nlp(pipeline or DEFAULT_PIPELINE)
        for extraction in extract(read_papers(inputs, input_format), nlp=nlp, n_process=jobs, min_confidence=min_confidence):
            fh.write(json.dumps(extraction.to_json(), ensure_ascii=False) + "\n")

    if out is None:
        _run(write, sys.stdout)
        return
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            _run(write, fh)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"{out}: cannot write: {exc.strerror or exc}")
    finally:
        tmp.unlink(missing_ok=True)


@app.command("eval")
def eval_cmd(
    gold: Annotated[list[Path], typer.Option("--gold", help="Gold file (JSON Lines, see examples/gold/GUIDELINES.md); repeatable.")],
    inputs: Annotated[Optional[list[Path]], typer.Argument(help="Input files (default: the example corpus).")] = None,
    errors: Annotated[bool, typer.Option("--errors", help="List each false positive and false negative by paper.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    pipeline: Annotated[Optional[Path], typer.Option(help="Pipeline: a config file or a trained pipeline folder (kg train).")] = None,
    folds: Annotated[int, typer.Option(min=0, help="K-fold cross-validation by paper over all gold files (a trained pipeline is retrained per fold).")] = 0,
    epochs: Annotated[Optional[int], typer.Option(min=1, help="With --folds and a trained pipeline: training epochs per fold.")] = None,
) -> None:
    """Score extraction against gold files: P/R/F1 per type, micro totals, role accuracy."""
    from kg.evaluate import load_gold, score
    from kg.extract import build_nlp, extract
    from kg.ingest import read_papers
    from kg.paths import DEFAULT_PIPELINE, EXAMPLES_DIR

    if folds:
        return _cross_validate(gold, inputs, pipeline, folds, epochs, as_json)
    gold_entities = {k: v for path in gold for k, v in _run(load_gold, path).items()}
    papers = _run(lambda: list(read_papers(inputs or [EXAMPLES_DIR / "corpus"])))
    nlp = _run(build_nlp, pipeline or DEFAULT_PIPELINE)
    report = score((e.to_json() for e in extract(papers, nlp=nlp)), gold_entities)
    if as_json:
        data = report.as_dict()
        if errors:
            data["errors"] = report.errors
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table("type", "P", "R", "F1", "tp", "fp", "fn", title=f"{', '.join(map(str, gold))} — {report.papers} papers")
    for name, s in [*report.per_type.items(), ("micro", report.micro)]:
        table.add_row(name, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.tp), str(s.fp), str(s.fn),
                      style="bold" if name == "micro" else None)
    console.print(table)
    console.print(f"role accuracy: {report.role_accuracy:.3f} ({report.role_agree}/{report.role_total})")
    if report.missing_papers:
        console.print(f"[yellow]{len(report.missing_papers)} gold papers not in the input[/]")
    if errors:
        for e in sorted(report.errors, key=lambda e: (e["paper"], e["type"], e["kind"])):
            extra = f" (predicted {e['predicted']}, gold {e['gold']})" if e["kind"] == "role" else ""
            console.print(f"{e['kind'].upper():4} {e['type']:8} {e['name']!r}{extra}  — {e['paper'][:60]}", highlight=False, markup=False)


def _cross_validate(gold: list[Path], inputs, pipeline, folds: int, epochs, as_json: bool) -> None:
    from kg.paths import DEFAULT_PIPELINE, EXAMPLES_DIR
    from kg.training.crossval import cross_validate
    from kg.training.data import read_annotations

    items = _run(read_annotations, gold, inputs or [EXAMPLES_DIR / "corpus"])
    cv = _run(cross_validate, items, pipeline or DEFAULT_PIPELINE, folds, epochs=epochs,
              on_fold=lambda k, n: err.print(f"fold {k + 1}/{folds} scored ({n} papers)"))
    if as_json:
        sys.stdout.write(json.dumps(cv.as_dict(), indent=2) + "\n")
        return
    for name, report in [*cv.per_set.items(), ("total", cv.total)]:
        table = Table("type", "P", "R", "F1", "tp", "fp", "fn", title=f"{folds}-fold cross-validation — {name}, {report.papers} papers")
        for row, s in [*report.per_type.items(), ("micro", report.micro)]:
            table.add_row(row, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.tp), str(s.fp), str(s.fn),
                          style="bold" if row == "micro" else None)
        console.print(table)
        console.print(f"role accuracy: {report.role_accuracy:.3f} ({report.role_agree}/{report.role_total})")
    table = Table("confidence", "links", "right", "share right", title="reliability of the confidences (held-out folds)")
    for row in cv.reliability:
        label = f">= {row['low']:.2f}" if row.get("cumulative") else f"{row['low']:.2f}-{row['high']:.2f}"
        table.add_row(label, str(row["links"]), str(row["right"]), "-" if row["share"] is None else f"{row['share']:.3f}")
    console.print(table)


@app.command()
def train(
    annotations: Annotated[list[Path], typer.Argument(help="Gold files (JSON Lines): records with an abstract, or titles found in --corpus.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Pipeline folder to write (replaced whole); use it with --pipeline.")],
    corpus: Annotated[Optional[list[Path]], typer.Option("--corpus", help="Files holding the abstracts of records without one (repeatable).")] = None,
    epochs: Annotated[Optional[int], typer.Option(min=1, help="Training epochs (default: the training config's).")] = None,
    config: Annotated[Optional[Path], typer.Option(help="Training config (default: pipelines/train.cfg).")] = None,
) -> None:
    """Train the extractor's span scorer on annotated abstracts; write a pipeline folder for --pipeline."""
    from kg.training.data import read_annotations
    from kg.training.train import TRAIN_CONFIG, train as run_train

    items = _run(read_annotations, annotations, corpus or [])
    done = _run(run_train, items, out, config=config or TRAIN_CONFIG, epochs=epochs)
    console.print(f"trained on {done.training_papers} papers, thresholds and calibration chosen on {done.tuning_papers}: {done.path}")
    console.print("thresholds: " + ", ".join(f"{k} {v}" for k, v in done.thresholds.items()))


# ----------------------------------------------------------------------------- analyse / viz


@app.command()
def analyze(
    graph: Annotated[Path, typer.Argument(help="Build folder.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Report folder to write (replaced whole).")] = Path("kg-report"),
) -> None:
    """Network analysis of a built graph: centrality, communities, bridges, missing links, trends.

    Writes report.md, report.json and PNG plots to --out (default ./kg-report, replaced whole). The
    build folder is left as it was built: every `kg build` already writes DIR/report and DIR/view.html.
    """
    from kg.analyse.report import write_report

    folder = _run(write_report, graph, out)
    console.print(f"wrote {folder / 'report.md'}")


@app.command()
def viz(
    graph: Annotated[Path, typer.Argument(help="Build folder.")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: kg-view.<format extension>).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="html, graphml, gexf, cytoscape, png or svg.")] = "html",
    focus: Annotated[Optional[str], typer.Option(help="Centre the view on this entity or paper (its label).")] = None,
    hops: Annotated[int, typer.Option(help="Neighbourhood radius around --focus.")] = 1,
    types: Annotated[Optional[list[str]], typer.Option("--type", help="Entity types to keep, papers always kept (repeatable).")] = None,
    top: Annotated[int, typer.Option(help="Keep the N best-connected nodes, with a note saying so (0: all).")] = 400,
) -> None:
    """Draw the graph: an interactive offline HTML page (search, type filter, tooltips with evidence),
    or GraphML / GEXF (Gephi) / Cytoscape JSON / PNG / SVG of the same view."""
    from kg.analyse.views import add_evidence, typed_graph
    from kg.store import open_store
    from kg.viz.exports import EXTENSIONS, export_view
    from kg.viz.select import select

    if fmt not in EXTENSIONS:
        fail(f"unknown --format {fmt!r}; choose one of {', '.join(EXTENSIONS)}")
    out = out or Path(f"kg-view.{EXTENSIONS[fmt]}")
    store = _run(open_store, graph)
    G = _run(typed_graph, store)
    H, note = _run(select, G, focus=focus, hops=hops, types=types, top=top or None)
    if fmt == "html":
        add_evidence(store, H)
    _run(export_view, H, out, fmt, note=note)
    console.print(f"wrote {out} ({H.number_of_nodes()} nodes, {H.number_of_edges()} edges)" + (f" — {note}" if note else ""))


# ----------------------------------------------------------------------------- serve / push


@app.command()
def serve(
    graph: Annotated[Path, typer.Argument(help="Build folder.")],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 7878,
    writable: Annotated[bool, typer.Option("--writable", help="Accept SPARQL updates (default: read-only).")] = False,
    timeout: Annotated[int, typer.Option(help="Per-query timeout in seconds (0: none).")] = 30,
) -> None:
    """A SPARQL 1.1 endpoint (Oxigraph's server) over the graph, with its query UI; Ctrl-C stops it."""
    from kg.serve import Server

    server = Server(graph, host=host, port=port, writable=writable, timeout=timeout or None)
    _run(server.start)
    mode = "read-write" if writable else "read-only"
    console.print(f"SPARQL endpoint ({mode}) at {server.url}/query — query UI at {server.url}/ — Ctrl-C to stop")
    try:
        while server.alive():
            time.sleep(0.5)
        fail("the oxigraph server stopped")
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    console.print("stopped")


@app.command()
def push(
    graph: Annotated[Path, typer.Argument(help="Build folder.")],
    endpoint: Annotated[str, typer.Option(help="Graph Store Protocol URL, e.g. http://host:3030/ds/data or http://host:7878/store.")],
    graph_iri: Annotated[Optional[str], typer.Option("--graph", help="Named graph to load into (default: the default graph).")] = None,
    chunk_triples: Annotated[int, typer.Option(help="Triples per request.")] = 50_000,
    retries: Annotated[int, typer.Option(help="Retries per chunk on connection errors and 5xx.")] = 3,
) -> None:
    """Load the graph into any external triple store through the SPARQL 1.1 Graph Store HTTP Protocol."""
    from kg.serve import push as run_push

    sent = _run(run_push, graph, endpoint, graph_iri=graph_iri, chunk_triples=chunk_triples, retries=retries)
    console.print(f"pushed {sent} triples to {endpoint}")
