"""Readers of reference-manager and literature-service exports: RIS, CSL-JSON, PubMed XML and
Semantic Scholar; identity of one paper read from several of them; years wherever a source has one."""
from __future__ import annotations

import json
import logging

import pytest

from kg.errors import InputError
from kg.ingest import detect_format, read_papers

GULLS = ("We study how gulls share food along busy harbours, using photographs and sound recordings "
         "of three colonies to model who eats first.")

# A Zotero-style RIS export, written with CRLF line ends, a wrapped abstract, repeated authors and a
# record without an abstract.
RIS = "\r\n".join([
    "TY  - JOUR",
    "TI  - Harbour Gulls and Their Lunch",
    "AU  - Lark, Ada",
    "AU  - Tern, Ben",
    "AB  - We study how gulls share food along busy harbours, using photographs and sound",
    "recordings of three colonies to model who eats first.",
    "PY  - 2024",
    "DO  - 10.1234/GULL.5",
    "UR  - https://example.org/gulls",
    "ER  - ",
    "",
    "TY  - CONF",
    "T1  - A Record Without Abstract",
    "A1  - Nobody, N.",
    "Y1  - 2019///",
    "ER  - ",
    "",
    "TY  - JOUR",
    "T1  - Cranes Dancing on Ice",
    "A1  - Crane, Erin",
    "N2  - Cranes dance; we film the dances and align them with calls.",
    "Y1  - 2023/05/02/",
    "UR  - https://arxiv.org/abs/2305.11111v2",
    "ER  - ",
    "",
])

CSL = [
    {"id": "lark2024", "type": "article-journal", "title": "Harbour gulls and their lunch",
     "abstract": GULLS, "DOI": "10.1234/gull.5", "container-title": "Journal of Seabirds",
     "author": [{"family": "Lark", "given": "Ada"}, {"literal": "Gull Watch Consortium"}],
     "issued": {"date-parts": [[2024, 3]]}},
    {"id": "noabs", "type": "paper-conference", "title": "An Item Without Abstract",
     "issued": {"date-parts": [["2020"]]}},
    {"id": "owls", "type": "article", "title": "Owls at Night",
     "abstract": "Owls hunt by sound; we record them with microphones and infrared cameras.",
     "issued": {"raw": "Winter 2021"}, "URL": "https://example.org/owls"},
]

PUBMED = """<?xml version="1.0" ?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2024//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">
<PubmedArticleSet>
<PubmedArticle>
  <MedlineCitation Status="MEDLINE" Owner="NLM">
    <PMID Version="1">31234567</PMID>
    <Article PubModel="Print">
      <Journal><JournalIssue><PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate></JournalIssue></Journal>
      <ArticleTitle>Segmenting <i>retinal</i> vessels with a U-Net.</ArticleTitle>
      <Abstract>
        <AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Vessel maps help screening.</AbstractText>
        <AbstractText Label="METHODS" NlmCategory="METHODS">We train a U-Net on fundus photographs.</AbstractText>
        <AbstractText Label="RESULTS" NlmCategory="RESULTS">It reaches a Dice score of 0.81 on DRIVE.</AbstractText>
      </Abstract>
      <AuthorList CompleteYN="Y">
        <Author><LastName>Heron</LastName><ForeName>Ida</ForeName><Initials>I</Initials></Author>
        <Author><CollectiveName>Retina Study Group</CollectiveName></Author>
      </AuthorList>
    </Article>
  </MedlineCitation>
  <PubmedData><ArticleIdList>
    <ArticleId IdType="pubmed">31234567</ArticleId>
    <ArticleId IdType="doi">10.7777/RET.9</ArticleId>
  </ArticleIdList></PubmedData>
</PubmedArticle>
<PubmedArticle>
  <MedlineCitation><PMID>31234568</PMID>
    <Article>
      <Journal><JournalIssue><PubDate><Year>2022</Year><Month>Feb</Month></PubDate></JournalIssue></Journal>
      <ArticleTitle>Harbour gulls and their lunch</ArticleTitle>
      <Abstract><AbstractText>{gulls}</AbstractText></Abstract>
      <ELocationID EIdType="doi" ValidYN="Y">10.1234/Gull.5</ELocationID>
    </Article>
  </MedlineCitation>
</PubmedArticle>
</PubmedArticleSet>
""".replace("{gulls}", GULLS)

S2_SEARCH = {"total": 2, "offset": 0, "data": [
    {"paperId": "a1b2", "title": "Harbour Gulls and Their Lunch", "abstract": GULLS, "year": 2024,
     "externalIds": {"DOI": "10.1234/gull.5", "CorpusId": 1}, "authors": [{"authorId": "1", "name": "Ada Lark"}]},
    {"paperId": "c3d4", "title": "Storks and Chimneys", "abstract": "Storks nest on chimneys in spring; we map the nests.",
     "year": 2022, "externalIds": {"ArXiv": "2201.00042", "PubMed": "35555555"}},
]}


def write(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def test_ris_with_crlf_wrapped_abstract_repeated_tags_and_endnote_tags(tmp_path, caplog):
    path = write(tmp_path, "library.ris", RIS)
    assert b"\r\n" in path.read_bytes()
    assert detect_format(path) == "ris"
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        papers = list(read_papers([path]))
    assert [p.title for p in papers] == ["Harbour Gulls and Their Lunch", "Cranes Dancing on Ice"]
    gulls, cranes = papers
    assert gulls.abstract == GULLS  # the wrapped line continues the abstract
    assert gulls.authors == ["Lark, Ada", "Tern, Ben"] and gulls.year == 2024
    assert gulls.doi == "10.1234/GULL.5" and gulls.url == "https://example.org/gulls"
    assert cranes.year == 2023 and cranes.arxiv_id == "2305.11111v2" and cranes.id == "arxiv-2305.11111"
    # the record without abstract is named by its line (the TY of the second record is line 12)
    assert any("library.ris:12" in r.getMessage() and "no abstract" in r.getMessage() for r in caplog.records)


def test_ris_tags_written_with_one_space_are_tags_and_text_like_one_stays_text(tmp_path):
    # Before: "TY - JOUR" was no tag, so a file written so was "no RIS records found" (named .txt: a
    # listing of one paper per line, "TY - JOUR" a title), and one such line in a Zotero file was
    # glued to the field before it: the abstract went into the title, the record read without abstract
    one_space = RIS.replace("  - ", " - ")
    for name in ("one-space.ris", "one-space.txt"):
        path = write(tmp_path, name, one_space)
        assert detect_format(path) == "ris"
        papers = list(read_papers([path]))
        assert [p.title for p in papers] == ["Harbour Gulls and Their Lunch", "Cranes Dancing on Ice"]
        assert papers[0].abstract == GULLS and papers[0].authors == ["Lark, Ada", "Tern, Ben"]
        assert papers[1].arxiv_id == "2305.11111v2" and papers[1].year == 2023
    mixed = RIS.replace("AB  - We study", "AB - We study").replace(
        "recordings of", "AI - based recordings of")  # not a tag RIS defines: still the abstract's text
    gulls = list(read_papers([write(tmp_path, "mixed.ris", mixed)]))[0]
    assert gulls.title == "Harbour Gulls and Their Lunch"
    assert gulls.abstract == GULLS.replace("recordings of", "AI - based recordings of")


def test_ris_without_records_and_a_tag_outside_a_record(tmp_path):
    with pytest.raises(InputError, match=r"empty\.ris: no RIS records"):
        list(read_papers([write(tmp_path, "empty.ris", "nothing here\n")]))
    with pytest.raises(InputError, match=r"stray\.ris:1: tag TI outside a record"):
        list(read_papers([write(tmp_path, "stray.ris", "TI  - A title\nER  - \n")]))


def test_csl_json_dates_authors_and_an_item_without_abstract(tmp_path, caplog):
    path = write(tmp_path, "zotero.json", json.dumps(CSL))
    assert detect_format(path) == "csl-json"
    with caplog.at_level(logging.WARNING, logger="kg.ingest"):
        papers = list(read_papers([path]))
    assert [p.title for p in papers] == ["Harbour gulls and their lunch", "Owls at Night"]
    gulls, owls = papers
    assert gulls.year == 2024 and gulls.doi == "10.1234/gull.5"
    assert gulls.authors == ["Ada Lark", "Gull Watch Consortium"]
    assert owls.year == 2021 and owls.url == "https://example.org/owls"
    assert any("zotero.json[record 2]" in r.getMessage() and "no abstract" in r.getMessage() for r in caplog.records)


def test_pubmed_structured_abstract_with_doctype_never_fetched(tmp_path, monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the reader tried to open a connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    path = write(tmp_path, "pubmed_result.xml", PUBMED)
    assert detect_format(path) == "pubmed"
    papers = list(read_papers([path]))
    assert len(papers) == 2
    vessels, gulls = papers
    assert vessels.title == "Segmenting retinal vessels with a U-Net."
    assert vessels.abstract == ("Background: Vessel maps help screening. Methods: We train a U-Net on fundus "
                                "photographs. Results: It reaches a Dice score of 0.81 on DRIVE.")
    assert vessels.year == 1998  # the first year of a MedlineDate range
    assert vessels.pmid == "31234567" and vessels.doi == "10.7777/RET.9"
    assert vessels.authors == ["Ida Heron", "Retina Study Group"]
    assert gulls.year == 2022 and gulls.doi == "10.1234/Gull.5" and gulls.pmid == "31234568"


def test_pubmed_refuses_entities_and_names_the_line_of_broken_xml(tmp_path):
    bomb = PUBMED.replace('pubmed_240101.dtd">', 'pubmed_240101.dtd" [<!ENTITY a "aaaaaaaa">]>')
    with pytest.raises(InputError, match=r"bomb\.xml: refused"):
        list(read_papers([write(tmp_path, "bomb.xml", bomb)]))
    cut = PUBMED[: PUBMED.index("<AuthorList")]
    with pytest.raises(InputError, match=r"cut\.xml:\d+: malformed XML"):
        list(read_papers([write(tmp_path, "cut.xml", cut)]))
    with pytest.raises(InputError, match=r"other\.xml: not an Atom feed"):
        list(read_papers([write(tmp_path, "other.xml", "<html><body/></html>")]))


def test_semantic_scholar_search_page_batch_and_json_lines(tmp_path):
    page = write(tmp_path, "search.json", json.dumps(S2_SEARCH))
    assert detect_format(page) == "semantic-scholar"
    gulls, storks = read_papers([page])
    assert gulls.doi == "10.1234/gull.5" and gulls.year == 2024 and gulls.authors == ["Ada Lark"]
    assert storks.arxiv_id == "2201.00042" and storks.pmid == "35555555" and storks.id == "arxiv-2201.00042"
    batch = write(tmp_path, "batch.json", json.dumps([S2_SEARCH["data"][1], None]))
    assert [p.title for p in read_papers([batch])] == ["Storks and Chimneys"]
    lines = write(tmp_path, "papers.jsonl", "".join(json.dumps(p) + "\n" for p in S2_SEARCH["data"]))
    assert detect_format(lines) == "semantic-scholar"
    assert [p.year for p in read_papers([lines])] == [2024, 2022]


def test_one_paper_from_four_sources_has_one_id_whatever_file_comes_first(tmp_path):
    files = [write(tmp_path, "library.ris", RIS), write(tmp_path, "zotero.json", json.dumps(CSL)),
             write(tmp_path, "pubmed.xml", PUBMED), write(tmp_path, "search.json", json.dumps(S2_SEARCH))]
    forward = list(read_papers(files))
    backward = list(read_papers(files[::-1]))
    gull = [p for p in forward if p.doi and p.doi.lower() == "10.1234/gull.5"]
    assert len(gull) == 1  # four files name it, by DOI in three spellings
    assert {p.title.lower(): p.id for p in forward} == {p.title.lower(): p.id for p in backward}
    assert len(forward) == len(backward) == 5  # gulls, cranes, owls, vessels, storks


def test_years_wherever_a_source_has_one(tmp_path):
    from kg.ingest.arxiv import read_arxiv_snapshot

    snapshot = write(tmp_path, "snap.jsonl", json.dumps({
        "id": "0704.0001", "title": "An Old Paper", "abstract": "Gulls again, long ago.", "update_date": "2008-11-13",
        "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}]}) + "\n")
    assert [p.year for p in read_arxiv_snapshot(snapshot)] == [2007]  # the first version, not the update


@pytest.mark.slow
def test_a_build_of_several_library_formats_dedupes_by_doi_and_stores_years(tmp_path):
    from kg.build import build
    from kg.store import open_store

    files = [write(tmp_path, "library.ris", RIS), write(tmp_path, "zotero.json", json.dumps(CSL)),
             write(tmp_path, "pubmed.xml", PUBMED), write(tmp_path, "search.json", json.dumps(S2_SEARCH))]
    out = tmp_path / "graph"
    build(files, out, extras=False, exports=("turtle",))
    store = open_store(out)
    rows = list(store.query("""
        PREFIX kgo: <https://w3id.org/kg-lit/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?title ?year WHERE { ?p a kgo:Paper ; dcterms:title ?title . OPTIONAL { ?p dcterms:issued ?year } }"""))
    years = {r["title"].value.lower(): (r["year"].value if r["year"] else None) for r in rows}
    assert len(years) == 5
    assert years["harbour gulls and their lunch"] == "2024"
    assert years["segmenting retinal vessels with a u-net."] == "1998"
    assert years["owls at night"] == "2021" and years["storks and chimneys"] == "2022"
    assert years["cranes dancing on ice"] == "2023"
    pmids = {r[0].value for r in store.query(
        "PREFIX kgo: <https://w3id.org/kg-lit/ontology#> SELECT ?id WHERE { ?p kgo:pmid ?id }")}
    assert "31234567" in pmids
