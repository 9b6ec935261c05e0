"""JSON Lines, JSON arrays and CSV/TSV files with title and abstract columns.

Optional fields: id, url, year (or date/published), authors (a list, or a string separated by
";" or " and "), doi, arxiv_id. Column names are matched case-insensitively with common aliases.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.errors import InputError
from kg.ingest.records import log, make_paper, not_text, read_text
from kg.model import Paper, Source

ALIASES = {
    "title": ("title", "paper_title", "name", "display_name"),
    "abstract": ("abstract", "summary", "description", "paper_abstract"),
    "url": ("url", "link", "pdf_url", "landing_page_url"),
    "year": ("year", "date", "published", "publication_year", "publication_date", "update_date"),
    "authors": ("authors", "author", "creators"),
    "doi": ("doi",),
    "arxiv_id": ("arxiv_id", "arxiv", "eprint", "arxivid"),
    "id": ("id", "paper_id"),
}
LIST_KEYS = ("papers", "records", "data", "results", "items")


def _field(record: dict, name: str) -> object:
    lowered = {str(k).strip().lower(): v for k, v in record.items()}  # "Abstract " as a spreadsheet saves it
    for alias in ALIASES[name]:
        if alias in lowered and lowered[alias] not in (None, ""):
            return lowered[alias]
    return None


def _authors(value: object) -> list[str]:
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, dict):  # one author as an object, not its repr "{'name': ...}"
        value = [value]
    if isinstance(value, list):
        out = []
        for a in value:
            if isinstance(a, dict):
                a = a.get("name") or a.get("display_name") or " ".join(str(v) for v in a.values() if isinstance(v, str))
            if isinstance(a, (str, int, float)) and not isinstance(a, bool):
                out.append(str(a))
        return out
    text = str(value)
    for sep in (";", " and ", "|"):
        if sep in text:
            return [a.strip() for a in text.split(sep)]
    return [a.strip() for a in text.split(",")] if text.count(",") >= 2 else [text]


def paper_from_record(record: object, source: Source) -> Paper | None:
    if not isinstance(record, dict):
        log.warning("%s: skipped, not an object with title and abstract", source)
        return None
    arxiv = _field(record, "arxiv_id")
    ident = _field(record, "id")
    if arxiv is None and isinstance(ident, str) and ident[:4].isdigit() and "." in ident:
        arxiv = ident  # arXiv-style ids ("2401.01234") given as plain ids
    return make_paper(
        source,
        title=_field(record, "title"),
        abstract=_field(record, "abstract"),
        url=_field(record, "url"),
        year=_field(record, "year"),
        authors=_authors(_field(record, "authors")),
        arxiv_id=arxiv,
        doi=_field(record, "doi"),
    )


def _records(papers: Iterable[tuple[object, Source]]) -> Iterator[Paper]:
    for record, source in papers:
        paper = paper_from_record(record, source)
        if paper:
            yield paper


def read_jsonl(path: Path) -> Iterator[Paper]:
    """One JSON object per line, streamed; a broken line is skipped with a warning naming it."""
    yield from _records(json_lines(path))


def json_lines(path: Path) -> Iterator[tuple[object, Source]]:
    """(record, source) for each JSON line of a file, streamed; broken lines are warned about."""
    good = bad = 0
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(str(path), f"cannot read file: {exc.strerror or exc}") from None
    with fh:
        for number, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise (number == 1 and not_text(path, raw[:8]) or
                       InputError(str(path), "not valid UTF-8; re-save the file as UTF-8", line=number)) from None
            try:
                record = json.loads(line)
            except (ValueError, RecursionError) as exc:
                bad += 1
                log.warning("%s:%d: skipped, not valid JSON (%s)", path, number, str(exc).split(":")[0])
                continue
            good += 1
            yield record, Source(str(path), line=number)
    if good == 0 and bad:
        raise InputError(str(path), "no line is valid JSON; is this really JSON Lines?")


def load_json(path: Path, text: str | None = None) -> object:
    """A whole JSON document; a syntax error names its line and column."""
    try:
        return json.loads(read_text(path) if text is None else text)
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not valid JSON: {exc.msg} at column {exc.colno}", line=exc.lineno) from None
    except RecursionError:
        raise InputError(str(path), "JSON nested too deeply") from None


def json_records(path: Path, list_key: str) -> Iterator[tuple[object, Source]]:
    """(record, source) of a JSON file holding records: JSON Lines (one record per line), a JSON
    array, an object holding the array under `list_key` (an API's response page), or one record."""
    text = read_text(path)
    head = text.lstrip()
    if head.startswith("{") and "\n{" in head.rstrip():
        yield from json_lines(path)
        return
    data = load_json(path, text)
    if isinstance(data, dict):
        data = data[list_key] if isinstance(data.get(list_key), list) else [data]
    for number, record in enumerate(data if isinstance(data, list) else [data], 1):
        yield record, Source(str(path), record=number)


def read_json(path: Path) -> Iterator[Paper]:
    """A JSON array of records, or an object holding one under papers/records/data/results."""
    data = load_json(path)
    if isinstance(data, dict):
        inner = next((data[k] for k in LIST_KEYS if isinstance(data.get(k), list)), None)
        data = inner if inner is not None else [data]
    if not isinstance(data, list):
        raise InputError(str(path), "expected a JSON array of papers")
    yield from _records((r, Source(str(path), record=n)) for n, r in enumerate(data, 1))


def read_csv(path: Path) -> Iterator[Paper]:
    text = read_text(path)
    try:
        dialect = csv.Sniffer().sniff(text[:20000], delimiters=",\t;")
        # quotes inside a quoted field are doubled, as every spreadsheet writes them (RFC 4180): the
        # sniffer says they are not unless it sees a `""` in a field free of the delimiter, and then a
        # field `"with ""quotes"", and a comma"` ended at its second quote, the rest of it lost
        dialect.doublequote = True
    except csv.Error:
        dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    csv.field_size_limit(1 << 30)
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        headers = {h.strip().lower() for h in (reader.fieldnames or []) if h}
    except csv.Error as exc:
        raise InputError(str(path), f"malformed CSV header: {exc}", line=1) from None
    if not headers & set(ALIASES["title"]) or not headers & set(ALIASES["abstract"]):
        raise InputError(str(path), f"no title and abstract columns (found: {', '.join(sorted(headers)) or 'none'})", line=1)
    rows, start = [], reader.line_num + 1  # a record is named by its first line (a quoted field may span lines)
    spans = []  # (first, last line) of each record read across lines, and of the last record
    try:
        for row in reader:
            source = Source(str(path), line=start)
            if reader.line_num > start:
                spans.append((start, reader.line_num))
            start = reader.line_num + 1
            # a row with more fields than the header ("Deep nets, revisited,We propose ...") has a delimiter
            # inside an unquoted field: its columns are shifted, and it was read as the paper "Deep nets"
            # with the abstract "revisited", without a word
            extra = row.pop(None, None) or []
            if any(v.strip() for v in extra):
                log.warning("%s: skipped, %d fields where the header has %d (a %r inside a field not in quotes?)",
                            source, len(reader.fieldnames) + len(extra), len(reader.fieldnames), dialect.delimiter)
                continue
            rows.append((row, source))
    except csv.Error as exc:
        raise InputError(str(path), f"malformed CSV: {exc}", line=start) from None
    if rows:
        _check_quotes(path, text, [*spans, (rows[-1][1].line, reader.line_num)], dialect)
    yield from _records(rows)


def _check_quotes(path: Path, text: str, spans: list[tuple[int, int]], dialect) -> None:
    """Raise InputError when a record read across lines `(first, last)` does not parse again, strictly.
    A quoted field never closed: the csv module reads every line to the end of the file into it (it
    is then the last record). A `"` opening a field not in quotes (`Paper B<TAB>"Quoted start ...`):
    the field runs on to the next `"`, inside a later line, and the records between went into it,
    lost without a word; the strict parse finds text after that closing quote."""
    lines = io.StringIO(text, newline="").readlines()  # lines as the csv module counts them
    for first, last in spans:
        try:
            for _ in csv.reader(lines[first - 1:last], dialect=dialect, strict=True):
                pass
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise InputError(str(path), "a quoted field that starts in this record is never closed (a missing "
                                 '" would make the rest of the file one field)', line=first) from None
            if last > first:
                raise InputError(str(path), f'a quoted field that starts in this record ends inside line {last}, with '
                                 'text after its closing " (a " opening a field not in quotes?): the records in '
                                 "between would be read into it", line=first) from None


read = read_jsonl
