"""The `kg` command line: a thin layer that parses arguments and calls the package."""
from __future__ import annotations

import atexit
import csv
import io
import json
import logging
import os
import re
import signal
import sys
import time
import traceback
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from kg.errors import KgError, one_line

def _stdout_reader_gone() -> bool:
    """Whether standard output is a pipe whose reader has exited (`kg extract ... | head`)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def _quiet_exit_on_closed_stdout() -> None:
    """End as Unix tools do when the reader of their output stops (`| head`): quietly, exit 1 (it
    was "error: [Errno 32] Broken pipe"). Output still buffered goes to /dev/null, so Python's own
    flush at exit raises nothing."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise typer.Exit(1)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class _Stopped(KeyboardInterrupt):
    """A run stopped by SIGTERM or SIGHUP: unwound as Ctrl-C is (staging removed, workers stopped)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stop(signum, frame) -> None:
    for s in STOP_SIGNALS:  # the cleanup runs to its end; SIGKILL still stops it at once
        signal.signal(s, signal.SIG_IGN)
    raise _Stopped(signum)


class _Commands(typer.core.TyperGroup):
    """kg's commands, each ending the same way on Ctrl-C: "error: interrupted", exit 130. Typer
    turned a Ctrl-C outside `_run` (say while the summary printed) into a silent 130; and in the
    last instant of Python's shutdown, after it dropped its handler, the signal killed kg (exit -2,
    no word), though the command had finished and published its output."""

    def invoke(self, ctx):
        # `kill`, `timeout`, a job scheduler or a closed terminal stop a long run with SIGTERM or
        # SIGHUP: they killed kg on the spot, without a word, its worker processes left running on
        # their batches and its staging folder behind; now they stop it as Ctrl-C does
        stopping = {s: signal.signal(s, _stop) for s in STOP_SIGNALS}
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            # clearing the frames closes the interrupted work's generators now, and with them its
            # worker pools, instead of at exit
            traceback.clear_frames(exc.__traceback__)
            if isinstance(exc, _Stopped):
                fail(f"stopped by {signal.Signals(exc.signum).name}", 128 + exc.signum)
            fail("interrupted", 130)
        except BrokenPipeError:
            if not _stdout_reader_gone():  # another pipe (a worker's): a real error
                raise
            _quiet_exit_on_closed_stdout()
        except UnicodeEncodeError as exc:
            # a terminal or locale of another encoding than UTF-8 (LANG=de_DE.ISO-8859-1,
            # PYTHONIOENCODING=latin-1) cannot show a title in Chinese: printing it was a traceback
            if exc.encoding.replace("-", "").lower() == "utf8":
                raise
            fail(f"the output holds text that the output's encoding ({exc.encoding}) cannot write: use a UTF-8 "
                 "locale (LANG=C.UTF-8) or PYTHONIOENCODING=utf-8")
        finally:
            for s, handler in stopping.items():
                signal.signal(s, handler)
            atexit.register(signal.signal, signal.SIGINT, signal.SIG_IGN)  # runs first at exit: nothing left to stop


app = typer.Typer(
    cls=_Commands,
    help="Build, query and explore a knowledge graph of research papers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# Piped or redirected, a table is as wide as its longest cell: nothing is cut or wrapped for scripts.
PIPE_WIDTH = 100_000
# Paper text and paths are data: markup is off, and is asked for only where kg writes it itself
# (a title "Results [/b] of X" in a table of results ended the command in a traceback).
console = Console(width=None if sys.stdout.isatty() else PIPE_WIDTH, markup=False)
err = Console(stderr=True, markup=False)


def _version(value: bool) -> None:
    if value:
        from kg import __version__

        print(f"kg {__version__}")
        raise typer.Exit()


@app.callback()
def _setup(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show debug messages.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print kg's version and exit.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[_OneLineHandler()],
        force=True,
    )


class _OneLineHandler(logging.Handler):
    """kg's log records as its own lines ("warning: ..."), one line each: rich's RichHandler
    hard-wraps at 80 columns when stderr is not a terminal, so a warning naming a long path came
    out as two lines to a script or a log file."""

    LABELS = {logging.WARNING: "[yellow]warning:[/]", logging.ERROR: "[bold red]error:[/]", logging.CRITICAL: "[bold red]error:[/]"}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            label = self.LABELS.get(record.levelno, f"{record.levelname.lower()}:")
            err.print(f"{label} {escape(one_line(self.format(record)))}", highlight=False, markup=True, soft_wrap=True)
        except Exception:
            self.handleError(record)


def fail(message: str, code: int = 1) -> None:
    # one line, though a library's message spans several (spaCy's config errors)
    message = " ".join(part.strip() for part in message.splitlines() if part.strip())
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True)


def _seconds_since_start() -> float:
    """Seconds since this process started. psutil's create_time adds the boot time, which Linux
    gives in whole seconds, so a command's wall time read from it was off by up to a second; the
    start in clock ticks since boot, against the boot clock, is right to a tick."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            start_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])  # field 22, starttime
        return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):  # not Linux
        import psutil

        return time.time() - psutil.Process().create_time()


def _run(fn, *args, **kwargs):
    """Call into the package; a KgError becomes one red line and exit code 1 (a Ctrl-C: `_Commands`)."""
    try:
        return fn(*args, **kwargs)
    except KgError as exc:
        fail(str(exc))
    except OSError as exc:  # a full disk, a read-only folder, a permission refused: one line, not a traceback
        if isinstance(exc, BrokenPipeError) and _stdout_reader_gone():  # `kg ... | head`: `_Commands.invoke`
            raise
        message = f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc)
        fail(one_line(message))
    except UnicodeEncodeError as exc:
        # bytes of an argument that are not UTF-8 (a Latin-1 name pasted or read from a file) reach
        # Python as lone surrogates, which no UTF-8 text takes: `-p entity=`, `--focus`, a query
        # ended in a traceback
        bad = exc.object[exc.start] if isinstance(exc.object, str) else ""
        if not "\udc80" <= bad <= "\udcff":
            raise
        shown = os.fsencode(exc.object[max(0, exc.start - 30):exc.start + 30]).decode("utf-8", "backslashreplace")
        fail(one_line(f"{shown}: not UTF-8 text (the byte 0x{ord(bad) - 0xdc00:02x}): give kg's arguments in UTF-8"))
    except RuntimeError as exc:
        # Python before 3.13 raises this, not OSError (ELOOP), from Path.resolve() on a link that
        # points at itself (an -o given as one): it was a traceback
        loop = re.fullmatch(r"Symlink loop from '(.*)'", str(exc))
        if loop is None:
            raise
        fail(one_line(f"{loop.group(1)}: a symbolic link that points at itself (or loops)"))


def _read_build(graph: Path) -> Path:
    """The build folder behind GRAPH, held for reading until kg exits (`kg.outputs.hold_build`): a
    `kg build --out GRAPH` that finishes meanwhile leaves this build, and the store being read, in
    place instead of deleting it under the reader (the next build removes it)."""
    from kg.outputs import hold_build

    build, _hold = _run(hold_build, graph)  # released by the kernel when kg exits
    return build


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
    input_format: Annotated[Optional[str], typer.Option("--input-format", help="Force the input format (default: detect).")] = None,
    old_format: Annotated[Optional[str], typer.Option("--format", hidden=True, help="Old name of --input-format.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="Extraction processes (0 = all cores).")] = 0,
    batch_size: Annotated[int, typer.Option(min=1, help="Papers per extraction batch.")] = 64,
    append: Annotated[bool, typer.Option("--append", help="Add new papers to the existing graph in --out.")] = False,
    export_formats: Annotated[
        list[str], typer.Option("--export", help="RDF files to add to graph.ttl: ntriples, jsonld, trig (repeat or comma-separate); "
                                "'none' drops graph.ttl (--export none: no RDF file, for large graphs).")
    ] = [],
    extras: Annotated[bool, typer.Option("--extras/--no-extras", help="Also write the analysis report and the HTML view.")] = True,
    pipeline: Annotated[Optional[Path], typer.Option(help="Pipeline: a config file or a trained pipeline folder (kg train).")] = None,
    scheduler: Annotated[Optional[str], typer.Option(help="Run extraction on Dask: a scheduler address, or 'local'.")] = None,
    shards_dir: Annotated[Optional[Path], typer.Option(help="With --scheduler, also keep the N-Triples shards here.")] = None,
    min_confidence: Annotated[float, typer.Option(min=0.0, max=1.0, help="Keep only links whose confidence is at least this (0-1).")] = 0.0,
) -> None:
    """Build the knowledge graph of INPUTS into --out: store, RDF files, report and HTML view."""
    from kg.build import build as run_build
    from kg.build import export_names
    from kg.paths import DEFAULT_PIPELINE

    if old_format is not None:
        warn("kg build --format is now --input-format; --format will be removed in the next release")
        input_format = input_format or old_format
    exports = _run(export_names, export_formats)  # checked before any work
    jobs = jobs or os.cpu_count() or 1
    shards = None
    if shards_dir and not scheduler:
        fail("--shards-dir needs --scheduler (local, or a Dask scheduler address)")
    if scheduler:
        from kg.distributed import check_shards_apart, dask_shards

        if shards_dir:
            _run(check_shards_apart, shards_dir, out)
        shards = _run(dask_shards, scheduler, pipeline or DEFAULT_PIPELINE, workers=jobs if jobs > 1 else 2,
                      shards_dir=shards_dir, min_confidence=min_confidence)
    from kg.progress import StageReporter, reporting

    with StageReporter(err) as reporter, reporting(reporter):  # each stage of the build, on stderr
        summary = _run(
            run_build,
            list(inputs),
            out,
            fmt=input_format,
            jobs=jobs,
            batch_size=batch_size,
            append=append,
            pipeline=pipeline or DEFAULT_PIPELINE,
            min_confidence=min_confidence,
            exports=exports,
            extras=extras,
            shards=shards,
        )
    console.print(_summary_table(summary, out, append))


REPEATS_ROW = "records repeating a paper (left out, the first kept)"


def _summary_table(summary, out: Path, append: bool) -> Table:
    """What a build did. After --append, what the new papers added and what the whole graph holds
    (counted as `kg stats` counts) are two columns; the time is the command's own wall time."""
    table = Table(title=f"Graph {'extended' if append else 'built'} in {out}", show_lines=False)
    table.add_column("what")
    if not append:
        table.add_column("count", justify="right")
        table.add_row("papers", str(summary.papers))
        if summary.repeats:
            table.add_row(REPEATS_ROW, str(summary.repeats))
        for entity_type, n in summary.entities.items():
            table.add_row(f"{entity_type} entities", f"{n}  ({summary.links[entity_type]} links)")
        table.add_row("results", str(summary.results))
        table.add_row("triples", str(summary.triples))
    else:
        from kg.stats import graph_stats
        from kg.store import open_store

        total = _run(graph_stats, _run(open_store, out))
        added = {"papers": summary.papers, "papers already present (skipped)": summary.skipped_existing,
                 **({REPEATS_ROW: summary.repeats} if summary.repeats else {}),
                 **{f"{t} links": n for t, n in summary.links.items()}, "results": summary.results}
        table.add_column("added by the new papers", justify="right")
        table.add_column("whole graph", justify="right")
        for key in dict.fromkeys(["papers", "papers already present (skipped)", *added.keys() & {REPEATS_ROW}, *total, *added]):
            table.add_row(key, str(added.get(key, "")), str(total.get(key, "")))
    wall = _seconds_since_start()
    table.add_row("seconds (wall time of the command)", f"{wall:.1f}", *([""] if append else []))
    return table


# ----------------------------------------------------------------------------- query


def print_rows(rows, output: OutputFormat) -> None:
    """Print SELECT rows as a table, CSV, TSV or SPARQL 1.1 results JSON."""
    if output is OutputFormat.table:
        table = Table(*rows.variables, show_lines=False)
        for row in rows.rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        console.print(table)
        console.print(f"{len(rows.rows)} rows", style="dim")
    elif output is OutputFormat.turtle:
        fail("-f turtle applies to CONSTRUCT and DESCRIBE; a SELECT gives rows: -f table, csv, tsv or json")
    elif output in (OutputFormat.csv, OutputFormat.tsv):
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
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="table, csv, tsv, json; turtle (or table) for CONSTRUCT/DESCRIBE.")] = OutputFormat.table,
    old_output: Annotated[Optional[OutputFormat], typer.Option("--output", hidden=True, help="Old name of --format.")] = None,
    timeout: Annotated[float, typer.Option(min=0, help="Give up after this many seconds (0: never).")] = 0,
    list_queries: Annotated[bool, typer.Option("--list", help="List the named queries and their parameters.")] = False,
) -> None:
    """Run SPARQL on a built graph: a named query of the library, a .rq file or a query string."""
    from kg.query import check_timeout, is_query_name, load_query, named_queries, run, run_named, with_timeout
    from kg.store import open_store

    if old_output is not None:
        warn("kg query --output is now -f/--format; --output will be removed in the next release")
        output = old_output
    library = named_queries()
    if list_queries:
        table = Table("name", "parameters", "answers", title="named queries (kg query DIR NAME -p key=value)")
        for q in library.values():
            table.add_row(q.name, q.usage(), q.description)
        console.print(table)
        return
    if graph is None or sparql is None:
        fail("give a build folder and a query (or --list)")
    _run(check_timeout, timeout)
    pairs = {}
    for item in params or []:
        key, sep, value = item.partition("=")
        if not sep:
            fail(f"--param {item!r}: write key=value")
        pairs[key.strip()] = value
    store = _run(open_store, _read_build(graph))
    if sparql in library or is_query_name(sparql):  # a misspelt name gets suggestions, not a parse error
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

        if output not in (OutputFormat.table, OutputFormat.turtle):
            fail(f"a CONSTRUCT or DESCRIBE query gives triples, written as Turtle: -f {output.value} applies to "
                 "SELECT; use -f turtle")
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

    from kg.outputs import check_not_a_graph_input
    from kg.store import EXPORT_EXTENSIONS, check_export_format, check_export_target, export, open_store

    _run(check_export_format, fmt)
    if out is not None:
        _run(check_not_a_graph_input, out, graph)  # before any work: kg replaces only an export it wrote
        _run(check_export_target, out, fmt)
    store = _run(open_store, _read_build(graph))
    if out is None:
        with tempfile.TemporaryDirectory() as tmp:
            path = _run(export, store, Path(tmp) / f"graph.{EXPORT_EXTENSIONS[fmt][0]}", fmt)
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

    conforms, violations = _run(validate_store, _run(open_store, _read_build(graph)))
    if conforms:
        console.print(f"[green]valid[/]: {escape(str(graph))} conforms to the kg shapes", markup=True)
        return
    table = Table("node", "property", "problem", title=f"{len(violations)} SHACL violations")
    for v in violations[:200]:
        table.add_row(v.focus, v.path or "", v.message)
    console.print(table)
    raise typer.Exit(1)


@app.command()
def stats(
    graph: Annotated[Path, typer.Argument(help="Build folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as one JSON object.")] = False,
) -> None:
    """Counts of papers, entities per type, links, results and triples (of the default graph)."""
    from kg.stats import graph_stats
    from kg.store import open_store

    numbers = _run(graph_stats, _run(open_store, _read_build(graph)))
    if as_json:
        sys.stdout.write(json.dumps(numbers) + "\n")
        return
    table = Table("what", "count", title=f"{graph}")
    for key, value in numbers.items():
        table.add_row(key, str(value))
    console.print(table)


def main() -> None:  # pragma: no cover - entry point for `python -m kg`
    app()


@app.command()
def doctor(
    graph: Annotated[Optional[Path], typer.Argument(help="A build folder to check too.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON (name, ok, detail).")] = False,
) -> None:
    """Check the installation (and a built graph): versions, ontology, pipeline, store, counts, shapes."""
    from dataclasses import asdict

    from kg.doctor import graph_checks, installation_checks

    checks = list(installation_checks()) + (list(graph_checks(graph)) if graph else [])
    if as_json:
        sys.stdout.write(json.dumps({"ok": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]},
                                    ensure_ascii=False) + "\n")
        if not all(c.ok for c in checks):
            raise typer.Exit(1)
        return
    table = Table("check", "", "detail", title="kg doctor")
    for check in checks:
        table.add_row(check.name, Text("ok", style="green") if check.ok else Text("FAIL", style="bold red"), check.detail)
    console.print(table)
    failed = [c for c in checks if not c.ok]
    if failed:
        fail(f"{len(failed)} of {len(checks)} checks failed: " + "; ".join(f"{c.name}: {c.detail}" for c in failed))


# ----------------------------------------------------------------------------- extract / eval


@app.command("extract")
def extract_cmd(
    inputs: Annotated[list[Path], typer.Argument(help="Input files or folders of abstracts.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format (jsonl).")] = "jsonl",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: stdout).")] = None,
    input_format: Annotated[Optional[str], typer.Option("--input-format", help="Force the input format.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="Extraction processes (0: all cores).")] = 1,
    pipeline: Annotated[Optional[Path], typer.Option(help="Pipeline: a config file or a trained pipeline folder (kg train).")] = None,
    min_confidence: Annotated[float, typer.Option(min=0.0, max=1.0, help="Keep only entities whose confidence is at least this (0-1).")] = 0.0,
) -> None:
    """Extract entities, roles and results from INPUTS as JSON Lines, one object per paper."""
    from kg.extract import build_nlp, extract
    from kg.ingest import expand, read_papers
    from kg.outputs import reading_folder
    from kg.paths import DEFAULT_PIPELINE

    if fmt != "jsonl":
        fail(f"unknown output format {fmt!r}; only jsonl is supported")
    from kg.ingest import check_format

    _run(check_format, input_format)  # before the pipeline is loaded
    files = _run(expand, inputs, input_format)  # once: what a folder leaves out is told once

    def write(fh) -> None:
        # the whole stream runs here, under _run: bad input read midway is one line, not a traceback
        with reading_folder(pipeline or DEFAULT_PIPELINE):  # a kg train --out of it waits (kg.outputs)
            nlp = build_nlp(pipeline or DEFAULT_PIPELINE)
            # (no files: the inputs, for the error naming them)
            for extraction in extract(read_papers(files or inputs, input_format), nlp=nlp, n_process=jobs,
                                      min_confidence=min_confidence):
                fh.write(json.dumps(extraction.to_json(), ensure_ascii=False) + "\n")

    if out is None:
        _run(write, sys.stdout)
        return
    from kg.outputs import atomic_file, check_file_target, check_not_an_input, extractions_by_kg

    # before any work; kg replaces only its own (a papers file is JSON Lines too)
    _run(check_not_an_input, out, files)
    _run(check_file_target, out, ["jsonl", "ndjson", "json"], extractions_by_kg, "an extraction file")

    def write_file() -> None:  # a failing write (a full disk) is named by atomic_file, told by _run
        with atomic_file(out) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            write(fh)

    _run(write_file)


@app.command("eval")
def eval_cmd(
    gold: Annotated[list[Path], typer.Option("--gold", help="Gold file (JSON Lines, see examples/gold/GUIDELINES.md); repeatable.")],
    inputs: Annotated[Optional[list[Path]], typer.Argument(help="Input files (default: the example corpus).")] = None,
    errors: Annotated[bool, typer.Option("--errors", help="List each false positive and false negative by paper (with --folds, as each paper's held-out fold scored it).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    pipeline: Annotated[Optional[Path], typer.Option(help="Pipeline: a config file or a trained pipeline folder (kg train).")] = None,
    results_gold: Annotated[Optional[Path], typer.Option("--results", help="Results gold file (default: results.jsonl beside the gold file, if there).")] = None,
    folds: Annotated[int, typer.Option(min=0, help="K-fold cross-validation by paper over all gold files (a trained pipeline is retrained per fold).")] = 0,
    epochs: Annotated[Optional[int], typer.Option(min=1, help="With --folds and a trained pipeline: training epochs per fold.")] = None,
    split: Annotated[Optional[str], typer.Option(help="Score only one half of the gold papers, by a hash of their id: tune or test (folds 0 and 1 of --folds 2).")] = None,
) -> None:
    """Score extraction against gold files: P/R/F1 per type, micro totals, role accuracy, and the
    reported results (value+metric, full, relative flag) against a results gold."""
    from kg.evaluate import check_each_paper_once, load_gold, score
    from kg.evaluate_results import find_results_gold, gold_and_input_papers, load_results_gold, score_results, split_titles
    from kg.extract import build_nlp, extract
    from kg.ids import title_key
    from kg.outputs import reading_folder
    from kg.paths import DEFAULT_PIPELINE

    if folds == 1:  # (cross_validate's ValueError was a traceback, after the gold and corpus were read)
        fail("--folds 1 holds no paper out: give 2 or more folds (0: no cross-validation)", 2)
    if folds:
        if split is not None:
            fail("--split and --folds are two ways of holding papers out; give one")
        return _cross_validate(gold, inputs, pipeline, folds, epochs, as_json, errors)
    _run(check_each_paper_once, gold)
    gold_entities = {k: v for path in gold for k, v in _run(load_gold, path).items()}
    if split is not None:
        try:
            half = _run(split_titles, gold, split)
        except ValueError as exc:
            fail(str(exc))
        gold_entities = {k: v for k, v in gold_entities.items() if k in half}
    results_path = find_results_gold(gold, results_gold)
    if results_path:
        _run(check_each_paper_once, [results_path])
    gold_results = _run(load_results_gold, results_path) if results_path else None
    papers = [p for p in _run(gold_and_input_papers, gold, inputs) if split is None or title_key(p.title) in gold_entities]
    if not any(title_key(p.title) in gold_entities for p in papers):  # scores of nothing would read as 0.000
        fail(f"{', '.join(map(str, gold))}: no gold paper to score ({len(gold_entities)} gold records, none of them in "
             "the input): give each record its abstract, or the INPUT files that hold the papers")
    with reading_folder(pipeline or DEFAULT_PIPELINE):  # a kg train --out of it waits (kg.outputs)
        nlp = _run(build_nlp, pipeline or DEFAULT_PIPELINE)
        records = [e.to_json() for e in extract(papers, nlp=nlp)]
    report = score(records, gold_entities)
    results_report = score_results(records, gold_results, gold_entities, entity_gold=gold_entities) if gold_results is not None else None
    if as_json:
        data = report.as_dict()
        if results_report is not None:
            data["results"] = results_report.as_dict()
        if errors:
            data["errors"] = report.errors
            if results_report is not None:
                data["results"]["errors"] = results_report.errors
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table("type", "P", "R", "F1", "tp", "fp", "fn", title=f"{', '.join(map(str, gold))} — {report.papers} papers")
    for name, s in [*report.per_type.items(), ("micro", report.micro)]:
        table.add_row(name, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.tp), str(s.fp), str(s.fn),
                      style="bold" if name == "micro" else None)
    console.print(table)
    console.print(f"role accuracy: {report.role_accuracy:.3f} ({report.role_agree}/{report.role_total})")
    if report.missing_papers:
        console.print(f"{len(report.missing_papers)} gold papers not in the input", style="yellow")
    if errors:
        _print_entity_errors(report.errors)
    if results_report is not None:
        _print_results_report(results_report, results_path, errors)


def _print_entity_errors(found: list[dict]) -> None:
    for e in sorted(found, key=lambda e: (e["paper"], e["type"], e["kind"])):
        extra = f" (predicted {e['predicted']}, gold {e['gold']})" if e["kind"] == "role" else ""
        console.print(f"{e['kind'].upper():4} {e['type']:8} {e['name']!r}{extra}  — {e['paper'][:60]}", highlight=False, markup=False)


def _print_results_report(report, path: Path, errors: bool) -> None:
    table = Table("results", "P", "R", "F1", "tp", "fp", "fn", title=f"{path} — {report.papers} papers")
    rows = [("value+metric", report.value_metric), ("full", report.full), ("value+metric+method", report.value_metric_method),
            ("value+metric, vocabulary synonyms", report.value_metric_synonyms)]
    if report.value_metric_named is not None:  # (beside the strict figure, never instead: kg.evaluate_results)
        rows.append(("value+metric, names as the entity gold", report.value_metric_named))
    for name, s in rows:
        table.add_row(name, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.tp), str(s.fp), str(s.fn))
    console.print(table)
    console.print(f"relative flag accuracy: {report.relative_accuracy:.3f} ({report.relative_agree}/{report.relative_total})")
    if errors:
        for e in sorted(report.errors, key=lambda e: (e["paper"], e["kind"])):
            extra = f" (gold {e['gold']!r})" if "gold" in e else ""
            console.print(f"{e['kind'].upper():8} result {e['result']}{extra}  — {e['paper'][:60]}", highlight=False, markup=False)


def _cross_validate(gold: list[Path], inputs, pipeline, folds: int, epochs, as_json: bool, errors: bool = False) -> None:
    from kg.paths import DEFAULT_PIPELINE, EXAMPLES_DIR
    from kg.training.crossval import cross_validate
    from kg.training.data import read_annotations

    items = _run(read_annotations, gold, inputs or [EXAMPLES_DIR / "corpus"])
    cv = _run(cross_validate, items, pipeline or DEFAULT_PIPELINE, folds, epochs=epochs,
              on_fold=lambda k, n: err.print(f"fold {k + 1}/{folds} scored ({n} papers)"))
    if as_json:
        data = cv.as_dict()
        if errors:  # each paper's errors as its held-out fold scored it
            data["errors"] = cv.total.errors
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
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
    if errors:  # each paper's errors as its held-out fold scored it
        _print_entity_errors(cv.total.errors)


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
    out: Annotated[Path, typer.Option("--out", "-o", help="Report folder to write (replaced whole if kg wrote it).")] = Path("kg-report"),
) -> None:
    """Network analysis of a built graph: centrality, communities, bridges, missing links, trends.

    Writes report.md, report.json and PNG plots to --out (default ./kg-report). An existing --out is
    replaced only if it is a report kg wrote (or empty); anything else is refused, untouched. The
    build folder is left as it was built: every `kg build` already writes DIR/report and DIR/view.html.
    """
    from kg.analyse.report import write_report
    from kg.outputs import check_not_an_input
    from kg.progress import StageReporter, reporting

    _run(check_not_an_input, out)  # not inside a build
    with StageReporter(err) as reporter, reporting(reporter):  # its steps, on stderr
        folder = _run(write_report, _read_build(graph), out)
    console.print(f"wrote {folder / 'report.md'}")


@app.command()
def viz(
    graph: Annotated[Path, typer.Argument(help="Build folder.")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: kg-view.<format extension>).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="html, graphml, gexf, cytoscape, png or svg.")] = "html",
    papers: Annotated[bool, typer.Option("--papers", help="Papers and entities as nodes, instead of the field map of entities.")] = False,
    focus: Annotated[Optional[str], typer.Option(help="Centre the view on this entity or paper (its label or title).")] = None,
    hops: Annotated[int, typer.Option(min=0, help="Neighbourhood radius around --focus (with --papers).")] = 1,
    types: Annotated[Optional[list[str]], typer.Option("--type", help="Entity types to keep (repeatable).")] = None,
    top: Annotated[Optional[int], typer.Option(min=0, help="Keep the N most mentioned entities (field map, default 100) or best-connected nodes (--papers, default 400), with a note saying so (0: all).")] = None,
) -> None:
    """Draw the graph: by default the field map (entities sized by their papers, linked by the papers
    they share, communities as halos; click one for its papers and evidence), with --papers the papers
    and entities; an interactive offline HTML page or GraphML / GEXF / Cytoscape JSON / PNG / SVG."""
    from kg.outputs import check_not_a_graph_input
    from kg.viz.exports import EXTENSIONS, check_view_target
    from kg.progress import StageReporter, reporting
    from kg.viz.make import write_view
    from kg.viz.select import check_types

    _run(check_types, types)
    if fmt not in EXTENSIONS:
        fail(f"unknown --format {fmt!r}; choose one of {', '.join(EXTENSIONS)}")
    out = out or Path(f"kg-view.{EXTENSIONS[fmt]}")
    _run(check_not_a_graph_input, out, graph)  # before any work: kg replaces only a view it wrote
    _run(check_view_target, out, fmt)
    with StageReporter(err) as reporter, reporting(reporter):  # its steps, on stderr
        view = _run(write_view, _read_build(graph), out, fmt, papers=papers, focus=focus, hops=hops, types=types,
                    top=top, evidence=fmt == "html")
    H, note = view.graph, view.note
    console.print(f"wrote {out} ({H.number_of_nodes()} nodes, {H.number_of_edges()} edges)" + (f" — {note}" if note else ""))


# ----------------------------------------------------------------------------- serve / push


@app.command()
def serve(
    graph: Annotated[Path, typer.Argument(help="Build folder.")],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 7878,
    writable: Annotated[bool, typer.Option("--writable", help="Accept SPARQL updates (default: read-only).")] = False,
    timeout: Annotated[float, typer.Option(min=0, help="Per-query timeout in seconds (0: none); updates and loads run to their end.")] = 30,
    allow_service: Annotated[bool, typer.Option("--allow-service", help="Run SERVICE clauses (federated queries: the server fetches the URLs clients name); refused by default.")] = False,
) -> None:
    """A SPARQL 1.1 endpoint (Oxigraph's server) over the graph, with its query UI; Ctrl-C stops it."""
    from kg.query import check_timeout
    from kg.serve import Server, stop_on_signals

    _run(check_timeout, timeout)
    server = _run(Server, graph, host=host, port=port, writable=writable, timeout=timeout or None,
                  allow_service=allow_service)
    with stop_on_signals():  # SIGTERM and SIGHUP stop the server as Ctrl-C does
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
    update: Annotated[Optional[str], typer.Option(help="SPARQL update URL of the store (default: 'update' beside the endpoint's path).")] = None,
    staging: Annotated[bool, typer.Option(help="All or nothing, through a staging graph (--no-staging: chunks straight in; a failure leaves those sent).")] = True,
    chunk_triples: Annotated[int, typer.Option(min=1, help="Triples per request.")] = 50_000,
    retries: Annotated[int, typer.Option(min=0, help="Retries per chunk on connection errors and 5xx.")] = 3,
) -> None:
    """Add the graph to any external triple store through the SPARQL 1.1 Graph Store HTTP Protocol, all or nothing."""
    from kg.serve import push as run_push

    sent = _run(run_push, _read_build(graph), endpoint, graph_iri=graph_iri, update=update, staging=staging, chunk_triples=chunk_triples,
                retries=retries)
    console.print(f"pushed {sent} triples to {endpoint}")
