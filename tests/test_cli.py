"""The command line as a user meets it: nothing destroyed that kg did not write, options checked
before any work, one vocabulary of options, output fit for pipes (issue 19)."""
from __future__ import annotations

import json

import pytest

from conftest import ROOT

PAPERS = [
    {"title": "Vision transformers for chest X-ray classification",
     "abstract": "We train a vision transformer on ImageNet and evaluate it on CheXpert chest X-ray images. "
                 "Our method reaches 91.2% accuracy on CheXpert, improving over ResNet-50."},
    {"title": "Audio-visual speech recognition with a vision encoder",
     "abstract": "We combine a vision encoder with an audio encoder for speech recognition on LRS3. "
                 "The model improves word error rate over a BERT baseline on video and audio."},
    {"title": "Graph neural networks for molecules",
     "abstract": "A graph neural network predicts molecular properties on QM9; we report mean absolute error."},
]


def write_papers(path, papers=PAPERS):
    path.write_text("".join(json.dumps(p) + "\n" for p in papers), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    """A build of three papers, its own for this module (tests here try to damage builds)."""
    from kg.build import build

    folder = tmp_path_factory.mktemp("small")
    build([write_papers(folder / "papers.jsonl")], folder / "b1", extras=False, jobs=1)
    return folder / "b1"


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


def snapshot(folder):
    """Every file under folder with its bytes (links followed), to compare before and after."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- 1. nothing destroyed


def test_analyze_refuses_a_folder_holding_other_files(kg_cli, small_build, tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "notes.txt").write_text("notes\n")
    one_line_error(kg_cli("analyze", small_build, "--out", results), "results", "other files")
    assert (results / "notes.txt").read_text() == "notes\n"
    assert sorted(p.name for p in results.iterdir()) == ["notes.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".results")]  # no temporary folder left


def test_analyze_refuses_a_file_where_the_report_folder_goes(kg_cli, small_build, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# my project\n")
    one_line_error(kg_cli("analyze", small_build, "--out", readme), "README.md")
    assert readme.is_file() and readme.read_text() == "# my project\n"


def test_analyze_refuses_to_replace_the_build_itself(kg_cli, small_build):
    before = snapshot(small_build)
    one_line_error(kg_cli("analyze", small_build, "--out", small_build), "kg build folder")
    assert small_build.is_symlink() and snapshot(small_build) == before
    stats = kg_cli("stats", small_build)
    assert stats.returncode == 0, stats.stderr
    assert "papers" in stats.stdout


def test_analyze_replaces_a_report_it_wrote_and_one_written_before_the_marker(kg_cli, small_build, tmp_path):
    out = tmp_path / "report"
    assert kg_cli("analyze", small_build, "--out", out).returncode == 0
    (out / "report.md").write_text("stale\n")
    again = kg_cli("analyze", small_build, "--out", out)
    assert again.returncode == 0, again.stderr
    assert (out / "report.md").read_text().startswith("# Analysis report")
    (out / ".kg-report").unlink()  # a report of an older kg: only report files inside
    assert kg_cli("analyze", small_build, "--out", out).returncode == 0
    (out / ".kg-report").unlink()
    (out / "mine.txt").write_text("mine\n")  # ... but not once something else is in there
    one_line_error(kg_cli("analyze", small_build, "--out", out), "other files")
    assert (out / "mine.txt").read_text() == "mine\n"


def test_single_file_outputs_refuse_files_of_another_kind_folders_and_builds(kg_cli, small_build, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# mine\n")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "keep.txt").write_text("keep\n")
    for args in (["viz", small_build, "-o", readme], ["export", small_build, "-o", readme],
                 ["viz", small_build, "-o", folder], ["export", small_build, "-f", "ntriples", "-o", small_build],
                 ["extract", tmp_path / "papers.jsonl", "-o", readme]):
        write_papers(tmp_path / "papers.jsonl")
        one_line_error(kg_cli(*args), str(args[-1].name))
    assert readme.read_text() == "# mine\n"
    assert (folder / "keep.txt").read_text() == "keep\n" and len(list(folder.iterdir())) == 1
    assert kg_cli("stats", small_build).returncode == 0
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_single_file_outputs_replace_their_own_earlier_output(kg_cli, small_build, tmp_path):
    ttl = tmp_path / "graph.ttl"
    ttl.write_text("old\n")
    assert kg_cli("export", small_build, "-o", ttl).returncode == 0
    assert ttl.read_text().startswith("@prefix")
    view = tmp_path / "view.html"
    view.write_text("old\n")
    assert kg_cli("viz", small_build, "-o", view).returncode == 0
    assert "<html" in view.read_text().lower()


def test_build_refuses_a_folder_of_other_files_and_a_link_it_did_not_make(kg_cli, tmp_path):
    papers = write_papers(tmp_path / "papers.jsonl")
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "notes.txt").write_text("notes\n")
    one_line_error(kg_cli("build", papers, "--out", folder, "--no-extras"), "results")
    assert snapshot(folder) == {"notes.txt": b"notes\n"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "data.txt").write_text("data\n")
    link = tmp_path / "link"
    link.symlink_to(elsewhere)
    one_line_error(kg_cli("build", papers, "--out", link, "--no-extras"), "link")
    assert link.is_symlink() and snapshot(elsewhere) == {"data.txt": b"data\n"}


def test_a_failed_first_build_leaves_no_builds_folder(kg_cli, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    one_line_error(kg_cli("build", empty, "--out", tmp_path / "g", "--no-extras"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.jsonl"]
