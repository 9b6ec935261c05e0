"""Fixtures shared by the test suite: the example corpus and one build of it per session."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CORPUS = ROOT / "examples" / "corpus"
DEV_GOLD = ROOT / "examples" / "gold" / "dev.jsonl"
KG = str(Path(sys.executable).with_name("kg"))


@pytest.fixture(scope="session")
def example_graph(tmp_path_factory) -> Path:
    """The example corpus built once (no report or HTML view, to keep the session fast)."""
    from kg.build import build

    out = tmp_path_factory.mktemp("example") / "graph"
    build([EXAMPLE_CORPUS], out, extras=False, exports=("turtle",))
    return out


@pytest.fixture()
def example_store(example_graph):
    from kg.store import open_store

    return open_store(example_graph)


@pytest.fixture()
def kg_cli():
    """Run the installed `kg` command as a user would; returns CompletedProcess."""
    import subprocess

    def run(*args: str, cwd: Path | None = None, timeout: float = 300, env: dict | None = None):
        return subprocess.run(
            [KG, *map(str, args)], capture_output=True, text=True, cwd=cwd or ROOT, timeout=timeout,
            env={**os.environ, "COLUMNS": "200", **(env or {})},
        )

    return run


@pytest.fixture()
def read_only_folder(tmp_path):
    """An empty folder nothing can be written to: permissions for a user, a read-only bind mount for root."""
    import subprocess

    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)
        yield folder
        folder.chmod(0o700)
        return
    if subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True).returncode:
        pytest.skip("cannot bind-mount here")
    try:
        if subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True).returncode:
            pytest.skip("cannot remount read-only here")
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


@pytest.fixture()
def tiny_disk(tmp_path):
    """A function mounting a tmpfs of `size` (e.g. "3m") at a new folder under tmp_path and returning
    the folder (a full disk); unmounted after the test. Needs root: skipped otherwise."""
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = []

    def mount(size: str) -> Path:
        folder = tmp_path / f"tiny{len(mounted)}"
        folder.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True).returncode:
            pytest.skip("cannot mount a tmpfs here")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", str(folder)], check=False)


def worker_pid(batch):
    """A worker's task for tests of kg.pool (here: a light module for spawned workers to import)."""
    return os.getpid(), batch


# --------------------------------------------------------------------------- extraction helpers


@pytest.fixture(scope="session")
def nlp():
    """The rules-only pipeline: the rules' tests test the rules, whichever pipeline is the default."""
    from kg.extract import build_nlp
    from kg.paths import RULES_PIPELINE

    return build_nlp(RULES_PIPELINE)


def run(nlp, title: str, abstract: str):
    """The Extraction of one paper written for a test."""
    from kg.extract import extract
    from kg.ids import paper_id
    from kg.model import Paper

    paper = Paper(id=paper_id(title=title), title=title, abstract=abstract)
    return next(extract([paper], nlp=nlp))


def entities(extraction, entity_type: str) -> dict[str, dict]:
    return {e["name"]: e for e in extraction.to_json()["entities"] if e["type"] == entity_type}


def forms(extraction, entity_type: str) -> set[str]:
    return {f for e in entities(extraction, entity_type).values() for f in [e["name"], *e["mentions"]]}


def one_line_error(done, *needles: str) -> str:
    """The single error line of a failed command (asserting there is exactly one, no traceback)."""
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    for needle in needles:
        assert needle in errors[0], (needle, done.stderr)
    return errors[0]
