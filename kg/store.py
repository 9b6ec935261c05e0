"""The embedded Oxigraph store of a built graph, and its exports.

A build folder `DIR` is a symbolic link to one complete build (`.DIR.builds/<id>/`). A new build is
written beside it and the link is swapped with one atomic rename, so readers always see a whole
graph: a build that fails or is killed half-way leaves the previous graph as it was.
"""
from __future__ import annotations

import fcntl
import glob
import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError
from kg.faults import pause_point
from kg.outputs import (
    atomic_file, changed_in_build, check_build_target, check_file_target, flush_folder, flush_tree, foreign_in_build,
    is_being_read, jsonld_by_kg, ntriples_by_kg, open_lock, record_written, remove_build, store_writer, turtle_by_kg,
    versions_dir,
)
from kg.rdf.namespaces import PREFIXES

STORE_DIR = "store"
MANIFEST = "manifest.json"

# format name -> (pyoxigraph format, file name)
EXPORT_FORMATS: dict[str, tuple[ox.RdfFormat, str]] = {
    "turtle": (ox.RdfFormat.TURTLE, "graph.ttl"),
    "ntriples": (ox.RdfFormat.N_TRIPLES, "graph.nt"),
    "jsonld": (ox.RdfFormat.JSON_LD, "graph.jsonld"),
    "trig": (ox.RdfFormat.TRIG, "graph.trig"),
}
PREFIX_MAP = {p: str(ns) for p, ns in PREFIXES.items()}
log = logging.getLogger("kg.store")
# the file names an earlier export of each format may have, and how its first bytes show kg wrote it:
# only such a file is replaced (kg.outputs)
EXPORT_EXTENSIONS = {"turtle": ["ttl"], "ntriples": ["nt"], "jsonld": ["jsonld", "json"], "trig": ["trig"]}
EXPORT_SIGNS = {"turtle": (turtle_by_kg, "a Turtle export"), "ntriples": (ntriples_by_kg, "an N-Triples export"),
                "jsonld": (jsonld_by_kg, "a JSON-LD export"), "trig": (turtle_by_kg, "a TriG export")}


def resolve(out: str | Path) -> Path:
    """The folder of the current build behind DIR (DIR itself when it is a plain folder)."""
    out = Path(out)
    if out.is_symlink() and not out.exists():  # `cp -a g elsewhere/`, `mv g elsewhere/`: the link alone
        raise KgError(dangling_graph(out))
    if not out.exists():
        raise KgError(f"{out}: no built graph here (run `kg build INPUT --out {out}` first)")
    real = out.resolve()
    if not (real / STORE_DIR).is_dir():
        raise KgError(f"{out}: not a kg build folder (no {STORE_DIR}/ inside)")
    return real


def dangling_graph(out: Path) -> str:
    """What to say of a graph link whose build is not there: the link was moved or copied alone."""
    return (f"{out}: a link to the build {os.readlink(out)}, which is not there: was the graph moved or copied "
            f"without the folder .{out.name}.builds that held it? Move that folder beside it (or copy the graph "
            "with cp -rL)")


def open_store(out: str | Path, *, read_only: bool = True) -> ox.Store:
    path = resolve(out) / STORE_DIR
    try:
        return ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
    except OSError as exc:
        raise KgError(f"{path}: cannot open the store: {exc}") from None
    except RuntimeError as exc:  # RocksDB's "Corruption: ..." (a truncated or damaged file) was a traceback
        raise KgError(f"{path}: the store is damaged ({exc}); rebuild the graph from its inputs") from None


def read_manifest(out: str | Path) -> dict:
    try:
        manifest = json.loads((resolve(out) / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise KgError(f"{out}: unreadable {MANIFEST}: {exc}") from None
    if not isinstance(manifest, dict):
        raise KgError(f"{out}: unreadable {MANIFEST}: not a JSON object")
    for key, kind, what in MANIFEST_FIELDS:  # a hand edit ("papers": "6") ended an append in a traceback
        value = manifest.get(key)
        if key in manifest and not (isinstance(value, kind) and not isinstance(value, bool)):
            raise KgError(f"{out}: unreadable {MANIFEST}: {key!r} is {json.dumps(value)[:40]}, not {what}")
    return manifest


# the fields of a manifest that kg reads back (an append adds to them, `kg doctor` compares them)
MANIFEST_FIELDS = (("papers", int, "a whole number"), ("triples", int, "a whole number"),
                   ("inputs", list, "a list"), ("store_files", str, "text"), ("concept_words_sha256", str, "text"))


@contextmanager
def staged_build(out: str | Path, *, seed: Callable[[Path, Path], None] | None = None):
    """Yield a fresh folder for a new build; on success, swap DIR to it atomically.

    `seed(current, stage)`, when given and DIR holds a build, fills the staging folder from the
    current build first (an append starts from it; see `checkpoint_store`). It must never change
    a file of the current build, which readers keep using until the swap.

    On any exception (or a kill), the staging folder is abandoned and DIR still points to the
    previous complete build; leftovers of abandoned builds are swept by the next build.
    """
    out = Path(out)
    check_build_target(out)  # only a build kg made there (or an empty folder) is replaced
    if out.is_dir() and not out.is_symlink():
        out.rmdir()
    versions = versions_dir(out)
    try:
        versions.mkdir(parents=True, exist_ok=True)
        lock = open_lock(versions / ".lock")
    except OSError as exc:
        raise KgError(f"{versions}: cannot write the build: {exc.strerror or exc}") from None
    try:
        # One build at a time per folder; the OS releases the lock if the build is killed.
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        raise KgError(f"{out}: another build (or a kg serve --writable) is writing this graph right now") from None
    writer = store_writer(out.resolve() / STORE_DIR) if out.exists() else None
    if writer is not None:  # what it writes after this build began would be left in a build it replaces
        _forget_first(out, versions, lock)
        who = "this process" if writer == os.getpid() else f"process {writer}" if writer > 0 else "another process"
        raise KgError(f"{out}: its store is open for writing in {who} (a script or notebook's pyoxigraph.Store); "
                      "close it first, or its next writes would be left out of the new graph") from None
    _sweep_new_links(out)
    build_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    stage = versions / (build_id + ".partial")
    seeded_from = None  # the build an append starts from: what was written into it is carried over
    try:
        stage.mkdir()
        if seed and out.exists():
            seeded_from = out.resolve()
            seed(seeded_from, stage)
            pause_point("seed")
    except BaseException as exc:
        shutil.rmtree(stage, ignore_errors=True)
        _forget_first(out, versions, lock)
        if isinstance(exc, OSError):
            raise KgError(f"{versions}: cannot write the build: {exc.strerror or exc}") from None
        raise
    try:
        yield stage
        final = versions / build_id
        publish(stage, final, out)
    except BaseException:
        _remove_stage(stage)
        _forget_first(out, versions, lock)
        raise
    _sweep(versions, keep=final, carried_over=seeded_from)
    lock.close()


def _remove_stage(stage: Path, tries: int = 50) -> None:
    """Remove a failed build's folder. Its store is still open while the failure propagates (the
    build's frame holds it, and pyoxigraph has no close), and RocksDB's background threads may add a
    file while the folder is being removed, so that its last rmdir fails: try again until it is gone
    (a few tries at most; what is still left is swept by the next build)."""
    for _ in range(tries):
        shutil.rmtree(stage, ignore_errors=True)
        if not stage.exists():
            return
        time.sleep(0.02)


def publish(stage: Path, final: Path, out: Path) -> None:
    """Make the finished build in `stage` the graph DIR (`out`): rename it to its final name, then
    point DIR at it with one atomic rename of a new symbolic link over the old one. Until that
    rename, DIR is the previous build, untouched; after it, the new one, whole.

    Each step is on disk before the next (fsync): the build's files and folders, then its final name,
    then the link. A power cut soon after the swap otherwise could leave DIR pointing at a folder
    whose files the disk never received (empty or missing), the previous build already swept.

    The build's files are recorded first (`record_build`): a graph.ttl or report.md edited by hand
    later is told from kg's, and the sweep that would remove this build keeps it."""
    record_build(stage)
    flush_tree(stage)
    os.replace(stage, final)
    flush_folder(final.parent)
    link_tmp = out.parent / f".{out.name}.link-{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(final, out.parent), link_tmp)
    pause_point("publish")
    os.replace(link_tmp, out)  # the atomic swap
    flush_folder(out.parent)  # the swap itself, before the previous build is swept


def record_build(build: Path) -> None:
    """Record the files of a finished build as kg wrote them (`kg.outputs.record_written`), but its
    store, which has its own fingerprint (`store_files`), and its tallies: databases no one edits."""
    from kg.rdf.tallies import TALLY_FILE

    record_written(build, leave_out={STORE_DIR, TALLY_FILE})


def _sweep_new_links(out: Path) -> None:
    """Remove the new links a build killed in its publish left beside DIR (`publish` makes one, then
    renames it over DIR): with the build lock held, no other build of DIR is making one."""
    name = re.compile(re.escape(f".{out.name}.link-") + r"[0-9a-f]{8}")
    for path in out.parent.glob(glob.escape(f".{out.name}.link-") + "*"):
        if name.fullmatch(path.name) and path.is_symlink():
            path.unlink(missing_ok=True)


def store_files(path: Path) -> str:
    """A fingerprint of a closed store: the names and sizes of its RocksDB files. Any write (a
    writable endpoint, a script) adds or grows a file, so a build records it and an append compares
    it in milliseconds instead of counting the store. Opening a store read-only changes nothing
    here; its info log (LOG*) and LOCK file are left out."""
    entries = sorted(f"{p.name}:{p.stat().st_size}" for p in path.iterdir()
                     if p.is_file() and not p.name.startswith(("LOG", "LOCK")))
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()


def store_as_built(build: Path, manifest: dict) -> bool:
    """Whether the store of the build folder `build` is as the build that wrote `manifest` left it
    (the fingerprint it recorded, `store_files`): what lets an append checkpoint it and the report
    read the build's tallies instead of the store."""
    recorded = manifest.get("store_files") if isinstance(manifest, dict) else None
    return bool(recorded) and recorded == store_files(build / STORE_DIR)


def written_after_build(build: Path) -> bool:
    """Whether the store of a finished build was written after the build closed it (the fingerprint
    its manifest recorded no longer matches): triples a writable endpoint or a script added, which
    exist nowhere else. Partial builds, which record none, are not; nor is one whose store an
    earlier sweep, killed half-way, already removed."""
    try:
        manifest = read_manifest(build)
        return bool(manifest.get("store_files")) and not store_as_built(build, manifest)
    except (KgError, OSError):
        return False


def checkpoint_store(current: Path, target: Path) -> None:
    """Make `target` a copy of the store at `current` that can be written without changing it: a
    RocksDB checkpoint, which hard-links the store's immutable table files (on one file system) and
    copies only its small metadata, so its cost does not grow with the graph. The store is opened
    read-only, which writes nothing, and must have been closed cleanly by a build (the checkpoint of
    a read-only store leaves out writes still only in its log; `store_files` tells)."""
    ox.Store.read_only(str(current)).backup(str(target))


def _forget_first(out: Path, versions: Path, lock) -> None:
    """Release the lock of a build that failed; if it was the first build into `out` (no graph
    there), remove the builds folder it made, which then holds only the lock file."""
    try:
        if not (out.exists() or out.is_symlink()) and not any(p.is_dir() for p in versions.iterdir()):
            (versions / ".lock").unlink(missing_ok=True)
            versions.rmdir()
    except OSError:  # another build took the folder meanwhile, or the disk refuses: leave it
        pass
    finally:
        lock.close()


def _sweep(versions: Path, keep: Path, carried_over: Path | None = None) -> None:
    """Remove older builds and partial ones left by killed builds (the lock says none is running);
    an older build a reader still holds (`kg.outputs.hold_build`: `kg serve`, a notebook) stays
    for a later build to remove. So does one holding a file kg did not write: the user wrote it
    there after this build checked DIR (a shell whose folder is the old build, a path resolved
    before the link moved on, `kg query DIR ... > DIR/results.csv` while this build ran). So does
    one whose store was written after it was built (`written_after_build`), unless this build
    started from it (`carried_over`, an append, as `resolve` gives it), which holds those writes too.
    One whose store a process still holds open for writing (`store_writer`) stays too: what it
    writes next exists nowhere else. So does one a link beside DIR points to (`_kept_by_links`)."""
    pause_point("sweep")  # the new build published, the older ones not yet removed
    kept_as = _kept_by_links(versions)
    for child in versions.iterdir():
        if child == keep or child.is_symlink() or not child.is_dir() or is_being_read(child) \
                or store_writer(child / STORE_DIR) is not None:  # a script still writing it: for a later build
            continue  # (a link there is no build of kg's: what it points to is left alone)
        if child.resolve() in kept_as:
            log.warning("%s: a link to the older build %s, which therefore stays; delete the link (or copy the "
                        "graph with cp -rL) and the next build removes that build", kept_as[child.resolve()],
                        child.name)
            continue
        if child.resolve() != carried_over and written_after_build(child):  # `versions` may be relative, as DIR
            log.warning("%s: its store was written after it was built (kg serve --writable, kg push or a "
                        "script), and the new build holds only its inputs: that older build stays; query or "
                        "export what you need from it (it is a graph folder), then delete it", child)
            continue
        try:
            # only kg's files go, even then: one of the user's may land there while they do; a file of
            # kg's edited by hand since (graph.ttl, report/report.md) is the user's
            edited = changed_in_build(child)
            foreign = foreign_in_build(child) + edited or remove_build(child)
        except OSError:  # unreadable: what it holds cannot be told, nor removed
            continue
        if foreign:
            more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
            what = ("changed since kg wrote " + ("them" if more else "it") if set(edited) >= set(foreign)
                    else "not written by kg" + (" (or changed since kg wrote them)" if edited else ""))
            log.warning("%s%s: %s, so the older build %s stays; move %s out and the next build removes that "
                        "build", child / foreign[0], more, what, child.name, "them" if more else "it")


def _kept_by_links(versions: Path) -> dict[Path, Path]:
    """The builds in `versions` that a link beside DIR other than DIR points to, each with that link:
    a graph kept under another name before a rebuild (`mv g g-old`, or `cp -r g g-old`, which copies
    the link, not the graph). Links elsewhere cannot be found; these are the ones a user makes."""
    here, kept = versions.resolve(), {}
    try:
        entries = list(os.scandir(versions.parent))
    except OSError:
        return kept
    for entry in entries:
        if entry.is_symlink():
            target = Path(os.path.realpath(entry.path))
            if target.parent == here:
                kept.setdefault(target, Path(entry.path))
    return kept


def load_quads(store: ox.Store, quads: Iterable[ox.Quad]) -> None:
    store.bulk_extend(quads)


def load_file(store: ox.Store, path: Path, fmt: ox.RdfFormat | None = None) -> None:
    try:
        store.bulk_load(path=str(path), format=fmt or ox.RdfFormat.from_extension(path.suffix.lstrip(".")))
    except SyntaxError as exc:
        raise KgError(f"{path}: {exc}") from None


def check_export_format(fmt: str) -> None:
    if fmt not in EXPORT_FORMATS:
        raise KgError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")


def check_export_target(path: str | Path, fmt: str) -> None:
    """Raise KgError, before any work, unless an export in `fmt` may be written to `path`."""
    check_export_format(fmt)
    # a .json may hold papers, a .ttl the user's own ontology: only kg's own export is replaced
    check_file_target(path, EXPORT_EXTENSIONS[fmt], *EXPORT_SIGNS[fmt])


def export(store: ox.Store, path: Path, fmt: str) -> Path:
    """Write the graph in one format, through a temporary file renamed into place; an existing
    file is replaced only if it is an export of that format (kg.outputs)."""
    path = Path(path)
    check_export_target(path, fmt)
    rdf_format = EXPORT_FORMATS[fmt][0]
    kwargs = {} if rdf_format.supports_datasets else {"from_graph": ox.DefaultGraph()}
    if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        kwargs["prefixes"] = PREFIX_MAP
    with atomic_file(path) as tmp, open(tmp, "wb") as fh:
        store.dump(fh, format=rdf_format, **kwargs)
    return path


def count_triples(store: ox.Store) -> int:
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))[0].value)
