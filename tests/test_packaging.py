"""The wheel a user installs carries what kg needs: vocabularies, shapes, the trained pipeline.

kg's data lives in top-level folders of the source tree (ontology/, pipelines/, examples/); a wheel
maps them into the package (pyproject.toml). These tests build the wheel, install it into a fresh
environment outside the source tree and run it there.
"""
from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_of_the_source_tree_is_listed_for_the_wheel():
    """pyproject.toml lists the packages by hand (the data folders need a mapping): a new
    subpackage left out of the list would be missing from every install."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    in_tree = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "kg").rglob("__init__.py")}
    assert in_tree <= listed, f"packages missing from pyproject.toml: {sorted(in_tree - listed)}"


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory) -> tuple[Path, Path]:
    """The wheel, unpacked into a fresh venv whose only other path is this environment's
    dependencies (not its editable kg): (the wheel, the venv's python)."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp / "dist"), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = (tmp / "dist").glob("kg_lit-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "venv")], check=True)
    python = tmp / "venv" / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    # a path added by a .pth line is not scanned for .pth files itself, so the editable install's
    # finder in this environment stays inactive there: kg comes from the wheel alone
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return wheel, python


def _run_kg(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-c", "from kg.cli import app; app()", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_the_wheel_holds_every_data_file_of_the_source_tree(installed_wheel):
    wheel, _ = installed_wheel
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("ontology", "pipelines", "examples"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                assert f"kg/data/{folder}/{path.relative_to(ROOT / folder).as_posix()}" in names, path


def test_the_installed_wheel_extracts_as_the_source_tree_does(installed_wheel, tmp_path):
    """Run from a folder outside the source tree, the installed kg reads its own data (not the
    checkout's) and gives the same entities, roles and results as the checkout."""
    _, python = installed_wheel
    where = subprocess.run([str(python), "-c", "import kg, kg.paths as p; print(kg.__file__); print(p.DEFAULT_PIPELINE)"],
                           cwd=tmp_path, check=True, capture_output=True, text=True).stdout.split()
    assert not Path(where[0]).is_relative_to(ROOT) and Path(where[1]).is_dir()
    assert Path(where[1]).is_relative_to(Path(where[0]).parent / "data")

    corpus = ROOT / "examples" / "corpus"
    ran = _run_kg(python, "extract", str(corpus), "-o", str(tmp_path / "wheel.jsonl"), cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    ran = subprocess.run([str(Path(sys.executable).with_name("kg")), "extract", str(corpus), "-o", str(tmp_path / "source.jsonl")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stderr
    wheel_papers = [json.loads(line) for line in (tmp_path / "wheel.jsonl").read_text().splitlines()]
    source_papers = [json.loads(line) for line in (tmp_path / "source.jsonl").read_text().splitlines()]
    assert len(wheel_papers) >= 130 and sum(len(p["entities"]) for p in wheel_papers) > 500
    assert wheel_papers == source_papers


def test_the_installed_wheel_builds_a_graph_that_passes_its_shapes(installed_wheel, tmp_path):
    _, python = installed_wheel
    papers = tmp_path / "papers.jsonl"
    papers.write_text("".join(json.dumps(p) + "\n" for p in [
        {"id": "a", "title": "Contrastive pretraining of image and text encoders",
         "abstract": "We propose CoPT, a contrastive model trained on MS-COCO. CoPT reaches 61.2% recall@1 on Flickr30K."},
        {"id": "b", "title": "Speech recognition with transformers",
         "abstract": "We train a Transformer on LibriSpeech and report a WER of 4.1 on the test-clean split."},
    ]))
    built = _run_kg(python, "build", str(papers), "--out", str(tmp_path / "graph"), "--no-extras", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    checked = _run_kg(python, "validate", str(tmp_path / "graph"), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    counted = _run_kg(python, "query", str(tmp_path / "graph"), "top-entities", "--param", "type=dataset", "--format", "json", cwd=tmp_path)
    assert counted.returncode == 0, counted.stderr
    assert "LibriSpeech" in counted.stdout
