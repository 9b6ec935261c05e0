"""The command line as a user meets it: nothing destroyed that kg did not write, options checked
before any work, one vocabulary of options, output fit for pipes (issue 19)."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from kg.paths import RULES_PIPELINE

from conftest import EXAMPLE_CORPUS, ROOT, one_line_error

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


def test_a_folder_kg_wrote_is_not_replaced_once_it_holds_a_file_of_the_users(kg_cli, small_build, tmp_path):
    # a report folder with kg's marker was replaced whole, with whatever else was in it: notes saved
    # beside the report went with the next `kg analyze -o` (the same for `kg train --out`)
    import shutil

    from kg.analyse.plots import PLOTS
    from kg.outputs import PIPELINE_MARKER, REPORT_FILES
    from kg.paths import TRAINED_PIPELINE

    assert {*PLOTS, "report.md", "report.json"} <= REPORT_FILES  # every name a report has is known as kg's
    report = tmp_path / "report"
    assert kg_cli("analyze", small_build, "--out", report).returncode == 0
    (report / "my-notes.md").write_text("what the report means\n")
    before = snapshot(report)
    one_line_error(kg_cli("analyze", small_build, "--out", report), str(report), "my-notes.md", "other files")
    assert snapshot(report) == before
    (report / "my-notes.md").rename(tmp_path / "my-notes.md")  # moved out: the report is replaced again
    assert kg_cli("analyze", small_build, "--out", report).returncode == 0

    gold = ROOT / "examples" / "gold" / "synthetic.jsonl"
    for marked in (True, False):  # a pipeline kg wrote, and one written before the marker
        pipeline = tmp_path / f"pipeline-{marked}"
        shutil.copytree(TRAINED_PIPELINE, pipeline)
        if not marked:
            (pipeline / PIPELINE_MARKER).unlink()
        (pipeline / "README.md").write_text("which papers this was trained on\n")
        before = snapshot(pipeline)
        one_line_error(kg_cli("train", gold, "--out", pipeline), str(pipeline), "README.md", "other files")
        assert snapshot(pipeline) == before


def test_a_build_is_not_replaced_while_it_holds_a_file_of_the_users(kg_cli, tmp_path):
    # `kg query DIR ... > DIR/results.csv`, then `kg build --out DIR`: the new build was swapped in and
    # the old one, the results with it, deleted without a word (an append too)
    papers = write_papers(tmp_path / "papers.jsonl")
    out = tmp_path / "graph"
    command = ["build", papers, "--out", out, "-j", "1", "--export", "ntriples,jsonld,trig"]
    assert kg_cli(*command).returncode == 0
    again = kg_cli(*command)  # every file a build writes (report, view, each export) is kg's own
    assert again.returncode == 0, again.stderr
    for mine in ("results.csv", "report/my-notes.md"):
        (out / mine).write_text("rows I need\n")
        before = snapshot(out)
        for extra in ([], ["--append"]):
            one_line_error(kg_cli(*command, *extra), str(out), mine, "other files")
            assert snapshot(out) == before
        (out / mine).unlink()
    (out / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")  # a file manager's, not the user's work: no reason to refuse
    assert kg_cli(*command).returncode == 0
    assert len(list((tmp_path / ".graph.builds").iterdir())) == 2  # the lock file and one build


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
    shutil.copy(small_build / "graph.ttl", ttl)  # the build's export, copied out: kg's own
    with open(ttl, "a") as fh:
        fh.write("# an older export\n")
    assert kg_cli("export", small_build, "-o", ttl).returncode == 0
    assert ttl.read_text().startswith("@prefix") and "# an older export" not in ttl.read_text()
    for fmt, name in (("ntriples", "graph.nt"), ("trig", "graph.trig")):
        for _ in range(2):
            assert kg_cli("export", small_build, "-f", fmt, "-o", tmp_path / name).returncode == 0
    view = tmp_path / "view.html"
    for _ in range(2):
        assert kg_cli("viz", small_build, "-o", view).returncode == 0
    assert "<html" in view.read_text().lower()


def test_a_single_file_output_edited_by_hand_is_never_replaced(kg_cli, small_build, tmp_path):
    """`kg export -o graph.ttl` (or `kg viz -o view.html`, `kg extract -o x.jsonl`), then the user edits
    the file: it still begins as kg's output does, and the next write of it replaced it, the edit with
    it. kg records each file it writes in its folder's `.kg-written.json`; one changed since is refused
    in one line naming it, before any work, and stays as the user left it. Saved again unchanged (a
    new modification time), it is replaced as before."""
    papers = write_papers(tmp_path / "papers.jsonl")
    writes = {"graph.ttl": ["export", small_build], "graph.nt": ["export", small_build, "-f", "ntriples"],
              "view.html": ["viz", small_build], "x.jsonl": ["extract", papers]}
    for name, args in writes.items():
        path = tmp_path / name
        for _ in range(2):  # its own earlier output: replaced
            assert kg_cli(*args, "-o", path).returncode == 0
        os.utime(path, ns=(1, 1))
        assert kg_cli(*args, "-o", path).returncode == 0
        edited = path.read_bytes() + b"\n# my note\n"
        path.write_bytes(edited)
        one_line_error(kg_cli(*args, "-o", path), name, "changed since")
        assert path.read_bytes() == edited
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([".kg-written.json", "papers.jsonl", *writes])


def test_single_file_outputs_never_replace_an_input(kg_cli, small_build, tmp_path):
    # the extension rule alone let these replace the papers: `extract X.jsonl -o X.jsonl` read X while
    # writing its temporary file, then renamed the extractions over it; `export -f jsonld` and
    # `viz -f cytoscape` took a .json input of the graph for an earlier output of theirs
    papers = write_papers(tmp_path / "papers.jsonl")
    moved = tmp_path / "papers.json"  # the graph's input, copied elsewhere under a .json name
    moved.write_bytes((small_build.parent / "papers.jsonl").read_bytes())
    for args in (["extract", papers, "-o", papers], ["extract", tmp_path, "-o", moved],
                 ["export", small_build, "-f", "jsonld", "-o", moved],
                 ["viz", small_build, "-f", "cytoscape", "-o", moved]):
        one_line_error(kg_cli(*args), args[-1].name, "never writes over its inputs")
    assert papers.read_text() == moved.read_text() == "".join(json.dumps(p) + "\n" for p in PAPERS)
    assert kg_cli("export", small_build, "-f", "jsonld", "-o", tmp_path / "graph.json").returncode == 0


def test_a_file_of_the_users_is_not_taken_for_an_earlier_output(kg_cli, small_build, tmp_path):
    # the extension rule let any .jsonl / .json file go: `kg extract new.jsonl -o batch2.jsonl` replaced
    # the next batch of papers with extractions, `export -f jsonld` or `viz -f cytoscape -o works.json`
    # an OpenAlex download, unless the file was an input of that very command or graph; `export -o
    # ontology.ttl` the user's ontology, `viz -o index.html` the user's page
    new = write_papers(tmp_path / "new.jsonl", PAPERS[:1])
    batch = write_papers(tmp_path / "batch2.jsonl", PAPERS[1:])
    works = tmp_path / "works.json"
    works.write_text(json.dumps([{"title": p["title"], "abstract": p["abstract"]} for p in PAPERS]))
    settings = tmp_path / "settings.json"
    settings.write_text('{"theme": "dark"}\n')
    ontology = tmp_path / "ontology.ttl"  # the user's own, using kg's IRIs even
    ontology.write_text("@prefix kgo: <https://w3id.org/kg-lit/ontology#> .\nkgo:Mine a kgo:Class .\n")
    triples = tmp_path / "mine.nt"
    triples.write_text("<urn:my:a> <urn:my:p> <urn:my:b> .\n")
    trig = tmp_path / "mine.trig"
    trig.write_text("<urn:my:g> { <urn:my:a> <urn:my:p> <urn:my:b> . }\n")
    page = tmp_path / "index.html"
    page.write_text("<!DOCTYPE html>\n<html><body>my project</body></html>\n")
    before = {p: p.read_bytes() for p in (new, batch, works, settings, ontology, triples, trig, page)}
    for args in (["export", small_build, "-o", ontology], ["export", small_build, "-f", "ntriples", "-o", triples],
                 ["export", small_build, "-f", "trig", "-o", trig], ["viz", small_build, "-o", page],
                 ["extract", new, "-o", batch], ["extract", new, "-o", works],
                 ["export", small_build, "-f", "jsonld", "-o", works], ["export", small_build, "-f", "jsonld", "-o", settings],
                 ["viz", small_build, "-f", "cytoscape", "-o", works], ["viz", small_build, "-f", "cytoscape", "-o", settings]):
        one_line_error(kg_cli(*args), args[-1].name, "not", "kg wrote")
    assert {p: p.read_bytes() for p in before} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in before)  # no temporary file left
    for args in (["extract", new, "-o", tmp_path / "extractions.jsonl"],  # kg's own output, and an empty file
                 ["export", small_build, "-f", "jsonld", "-o", tmp_path / "graph.json"],
                 ["viz", small_build, "-f", "cytoscape", "-o", tmp_path / "view.json"]):
        args[-1].write_text("")
        for _ in range(2):
            done = kg_cli(*args)
            assert done.returncode == 0, done.stderr
        assert args[-1].stat().st_size > 0


def test_a_figure_or_network_file_of_the_users_is_not_taken_for_an_earlier_view(kg_cli, small_build, tmp_path):
    # GraphML, GEXF, PNG and SVG went by the extension alone: `kg viz -f svg -o figure.svg` replaced the
    # user's figure, `-f graphml -o network.graphml` a network the user had drawn or exported from Gephi;
    # the user's files here are made by the very libraries kg writes with, so only kg's mark tells them apart
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    mine = {"png": tmp_path / "figure.png", "svg": tmp_path / "figure.svg",
            "graphml": tmp_path / "network.graphml", "gexf": tmp_path / "network.gexf"}
    fig.savefig(mine["png"])
    fig.savefig(mine["svg"])
    plt.close(fig)
    nx.write_graphml(nx.path_graph(3), mine["graphml"])
    nx.write_gexf(nx.path_graph(3), mine["gexf"])
    before = {p: p.read_bytes() for p in mine.values()}
    for fmt, path in mine.items():
        one_line_error(kg_cli("viz", small_build, "-f", fmt, "-o", path), path.name, "not", "kg wrote")
    assert {p: p.read_bytes() for p in before} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in before)  # no temporary file left
    for fmt in mine:  # kg's own view of each format, and an empty file, are replaced
        view = tmp_path / f"view.{fmt}"
        view.write_text("")
        for _ in range(2):
            done = kg_cli("viz", small_build, "-f", fmt, "-o", view)
            assert done.returncode == 0, done.stderr
        assert view.stat().st_size > 0
    G = nx.read_graphml(tmp_path / "view.graphml")  # the mark leaves the files readable as they were
    assert G.number_of_nodes() == nx.read_gexf(tmp_path / "view.gexf").number_of_nodes() > 0


def test_an_output_that_is_a_link_to_itself_is_one_line(kg_cli, small_build, tmp_path):
    # before: a RuntimeError traceback "Symlink loop from ..." (Path.resolve() before Python 3.13)
    papers = write_papers(tmp_path / "papers.jsonl")
    for name, command in (("v.html", ["viz", small_build]), ("x.jsonl", ["extract", papers]),
                          ("g.ttl", ["export", small_build]), ("rep", ["analyze", small_build])):
        loop = tmp_path / name
        loop.symlink_to(loop)
        one_line_error(kg_cli(*command, "-o", loop), f"{loop}: a symbolic link that points at itself (or loops)")
        assert loop.is_symlink() and os.readlink(loop) == str(loop)


def test_outputs_inside_a_build_are_refused(kg_cli, small_build):
    # `export -f jsonld -o DIR/manifest.json` replaced the manifest (a .json file), and the next
    # append ended in a traceback; only kg build writes a build
    before = snapshot(small_build)
    for args in (["export", small_build, "-f", "jsonld", "-o", small_build / "manifest.json"],
                 ["viz", small_build, "-f", "cytoscape", "-o", small_build / "manifest.json"],
                 ["extract", small_build.parent / "papers.jsonl", "-o", small_build / "store" / "x.jsonl"],
                 ["analyze", small_build, "-o", small_build / "report"],
                 ["train", ROOT / "examples" / "gold" / "synthetic.jsonl", "--out", small_build / "model"]):
        one_line_error(kg_cli(*args), args[-1].name, "inside the kg build")
    assert snapshot(small_build) == before


def test_outputs_into_a_read_only_folder_are_one_line(kg_cli, small_build, read_only_folder):
    # analyze and viz ended in a traceback (and atomic_file's clean-up raised over the first error)
    for args in (["analyze", small_build, "-o", read_only_folder / "report"],
                 ["viz", small_build, "-o", read_only_folder / "view.html"],
                 ["export", small_build, "-o", read_only_folder / "graph.ttl"]):
        one_line_error(kg_cli(*args), str(read_only_folder))
    assert list(read_only_folder.iterdir()) == []


def test_folder_outputs_into_a_read_only_folder_are_refused_before_the_work(read_only_folder):
    """`kg analyze -o`, `kg train --out` and `--shards-dir` into a read-only folder failed only when they
    staged the output: after the analysis, or after the whole training. The checks each runs before
    any work (`check_folder_target`, `check_pipeline_target`, `check_shards_target`) now refuse, for an
    output in the folder and one in a folder still to be made there."""
    from kg.distributed import check_shards_target
    from kg.errors import KgError
    from kg.outputs import check_folder_target, check_pipeline_target

    for check, name in ((check_folder_target, "report"), (check_pipeline_target, "pipeline"),
                        (check_shards_target, "shards")):
        for out in (read_only_folder / name, read_only_folder / "new" / name):
            with pytest.raises(KgError, match=rf"^{out}: cannot write into {read_only_folder} "
                                              r"\((a read-only file system|permission denied)\)"):
                check(out)
    assert list(read_only_folder.iterdir()) == []


def test_records_repeating_a_paper_are_counted_in_the_build_summary(kg_cli, tmp_path):
    # a second record of a paper (same title) with another abstract was left out with no visible word:
    # a user merging two exports could not tell how many records the graph does not hold
    def record(title, abstract):
        return json.dumps({"title": title, "abstract": abstract}) + "\n"

    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(record("Gulls on piers", "We study gulls with a CNN on GullSet.")
                     + record("Terns at sea", "We propose TernNet for tern counting."))
    second.write_text(record("Gulls on Piers", "Another abstract of the same paper, with ResNet.")
                      + record("Terns at sea", "We propose TernNet for tern counting."))
    out = tmp_path / "g"
    done = kg_cli("build", first, second, "--out", out, "--no-extras", "--export", "none")
    assert done.returncode == 0, done.stderr
    def rows(stdout):
        return {line.split("│")[1].strip(): line.split("│")[2].strip() for line in stdout.splitlines() if line.count("│") == 3}

    assert rows(done.stdout)["papers"] == "2", done.stdout
    assert rows(done.stdout)["records repeating a paper (left out, the first kept)"] == "2", done.stdout
    assert json.loads((out / "manifest.json").read_text())["summary"]["repeats"] == 2
    # an input with no repeat shows no such row
    done = kg_cli("build", first, "--out", tmp_path / "g1", "--no-extras", "--export", "none")
    assert done.returncode == 0 and rows(done.stdout)["papers"] == "2", done.stdout
    assert not any("repeating" in row for row in rows(done.stdout)), done.stdout


def test_an_output_under_a_file_is_refused_before_the_work_naming_the_file(kg_cli, small_build, tmp_path):
    # `kg analyze -o afile/rep` ran the whole analysis, then failed with "File exists"; `kg export -o
    # afile/x.ttl` said the folder afile did not exist, while it does, as a file
    afile = tmp_path / "afile"
    afile.write_text("notes of mine\n")
    for args, out in ((["analyze", small_build], afile / "rep"),
                      (["analyze", small_build], afile / "deeper" / "rep"),
                      (["export", small_build, "-f", "turtle"], afile / "x.ttl"),
                      (["viz", small_build], afile / "view.html")):
        done = kg_cli(*args, "-o", out)
        one_line_error(done, f"{out}: cannot write: {afile} is a file, not a folder")
        assert "report:" not in done.stderr  # refused before the analysis began
    assert afile.read_text() == "notes of mine\n" and sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_outputs_onto_a_full_disk_are_one_line_naming_the_output(kg_cli, small_build, tiny_disk):
    # a full disk under kg extract / export / viz / analyze -o said only "error: [Errno 28] No space
    # left on device": the library writing the file names none, so the user was not told which write failed
    full = tiny_disk("1m")
    (full / "filler").write_bytes(bytes(1024 * 1024 - 8192))  # two pages left
    for args, out in ((["extract", EXAMPLE_CORPUS / "004_2862ceeb13da1ae7.txt", "--pipeline", RULES_PIPELINE], full / "x.jsonl"),
                      (["export", small_build, "-f", "ntriples"], full / "graph.nt"),
                      (["viz", small_build], full / "view.html"),
                      (["analyze", small_build], full / "report")):
        one_line_error(kg_cli(*args, "-o", out), f"{out}: No space left on device")
    assert [p.name for p in full.iterdir()] == ["filler"]


def test_text_and_paths_that_look_like_rich_markup_are_printed_as_they_are(kg_cli, tmp_path):
    # rich read "[/b]" in a paper's title (a table of results), or in a path (the build summary,
    # "wrote ..."), as a closing tag: the command ended in a traceback, after the work was done
    title = "Results [/b] of FooNet on [bold]ImageNet"
    papers = write_papers(tmp_path / "papers.jsonl", [{**PAPERS[0], "title": title}])
    graph = tmp_path / "[/b]graph"
    graph.parent.mkdir(exist_ok=True)
    done = kg_cli("build", papers, "--out", graph, "--no-extras", "-j", "1")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    done = kg_cli("query", graph, "contributions")
    assert done.returncode == 0 and title in done.stdout, done.stdout + done.stderr
    done = kg_cli("export", graph, "-o", tmp_path / "[/e].ttl")
    assert done.returncode == 0 and f"wrote {tmp_path / '[/e].ttl'}" in done.stderr, done.stderr
    one_line_error(kg_cli("stats", tmp_path / "[/x]"), f"{tmp_path / '[/x]'}: no built graph here")


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


# --------------------------------------------------------------------------- 2. options checked first


def test_build_refuses_an_unknown_export_before_reading_anything(kg_cli, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "no abstract and then garbage"}\n{not json\n')
    for value in ("rdfxml", "turtle,rdfxml"):
        line = one_line_error(kg_cli("build", bad, "--out", tmp_path / "g", "--export", value), "rdfxml")
        assert "bad.jsonl" not in line  # refused before the input was read
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl"]  # no graph, no .g.builds/.lock


def test_export_names_add_to_turtle_unless_none():
    from kg.build import export_names
    from kg.errors import KgError

    assert export_names([]) == ["turtle"]
    assert export_names(["ntriples"]) == ["turtle", "ntriples"]
    assert export_names(["turtle,ntriples", "jsonld"]) == ["turtle", "ntriples", "jsonld"]
    assert export_names(["none"]) == []
    assert export_names(["none,ntriples"]) == ["ntriples"]
    with pytest.raises(KgError, match="rdfxml"):
        export_names(["ntriples,rdfxml"])


def test_serve_a_missing_folder_is_one_line(kg_cli, tmp_path):
    one_line_error(kg_cli("serve", tmp_path / "NO_SUCH_DIR", "--timeout", "0.5"), "NO_SUCH_DIR", "no built graph")


def test_misspelt_query_name_gets_a_suggestion(kg_cli, small_build):
    one_line_error(kg_cli("query", small_build, "top-entity"), "unknown query 'top-entity'", "did you mean top-entities?")


def test_malformed_sparql_says_where_and_why_in_a_few_words(kg_cli, small_build):
    line = one_line_error(kg_cli("query", small_build, "SELECT ?s WHERE { ?s foo:bar ?o }"), "line 1, column")
    assert "prefix foo: is not declared" in line and "\\u{" not in line and len(line) < 200
    line = one_line_error(kg_cli("query", small_build, "SELECT ?s WHERE {\n ?s ?p }"), "line 2, column")
    assert "\\u{" not in line and len(line) < 200


def test_invalid_view_options_are_refused(kg_cli, small_build, tmp_path):
    one_line_error(kg_cli("viz", small_build, "--type", "datasets", "-o", tmp_path / "v.html"),
                   "unknown entity type 'datasets'", "did you mean dataset?")
    for option, value in (("--hops", "-1"), ("--top", "-5")):
        done = kg_cli("viz", small_build, option, value, "-o", tmp_path / "v.html")
        assert done.returncode == 2 and option in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "v.html").exists()


def test_batch_size_zero_is_refused_before_any_work(kg_cli, tmp_path):
    papers = write_papers(tmp_path / "papers.jsonl")
    done = kg_cli("build", papers, "--out", tmp_path / "g", "--batch-size", "0")
    assert done.returncode == 2 and "--batch-size" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["papers.jsonl"]


def test_one_fold_is_refused_before_any_work(kg_cli, tmp_path):
    # before: a ValueError traceback ("cross-validation needs at least 2 folds"), after reading the gold
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"title": "Gulls", "abstract": "We train GullNet on ImageNet.", "entities": []}) + "\n")
    done = kg_cli("eval", "--gold", gold, "--folds", "1", "--pipeline", RULES_PIPELINE)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == "error: --folds 1 holds no paper out: give 2 or more folds (0: no cross-validation)"


def test_an_unknown_input_format_is_refused_before_any_work_with_a_suggestion(kg_cli, tmp_path):
    # before: found at the first file, once the build had taken its lock and begun its stages
    # ("reading and extracting in 0.0 s", "loading in 0.0 s" above the error), with no suggestion
    papers = write_papers(tmp_path / "papers.jsonl")
    for command in (["build", papers, "--out", tmp_path / "g"], ["extract", papers]):
        done = kg_cli(*command, "--input-format", "jsonlines")
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr.strip().splitlines() == ["error: jsonlines: unknown format (did you mean jsonl?); choose one of "
                                                    "arxiv-snapshot, atom, bibtex, csl-json, csv, json, jsonl, listing, "
                                                    "openalex, pubmed, ris, semantic-scholar"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["papers.jsonl"]


def test_query_formats_must_fit_the_query_form(kg_cli, small_build):
    construct = "CONSTRUCT { ?p dcterms:title ?t } WHERE { ?p dcterms:title ?t }"
    one_line_error(kg_cli("query", small_build, construct, "-f", "csv"), "-f csv", "-f turtle")
    turtle = kg_cli("query", small_build, construct, "-f", "turtle")
    assert turtle.returncode == 0 and "dcterms:title" in turtle.stdout
    one_line_error(kg_cli("query", small_build, "SELECT ?t WHERE { ?p dcterms:title ?t }", "-f", "turtle"), "-f turtle")


# --------------------------------------------------------------------------- 3. one vocabulary


def test_old_spellings_still_work_with_a_warning(kg_cli, small_build, tmp_path):
    as_csv = kg_cli("query", small_build, "SELECT ?t WHERE { ?p a kgo:Paper ; dcterms:title ?t } ORDER BY ?t",
                    "--output", "csv")
    assert as_csv.returncode == 0 and "--output is now -f/--format" in as_csv.stderr
    assert as_csv.stdout.splitlines() == ["t", *sorted(p["title"] for p in PAPERS)]
    papers = write_papers(tmp_path / "papers.txt")  # JSON Lines under another name: the format is forced
    done = kg_cli("build", papers, "--out", tmp_path / "g", "--format", "jsonl", "--export", "ntriples", "--no-extras")
    assert done.returncode == 0, done.stderr
    assert "--format is now --input-format" in done.stderr
    assert (tmp_path / "g" / "graph.ttl").is_file() and (tmp_path / "g" / "graph.nt").is_file()  # --export adds


def test_extract_takes_f_for_its_output_format(kg_cli, tmp_path):
    papers = write_papers(tmp_path / "papers.jsonl")
    done = kg_cli("extract", papers, "-f", "jsonl", "-o", tmp_path / "out.jsonl")
    assert done.returncode == 0, done.stderr
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == len(PAPERS)
    one_line_error(kg_cli("extract", papers, "-f", "csv"), "csv")


# --------------------------------------------------------------------------- 4. output for pipes


def test_piped_tables_are_not_cut(kg_cli, small_build):
    done = kg_cli("query", small_build, "SELECT ?p ?t WHERE { ?p a kgo:Paper ; dcterms:title ?t }", env={"COLUMNS": ""})
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    for paper in PAPERS:
        assert any(paper["title"] in line and "https://w3id.org/kg-lit/resource/paper/" in line for line in lines), \
            done.stdout
    assert "…" not in done.stdout


def test_stats_and_doctor_speak_json_and_kg_has_a_version(kg_cli, small_build):
    from kg import __version__

    stats = json.loads(kg_cli("stats", small_build, "--json").stdout)
    assert stats["papers"] == len(PAPERS) and stats["triples"] > 1000
    doctor = kg_cli("doctor", small_build, "--json")
    report = json.loads(doctor.stdout)
    assert {c["name"] for c in report["checks"]} >= {"python", "store opens", "paper count matches the manifest"}
    assert report["ok"] == all(c["ok"] for c in report["checks"]) and (doctor.returncode == 0) == report["ok"]
    version = kg_cli("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"kg {__version__}"


def summary_rows(stdout: str) -> dict[str, list[str]]:
    """The rows of a build summary table: first cell -> the other cells."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) > 1 and cells[0]:
            rows[cells[0]] = cells[1:]
    return rows


def test_build_summary_gives_the_commands_wall_time_and_separates_append_counts(kg_cli, tmp_path):
    import time

    first = write_papers(tmp_path / "first.jsonl", PAPERS[:1])
    both = write_papers(tmp_path / "both.jsonl", PAPERS)
    started = time.monotonic()
    done = kg_cli("build", first, "--out", tmp_path / "g")  # with the report and view: time the summary must count
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    seconds = float(summary_rows(done.stdout)["seconds (wall time of the command)"][0])
    # (read from psutil's create_time, whose boot time Linux gives in whole seconds, it was up to a
    # second long: 5.6 s for a command that took 5.1)
    assert 0.8 * took <= seconds <= took + 0.1
    again = kg_cli("build", both, "--out", tmp_path / "g", "--append", "--no-extras")
    assert again.returncode == 0, again.stderr
    rows = summary_rows(again.stdout)
    stats = json.loads(kg_cli("stats", tmp_path / "g", "--json").stdout)
    assert rows["papers"] == [str(len(PAPERS) - 1), str(len(PAPERS))]  # added, whole graph
    assert rows["papers already present (skipped)"][0] == "1"
    for key, total in stats.items():  # the whole-graph column counts what kg stats counts
        assert rows[key][1] == str(total), key
    new_links = sum(int(rows[f"{t} links"][0]) for t in ("method", "dataset", "modality", "metric", "task"))
    all_links = sum(v for k, v in stats.items() if k.endswith(" links"))
    assert 0 < new_links < all_links


# --------------------------------------------------------------------------- 5. workflows


def test_push_into_a_served_build_then_append_keeps_doctor_and_stats_in_agreement(kg_cli, tmp_path):
    from kg.build import build
    from kg.serve import Server, free_port, push

    build([write_papers(tmp_path / "one.jsonl", PAPERS[:1])], tmp_path / "target", extras=False, jobs=1)
    build([write_papers(tmp_path / "two.jsonl", PAPERS[1:2])], tmp_path / "other", extras=False, jobs=1)
    with Server(tmp_path / "target", port=free_port(), writable=True, timeout=20) as server:
        push(tmp_path / "other", f"{server.url}/store")
    before = kg_cli("doctor", tmp_path / "target")
    assert before.returncode != 0 and "store 2, manifest 1" in before.stderr and "--append" in before.stderr
    three = write_papers(tmp_path / "three.jsonl", PAPERS[2:])
    done = kg_cli("build", three, "--out", tmp_path / "target", "--append", "--no-extras")
    assert done.returncode == 0, done.stderr
    doctor = kg_cli("doctor", tmp_path / "target", "--json")
    assert doctor.returncode == 0, [c for c in json.loads(doctor.stdout)["checks"] if not c["ok"]]
    stats = json.loads(kg_cli("stats", tmp_path / "target", "--json").stdout)
    rows = summary_rows(done.stdout)
    assert stats["papers"] == 3 and rows["papers"] == ["1", "3"]
    assert rows["triples"][1] == str(stats["triples"])


def test_doctor_flags_triples_in_named_graphs(kg_cli, tmp_path):
    from kg.build import build
    from kg.serve import Server, free_port, push

    build([write_papers(tmp_path / "one.jsonl", PAPERS[:1])], tmp_path / "target", extras=False, jobs=1)
    build([write_papers(tmp_path / "two.jsonl", PAPERS[1:2])], tmp_path / "other", extras=False, jobs=1)
    with Server(tmp_path / "target", port=free_port(), writable=True, timeout=20) as server:
        push(tmp_path / "other", f"{server.url}/store", graph_iri="http://example.org/g")
    report = json.loads(kg_cli("doctor", tmp_path / "target", "--json").stdout)
    named = next(c for c in report["checks"] if c["name"] == "every triple in the default graph")
    assert not named["ok"] and "named graphs" in named["detail"]


def test_the_endpoint_knows_kgs_prefixes(small_build, tmp_path):
    import shutil
    import urllib.error
    import urllib.parse
    import urllib.request

    from kg.serve import Server, free_port

    copy = tmp_path / "copy"
    shutil.copytree(small_build.resolve(), copy)
    papers = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper ; dcterms:title ?t }"
    accept = {"Accept": "application/sparql-results+json"}

    def answer(request) -> int:
        with urllib.request.urlopen(request, timeout=30) as r:
            return int(json.load(r)["results"]["bindings"][0]["n"]["value"])

    with Server(copy, port=free_port(), timeout=20) as server:
        get = urllib.request.Request(f"{server.url}/query?" + urllib.parse.urlencode({"query": papers}), headers=accept)
        form = urllib.request.Request(f"{server.url}/query", data=urllib.parse.urlencode({"query": papers}).encode(),
                                      headers={**accept, "Content-Type": "application/x-www-form-urlencoded"})
        raw = urllib.request.Request(f"{server.url}/query", data=papers.encode(),
                                     headers={**accept, "Content-Type": "application/sparql-query"})
        own = urllib.request.Request(f"{server.url}/query?" + urllib.parse.urlencode(
            {"query": "PREFIX kgo: <https://w3id.org/kg-lit/ontology#>\n" + papers}), headers=accept)
        assert [answer(r) for r in (get, form, raw, own)] == [len(PAPERS)] * 4
        bad = urllib.request.Request(f"{server.url}/query?" + urllib.parse.urlencode(
            {"query": "SELECT ?p WHERE {\n ?p a kgo:Paper . ?p }"}), headers=accept)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bad, timeout=30)
        assert refused.value.code == 400 and "2:" in refused.value.read().decode()  # the line as the user wrote it


# --------------------------------------------------------------------------- 6. name, install hints, ignore rules


def test_the_distribution_has_its_own_name_and_every_install_hint_uses_it():
    import re
    from importlib import metadata

    dist = metadata.distribution("kg-lit")
    assert any(e.name == "kg" and e.value == "kg.cli:app" for e in dist.entry_points)
    hints = []
    for path in [*(ROOT / "kg").rglob("*.py"), ROOT / "README.md", *(ROOT / "notebooks").glob("*.ipynb")]:
        hints += [(path.name, m) for m in re.findall(r"pip install [^\n`]*", path.read_text(encoding="utf-8"))]
    assert hints
    wrong = [(name, h) for name, h in hints if re.search(r"(?<![\w.-])kg\[", h)]
    assert not wrong, wrong


def test_doctor_finds_the_installed_distribution(kg_cli):
    report = json.loads(kg_cli("doctor", "--json").stdout)
    assert not [c for c in report["checks"] if c["name"] == "kg package"]  # the check that fails when it is missing
    assert any(c["name"] == "spacy" and c["ok"] for c in report["checks"])  # requirements read from kg-lit's metadata


def test_git_ignores_the_build_link_and_its_builds(tmp_path):
    import shutil
    import subprocess

    if shutil.which("git") is None:  # pragma: no cover
        pytest.skip("git is not installed")
    shutil.copy(ROOT / ".gitignore", tmp_path / ".gitignore")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    versions = tmp_path / ".kg-out.builds" / "20260101T000000-abcdef12"
    (versions / "store").mkdir(parents=True)
    (versions / "graph.ttl").write_text("x")
    (tmp_path / ".kg-out.builds" / ".lock").write_text("")
    (tmp_path / "kg-out").symlink_to(versions.relative_to(tmp_path))
    (tmp_path / "kg-report").mkdir()
    (tmp_path / "kg-report" / "report.md").write_text("x")
    (tmp_path / "kg-view.html").write_text("x")
    (tmp_path / "mine.txt").write_text("x")
    status = subprocess.run(["git", "-C", str(tmp_path), "status", "--porcelain", "--untracked-files=all"],
                            capture_output=True, text=True, check=True).stdout
    assert sorted(line[3:] for line in status.splitlines()) == [".gitignore", "mine.txt"]


@pytest.mark.browser
def test_the_query_ui_shows_kgs_prefixes_and_runs_a_query_without_them(small_build, tmp_path):
    import os
    import shutil

    from kg.serve import Server, free_port

    chromium = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
    if not chromium:  # pragma: no cover
        pytest.skip("no Chromium (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    copy = tmp_path / "copy"
    shutil.copytree(small_build.resolve(), copy)
    with Server(copy, port=free_port(), timeout=20) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto(server.url + "/")
            page.wait_for_selector(".CodeMirror", timeout=20000)
            shown = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
            assert "PREFIX kgo: <https://w3id.org/kg-lit/ontology#>" in shown and "PREFIX skos:" in shown
            page.evaluate("document.querySelector('.CodeMirror').CodeMirror.setValue("
                          "'SELECT ?t WHERE { ?p a kgo:Paper ; dcterms:title ?t }')")
            page.click(".yasqe_queryButton")
            page.wait_for_selector(f"text={PAPERS[0]['title']}", timeout=20000)
        finally:
            browser.close()


def test_a_damaged_store_is_one_line_for_every_command_that_reads_it(kg_cli, small_build, tmp_path):
    # a store copied half-way or hit by a disk error: before, RocksDB's "Corruption: Sst file size
    # mismatch ..." was a RuntimeError traceback from kg stats, query, export, analyze, viz and open_graph
    from kg.api import open_graph
    from kg.errors import KgError

    damaged = tmp_path / "damaged"
    shutil.copytree(small_build, damaged, symlinks=False)
    tables = sorted((damaged / "store").glob("*.sst"))
    assert tables
    for table in tables:
        table.write_bytes(table.read_bytes()[:100])
    for command in (["stats"], ["query", "papers-using", "-p", "entity=ImageNet"], ["export", "-o", tmp_path / "g.ttl"],
                    ["analyze", "-o", tmp_path / "rep"], ["viz", "-o", tmp_path / "v.html"]):
        one_line_error(kg_cli(command[0], damaged, *command[1:]), "store: the store is damaged (Corruption:",
                       "rebuild the graph from its inputs")
    with pytest.raises(KgError, match="the store is damaged"):
        open_graph(damaged)
    assert not [p for p in tmp_path.iterdir() if p.name != "damaged"]


def test_an_append_to_a_graph_that_is_not_there_says_so(kg_cli, tmp_path):
    # a mistyped --out: before, a second graph of the new papers alone, "Graph extended in ...", no word
    papers = write_papers(tmp_path / "papers.jsonl")
    done = kg_cli("build", papers, "--out", tmp_path / "grpah", "--append", "--no-extras")
    assert done.returncode == 0, done.stderr
    assert f"warning: {tmp_path / 'grpah'}: no graph there yet; --append builds it from these inputs alone" in done.stderr
    again = kg_cli("build", papers, "--out", tmp_path / "grpah", "--append", "--no-extras")
    assert again.returncode == 0 and "no graph there" not in again.stderr


def test_an_append_to_a_build_with_a_broken_manifest_is_one_line(kg_cli, tmp_path):
    from kg.build import build

    graph = tmp_path / "g"
    build([write_papers(tmp_path / "papers.jsonl", PAPERS[:1])], graph, extras=False, jobs=1)
    more = write_papers(tmp_path / "more.jsonl", PAPERS[1:2])
    for broken in ("{broken", "[]"):  # a traceback each (JSONDecodeError, AttributeError)
        (graph / "manifest.json").write_text(broken)
        before = snapshot(graph)
        one_line_error(kg_cli("build", more, "--out", graph, "--append", "--no-extras"), "unreadable manifest.json")
        assert snapshot(graph) == before


def test_a_shards_folder_that_is_the_graph_or_inside_it_is_refused_before_any_work(kg_cli, tmp_path):
    # `--shards-dir g --out g` ran the whole build on Dask, then failed "g: cannot write the graph: Is a
    # directory", a finished build left in .g.builds; shards inside the build went with its sweep
    from kg.build import build

    papers = write_papers(tmp_path / "papers.jsonl", PAPERS[:1])
    build([papers], tmp_path / "g", extras=False, jobs=1)
    before = snapshot(tmp_path / "g")
    for out, shards in (("new", "new"), ("new", "new/shards"), ("g", "g/shards"), ("g", ".g.builds/shards"),
                        ("g", "."), ("sub/new", "sub")):
        done = kg_cli("build", papers, "--out", out, "--scheduler", "local", "--shards-dir", shards, cwd=tmp_path)
        one_line_error(done, f"--shards-dir {shards}: the folder of the graph --out {out}, inside it or holding it")
        assert not (tmp_path / "new").exists() and not (tmp_path / ".new.builds").exists()
        assert not (tmp_path / "sub").exists() and not (tmp_path / "g" / "shards").exists()
        assert snapshot(tmp_path / "g") == before


def test_a_graph_moved_without_its_builds_folder_is_named_so_and_never_appended_to_as_new(kg_cli, tmp_path):
    # `cp -a g backup/` (or `mv g backup/`) takes the link alone: `kg build --append --out backup/g` built
    # a graph of the new papers alone over it and said "Graph extended"; `kg stats` said "no built graph here"
    import os

    from kg.api import open_graph
    from kg.build import build
    from kg.errors import KgError

    build([write_papers(tmp_path / "papers.jsonl", PAPERS[:2])], tmp_path / "g", extras=False, jobs=1)
    (tmp_path / "backup").mkdir()
    moved = tmp_path / "backup" / "g"
    moved.symlink_to(os.readlink(tmp_path / "g"))  # as cp -a copies it
    more = write_papers(tmp_path / "more.jsonl", PAPERS[2:3])
    said = "a link to the build .g.builds/"
    for command in (("build", more, "--out", moved, "--append", "--no-extras"), ("stats", moved), ("query", moved, "ASK {}")):
        one_line_error(kg_cli(*command), said, "without the folder .g.builds that held it")
    assert os.readlink(moved) == os.readlink(tmp_path / "g") and sorted(os.listdir(tmp_path / "backup")) == ["g"]
    with pytest.raises(KgError, match=said):
        open_graph(moved)
    assert "store opens" in kg_cli("doctor", moved).stderr


def test_a_manifest_whose_fields_were_edited_to_another_type_is_one_line_for_append_and_doctor(kg_cli, tmp_path):
    # a hand edit ("papers": "6", "inputs": null) ended an append in a TypeError traceback after
    # its extraction, and `kg doctor` said "store 6, manifest 6" was a mismatch
    import json

    from kg.build import build

    graph = tmp_path / "g"
    build([write_papers(tmp_path / "papers.jsonl", PAPERS[:1])], graph, extras=False, jobs=1)
    more = write_papers(tmp_path / "more.jsonl", PAPERS[1:2])
    manifest = graph / "manifest.json"
    original = json.loads(manifest.read_text())
    for key, value, said in (("papers", "1", "'papers' is \"1\", not a whole number"),
                             ("triples", "x", "'triples' is \"x\", not a whole number"),
                             ("inputs", None, "'inputs' is null, not a list")):
        manifest.write_text(json.dumps({**original, key: value}))
        before = snapshot(graph)
        one_line_error(kg_cli("build", more, "--out", graph, "--append", "--no-extras"), said)
        assert snapshot(graph) == before
        doctor = kg_cli("doctor", graph)
        assert doctor.returncode == 1 and said in doctor.stderr and "Traceback" not in doctor.stdout + doctor.stderr

# --------------------------------------------------------------------- Ctrl-C: 130 and one line

CTRL_C_WHILE_WORKERS_START = '''
import os, sys, time
from pathlib import Path

def started(folder):
    Path(folder, str(os.getpid())).write_text("")
    time.sleep(1.5)  # still starting when Ctrl-C comes

def double(batch):
    return [2 * x for x in batch]

if __name__ == "__main__":
    from kg.pool import ordered_map
    try:
        print(list(ordered_map(double, [[1], [2], [3], [4]], 2, started, (sys.argv[1],))))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
'''


def test_ctrl_c_while_workers_start_reaches_only_the_parent(tmp_path):
    # Ctrl-C goes to the whole process group: each starting worker took it and printed its own
    # traceback after "error: interrupted", and its queues' semaphores were reported leaked
    import os
    import signal
    import subprocess
    import sys
    import time

    script, started = tmp_path / "pool_run.py", tmp_path / "started"
    script.write_text(CTRL_C_WHILE_WORKERS_START)
    started.mkdir()
    proc = subprocess.Popen([sys.executable, str(script), str(started)], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as a terminal has it
    deadline = time.monotonic() + 60
    while len(list(started.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = [int(p.name) for p in started.iterdir()]
    assert len(workers) == 2
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, err) == (130, "interrupted\n")
    for pid in workers:  # the parent stopped its workers before it exited
        assert not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read().lower()


def test_ctrl_c_outside_the_package_calls_is_the_same_one_line(monkeypatch):
    # a Ctrl-C while kg printed (outside `_run`) ended with exit 130 and no word
    from typer.testing import CliRunner

    import kg.cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(kg.cli, "Table", interrupted)
    result = CliRunner().invoke(kg.cli.app, ["query", "--list"])
    assert result.exit_code == 130
    assert result.stderr.strip() == "error: interrupted"


def test_after_a_command_python_s_shutdown_ignores_ctrl_c():
    # in the last instant of the shutdown Python has dropped its own handler: a Ctrl-C there killed
    # kg by the signal (exit -2, no word) after it had published its output
    import subprocess
    import sys

    probe = ("import atexit, signal, sys; from kg.cli import app\n"
             "atexit.register(lambda: print(signal.getsignal(signal.SIGINT) == signal.SIG_IGN))\n"
             "app(['query', '--list'])\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "True"


# --------------------------------------------------------------------- pipelines and gold that cannot be used

def test_a_pipeline_that_is_not_kg_s_or_cannot_be_built_is_one_line(tmp_path):
    # before: a config naming an unknown component or language ended in a traceback, spaCy's
    # config errors took seven lines, and a spaCy pipeline of someone else's ran and found nothing
    import spacy
    from typer.testing import CliRunner

    import kg.cli

    paper = tmp_path / "papers.jsonl"
    paper.write_text(json.dumps({"title": "Gulls", "abstract": "We train GullNet on ImageNet."}) + "\n")
    unknown = tmp_path / "unknown.cfg"
    unknown.write_text('[nlp]\nlang = "en"\npipeline = ["nope"]\n\n[components]\n\n[components.nope]\nfactory = "nope"\n')
    garbled = tmp_path / "garbled.cfg"
    garbled.write_text("garbage [[\n")
    foreign = tmp_path / "foreign"
    blank = spacy.blank("en")
    blank.add_pipe("sentencizer")
    blank.to_disk(foreign)
    for pipeline, says in [(unknown, "cannot build the pipeline of this config"), (garbled, "cannot read the pipeline config"),
                           (foreign, "not a kg pipeline")]:
        result = CliRunner().invoke(kg.cli.app, ["extract", str(paper), "--pipeline", str(pipeline)])
        assert result.exit_code == 1, result.output
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {pipeline}: {says}"), result.stderr


def test_eval_with_no_gold_paper_in_the_input_is_an_error_not_a_score_of_zero(tmp_path):
    # before: exit 0 and a table of 0.000, as if the pipeline had found nothing
    from typer.testing import CliRunner

    import kg.cli

    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"title": "A paper no input holds", "entities": []}) + "\n")
    papers = tmp_path / "papers.jsonl"
    papers.write_text(json.dumps({"title": "Gulls", "abstract": "We train GullNet on ImageNet."}) + "\n")
    result = CliRunner().invoke(kg.cli.app, ["eval", "--gold", str(gold), str(papers)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: {gold}: no gold paper to score (1 gold records, none of them in the input): "
                                     "give each record its abstract, or the INPUT files that hold the papers")


def test_a_worker_that_cannot_set_up_hands_its_error_to_the_caller(tmp_path):
    # `kg build --pipeline X --jobs 2` loads the pipeline in the workers only: one that could not
    # (X missing, not kg's) broke the pool, and the build ended in BrokenProcessPool and a traceback
    # per worker instead of the one line "X: not a kg pipeline". Here the set-up is a chdir that fails.
    from kg.pool import ordered_map

    missing = tmp_path / "missing"
    with pytest.raises(FileNotFoundError, match="missing"):
        list(ordered_map(len, [[1], [2]], 1, os.chdir, (str(missing),)))


def test_a_warning_is_one_line_naming_the_whole_path_when_stderr_is_a_file(tmp_path):
    # warnings went through rich's log handler, which hard-wraps at 80 columns when stderr is not a
    # terminal: a script or a log file got the skipped record's path cut over two lines
    import subprocess

    from conftest import KG

    folder = tmp_path / ("a-folder-with-a-long-name-" * 4)
    folder.mkdir()
    papers = folder / "papers.csv"
    papers.write_text('title,abstract\n"Vision transformers","We train a vision transformer on ImageNet."\n"No abstract",""\n')
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = subprocess.run([KG, "extract", str(papers)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"warning: {papers}:3: skipped, no abstract"]


def test_an_argument_that_is_not_utf8_is_one_line_naming_its_byte(small_build, kg_cli, tmp_path):
    # bytes that are not UTF-8 (a Latin-1 name pasted, or read from a file: $(cat names.txt)) reach
    # Python as lone surrogates: `-p entity=`, a query's text and `--focus` ended in a
    # UnicodeEncodeError traceback
    latin1 = os.fsdecode(b"Sch\xf6lkopf")
    for args in (["query", small_build, "papers-using", "-p", f"entity={latin1}"],
                 ["query", small_build, f'SELECT * WHERE {{ ?s ?p "{latin1}" }}'],
                 ["viz", small_build, "--focus", latin1, "-o", tmp_path / "v.html"]):
        done = kg_cli(*args)
        assert one_line_error(done, "Sch\\xf6lkopf", "not UTF-8 text (the byte 0xf6)") and done.returncode == 1
    assert not (tmp_path / "v.html").exists()
    done = kg_cli("query", small_build, "papers-using", "-p", "entity=ImageNet", "-f", "csv")
    assert done.returncode == 0 and "Vision transformers for chest X-ray classification" in done.stdout


def test_output_the_terminal_s_encoding_cannot_write_is_one_line(tmp_path, kg_cli):
    # under a locale of another encoding than UTF-8 (PYTHONIOENCODING=latin-1 here), a title in Chinese
    # ended `kg query` (table or CSV) and `kg extract` in a UnicodeEncodeError traceback
    from kg.build import build

    papers = write_papers(tmp_path / "p.jsonl", [{**PAPERS[0], "title": "图像分类的视觉变换器"}, PAPERS[1]])
    build([papers], tmp_path / "g", extras=False, jobs=1)
    latin1 = {"PYTHONIOENCODING": "latin-1"}
    query = "SELECT ?t WHERE { ?p dcterms:title ?t }"
    for args in (["query", tmp_path / "g", query], ["query", tmp_path / "g", query, "-f", "csv"],
                 ["extract", papers, "--pipeline", RULES_PIPELINE]):
        done = kg_cli(*args, env=latin1)
        assert done.returncode == 1
        one_line_error(done, "the output's encoding (latin-1) cannot write", "PYTHONIOENCODING=utf-8")
    done = kg_cli("query", tmp_path / "g", query, "-f", "csv")  # in UTF-8, the same query answers
    assert done.returncode == 0 and "图像分类的视觉变换器" in done.stdout


def test_a_new_single_file_output_named_with_another_extension_is_refused_before_any_work(small_build, kg_cli, tmp_path):
    # `kg viz -f png -o view.html` wrote a PNG named view.html, and the same command refused it the
    # next time ("not a .png file"): kg could never replace its own output
    for args, name, says in [(["viz", small_build, "-f", "png"], "view.html", "name it view.png"),
                             (["viz", small_build], "view", "name it view.html"),
                             (["export", small_build, "-f", "ntriples"], "graph.ttl", "name it graph.nt"),
                             (["extract", tmp_path / "p.jsonl", "--pipeline", RULES_PIPELINE], "x.csv", "name it x.jsonl")]:
        write_papers(tmp_path / "p.jsonl")
        one_line_error(kg_cli(*args, "-o", tmp_path / name), name, "kg would not replace the file the next time", says)
        assert not (tmp_path / name).exists()
    for _ in range(2):  # named as the format is, written and then replaced
        assert kg_cli("viz", small_build, "-f", "png", "-o", tmp_path / "view.png").returncode == 0


def test_output_piped_into_a_reader_that_stops_ends_quietly():
    """`kg extract ... | head`: the reader exits, the next write fails. Before, kg printed
    "error: [Errno 32] Broken pipe"; now it ends as Unix tools do, with nothing on stderr."""
    import subprocess

    from conftest import KG

    kg = subprocess.Popen([KG, "extract", str(EXAMPLE_CORPUS), "--pipeline", str(RULES_PIPELINE)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    first = kg.stdout.readline()
    kg.stdout.close()  # the reader stops after one record
    stderr = kg.stderr.read().decode()
    assert kg.wait(timeout=300) == 1
    assert json.loads(first)["title"] and stderr == ""
