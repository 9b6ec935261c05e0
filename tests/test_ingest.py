"""Readers of every input format, format detection, de-duplication, stable ids and bad input."""
from __future__ import annotations

import json
import logging

import pytest

from kg.errors import InputError
from kg.ingest import Deduplicator, detect_format, expand, read_papers

from conftest import EXAMPLE_CORPUS, one_line_error

ABSTRACT = ("We study how gulls share food along busy harbours, using photographs and sound recordings "
            "of three colonies to model who eats first.")

ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title>arXiv Query</title>
  <entry>
    <id>http://arxiv.org/abs/2401.01234v2</id>
    <published>2024-01-03T10:00:00Z</published>
    <title>Harbour Gulls and   Their Lunch</title>
    <summary>{abstract}</summary>
    <author><name>Ada Lark</name></author><author><name>Ben Tern</name></author>
    <arxiv:doi>10.1234/gull.5</arxiv:doi>
    <link href="http://arxiv.org/abs/2401.01234v2" rel="alternate" type="text/html"/>
    <category term="cs.CV"/>
  </entry>
  <entry>
    <id>http://arxiv.org/abs/2401.05678v1</id>
    <published>2023-12-30T10:00:00Z</published>
    <title>Pigeons in Parks</title>
    <summary>Pigeons choose benches near bakeries; we count them with video and a small detector network.</summary>
    <author><name>Cy Dove</name></author>
  </entry>
</feed>
""".format(abstract=ABSTRACT)

SNAPSHOT = [
    {"id": "2401.01234", "title": "Harbour gulls and their lunch", "abstract": ABSTRACT,
     "authors": "Ada Lark, Ben Tern and Cy Dove", "categories": "cs.CV cs.LG", "update_date": "2024-01-05", "doi": None},
    {"id": "2402.00001", "title": "Owls at Night", "abstract": "Owls hunt by sound; we record them with microphones and infrared cameras.",
     "authors": "Dee Owl", "categories": "q-bio.PE", "update_date": "2024-02-01"},
]

BIBTEX = r"""
@article{lark2024gulls,
  title = {Harbour {G}ulls and Their Lunch},
  author = {Lark, Ada and Tern, Ben},
  year = {2024},
  journal = {Journal of Seabirds},
  doi = {10.1234/gull.5},
  abstract = {We study how gulls share food along busy harbours, using \emph{photographs} and sound recordings of three colonies.}
}
@inproceedings{noabs,
  title = {A Paper Without Abstract},
  author = {Nobody},
  year = {2020}
}
@misc{crane2023,
  title = {Cranes Dancing on Ice},
  author = {Crane, Erin},
  year = {2023},
  eprint = {2305.11111},
  abstract = {Cranes dance; we film the dances and align them with calls.}
}
"""

OPENALEX = {"results": [
    {"id": "https://openalex.org/W1", "display_name": "Storks and Chimneys", "publication_year": 2022,
     "doi": "https://doi.org/10.5555/stork.1",
     "authorships": [{"author": {"display_name": "Fay Stork"}}],
     "abstract_inverted_index": {"Storks": [0], "nest": [1], "on": [2], "chimneys": [3], "in": [4], "spring.": [5]}},
    {"id": "https://openalex.org/W2", "display_name": "No abstract here", "publication_year": 2021,
     "abstract_inverted_index": None},
]}


def write(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_example_corpus_gives_136_distinct_papers_from_147_entries():
    assert len(list(read_papers([EXAMPLE_CORPUS]))) == 136
    assert len(list(read_papers([EXAMPLE_CORPUS], dedupe=False))) == 147


def test_listing_page_skips_chrome_and_pairs_titles_with_abstracts(tmp_path):
    page = f"new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\nMar 12\n\nHarbour Gulls\n\n{ABSTRACT}\n\nJan 3\n\nPigeons\n\n{ABSTRACT} Pigeons too.\n"
    papers = list(read_papers([write(tmp_path, "page.txt", page)]))
    assert [p.title for p in papers] == ["Harbour Gulls", "Pigeons"]
    assert papers[0].abstract == ABSTRACT and papers[0].source.line == 11


def test_jsonl_json_and_csv(tmp_path):
    rows = [{"title": "Harbour gulls", "abstract": ABSTRACT, "year": "2021-05-01", "authors": ["Ada Lark", "Ben Tern"],
             "url": "https://example.org/gulls"}]
    jl = list(read_papers([write(tmp_path, "a.jsonl", json.dumps(rows[0]) + "\n")]))
    js = list(read_papers([write(tmp_path, "b.json", json.dumps({"papers": rows}))]))
    csv_text = "Title,Summary,Authors,Year\n\"Harbour gulls\",\"" + ABSTRACT + "\",Ada Lark; Ben Tern,2021\n"
    cs = list(read_papers([write(tmp_path, "c.csv", csv_text)]))
    for papers in (jl, js, cs):
        assert len(papers) == 1
        p = papers[0]
        assert (p.title, p.abstract, p.year, p.authors) == ("Harbour gulls", ABSTRACT, 2021, ["Ada Lark", "Ben Tern"])
    assert jl[0].id == js[0].id == cs[0].id  # same title -> same id whatever the format


def test_arxiv_atom_feed(tmp_path):
    papers = list(read_papers([write(tmp_path, "feed.atom", ATOM)]))
    assert [p.title for p in papers] == ["Harbour Gulls and Their Lunch", "Pigeons in Parks"]
    gulls = papers[0]
    assert gulls.id == "arxiv-2401.01234" and gulls.year == 2024 and gulls.authors == ["Ada Lark", "Ben Tern"]
    assert gulls.doi == "10.1234/gull.5" and gulls.categories == ["cs.CV"]


def test_arxiv_snapshot(tmp_path):
    path = write(tmp_path, "arxiv-metadata.json", "".join(json.dumps(r) + "\n" for r in SNAPSHOT))
    assert detect_format(path) == "arxiv-snapshot"
    papers = list(read_papers([path]))
    assert [p.id for p in papers] == ["arxiv-2401.01234", "arxiv-2402.00001"]
    assert papers[0].authors == ["Ada Lark", "Ben Tern", "Cy Dove"] and papers[0].categories == ["cs.CV", "cs.LG"]
    assert papers[0].year == 2024


def test_bibtex_with_abstracts(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        papers = list(read_papers([write(tmp_path, "refs.bib", BIBTEX)]))
    assert [p.title for p in papers] == ["Harbour Gulls and Their Lunch", "Cranes Dancing on Ice"]
    assert "photographs" in papers[0].abstract and "\\emph" not in papers[0].abstract
    assert papers[0].authors == ["Lark, Ada", "Tern, Ben"] and papers[1].id == "arxiv-2305.11111"
    assert "noabs" in caplog.text


def test_openalex_rebuilds_the_inverted_abstract(tmp_path, caplog):
    path = write(tmp_path, "works.json", json.dumps(OPENALEX))
    assert detect_format(path) == "openalex"
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        papers = list(read_papers([path]))
    assert len(papers) == 1
    assert papers[0].abstract == "Storks nest on chimneys in spring." and papers[0].year == 2022
    assert papers[0].authors == ["Fay Stork"] and papers[0].doi == "https://doi.org/10.5555/stork.1"
    assert "no abstract" in caplog.text


def test_detection_by_content_and_override(tmp_path):
    jsonl_as_txt = write(tmp_path, "papers.txt", json.dumps({"title": "T", "abstract": ABSTRACT}) + "\n")
    assert detect_format(jsonl_as_txt) == "jsonl"
    atom_no_ext = write(tmp_path, "feed", ATOM)
    assert detect_format(atom_no_ext) == "atom"
    assert len(list(read_papers([atom_no_ext]))) == 2
    with pytest.raises(InputError, match="not valid|no title"):
        list(read_papers([atom_no_ext], fmt="csv"))


def test_dedupe_across_files_and_formats(tmp_path):
    atom = write(tmp_path, "feed.atom", ATOM)
    snap = write(tmp_path, "snap.jsonl", "".join(json.dumps(r) + "\n" for r in SNAPSHOT))
    listing = write(tmp_path, "page.txt", f"Owls at night\n\n{ABSTRACT}\n")
    titles = [p.title for p in read_papers([atom, snap, listing])]
    assert titles == ["Harbour Gulls and Their Lunch", "Pigeons in Parks", "Owls at Night"]


def test_dedupe_memory_stays_compact_over_many_papers(monkeypatch):
    """The keys of papers read long ago leave the set for sorted arrays of 16 bytes a key, and a
    repeat of such a paper is still found: the same papers come out as with every key in the set."""
    papers = list(read_papers([EXAMPLE_CORPUS], dedupe=False))
    kept = [p.id for p in read_papers([EXAMPLE_CORPUS])]
    assert len(kept) < len(papers)  # the corpus repeats some papers
    seen = Deduplicator(recent=8)
    again = [p.id for p in papers if seen.is_new(p)]
    assert again == kept
    assert len(seen._recent) < 8
    older = len(seen) - len(seen._recent)
    assert older > 100 and seen._high.nbytes + seen._low.nbytes == 16 * older
    assert not any(seen.is_new(p) for p in papers)  # every paper, read again, is a repeat
    # the reader itself moves its keys out the same way
    monkeypatch.setattr(Deduplicator, "RECENT", 8)
    assert [p.id for p in read_papers([EXAMPLE_CORPUS])] == kept


def test_ids_are_stable_and_independent_of_file_order(tmp_path):
    atom = write(tmp_path, "feed.atom", ATOM)
    snap = write(tmp_path, "snap.jsonl", "".join(json.dumps(r) + "\n" for r in SNAPSHOT))
    one = {p.title.lower(): p.id for p in read_papers([atom, snap])}
    two = {p.title.lower(): p.id for p in read_papers([snap, atom])}
    assert one["pigeons in parks"] == two["pigeons in parks"]
    assert one["harbour gulls and their lunch"] == two["harbour gulls and their lunch"] == "arxiv-2401.01234"


# ------------------------------------------------------------------------- bad input


def test_missing_file_empty_input_and_empty_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(read_papers([tmp_path / "nope.txt"]))
    with pytest.raises(InputError, match="no input files"):
        list(read_papers([tmp_path]))
    hidden = tmp_path / "only-hidden"
    hidden.mkdir()
    (hidden / ".papers.jsonl").write_text("{}\n")
    # before: "(input): no input files", naming nothing
    with pytest.raises(InputError, match=r"^\S+/only-hidden: no input files \(a folder's hidden files"):
        list(read_papers([hidden]))
    with pytest.raises(InputError, match="empty"):
        list(read_papers([write(tmp_path, "empty.txt", "")]))


def test_a_pipe_or_a_fifo_given_as_input_is_one_line_not_a_loss_or_a_hang(tmp_path, kg_cli):
    """`kg build <(zcat papers.jsonl.gz)` gives kg a pipe, which it cannot read twice."""
    import os
    import threading

    lines = "".join(json.dumps({"title": f"Gull study number {i}", "abstract": ABSTRACT}) + "\n" for i in range(400))
    assert len(lines.encode()) > 65536  # more than the format sniffing reads
    read_end, write_end = os.pipe()

    def feed():
        with os.fdopen(write_end, "w") as fh:
            try:
                fh.write(lines)
            except BrokenPipeError:  # refused without reading: nothing to feed
                pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        # before: the sniffing took the first 64 KB, and 27 of the 400 papers came back without an error
        with pytest.raises(InputError, match=r"^/dev/fd/\d+: not a regular file \(a pipe or a device\).*save it to a file first"):
            list(read_papers([f"/dev/fd/{read_end}"]))
    finally:
        os.close(read_end)
        feeder.join(10)
    fifo = tmp_path / "papers.jsonl"
    os.mkfifo(fifo)
    # before: kg waited for ever for someone to write into the FIFO
    one_line_error(kg_cli("build", fifo, "--out", tmp_path / "g", "--no-extras", timeout=60), "papers.jsonl", "not a regular file")
    assert not (tmp_path / "g").exists()
    loop = tmp_path / "loop.jsonl"
    loop.symlink_to(loop)
    with pytest.raises(InputError, match="loop.jsonl: a symbolic link to nothing"):
        list(read_papers([loop]))


def test_one_path_given_alone_from_python_is_one_path(tmp_path, nlp):
    # from a notebook, read_papers("papers.jsonl") read the letters of the name ("p: no such file or
    # folder"), read_papers(Path(...)) raised "'PosixPath' object is not iterable", and build() too
    from pathlib import Path

    from kg.build import build
    from kg.training.data import read_annotations

    path = write(tmp_path, "papers.jsonl", TWO_PAPERS)
    assert len(list(read_papers(str(path)))) == len(list(read_papers(Path(path)))) == len(list(read_papers([path]))) == 2
    assert expand(str(path)) == [path]
    assert build(str(path), tmp_path / "g", extras=False, jobs=1).papers == 2
    # and read_annotations (kg train's reader): "/: cannot read gold file: Is a directory"
    gold = write(tmp_path, "gold.jsonl", json.dumps({"title": "FooNet for image classification", "entities": []}) + "\n")
    assert [it.paper.title for it in read_annotations(str(gold), corpus=str(path))] == ["FooNet for image classification"]
    # and extract(path), where extract(read_papers(...)) was meant: "'str' object has no attribute 'text'"
    from kg.extract import extract

    assert [e.paper.title for e in extract(str(path), nlp=nlp)] == [p.title for p in read_papers(path)]


def test_a_folder_given_as_file_and_unknown_format(tmp_path):
    with pytest.raises(InputError, match="unknown format"):
        list(read_papers([EXAMPLE_CORPUS], fmt="docx"))


def test_broken_encoding_names_the_line(tmp_path):
    path = write(tmp_path, "latin.txt", f"Title one\n\n{ABSTRACT}\n\nCaf\xe9 title\n\n{ABSTRACT}\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin.txt:5.*UTF-8"):
        list(read_papers([path]))


def test_fields_of_the_wrong_json_type_never_reach_the_graph_as_python_reprs(tmp_path, caplog):
    records = [
        {"title": {"en": "A nested title"}, "abstract": ABSTRACT},
        {"title": ["A", "list"], "abstract": ABSTRACT},
        {"title": "Abstract as an object", "abstract": {"text": ABSTRACT}},
        {"title": "Year true", "abstract": ABSTRACT, "year": True, "doi": {"value": "10.1/x"}, "authors": {"name": "Ada Gull"}},
        {"title": "Year negative", "abstract": ABSTRACT, "year": -5, "url": ["http://a", "http://b"]},
        {"title": "Year of eleven digits", "abstract": ABSTRACT, "year": 99999999999, "authors": [{"x": 1}, ["nested"], "Bo Tern"]},
        {"title": 1984, "abstract": ABSTRACT, "year": 2021},
    ]
    path = write(tmp_path, "typed.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        papers = list(read_papers([path]))
    # before: titles "{'en': 'A nested title'}" and "['A', 'list']", an abstract "{'text': ...}", a year
    # written as "True"^^xsd:gYear (and "-5", and 9999 in the report's trends), a DOI and an author as reprs
    assert [p.title for p in papers] == ["Year true", "Year negative", "Year of eleven digits", "1984"]
    assert [p.year for p in papers] == [None, None, None, 2021]
    assert [p.authors for p in papers] == [["Ada Gull"], [], ["Bo Tern"], []]
    assert all(p.doi is None and p.url is None for p in papers)
    assert "typed.jsonl:1: skipped, its title is an object, not text" in caplog.text
    assert "typed.jsonl:2: skipped, its title is an array, not text" in caplog.text
    assert "typed.jsonl:3: skipped, its abstract is an object, not text" in caplog.text


def test_utf16_with_bom_is_read(tmp_path):
    path = write(tmp_path, "u16.txt", f"Gulls\n\n{ABSTRACT}\n".encode("utf-16"))
    assert [p.title for p in read_papers([path])] == ["Gulls"]


def test_records_without_title_or_abstract_are_skipped_with_a_warning(tmp_path, caplog):
    lines = [json.dumps({"title": "Good", "abstract": ABSTRACT}), json.dumps({"title": "No abstract"}),
             "{broken json", json.dumps({"abstract": ABSTRACT})]
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        papers = list(read_papers([write(tmp_path, "mixed.jsonl", "\n".join(lines) + "\n")]))
    assert [p.title for p in papers] == ["Good"]
    assert "mixed.jsonl:2" in caplog.text and "no abstract" in caplog.text
    assert "mixed.jsonl:3" in caplog.text and "mixed.jsonl:4" in caplog.text


@pytest.mark.parametrize("name, text", [
    ("array.json", json.dumps([{"title": "Good", "abstract": ABSTRACT}, {"title": "No abstract"}], indent=1)),
    ("page.json", json.dumps({"results": [{"title": "Good", "abstract": ABSTRACT}, {"title": "No abstract"}]})),
    ("feed.atom", ATOM.replace("<summary>Pigeons", "<summary_>Pigeons").replace("network.</summary>", "network.</summary_>")),
])
def test_records_of_arrays_and_feeds_are_counted_from_1_as_lines_are(tmp_path, caplog, name, text):
    # the second record lacks its abstract: the warning says "record 2", as JSON Lines says line 2
    # (the first record was called "record 0" while JSON Lines counted from 1)
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        papers = list(read_papers([write(tmp_path, name, text)]))
    assert len(papers) == 1
    assert [r.getMessage().split(": ")[0] for r in caplog.records] == [f"{tmp_path / name}[record 2]"]


def test_a_file_with_no_valid_json_line_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no line is valid JSON"):
        list(read_papers([write(tmp_path, "junk.jsonl", "{a\n{b\n")]))


def test_malformed_json_names_line_and_column(tmp_path):
    with pytest.raises(InputError, match=r"bad.json:2.*column"):
        list(read_papers([write(tmp_path, "bad.json", '[{"title": "x",\n "abstract": }]')]))


def test_deeply_nested_json_is_an_error_not_a_crash(tmp_path):
    with pytest.raises(InputError, match="nested|valid JSON"):
        list(read_papers([write(tmp_path, "deep.json", "[" * 100000 + "]" * 100000)]))


def test_xml_entity_bombs_and_external_entities_are_refused(tmp_path):
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&lol2;</title></entry></feed>')
    with pytest.raises(InputError, match="refused"):
        list(read_papers([write(tmp_path, "bomb.atom", bomb)]))
    external = ('<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&xxe;</title></entry></feed>')
    with pytest.raises(InputError, match="refused"):
        list(read_papers([write(tmp_path, "xxe.atom", external)]))


def test_malformed_xml_names_line_and_column(tmp_path):
    with pytest.raises(InputError, match=r"broken.atom:3.*column"):
        list(read_papers([write(tmp_path, "broken.atom", '<feed xmlns="http://www.w3.org/2005/Atom">\n<entry>\n</feed>')]))


def test_csv_without_the_needed_columns(tmp_path):
    with pytest.raises(InputError, match="no title and abstract columns"):
        list(read_papers([write(tmp_path, "x.csv", "name,text\na,b\n")]))


def test_column_names_with_spaces_around_them_are_read(tmp_path):
    # a spreadsheet's "Title ;Abstract " header; before: "no title and abstract columns (found: abstract , title )"
    csv_file = write(tmp_path, "sheet.csv", f"Title ;Abstract ; Year\nGulls at sea;{ABSTRACT}; 2021\n")
    jsonl = write(tmp_path, "keys.jsonl", json.dumps({" Title ": "Terns at sea", "Abstract ": ABSTRACT}) + "\n")
    assert [(p.title, p.year) for p in read_papers([csv_file, jsonl])] == [("Gulls at sea", 2021), ("Terns at sea", None)]


def test_an_error_quoting_input_with_line_breaks_stays_one_line(tmp_path):
    # a stray quote makes the whole file one header cell, line breaks and all
    path = write(tmp_path, "x.csv", '"title,abstract\nA title,An abstract.\x07\n')
    with pytest.raises(InputError) as caught:
        list(read_papers([path]))
    message = str(caught.value)
    assert message.startswith(f"{path}:1: no title and abstract columns")
    assert "\n" not in message and "\x07" not in message
    assert "abstract\\na title" in message  # the break is shown, escaped


TWO_PAPERS = (
    '{"title": "FooNet for image classification", "abstract": "We propose FooNet, a convolutional network '
    'for image classification, and evaluate it on ImageNet, where it reaches 81.2% top-1 accuracy."}\n'
    '{"title": "Speech recognition with BarFormer", "abstract": "We introduce BarFormer, a transformer for '
    'speech recognition trained on LibriSpeech, reaching a word error rate of 2.1% on test-clean."}\n'
)


def test_a_graph_built_inside_its_corpus_folder_is_not_read_back_as_input(tmp_path):
    # `kg build corpus --out corpus/kg` keeps its builds in corpus/.kg.builds/; before, the next build
    # of corpus/ read the graph's own graph.ttl (sniffed as BibTeX) and failed, or read its report
    from kg.build import build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus, "papers.jsonl", TWO_PAPERS)
    build([corpus], corpus / "kg", extras=False)  # corpus/kg, corpus/.kg.builds/<id>/graph.ttl, store/...
    (corpus / ".git").mkdir()
    write(corpus / ".git", "HEAD", "ref: refs/heads/main\n")
    report = corpus / "report"
    report.mkdir()
    write(report, ".kg-report", "written by kg\n")
    write(report, "report.json", '{"papers": 2}')
    assert expand([corpus]) == [corpus / "papers.jsonl"]
    assert len(list(read_papers([corpus]))) == 2


def test_a_folder_kg_wrote_given_as_input_is_one_line_and_a_users_store_folder_is_read(tmp_path, kg_cli):
    from kg.build import build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus, "papers.jsonl", TWO_PAPERS)
    build([corpus], tmp_path / "g", extras=False)
    report = tmp_path / "report"
    report.mkdir()
    write(report, ".kg-report", "written by kg\n")
    write(report, "communities.png", b"\x89PNG\r\n")
    # before: "g/graph.ttl: no BibTeX entries found", "report/communities.png:1: not valid UTF-8"
    for folder in (tmp_path / "g", report):
        with pytest.raises(InputError, match=rf"^{folder}: a folder kg wrote \(a build, a report or a pipeline\), not papers"):
            list(read_papers([folder]))
    one_line_error(kg_cli("extract", tmp_path / "g"), "a folder kg wrote")
    # a shop's papers beside its own store/ folder (no manifest.json: not a build): before, the whole
    # folder was skipped as a build, its papers with it, without a word
    shop = tmp_path / "papers" / "shop"
    (shop / "store").mkdir(parents=True)
    write(shop, "papers.jsonl", TWO_PAPERS)
    assert len(list(read_papers([tmp_path / "papers"]))) == 2


def test_csv_records_are_named_by_their_first_line_and_an_unclosed_quote_is_an_error(tmp_path, caplog):
    # a record spanning lines was named by its last line; a quote never closed made the csv module
    # read every later line into one field, so the records after it vanished without a word
    good = write(tmp_path, "good.csv", 'title,abstract\n"T1","first line\nsecond line"\n"T2",""\n')
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        assert [p.source.line for p in read_papers([good])] == [2]
    assert any("good.csv:4: skipped, no abstract" in r.getMessage() for r in caplog.records)
    rows = "".join(f"Paper {i},An abstract about image classification number {i}.\n" for i in range(3, 9))
    bad = write(tmp_path, "bad.csv", 'title,abstract\nPaper 1,Fine.\n"Paper 2","a quote never closed\n' + rows)
    with pytest.raises(InputError, match=r"bad\.csv:3: a quoted field .* never closed"):
        list(read_papers([bad]))


def test_a_malformed_bibtex_entry_is_warned_about_with_its_line(tmp_path, caplog):
    # bibtexparser drops an entry it cannot parse without a word: a missing comma lost a paper silently
    bib = write(tmp_path, "refs.bib", "@article{good1,\n title={FooNet},\n abstract={We propose FooNet.}\n}\n"
                "@article{lost,\n title={No comma here}\n abstract={We propose BarNet.}\n}\n"
                "@article{good2,\n title={BazNet},\n abstract={We propose BazNet.}\n}\n")
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        papers = list(read_papers([bib]))
    assert [(p.title, p.source.line) for p in papers] == [("FooNet", 1), ("BazNet", 9)]
    assert [r.getMessage() for r in caplog.records if "lost" in r.getMessage()] == [
        f"{bib}:5: skipped entry lost, malformed BibTeX (an unclosed brace, a missing comma or quotes?)"]


def test_a_file_name_that_is_not_utf8_is_built_and_named_with_replacement_characters(tmp_path):
    # Python keeps the bytes of such a name as lone surrogates, and the paper's N-Triples (its
    # kgo:sourceFile) failed to encode: the build ended in a UnicodeEncodeError traceback
    import os

    import pyoxigraph as ox

    from kg.build import build
    from kg.store import open_store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    name = os.fsdecode(b"caf\xe9 papers.jsonl")  # Latin-1 bytes in a file name
    write(corpus, name, TWO_PAPERS)
    build([corpus], tmp_path / "g", extras=False, jobs=1)
    sources = {str(q.object.value) for q in open_store(tmp_path / "g").quads_for_pattern(
        None, ox.NamedNode("https://w3id.org/kg-lit/ontology#sourceFile"), None)}
    assert sources == {f"{corpus}/caf\ufffd papers.jsonl:1", f"{corpus}/caf\ufffd papers.jsonl:2"}


GOOD_GOLD = {"title": "Gulls", "abstract": ABSTRACT, "entities": [{"type": "dataset", "name": "GullSet", "aliases": []}],
             "results": [{"metric": "accuracy", "value": 91.2, "relative": False}]}


@pytest.mark.parametrize("bad, says", [
    ({**GOOD_GOLD, "title": 123}, "no title"),
    ({**GOOD_GOLD, "abstract": 7}, '"abstract" is a number'),
    ({**GOOD_GOLD, "entities": [{"type": "dataset", "name": 5}]}, "an entity without a name"),
    ({**GOOD_GOLD, "entities": [{"type": "dataset", "name": "GullSet", "aliases": "GS"}]}, "aliases of entity 'GullSet'"),
    ({**GOOD_GOLD, "entities": [{"type": "datasets", "name": "GullSet"}]}, "unknown entity type 'datasets'"),
    ({**GOOD_GOLD, "entities": "GullSet"}, '"entities" is not a list'),
    (["Gulls"], "an array, not an object"),
    ({**GOOD_GOLD, "results": [{"metric": "accuracy", "value": 91.2, "relative": "no"}]}, '"relative" is not true or false'),
    ({**GOOD_GOLD, "results": [{"metric": "accuracy", "value": "high"}]}, "value is not a number"),
    ({**GOOD_GOLD, "results": [{"metric": 3, "value": 91.2}]}, '"metric" is not text'),
])
def test_a_bad_gold_record_is_one_line_naming_its_file_and_line_for_eval_and_train(tmp_path, bad, says):
    # before: a title that is a number ended kg eval and kg train in a traceback; an abstract that
    # is a number was scored as an empty paper; aliases given as a string were matched letter by
    # letter; a result's "relative": "no" counted as true
    from kg.evaluate import load_gold
    from kg.evaluate_results import load_results_gold
    from kg.training.data import read_annotations

    path = write(tmp_path, "gold.jsonl", json.dumps(GOOD_GOLD) + "\n" + json.dumps(bad) + "\n")
    for read in (load_gold, lambda p: read_annotations([p]), load_results_gold):
        with pytest.raises(InputError) as caught:
            read(path)
        message = str(caught.value)
        assert message.startswith(f"{path}:2: not a gold record") and says in message and "\n" not in message


def test_lone_surrogates_and_noncharacters_in_paper_text_are_built_and_every_view_reads_as_xml(tmp_path):
    # a JSON "\ud83d" (an emoji cut in half by a tool that counts UTF-16 units) made the tokenizer
    # raise UnicodeEncodeError: the build ended in a traceback; U+FFFF (PDF text's unmapped glyphs)
    # went into the GraphML, GEXF and SVG views, which no XML parser then read (written with exit 0)
    import xml.dom.minidom

    import networkx as nx

    from kg.build import build
    from kg.viz.make import write_view

    records = [
        {"title": "FooNet \ud83d for image classification \uffff", "abstract":
         "We propose FooNet\uffff, a convolutional network \ud83d for image classification, and evaluate it on "
         "ImageNet\ufffe, where it reaches 81.2% top-1 accuracy.", "categories": "cs.CV"},
        json.loads(TWO_PAPERS.splitlines()[1]),
    ]
    papers = write(tmp_path, "p.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    assert [p.title for p in read_papers(papers)] == ["FooNet \ufffd for image classification \ufffd",
                                                      "Speech recognition with BarFormer"]
    build([papers], tmp_path / "g", extras=False, jobs=1)
    write_view(tmp_path / "g", tmp_path / "v.graphml", "graphml", papers=True)
    write_view(tmp_path / "g", tmp_path / "v.gexf", "gexf", papers=True)
    write_view(tmp_path / "g", tmp_path / "v.svg", "svg", papers=True)
    titles = {d.get("label") for _, d in nx.read_graphml(tmp_path / "v.graphml").nodes(data=True)}
    assert "FooNet \ufffd for image classification \ufffd" in titles
    assert nx.read_gexf(tmp_path / "v.gexf").number_of_nodes() > 2
    xml.dom.minidom.parse(str(tmp_path / "v.svg"))


def test_a_csv_row_with_more_fields_than_its_header_is_skipped_with_a_warning_not_read_shifted(tmp_path, caplog):
    # a comma inside a field not in quotes shifts the row's columns: "Deep nets, revisited,We propose..."
    # was read as the paper "Deep nets" whose abstract is "revisited", the real abstract lost, no word
    sheet = write(tmp_path, "sheet.csv", "title,abstract,year\n"
                  "Deep nets, revisited,We propose ResNet-X and evaluate it on ImageNet.,2020\n"
                  "A good paper,We propose GoodNet and evaluate it on ImageNet.,2021\n"
                  "Trailing delimiter,We propose TailNet and evaluate it on ImageNet.,2022,\n")
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        papers = list(read_papers(sheet))
    assert [(p.title, p.year) for p in papers] == [("A good paper", 2021), ("Trailing delimiter", 2022)]
    assert [r.getMessage() for r in caplog.records] == [
        f"{sheet}:2: skipped, 4 fields where the header has 3 (a ',' inside a field not in quotes?)"]


def test_a_folder_that_cannot_be_listed_is_an_error_and_links_passed_over_are_warned_about(tmp_path, monkeypatch, caplog):
    # os.walk passes over a folder it cannot list (permissions, an I/O error): `kg build corpus/` built
    # the graph without that folder's papers and said nothing; a link to a folder of papers and a link
    # to a moved file were passed over as silently
    import os

    corpus = tmp_path / "corpus"
    (corpus / "2023").mkdir(parents=True)
    (corpus / "2024").mkdir()
    first, second = TWO_PAPERS.splitlines()
    write(corpus / "2023", "a.jsonl", first + "\n")
    write(corpus / "2024", "b.jsonl", second + "\n")
    scandir = os.scandir

    def refusing(path=".", *args):
        if str(path).endswith("2024"):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path, *args)

    monkeypatch.setattr(os, "scandir", refusing)
    with pytest.raises(InputError, match=r"2024: cannot read folder: Permission denied$"):
        list(read_papers(corpus))
    monkeypatch.undo()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write(elsewhere, "c.jsonl", second.replace("BarFormer", "BazFormer") + "\n")
    (corpus / "linked").symlink_to(elsewhere)
    (corpus / "moved.jsonl").symlink_to(tmp_path / "gone.jsonl")
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        assert len(list(read_papers(corpus))) == 2
    assert sorted(r.getMessage() for r in caplog.records) == [
        f"{corpus}/linked: a link to a folder, not followed: give it as an input itself to read its papers",
        f"{corpus}/moved.jsonl: a symbolic link to nothing, not read"]
    assert len(list(read_papers([corpus, corpus / "linked"]))) == 3


def test_placeholders_in_id_columns_are_no_ids_and_leave_no_paper_out(tmp_path):
    # a spreadsheet's "N/A", "-" or "none" in its doi or arxiv_id column was taken for an id: every
    # paper of such a column got the one id ("arxiv--"), and all but the first were left out as its repeats
    rows = [("First paper on FooNet", "N/A", "-"), ("Second paper on BarNet", "N/A", "-"),
            ("Third paper on BazNet", "n/a", "none"), ("Fourth paper on QuxNet", "10.1234/qux.4", "arXiv:2401.01234v2")]
    sheet = write(tmp_path, "sheet.csv", "title,abstract,doi,arxiv_id\n" + "".join(
        f"{title},We propose a network and evaluate it on ImageNet.,{doi},{arxiv}\n" for title, doi, arxiv in rows))
    repeats = []
    papers = list(read_papers(sheet, on_repeat=repeats.append))
    assert [(p.title, p.doi, p.arxiv_id) for p in papers] == [
        ("First paper on FooNet", None, None), ("Second paper on BarNet", None, None),
        ("Third paper on BazNet", None, None), ("Fourth paper on QuxNet", "10.1234/qux.4", "arXiv:2401.01234v2")]
    assert repeats == [] and papers[3].id == "arxiv-2401.01234"
    assert len({p.id for p in papers}) == 4


def test_papers_titled_in_other_scripts_are_each_a_paper(tmp_path):
    # the title key kept a-z and 0-9 only: the Russian and Chinese titles all had the key "", the two
    # Chinese titles about BERT the key "bert", and every paper but the first was left out as a repeat
    import hashlib

    from kg.ids import paper_id

    titles = ["Нейронные сети для классификации изображений", "Глубокое обучение для распознавания речи",
              "Νευρωνικά δίκτυα", "基于BERT的文本分类", "基于BERT的情感分析", "画像分類のためのニューラルネットワーク"]
    papers = write(tmp_path, "p.jsonl", "".join(
        json.dumps({"title": t, "abstract": f"An abstract about model number {i}."}, ensure_ascii=False) + "\n"
        for i, t in enumerate(titles)))
    repeats = []
    read = list(read_papers(papers, on_repeat=repeats.append))
    assert [p.title for p in read] == titles and repeats == []
    assert len({p.id for p in read}) == len(titles)
    # the same title again is still a repeat; a title in Latin letters keeps the id it had
    again = write(tmp_path, "again.jsonl", json.dumps({"title": titles[3] + " ", "abstract": "Another abstract."},
                                                      ensure_ascii=False) + "\n")
    assert [p.title for p in read_papers([papers, again])] == titles
    assert paper_id(title="Über die Gulls: a Study") == "t-" + hashlib.sha1(b"berdiegullsastudy").hexdigest()[:16]


def test_an_arxiv_snapshot_with_lists_where_it_has_strings_never_reaches_the_graph_as_reprs(tmp_path, caplog):
    # authors and categories given as JSON arrays (a converted snapshot) went through str(): the authors
    # "['Ada Lark'" and "'Ben Tern']", the categories "['cs.CV'," and "'cs.LG']"; a line that is
    # not an object was passed over without a word
    record = {**SNAPSHOT[0], "authors": ["Ada Lark", "Ben Tern", 7], "categories": ["cs.CV", "cs.LG", None]}
    path = write(tmp_path, "arxiv-metadata.json", json.dumps(record) + "\n" + "[1, 2]\n" + json.dumps(SNAPSHOT[1]) + "\n")
    assert detect_format(path) == "arxiv-snapshot"
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        papers = list(read_papers([path]))
    assert (papers[0].authors, papers[0].categories) == (["Ada Lark", "Ben Tern"], ["cs.CV", "cs.LG"])
    assert [p.title for p in papers] == ["Harbour gulls and their lunch", "Owls at Night"]
    assert [r.getMessage() for r in caplog.records] == [f"{path}:2: skipped, not an object with title and abstract"]


def test_openalex_and_semantic_scholar_records_with_a_string_where_an_object_goes_are_read(tmp_path):
    # an author (or the ids) given as a string where OpenAlex has an object: AttributeError traceback
    # ("'str' object has no attribute 'get'"); a Semantic Scholar author name that is an object went
    # into the graph as its repr
    works = [{**OPENALEX["results"][0], "authorships": ["Fay Stork", {"author": "Gil Stork"}, {"author": {"display_name": {"x": 1}}}],
              "ids": "W1", "locations": "somewhere"},
             {**OPENALEX["results"][0], "id": "https://openalex.org/W3", "display_name": "Storks and Roofs", "doi": None,
              "authorships": [{"author": {"display_name": "Hal Stork"}}], "ids": ["W3"]}]
    path = write(tmp_path, "works.jsonl", "".join(json.dumps(w) + "\n" for w in works))
    assert [(p.title, p.authors) for p in read_papers(path, "openalex")] == [
        ("Storks and Chimneys", []), ("Storks and Roofs", ["Hal Stork"])]
    s2 = write(tmp_path, "s2.jsonl", json.dumps({"paperId": "a1", "title": "Owls", "abstract": "Owls hunt by sound.",
                                                  "authors": [{"name": {"first": "Dee"}}, {"name": "Eve Owl"}]}) + "\n")
    assert [p.authors for p in read_papers(s2, "semantic-scholar")] == [["Eve Owl"]]


README = ("# My corpus\n\nThis folder holds the papers I downloaded from arXiv in 2024 for my thesis on vision "
          "transformers, and a few notes about them.\n\n## Notes\n\nRemember to rerun the build after adding the "
          "December papers; the old graph is in ~/graphs/old and should be kept.\n")


def test_files_of_no_format_kg_reads_in_an_input_folder_are_left_out_and_named(tmp_path, caplog, kg_cli):
    # a corpus's README.md and LICENSE were read as listings: "# My corpus", "## Notes" and
    # "Copyright 2024 Me" went into the graph as papers, without a word
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus, "papers.jsonl", TWO_PAPERS)
    write(corpus, "README.md", README)
    write(corpus, "LICENSE", "Copyright 2024 Me\n\nPermission is hereby granted, free of charge, to any person "
                             "obtaining a copy of this software and associated documentation files.\n")
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        papers = list(read_papers(corpus))
    assert [p.title for p in papers] == ["FooNet for image classification", "Speech recognition with BarFormer"]
    assert [r.getMessage() for r in caplog.records] == [
        f"{corpus}: 2 files of no format kg reads left out (LICENSE, README.md): give one as an input itself, "
        "or --input-format, to read it"]
    # given itself, or with --input-format, a file is read as before
    assert [p.title for p in read_papers(corpus / "README.md")] == ["# My corpus", "## Notes"]
    only = tmp_path / "only"
    only.mkdir()
    write(only, "README.md", README)
    assert [p.title for p in read_papers(only, "listing")] == ["# My corpus", "## Notes"]
    # a folder holding only such files: one line naming it, before the build begins
    done = kg_cli("build", only, "--out", tmp_path / "g")
    one_line_error(done, f"{only}: no input files")
    assert "reading and extracting" not in done.stderr and not (tmp_path / "g").exists()


def test_a_compressed_file_an_archive_or_a_pdf_is_named_as_such(tmp_path):
    # each was "FILE:1: not valid UTF-8 (byte 0x8b); re-save the file as UTF-8": no advice for a
    # papers.jsonl.gz, a zip or a PDF (which no re-saving makes text)
    import gzip
    import io
    import zipfile

    gz = write(tmp_path, "papers.jsonl.gz", gzip.compress(TWO_PAPERS.encode()))
    named_jsonl = write(tmp_path, "papers.jsonl", gzip.compress(TWO_PAPERS.encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("papers.jsonl", TWO_PAPERS)
    zipped = write(tmp_path, "papers.zip", buffer.getvalue())
    pdf = write(tmp_path, "paper.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    for path, fmt, says in [(gz, None, "compressed with gzip: decompress it first (gunzip)"),
                            (named_jsonl, None, "compressed with gzip"), (named_jsonl, "csv", "compressed with gzip"),
                            (zipped, None, "a zip archive: unpack it first"),
                            (pdf, None, "a PDF: kg reads abstracts as text")]:
        with pytest.raises(InputError) as caught:
            list(read_papers(path, fmt))
        assert str(caught.value).startswith(f"{path}: {says}"), (path, fmt, str(caught.value))
    # a file that is text, though not UTF-8, keeps its advice
    with pytest.raises(InputError, match=r"latin\.jsonl:1: not valid UTF-8; re-save the file as UTF-8"):
        list(read_papers(write(tmp_path, "latin.jsonl", '{"title": "Caf\xe9"}\n'.encode("latin-1"))))


def test_a_quote_opening_a_field_not_in_quotes_never_swallows_the_records_after_it(tmp_path):
    # `Paper B<TAB>"Quoted start ...` (a TSV written without quoting): the field ran on to the next `"`,
    # inside paper C's line, and paper C went into B's abstract, without a word
    sheet = write(tmp_path, "sheet.tsv", "title\tabstract\n"
                  'Paper A\tWe study "attention" in models.\n'
                  'Paper B\t"Quoted start and more text without a closing quote about BERT\n'
                  'Paper C\tThird abstract about ImageNet models with "quotes" inside.\n'
                  "Paper D\tFourth abstract about ResNet.\n")
    with pytest.raises(InputError, match=r"sheet\.tsv:3: a quoted field that starts in this record ends inside line 4, "
                                         r'with text after its closing "'):
        list(read_papers(sheet))
    # quotes doubled inside a quoted field spanning lines, as spreadsheets write them: the sniffed dialect
    # said quotes were not doubled, the field ended at its second quote, and "second line" became a
    # record of its own (skipped, no abstract): the rest of paper A's abstract lost
    fine = write(tmp_path, "fine.csv", 'title,abstract\n"Paper A","First line, with ""quotes""\nsecond line"\n'
                 'Paper B,"One line, quoted"\n')
    assert [(p.title, p.abstract) for p in read_papers(fine)] == [
        ("Paper A", 'First line, with "quotes" second line'), ("Paper B", "One line, quoted")]
