"""End to end: the example corpus into a validated, queryable graph; bad input; atomic builds."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build import build
from kg.errors import KgError
from kg.query import run
from kg.store import open_store, read_manifest
from kg.validate import validate_store

from conftest import EXAMPLE_CORPUS


def corpus_abstracts() -> dict[str, str]:
    from kg.ingest import read_papers

    return {p.title: p.text for p in read_papers([EXAMPLE_CORPUS])}


def test_example_build_has_136_papers_a_turtle_file_and_a_manifest(example_graph, example_store):
    assert run(example_store, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper }").rows == [[136]]
    assert (example_graph / "graph.ttl").stat().st_size > 10_000
    manifest = read_manifest(example_graph)
    assert manifest["papers"] == 136
    assert sorted(i["path"].rsplit("/", 1)[-1] for i in manifest["inputs"]) == sorted(
        p.name for p in EXAMPLE_CORPUS.iterdir()
    )


def test_the_manifest_shows_the_cpu_of_the_stores_own_loading_threads(example_graph):
    # a bulk load's calling thread only parses; the rest of the load runs in Oxigraph's and
    # RocksDB's threads, which the summary names as what the lap holds beyond its named threads
    cpu = read_manifest(example_graph)["summary"]["cpu"]
    rest = cpu["loading the store (Oxigraph's and RocksDB's threads) and the pool's threads"]
    named = cpu["reading, feeding workers, tallies (main thread)"] + cpu["loading the store (loader thread)"]
    assert 0 <= rest <= cpu["extract and load"] - named + 0.002  # less the Turtle thread's share, rounded


def test_example_graph_satisfies_the_shapes(example_store):
    conforms, violations = validate_store(example_store)
    assert conforms, "\n".join(map(str, violations[:20]))


def test_shapes_catch_a_paper_without_abstract_and_a_link_without_evidence():
    store = ox.Store()
    kgo = "https://w3id.org/kg-lit/ontology#"
    p = ox.NamedNode("https://w3id.org/kg-lit/resource/paper/x")
    store.add(ox.Quad(p, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(kgo + "Paper")))
    store.add(ox.Quad(p, ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal("T")))
    link = ox.NamedNode("https://w3id.org/kg-lit/resource/link/x")
    store.add(ox.Quad(link, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(kgo + "Link")))
    conforms, violations = validate_store(store)
    assert not conforms
    messages = " ".join(v.message for v in violations)
    assert "abstract" in messages and "evidence" in messages


def test_evidence_reads_every_links_words_back_from_the_paper_as_the_corpus_file_has_it(example_store):
    """A link stores one span of offsets; the evidence query cuts the words out of the stored title and
    abstract. Compared with the corpus files as read again here: the form is the entity's name at
    exactly those offsets, inside a sentence of that paper."""
    from kg.query import run_named

    texts = corpus_abstracts()
    rows = run_named(example_store, "evidence", {"entity": "CLIP", "limit": 0}).as_dicts()
    assert len(rows) >= 5
    for row in rows:
        text = texts[row["title"]]
        assert text[row["start"]:row["end"]] == row["form"] and "clip" in row["form"].lower(), row
        assert row["form"] in row["sentence"] and row["sentence"] in text, row
        assert row["relation"] in {"proposes", "uses"} and row["rule"] and 0 < float(row["confidence"]) <= 1


def test_papers_per_modality_query_follows_the_text(example_store):
    rows = run(example_store, """
        SELECT ?modality ?title WHERE { ?paper kgo:involvesModality ?m . ?m skos:prefLabel ?modality .
                                         ?paper dcterms:title ?title }""").rows
    by_modality: dict[str, set[str]] = {}
    for modality, title in rows:
        by_modality.setdefault(modality, set()).add(title)
    texts = corpus_abstracts()
    # Papers whose text speaks of audio / video involve that modality.
    for modality, pattern in (("audio", r"\baudio\b"), ("video", r"\bvideos?\b")):
        expected = {t for t, text in texts.items() if re.search(pattern, text, re.I)}
        assert expected, modality
        found = by_modality.get(modality, set())
        assert len(found & expected) >= 0.8 * len(expected), (modality, expected - found)


def test_a_failed_build_leaves_the_previous_graph_intact(tmp_path):
    out = tmp_path / "g"
    build([EXAMPLE_CORPUS / "004_2862ceeb13da1ae7.txt"], out, extras=False)
    before = (out / "graph.ttl").read_bytes()
    target_before = os.readlink(out)

    def exploding(papers):
        from kg.extract import extract

        for i, extraction in enumerate(extract(papers)):
            if i == 10:
                raise RuntimeError("killed half-way")
            yield extraction

    with pytest.raises(RuntimeError):
        build([EXAMPLE_CORPUS], out, extras=False, extractions=exploding)
    assert os.readlink(out) == target_before
    assert (out / "graph.ttl").read_bytes() == before
    assert run(open_store(out), "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper }").rows[0][0] > 10
    # and the next build succeeds, sweeping the abandoned staging folder
    build([EXAMPLE_CORPUS], out, extras=False)
    leftovers = [p.name for p in (tmp_path / ".g.builds").iterdir() if p.is_dir()]
    assert len(leftovers) == 1 and not leftovers[0].endswith(".partial")


def test_a_file_written_into_the_graph_while_the_next_build_runs_is_never_swept(tmp_path, caplog):
    # `kg query g ... > g/results.csv` (or a shell whose folder is the build) while the next build of g
    # runs: the file lands in the build being replaced, after the new build checked g, and the sweep of
    # the older builds deleted it with them
    out, paper = tmp_path / "g", EXAMPLE_CORPUS / "004_2862ceeb13da1ae7.txt"
    build([paper], out, extras=False)
    old = out.resolve()
    saved = "paper,title\nW1,a title\n"

    def write_results(_paper) -> None:
        if not (out / "results.csv").exists():
            (out / "results.csv").write_text(saved)

    versions = tmp_path / ".g.builds"
    killed = versions / "20200101T000000-0123abcd.partial"  # what a build killed while writing its outputs leaves
    (killed / "store").mkdir(parents=True)
    for leftover in (".graph.ttl.0123abcd.tmp", ".view.html.89abcdef.tmp", "tallies.sqlite-journal"):
        (killed / leftover).write_text("half")
    (killed / ".report.kg-stage.x1y2z3").mkdir()
    with caplog.at_level("WARNING", logger="kg.store"):
        build([paper], out, extras=False, on_paper=write_results)
    assert out.resolve() != old
    assert (old / "results.csv").read_text() == saved  # its build kept, the file as written
    assert not killed.exists()  # nothing of the user's there: swept as before
    kept = [r.getMessage() for r in caplog.records if r.name == "kg.store"]
    assert len(kept) == 1 and kept[0].startswith(f"{old / 'results.csv'}: not written by kg, so the older build {old.name} stays")
    # moved out, the next build removes that older build too
    (old / "results.csv").rename(tmp_path / "results.csv")
    build([paper], out, extras=False)
    assert [p.name for p in versions.iterdir() if p.is_dir()] == [out.resolve().name]
    assert (tmp_path / "results.csv").read_text() == saved


def test_triples_written_into_a_graph_after_its_build_survive_a_full_rebuild(tmp_path, caplog):
    # `kg serve --writable` / `kg push` / a script added triples to the graph's store; a full rebuild
    # (no --append) makes the graph from the inputs alone, and its sweep deleted the older build whose
    # store alone held those writes. That build now stays, named; an append carries the writes over
    # (it starts from that store), so there the older build goes as before.
    paper, other = _two_paper_files(tmp_path)
    out = tmp_path / "g"
    build([paper], out, extras=False)
    old = out.resolve()
    note = _note("written through the endpoint")
    store = ox.Store(str(old / "store"))
    store.add(note)
    store.flush()
    del store
    with caplog.at_level("WARNING", logger="kg.store"):
        build([paper], out, extras=False)
    assert out.resolve() != old
    assert note in ox.Store.read_only(str(old / "store"))  # the older build, whole, with the write
    kept = [r.getMessage() for r in caplog.records if r.name == "kg.store"]
    assert len(kept) == 1 and str(old) in kept[0] and "written after" in kept[0]
    # the same write, then an append: the new build holds it, and the older build is swept
    current = out.resolve()
    store = ox.Store(str(current / "store"))
    store.add(note)
    store.flush()
    del store
    build([other], out, extras=False, append=True)
    assert note in ox.Store.read_only(str(out.resolve() / "store"))
    assert not current.exists()
    # an older build whose store a sweep killed half-way already removed (its manifest left) goes
    # at the next build, which does not stop on it
    shutil.rmtree(old / "store")
    build([paper], out, extras=False)
    assert not old.exists()


def test_a_file_written_into_an_older_build_just_after_the_sweep_checked_it_is_never_deleted(tmp_path, monkeypatch,
                                                                                            caplog):
    # the sweep checked an older build for the user's files, then deleted the folder whole: a file
    # written into it in between (a shell whose folder is that build) went with it. So did a link
    # written there, had it been followed. Now only kg's own files are deleted.
    import kg.store

    out, paper = tmp_path / "g", EXAMPLE_CORPUS / "004_2862ceeb13da1ae7.txt"
    build([paper], out, extras=False)
    old = out.resolve()
    (old / "report").mkdir()  # a report, as a build writes it
    (old / "report" / ".kg-report").write_text("kg\n")
    (old / "report" / "report.md").write_text("# report\n")
    kg.store.record_build(old)  # recorded as the build's own
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "graph.ttl").write_text("my own ontology")  # a name kg writes in a build, behind a link
    real_check = kg.store.foreign_in_build

    def check_then_write(build_dir: Path) -> list[str]:
        found = real_check(build_dir)
        if build_dir == old:  # the user's writes land between the check and the delete
            (old / "results.csv").write_text("paper,title\n")
            (old / "report" / "notes.md").write_text("notes")
            (old / "data").symlink_to(mine)
        return found

    monkeypatch.setattr(kg.store, "foreign_in_build", check_then_write)
    with caplog.at_level("WARNING", logger="kg.store"):
        build([paper], out, extras=False)
    assert out.resolve() != old
    assert (old / "results.csv").read_text() == "paper,title\n"
    assert (old / "report" / "notes.md").read_text() == "notes"
    assert (mine / "graph.ttl").read_text() == "my own ontology" and (old / "data").is_symlink()
    warned = [r.getMessage() for r in caplog.records if r.name == "kg.store"]
    assert len(warned) == 1 and warned[0].startswith(f"{old / 'report/notes.md'} and 2 more: not written by kg")
    monkeypatch.undo()
    for name in ("results.csv", "data", "report/notes.md"):  # moved out: the next build removes that build
        (old / name).rename(tmp_path / Path(name).name)
    build([paper], out, extras=False)
    assert [p.name for p in (tmp_path / ".g.builds").iterdir() if p.is_dir()] == [out.resolve().name]
    assert (mine / "graph.ttl").read_text() == "my own ontology"


def _warned(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "kg.store"]


def test_a_hand_edit_of_a_file_kg_wrote_into_a_build_survives_a_rebuild_and_an_append(tmp_path, caplog):
    """The user edits the graph's graph.ttl and report/report.md (kg's own outputs, by their names),
    then rebuilds: the sweep of the older build deleted every file with a name kg writes, the edits
    with them. Now a build records its files as it publishes them, and an older build holding one
    that differs stays, with one warning naming the file; a re-save that changes nothing does not."""
    paper, other = _two_paper_files(tmp_path)
    out = tmp_path / "g"
    build([paper], out)  # the default: Turtle, report and view
    first = out.resolve()
    ttl = (out / "graph.ttl").read_text() + "# checked by hand: the proposed method is right\n"
    md = "# My annotated report\n" + (out / "report" / "report.md").read_text()
    (out / "graph.ttl").write_text(ttl)
    (out / "report" / "report.md").write_text(md)
    with caplog.at_level("WARNING", logger="kg.store"):
        build([paper], out)
    assert out.resolve() != first
    assert (first / "graph.ttl").read_text() == ttl and (first / "report" / "report.md").read_text() == md
    warned = _warned(caplog)
    assert len(warned) == 1 and warned[0].startswith(
        f"{first / 'graph.ttl'} and 1 more: changed since kg wrote them, so the older build {first.name} stays")
    # an append: the view of the build it starts from, edited, stays too
    second = out.resolve()
    view = (out / "view.html").read_text().replace("</body>", "<p>my note</p></body>")
    (out / "view.html").write_text(view)
    os.utime(out / "report" / "report.md", ns=(1, 1))  # saved again unchanged: its content is kg's still
    caplog.clear()
    with caplog.at_level("WARNING", logger="kg.store"):
        build([other], out, append=True)
    assert (second / "view.html").read_text() == view
    assert {m.split(": ")[0] for m in _warned(caplog)} == {f"{first / 'graph.ttl'} and 1 more", str(second / "view.html")}
    # the edits moved out (or the new graph's report unedited): the next build removes both builds
    third = out.resolve()
    for build_dir in (first, second):
        for path in ("graph.ttl", "report/report.md", "view.html"):
            (build_dir / path).unlink()
    build([paper, other], out)
    assert sorted(p.name for p in (tmp_path / ".g.builds").iterdir() if p.is_dir()) == [out.resolve().name]
    assert not third.exists()


def test_an_edit_in_a_build_made_before_builds_recorded_their_files_is_kept(tmp_path, caplog):
    """A build of an older kg records no files: one changed later than its manifest (the last file a
    build writes) is an edit and keeps the build; an unchanged one goes as before."""
    paper, _ = _two_paper_files(tmp_path)
    out = tmp_path / "g"
    build([paper], out, extras=False)
    first = out.resolve()
    (first / ".kg-written.json").unlink()  # as an older kg left it
    (first / "graph.ttl").write_text("my own graph\n")
    written = (first / "manifest.json").stat().st_mtime_ns
    os.utime(first / "graph.ttl", ns=(written + 10**9, written + 10**9))
    with caplog.at_level("WARNING", logger="kg.store"):
        build([paper], out, extras=False)
    assert (first / "graph.ttl").read_text() == "my own graph\n"
    assert _warned(caplog)[0].startswith(f"{first / 'graph.ttl'}: changed since kg wrote it")
    second = out.resolve()
    (second / ".kg-written.json").unlink()  # unedited, no record
    (first / "graph.ttl").unlink()
    build([paper], out, extras=False)
    assert sorted(p.name for p in (tmp_path / ".g.builds").iterdir() if p.is_dir()) == [out.resolve().name]


def test_a_link_where_the_build_lock_goes_never_has_its_file_emptied(tmp_path):
    # the lock file was opened with "w", through a link there: the file it pointed to was truncated
    out, paper = tmp_path / "g", EXAMPLE_CORPUS / "004_2862ceeb13da1ae7.txt"
    mine = tmp_path / "mine.txt"
    mine.write_text("precious")
    (tmp_path / ".g.builds").mkdir()
    (tmp_path / ".g.builds" / ".lock").symlink_to(mine)
    with pytest.raises(KgError, match=r"\.lock: a symbolic link where kg keeps the lock of its builds"):
        build([paper], out, extras=False)
    assert mine.read_text() == "precious" and not out.exists()
    (tmp_path / ".g.builds" / ".lock").unlink()
    build([paper], out, extras=False)  # kg's own lock file, made again
    assert (tmp_path / ".g.builds" / ".lock").is_file() and not (tmp_path / ".g.builds" / ".lock").is_symlink()


# --------------------------------------------------------------------------- the CLI


def test_cli_build_prints_a_summary_and_validate_and_query_work(kg_cli, tmp_path):
    out = tmp_path / "cli-graph"
    done = kg_cli("build", EXAMPLE_CORPUS, "--out", out, "--no-extras")
    assert done.returncode == 0, done.stderr
    assert re.search(r"papers\s+│?\s*136", done.stdout)
    assert kg_cli("validate", out).returncode == 0
    csv_out = kg_cli("query", out, "SELECT ?t WHERE { ?p a kgo:Paper ; dcterms:title ?t } ORDER BY ?t LIMIT 3", "-f", "csv")
    lines = csv_out.stdout.splitlines()
    assert csv_out.returncode == 0 and lines[0] == "t" and len(lines) == 4
    as_json = json.loads(kg_cli("query", out, "SELECT ?t WHERE { ?p dcterms:title ?t } LIMIT 2", "-f", "json").stdout)
    assert as_json["head"]["vars"] == ["t"] and len(as_json["results"]["bindings"]) == 2
    stats = kg_cli("stats", out)
    assert stats.returncode == 0 and re.search(r"papers\s+│\s+136", stats.stdout)


def one_line_error(done, *needles: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    error_lines = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(error_lines) == 1, done.stderr
    for needle in needles:
        assert needle in error_lines[0], (needle, done.stderr)


def test_cli_bad_input_gives_one_clear_line_and_no_graph(kg_cli, tmp_path):
    out = tmp_path / "never"
    one_line_error(kg_cli("build", tmp_path / "missing.txt", "--out", out), "missing.txt", "no such file")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    one_line_error(kg_cli("build", empty, "--out", out, "--no-extras"), "empty.txt")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("A title\n\nAn abstract long enough to be an abstract, about caf\xe9 images and text.\n".encode("latin-1"))
    one_line_error(kg_cli("build", latin, "--out", out, "--no-extras"), "latin.txt:3", "UTF-8")
    assert not out.exists()
    # these failed inside the build (after it took its lock): a failed first build leaves no folder behind
    assert not (tmp_path / ".never.builds").exists()


def test_cli_keeps_good_records_and_warns_about_bad_ones(kg_cli, tmp_path):
    src = tmp_path / "papers.jsonl"
    src.write_text(
        json.dumps({"title": "Contrastive pre-training of image and text encoders", "abstract": "We train CLIP on image-text pairs and evaluate zero-shot classification on ImageNet."}) + "\n"
        + json.dumps({"title": "A paper with no abstract"}) + "\n"
    )
    out = tmp_path / "g"
    done = kg_cli("build", src, "--out", out, "--no-extras")
    assert done.returncode == 0, done.stderr
    assert "papers.jsonl" in done.stderr and "abstract" in done.stderr
    assert run(open_store(out), "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper }").rows == [[1]]


def test_cli_read_only_output_folder_is_a_clear_error(kg_cli, read_only_folder):
    done = kg_cli("build", EXAMPLE_CORPUS, "--out", read_only_folder / "g", "--no-extras")
    one_line_error(done, "cannot write")
    assert "Read-only file system" in done.stderr or "Permission denied" in done.stderr
    assert list(read_only_folder.iterdir()) == []


def test_an_existing_foreign_folder_is_never_overwritten(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(KgError, match="not a kg build folder"):
        build([EXAMPLE_CORPUS], out, extras=False)
    assert (out / "notes.txt").read_text() == "keep me"


def test_the_current_folder_as_out_is_refused_in_one_line_before_any_work(kg_cli, tmp_path):
    # "--out ." in an empty folder: the folder cannot become the link to the build, and the build
    # failed after its work with "cannot write the graph: Invalid argument"
    here = tmp_path / "here"
    here.mkdir()
    done = kg_cli("build", EXAMPLE_CORPUS, "--out", ".", "--no-extras", cwd=here)
    one_line_error(done, "a folder name of its own")
    assert "--out" in done.stderr and list(here.iterdir()) == []


def test_an_output_name_with_no_room_for_kg_s_hidden_names_is_refused_before_any_work(kg_cli, tmp_path):
    # a name within 14-19 bytes of the 255-byte limit left no room for the hidden name kg writes it
    # through (".NAME.link-XXXXXXXX", ".NAME.XXXXXXXX.tmp"): the write failed at its end, naming that path
    from kg.outputs import BUILD_HIDDEN_BYTES, FILE_HIDDEN_BYTES, check_name_room

    check_name_room(tmp_path / ("g" * (255 - BUILD_HIDDEN_BYTES)), BUILD_HIDDEN_BYTES)  # room enough
    check_name_room(tmp_path / ("x" * (255 - FILE_HIDDEN_BYTES)), FILE_HIDDEN_BYTES)
    for args, name in ((("build", EXAMPLE_CORPUS, "--no-extras", "--out"), "g" * (256 - BUILD_HIDDEN_BYTES)),
                       (("extract", EXAMPLE_CORPUS, "-o"), "x" * (256 - FILE_HIDDEN_BYTES - 6) + ".jsonl")):
        done = kg_cli(*args, tmp_path / name)
        one_line_error(done, "the name is too long")
        assert name[:20] in done.stderr and ".link-" not in done.stderr and ".tmp" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_doctor_finds_stale_counts_and_an_append_recomputes_them(kg_cli, tmp_path):
    from kg.query import with_prefixes
    from kg.store import STORE_DIR, resolve

    from kg.ingest import read_papers

    # a few papers of the corpus that name both entities (the whole corpus took half a minute)
    papers = list(read_papers([EXAMPLE_CORPUS]))
    chosen = [p for p in papers if "CLIP" in p.text][:3] + [p for p in papers if "ImageNet" in p.text][:3]
    source = tmp_path / "some.jsonl"
    source.write_text("".join(json.dumps({"title": p.title, "abstract": p.abstract}) + "\n" for p in chosen))
    out = tmp_path / "g"
    build([source], out, extras=False, jobs=1)
    assert kg_cli("doctor", out).returncode == 0
    # counts changed behind kg's back: one removed, one wrong
    store = ox.Store(str(resolve(out) / STORE_DIR))
    store.update(with_prefixes("""
        DELETE { ?c kgo:paperCount ?n } WHERE { ?c skos:prefLabel "ImageNet"@en ; kgo:paperCount ?n } ;
        DELETE { ?c kgo:paperCount ?n } INSERT { ?c kgo:paperCount 999 } WHERE { ?c skos:prefLabel "CLIP"@en ; kgo:paperCount ?n }"""))
    store.flush()
    del store
    done = kg_cli("doctor", out)
    assert done.returncode == 1 and "2 entities whose stored paper count" in done.stderr
    again = kg_cli("build", source, "--out", out, "--append", "--no-extras")
    assert again.returncode == 0, again.stderr
    assert kg_cli("doctor", out).returncode == 0


# --------------------------------------------------------------------------- append without a copy


def files_under(folder) -> dict[str, tuple[int, int]]:
    """relative path -> (inode, size) of every file under a folder."""
    from pathlib import Path

    folder = Path(folder)
    return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_size) for p in folder.rglob("*") if p.is_file()}


def test_the_recorded_triple_count_is_the_stores_in_a_build_and_an_append(tmp_path):

    files = sorted(EXAMPLE_CORPUS.iterdir())
    out = tmp_path / "g"
    # two processes, small batches: concepts declared by several workers
    first = build(files[:1], out, extras=False, jobs=2, batch_size=8)
    assert first.triples == read_manifest(out)["triples"] == len(open_store(out))
    second = build(files, out, extras=False, append=True, jobs=1, batch_size=16)
    assert 0 < first.papers < 136 and second.papers == 136 - first.papers
    assert second.triples == read_manifest(out)["triples"] == len(open_store(out))
    assert len(open_store(out)) > first.triples  # the count followed what the append added


def test_an_append_links_the_previous_store_and_never_changes_its_files(tmp_path, monkeypatch):
    import kg.build
    import kg.store
    from kg.store import STORE_DIR, resolve

    files = sorted(EXAMPLE_CORPUS.iterdir())
    out = tmp_path / "g"
    build(files[:1], out, extras=False, jobs=1)
    before_dir = resolve(out)
    before = files_under(before_dir)
    hashes = {name: hashlib_of(before_dir / name) for name in before}
    seen: dict[str, dict] = {}
    real_seed, real_publish = kg.build._seed_append, kg.store.publish

    def seeding(current, stage):
        as_built = real_seed(current, stage)
        seen["stage"] = files_under(stage / STORE_DIR)
        return as_built

    def publishing(stage, final, out):  # the append has written everything: the previous build as it was?
        seen["at publish"] = {name: hashlib_of(before_dir / name) for name in files_under(before_dir)}
        real_publish(stage, final, out)

    monkeypatch.setattr(kg.build, "_seed_append", seeding)
    monkeypatch.setattr(kg.store, "publish", publishing)
    build(files, out, extras=False, append=True, jobs=1)
    live_tables = {inode for name, (inode, _) in before.items() if name.endswith(".sst")}
    staged_tables = {inode for name, (inode, _) in seen["stage"].items() if name.endswith(".sst")}
    assert live_tables and live_tables <= staged_tables, "the staged store hard-links the previous table files"
    # the previous build's files were never written, although the staged store shared them
    assert seen["at publish"] == hashes
    assert run(open_store(out), "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper }").rows == [[136]]


def hashlib_of(path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_store_written_outside_kg_is_copied_not_linked_and_keeps_that_write(tmp_path):
    from kg.store import STORE_DIR, resolve

    files = sorted(EXAMPLE_CORPUS.iterdir())
    out = tmp_path / "g"
    build(files[:1], out, extras=False, jobs=1)
    store = ox.Store(str(resolve(out) / STORE_DIR))  # a write left in the log only, as an endpoint would
    note = ox.Quad(ox.NamedNode("https://example.org/note"), ox.NamedNode("https://example.org/says"), ox.Literal("hi"))
    store.add(note)
    del store
    summary = build(files, out, extras=False, append=True, jobs=1)
    store = open_store(out)
    assert note in store
    assert summary.triples == len(store)


# --------------------------------------------------------------------------- progress


def test_every_stage_of_a_default_build_reports_its_name_count_and_time(tmp_path):
    from kg.progress import reporting

    class Recorder:
        def __init__(self):
            self.events = []

        def started(self, stage):
            self.events.append(("start", stage.name))

        def changed(self, stage):
            pass

        def finished(self, stage):
            self.events.append(("end", stage.name, stage.completed, stage.total, stage.elapsed))

    recorder = Recorder()
    with reporting(recorder):
        build([EXAMPLE_CORPUS / "004_2862ceeb13da1ae7.txt"], tmp_path / "g", jobs=1, batch_size=4)
    ended = {e[1]: e[2:] for e in recorder.events if e[0] == "end"}
    # the Turtle file is written as the store is filled: its stage ends before the report starts
    assert list(ended) == ["reading and extracting", "loading", "counts and rankings", "exports", "report", "view"]
    assert ended["reading and extracting"][0] == read_manifest(tmp_path / "g")["papers"] > 4
    assert 1000 < ended["loading"][0] < read_manifest(tmp_path / "g")["triples"] - ontology_triples()
    assert ended["counts and rankings"][:2] == (5, 5)  # labels, paper counts, pairs, best results, rankings
    assert ended["exports"][:2] == (1, 1)
    assert ended["report"][0] == ended["report"][1] > 3 and ended["view"][0] == ended["view"][1] > 1
    assert all(e[-1] >= 0 for e in ended.values())
    assert (tmp_path / "g" / "view.html").exists()


def test_a_stage_of_named_steps_shows_the_step_under_way_and_counts_those_done():
    from kg.progress import Stage, describe

    report = Stage("report", total=3, unit="steps")
    report.step("reading the graph")
    assert describe(report) == "report (reading the graph): 0/3 steps (0%)"
    report.step("plots")
    assert describe(report) == "report (plots): 1/3 steps (33%)"
    report.end_steps()
    assert describe(report) == "report: 2/3 steps (67%)"


def ontology_triples() -> int:
    from kg.build import ontology_files

    store = ox.Store()
    for path in ontology_files():
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    return len(store)


def test_cli_build_prints_one_line_per_stage_when_not_on_a_terminal(kg_cli, tmp_path):
    done = kg_cli("build", EXAMPLE_CORPUS / "004_2862ceeb13da1ae7.txt", "--out", tmp_path / "g", "--no-extras")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    papers, triples = read_manifest(tmp_path / "g")["papers"], read_manifest(tmp_path / "g")["triples"]
    assert re.fullmatch(rf"reading and extracting: {papers} papers in \d+\.\d s", lines[0]), done.stderr
    loaded = re.fullmatch(r"loading: ([\d,]+) triples in \d+\.\d s", lines[1])
    assert loaded and 1000 < int(loaded[1].replace(",", "")) < triples, done.stderr
    assert re.fullmatch(r"counts and rankings: 5/5 steps \(100%\) in \d+\.\d s", lines[2]), done.stderr
    assert re.fullmatch(r"exports: 1/1 files \(100%\) in \d+\.\d s", lines[3]), done.stderr
    assert len(lines) == 4, done.stderr  # one line per stage, no live progress off a terminal


HOLD_STORE_OPEN = """
import sys, pyoxigraph as ox
store = ox.Store(sys.argv[1])  # a notebook's or script's own writes into the graph
for line in sys.stdin:
    store.add(ox.Quad(ox.NamedNode("https://example.org/my/note"), ox.NamedNode("https://example.org/my/says"),
                      ox.Literal(line.strip())))
    store.flush()
    print("written", flush=True)
"""


def _note(text: str) -> ox.Quad:
    return ox.Quad(ox.NamedNode("https://example.org/my/note"), ox.NamedNode("https://example.org/my/says"),
                   ox.Literal(text))


def _two_paper_files(tmp_path: Path) -> tuple[Path, Path]:
    from kg.ingest import read_papers

    papers = list(read_papers([EXAMPLE_CORPUS]))[:4]
    paper, other = tmp_path / "papers.jsonl", tmp_path / "more.jsonl"
    for path, chosen in ((paper, papers[:3]), (other, papers[3:])):
        path.write_text("".join(json.dumps({"title": p.title, "abstract": p.abstract}) + "\n" for p in chosen))
    return paper, other


def test_a_graph_whose_store_a_script_holds_open_for_writing_is_never_swept_under_it(tmp_path):
    """A script or notebook holding the graph's store open (`pyoxigraph.Store(path)`, not `open_graph`)
    writes into it, and `kg build --append` runs: the append copied the store, published, and removed
    the older build while the script still held it, so the script's next write, acknowledged, went
    into deleted files. Now a build is refused while the store is open for writing elsewhere, and an
    older build whose store a script opened while a build ran stays for a later build."""
    paper, other = _two_paper_files(tmp_path)
    out = tmp_path / "g"
    build([paper], out, extras=False)
    first = out.resolve()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_STORE_OPEN, str(first / "store")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        holder.stdin.write("before the build\n")
        holder.stdin.flush()
        assert holder.stdout.readline() == "written\n"
        for append in (True, False):
            with pytest.raises(KgError, match=rf"its store is open for writing in process {holder.pid} "):
                build([other], out, extras=False, append=append)
            assert out.resolve() == first
    finally:
        holder.stdin.close()
        assert holder.wait(timeout=60) == 0
    build([other], out, extras=False, append=True)  # closed: the append carries its write over
    assert _note("before the build") in ox.Store.read_only(str(out.resolve() / "store"))
    assert not first.exists()
    # opened while an append runs (after the append checked the store): that build stays
    second, holders = out.resolve(), []

    def open_it(_paper) -> None:
        if not holders:
            holders.append(subprocess.Popen([sys.executable, "-c", HOLD_STORE_OPEN, str(second / "store")],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
            holders[0].stdin.write("during the append\n")
            holders[0].stdin.flush()
            assert holders[0].stdout.readline() == "written\n"

    from kg.ingest import read_papers

    third = tmp_path / "third.jsonl"
    third.write_text("".join(json.dumps({"title": p.title, "abstract": p.abstract}) + "\n"
                             for p in list(read_papers([EXAMPLE_CORPUS]))[4:6]))
    try:
        build([third], out, extras=False, append=True, on_paper=open_it)
        assert out.resolve() != second and second.is_dir()
        holders[0].stdin.write("after the append\n")
        holders[0].stdin.flush()
        assert holders[0].stdout.readline() == "written\n"
    finally:
        for held in holders:
            held.stdin.close()
            assert held.wait(timeout=60) == 0
    kept = ox.Store.read_only(str(second / "store"))
    assert _note("during the append") in kept and _note("after the append") in kept


def test_an_append_to_a_graph_named_by_a_relative_path_removes_the_build_it_carried_over(tmp_path, monkeypatch,
                                                                                       caplog):
    """A triple written into the graph's store, then `kg build more.jsonl --out g --append` (a relative
    `--out`, as users type it): the append carries the write over, so the older build goes. Its sweep
    compared the build it started from (an absolute path) with the builds folder's entries (relative),
    never found it, kept that build for good (the whole store again) and warned that "the new build
    holds only its inputs", which was not so."""
    paper, other = _two_paper_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    build([Path(paper.name)], Path("g"), extras=False)
    old = Path("g").resolve()
    store = ox.Store(str(old / "store"))
    store.add(_note("written through the endpoint"))
    store.flush()
    del store
    with caplog.at_level("WARNING", logger="kg.store"):
        build([Path(other.name)], Path("g"), extras=False, append=True)
    assert _note("written through the endpoint") in ox.Store.read_only(str(Path("g").resolve() / "store"))
    assert [r.getMessage() for r in caplog.records if r.name == "kg.store"] == []
    assert not old.exists()


def test_a_graph_kept_under_another_name_before_a_rebuild_is_never_swept(tmp_path, caplog):
    """`mv g g-old` (or `cp -r g g-old`, which copies the link kg made, not the graph) to keep a graph,
    then `kg build ... --out g`: the new build's sweep removed the build g-old points to, as an older
    build of g, leaving g-old a dangling link. Now a build a link beside g points to stays, named."""
    paper, other = _two_paper_files(tmp_path)
    out = tmp_path / "g"
    build([paper], out, extras=False)
    first = out.resolve()
    out.rename(tmp_path / "g-old")
    build([other], out, extras=False)
    second = out.resolve()
    (tmp_path / "g-copy").symlink_to(os.readlink(out))  # what `cp -r g g-copy` makes
    caplog.clear()
    with caplog.at_level("WARNING", logger="kg.store"):
        build([paper, other], out, extras=False)
    for kept, build_dir in (("g-old", first), ("g-copy", second)):
        assert (tmp_path / kept).resolve() == build_dir
        assert read_manifest(tmp_path / kept)["papers"] == (3 if kept == "g-old" else 1)
        assert run(open_store(tmp_path / kept), "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper }").rows[0][0] \
            == (3 if kept == "g-old" else 1)
    said = [r.getMessage() for r in caplog.records if r.name == "kg.store"]
    assert len(said) == 2 and any(str(tmp_path / "g-old") in m and first.name in m for m in said)
    (tmp_path / "g-old").unlink()
    (tmp_path / "g-copy").unlink()
    build([paper], out, extras=False)
    assert not first.exists() and not second.exists()
