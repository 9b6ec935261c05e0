"""Read papers from files of any supported format: `read_papers(paths)`.

Each format lives in its own module exposing `read(path) -> Iterator[Paper]`. The format is taken
from `fmt` when given, else from the file extension, else sniffed from the first bytes. Papers are
streamed and de-duplicated across all files: by arXiv id or DOI when known, and by normalised title.
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kg.errors import InputError, did_you_mean
from kg.ids import normalise_arxiv_id, normalise_doi, title_key
from kg.model import Paper

log = logging.getLogger("kg.ingest")

# format name -> module in this package that reads it
FORMATS: dict[str, str] = {
    "listing": "listing",
    "jsonl": "tabular",
    "json": "tabular",
    "csv": "tabular",
    "atom": "arxiv",
    "arxiv-snapshot": "arxiv",
    "bibtex": "bibtex",
    "openalex": "openalex",
    "ris": "ris",
    "csl-json": "csljson",
    "pubmed": "pubmed",
    "semantic-scholar": "semanticscholar",
}
_EXTENSIONS = {
    ".txt": "listing",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".atom": "atom",
    ".xml": "atom",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".ris": "ris",
}


def _reader(fmt: str) -> Callable[..., Iterator[Paper]]:
    module = importlib.import_module(f"kg.ingest.{FORMATS[fmt]}")
    return getattr(module, "read_" + fmt.replace("-", "_"), module.read)


def sniff(head: str) -> str | None:
    """Guess a format from the start of a file's text."""
    s = head.lstrip("\ufeff \t\r\n")
    if s.startswith("<"):
        return "pubmed" if "<PubmedArticleSet" in s[:20000] else "atom"
    if s.startswith(("TY  -", "TY -")):
        return "ris"
    if s.startswith("@"):
        return "bibtex"
    if s.startswith("["):
        window = s[:20000]
        if '"externalIds"' in window or '"paperId"' in window:
            return "semantic-scholar"
        if '"date-parts"' in window or '"container-title"' in window or '"citation-key"' in window:
            return "csl-json"
        return "json"
    if s.startswith("{"):
        first = s.split("\n", 1)[0]
        if "abstract_inverted_index" in s[:20000]:
            return "openalex"
        if '"externalIds"' in s[:20000] or '"paperId"' in s[:20000]:
            return "semantic-scholar"
        if '"date-parts"' in s[:20000] or '"container-title"' in s[:20000]:
            return "csl-json"
        if '"update_date"' in first or '"categories"' in first:
            return "arxiv-snapshot"
        return "jsonl" if first.rstrip().endswith("}") else "json"
    first = s.split("\n", 1)[0].lower()
    if "title" in first and ("," in first or "\t" in first) and "abstract" in first:
        return "csv"
    if s:
        return "listing"
    return None


def detect_format(path: Path) -> str:
    """The format of one file: extension first, content second (JSON flavours are refined by content)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536).decode("utf-8", errors="replace")
    except OSError as exc:
        raise InputError(str(path), f"cannot read file: {exc.strerror or exc}") from None
    by_ext = _EXTENSIONS.get(path.suffix.lower())
    by_content = sniff(head)
    if by_ext in ("jsonl", "json") and by_content in ("openalex", "arxiv-snapshot", "csl-json", "semantic-scholar"):
        return by_content
    if by_ext == "atom" and by_content == "pubmed":
        return by_content
    if by_ext == "listing" and by_content not in (None, "listing"):
        return by_content
    if by_ext:
        return by_ext
    if by_content is None:
        raise InputError(str(path), "empty file")
    return by_content


def _is_kg_output(folder: Path) -> bool:
    """A folder kg wrote: a build (its store and manifest inside), a report or a trained pipeline (their
    markers). A folder of the user's that merely holds a `store/` folder is not one (it was skipped, with
    every paper in it, without a word)."""
    from kg.outputs import PIPELINE_MARKER, REPORT_MARKER, STORE_DIR
    from kg.store import MANIFEST

    return (((folder / STORE_DIR).is_dir() and (folder / MANIFEST).is_file()) or (folder / REPORT_MARKER).exists()
            or (folder / PIPELINE_MARKER).exists())


def _files_in(folder: Path, fmt: str | None = None) -> list[Path]:
    """The input files under `folder`, sorted. Hidden files and folders are left out, and so are the
    folders kg itself wrote there: `kg build corpus --out corpus/kg` keeps its builds in
    corpus/.kg.builds/, which the next build of corpus/ must not read back as papers. Unless `fmt`
    is given, so are files without the extension of a format kg reads: a corpus's README.md and
    LICENSE were read as listings, and their headings went into the graph as papers ("# My corpus");
    they are named in one warning. Links to folders are not followed (as `Path.rglob`), and links
    to nothing are not read: each is warned about. A folder that cannot be listed is an error: its
    papers were left out without a word (`os.walk` passes over what it cannot read)."""
    def unreadable(exc: OSError) -> None:
        raise InputError(str(exc.filename or folder), f"cannot read folder: {exc.strerror or exc}")

    found, unknown = [], []
    for top, dirs, names in os.walk(folder, onerror=unreadable):
        for name in [d for d in dirs if not d.startswith(".") and Path(top, d).is_symlink()]:
            log.warning("%s: a link to a folder, not followed: give it as an input itself to read its papers",
                        Path(top, name))
        dirs[:] = [d for d in dirs if not d.startswith(".") and not Path(top, d).is_symlink()
                   and not _is_kg_output(Path(top, d))]
        for name in names:
            path = Path(top, name)
            if not name.startswith(".") and path.is_file():
                (found if fmt or path.suffix.lower() in _EXTENSIONS else unknown).append(path)
            elif not name.startswith(".") and path.is_symlink() and not path.exists():
                log.warning("%s: a symbolic link to nothing, not read", path)
    if unknown:
        names = ", ".join(str(p.relative_to(folder)) for p in sorted(unknown)[:3]) + (", ..." if len(unknown) > 3 else "")
        log.warning("%s: %d file%s of no format kg reads left out (%s): give one as an input itself, or "
                    "--input-format, to read it", folder, len(unknown), "s" * (len(unknown) > 1), names)
    return sorted(found)


def as_paths(paths: Iterable[str | Path] | str | Path) -> list[str | Path]:
    """The paths given, as a list: one path given alone is one path (from a notebook,
    `read_papers("papers.jsonl")` read the letters of its name: "p: no such file or folder")."""
    return [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)


def expand(paths: Iterable[str | Path], fmt: str | None = None) -> list[Path]:
    """Files named, and the files inside folders named (sorted, so builds are repeatable): those of the
    formats kg reads, or all of them when `fmt` is given (`_files_in`)."""
    out: list[Path] = []
    for p in map(Path, as_paths(paths)):
        if p.is_dir() and _is_kg_output(p):
            # its own folders are skipped inside a folder read, but given itself it was read as papers:
            # "g/graph.ttl: no BibTeX entries found", "report/communities.png: not valid UTF-8"
            raise InputError(str(p), "a folder kg wrote (a build, a report or a pipeline), not papers: give the "
                             "files of papers instead (a build's manifest.json lists its inputs)")
        if p.is_dir():
            out.extend(_files_in(p, fmt))
        elif p.is_file():
            out.append(p)
        elif p.exists():
            # an input is read more than once (its format sniffed, then its papers, then its hash):
            # a pipe (`kg build <(zcat papers.jsonl.gz)`) gave its first 64 KB to the sniffing and the
            # papers in them were lost without a word; a FIFO no one writes to waited for ever
            raise InputError(str(p), "not a regular file (a pipe or a device), which kg would have to read more "
                             "than once: save it to a file first")
        elif p.is_symlink():
            raise InputError(str(p), "a symbolic link to nothing (or to itself)")
        else:
            raise InputError(str(p), "no such file or folder")
    return out


class Deduplicator:
    """Remembers the keys of papers seen; a paper sharing any strong key or its title is a repeat.

    Keys are 128-bit digests (a collision among the keys of a million papers is about as likely as
    10^-26). The latest `recent` keys are Python ints in a set; older ones are kept as two sorted
    arrays of their high and low 64 bits, 16 bytes a key. A set of all of them took about 80 bytes
    a key (a million synthetic papers, 2.2M keys: 165 MB, most of what a build's memory grew by from
    100k to 1M papers); the arrays take 35 MB there and 3.5 MB at 100k papers.
    """

    RECENT = 1 << 16  # keys in the set before they move to the arrays (about 5 MB)

    def __init__(self, recent: int | None = None) -> None:
        self._recent: set[int] = set()
        self._limit = recent or self.RECENT
        # numpy arrays from the first move on (an input of fewer papers never imports numpy):
        self._high = None  # the high 64 bits of the older keys, sorted
        self._low = None  # the low 64 bits of the key at the same position

    def keys(self, paper: Paper) -> list[int]:
        keys = ["t:" + title_key(paper.title)]
        if paper.arxiv_id:
            keys.append("a:" + normalise_arxiv_id(paper.arxiv_id))
        if paper.doi:
            keys.append("d:" + normalise_doi(paper.doi))
        if paper.pmid:
            keys.append("p:" + paper.pmid)
        return [int.from_bytes(hashlib.blake2b(k.encode("utf-8", "surrogatepass"), digest_size=16).digest(), "big") for k in keys]

    def __len__(self) -> int:
        return len(self._recent) + (0 if self._high is None else len(self._high))

    def __contains__(self, key: int) -> bool:
        if key in self._recent:
            return True
        if self._high is None:
            return False
        high, low = self._high.dtype.type(key >> 64), self._high.dtype.type(key & _LOW_BITS)
        at = int(self._high.searchsorted(high))
        # keys that share their high 64 bits are next to each other
        while at < len(self._high) and self._high[at] == high:
            if self._low[at] == low:
                return True
            at += 1
        return False

    def is_new(self, paper: Paper) -> bool:
        keys = self.keys(paper)
        if any(k in self for k in keys):
            return False
        self._recent.update(keys)
        if len(self._recent) >= self._limit:
            self._compact()
        return True

    def _compact(self) -> None:
        """Move the keys of the set into the sorted arrays (a copy of the arrays: no sort of them)."""
        import numpy as np

        keys = sorted(self._recent)
        high = np.array([k >> 64 for k in keys], dtype=np.uint64)
        low = np.array([k & _LOW_BITS for k in keys], dtype=np.uint64)
        if self._high is None:
            self._high, self._low = np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.uint64)
        at = self._high.searchsorted(high)
        self._high, self._low = np.insert(self._high, at, high), np.insert(self._low, at, low)
        self._recent = set()


_LOW_BITS = (1 << 64) - 1


def check_format(fmt: str | None) -> None:
    """InputError for an `--input-format` that is none of `FORMATS` (None: detect)."""
    if fmt is not None and fmt not in FORMATS:
        raise InputError(str(fmt), f"unknown format{did_you_mean(fmt, FORMATS)}; choose one of {', '.join(sorted(FORMATS))}")


def check_some_files(files: list[Path], paths: Iterable[str | Path]) -> None:
    """InputError naming the `paths` given when they hold no file to read (`expand` gave `files`)."""
    if not files:  # (the message named no path: "(input): no input files")
        raise InputError(", ".join(map(str, as_paths(paths))) or "(input)",
                         "no input files (a folder's hidden files, its files of no format kg reads and the "
                         "outputs kg wrote there are not read)")


def read_papers(
    paths: Iterable[str | Path], fmt: str | None = None, *, dedupe: bool = True,
    on_repeat: Callable[[Paper], None] | None = None,
) -> Iterator[Paper]:
    """Stream the papers of all files, in file order, each distinct paper once; `on_repeat` is
    given each record left out as a repeat of a paper read before it (the first reading is kept)."""
    check_format(fmt)
    paths = as_paths(paths)
    files = expand(paths, fmt)
    check_some_files(files, paths)
    seen = Deduplicator()
    for path in files:
        reader = _reader(fmt or detect_format(path))
        count = 0
        # a file name that is not UTF-8 reaches Python as lone surrogates, which no UTF-8 writer takes:
        # the graph names the file with U+FFFD for those bytes (its N-Triples failed to encode)
        shown = os.fsencode(path).decode("utf-8", "replace")
        for paper in reader(path):
            count += 1
            if shown != str(path) and paper.source is not None:
                paper.source = dataclasses.replace(paper.source, path=shown)
            if not dedupe or seen.is_new(paper):
                yield paper
            else:
                log.debug("%s: duplicate of a paper already read", paper.source)
                if on_repeat:
                    on_repeat(paper)
        if count == 0:
            log.warning("%s: no papers in this file", path)
