"""Faults: a build killed at any moment leaves the previous graph whole, and the next build works."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Graph

from kg.errors import KgError
from kg.query import run
from kg.store import open_store, read_manifest

from conftest import EXAMPLE_CORPUS, KG


def paper_count(out) -> int:
    return run(open_store(out), "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper }").rows[0][0]


@pytest.mark.slow
def test_sigkill_at_several_moments_never_corrupts_the_previous_graph(tmp_path, kg_cli):
    out = tmp_path / "g"
    first = kg_cli("build", EXAMPLE_CORPUS / "004_2862ceeb13da1ae7.txt", "--out", out, "--no-extras")
    assert first.returncode == 0, first.stderr
    turtle, papers = (out / "graph.ttl").read_bytes(), paper_count(out)
    survived = 0
    for delay in (0.3, 0.8, 1.5, 2.5, 4.0):
        proc = subprocess.Popen(
            [KG, "build", str(EXAMPLE_CORPUS), "--out", str(out), "--no-extras"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            survived += 1
        proc.wait(timeout=30)
        current = (out / "graph.ttl").read_bytes()
        if current != turtle:
            # the kill came after the swap (or the build had finished): the graph must then be the
            # whole new build, never a mix
            assert paper_count(out) == 136 and read_manifest(out)["papers"] == 136
            assert len(Graph().parse(data=current.decode(), format="turtle")) > 1000
            turtle, papers = current, 136
        assert paper_count(out) == papers
    assert survived >= 3, "the kills must land while builds are running"
    again = kg_cli("build", EXAMPLE_CORPUS, "--out", out, "--no-extras")
    assert again.returncode == 0, again.stderr
    assert paper_count(out) == 136
    assert kg_cli("doctor", out).returncode == 0


def test_a_full_disk_is_a_clear_error_and_leaves_no_partial_graph(tiny_disk, kg_cli):
    tiny = tiny_disk("3m")
    done = kg_cli("build", EXAMPLE_CORPUS, "--out", tiny / "g", "--no-extras", "--jobs", "1")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "no space left" in done.stderr
    assert not (tiny / "g").exists()
    assert not (tiny / ".g.builds").exists()  # a failed first build leaves no folder, not even its lock


# --------------------------------------------------------------------------- kills at named stages
# The build is held at a stage by the KG_TEST_PAUSE_AT hook (kg.faults) and killed there, so each
# kill lands where the build writes, not wherever a timer happens to fall.

BUILD_STAGES = ["load", "counts", "exports", "report", "view", "publish"]
APPEND_STAGES = ["seed", *BUILD_STAGES]


def papers_file(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.fixture(scope="module")
def corpus_parts(tmp_path_factory):
    """Two disjoint sets of example papers: the previous graph's and the new build's."""
    from kg.ingest import read_papers

    folder = tmp_path_factory.mktemp("parts")
    records = [{"title": p.title, "abstract": p.text} for p in read_papers([EXAMPLE_CORPUS / "004_2862ceeb13da1ae7.txt"])]
    return papers_file(folder / "old.jsonl", records[:6]), papers_file(folder / "new.jsonl", records[6:14])


@pytest.fixture(scope="module")
def previous_graph(tmp_path_factory, corpus_parts):
    """A graph built by the default command (report and view included), to be copied by each test."""
    folder = tmp_path_factory.mktemp("previous")
    done = subprocess.run([KG, "build", str(corpus_parts[0]), "--out", str(folder / "g"), "--jobs", "1"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (folder / "g" / "report").is_dir() and (folder / "g" / "view.html").exists()
    return folder


def snapshot(out: Path) -> dict:
    """Where DIR points and the SHA-256 of every file of the build it points to."""
    real = out.resolve()
    return {"target": os.readlink(out),
            "files": {str(p.relative_to(real)): hashlib.sha256(p.read_bytes()).hexdigest()
                      for p in sorted(real.rglob("*")) if p.is_file()}}


def assert_previous_graph_intact(out: Path, before: dict, papers: int, kg_cli) -> None:
    """The graph is byte for byte the previous build, and kg reads it: stats and a query."""
    after = snapshot(out)
    assert after["target"] == before["target"], "DIR points to another build"
    missing = sorted(set(before["files"]) - set(after["files"]))
    changed = sorted(n for n in before["files"] if n in after["files"] and after["files"][n] != before["files"][n])
    added = sorted(set(after["files"]) - set(before["files"]))
    assert not (missing or changed or added), f"missing {missing[:5]}, changed {changed[:5]}, added {added[:5]}"
    stats = kg_cli("stats", out)
    assert stats.returncode == 0, stats.stderr
    assert re.search(rf"papers\s+│\s+{papers}\b", stats.stdout), stats.stdout
    count = kg_cli("query", out, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper }", "-f", "csv")
    assert count.returncode == 0 and count.stdout.splitlines() == ["n", str(papers)], count.stdout + count.stderr


def kill_at(stage: str, command: list[str], marker: Path, timeout: float = 600) -> None:
    """Run `command` held at `stage`, wait until it gets there, and SIGKILL its process group."""
    marker.unlink(missing_ok=True)
    env = {**os.environ, "KG_TEST_PAUSE_AT": stage, "KG_TEST_PAUSE_MARKER": str(marker)}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the build ended before reaching {stage!r}: {proc.stderr.read().decode()[-2000:]}")
        assert time.monotonic() < deadline, f"the build did not reach {stage!r}"
        time.sleep(0.1)
    assert marker.read_text() == stage
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def copy_graph(previous_graph: Path, into: Path) -> Path:
    shutil.copytree(previous_graph, into, symlinks=True)  # DIR stays a relative link to its build
    return into / "g"


@pytest.mark.slow
@pytest.mark.parametrize("mode,stage", [("build", s) for s in BUILD_STAGES] + [("append", s) for s in APPEND_STAGES])
def test_a_kill_at_each_stage_leaves_the_previous_graph_byte_identical(mode, stage, previous_graph, corpus_parts,
                                                                       tmp_path, kg_cli):
    out = copy_graph(previous_graph, tmp_path / "graphs")
    before = snapshot(out)
    command = [KG, "build", str(corpus_parts[1]), "--out", str(out), "--jobs", "1", *(["--append"] if mode == "append" else [])]
    kill_at(stage, command, tmp_path / "marker")
    assert_previous_graph_intact(out, before, 6, kg_cli)
    if stage == "publish":  # killed between writing the new build and the swap: the next one still works
        done = kg_cli(*command[1:], "--no-extras")
        assert done.returncode == 0, done.stderr
        assert kg_cli("query", out, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper }", "-f", "csv").stdout.splitlines() \
            == ["n", "14" if mode == "append" else "8"]


@pytest.mark.slow
@pytest.mark.parametrize("command", ["export", "viz", "extract"])
def test_a_file_output_killed_while_written_leaves_the_old_one_and_the_next_write_clears_its_temporary_file(
        command, previous_graph, corpus_parts, tmp_path, kg_cli):
    # killed before the rename, `kg export -o graph.nt` (or viz, extract) left its temporary file
    # `.graph.nt.XXXXXXXX.tmp` beside the output for good: half an export, hidden, never removed
    import fcntl

    out = copy_graph(previous_graph, tmp_path / "graphs")
    target = tmp_path / {"export": "graph.nt", "viz": "view.html", "extract": "extractions.jsonl"}[command]
    args = {"export": ["export", out, "-f", "ntriples", "-o", target], "viz": ["viz", out, "-o", target],
            "extract": ["extract", corpus_parts[1], "-o", target]}[command]
    assert kg_cli(*args).returncode == 0
    before = target.read_bytes()
    kill_at("file", [KG, *map(str, args)], tmp_path / "marker")
    assert target.read_bytes() == before  # the previous output, whole
    assert len(list(tmp_path.glob(f".{target.name}.*.tmp"))) == 1  # what the killed kg could not remove
    live = tmp_path / f".{target.name}.0123abcd.tmp"  # another kg writing the same output right now
    live.write_text("being written")
    held = os.open(live, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        done = kg_cli(*args)
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in tmp_path.glob(f".{target.name}.*")) == [live.name]
    finally:
        os.close(held)
    assert target.stat().st_size > 0 and (command == "viz" or target.read_bytes() == before)  # written again, whole


def test_a_build_killed_in_its_publish_leaves_no_new_link_after_the_next_build(previous_graph, corpus_parts, tmp_path,
                                                                                kg_cli):
    # the new link (`.g.link-XXXXXXXX`, renamed over g in the publish) of a build killed just before
    # that rename stayed beside g for good, pointing at a build the next one removed
    out = copy_graph(previous_graph, tmp_path / "graphs")
    command = [KG, "build", str(corpus_parts[1]), "--out", str(out), "--jobs", "1", "--no-extras"]
    kill_at("publish", command, tmp_path / "marker")
    assert len(list(out.parent.glob(".g.link-*"))) == 1
    done = kg_cli(*command[1:])
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == [".g.builds", "g"]


UNSAFE_PUBLISH = """
import os, shutil, sys
import kg.store
from kg.faults import pause_point

def publish_file_by_file(stage, final, out):
    # NOT atomic: the new build's files replace the live build's one by one
    live = out.resolve()
    for i, entry in enumerate(sorted(stage.iterdir())):
        target = live / entry.name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        shutil.move(str(entry), str(target))
        if i == 0:
            pause_point("publish")
    shutil.rmtree(stage)

kg.store.publish = publish_file_by_file
from kg.cli import app
sys.argv = ["kg", *sys.argv[1:]]
app()
"""


@pytest.mark.slow
def test_the_stage_kill_check_catches_a_publish_that_is_not_atomic(previous_graph, corpus_parts, tmp_path, kg_cli):
    """The check above against a deliberately unsafe publish: it must find the damage."""
    out = copy_graph(previous_graph, tmp_path / "graphs")
    before = snapshot(out)
    script = tmp_path / "unsafe_kg.py"
    script.write_text(UNSAFE_PUBLISH)
    command = [sys.executable, str(script), "build", str(corpus_parts[1]), "--out", str(out), "--jobs", "1", "--append"]
    kill_at("publish", command, tmp_path / "marker")
    with pytest.raises(AssertionError, match="changed|missing"):
        assert_previous_graph_intact(out, before, 6, kg_cli)


@pytest.mark.parametrize("before", ["kg's earlier output", "nothing"])
def test_a_file_saved_where_a_single_file_output_goes_while_kg_writes_it_is_kept_beside_it(tmp_path, caplog, before):
    """`kg viz -o view.html` (or `kg export -o`, `kg extract -o`) checks its output before its work, which
    may take minutes, then renames the new file over it: a file the user saved there meanwhile (an
    editor still open on the earlier view saving an edit, or a new file of that name) was lost. Now it
    is kept beside as view.html.kept-XXXXXXXX, byte-identical, with one warning; the new output takes
    the name."""
    import kg.outputs as outputs

    out = tmp_path / "view.html"
    if before != "nothing":
        with outputs.atomic_file(out) as tmp:
            tmp.write_text("<html>kg's first view</html>")
    with caplog.at_level("WARNING", logger="kg.outputs"), outputs.atomic_file(out) as tmp:
        tmp.write_text("<html>kg's second view</html>")
        out.write_text("<html>saved by the user meanwhile</html>")
    assert out.read_text() == "<html>kg's second view</html>"
    (kept,) = tmp_path.glob("view.html.kept-*")
    assert kept.read_text() == "<html>saved by the user meanwhile</html>"
    warned = [r.getMessage() for r in caplog.records if r.name == "kg.outputs"]
    assert len(warned) == 1 and warned[0].startswith(f"{kept}: what {out} held")
    with outputs.atomic_file(out) as tmp:  # untouched meanwhile: replaced, nothing more kept
        tmp.write_text("<html>kg's third view</html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".kg-written.json", "view.html", kept.name]


def test_a_file_is_on_disk_before_it_replaces_the_old_one(tmp_path, monkeypatch):
    # without the fsync a power cut soon after the rename can leave the new name on an empty file,
    # the old content already gone: the bytes must be flushed before os.replace runs
    import kg.outputs as outputs

    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(outputs.os, "fsync", lambda fd: (events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}"))), real_fsync(fd))[1])
    monkeypatch.setattr(outputs.os, "replace", lambda a, b: (events.append(("replace", str(a))), real_replace(a, b))[1])
    target = tmp_path / "view.html"
    target.write_text("old", encoding="utf-8")
    with outputs.atomic_file(target) as tmp:
        tmp.write_text("new", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "new"
    events = [(kind, path) for kind, path in events if outputs.WRITTEN_RECORD not in path]  # the record's own
    assert [kind for kind, _ in events] == ["fsync", "replace"]
    assert events[0][1] == events[1][1] == str(tmp)


def test_a_build_is_on_disk_before_its_link_points_at_it(previous_graph, corpus_parts, tmp_path, monkeypatch):
    # a power cut soon after the link swap could leave DIR pointing at a build whose files (or whose
    # name) the disk never received, the previous build already swept: nothing of the build was
    # fsynced. A power cut cannot be staged here, so the order of the calls is what is checked
    from kg.build import build

    out = copy_graph(previous_graph, tmp_path / "graphs")
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}"))),
                                                 real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append(("replace", str(a), str(b))), real_replace(a, b))[1])
    build([corpus_parts[1]], out, jobs=1)
    final = out.resolve()
    stage = str(final) + ".partial"
    moved = events.index(("replace", stage, str(final)))
    swapped = next(i for i, e in enumerate(events) if e[0] == "replace" and e[2] == str(out))
    flushed = {e[1] for e in events[:moved] if e[0] == "fsync"}
    published = {str(p).replace(str(final), stage, 1) for p in [final, *final.rglob("*")] if not p.is_symlink()}
    assert published - flushed == set()  # every file and folder of the build, before it takes its name
    assert ("fsync", str(final.parent)) in events[moved:swapped]  # its name, before the link points at it
    assert ("fsync", str(out.parent)) in events[swapped:]  # the swap itself
    assert (final / "report").is_dir() and (final / "view.html").exists()  # the extras were among them


PUBLISH_PIPELINE = """
import shutil, sys
from pathlib import Path
from kg.paths import TRAINED_PIPELINE
from kg.training.train import pipeline_folder

with pipeline_folder(Path(sys.argv[1])) as stage:  # as kg train --out publishes
    shutil.copytree(TRAINED_PIPELINE, stage, dirs_exist_ok=True)
    (stage / "meta.json").write_text((stage / "meta.json").read_text().replace("{", '{"retrained": true,', 1))
    print("staged", flush=True)
print("published", flush=True)
"""


def test_a_pipeline_is_not_swapped_while_a_build_reads_it(corpus_parts, tmp_path):
    # spaCy reads a pipeline folder file by file (each worker of a build again), and the build records
    # its hash at the end: a `kg train --out P` publishing P meanwhile mixed two pipelines in one
    # build. Readers took no lock; now the build holds P shared and the publish waits for it
    from kg.paths import TRAINED_PIPELINE

    pipeline = tmp_path / "pipe"
    shutil.copytree(TRAINED_PIPELINE, pipeline)
    before = {p.relative_to(pipeline): p.read_bytes() for p in pipeline.rglob("*") if p.is_file()}
    marker = tmp_path / "marker"
    reader = subprocess.Popen([KG, "build", str(corpus_parts[1]), "--pipeline", str(pipeline), "--out",
                               str(tmp_path / "g"), "--jobs", "1", "--no-extras"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True,
                              env={**os.environ, "KG_TEST_PAUSE_AT": "load", "KG_TEST_PAUSE_MARKER": str(marker)})
    writer = None
    try:
        for _ in range(6000):  # the build has loaded the pipeline and is held in its loading stage
            if marker.exists() or reader.poll() is not None:
                break
            time.sleep(0.1)
        assert marker.exists(), "the build did not reach its loading stage"
        writer = subprocess.Popen([sys.executable, "-c", PUBLISH_PIPELINE, str(pipeline)], stdout=subprocess.PIPE,
                                  text=True)
        assert writer.stdout.readline() == "staged\n"
        time.sleep(2)  # what the writer would need to swap the folder, were it let
        assert writer.poll() is None
        assert {p.relative_to(pipeline): p.read_bytes() for p in pipeline.rglob("*") if p.is_file()} == before
    finally:
        os.killpg(reader.pid, signal.SIGKILL)
        reader.wait()
    assert writer.stdout.readline() == "published\n"  # once the build is gone, the publish goes on
    assert writer.wait(timeout=60) == 0
    assert '"retrained": true' in (pipeline / "meta.json").read_text()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".pipe")) == []


def test_every_load_of_a_pipeline_folder_holds_it_and_a_publish_of_it_says_it_waits(tmp_path, monkeypatch):
    # `kg eval --folds`, `kg train`'s own load of its rules and the shard workers load a pipeline through
    # `build_nlp` alone, which took no lock: a `kg train --out P` meanwhile swapped P under spaCy's
    # file-by-file read. Now every load holds P; the publish waits, saying so, and a reader that holds
    # P already (a build, `kg extract`) loads it again meanwhile without waiting for the publish
    import threading

    import spacy

    from kg.extract import build_nlp
    from kg.outputs import reading_folder, record_written
    from kg.paths import TRAINED_PIPELINE

    pipeline = tmp_path / "pipe"
    shutil.copytree(TRAINED_PIPELINE, pipeline)
    record_written(pipeline)  # as `kg train --out` leaves it
    before = (pipeline / "meta.json").read_text()
    loading, go_on, real_load = threading.Event(), threading.Event(), spacy.load

    def held_load(path, *args, **kwargs):  # spaCy has begun reading P, and is held there
        loading.set()
        go_on.wait(300)
        return real_load(path, *args, **kwargs)

    monkeypatch.setattr(spacy, "load", held_load)
    loaded = []
    reader = threading.Thread(target=lambda: loaded.append(build_nlp(pipeline)))
    reader.start()
    assert loading.wait(120)
    writer = subprocess.Popen([sys.executable, "-c", PUBLISH_PIPELINE, str(pipeline)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "staged\n"
        waiting = writer.stderr.readline()  # said before it waits; a publish not held would end instead
        assert waiting == (f"{pipeline}: waiting for the kg commands using it to finish (a build, extract, eval or "
                           "train reading this pipeline, or another write of it)\n"), writer.communicate()
        assert writer.poll() is None and (pipeline / "meta.json").read_text() == before
        with reading_folder(pipeline):  # as a build holds it, while the publish waits
            go_on.set()
            reader.join(300)
            assert loaded and "retrained" not in loaded[0].meta
            build_nlp(pipeline)
            assert writer.poll() is None and (pipeline / "meta.json").read_text() == before
    finally:
        go_on.set()
        reader.join(300)
    assert writer.stdout.readline() == "published\n"  # once the readers are done, the publish goes on
    assert writer.wait(timeout=60) == 0 and writer.stderr.read() == ""
    assert '"retrained": true' in (pipeline / "meta.json").read_text()


def _report_folder(path: Path, who: str) -> None:
    """A report folder as kg writes it: its marker, its files and the record of them."""
    from kg.outputs import record_written

    path.mkdir()
    (path / ".kg-report").write_text("kg\n")
    for name in ("report.md", "report.json"):
        (path / name).write_text(who)
    record_written(path)


def test_a_folder_output_is_on_disk_before_it_replaces_the_old_one(tmp_path, monkeypatch):
    # a report or a pipeline (`kg analyze -o`, `kg train --out`) was swapped in unsynced: a power cut
    # soon after could leave the name on a folder of empty files, the old one already removed
    import kg.outputs as outputs

    events = []
    real_fsync, real_publish = os.fsync, outputs._publish
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}"))),
                                                 real_fsync(fd))[1])
    monkeypatch.setattr(outputs, "_publish", lambda stage, out: (events.append(("publish", str(out))),
                                                                 real_publish(stage, out))[1])
    out = tmp_path / "report"
    _report_folder(out, "old")
    with outputs.atomic_folder(out) as stage:
        for name in ("report.md", "report.json"):
            (stage / name).write_text("new")
    swapped = events.index(("publish", str(out)))
    flushed = {path for kind, path in events[:swapped] if kind == "fsync"}
    assert {str(stage), *(str(stage / n) for n in (".kg-report", "report.md", "report.json"))} <= flushed
    assert ("fsync", str(tmp_path)) in events[swapped:]  # the swap itself
    assert (out / "report.md").read_text() == "new"


@pytest.mark.parametrize("swap", ["exchange", "two renames"])
def test_two_publishes_of_one_folder_at_once_both_succeed_and_leave_nothing_behind(tmp_path, monkeypatch, swap):
    # two `kg analyze -o SAME` finishing together: the first moved the old report aside and, before
    # it renamed its own in, the second found no report to move (FileNotFoundError) and left its
    # `.SAME.old.*` folder behind. Every move is held until the other publish tries one (or 0.5 s).
    import threading

    import kg.outputs as outputs

    out = tmp_path / "report"
    _report_folder(out, "old")
    if swap == "two renames":
        monkeypatch.setattr(outputs, "_exchange", lambda a, b: False)
    moves, other_moved = [], threading.Event()

    def held(real):
        def move(a, b):
            moves.append(threading.get_ident())
            if len(set(moves)) > 1:
                other_moved.set()
            real(a, b)
            if len(moves) == 1:
                other_moved.wait(0.5)
        return move

    monkeypatch.setattr(outputs.os, "replace", held(os.replace))
    monkeypatch.setattr(outputs.os, "rename", held(os.rename))
    both_written, errors = threading.Barrier(2), []

    def publish(who):
        try:
            with outputs.atomic_folder(out) as stage:
                for name in ("report.md", "report.json"):
                    (stage / name).write_text(who)
                both_written.wait(5)
        except BaseException as exc:  # noqa: BLE001 - any failure of either publish is the finding
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(who,)) for who in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]
    contents = {(out / name).read_text() for name in ("report.md", "report.json")}
    assert contents in ({"A"}, {"B"})
    assert (out / ".kg-report").is_file()


def test_an_interrupted_publish_puts_the_old_folder_back(tmp_path, monkeypatch):
    # where the swap takes two renames, a Ctrl-C between them must not leave the output missing
    import kg.outputs as outputs

    out = tmp_path / "report"
    _report_folder(out, "old")
    monkeypatch.setattr(outputs, "_exchange", lambda a, b: False)
    real_rename = os.rename

    def interrupted(a, b):
        if Path(b) == out and not str(a).endswith(".old"):  # the new report renamed in; the old one may go back
            raise KeyboardInterrupt
        real_rename(a, b)

    monkeypatch.setattr(outputs.os, "rename", interrupted)
    with pytest.raises(KeyboardInterrupt):
        with outputs.atomic_folder(out) as stage:
            (stage / "report.md").write_text("new")
    assert (out / "report.md").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_the_next_write_clears_what_a_killed_one_left_and_spares_a_live_one(tmp_path):
    # a kg killed while writing leaves its staging folder (or, killed between the two renames of a
    # publish, the old output renamed aside and no output): the next write removes the first and
    # puts the second back, never touching a staging folder a live kg holds or the build folders
    import fcntl

    import kg.outputs as outputs

    out = tmp_path / "report"
    _report_folder(tmp_path / ".report.kg-stage.dead1", "half-written")
    _report_folder(tmp_path / ".report.kg-stage.dead2.old", "old")
    _report_folder(tmp_path / ".report.kg-stage.live", "being written")
    (tmp_path / ".report.builds").mkdir()
    live = os.open(tmp_path / ".report.kg-stage.live", os.O_RDONLY)
    fcntl.flock(live, fcntl.LOCK_EX)
    try:
        with outputs.atomic_folder(out) as stage:
            assert (out / "report.md").read_text() == "old"  # put back before this write began
            (stage / "report.md").write_text("new")
        assert sorted(p.name for p in tmp_path.iterdir()) == [".report.builds", ".report.kg-stage.live", "report"]
        assert (out / "report.md").read_text() == "new"
    finally:
        os.close(live)


def test_a_pipeline_a_killed_kg_train_left_renamed_aside_is_found_by_its_reader(tmp_path):
    """Killed between the two renames of a publish (file systems without RENAME_EXCHANGE), `kg train
    --out DIR` leaves DIR missing and the old pipeline beside it as `.DIR.kg-stage.*.old`. Before, a
    `kg build --pipeline DIR` then failed ("cannot read the pipeline config") until the next write of
    DIR; now the reader puts the old pipeline back (under the folder lock) and loads it."""
    from kg.extract import build_nlp
    from kg.paths import TRAINED_PIPELINE

    pipeline = tmp_path / "pipe"
    shutil.copytree(TRAINED_PIPELINE, tmp_path / ".pipe.kg-stage.k1ll.old")
    _report_folder(tmp_path / ".pipe.kg-stage.dead", "half-written")  # an unfinished new one: not a pipeline
    nlp = build_nlp(pipeline)
    assert "kg_entity_judge" in nlp.pipe_factories.values() and (pipeline / "config.cfg").is_file()
    assert not (tmp_path / ".pipe.kg-stage.k1ll.old").exists()


@pytest.mark.parametrize("swap", ["exchange", "two renames"])
def test_a_file_the_user_writes_into_a_folder_output_while_it_is_rewritten_is_kept(tmp_path, monkeypatch, swap):
    """`kg analyze -o rep` (or `kg train --out P`) checks `rep` before its work, which takes minutes;
    notes the user saves into `rep` meanwhile were deleted with the old report when the new one was
    swapped in. Also a file written into the old folder after the swap moved it aside (a shell whose
    folder it is). Both are kept, in the new folder, where the user put them; the next write of
    `rep` then refuses it until they are moved out."""
    import kg.outputs as outputs

    out = tmp_path / "rep"
    _report_folder(out, "old")
    if swap == "two renames":
        monkeypatch.setattr(outputs, "_exchange", lambda a, b: False)
    real_rename, real_exchange = os.rename, outputs._exchange

    def late_write(old: Path) -> None:  # the old folder, now beside `out` under another name
        if old.is_dir() and (old / "report.md").read_text() == "old":
            (old / "late.txt").write_text("written just after the swap")

    def exchange(a, b):
        done = real_exchange(a, b)
        if done:
            late_write(Path(a))
        return done

    def rename(a, b):
        real_rename(a, b)
        if Path(a) == out:
            late_write(Path(b))

    monkeypatch.setattr(outputs, "_exchange", exchange)
    monkeypatch.setattr(outputs.os, "rename", rename)
    with outputs.atomic_folder(out) as stage:
        for name in ("report.md", "report.json"):
            (stage / name).write_text("new")
        (out / "notes.md").write_text("my notes")  # saved while the analysis runs
        (out / "drafts").mkdir()
        (out / "drafts" / "a.md").write_text("draft")
    assert (out / "report.md").read_text() == "new"
    assert (out / "notes.md").read_text() == "my notes"
    assert (out / "drafts" / "a.md").read_text() == "draft"
    assert (out / "late.txt").read_text() == "written just after the swap"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]  # nothing left beside it
    with pytest.raises(KgError, match=r"holds other files \(drafts and 2 more\)"):
        outputs.check_folder_target(out)


def test_a_folder_output_replaced_by_a_link_while_kg_writes_never_has_the_linked_folder_emptied(tmp_path):
    # `rep` made a link to a folder of the user's while `kg analyze -o rep` ran: the swap moved the link
    # aside, and the removal of the old report must not reach through it
    import kg.outputs as outputs

    out, theirs = tmp_path / "rep", tmp_path / "theirs"
    _report_folder(out, "old")
    _report_folder(theirs, "the user's own report")
    with outputs.atomic_folder(out) as stage:
        (stage / "report.md").write_text("new")
        shutil.rmtree(out)
        out.symlink_to(theirs)
    assert (out / "report.md").read_text() == "new" and not out.is_symlink()
    assert sorted(p.name for p in theirs.iterdir()) == [".kg-report", ".kg-written.json", "report.json", "report.md"]
    assert (theirs / "report.md").read_text() == "the user's own report"
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("rep.kept-")]
    assert len(kept) == 1 and kept[0].is_symlink() and kept[0].resolve() == theirs


@pytest.mark.slow
def test_a_kg_analyze_killed_just_after_its_swap_never_loses_a_file_of_the_users_in_the_old_report(
        previous_graph, tmp_path, kg_cli):
    """Killed (SIGKILL, a power cut) between the swap of a folder output and its cleanup, `kg analyze -o
    rep` leaves the old report under its hidden staging name, holding what the user saved into `rep`
    while the analysis ran (here written at that moment, as a shell whose folder is `rep` would),
    not yet moved into the new `rep`. The next write of `rep` deleted that folder whole as a
    leftover (`shutil.rmtree`); now it moves the user's file into `rep` and removes only kg's names."""
    graph = copy_graph(previous_graph, tmp_path / "graphs")
    rep = tmp_path / "rep"
    assert kg_cli("analyze", graph, "-o", rep).returncode == 0
    kill_at("folder", [KG, "analyze", str(graph), "-o", str(rep)], tmp_path / "marker")
    (old,) = tmp_path.glob(".rep.kg-stage.*")  # the old report, swapped out, not yet cleared
    (old / "notes.md").write_text("my notes on the old report")
    (old / "figures").mkdir()
    (old / "figures" / "mine.svg").write_text("<svg/>")
    done = kg_cli("analyze", graph, "-o", rep)
    assert done.returncode == 0, done.stderr
    assert (rep / "notes.md").read_text() == "my notes on the old report"
    assert (rep / "figures" / "mine.svg").read_text() == "<svg/>"
    assert (rep / "report.md").is_file() and (rep / ".kg-report").is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in ("graphs", "marker")) == ["rep"]
    refused = kg_cli("analyze", graph, "-o", rep)  # kg replaces the folder whole no more: they are the user's
    assert refused.returncode == 1 and "figures and 1 more" in refused.stderr


class Killed(BaseException):
    """What a SIGKILL is to the code it stops: nothing after it runs (no except clause catches it)."""


def _killed_at(step: int, counted: list):
    """Every call that changes the file system (rename, removal) counted; the `step`-th raises Killed."""
    def wrap(real):
        def call(*args, **kwargs):
            counted.append(real)
            if len(counted) == step:
                raise Killed
            return real(*args, **kwargs)
        return call
    return wrap


@pytest.mark.parametrize("swap", ["exchange", "two renames"])
@pytest.mark.parametrize("kind", ["report", "pipeline"])
def test_the_clearing_of_a_folder_output_a_killed_kg_left_is_itself_safe_to_kill_at_any_step(
        tmp_path, monkeypatch, kind, swap):
    """A kg killed between a folder output's swap and its cleanup leaves the old folder (and the
    user's files saved in it meanwhile) under a staging name; the next write clears it. That clearing
    is killed here at each of its renames and removals in turn (1st, 2nd, ... until one run ends
    unkilled), and then a write runs to its end: each time, the user's files end in the output,
    byte-identical, beside the new output, with no name of kg's taken for the user's (a pipeline's
    component folders are named only by its meta.json) and nothing left beside it."""
    import kg.outputs as outputs
    from kg.paths import TRAINED_PIPELINE
    from kg.training.train import pipeline_folder

    def write(out: Path, who: str) -> None:
        if kind == "report":
            with outputs.atomic_folder(out) as stage:
                for name in ("report.md", "report.json"):
                    (stage / name).write_text(who)
        else:
            with pipeline_folder(out) as stage:
                shutil.copytree(TRAINED_PIPELINE, stage, dirs_exist_ok=True)
                (stage / "config.cfg").write_text((stage / "config.cfg").read_text() + f"# {who}\n")

    users = {"README.md": "how I trained it", "runs/log.txt": "my log"}
    step, counted, real_retire = 0, [], outputs._retire
    while True:
        step += 1
        folder = tmp_path / str(step)
        folder.mkdir()
        out = folder / "out"
        if kind == "report":
            _report_folder(out, "old")
        else:
            shutil.copytree(TRAINED_PIPELINE, out)
            outputs.record_written(out)  # as `kg train --out` leaves it
        with monkeypatch.context() as patch:
            if swap == "two renames":
                patch.setattr(outputs, "_exchange", lambda a, b: False)
            patch.setattr(outputs, "_retire", lambda *args, **kwargs: (_ for _ in ()).throw(Killed))
            with pytest.raises(Killed):  # killed just after the swap
                with outputs.atomic_folder(out) if kind == "report" else pipeline_folder(out) as stage:
                    if kind == "report":
                        (stage / "report.md").write_text("new")
                    else:
                        shutil.copytree(TRAINED_PIPELINE, stage, dirs_exist_ok=True)
                    for name, text in users.items():  # saved into the output while kg worked
                        (out / name).parent.mkdir(exist_ok=True)
                        (out / name).write_text(text)
        assert len([p for p in folder.iterdir() if p.name.startswith(".out.kg-stage.")]) == 1
        counted.clear()
        with monkeypatch.context() as patch:
            kill = _killed_at(step, counted)
            for name in ("rename", "replace", "unlink", "remove", "rmdir"):
                patch.setattr(os, name, kill(getattr(os, name)))
            if hasattr(outputs, "_renameat2"):  # the one-step renames, made through libc
                patch.setattr(outputs, "_renameat2", kill(outputs._renameat2))
            real_sweep = outputs._sweep_abandoned_stages

            def sweep_only(*args, **kwargs):  # the kill lands in the clearing, not in the new write
                try:
                    return real_sweep(*args, **kwargs)
                finally:
                    patch.undo()

            patch.setattr(outputs, "_sweep_abandoned_stages", sweep_only)
            try:
                write(out, "interrupted")
                finished = True
            except Killed:
                finished = False
        assert outputs._retire is real_retire
        write(out, "next")
        for name, text in users.items():
            assert (out / name).read_text() == text, f"killed at step {step}"
        assert sorted(p.name for p in folder.iterdir()) == ["out"], f"killed at step {step}"
        ours = outputs.REPORT_NAMES if kind == "report" else outputs.pipeline_names(out) | {outputs.WRITTEN_RECORD}
        assert {p.name for p in out.iterdir()} - ours == {"README.md", "runs"}, f"killed at step {step}"
        if finished:
            break
    assert step > 5  # the clearing had that many steps to be killed at


def _folder_output(kind: str):
    """How `kg analyze -o`, `kg train --out` and `--shards-dir` write their folder: (write, one of its files
    a user may edit, the names kg writes there)."""
    import kg.outputs as outputs
    from kg.distributed import SHARDS_MARKER, shard_names
    from kg.paths import TRAINED_PIPELINE
    from kg.training.train import pipeline_folder

    if kind == "report":
        def write(out: Path, who: str) -> None:
            with outputs.atomic_folder(out) as stage:
                for name in ("report.md", "report.json"):
                    (stage / name).write_text(who)
        return write, "report.md"
    if kind == "pipeline":
        def write(out: Path, who: str) -> None:
            with pipeline_folder(out) as stage:
                shutil.copytree(TRAINED_PIPELINE, stage, dirs_exist_ok=True)
                (stage / "meta.json").write_text((stage / "meta.json").read_text().replace("{", f'{{"who": "{who}",', 1))
        return write, "kg_entity_judge/judge.json"  # a file inside a component's folder

    def write(out: Path, who: str) -> None:
        with outputs.atomic_folder(out, marker=SHARDS_MARKER, known=shard_names) as stage:
            for index in range(2):
                (stage / f"shard-{index:06d}.nt").write_text(f"# {who}\n")
    return write, "shard-000001.nt"


@pytest.mark.parametrize("kind", ["report", "pipeline", "shards"])
def test_a_hand_edit_of_a_file_kg_wrote_into_a_folder_output_is_kept_beside_it(tmp_path, caplog, kind):
    """`kg analyze -o rep` (or `kg train --out P`, `--shards-dir S`) over a folder whose report.md the
    user annotated by hand: the old folder's files were removed by their names, the edit with them.
    Now a folder output records its files as it is published; one edited since is the user's, kept
    with the old folder beside the new one (`rep.kept-XXXXXXXX`), with one warning naming it. Saved
    again unchanged, it is kg's still."""
    write, edited = _folder_output(kind)
    out = tmp_path / "out"
    write(out, "first")
    text = (out / edited).read_text() + "\nmy note\n"
    (out / edited).write_text(text)
    with caplog.at_level("WARNING", logger="kg.outputs"):
        write(out, "second")
    (kept,) = [p for p in tmp_path.iterdir() if p.name != "out"]
    assert kept.name.startswith("out.kept-") and (kept / edited).read_text() == text
    assert (out / edited).read_text() != text  # the new output, whole
    warned = [r.getMessage() for r in caplog.records if r.name == "kg.outputs"]
    assert len(warned) == 1 and warned[0].startswith(f"{kept}: what {out} held that kg did not write or that was "
                                                     f"changed since kg wrote it ({edited.split('/')[0]})")
    # saved again with the content kg wrote: replaced as before, nothing kept
    os.utime(out / edited, ns=(1, 1))
    write(out, "third")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", kept.name])


def test_a_folder_output_of_an_older_kg_which_recorded_nothing_is_kept_beside_the_new_one(tmp_path, caplog):
    """A report written before folder outputs recorded their files: nothing tells an edited report.md
    from kg's, so the old folder is kept beside the new one, once, with a warning."""
    import kg.outputs as outputs

    out = tmp_path / "rep"
    _report_folder(out, "old, maybe edited")
    (out / ".kg-written.json").unlink()
    with caplog.at_level("WARNING", logger="kg.outputs"), outputs.atomic_folder(out) as stage:
        (stage / "report.md").write_text("new")
    (kept,) = [p for p in tmp_path.iterdir() if p.name != "rep"]
    assert (kept / "report.md").read_text() == "old, maybe edited" and (out / "report.md").read_text() == "new"
    assert len(caplog.records) == 1
    with outputs.atomic_folder(out) as stage:  # the next write has the record: nothing more kept
        (stage / "report.md").write_text("newer")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["rep", kept.name])


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["build", "append"])
def test_a_build_killed_in_its_sweep_never_loses_a_hand_edit_of_the_older_build(mode, previous_graph, corpus_parts,
                                                                                 tmp_path, kg_cli):
    """The previous graph's graph.ttl and report.md edited by hand, then a build (or an append) killed
    once it published and before its sweep ended: the edits are in the older build, byte-identical;
    the next build keeps that build and names the edited files in one warning line."""
    out = copy_graph(previous_graph, tmp_path / "graphs")
    old = out.resolve()
    edits = {"graph.ttl": (out / "graph.ttl").read_text() + "# checked by hand\n",
             "report/report.md": "# my notes\n" + (out / "report" / "report.md").read_text()}
    for name, text in edits.items():
        (out / name).write_text(text)
    command = [KG, "build", str(corpus_parts[1]), "--out", str(out), "--jobs", "1", *(["--append"] if mode == "append" else [])]
    kill_at("sweep", command, tmp_path / "marker")
    assert out.resolve() != old
    for name, text in edits.items():
        assert (old / name).read_text() == text
    done = kg_cli(*command[1:], "--no-extras")
    assert done.returncode == 0, done.stderr
    for name, text in edits.items():
        assert (old / name).read_text() == text
    warned = [line for line in done.stderr.splitlines() if "changed since kg wrote" in line]
    assert len(warned) == 1 and "graph.ttl and 1 more" in warned[0], done.stderr


@pytest.mark.parametrize("swap", ["exchange", "two renames"])
def test_a_hand_edit_in_an_old_report_survives_a_write_killed_at_any_step_of_its_swap_and_clearing(
        tmp_path, monkeypatch, swap):
    """A report.md annotated by hand, then `kg analyze -o` of the same folder killed at its 1st, 2nd, ...
    rename or removal (the swap, then the clearing of the old folder) until one run ends unkilled; after
    each, a write to its end: the annotated report.md is kept beside the output, byte-identical, and
    the output is the new report."""
    import kg.outputs as outputs

    annotated = "# my annotated report\n"
    step = 0
    while True:
        step += 1
        folder = tmp_path / str(step)
        folder.mkdir()
        out = folder / "out"
        _report_folder(out, "old")
        (out / "report.md").write_text(annotated)
        counted = []
        with monkeypatch.context() as patch:
            if swap == "two renames":
                patch.setattr(outputs, "_exchange", lambda a, b: False)
            kill = _killed_at(step, counted)
            for name in ("rename", "replace", "unlink", "remove", "rmdir"):
                patch.setattr(os, name, kill(getattr(os, name)))
            patch.setattr(outputs, "_renameat2", kill(outputs._renameat2))
            try:
                with outputs.atomic_folder(out) as stage:
                    (stage / "report.md").write_text("interrupted")
                finished = True
            except Killed:
                finished = False
        with outputs.atomic_folder(out) as stage:
            (stage / "report.md").write_text("next")
        assert (out / "report.md").read_text() == "next", f"killed at step {step}"
        kept = [p for p in folder.rglob("report.md") if p.read_text() == annotated]
        assert len(kept) == 1 and kept[0].parent.name.startswith("out.kept-"), f"killed at step {step}"
        if finished:
            break
    assert step > 3  # the swap and the clearing had that many steps to be killed at


def test_a_folder_output_written_to_the_empty_folder_one_is_in_is_published(tmp_path):
    """`kg analyze g -o .` (or `kg train --out .`, `--shards-dir .`) run in an empty folder passed the
    check, did its work, and then never returned: the report was staged inside `.` itself, and the
    publish, holding `.` locked against its readers, waited for ever to lock the folder `.` is in,
    which `Path(".").parent` names `.` again. Now the report is published there."""
    here = tmp_path / "here"
    here.mkdir()
    script = "import kg.outputs as o\nwith o.atomic_folder('.') as stage:\n    (stage / 'report.md').write_text('new')\n"
    done = subprocess.run([sys.executable, "-c", script], cwd=here, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in here.iterdir()) == [".kg-report", ".kg-written.json", "report.md"]
    assert (here / "report.md").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here"]
