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
  `-o README.md` is refused), never a folder or a build. A JSON, JSON Lines, RDF or HTML file
  (the formats papers, ontologies and pages of the user's come in: `kg extract new.jsonl -o
  papers.jsonl`, `kg export -o ontology.ttl`) must also begin as kg's own output of that format does
  (`written_by_kg`), or be empty. GraphML, GEXF, PNG and SVG views carry a mark kg writes into them
  (`MARK`: a comment after the XML declaration, the PNG's Software text, the SVG's creator), since a
  figure.svg or a network.graphml of the user's has the same extension and may come from the very
  libraries kg draws with.

A folder kg wrote is replaced only while it holds nothing but what kg writes there: a file the user
added to it (notes beside a report, query results saved into a build, a README in a pipeline folder)
would go with it, so the folder is refused until the file is moved out.

A name does not make a file kg's: a graph.ttl, report.md or view.html edited by hand keeps it. So kg
records each file it writes, as it wrote it (`WRITTEN_RECORD` in the folder: size, time, SHA-256), and
a file changed since is the user's: a single file is refused, an older build holding one is kept, an
old folder output holding one is kept beside the new one.

Anything else (a folder holding other files, a plain file where a folder goes, a build where a
report goes) is refused with one line, before any work, and nothing is touched. What is written
goes to a temporary path beside the target first and is renamed into place, so an interrupted
command leaves the previous output whole.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import glob
import hashlib
import itertools
import json
import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.errors import KgError
from kg.faults import FILE_STAGE, FOLDER_STAGE, pause_point

REPORT_MARKER = ".kg-report"  # written into every report folder: "kg wrote this folder"
# what report folders written before the marker hold (kg.analyse.report)
REPORT_FILES = {"report.md", "report.json", "top_entities.png", "modality_heatmap.png", "communities.png",
                "modality_trends.png"}
PIPELINE_MARKER = ".kg-pipeline"  # written into every pipeline folder `kg train` writes
# written into every build and folder output as it is published: each file kg wrote there, as it wrote
# it (`record_written`). A name alone does not say a file is kg's: a graph.ttl or report.md the user
# edited by hand keeps its name, and went with the old output
WRITTEN_RECORD = ".kg-written.json"
REPORT_NAMES = REPORT_FILES | {REPORT_MARKER, WRITTEN_RECORD}  # every name kg writes in a report folder
# files up to this size are also hashed (milliseconds); larger ones (a 1M-paper graph.ttl) by size and time
HASHED_BYTES = 64 << 20
# what a file manager leaves in a folder it showed (macOS Finder, Windows Explorer): not the user's work
FILE_MANAGER_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}
STORE_DIR = "store"
log = logging.getLogger("kg.outputs")


def versions_dir(out: Path) -> Path:
    """The folder that holds the builds behind a build link DIR: `.DIR.builds/` beside it."""
    return out.parent / f".{out.name}.builds"


def open_lock(path: Path):
    """The lock file at `path` (`.DIR.builds/.lock`), for flock: created if missing, never truncated,
    never opened through a symbolic link (a link there would have had the file it points to emptied)."""
    try:
        return open(path, "a", opener=lambda name, flags: os.open(name, flags | os.O_NOFOLLOW))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise KgError(f"{path}: a symbolic link where kg keeps the lock of its builds; kg writes through no "
                          "link here: remove it") from None
        raise


def is_build(path: Path) -> bool:
    """Whether `path` is (or links to) a kg build folder."""
    return (path / STORE_DIR).is_dir()


def hold_build(out: str | Path) -> tuple[Path, int]:
    """The build folder DIR points to, locked for reading: (folder, descriptor; closing it releases
    the lock). A long reader (`kg serve`, a notebook's `open_graph`) holds it for as long as it reads:
    the builds that replace it leave it in place (`kg.store._sweep` skips a build being read) instead
    of deleting the store under it. A shared lock on the folder itself: any number of readers, no
    file written into the build, released by the kernel if the reader dies."""
    from kg.store import resolve

    while True:
        build = resolve(out)
        fd = os.open(build, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_SH)
        if resolve(out) == build:  # not replaced (and so not swept) before the lock was taken
            return build, fd
        os.close(fd)


def is_being_read(build: Path) -> bool:
    """Whether a reader holds the build folder (`hold_build`)."""
    return _locked(build)


def store_writer(store: Path) -> int | None:
    """The id of a process holding the store folder `store` open for writing (a script or notebook's
    `pyoxigraph.Store(path)`: RocksDB's lock on its LOCK file, as the kernel lists it in /proc/locks;
    -1 if the kernel names none), or None. What such a process writes after a build copied the store
    exists only in that store, so no build may replace or remove it meanwhile. The file is not
    opened: closing it would drop the lock of a store this very process holds open. None where the
    kernel does not list its locks."""
    try:
        st = os.stat(store / "LOCK")
        with open("/proc/locks", encoding="ascii", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    where = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for fields in map(str.split, lines):
        if len(fields) >= 6 and "->" not in fields and fields[5] == where:  # "->": one waiting for it
            return int(fields[4]) if fields[4].isdigit() else -1
    return None


def _is_own_build_link(out: Path) -> bool:
    """A link that points into DIR's own `.DIR.builds/` folder: what `kg build --out DIR` made."""
    if not out.is_symlink():
        return False
    target = Path(os.path.normpath(out.parent / os.readlink(out)))
    return target.parent == Path(os.path.normpath(versions_dir(out)))


def _nearest_folder(out: Path) -> Path:
    """The folder `out` will be written in, or its nearest existing ancestor (kg makes the rest)."""
    folder = Path(os.path.abspath(out)).parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_no_file_in_the_way(out: Path) -> None:
    """Raise KgError, before the work, if a file stands where a folder of `out`'s path must be
    (`-o afile/rep`): that was found out only when the output was staged, after the work."""
    folder = Path(os.path.abspath(out)).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise KgError(f"{out}: cannot write: {folder} is a file, not a folder")


# how many bytes the longest hidden name kg writes beside an output adds to the output's name
FILE_HIDDEN_BYTES = len(".." + "0" * 8 + ".tmp")  # a temporary file: ".NAME.XXXXXXXX.tmp"
FOLDER_HIDDEN_BYTES = len("." + ".kg-stage." + "0" * 8)  # a staging folder: ".NAME.kg-stage.XXXXXXXX"
BUILD_HIDDEN_BYTES = len("." + ".link-" + "0" * 8)  # the next link to a build: ".NAME.link-XXXXXXXX"


def check_name_room(out: str | Path, hidden_bytes: int) -> None:
    """Raise KgError, before the work, if `out`'s name leaves no room for the hidden names kg stages
    it under (`hidden_bytes` more): the write failed only at its end, naming the hidden path."""
    out = Path(out)
    try:
        limit = os.pathconf(_nearest_folder(out), "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    size = len(os.fsencode(out.name))
    if size > limit - hidden_bytes:
        raise KgError(f"{out}: the name is too long: kg writes it through a hidden name beside it, so it may "
                      f"have at most {limit - hidden_bytes} bytes (it has {size}): choose a shorter one")


def check_build_target(out: str | Path) -> None:
    """Raise KgError unless a build may be written to `out` (see the module's rule)."""
    out = Path(out)
    check_name_room(out, BUILD_HIDDEN_BYTES)
    if out.name in ("", ".", ".."):  # (the folder becomes a link to the build, which "." cannot)
        raise KgError(f"{out}: the graph needs a folder name of its own, which kg makes a link to the build: "
                      "choose a new --out, such as ./graph")
    if not (out.exists() or out.is_symlink()):
        return
    if _is_own_build_link(out):
        if out.exists():  # the build it points to goes once the new one is in place: nothing of the user's may be in it
            _refuse_foreign(out, foreign_in_build(out.resolve()), "a build")
        return
    if out.is_dir() and not out.is_symlink() and not any(out.iterdir()):
        return
    what = "a link kg did not make" if is_build(out) else _what(out)
    raise KgError(f"{out}: not a kg build folder made there ({what}); kg replaces only what it wrote: "
                  "choose another --out")


def check_folder_target(out: str | Path, *, marker: str = REPORT_MARKER, known: Iterable[str] = REPORT_FILES,
                        legacy: str = "report.md") -> None:
    """Raise KgError unless a folder output (a report) may replace `out`: absent, empty, or a folder
    kg wrote (its `marker`, or, written before the marker, its `legacy` file) holding only the `known`
    names kg writes there."""
    out = Path(out)
    check_name_room(out, FOLDER_HIDDEN_BYTES)
    check_writable_beside(out)
    if not (out.exists() or out.is_symlink()):
        return
    if out.is_dir() and not out.is_symlink() and not is_build(out):
        names = {p.name for p in out.iterdir()}
        if not names:
            return
        if marker in names or legacy in names:
            _refuse_foreign(out, sorted(names - set(known) - {marker, WRITTEN_RECORD}), "a folder")
            return
    raise KgError(f"{out}: {_what(out)}; kg replaces only a folder it wrote itself: choose another --out")


def check_writable_beside(out: str | Path) -> None:
    """Raise KgError, before the work, if a folder output cannot be staged beside `out` (a read-only
    folder or file system): `kg analyze` found it out only once the analysis was done, `kg train`
    once the training was. The nearest existing folder is asked (the output's folders are made)."""
    check_no_file_in_the_way(Path(out))
    folder = _nearest_folder(Path(out))
    if os.access(folder, os.W_OK | os.X_OK):
        return
    try:
        why = "a read-only file system" if os.statvfs(folder).f_flag & os.ST_RDONLY else "permission denied"
    except OSError:
        why = "permission denied"
    raise KgError(f"{out}: cannot write into {folder} ({why}): choose another --out")


def foreign_in_build(build: Path) -> list[str]:
    """The files and folders in the build folder `build` that no build writes (paths relative to it):
    what a user put there. The store is the database's own; the report is checked like a report. A
    build killed half-way also leaves the temporary files and folders of its outputs (`atomic_file`,
    `atomic_folder`) and SQLite's journal of its tallies: kg's too."""
    written = _written_in_build()
    foreign = sorted(p.name for p in build.iterdir() if not written(p.name))
    report = build / "report"
    if report.is_dir() and not report.is_symlink():
        foreign += sorted(f"report/{p.name}" for p in report.iterdir() if p.name not in REPORT_NAMES)
    return users_files(foreign)


def _written_in_build() -> Callable[[str], bool]:
    """Whether a name in a build folder is one a build writes (`foreign_in_build`)."""
    from kg.rdf.tallies import TALLY_FILE
    from kg.store import EXPORT_FORMATS, MANIFEST

    ours = {STORE_DIR, MANIFEST, TALLY_FILE, WRITTEN_RECORD, "report", "view.html",
            *(name for _, name in EXPORT_FORMATS.values())}
    leftover = re.compile("|".join(rf"\.{re.escape(name)}\.([0-9a-f]{{8}}\.tmp|kg-stage\..+)" for name in ours)
                          + rf"|{re.escape(TALLY_FILE)}-(journal|wal|shm)")
    return lambda name: name in ours or leftover.fullmatch(name) is not None


def remove_build(build: Path) -> list[str]:
    """Delete the build folder `build` (an older or abandoned one), but only what kg wrote in it, as kg
    wrote it: a sweep checks a build for the user's files (`foreign_in_build`) and for kg's files
    changed since (`changed_in_build`) before it deletes it, and a file written or edited in it after
    that check (a shell whose folder it is) stays, and the folder with it.
    Returns the files left (paths relative to `build`); none when the folder is gone."""
    written, report = _written_in_build(), build / "report"
    changed = set(changed_in_build(build))
    left = []
    if report.is_dir() and not report.is_symlink():
        left = [f"report/{name}" for name in _remove_written(
            report, lambda n: n in REPORT_NAMES and f"report/{n}" not in changed)]
    changed_here = {path.split("/")[0] for path in changed}
    return left + _remove_written(build, lambda n: written(n) and n not in changed_here,
                                  keep={"report"} if left else set())


def changed_in_build(build: Path) -> list[str]:
    """The files of the build folder `build` with a name kg writes there that kg did not write as they
    are now (paths relative to it): edited by hand since the build (a graph.ttl, a report.md), or put
    there since under one of kg's names. The store and the tallies are left out: databases, the
    store fingerprinted on its own (`kg.store.written_after_build`). A partial build was never
    published (no one was given it): what it holds is kg's. A build made before builds recorded
    their files is judged by time: its manifest is the last file a build writes, so a file changed
    later than it was changed after the build (a hand edit of the manifest itself goes unseen then)."""
    from kg.rdf.tallies import TALLY_FILE
    from kg.store import MANIFEST

    if build.name.endswith(".partial"):
        return []
    try:
        since = (build / MANIFEST).stat().st_mtime_ns
    except OSError:  # no manifest, no record: nothing tells kg's files from edited ones, all are kept
        since = None
    written = _written_in_build()

    def kg_named(path: str) -> bool:  # the others are the user's files by their names (`foreign_in_build`)
        top, _, rest = path.partition("/")
        return written(top) and (top != "report" or rest in REPORT_NAMES)

    return [path for path in changed_since_written(build, leave_out={STORE_DIR, TALLY_FILE}, since_ns=since)
            if kg_named(path)]


def _remove_written(folder: Path, written: Callable[[str], bool], keep: set[str] = frozenset()) -> list[str]:
    """Delete the entries of `folder` that kg wrote (`written(name)`, or a file manager's; not those
    in `keep`), links as links, then `folder` if that empties it; return the names of the user's
    left in it."""
    # folders first: a pipeline's meta.json names its component folders, which are kg's only while it
    # is there to say so (a removal killed half-way is finished by the next one, which reads it again);
    # the record of what kg wrote (and a build's manifest, which dates the files of a build made
    # before records) last, for the same reason
    last = {WRITTEN_RECORD, "manifest.json"}
    for entry in sorted(os.scandir(folder), key=lambda e: (e.name in last, not e.is_dir(follow_symlinks=False))):
        if entry.name not in keep and (written(entry.name) or not users_files([entry.name])):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                Path(entry.path).unlink(missing_ok=True)
    try:
        folder.rmdir()
        return []
    except OSError:  # a file written since the listing, or one that cannot be removed
        return users_files(sorted(name for name in os.listdir(folder) if not written(name)))


def record_written(folder: Path, *, leave_out: Iterable[str] = (), complete: bool = True) -> None:
    """Write into `folder` the record of what kg wrote there (`WRITTEN_RECORD`): each file under it
    (but the top-level names `leave_out`), its size and modification time, and its SHA-256 up to
    `HASHED_BYTES`. Written as the folder is published, once every file is final; `complete=False`
    marks a folder kg is still writing (a staging folder: a kg killed then left only its own files)."""
    files = {}
    if complete:
        for rel, path in _files_under(folder, set(leave_out)):
            files[rel] = _fingerprint(path)
    (folder / WRITTEN_RECORD).write_text(json.dumps({"complete": complete, "files": files}, indent=0) + "\n",
                                         encoding="utf-8")


def changed_since_written(folder: Path, *, leave_out: Iterable[str] = (), since_ns: int | None = None) -> list[str]:
    """The files under `folder` (paths relative to it, but the top-level names `leave_out`) that are
    not as kg wrote them (`record_written`): edited, replaced, or not written by kg at all. A folder
    still being written holds only kg's files. Without a readable record (written by a kg that kept
    none): those modified after `since_ns`, or, with no such time, every one: what cannot be told
    from an edit is kept, never deleted."""
    try:
        record = json.loads((folder / WRITTEN_RECORD).read_text(encoding="utf-8"))
        if record.get("complete") is False:
            return []
        files = record["files"]
        if not isinstance(files, dict):
            raise ValueError
    except (OSError, ValueError, TypeError, KeyError, AttributeError):  # none, or not kg's record as it wrote it
        files = None
    changed = []
    for rel, path in _files_under(folder, set(leave_out)):
        if files is not None:
            if not _as_recorded(path, files.get(rel)):
                changed.append(rel)
        elif since_ns is None or path.lstat().st_mtime_ns > since_ns:
            changed.append(rel)
    return changed


def _files_under(folder: Path, leave_out: set[str]) -> Iterator[tuple[str, Path]]:
    """Each file (or link) under `folder`, as (path relative to it, path), but the top-level names
    `leave_out` and the record itself; links are not followed."""
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        if here == folder:
            dirs[:] = [d for d in dirs if d not in leave_out]
            names = [n for n in names if n not in leave_out and n != WRITTEN_RECORD]
        for name in names + [d for d in dirs if (here / d).is_symlink()]:
            yield (here / name).relative_to(folder).as_posix(), here / name


def _fingerprint(path: Path) -> dict:
    st = path.lstat()
    found = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if st.st_size <= HASHED_BYTES:
        found["sha256"] = _sha256(path)
    return found


def _as_recorded(path: Path, recorded: dict | None) -> bool:
    """Whether the file at `path` is as `recorded` says kg wrote it: the same size and content (its
    hash; for a file too large to hash, its modification time: a `touch` keeps it, a disk cost)."""
    if not isinstance(recorded, dict) or path.is_symlink():
        return False
    try:
        st = path.stat()
        if st.st_size != recorded.get("size"):
            return False
        if "sha256" in recorded:
            return _sha256(path) == recorded["sha256"]
        return st.st_mtime_ns == recorded.get("mtime_ns")
    except OSError:
        return False


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def users_files(names: Iterable[str]) -> list[str]:
    """The names that are someone's work: the file managers' own (.DS_Store and the like) are not."""
    return [f for f in names if Path(f).name not in FILE_MANAGER_FILES and not Path(f).name.startswith("._")]


def _refuse_foreign(out: Path, foreign: list[str], what: str) -> None:
    """Refuse to replace the folder kg wrote at `out` while it holds `foreign` files of the user's
    (the file managers' own, .DS_Store and the like, are no one's work: they go with the folder)."""
    foreign = users_files(foreign)
    if not foreign:
        return
    more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
    raise KgError(f"{out}: {what} kg wrote, which now also holds other files ({foreign[0]}{more}) kg did not "
                  "write; kg replaces the folder whole: move them out first, or choose another --out")


def check_file_target(out: str | Path, extensions: Iterable[str], written_by_kg: Callable[[Path], bool] | None = None,
                      what: str = "") -> None:
    """Raise KgError unless a file of a format with these extensions may replace `out`; with
    `written_by_kg`, an existing file must also pass it (or be empty): it is `what` kg writes."""
    out = Path(out)
    check_name_room(out, FILE_HIDDEN_BYTES)
    suffixes = {"." + e.lstrip(".").lower() for e in extensions}
    if not (out.exists() or out.is_symlink()):
        check_no_file_in_the_way(out)
        if not out.parent.is_dir():
            raise KgError(f"{out}: cannot write: the folder {out.parent} does not exist")
        if out.suffix.lower() not in suffixes:
            # (`kg viz -f png -o view.html` wrote a PNG there, and the same command refused it the next
            # time: "not a .png file")
            raise KgError(f"{out}: a name without the {' or '.join(sorted(suffixes))} extension of this format: kg "
                          f"would not replace the file the next time; name it {out.with_suffix('.' + next(iter(extensions))).name}")
        return
    if out.is_file() and not out.is_symlink() and out.suffix.lower() in suffixes:
        if _changed_since_recorded(out):  # it begins as kg's output still: the edit is further in
            raise KgError(f"{out}: a file kg wrote, changed since (an edit of yours, perhaps); kg replaces only its "
                          "own output as it wrote it: move it, or choose another --out")
        if written_by_kg is None or out.stat().st_size == 0 or _passes(written_by_kg, out):
            return
        raise KgError(f"{out}: an existing file that is not {what} kg wrote (papers or data of yours, perhaps); "
                      "kg replaces only its own output: choose another --out")
    if out.is_file() and not out.is_symlink():
        raise KgError(f"{out}: an existing file that is not a {'/'.join(sorted(suffixes))} file; kg replaces only "
                      "a file of the format it writes: choose another --out")
    raise KgError(f"{out}: {_what(out)}; kg writes a file here only where there is none or one it wrote: "
                  "choose another --out")


HEAD_BYTES = 1 << 16  # how much of a file is read to tell whether kg wrote it


def _passes(written_by_kg: Callable[[Path], bool], path: Path) -> bool:
    try:
        return bool(written_by_kg(path))
    except (OSError, ValueError):  # unreadable, not UTF-8, not JSON: not kg's
        return False


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(HEAD_BYTES)


def extractions_by_kg(path: Path) -> bool:
    """Whether the file begins with a `kg extract` record (a JSON object of exactly its keys)."""
    with open(path, "rb") as fh:
        first = json.loads(fh.readline(16 << 20))
    return isinstance(first, dict) and set(first) == {"id", "title", "entities", "results"}


def jsonld_by_kg(path: Path) -> bool:
    """Whether the file begins as `kg export -f jsonld` writes (Oxigraph's JSON-LD of kg's IRIs)."""
    head = _head(path).lstrip()
    return head == b"[]" or (head.startswith(b'[{"@id":') and b"https://w3id.org/kg-lit/" in head)


KG_IRIS = b"<https://w3id.org/kg-lit/"


def turtle_by_kg(path: Path) -> bool:
    """Whether the file begins as kg's Turtle and TriG exports do: the prefixes kg declares, all of them
    and no other (in whatever order the serialiser writes them)."""
    from kg.rdf.namespaces import PREFIXES

    declared = {f"@prefix {p}: <{ns}> .".encode() for p, ns in PREFIXES.items()}
    lines = _head(path).split(b"\n")
    return set(itertools.takewhile(lambda line: line.startswith(b"@prefix "), lines)) == declared


def ntriples_by_kg(path: Path) -> bool:
    """Whether the file begins as kg's N-Triples export does: lines of triples, among them kg's IRIs."""
    lines = _head(path).split(b"\n")[:-1] or [b""]  # complete lines only
    return all(line.startswith((b"<", b"_:")) and line.endswith(b" .") for line in lines) and \
        any(line.startswith(KG_IRIS) or b"> " + KG_IRIS in line for line in lines)


def view_by_kg(path: Path) -> bool:
    """Whether the file is a page `kg viz` (or a build) wrote: its bar of controls, far into the page."""
    sign, tail = b'id="kg-bar"', b""
    with open(path, "rb") as fh:
        for _ in range(64):  # 64 MB at most; a view holds its data after the bar
            block = fh.read(1 << 20)
            if not block:
                return False
            if sign in tail + block:
                return True
            tail = block[-len(sign):]
    return False


def cytoscape_by_kg(path: Path) -> bool:
    """Whether the file begins as `kg viz -f cytoscape` writes (networkx's Cytoscape JSON of a view)."""
    return _head(path).startswith(b'{"data": [], "directed": false, "multigraph": false, "elements": {')


# the mark kg writes into the views whose format has no other sign of kg (kg.viz.exports)
MARK = "kg"
XML_MARK = f"<!-- written by {MARK}; {MARK} may replace this file -->"  # GraphML, GEXF: after the declaration
PICTURE_METADATA = {"png": {"Software": MARK}, "svg": {"Creator": MARK}}  # matplotlib's savefig(metadata=)


def xml_by_kg(path: Path) -> bool:
    """Whether the file is a GraphML or GEXF view kg wrote: its second line is kg's comment."""
    lines = _head(path).split(b"\n", 2)
    return len(lines) > 1 and lines[0].startswith(b"<?xml") and lines[1].rstrip(b"\r") == XML_MARK.encode()


def png_by_kg(path: Path) -> bool:
    """Whether the file is a PNG whose text chunks, before the image data, name kg as its Software."""
    head, at = _head(path), 8
    if not head.startswith(b"\x89PNG\r\n\x1a\n"):
        return False
    while at + 8 <= len(head):
        size, kind = int.from_bytes(head[at:at + 4], "big"), head[at + 4:at + 8]
        if kind == b"IDAT":
            return False
        if kind == b"tEXt" and head[at + 8:at + 8 + size] == b"Software\0" + MARK.encode("latin-1"):
            return True
        at += 12 + size  # length, type, data, CRC
    return False


def svg_by_kg(path: Path) -> bool:
    """Whether the file is an SVG whose metadata (matplotlib's, at its top) names kg as its creator."""
    head = _head(path)
    end = head.find(b"</metadata>")
    return end >= 0 and re.search(rb"<dc:creator>\s*<cc:Agent>\s*<dc:title>" + re.escape(MARK.encode()) + rb"</dc:title>",
                     head[:end]) is not None


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
    return bool(digests) and _sha256(path) in digests


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
    check_name_room(out, FOLDER_HIDDEN_BYTES)
    check_not_an_input(out)  # a pipeline written inside a build would be swept with it
    check_writable_beside(out)
    if out.is_dir() and not out.is_symlink() and _is_kg_pipeline(out):  # written before the marker, or with it
        _refuse_foreign(out, sorted({p.name for p in out.iterdir()} - pipeline_names(out) - {WRITTEN_RECORD}),
                        "a pipeline")
        return
    check_folder_target(out, marker=PIPELINE_MARKER, known=pipeline_names(out), legacy=PIPELINE_MARKER)


def pipeline_names(path: Path) -> set[str]:
    """What a saved spaCy pipeline holds (spaCy's `to_disk`: its config, meta, tokenizer, vocabulary
    and a folder per component named in meta.json), with kg's marker."""
    names = {"config.cfg", "meta.json", "tokenizer", "vocab", PIPELINE_MARKER}
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        names.update(n for n in meta.get("components", []) if isinstance(n, str))
    except (OSError, ValueError, AttributeError):  # none, or unreadable: only the fixed names
        pass
    return names


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
    failure removed, so `out` is always either the old file or the whole new one.

    The temporary file is locked while this kg writes it. A kg killed meanwhile (SIGKILL, a power
    cut) cannot remove it: the next write of `out` does, so a killed export of a large graph does
    not leave gigabytes of half-written N-Triples hidden beside it for good."""
    out = Path(out)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.tmp")
    held = None
    try:
        with _folder_lock(out.parent):  # a sweep never takes a file being set up
            _sweep_abandoned_files(out)
            held = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            fcntl.flock(held, fcntl.LOCK_EX)
            found = _identity(out)
        with _naming(out, tmp):
            yield tmp
            pause_point(FILE_STAGE)
            _flush_to_disk(tmp)
            new = _fingerprint(tmp)  # a rename keeps size, time and bytes
            _record_file(out, [*_recorded_file(out), new])  # killed before the rename: the old file is kg's still
        with _folder_lock(out.parent):
            # saved over (or edited) while kg wrote, after the command's check: the user's, kept beside
            now = _identity(out)
            if now is not None and (now != found or _changed_since_recorded(out)):
                _keep_aside(out, out, "while kg wrote it")
            os.replace(tmp, out)
        _record_file(out, [new])
    finally:
        if held is not None:
            os.close(held)
        try:
            tmp.unlink(missing_ok=True)
        except OSError:  # a read-only folder refuses even this: the error that got us here is the one to tell
            pass


def _identity(path: Path) -> tuple[int, int, int] | None:
    """The file at `path` as the file system tells it apart (inode, size, modification time), or None."""
    try:
        st = path.lstat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _recorded_file(out: Path) -> list[dict]:
    """What the record of the folder of `out` says kg wrote at `out` (`_record_file`): the fingerprints
    it may have (none for a file kg never wrote there, or wrote before it kept a record)."""
    try:
        found = json.loads((out.parent / WRITTEN_RECORD).read_text(encoding="utf-8"))["files"].get(out.name)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return []
    return [f for f in (found if isinstance(found, list) else [found]) if isinstance(f, dict)]


def _changed_since_recorded(out: Path) -> bool:
    """Whether the file kg wrote at `out` was changed since (it is none of what the record says)."""
    recorded = _recorded_file(out)
    return bool(recorded) and not any(_as_recorded(out, r) for r in recorded)


def _record_file(out: Path, fingerprints: list[dict]) -> None:
    """Record, in the record of its folder (`WRITTEN_RECORD`, made if there is none), that kg wrote
    the file `out` as `fingerprints` say: a single file kg wrote (an export, a view, extractions) and
    the user edited since begins as kg's output still, and the next write of it must not replace it
    (`check_file_target`). A file of that name that is not kg's record is never written over."""
    record_path = out.parent / WRITTEN_RECORD
    with _folder_lock(out.parent):  # two kg writing files of one folder each add theirs
        _sweep_abandoned_files(record_path)  # what a kg killed while it wrote the record left
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
            if not isinstance(record.get("files"), dict):
                return
        except FileNotFoundError:
            record = {"complete": True, "files": {}}
        except (OSError, ValueError, AttributeError):  # someone else's file, or unreadable: left alone
            return
        record["files"][out.name] = fingerprints[0] if len(fingerprints) == 1 else fingerprints
        tmp = record_path.with_name(f".{WRITTEN_RECORD}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            tmp.write_text(json.dumps(record, indent=0) + "\n", encoding="utf-8")
            os.replace(tmp, record_path)
        finally:
            tmp.unlink(missing_ok=True)


@contextmanager
def _naming(out: Path, temporary: Path) -> Iterator[None]:
    """Name `out` in an error raised while its temporary file or folder is written: the libraries
    that write them (Oxigraph's dump, matplotlib, the view's writer) raise a full disk as a bare
    "[Errno 28] No space left on device", naming no file, and the temporary name is not the user's."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None or os.fspath(exc.filename).startswith(os.fspath(temporary)):
            raise OSError(exc.errno, exc.strerror or str(exc), os.fspath(out)) from None
        raise


def _sweep_abandoned_files(out: Path) -> None:
    """Remove the temporary files of `out` that no live kg holds: what a killed `atomic_file` left."""
    name = re.compile(re.escape(f".{out.name}.") + r"[0-9a-f]{8}\.tmp")
    for path in out.parent.glob(glob.escape(f".{out.name}.") + "*.tmp"):
        if name.fullmatch(path.name) and path.is_file() and not path.is_symlink() and not _locked(path):
            path.unlink(missing_ok=True)


def _flush_to_disk(path: Path) -> None:
    """Put the file's bytes on disk before it is renamed over the old one: otherwise a power cut
    soon after can leave the new name pointing at an empty file, the old one already gone."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def flush_folder(folder: Path) -> None:
    """Put the folder's entries on disk (the names in it, what a rename into it changed): otherwise a
    power cut can undo a rename that was already seen, or keep a name whose file is not there."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def flush_tree(root: Path) -> None:
    """Put every file under `root`, then every folder (the deepest first, `root` last), on disk: what
    a build writes before the link that publishes it, so that the link never outlives its files. The
    page cache has most of it on its way to disk already; this waits for it."""
    for folder, _, files in os.walk(root, topdown=False):
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                try:
                    _flush_to_disk(path)
                except FileNotFoundError:  # gone since the folder was listed (a store's info log rotated): nothing to keep
                    pass
        flush_folder(Path(folder))


def _stage_prefix(out: Path) -> str:
    """The name every staging folder of `out` starts with (hidden: no reader of a corpus takes it)."""
    return f".{out.name}.kg-stage."


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` itself (flock on the directory; the kernel frees it when the
    process dies, so a killed kg leaves no stale lock and no lock file). Publishes and sweeps of the
    outputs in one folder take it in turn: two `kg analyze -o SAME` at once each find the other's
    output whole, never half moved."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


def _exchange(a: Path, b: Path) -> bool:
    """Swap the paths `a` and `b` in one step (Linux renameat2 RENAME_EXCHANGE): at no moment is either
    name missing. False where the system or file system cannot (the caller then renames twice)."""
    err = _renameat2(a, b, _RENAME_EXCHANGE)
    if err == 0:
        return True
    if err in _CANNOT_RENAMEAT2:
        return False
    raise OSError(err, os.strerror(err), str(b))


def _move_new(a: Path, b: Path) -> bool:
    """Rename `a` to `b` only if nothing is at `b`: in one step where the system can (renameat2
    RENAME_NOREPLACE), so a file the user saves as `b` meanwhile is never renamed over. Whether it
    moved; a name taken (or any error) leaves `a` where it is."""
    err = _renameat2(a, b, _RENAME_NOREPLACE)
    if err not in _CANNOT_RENAMEAT2:
        return err == 0
    if os.path.lexists(b):
        return False
    try:
        os.rename(a, b)
    except OSError:  # a folder onto a folder holding files, another file system: stays where it is
        return False
    return True


def _renameat2(a: Path, b: Path, flags: int) -> int:
    """Linux renameat2(a, b, flags): 0, or the error number (ENOSYS where there is no such call)."""
    rename = getattr(_libc(), "renameat2", None)
    if rename is None:
        return errno.ENOSYS
    if rename(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), flags) == 0:
        return 0
    return ctypes.get_errno()


_AT_FDCWD, _RENAME_NOREPLACE, _RENAME_EXCHANGE = -100, 1, 2
# what renameat2 answers where the system or the file system cannot do it (the caller then renames)
_CANNOT_RENAMEAT2 = (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM)


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _publish(stage: Path, out: Path) -> Path | None:
    """Put the folder `stage` at `out` (under the folder lock); return the old `out`, now under
    another name beside it, for `_retire` (None if there was none). The old `out` is swapped out in
    one step; where that cannot be done in one step it is renamed aside, and put back if the new one
    cannot be renamed in (a Ctrl-C, an error)."""
    if not (out.exists() or out.is_symlink()):
        os.rename(stage, out)
        return None
    if _exchange(stage, out):
        return stage  # `stage` now names the old output
    aside = stage.with_name(stage.name + ".old")
    os.rename(out, aside)
    try:
        os.rename(stage, out)
    except BaseException:
        os.rename(aside, out)
        raise
    return aside


def _retire(old: Path, out: Path, known: Callable[[Path], Iterable[str]],
            when: str = "while kg replaced it") -> bool:
    """Remove the replaced output `old` (renamed aside by `_publish`), and only what kg wrote in it
    (`known(old)`, a file manager's files): `out` was checked before the command's work, which may take
    minutes, and a file the user saved into it meanwhile (notes beside a report) must not go with
    the old folder. Such a file moves into the new `out`, where the user left it (so the next write
    of `out` refuses it until it is moved out). Anything that cannot (a name the new output holds
    too, a file still being written into the old folder, no folder `out` to go to) stays in the old
    folder, which is then kept beside `out` under a name of its own, and a warning says where.
    Whether a file moved.

    Each step is one rename or one removal of kg's, so a kg killed half-way leaves `old` under its
    staging name with the user's files still in it, and the next write of `out` finishes the same
    way (`_sweep_abandoned_stages`)."""
    if old.is_symlink() or not old.is_dir():  # `out` became a link (or a file) while kg wrote: not kg's, kept whole
        _keep_aside(old, out, when)
        return False
    names = set(known(old))
    # a file kg wrote and the user edited since (report.md annotated by hand) is the user's too; it
    # stays with the old folder, never moved in among the new output's files, which it would pass for
    edited = names & {path.split("/")[0] for path in changed_since_written(old)}
    names -= edited
    moved = False
    if out.is_dir() and not out.is_symlink():
        for name in users_files(sorted(set(os.listdir(old)) - names - edited)):
            moved |= _move_new(old / name, out / name)
    left = _remove_written(old, names.__contains__)
    if left:
        _keep_aside(old, out, when, left)
    return moved


def _keep_aside(old: Path, out: Path, when: str, left: list[str] = ()) -> None:
    """Keep what `out` was before a publish (a folder holding something of the user's, `left`: its names;
    or a file saved there while kg wrote it), beside it under a name of its own (not hidden, not a
    staging folder's: no sweep takes it), and say where."""
    kept = out.with_name(f"{out.name}.kept-{uuid.uuid4().hex[:8]}")
    os.rename(old, kept)
    named = f" ({left[0]}{f' and {len(left) - 1} more' if len(left) > 1 else ''})" if left else ""
    log.warning("%s: what %s held that kg did not write or that was changed since kg wrote it%s, %s; kept here",
                kept, out, named, when)


def _abandoned_stages(out: Path) -> list[Path]:
    """The staging folders of `out` that no live kg holds (what a killed kg left beside it), and what
    a kg killed just after its swap left under a staging name: the old `out`, a link or a file if
    `out` had become one while kg wrote."""
    prefix = _stage_prefix(out)
    return [path for path in sorted(out.parent.glob(glob.escape(prefix) + "*"))
            if path.is_symlink() or not path.is_dir() or not _locked(path)]


def _put_back_renamed_aside(out: Path) -> bool:
    """If a kg was killed between the two renames of a publish (file systems without
    RENAME_EXCHANGE), `out` is missing and its old folder waits beside it as `<stage>.old`: put it
    back. Whether it did."""
    if out.exists() or out.is_symlink():
        return False
    for path in _abandoned_stages(out):
        if path.name.endswith(".old"):
            os.rename(path, out)
            return True
    return False


def restore_interrupted_publish(out: str | Path) -> bool:
    """For a reader of a folder output (`kg build --pipeline DIR`): put back the old `out` a kg killed
    mid-publish left renamed aside, so the reader finds it instead of "no such folder" until the next
    write of `out`. Whether it did."""
    out = Path(out)
    if out.exists() or not out.parent.is_dir():
        return False
    try:
        with _folder_lock(out.parent):
            return _put_back_renamed_aside(out)
    except OSError:  # an unreadable folder: the reader's own error about `out` is the one to tell
        return False


@contextmanager
def reading_folder(path: str | Path) -> Iterator[None]:
    """Hold the folder output `path` (a pipeline `kg train --out` wrote) for as long as it is read: spaCy
    reads a pipeline file by file (and each worker of a build reads it again), so a publish of `path`
    meanwhile would mix two pipelines. A shared lock on the folder itself, which a publish of `path`
    takes exclusively before it swaps it (`_unread`): the publish waits for its readers,
    not other writes beside it. A path that is no folder (a config file) holds nothing. Every load of a
    pipeline folder holds it (`kg.extract`); a command that reads it longer (a build: its workers load
    it again, its manifest records its hash) holds it for the whole run. Holds nest: a publish waiting
    for the lock keeps no further shared one out (Linux flock), so a holder loading again never waits.

    Puts back first an old folder a killed publish left aside (`restore_interrupted_publish`)."""
    path = Path(path)
    restore_interrupted_publish(path)
    fd = _lock_current(path, fcntl.LOCK_SH)  # None for a config file: the reader's own error tells the rest
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)


@contextmanager
def _unread(out: Path) -> Iterator[None]:
    """Wait until no reader holds the folder `out` (`reading_folder`), and keep new ones out until
    the publish is done; they then read the new folder."""
    fd = _lock_current(out, fcntl.LOCK_EX, follow=False,  # a link there is replaced whole, never held
                       waiting=f"{out}: waiting for the kg commands using it to finish (a build, extract, eval "
                               "or train reading this pipeline, or another write of it)")
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)


def _lock_current(path: Path, how: int, *, follow: bool = True, waiting: str = "") -> int | None:
    """A descriptor of the folder `path` locked `how`, the one `path` names once the lock is held (a
    publish may swap it while the lock is awaited); None where `path` is no folder. If the lock must
    be awaited, `waiting` is said first (once): a command that stops for another says why."""
    while True:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | (0 if follow else os.O_NOFOLLOW))
        except OSError:  # none yet, or not a folder: nothing to hold
            return None
        try:
            fcntl.flock(fd, how | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting:
                log.warning(waiting)
                waiting = ""
            fcntl.flock(fd, how)
        try:
            if os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=follow)):
                return fd
        except OSError:
            pass
        os.close(fd)  # swapped meanwhile: hold the folder `path` names now


def _sweep_abandoned_stages(out: Path, known: Callable[[Path], Iterable[str]]) -> None:
    """Clear what a kg killed while writing `out` left beside it (under the folder lock): if it was
    killed between the two renames of a publish, put the old output it had renamed aside back first;
    then, of each staging folder no live kg holds, remove only what kg writes there (`known`): one
    killed after its swap holds the old `out`, and with it any file the user saved there meanwhile,
    which `_retire` had not yet moved into the new `out`. It moves now; what cannot is kept aside,
    with a warning. Killed again half-way, this sweep leaves the rest for the next one."""
    _put_back_renamed_aside(out)
    for path in _abandoned_stages(out):
        _retire(path, out, known, "when a kg writing it was stopped")


def _hold(stage: Path) -> int:
    """Lock a staging folder for as long as this kg writes it (the descriptor, closed by the caller)."""
    fd = os.open(stage, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _locked(path: Path) -> bool:
    """Whether a live process holds a lock on the folder `path` (one cannot be taken now)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False  # gone, or unreadable: nobody reads it through kg
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


@contextmanager
def atomic_folder(out: str | Path, *, marker: str = REPORT_MARKER,
                  known: Callable[[Path], Iterable[str]] = lambda folder: REPORT_FILES) -> Iterator[Path]:
    """Yield a fresh folder beside `out`, marked as kg's; on success it replaces `out` (already
    checked by `check_folder_target`), on any failure it is removed and `out` stays as it was.

    Several kg writing the same `out` at once each publish whole, one after the other (the last one
    stays); none fails for the other's doing or leaves a folder behind. A kg killed while writing
    leaves its staging folder, which the next write of `out` clears (or puts back, if it held the
    old output). `known(folder)`: the names kg writes into such a folder (besides `marker`); only
    these are removed with the old folder, here or in that sweep (`_retire`)."""
    # `-o .` (an empty folder one is in) names no folder beside which to stage, and `Path(".").parent`
    # is `.` again: the publish locked the folder for its readers, then waited for ever to lock it again
    out = Path(os.path.abspath(out))
    out.parent.mkdir(parents=True, exist_ok=True)

    def names(folder: Path) -> set[str]:
        return {*known(folder), marker, WRITTEN_RECORD}

    with _folder_lock(out.parent):
        _sweep_abandoned_stages(out, names)
        stage = Path(tempfile.mkdtemp(prefix=_stage_prefix(out), dir=out.parent))
        held = _hold(stage)  # before the marker is written: a sweep never takes a folder being set up
    published = False
    try:
        os.chmod(stage, 0o755)
        with _naming(out, stage):
            (stage / marker).write_text("written by kg; kg may replace this folder whole\n", encoding="utf-8")
            record_written(stage, complete=False)  # a kg killed before the end left only its own files here
            yield stage
            record_written(stage)  # what it holds now is kg's: an edit made after it is the user's
            flush_tree(stage)  # on disk before it takes the name (a power cut would leave empty files under it)
        with _unread(out), _folder_lock(out.parent):  # readers first: the folder lock is not held while waiting
            old = _publish(stage, out)
            published = True  # `stage` is now `out`, or names the old output: never removed whole
            pause_point(FOLDER_STAGE)
            if old is not None and _retire(old, out, names):
                flush_folder(out)  # the user's files moved into it
            flush_folder(out.parent)
    except BaseException:
        if not published:
            shutil.rmtree(stage, ignore_errors=True)
        raise
    finally:
        os.close(held)
