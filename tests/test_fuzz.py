"""Property-based tests: every reader and the extractor end in papers or a clear error, never a
traceback; any name or text becomes valid RDF that both parsers read back to the same graph."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.errors import InputError
from kg.ingest import read_papers

FUZZ = settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
FORMATS = ["listing", "jsonl", "json", "csv", "atom", "arxiv-snapshot", "bibtex", "openalex", "ris", "csl-json",
           "pubmed", "semantic-scholar"]
SUFFIX = {"listing": ".txt", "jsonl": ".jsonl", "json": ".json", "csv": ".csv", "atom": ".atom",
          "arxiv-snapshot": ".jsonl", "bibtex": ".bib", "openalex": ".json", "ris": ".ris", "csl-json": ".json",
          "pubmed": ".xml", "semantic-scholar": ".json"}

VALID = {
    "listing": "A Title\n\nAn abstract that is long enough to be taken for an abstract of a research paper.\n",
    "jsonl": json.dumps({"title": "A Title", "abstract": "An abstract."}) + "\n",
    "json": json.dumps([{"title": "A Title", "abstract": "An abstract.", "authors": ["A B"]}]),
    "csv": "title,abstract,year\nA Title,An abstract.,2020\n",
    "atom": '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2401.00001v1</id>'
            "<title>A Title</title><summary>An abstract.</summary><published>2024-01-01</published></entry></feed>",
    "arxiv-snapshot": json.dumps({"id": "2401.00001", "title": "A Title", "abstract": "An abstract.",
                                  "authors": "A B", "categories": "cs.CV", "update_date": "2024-01-01"}) + "\n",
    "bibtex": "@article{k, title={A Title}, abstract={An abstract.}, author={B, A}, year={2020}}\n",
    "openalex": json.dumps({"results": [{"display_name": "A Title", "abstract_inverted_index": {"An": [0], "abstract.": [1]}}]}),
    "ris": "TY  - JOUR\r\nTI  - A Title\r\nAU  - B, A\r\nAB  - An abstract\r\nthat wraps.\r\nPY  - 2020\r\nDO  - 10.1/x\r\nER  - \r\n",
    "csl-json": json.dumps([{"type": "article", "title": "A Title", "abstract": "An abstract.", "DOI": "10.1/x",
                             "issued": {"date-parts": [[2020, 1]]}, "author": [{"family": "B", "given": "A"}]}]),
    "pubmed": '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle//EN" '
              '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">\n<PubmedArticleSet><PubmedArticle>'
              '<MedlineCitation><PMID>1</PMID><Article><ArticleTitle>A Title</ArticleTitle><Abstract>'
              '<AbstractText Label="AIM">An abstract.</AbstractText></Abstract></Article></MedlineCitation>'
              '</PubmedArticle></PubmedArticleSet>',
    "semantic-scholar": json.dumps({"data": [{"paperId": "x", "title": "A Title", "abstract": "An abstract.",
                                              "year": 2020, "externalIds": {"DOI": "10.1/x"}}]}),
}


def read_bytes(data: bytes, fmt: str | None, suffix: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        try:
            return list(read_papers([path], fmt))
        except InputError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc)
            return exc


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes(fmt, data):
    read_bytes(data, fmt, SUFFIX[fmt])


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ
@given(cut=st.integers(min_value=0, max_value=400), noise=st.text(max_size=30), encoding=st.sampled_from(["utf-8", "utf-16", "latin-1", "utf-8-sig"]))
def test_truncated_noisy_and_re_encoded_valid_files(fmt, cut, noise, encoding):
    text = VALID[fmt]
    text = text[: cut % (len(text) + 1)] + noise + text[cut % (len(text) + 1):]
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8", errors="replace")
    read_bytes(data, fmt, SUFFIX[fmt])


@pytest.mark.parametrize("fmt", ["jsonl", "json", "openalex", "arxiv-snapshot", "csl-json", "semantic-scholar"])
@FUZZ
@given(depth=st.integers(min_value=1, max_value=3000), value=st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(["title", "abstract", "id", "authors", "x"]), children, max_size=4),
    max_leaves=15))
def test_odd_json_shapes_and_deep_nesting(fmt, depth, value):
    deep = "[" * depth + "]" * depth
    read_bytes(json.dumps(value).encode(), fmt, SUFFIX[fmt])
    read_bytes(deep.encode(), fmt, SUFFIX[fmt])


# A whole record of each JSON reader, every field (and every item and field within) in use
WHOLE_RECORDS = {
    "openalex": {"id": "https://openalex.org/W1", "display_name": "Storks", "publication_year": 2022,
                 "doi": "https://doi.org/10.5555/stork.1", "authorships": [{"author": {"display_name": "Fay Stork"}}],
                 "ids": {"arxiv": "https://arxiv.org/abs/2401.01234"},
                 "locations": [{"landing_page_url": "https://arxiv.org/abs/2401.01234"}],
                 "abstract_inverted_index": {"Storks": [0], "nest": [1]}},
    "semantic-scholar": {"paperId": "a1", "title": "Owls", "abstract": "Owls hunt.", "year": 2020, "url": "http://x",
                         "publicationDate": "2020-01-01", "authors": [{"name": "Eve Owl"}],
                         "externalIds": {"DOI": "10.1234/x", "ArXiv": "2401.01234", "PubMed": "123"}},
    "csl-json": {"id": "x", "title": "Cranes", "abstract": "Cranes dance.", "DOI": "10.1234/y", "URL": "http://y",
                 "note": "PMID: 12", "issued": {"date-parts": [[2021, 5, 3]]},
                 "author": [{"family": "Crane", "given": "Erin"}, {"literal": "Crane Society"}]},
    "arxiv-snapshot": {"id": "2401.01234", "title": "Gulls", "abstract": "Gulls eat.", "authors": "Ada Lark, Ben Tern",
                       "categories": "cs.CV", "update_date": "2024-01-05", "doi": "10.1234/z",
                       "versions": [{"created": "Mon, 1 Jan 2024"}], "authors_parsed": [["Lark", "Ada", ""]]},
    "jsonl": {"title": "Terns", "abstract": "Terns dive.", "url": "http://u", "year": 2020, "authors": ["Ada Lark"],
              "doi": "10.1234/q", "arxiv_id": "2401.01234", "id": "p1"},
}
OTHER_JSON_VALUES = ["s", 7, 1.5, True, None, [], {}, ["s"], [7], [None], [{}], [[1]], {"a": 1}, {"a": [1]},
                     {"a": {"b": 1}}, -1, 10**30]


def _json_paths(value, path=()):
    yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        yield from _json_paths(inner, path + (key,))


def _with(record, path, value):
    if not path:
        return value
    record = json.loads(json.dumps(record))
    inner = record
    for key in path[:-1]:
        inner = inner[key]
    inner[path[-1]] = value
    return record


@pytest.mark.parametrize("fmt", sorted(WHOLE_RECORDS))
def test_every_field_of_a_record_given_another_json_type_is_read_or_one_error_never_a_repr(tmp_path, fmt):
    # an OpenAlex author given as a string ended in AttributeError ("'str' object has no attribute
    # 'get'"); a CSL-JSON name part, an arXiv snapshot's categories object or authors_parsed item went
    # into the graph as Python reprs ("['s'] Crane", "{'a':")
    record = WHOLE_RECORDS[fmt]
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert len(list(read_papers([path], fmt))) == 1
    for where in _json_paths(record):
        for value in OTHER_JSON_VALUES:
            path.write_text(json.dumps(_with(record, where, value)) + "\n", encoding="utf-8")
            try:
                papers = list(read_papers([path], fmt))
            except InputError:
                continue
            texts = [t for p in papers for t in (p.title, p.abstract, p.url, p.doi, p.arxiv_id, p.pmid, *p.authors,
                                                 *p.categories) if t]
            assert not [t for t in texts if "{'" in t or "['" in t or t.startswith(("[", "{"))], (where, value, texts)


def test_enormous_lines_and_abstracts():
    huge = "word " * (2 * 1024 * 1024)  # 10 MB
    papers = read_bytes(f"A title\n\n{huge}\n".encode(), None, ".txt")
    assert len(papers) == 1 and len(papers[0].abstract) > 9_000_000
    papers = read_bytes((json.dumps({"title": "T", "abstract": huge}) + "\n").encode(), None, ".jsonl")
    assert len(papers) == 1


def test_duplicate_ids_with_different_content_keep_the_first():
    lines = [json.dumps({"arxiv_id": "2401.00001", "title": "First", "abstract": "One."}),
             json.dumps({"arxiv_id": "2401.00001v2", "title": "Second", "abstract": "Two."})]
    papers = read_bytes(("\n".join(lines) + "\n").encode(), None, ".jsonl")
    assert [p.title for p in papers] == ["First"]


# ------------------------------------------------------------------------ the extractor


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(title=st.text(max_size=80), abstract=st.text(max_size=600))
def test_extractor_never_fails_and_offsets_hold(nlp, title, abstract):
    from kg.extract import extract
    from kg.model import Paper

    paper = Paper(id="p", title=title, abstract=abstract)
    extraction = next(extract([paper], nlp=nlp))
    for e in extraction.entities:
        assert e.type in ("method", "dataset", "modality", "metric", "task")
        for m in e.mentions:
            assert paper.text[m.start:m.end] == m.text


# ------------------------------------------------------------------------ safe IRIs and literals

NASTY = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40) | st.sampled_from(
    ['a "b" <c>', "x\ny\\z", "} ; DROP ALL ; #", "PREFIX x: <y> . <z> a <w> .", "\u202e\u0000 ünï", "@en ^^<x>"])


def round_trip_mismatches(name: str, title: str, sentence: str, folder: Path) -> list[str]:
    """Load one paper whose title, abstract and mention are the given texts; read each text back from
    the store and from every export (parsed by rdflib); list where it differs from the input."""
    from rdflib import URIRef
    from rdflib.namespace import DCTERMS, SKOS

    from kg.ids import paper_id
    from kg.model import Entity, Extraction, Mention, Paper
    from kg.rdf import load_extractions
    from kg.rdf.mint import paper_iri
    from kg.store import EXPORT_FORMATS, export

    paper = Paper(id=paper_id(title=title), title=title, abstract=sentence)
    mention = Mention("method", name, 0, len(name), sentence, 0, len(sentence), "fuzz", 0.5)
    extraction = Extraction(paper, [Entity("method", name, name, role="used", mentions=[mention])])
    store = ox.Store()
    load_extractions(store, [extraction])
    # the name is stored as the concept's label as written (the evidence itself is offsets into the text)
    expected = {"title": [title], "abstract": [sentence], "name": [name]}
    node = paper_iri(paper.id)

    def from_store() -> dict[str, list[str]]:
        def values(s, p):
            return sorted(q.object.value for q in store.quads_for_pattern(s, ox.NamedNode(p), None))
        return {"title": values(ox.NamedNode(node), str(DCTERMS.title)),
                "abstract": values(ox.NamedNode(node), str(DCTERMS.abstract)),
                "name": values(None, str(SKOS.altLabel))}

    def from_rdflib(g: Graph) -> dict[str, list[str]]:
        return {"title": sorted(str(o) for o in g.objects(URIRef(node), DCTERMS.title)),
                "abstract": sorted(str(o) for o in g.objects(URIRef(node), DCTERMS.abstract)),
                "name": sorted(str(o) for o in g.objects(None, SKOS.altLabel))}

    readings = {"store": from_store()}
    rdflib_format = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "trig": "trig"}
    for fmt in EXPORT_FORMATS:
        path = export(store, folder / EXPORT_FORMATS[fmt][1], fmt)
        g = Graph()
        if fmt == "trig":
            from rdflib import Dataset

            g = Dataset()
        g.parse(path, format=rdflib_format[fmt])
        readings[fmt] = from_rdflib(g)
        if len(g) != len(store):
            readings[fmt]["triples"] = len(g)
    expected["triples"] = len(store)
    return [f"{where}: {field} {got.get(field, expected[field])!r} != {expected[field]!r}"
            for where, got in readings.items() for field in expected if got.get(field, expected[field]) != expected[field]]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's TriG parser uses its own deprecated API
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=NASTY, title=NASTY, sentence=NASTY)
def test_any_text_becomes_rdf_that_round_trips(name, title, sentence):
    """Titles, abstracts and names with quotes, backslashes, newlines, control characters and any
    unicode read back exactly as they went in, from the store and from each export."""
    with tempfile.TemporaryDirectory() as tmp:
        assert round_trip_mismatches(name, title, sentence, Path(tmp)) == []


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_round_trip_catches_a_writer_that_mangles_literals(tmp_path, monkeypatch):
    """A literal writer that drops backslashes and flattens newlines still writes valid N-Triples;
    the round trip above must see the difference."""
    import kg.rdf.triples

    text = 'C:\\data "quoted"\nnext line'
    assert round_trip_mismatches("x\\y", text, text, tmp_path) == []
    monkeypatch.setattr(kg.rdf.triples, "_ESCAPES", str.maketrans({"\\": "", '"': '\\"', "\n": " ", "\r": " "}))
    found = round_trip_mismatches("x\\y", text, text, tmp_path)
    assert any(m.startswith("store: title") for m in found) and any(m.startswith("turtle: abstract") for m in found)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=NASTY, title=NASTY, sentence=NASTY, arxiv=NASTY)
def test_the_build_reads_its_own_ntriples_as_a_strict_parser_does(name, title, sentence, arxiv):
    """The build's loader and Turtle export parse its own N-Triples without checking each IRI
    (kg.build.OWN_NTRIPLES): whatever the texts and ids of a paper, the IRIs minted from them are
    valid and that reading gives the triples a strict parser gives."""
    from kg.build import OWN_NTRIPLES
    from kg.ids import paper_id
    from kg.model import Entity, Extraction, Mention, Paper
    from kg.rdf.triples import to_ntriples

    paper = Paper(id=paper_id(title=title, arxiv_id=arxiv), title=title, abstract=sentence, arxiv_id=arxiv)
    mention = Mention("method", name, 0, len(name), sentence, 0, len(sentence), "fuzz rule", 0.5)
    extraction = Extraction(paper, [Entity("method", name, name, role="used", mentions=[mention])])
    data = "".join(to_ntriples([extraction])).encode("utf-8")
    strict = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))  # raises on an invalid IRI
    assert list(ox.parse(data, **OWN_NTRIPLES)) == strict
