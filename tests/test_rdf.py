"""The RDF layer: stable IRIs, safe literals, and exports that both parsers read back identically."""
from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.ids import paper_id, slug
from kg.model import Entity, Extraction, Mention, Paper, Result
from kg.rdf import TripleWriter, load_extractions
from kg.rdf.mint import concept_iri, paper_iri
from kg.store import EXPORT_FORMATS, export

RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "trig": "trig"}


def mention(text: str, source: str, rule: str = "vocabulary") -> Mention:
    start = source.index(text)
    return Mention("method", text, start, start + len(text), source, 0, len(source), rule, 0.9)


def tricky_extraction() -> Extraction:
    title = 'A "quoted" <model> & ünïcödé 𝔘: PREFIX x: <y> . } ; DROP ALL ; #'
    abstract = "We propose Net<1> \"Q\" and use ImageNet, reaching 74.5% accuracy."
    paper = Paper(id=paper_id(title=title), title=title, abstract=abstract, year=2024, authors=["Zoë O'Neil"])
    text = paper.text
    ents = [
        Entity("method", "net1q", 'Net<1> "Q"', role="proposed", mentions=[mention('Net<1> "Q"', text)]),
        Entity("dataset", "imagenet", "ImageNet", role="used", mentions=[mention("ImageNet", text)]),
        Entity("metric", "accuracy", "accuracy", mentions=[mention("accuracy", text)]),
    ]
    start = text.index("74.5%")
    results = [Result("accuracy", 74.5, "%", 'Net<1> "Q"', "ImageNet", "74.5%", text, start, start + 5)]
    return Extraction(paper, ents, results)


def test_ids_are_stable_and_iri_safe():
    assert paper_id(title="Attention Is All  You Need") == paper_id(title="attention is all you need")
    assert paper_id(title="x", arxiv_id="2401.01234v3") == paper_id(title="y", arxiv_id="arXiv:2401.01234")
    assert paper_iri(paper_id(title="A")) == "https://w3id.org/kg-lit/resource/paper/" + paper_id(title="A")
    assert slug("Vision Transformer") == "vision-transformer"
    assert slug("UniF^2ace") != slug("UniF2ace")  # lossy slugs carry a digest, so they never collide
    assert concept_iri("method", "MS COCO") == concept_iri("method", "ms-coco")
    for weird in ['a "b" <c>', "x y\tz", "ünï", "} DROP ALL #"]:
        ox.NamedNode(concept_iri("method", weird))  # raises on an invalid IRI


def test_triples_carry_role_evidence_and_results():
    """Evidence is stored as offsets into the paper's text, and read back from it word for word,
    after a title with characters outside the Basic Multilingual Plane (offsets count code points)."""
    from kg.query import run_named

    extraction = tricky_extraction()
    store = ox.Store()
    load_extractions(store, [extraction])
    rows = run_named(store, "evidence", {"entity": 'Net<1> "Q"'}).as_dicts()
    assert [(r["relation"], r["form"], r["sentence"], r["rule"]) for r in rows] == [
        ("proposes", 'Net<1> "Q"', extraction.paper.text, "vocabulary")]
    value = list(store.query("""PREFIX kgo: <https://w3id.org/kg-lit/ontology#>
        SELECT ?v ?u ?span WHERE { ?p kgo:reportsResult ?r . ?r kgo:value ?v ; kgo:unit ?u ; kgo:dataset ?d ; kgo:metric ?m ;
                                   kgo:span ?span }"""))
    assert float(value[0]["v"].value) == 74.5 and value[0]["u"].value == "%"
    start, end = map(int, value[0]["span"].value.split()[:2])
    assert extraction.paper.text[start:end] == "74.5%"


def test_evidence_names_the_extractor_a_link_does_not_store():
    """A link does not store the default extractor (the graph states once which that is): the
    evidence query still names it, and its paper, for a paper id holding "/" too, and names a rule
    other than the default, which that link does state. Results store kgo:isRelative
    only when true, and the leaderboard reads the others as levels."""
    from kg.query import run_named

    extractions = []
    for pid, rule, relative in (("doi-10.1000/a/b", "we-propose", True), ("plain-id", "vocabulary", False)):
        abstract = "We propose FooNet, reaching 74.5% accuracy on FooData."
        paper = Paper(id=pid, title=f"Paper {pid}", abstract=abstract)
        start = paper.text.index("74.5%")
        extractions.append(Extraction(paper, [
            Entity("method", "foonet", "FooNet", role="proposed", mentions=[mention("FooNet", paper.text, rule)]),
            Entity("dataset", "foodata", "FooData", role="used", mentions=[mention("FooData", paper.text)]),
        ], [Result("accuracy", 74.5, "%", "FooNet", "FooData", "74.5%", paper.text, start, start + 5, relative=relative)]))
    store = ox.Store()
    load_extractions(store, extractions)
    rows = run_named(store, "evidence", {"entity": "FooNet"}).as_dicts()
    assert sorted((r["paperIri"], r["rule"], r["form"]) for r in rows) == [
        (paper_iri("doi-10.1000/a/b"), "we-propose", "FooNet"), (paper_iri("plain-id"), "vocabulary", "FooNet")]
    attributed = ox.NamedNode("http://www.w3.org/ns/prov#wasAttributedTo")
    assert len(list(store.quads_for_pattern(None, attributed, None))) == 1  # only the rule that is not the default
    board = run_named(store, "leaderboard", {"dataset": "FooData"}).as_dicts()
    assert sorted(r["relative"] for r in board) == [False, True]


def test_minted_concepts_get_their_most_frequent_surface_form_whatever_the_order():
    def paper(title: str, form: str) -> Extraction:
        p = Paper(id=paper_id(title=title), title=title, abstract=f"We use {form} here.")
        m = mention(form, p.text)
        return Extraction(p, [Entity("dataset", "mscoco", form, role="used", mentions=[m])])

    papers = [paper("one", "MS-COCO"), paper("two", "MSCOCO"), paper("three", "MS-COCO")]
    labels = []
    for order in (papers, papers[::-1]):
        store = ox.Store()
        load_extractions(store, order)
        labels.append([r["l"].value for r in store.query(
            "SELECT ?l WHERE { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }")])
    assert labels == [["MS-COCO"], ["MS-COCO"]]


@pytest.mark.parametrize("fmt", list(EXPORT_FORMATS))
def test_every_export_parses_back_to_the_same_graph_in_rdflib_and_oxigraph(tmp_path, fmt):
    store = ox.Store()
    load_extractions(store, [tricky_extraction()])
    reference = Graph().parse(data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()), format="nt")
    path = export(store, tmp_path / EXPORT_FORMATS[fmt][1], fmt)

    by_rdflib = Graph().parse(path, format=RDFLIB_FORMAT[fmt]) if fmt != "trig" else _trig_default(path)
    assert isomorphic(by_rdflib, reference)

    again = ox.Store()
    again.load(path=str(path), format=EXPORT_FORMATS[fmt][0])
    by_oxigraph = Graph().parse(data=again.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()), format="nt")
    assert isomorphic(by_oxigraph, reference)


def _trig_default(path) -> Graph:
    from rdflib import Dataset

    ds = Dataset()
    ds.parse(path, format="trig")
    g = Graph()
    for s, p, o, _ in ds.quads():
        g.add((s, p, o))
    return g


def test_a_name_minted_from_text_never_marks_a_vocabulary_concept_as_minted():
    """A result's metric named only in the result ("speedup") slugs to the vocabulary concept's IRI:
    the result points at that concept, which is not declared minted (its label stays the vocabulary's)."""
    from kg.extract.vocabulary import load_vocabulary

    speedup = next(c for c in load_vocabulary().concepts.values() if c.type == "metric" and c.pref == "speedup")
    title, abstract = "Fast decoding", "Our decoder runs 2.4x faster than beam search."
    paper = Paper(id=paper_id(title=title), title=title, abstract=abstract)
    start = paper.text.index("2.4x")
    result = Result("speedup", 2.4, "x", None, None, "2.4x", paper.text, start, start + 4, 0, len(paper.text))
    store = ox.Store()
    load_extractions(store, [Extraction(paper, [], [result])])
    node = ox.NamedNode(speedup.iri)
    assert ox.Quad(node, ox.NamedNode("https://w3id.org/kg-lit/ontology#minted"), ox.Literal(True), ox.DefaultGraph()) not in store
    assert [q.subject for q in store.quads_for_pattern(None, ox.NamedNode("https://w3id.org/kg-lit/ontology#metric"), node)]


LINK_PREDICATES = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject", "http://www.w3.org/1999/02/22-rdf-syntax-ns#object",
    "https://w3id.org/kg-lit/ontology#confidence", "https://w3id.org/kg-lit/ontology#span",
}
ATTRIBUTED = "http://www.w3.org/ns/prov#wasAttributedTo"
RESULT_PREDICATES = {f"https://w3id.org/kg-lit/ontology#{p}" for p in
                     ("value", "span", "isRelative", "unit", "metric", "method", "dataset")}
KGO_VALUE, KGO_SPAN = "https://w3id.org/kg-lit/ontology#value", "https://w3id.org/kg-lit/ontology#span"


def test_synthetic_papers_write_lean_links_and_results_and_few_triples_each(nlp, tmp_path):
    """The lean graph (issue 15): a link is its paper, its entity, a confidence, one span literal and
    its extractor; a result its values and one span; nothing a query derives (types implied by a
    property's domain or range, the relation the paper's own triple says). On 150 synthetic papers,
    each paper writes at most 85 triples of its own (paper, links, results), and the whole graph,
    concepts and their labels included, stays under 100 a paper (the share of new concepts is at its
    largest on so few papers; BENCHMARKS.md has the 20k figures)."""
    from collections import defaultdict

    from kg.extract import extract
    from kg.ingest import read_papers
    from kg.rdf.namespaces import KGO, KGR
    from kg.rdf.triples import to_ntriples

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import synthetic_corpus

    papers = list(read_papers([synthetic_corpus.write(150, tmp_path / "synth.jsonl", seed=5)]))
    lines = set(to_ntriples(extract(papers, nlp=nlp)))
    store = ox.Store()
    store.bulk_load(input="".join(lines).encode(), format=ox.RdfFormat.N_TRIPLES)

    predicates = defaultdict(set)
    own = 0  # triples whose subject is a paper, a link or a result
    for quad in store:
        subject = quad.subject.value
        if subject.startswith((f"{KGR}paper/", f"{KGR}link/", f"{KGR}result/")):
            own += 1
            predicates[subject].add(quad.predicate.value)
    links = [s for s in predicates if s.startswith(f"{KGR}link/")]
    results = [s for s in predicates if s.startswith(f"{KGR}result/")]
    assert len(links) > 5 * len(papers) and len(results) > len(papers)
    # the extractor is stated unless it is the default
    assert all(predicates[s] - {ATTRIBUTED} == LINK_PREDICATES for s in links)
    attributed = sum(ATTRIBUTED in predicates[s] for s in links)
    assert 0 < attributed < len(links) / 2
    assert all(predicates[s] <= RESULT_PREDICATES and {KGO_VALUE, KGO_SPAN} <= predicates[s] for s in results)
    # kgo:mentions is implied by the one relation each link states: never written
    assert not any(str(KGO.mentions) in stated for stated in predicates.values())
    assert own / len(papers) <= 85
    assert len(store) / len(papers) <= 100


def test_shapes_accept_the_written_evidence_and_reject_a_span_that_is_not_four_offsets():
    from kg.build import ontology_files
    from kg.validate import validate_store

    store = ox.Store()
    for path in ontology_files():
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    load_extractions(store, [tricky_extraction()])
    conforms, violations = validate_store(store)
    assert conforms, "\n".join(map(str, violations[:10]))

    span = ox.NamedNode("https://w3id.org/kg-lit/ontology#span")
    link = next(q for q in store.quads_for_pattern(None, span, None) if "/link/" in q.subject.value)
    store.remove(link)
    store.add(ox.Quad(link.subject, span, ox.Literal("11-21"), ox.DefaultGraph()))
    conforms, violations = validate_store(store)
    assert not conforms and {v.focus for v in violations} == {link.subject.value}
    assert "evidence" in " ".join(v.message for v in violations)


def test_two_entities_minted_to_one_iri_give_the_concept_one_link():
    """"vision encoder" and "VisionEncoder" are two entity keys but one minted IRI: the paper gets one
    link to it (the surer entity's confidence, relation and evidence), and both forms as labels."""
    from kg.query import run

    title = "A Vision Encoder for Charts"
    abstract = "We propose a vision encoder. The VisionEncoder reads charts."
    paper = Paper(id=paper_id(title=title), title=title, abstract=abstract)
    text = paper.text
    weak = Mention("method", "VisionEncoder", text.index("VisionEncoder"), text.index("VisionEncoder") + 13,
                   text, 0, len(text), "name_patterns", 0.6)
    strong = Mention("method", "vision encoder", text.index("vision encoder"), text.index("vision encoder") + 14,
                     text, 0, len(text), "vocabulary", 0.9)
    ents = [Entity("method", "visionencoder", "VisionEncoder", role="used", mentions=[weak]),
            Entity("method", "vision encoder", "vision encoder", role="proposed", mentions=[strong])]
    assert concept_iri("method", ents[0].key) == concept_iri("method", ents[1].key)
    store = ox.Store()
    load_extractions(store, [Extraction(paper, ents, [])])
    c = f"<{concept_iri('method', 'vision encoder')}>"
    links = run(store, f"SELECT ?link ?conf ?span WHERE {{ ?link rdf:object {c} ; kgo:confidence ?conf ; kgo:span ?span }}").rows
    assert len(links) == 1 and float(links[0][1]) == 0.9
    start = int(str(links[0][2]).split()[0])
    assert text[start:start + 14] == "vision encoder"  # the surer entity's evidence
    relations = run(store, f"SELECT ?rel WHERE {{ ?p a kgo:Paper ; ?rel {c} }}").rows  # kgo:mentions is implied, not stored
    from kg.rdf.namespaces import KGO

    assert [str(r[0]) for r in relations] == [str(KGO.proposes)]
    labels = {str(r[0]) for r in run(store, f"SELECT ?l WHERE {{ {c} skos:altLabel ?l }}").rows}
    assert {"VisionEncoder", "vision encoder"} <= labels


def test_a_name_the_text_gives_only_in_part_is_labelled_by_its_name_not_its_span(tmp_path):
    # "speech and music classification" names speech classification, but the words of the text that
    # say so are only "speech": that span is the link's evidence, and was the concept's label
    from kg.build import build
    from kg.extract import build_nlp, extract
    from kg.paths import RULES_PIPELINE
    from kg.query import with_prefixes
    from kg.store import open_store

    papers = [Paper(id="a", title="Audio models for many sounds",
                    abstract="We study speech and music classification, and page-level and layout-level "
                             "retrieval of documents, with one new model.")]
    labels_query = with_prefixes("SELECT ?l WHERE { ?c kgo:minted true ; skos:prefLabel ?l }")
    store = ox.Store()
    load_extractions(store, extract(papers, nlp=build_nlp(RULES_PIPELINE)))
    loaded = {row["l"].value for row in store.query(labels_query)}
    assert {"speech classification", "page-level retrieval", "layout-level retrieval"} <= loaded
    assert not {"speech", "page-level"} & loaded
    # the build's own path (labels from the tallies its workers keep) gives the same labels
    source = tmp_path / "papers.jsonl"
    source.write_text('{"title": "%s", "abstract": "%s"}\n' % (papers[0].title, papers[0].abstract))
    build([source], tmp_path / "g", extras=False, jobs=1, pipeline=RULES_PIPELINE)
    assert {row["l"].value for row in open_store(tmp_path / "g").query(labels_query)} == loaded
