"""The named query library on the example corpus, safe parameters, output formats, errors, the Python API."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from kg.errors import KgError
from kg.query import named_queries, run, run_named
from kg.rdf.counts import TOP_METHODS

from conftest import EXAMPLE_CORPUS, KG, one_line_error


def corpus():
    from kg.ingest import read_papers

    return {p.title: p.text for p in read_papers([EXAMPLE_CORPUS])}


def mentioning(pattern: str) -> set[str]:
    return {t for t, text in corpus().items() if re.search(pattern, text)}


def test_every_named_query_runs_and_is_documented(example_store):
    library = named_queries()
    assert len(library) >= 9
    # the dataset with the most results the build found, so that the leaderboard has rows to show
    scored = run(example_store, "SELECT ?label (COUNT(*) AS ?n) WHERE { ?p kgo:reportsResult ?r . ?r kgo:dataset ?d . "
                                "?d skos:prefLabel ?label } GROUP BY ?label ORDER BY DESC(?n) ?label LIMIT 1").rows
    defaults = {"type": "dataset", "entity": "CLIP", "dataset": str(scored[0][0])}
    for name, q in library.items():
        assert q.description, name
        rows = run_named(example_store, name, {p.name: defaults[p.name] for p in q.params if p.default is None})
        assert rows.rows, f"{name} found nothing on the example graph"


def test_papers_using_imagenet_are_the_papers_whose_text_names_it(example_store):
    found = {r["title"] for r in run_named(example_store, "papers-using", {"entity": "imagenet"}).as_dicts()}
    expected = mentioning(r"\bImageNet\b")
    assert expected and expected <= found
    assert found <= mentioning(r"ImageNet|IN-?1[Kk]|ILSVRC")


def test_papers_using_a_method_and_a_modality(example_store):
    clip = {r["title"] for r in run_named(example_store, "papers-using", {"entity": "CLIP"}).as_dicts()}
    assert mentioning(r"(?<![-\w])CLIP(?![-\w]| [Ss]core)") <= clip  # "UniMed-CLIP" is another model, "CLIP score" a metric
    audio = {r["title"] for r in run_named(example_store, "papers-using", {"entity": "audio"}).as_dicts()}
    expected = mentioning(r"(?i)\baudio\b")
    assert len(audio & expected) >= 0.8 * len(expected)


def test_top_datasets_counts_agree_with_papers_using(example_store):
    top = run_named(example_store, "top-entities", {"type": "dataset"}).as_dicts()
    best = top[0]
    assert best["label"] == "ImageNet"
    using = run_named(example_store, "papers-using", {"entity": best["label"]}).as_dicts()
    assert best["papers"] == len({r["paper"] for r in using})


def test_modality_pairs_and_methods_per_modality(example_store):
    pairs = run_named(example_store, "modality-pairs").as_dicts()
    assert (pairs[0]["a"], pairs[0]["b"]) == ("image", "text")
    both = {t for t, text in corpus().items()
            if re.search(r"(?i)\b(image|images|visual)\b", text) and re.search(r"(?i)\b(text|textual)\b", text)}
    assert pairs[0]["papers"] >= 0.8 * len(both)
    methods = run_named(example_store, "methods-per-modality").as_dicts()
    assert any(r["modality"] == "image" and r["method"] == "CLIP" for r in methods)


def test_evidence_sentences_come_from_the_abstracts(example_store):
    rows = run_named(example_store, "evidence", {"entity": "CLIP"}).as_dicts()
    texts = corpus()
    assert rows
    for r in rows:
        assert r["sentence"] in texts[r["title"]] and r["form"] in r["sentence"]
        assert 0 < r["confidence"] <= 1


def test_related_entities_and_contributions(example_store):
    related = run_named(example_store, "related-entities", {"entity": "CLIP"}).as_dicts()
    assert related[0]["other"] in ("image", "text") and related[0]["shared"] >= 5
    every = run_named(example_store, "contributions", {"limit": "0"}).as_dicts()
    contributions = {r["title"]: r for r in every}
    m3el = next(t for t in contributions if t.startswith("Multi-level Matching Network"))
    assert [r["title"] for r in run_named(example_store, "contributions", {"paper": "multi-level matching"}).as_dicts()] == [m3el]
    first = run_named(example_store, "contributions", {"limit": "10"}).as_dicts()
    titles = [r["title"] for r in first]  # a page of ten papers, sorted within the page
    assert len(titles) == 10 and titles == sorted(titles) and all(first_row == contributions[first_row["title"]] for first_row in first)
    assert "M3EL" in contributions[m3el]["proposes"]
    assert {"WikiMEL", "RichpediaMEL", "WikiDiverse"} <= set(contributions[m3el]["evaluated_on"].split(", "))


def test_parameters_are_bound_not_pasted(example_store):
    # pasted into the text of a filter like the evidence query's, this value would match every title
    evil = 'x")) || true || (CONTAINS("x", "'
    pasted = 'SELECT ?title WHERE { ?p a kgo:Paper ; dcterms:title ?title . FILTER(CONTAINS(LCASE(?title), LCASE("%s"))) }' % evil
    assert len(run(example_store, pasted).rows) == 136, "pasted, the payload should match every paper"
    assert run_named(example_store, "evidence", {"entity": "CLIP", "paper": evil}).rows == []
    assert run_named(example_store, "evidence", {"entity": "CLIP", "paper": "clip"}).rows  # a real value matches
    assert run_named(example_store, "papers-using", {"entity": 'x" } ; DROP ALL ; #'}).rows == []
    with pytest.raises(KgError, match="must be one of"):
        run_named(example_store, "top-entities", {"type": "dataset> } #"})


def test_malformed_query_names_line_and_column(example_store, kg_cli, example_graph):
    with pytest.raises(KgError, match=r"line 2, column \d+"):
        run(example_store, "SELECT ?x WHERE {\n  ?x ?p . }")
    done = kg_cli("query", example_graph, "SELECT ?x WHERE {\n  ?x ?p . }")
    assert done.returncode == 1 and re.search(r"line 2, column \d+", done.stderr)


def test_a_query_file_that_is_not_utf8_is_one_line_naming_it(kg_cli, example_graph, tmp_path):
    # `kg query DIR q.rq` on a file saved in Latin-1 (or not text at all) ended in a UnicodeDecodeError
    # traceback; `Graph.query` raised it too
    from kg.api import open_graph

    rq = tmp_path / "titles.rq"
    rq.write_bytes("SELECT ?t WHERE { ?p dcterms:title ?t } # café\n".encode("latin-1"))
    done = kg_cli("query", example_graph, rq)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines() == [f"error: {rq}: cannot read query: not UTF-8 text (byte 45)"]
    with open_graph(example_graph) as g, pytest.raises(KgError, match="not UTF-8 text"):
        g.query(str(rq))


def test_a_query_file_saved_with_a_bom_and_crlf_runs(kg_cli, example_graph, tmp_path):
    # Notepad's UTF-8 starts with a BOM; before: "malformed SPARQL at line 1, column 10 ... expected CONSTRUCT"
    from kg.api import open_graph

    rq = tmp_path / "count.rq"
    rq.write_bytes("\ufeffSELECT (COUNT(?p) AS ?n)\r\nWHERE { ?p a kgo:Paper }\r\n".encode("utf-8"))
    done = kg_cli("query", example_graph, rq, "-f", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["n", "136"]
    with open_graph(example_graph) as g:
        assert g.query(str(rq)) == [{"n": 136}]


def test_a_query_from_a_pipe_runs_and_a_mistyped_file_name_is_named(kg_cli, example_graph, tmp_path):
    import os
    import subprocess

    read_end, write_end = os.pipe()
    os.write(write_end, b"SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Paper }\n")
    os.close(write_end)
    # `kg query DIR <(...)`; before: "malformed SPARQL at line 1, column 1 (near '/dev/fd/N')"
    done = subprocess.run([KG, "query", str(example_graph), f"/dev/fd/{read_end}", "-f", "csv"], pass_fds=[read_end],
                          capture_output=True, text=True, timeout=120)
    os.close(read_end)
    assert done.returncode == 0 and done.stdout.splitlines() == ["n", "136"], done.stderr
    # before: "malformed SPARQL at line 1, column 10 (near 'mine'): a query starts with SELECT, ..."
    missing = tmp_path / "mine.sparql"
    assert kg_cli("query", example_graph, missing).stderr.strip() == f"error: {missing}: cannot read query: No such file or directory"
    assert kg_cli("query", example_graph, "ASK{}").stdout.strip() == "true"  # one word, but a query


def test_missing_and_unknown_parameters(example_store):
    with pytest.raises(KgError, match="needs --param entity"):
        run_named(example_store, "papers-using", {})
    with pytest.raises(KgError, match="no parameter"):
        run_named(example_store, "papers-using", {"entity": "CLIP", "colour": "red"})


def test_cli_output_formats(kg_cli, example_graph, tmp_path):
    as_csv = kg_cli("query", example_graph, "papers-using", "--param", "entity=ImageNet", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert as_csv.returncode == 0 and rows and set(rows[0]) == {"paper", "title", "relation"}
    as_tsv = kg_cli("query", example_graph, "modality-pairs", "-f", "tsv")
    assert as_tsv.stdout.splitlines()[0].split("\t") == ["a", "b", "papers"]
    as_json = json.loads(kg_cli("query", example_graph, "top-entities", "-p", "type=modality", "-f", "json").stdout)
    first = as_json["results"]["bindings"][0]
    assert as_json["head"]["vars"] == ["entity", "label", "papers"]
    assert first["entity"]["type"] == "uri" and first["papers"]["datatype"].endswith("#integer")
    rq = tmp_path / "construct.rq"
    rq.write_text("CONSTRUCT { ?p dcterms:title ?t } WHERE { ?p a kgo:Paper ; dcterms:title ?t } LIMIT 3")
    turtle = kg_cli("query", example_graph, rq)
    assert turtle.returncode == 0 and turtle.stdout.count("dcterms:title") == 3
    listing = kg_cli("query", "--list")
    assert listing.returncode == 0 and "leaderboard" in listing.stdout


def test_cli_timeout(kg_cli, example_graph):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    done = kg_cli("query", example_graph, slow, "--timeout", "1", timeout=60)
    assert done.returncode == 1 and "timed out after 1 s" in done.stderr


@pytest.mark.parametrize("value, shown", [("inf", "not inf"), ("1e300", "not 1e+300")])
def test_a_timeout_no_clock_can_wait_is_one_line(kg_cli, example_graph, value, shown):
    # before: an OverflowError traceback (kg query), or kg serve's traceback / "the oxigraph server stopped"
    for command in (["query", example_graph, "ASK { ?s ?p ?o }"], ["serve", example_graph, "--port", "0"]):
        done = kg_cli(*command, "--timeout", value, timeout=60)
        one_line_error(done, "a timeout is a number of seconds from 0 (no limit)", shown)
        assert done.returncode == 1
    from kg.api import open_graph

    with open_graph(example_graph) as g:
        for bad in (float("nan"), float("inf"), -1, 1e300):  # before: ValueError, OverflowError, and -1 taken as none
            with pytest.raises(KgError, match="a timeout is a number of seconds"):
                g.query("ASK { ?s ?p ?o }", timeout=bad)
        assert g.query("ASK { ?s ?p ?o }", timeout=9e9) is True


def test_a_limit_past_any_count_of_rows_is_no_limit(example_graph):
    from kg.api import open_graph

    with open_graph(example_graph) as g:
        every = g.query("top-entities", type="method", limit=0)
        # before: "malformed SPARQL at line 20, column 31 ...: expected The query limit should be a non negative integer"
        assert g.query("top-entities", type="method", limit=10**30) == every
        assert g.query("top-entities", type="method", limit=2**64 - 1) == every
        with pytest.raises(KgError, match="parameter limit must be a whole number"):
            g.query("top-entities", type="method", limit=-(10**30))


def test_a_misspelt_query_name_from_python_gets_the_command_line_s_suggestion(example_graph):
    # before: TypeError "parameters apply to named queries only" (with its parameter), and without one
    # "malformed SPARQL ... near 'papers'" (then "cannot read query: No such file or directory")
    from kg.api import open_graph

    with open_graph(example_graph) as g:
        for params in ({"entity": "CLIP"}, {}):
            with pytest.raises(KgError, match=r"unknown query 'papers-usin' \(did you mean papers-using\?\)"):
                g.query("papers-usin", **params)
        assert g.query("ASK{}") is True


def test_python_api(example_graph):
    pytest.importorskip("pandas")
    from kg.api import open_graph

    g = open_graph(example_graph)
    rows = g.query("papers-using", entity="ImageNet")
    assert rows and {"paper", "title", "relation"} <= set(rows[0])
    frame = g.dataframe("top-entities", type="dataset")
    assert list(frame.columns) == ["entity", "label", "papers"] and frame.iloc[0]["label"] == "ImageNet"
    assert g.query("ASK { ?p a kgo:Paper }") is True
    assert len(g.rdflib()) == g.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]


# --------------------------------------------------------------------------- more of the library


def sparql_json_errors(doc: dict) -> list[str]:
    """Where `doc` breaks the SPARQL 1.1 Query Results JSON format (an empty list when it is valid)."""
    problems = []
    if not isinstance(doc.get("head"), dict):
        return ["no head object"]
    if "boolean" in doc:
        return [] if isinstance(doc["boolean"], bool) and "results" not in doc else ["bad boolean result"]
    variables = doc["head"].get("vars")
    if not (isinstance(variables, list) and all(isinstance(v, str) for v in variables)):
        problems.append("head.vars is not a list of names")
    bindings = doc.get("results", {}).get("bindings")
    if not isinstance(bindings, list):
        return problems + ["results.bindings is not a list"]
    for row in bindings:
        if not set(row) <= set(variables or []):
            problems.append(f"row binds unknown variables {set(row) - set(variables)}")
        for term in row.values():
            kind = term.get("type")
            if kind not in ("uri", "literal", "bnode") or not isinstance(term.get("value"), str):
                problems.append(f"bad term {term}")
            if set(term) - {"type", "value", "xml:lang", "datatype"}:
                problems.append(f"unknown keys in {term}")
            if "xml:lang" in term and "datatype" in term:
                problems.append(f"both a language and a datatype in {term}")
            if kind != "literal" and set(term) != {"type", "value"}:
                problems.append(f"a {kind} with literal keys: {term}")
    return problems


def test_json_output_follows_the_sparql_results_format(kg_cli, example_graph):
    for args in (("evidence", "-p", "entity=CLIP"), ("leaderboard", "-p", "dataset=ScanObjectNN"),
                 ("ASK { ?p a kgo:Paper }",)):
        done = kg_cli("query", example_graph, *args, "-f", "json")
        assert done.returncode == 0, done.stderr
        doc = json.loads(done.stdout)
        assert sparql_json_errors(doc) == [], args
    assert json.loads(done.stdout) == {"head": {}, "boolean": True}
    assert sparql_json_errors({"head": {"vars": ["x"]}, "results": {"bindings": [{"y": {"type": "uri", "value": "u"}}]}})


def test_labels_any_case_and_iris_name_the_same_entity(example_store):
    def papers(value):
        return {r["paper"] for r in run_named(example_store, "papers-using", {"entity": value}).as_dicts()}

    by_label = papers("ImageNet")
    assert by_label and papers("imagenet") == papers("IMAGENET") == papers("iMaGeNeT") == by_label
    imagenet = run(example_store, 'SELECT ?c WHERE { ?c skos:prefLabel "ImageNet"@en }').rows[0][0]
    assert papers(imagenet) == by_label
    assert papers("kgc:" + imagenet.split("/concept/")[1]) == by_label
    assert papers("no such entity at all") == set()


def test_leaderboard_values_are_in_the_abstracts(example_store):
    rows = run_named(example_store, "leaderboard", {"dataset": "scanobjectnn"}).as_dicts()
    texts = corpus()
    papers = mentioning(r"ScanObjectNN")
    assert rows and {r["title"] for r in rows} <= papers
    for r in rows:
        assert r["datasetLabel"] == "ScanObjectNN"
        number = f"{r['value']:g}"
        assert number in texts[r["title"]], (number, r["title"])
    assert set(rows[0]) >= {"method", "datasetLabel", "metric", "value", "paper"}


def test_top_entities_of_every_type_and_limit(example_store):
    for entity_type, expected in (("dataset", "ImageNet"), ("modality", "image"), ("method", None), ("metric", None), ("task", None)):
        rows = run_named(example_store, "top-entities", {"type": entity_type}).as_dicts()
        assert rows, entity_type
        assert [r["papers"] for r in rows] == sorted((r["papers"] for r in rows), reverse=True)
        top = rows[0]
        using = run_named(example_store, "papers-using", {"entity": top["entity"]}).as_dicts()
        assert top["papers"] == len({r["paper"] for r in using}), entity_type
        if expected:  # a specific name: the papers whose text names it are (nearly) all counted
            assert top["label"] == expected
            assert top["papers"] >= 0.8 * len(mentioning(r"\b" + re.escape(expected) + r"s?\b")), expected
    three = run_named(example_store, "top-entities", {"type": "task", "limit": "3"}).rows
    assert len(three) == 3
    with pytest.raises(KgError, match="whole number"):
        run_named(example_store, "top-entities", {"type": "task", "limit": "3; DROP ALL"})


def test_papers_per_modality_counts_the_papers(example_store):
    counts = {r["modality"]: r["papers"] for r in run_named(example_store, "papers-per-modality").as_dicts()}
    for word, modality in (("audio", "audio"), ("video", "video"), ("point clouds?", "point cloud")):
        expected = mentioning(r"(?i)\b" + word + r"\b")
        listed = {r["title"] for r in run_named(example_store, "papers-using", {"entity": modality, "limit": "0"}).as_dicts()}
        assert counts[modality] == len(listed), modality
        assert expected and len(listed & expected) >= 0.8 * len(expected), modality
    assert list(counts.values()) == sorted(counts.values(), reverse=True)


def test_evidence_for_one_paper_by_title_id_or_iri(example_store):
    all_rows = run_named(example_store, "evidence", {"entity": "CLIP"}).as_dicts()
    one = all_rows[0]
    texts = corpus()
    for key in (one["title"].split(":")[0].lower(), one["paperIri"], one["paperIri"].rsplit("/", 1)[1]):
        rows = run_named(example_store, "evidence", {"entity": "CLIP", "paper": key}).as_dicts()
        assert rows and {r["title"] for r in rows} == {one["title"]}, key
        for r in rows:  # offsets index the paper's text: title, a blank line, the abstract
            assert texts[r["title"]][r["start"]:r["end"]] == r["form"]


def test_list_shows_parameters_and_descriptions(kg_cli):
    listing = kg_cli("query", "--list")
    assert listing.returncode == 0
    for name, q in named_queries().items():
        assert name in listing.stdout
        for p in q.params:
            assert p.name in listing.stdout


def test_api_named_queries_timeout_and_errors(example_graph):
    from kg.api import open_graph

    g = open_graph(example_graph)
    assert "leaderboard" in g.named_queries()
    assert g.query("top-entities", type="modality", limit=2)[0]["label"] == "image"
    with pytest.raises(KgError, match="timed out after 0.5 s"):
        g.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=0.5)
    with pytest.raises(KgError, match=r"line 1, column \d+"):
        g.query("SELECT WHERE")
    triples = g.query("CONSTRUCT { ?p dcterms:title ?t } WHERE { ?p dcterms:title ?t } LIMIT 2")
    assert len(triples) == 2


# Stored counts (kgo:paperCount, kgo:CoOccurrence) against the same aggregates computed live.
LIVE_PAIRS = """SELECT ?a ?b (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper kgo:involvesModality ?ma , ?mb . ?ma skos:prefLabel ?a . ?mb skos:prefLabel ?b . FILTER(STR(?ma) < STR(?mb))
} GROUP BY ?a ?b"""
LIVE_METHODS = """SELECT ?modality ?method (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper kgo:involvesModality ?m ; kgo:proposes|kgo:uses ?x . ?x a kgo:Method ; skos:prefLabel ?method .
  ?m skos:prefLabel ?modality } GROUP BY ?modality ?method"""
LIVE_TOP = """SELECT ?label (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?link rdf:subject ?paper ; rdf:object ?e . ?e a kgo:Task ; skos:prefLabel ?label } GROUP BY ?label"""


def test_stored_counts_equal_counts_computed_from_the_links(example_store):
    def table(rows, *key):
        return {tuple(r[k] for k in key): r["papers"] for r in rows}

    stored = run_named(example_store, "modality-pairs", {"limit": "0"}).as_dicts()
    live = run(example_store, LIVE_PAIRS).as_dicts()
    # the stored pair is ordered by IRI, the live one by IRI too: same unordered pairs, same counts
    assert len(stored) == len(live) > 5
    assert {frozenset((r["a"], r["b"])): r["papers"] for r in stored} == {frozenset((r["a"], r["b"])): r["papers"] for r in live}
    stored = run_named(example_store, "top-entities", {"type": "task", "limit": "0"}).as_dicts()
    assert table(stored, "label") == table(run(example_store, LIVE_TOP).as_dicts(), "label")

    # methods per modality: each modality's most frequent methods (up to TOP_METHODS), ranked
    stored = run_named(example_store, "methods-per-modality", {"limit": "0"}).as_dicts()
    live = table(run(example_store, LIVE_METHODS).as_dicts(), "modality", "method")
    assert table(stored, "modality", "method").items() <= live.items()
    for modality in {m for m, _ in live}:
        kept = [r for r in stored if r["modality"] == modality]
        counts = sorted((n for (m, _), n in live.items() if m == modality), reverse=True)
        assert [r["papers"] for r in kept] == counts[:TOP_METHODS], modality
        assert [r["rank"] for r in kept] == list(range(1, len(kept) + 1))
    assert any(len([r for r in stored if r["modality"] == m]) == TOP_METHODS for m in {m for m, _ in live})


@pytest.mark.parametrize("sparql, calls", [
    ("SELECT * WHERE { SERVICE <http://10.0.0.1/sparql> { ?s ?p ?o } }", True),
    ("select * { service silent <http://x/> { ?s ?p ?o } }", True),
    ("SELECT * {FILTER(?a<?b)SERVICE<http://x/>{?s ?p ?o}}", True),  # no spaces around it
    ("SELECT * { SERV\\u0049CE <http://x/> { ?s ?p ?o } }", True),  # \\u escapes are read before the grammar
    ('SELECT * { ?s ?p ?o FILTER(?o = "#") SERVICE <http://x/> { ?s ?p ?o } }', True),  # '#' in a string: no comment
    ("INSERT { ?s ?p ?o } WHERE { SERVICE <http://x/> { ?s ?p ?o } }", True),
    ('SELECT * { ?s ?p "SERVICE <http://x/>" }', False),
    ('SELECT * { ?s ?p """a " SERVICE <http://x/> """ }', False),
    ("SELECT * { ?s ex:service ?service } # SERVICE <http://x/>", False),
    ("SELECT * { <http://x/SERVICE> ?p ?o }", False),
])
def test_a_service_clause_is_told_from_the_word_in_strings_names_and_comments(sparql, calls):
    from kg.query import calls_service

    assert calls_service(sparql) is calls
