"""Commands run as a user runs them (subprocesses): the default build with its report and view, export, analyze, the build lock, Ctrl-C, doctor's failure modes."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg.query import run
from kg.store import open_store, read_manifest

from conftest import EXAMPLE_CORPUS, KG

pytestmark = pytest.mark.slow


def one(store, sparql: str):
    return run(store, sparql).rows[0][0]


def store_triples(graph: Path) -> Graph:
    """The default graph of a build's store, read into rdflib (the reference for the exports)."""
    data = open_store(graph).dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    return Graph().parse(data=data, format="nt")


def fingerprint(graph: Path) -> dict[str, str]:
    """Where the graph link points and the digest of every file of the build it points to."""
    target = graph.resolve()
    files = {str(p.relative_to(target)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(target.rglob("*")) if p.is_file()}
    assert "store/CURRENT" in files and "graph.ttl" in files
    return {"link": os.readlink(graph), **files}


@pytest.fixture(scope="module")
def built(tmp_path_factory, kg_cli_module):
    """`kg build examples/corpus --out DIR` with the defaults: report and view included."""
    out = tmp_path_factory.mktemp("cli") / "graph"
    done = kg_cli_module("build", EXAMPLE_CORPUS, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def kg_cli_module():
    def run_kg(*args, timeout: float = 600):
        return subprocess.run([KG, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "COLUMNS": "200"})

    return run_kg


# ----------------------------------------------------------------------------- build, report, view


def test_default_build_writes_a_report_and_a_view_of_the_graph(built):
    from kg.analyse.views import typed_graph

    store = open_store(built)
    papers = one(store, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper }")
    links = one(store, "SELECT (COUNT(*) AS ?n) WHERE { ?l rdf:subject ?p ; rdf:object ?c }")
    assert papers == 136

    report = json.loads((built / "report" / "report.json").read_text())
    assert report["counts"]["papers"] == papers and report["counts"]["paper-entity links"] == links
    markdown = (built / "report" / "report.md").read_text()
    assert f"| papers | {papers} |" in markdown and f"| paper-entity links | {links} |" in markdown
    for png in ("top_entities.png", "modality_heatmap.png", "communities.png"):
        assert (built / "report" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    G = typed_graph(store)
    page = (built / "view.html").read_text()
    nodes = json.loads(re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page, re.S).group(1))
    edges = json.loads(re.search(r"edges = new vis\.DataSet\((\[.*?\])\);", page, re.S).group(1))
    # the default view is the field map: entities only, at most the 100 most mentioned, linked when
    # papers of the graph mention both
    entities = {n for n, d in G.nodes(data=True) if d.get("type") != "paper"}
    assert 0 < len(nodes) <= 100 and {n["id"] for n in nodes} <= entities
    assert edges and all(set(G[e["from"]]) & set(G[e["to"]]) for e in edges)
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?://", page)  # offline: nothing fetched


def test_the_turtle_written_as_the_store_is_filled_reads_back_as_the_store(built):
    """The default build writes graph.ttl from the triples it loads, batch by batch, not from the
    finished store: the file holds the store's whole default graph, triple for triple, each once
    (the concepts several batches declare too), read by Oxigraph's parser (rdflib is slow here).
    Loaded into a store, the file gives the same store: a store keeps numbers by value ("1.0" and
    "1" as xsd:decimal are one value, which it writes "1"), and the file has them as the build wrote them."""
    store = open_store(built)
    stored = {str(q.triple) for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    reloaded = ox.Store()
    reloaded.bulk_load(path=str(built / "graph.ttl"), format=ox.RdfFormat.TURTLE)
    # the example corpus: ~28,000 triples in the lean graph
    assert len(stored) > 20_000 and {str(q.triple) for q in reloaded} == stored
    assert sum(1 for _ in ox.parse(path=str(built / "graph.ttl"), format=ox.RdfFormat.TURTLE)) == len(stored)
    assert read_manifest(built)["triples"] == len(stored)


def test_cli_export_reads_back_as_the_store(built, kg_cli_module, tmp_path):
    reference = store_triples(built)
    turtle = kg_cli_module("export", built)  # Turtle on stdout
    assert turtle.returncode == 0, turtle.stderr
    assert set(Graph().parse(data=turtle.stdout, format="turtle")) == set(reference)
    out = tmp_path / "graph.jsonld"  # read back by Oxigraph's parser (rdflib's JSON-LD is slow at this size)
    done = kg_cli_module("export", built, "--format", "jsonld", "--out", out)
    assert done.returncode == 0 and f"wrote {out}" in done.stderr
    store = open_store(built)
    def triples(quads):
        return {ox.Triple(q.subject, q.predicate, q.object) for q in quads if q.graph_name == ox.DefaultGraph()}

    assert triples(ox.parse(path=str(out), format=ox.RdfFormat.JSON_LD)) == triples(store)
    wrong = kg_cli_module("export", built, "--format", "rdfxml")
    assert wrong.returncode == 1 and wrong.stderr.strip().splitlines() == [
        "error: unknown export format 'rdfxml'; choose one of turtle, ntriples, jsonld, trig"]


def test_cli_analyze_reports_what_the_store_holds(built, kg_cli_module, tmp_path):
    out = tmp_path / "report"
    assert kg_cli_module("analyze", built, "--out", out).returncode == 0
    (out / "stale.txt").write_text("left in a report kg wrote")
    refused = kg_cli_module("analyze", built, "--out", out)  # kg did not write it: it may be the user's work
    assert refused.returncode == 1 and "stale.txt" in refused.stderr, refused.stderr
    assert (out / "stale.txt").read_text() == "left in a report kg wrote"
    (out / "stale.txt").unlink()
    done = kg_cli_module("analyze", built, "--out", out)
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "report.json").read_text())
    store = open_store(built)
    assert report["counts"]["papers"] == one(store, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper }")
    for entity_type, cls in (("method", "Method"), ("dataset", "Dataset"), ("modality", "Modality")):
        assert report["counts"][entity_type] == one(
            store, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?l rdf:subject ?p ; rdf:object ?c . ?c a kgo:{cls} }}")
    label, papers = report["top_by_papers"]["dataset"][0]
    most = run(store, "SELECT ?l (COUNT(DISTINCT ?p) AS ?n) WHERE { ?link rdf:subject ?p ; rdf:object ?c . ?c a kgo:Dataset ; "
                      "skos:prefLabel ?l } GROUP BY ?l ORDER BY DESC(?n) LIMIT 1").rows[0]
    assert (label, papers) == (str(most[0]), most[1])
    assert f"| {label} | {papers} |" in (out / "report.md").read_text()
    missing = kg_cli_module("analyze", tmp_path / "nothing", "--out", tmp_path / "r2")
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
    assert "no built graph here" in missing.stderr


# ----------------------------------------------------------------------------- doctor


def doctor_failures(kg_cli_module, graph) -> tuple[int, str]:
    done = kg_cli_module("doctor", graph)
    return done.returncode, done.stderr.strip()


def test_doctor_names_each_fault_of_a_graph(built, kg_cli_module, tmp_path):
    """(An undamaged copy passes the doctor: see the Ctrl-C test below.)"""
    # a copy with a wrong manifest, a truncated export and a partial build left behind
    versions = tmp_path / ".damaged.builds"
    copy = versions / "20260101T000000-00000000"
    shutil.copytree(built.resolve(), copy)
    (tmp_path / "damaged").symlink_to(copy.relative_to(tmp_path))
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["papers"] = 135
    (copy / "manifest.json").write_text(json.dumps(manifest))
    ttl = (copy / "graph.ttl").read_bytes()
    (copy / "graph.ttl").write_bytes(ttl[: len(ttl) // 2])
    (versions / "20260101T000001-11111111.partial").mkdir()
    code, message = doctor_failures(kg_cli_module, tmp_path / "damaged")
    assert code == 1 and message.startswith("error: 3 of ")
    assert "paper count matches the manifest: store 136, manifest 135" in message
    assert "graph.ttl parses" in message and "no abandoned partial builds: 20260101T000001-11111111.partial" in message

    # the store gone
    shutil.rmtree(copy / "store")
    code, message = doctor_failures(kg_cli_module, tmp_path / "damaged")
    assert code == 1 and "store opens" in message and "not a kg build folder (no store/ inside)" in message

    # the link pointing at a build that is gone
    shutil.rmtree(copy)
    code, message = doctor_failures(kg_cli_module, tmp_path / "damaged")
    assert code == 1 and "store opens" in message


# ----------------------------------------------------------------------------- lock and Ctrl-C


def start_build(out: Path) -> subprocess.Popen:
    """A build in its own session, as a terminal runs it: Ctrl-C goes to its whole process group.
    SIGINT is set back to its default in the child, as a terminal has it: a test run started in the
    background by a shell inherits SIGINT ignored, and Python then never turns it into Ctrl-C."""
    return subprocess.Popen([KG, "build", str(EXAMPLE_CORPUS), "--out", str(out), "--no-extras"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_lock(out: Path, proc: subprocess.Popen, within: float = 60) -> None:
    import fcntl

    lock = out.parent / f".{out.name}.builds" / ".lock"
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and proc.poll() is None:
        if lock.exists():
            with open(lock) as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(fh, fcntl.LOCK_UN)
                except OSError:
                    return  # held by the build
        time.sleep(0.05)
    pytest.fail("the build never took its lock")


def interrupt(proc: subprocess.Popen) -> tuple[int, str]:
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        pytest.fail("the build did not stop on Ctrl-C")
    return proc.returncode, stderr


def test_a_build_stopped_by_sigterm_or_sighup_unwinds_as_ctrl_c_does(built, kg_cli_module, tmp_path):
    """`kill PID`, `timeout`, a job scheduler (SIGTERM) or a closed terminal (SIGHUP) reach kg alone,
    not its process group. Before: kg died on the spot, exit -15 without a word, its staging folder
    left behind and its worker processes running on, orphaned, through their queued batches."""
    import psutil

    out = tmp_path / "g"
    shutil.copytree(built.parent / f".{built.name}.builds", tmp_path / ".g.builds", symlinks=True)
    (tmp_path / "g").symlink_to(Path(".g.builds") / Path(os.readlink(built)).name)
    before = fingerprint(out)
    stopped = []
    for signum, delay in ((signal.SIGTERM, 2.0), (signal.SIGHUP, 4.0), (signal.SIGTERM, 6.0)):
        proc = start_build(out)
        wait_for_lock(out, proc)
        time.sleep(delay)
        if proc.poll() is not None:
            continue
        workers = psutil.Process(proc.pid).children(recursive=True)
        os.kill(proc.pid, signum)
        try:
            _, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"the build did not stop on {signum.name}")
        if proc.returncode == 0:  # it had published already: the new graph is whole, and the one to keep
            before = fingerprint(out)
            continue
        assert proc.returncode == 128 + signum, stderr[-500:]
        assert stderr.strip().splitlines()[-1] == f"error: stopped by {signum.name}", stderr[-500:]
        assert "Traceback" not in stderr, stderr[-500:]
        gone, alive = psutil.wait_procs(workers, timeout=20)
        assert not alive, [p.cmdline() for p in alive]
        assert fingerprint(out) == before
        assert not list((tmp_path / ".g.builds").glob("*.partial"))  # its staging folder is removed
        stopped.append(signum)
    assert stopped, "every build finished before it could be stopped"
    assert kg_cli_module("doctor", out).returncode == 0


def test_a_second_build_into_the_same_folder_is_refused(built, kg_cli_module, tmp_path):
    out = tmp_path / "g"
    first = start_build(out)
    try:
        wait_for_lock(out, first)
        second = kg_cli_module("build", EXAMPLE_CORPUS, "--out", out, "--no-extras")
        assert second.returncode == 1
        assert second.stderr.strip().splitlines() == [f"error: {out}: another build (or a kg serve --writable) is writing this graph right now"]
    finally:
        if first.poll() is None:
            interrupt(first)


def test_ctrl_c_during_a_build_leaves_the_previous_graph_as_it_was(built, kg_cli_module, tmp_path):
    out = tmp_path / "g"
    shutil.copytree(built.parent / f".{built.name}.builds", tmp_path / ".g.builds", symlinks=True)
    (tmp_path / "g").symlink_to(Path(".g.builds") / Path(os.readlink(built)).name)
    before = fingerprint(out)
    stopped_at = []
    for delay in (0.5, 2.0, 4.0):  # during extraction and during the store load (how far a build gets
        proc = start_build(out)     # in a given time depends on the machine's load)
        wait_for_lock(out, proc)
        time.sleep(delay)
        code, stderr = interrupt(proc) if proc.poll() is None else (proc.returncode, proc.stderr.read())
        if code == 0:
            # the build had published before Ctrl-C reached it: then the new graph must be whole,
            # and it is what the next interrupted build must leave as it was
            assert kg_cli_module("doctor", out).returncode == 0
            before = fingerprint(out)
            continue
        assert code == 130 and stderr.strip().splitlines()[-1] == "error: interrupted", stderr[-500:]
        assert "Traceback" not in stderr and "leaked" not in stderr, stderr[-500:]  # from no worker either
        stopped_at.append(delay)
        assert fingerprint(out) == before
        assert not list((tmp_path / ".g.builds").glob("*.partial"))  # its staging folder is removed
    assert stopped_at, "every build finished before it could be interrupted"
    assert kg_cli_module("doctor", out).returncode == 0
