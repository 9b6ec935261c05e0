"""Where kg may write: every command that writes asks here first, and writes through here.

The one rule: kg replaces only what kg wrote. A path that does not exist can be written; an
existing one is replaced only when it is recognisably an earlier output of the same kind:

- a build folder (`kg build --out`): a link into its own `.DIR.builds/` folder, or an empty folder;
- a report folder (`kg analyze --out`): a folder holding the marker file kg writes into every
  report (or, for reports written before the marker, nothing but report files), or an empty folder;
- a pipeline folder (`kg train --out`): a folder holding the marker kg writes into every trained
  pipeline (or, for pipelines written before the marker, a spaCy pipeline of kg's own components),
  or an empty folder;
- a single file (`kg viz`, `kg export`, `kg extract -o`): a plain file whose name ends in the
  extension of the format being written (`-o view.html` replaces the view written before,
  `-o README.md` is refused), never a folder or a build.

Anything else (a folder holding other files, a plain file where a folder goes, a build where a
report goes) is refused with one line, before any work, and nothing is touched. What is written
goes to a temporary path beside the target first and is renamed into place, so an interrupted
command leaves the previous output whole.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.errors import KgError

REPORT_MARKER = ".kg-report"  # written into every report folder: "kg wrote this folder"
# what report folders written before the marker hold (kg.analyse.report)
REPORT_FILES = {"report.md", "report.json", "top_entities.png", "modality_heatmap.png", "communities.png",
                "modality_trends.png"}
PIPELINE_MARKER = ".kg-pipeline"  # written into every pipeline folder `kg train` writes
STORE_DIR = "store"


def versions_dir(out: Path) -> Path:
    """The folder that holds the builds behind a build link DIR: `.DIR.builds/` beside it."""
    return out.parent / f".{out.name}.builds"


def is_build(path: Path) -> bool:
    """Whether `path` is (or links to) a kg build folder."""
    return (path / STORE_DIR).is_dir()


def _is_own_build_link(out: Path) -> bool:
    """A link that points into DIR's own `.DIR.builds/` folder: what `kg build --out DIR` made."""
    if not out.is_symlink():
        return False
    target = Path(os.path.normpath(out.parent / os.readlink(out)))
    return target.parent == Path(os.path.normpath(versions_dir(out)))


def check_build_target(out: str | Path) -> None:
    """Raise KgError unless a build may be written to `out` (see the module's rule)."""
    out = Path(out)
    if not (out.exists() or out.is_symlink()):
        return
    if _is_own_build_link(out) or (out.is_dir() and not out.is_symlink() and not any(out.iterdir())):
        return
    what = "a link kg did not make" if is_build(out) else _what(out)
    raise KgError(f"{out}: not a kg build folder made there ({what}); kg replaces only what it wrote: "
                  "choose another --out")


def check_folder_target(out: str | Path, *, marker: str = REPORT_MARKER, known: Iterable[str] = REPORT_FILES) -> None:
    """Raise KgError unless a folder output (a report) may replace `out`."""
    out = Path(out)
    if not (out.exists() or out.is_symlink()):
        return
    if out.is_dir() and not out.is_symlink() and not is_build(out):
        names = {p.name for p in out.iterdir()}
        if not names or marker in names or ("report.md" in names and names <= set(known)):
            return
    raise KgError(f"{out}: {_what(out)}; kg replaces only a folder it wrote itself: choose another --out")


def check_file_target(out: str | Path, extensions: Iterable[str]) -> None:
    """Raise KgError unless a file of a format with these extensions may replace `out`."""
    out = Path(out)
    if not (out.exists() or out.is_symlink()):
        if not out.parent.is_dir():
            raise KgError(f"{out}: cannot write: the folder {out.parent} does not exist")
        return
    suffixes = {"." + e.lstrip(".").lower() for e in extensions}
    if out.is_file() and not out.is_symlink() and out.suffix.lower() in suffixes:
        return
    if out.is_file() and not out.is_symlink():
        raise KgError(f"{out}: an existing file that is not a {'/'.join(sorted(suffixes))} file; kg replaces only "
                      "a file of the format it writes: choose another --out")
    raise KgError(f"{out}: {_what(out)}; kg writes a file here only where there is none or one it wrote: "
                  "choose another --out")


def check_not_an_input(out: str | Path, inputs: Iterable[str | Path] = (), recorded: Iterable[dict] = ()) -> None:
    """Raise KgError when `out` overlaps what kg reads: a file this command reads (`inputs`), one the
    graph was built from (`recorded`: a manifest's inputs, known by path or, as the build may have run
    from another folder, by size and SHA-256), or a place inside a build, which only `kg build`
    writes, whole. A file of the right extension can still be the user's data or the build's own:
    `kg extract papers.jsonl -o papers.jsonl` replaced the papers with the extractions, and
    `kg export DIR -f jsonld -o DIR/manifest.json` the manifest, which broke every later append."""
    out, recorded = Path(out), list(recorded)
    parent = out.resolve().parent
    build = next((p for p in (parent, *parent.parents) if is_build(p) and (p / "manifest.json").is_file()), None)
    if build is not None:
        raise KgError(f"{out}: inside the kg build {build}, which only kg build writes: choose another --out")
    if not out.is_file():
        return
    paths = [*map(Path, inputs), *(Path(r.get("path") or "") for r in recorded)]
    if any(p.is_file() and os.path.samefile(out, p) for p in paths) or _recorded_content(out, recorded):
        raise KgError(f"{out}: an input file (of this command or of the graph); kg never writes over its "
                      "inputs: choose another --out")


def _recorded_content(path: Path, recorded: Iterable[dict]) -> bool:
    """Whether `path` holds the bytes of one of the `recorded` inputs (hashed only if a size matches)."""
    digests = {r.get("sha256") for r in recorded if r.get("bytes") == path.stat().st_size}
    if not digests:
        return False
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest() in digests


def check_not_a_graph_input(out: str | Path, graph: str | Path) -> None:
    """`check_not_an_input` against the inputs recorded in the manifest of the build `graph`."""
    from kg.store import read_manifest

    try:
        recorded = read_manifest(graph).get("inputs", [])
    except KgError:  # no readable manifest: the command itself says what is wrong with the graph
        recorded = []
    check_not_an_input(out, recorded=[r for r in recorded if isinstance(r, dict)])


def check_pipeline_target(out: str | Path) -> None:
    """Raise KgError unless a trained pipeline may replace `out`."""
    out = Path(out)
    if out.is_dir() and not out.is_symlink() and _is_kg_pipeline(out):
        return
    check_not_an_input(out)  # a pipeline written inside a build would be swept with it
    check_folder_target(out, marker=PIPELINE_MARKER, known=())


def _is_kg_pipeline(path: Path) -> bool:
    """A spaCy pipeline folder whose components are kg's: what `kg train` wrote before the marker."""
    config = path / "config.cfg"
    return (path / "meta.json").is_file() and config.is_file() and '"kg_' in config.read_text(encoding="utf-8")


def _what(path: Path) -> str:
    if is_build(path):
        return "a kg build folder"
    if path.is_symlink():
        return "a symbolic link"
    if path.is_dir():
        return "a folder holding other files" if any(path.iterdir()) else "an empty folder"
    return "an existing file"


@contextmanager
def atomic_file(out: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `out`; on success it is renamed to `out` in one step, on any
    failure removed, so `out` is always either the old file or the whole new one."""
    out = Path(out)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        _flush_to_disk(tmp)
        os.replace(tmp, out)
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:  # a read-only folder refuses even this: the error that got us here is the one to tell
            pass


def _flush_to_disk(path: Path) -> None:
    """Put the file's bytes on disk before it is renamed over the old one: otherwise a power cut
    soon after can leave the new name pointing at an empty file, the old one already gone."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_folder(out: str | Path, *, marker: str = REPORT_MARKER) -> Iterator[Path]:
    """Yield a fresh folder beside `out`, marked as kg's; on success it replaces `out` (already
    checked by `check_folder_target`), on any failure it is removed and `out` stays as it was."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        os.chmod(tmp, 0o755)
        (tmp / marker).write_text("written by kg; kg may replace this folder whole\n", encoding="utf-8")
        yield tmp
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, old / "previous")
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
