"""Faults: a build killed at any moment leaves the previous graph whole, and the next build works."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from rdflib import Graph

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


def test_a_full_disk_is_a_clear_error_and_leaves_no_partial_graph(tmp_path, kg_cli):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(tiny)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        done = kg_cli("build", EXAMPLE_CORPUS, "--out", tiny / "g", "--no-extras", "--jobs", "1")
        assert done.returncode == 1
        assert "Traceback" not in done.stderr and "no space left" in done.stderr
        assert not (tiny / "g").exists()
        assert [p for p in (tiny / ".g.builds").iterdir() if p.is_dir()] == []
    finally:
        subprocess.run(["umount", str(tiny)], check=False)
