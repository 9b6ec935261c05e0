"""Extraction -> RDF triples (pyoxigraph terms, so millions of them stream straight into the store).

`TripleWriter` remembers which concepts it has described, so a concept's type and preferred label
are written once per build however many papers name it. Papers are processed in input order, so the
first paper to name a new concept gives it its label, whatever the batch size or number of processes.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from kg.ids import normalise_title
from kg.model import Entity, Extraction, Mention, Paper, Result
from kg.rdf import mint
from kg.rdf.namespaces import CLASS_OF_TYPE, KGO, PROPERTY_OF_ROLE, PROPERTY_OF_TYPE, SCHEMA, SCHEME_OF_TYPE


def _n(term: str) -> ox.NamedNode:
    return ox.NamedNode(str(term))


# Frequently used nodes, converted once.
A = _n(RDF.type)
T = {name: _n(KGO[name]) for name in (
    "Paper", "Link", "Evidence", "Result", "Extractor", "mentions", "role", "confidence", "evidence",
    "sentence", "sentenceStart", "sentenceEnd", "start", "end", "surfaceForm", "inPaper", "rule",
    "reportsResult", "metric", "method", "dataset", "value", "unit", "isRelative", "arxivId", "doi",
    "sourceFile",
)}
RDF_SUBJECT, RDF_PREDICATE, RDF_OBJECT = _n(RDF.subject), _n(RDF.predicate), _n(RDF.object)
PREF, ALT, IN_SCHEME, CONCEPT = _n(SKOS.prefLabel), _n(SKOS.altLabel), _n(SKOS.inScheme), _n(SKOS.Concept)
TITLE, ABSTRACT, IDENT, ISSUED, CREATOR, SUBJECT = (
    _n(DCTERMS.title), _n(DCTERMS.abstract), _n(DCTERMS.identifier), _n(DCTERMS.issued),
    _n(DCTERMS.creator), _n(DCTERMS.subject),
)
URL, LABEL, ATTRIBUTED = _n(SCHEMA.url), _n(RDFS.label), _n(PROV.wasAttributedTo)
CLASS = {t: _n(c) for t, c in CLASS_OF_TYPE.items()}
SCHEME = {t: _n(s) for t, s in SCHEME_OF_TYPE.items()}
PROP = {t: _n(p) for t, p in PROPERTY_OF_TYPE.items()}
ROLE_PROP = {r: _n(p) for r, p in PROPERTY_OF_ROLE.items()}
XSD_INT, XSD_DEC, XSD_BOOL, XSD_YEAR = _n(XSD.integer), _n(XSD.decimal), _n(XSD.boolean), _n(XSD.gYear)


def _str(value: str) -> ox.Literal:
    return ox.Literal(value)


def _en(value: str) -> ox.Literal:
    return ox.Literal(value, language="en")


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=XSD_INT)


def _dec(value: float, places: int = 6) -> ox.Literal:
    # Decimal via str keeps the value as written (74.0 -> "74.0"), normalised so 0.5000 == 0.5
    d = Decimal(str(round(float(value), places))).normalize()
    text = format(d, "f")
    if "." not in text:
        text += ".0"
    return ox.Literal(text, datatype=XSD_DEC)


class TripleWriter:
    """Turns Extractions into triples; one instance per build (it tracks described concepts)."""

    def __init__(self, known_concepts: Iterable[str] = ()) -> None:
        # Concepts whose type and label are already in the graph (vocabulary, earlier builds).
        self._described: set[str] = set(known_concepts)

    def concept_iri(self, entity: Entity) -> str:
        return entity.concept or mint.concept_iri(entity.type, entity.key)

    def _describe(self, iri: str, entity_type: str, label: str, out: list[ox.Quad]) -> None:
        if iri in self._described:
            return
        self._described.add(iri)
        node = ox.NamedNode(iri)
        out += [
            ox.Quad(node, A, CLASS[entity_type]),
            ox.Quad(node, A, CONCEPT),
            ox.Quad(node, IN_SCHEME, SCHEME[entity_type]),
            ox.Quad(node, PREF, _en(label)),
        ]

    def _extractor(self, rule: str, out: list[ox.Quad]) -> ox.NamedNode:
        iri = mint.extractor_iri(rule)
        node = ox.NamedNode(iri)
        if iri not in self._described:
            self._described.add(iri)
            out += [ox.Quad(node, A, T["Extractor"]), ox.Quad(node, LABEL, _str(rule))]
        return node

    def _evidence(
        self, owner: str, paper: ox.NamedNode, m: Mention | Result, rule: str, out: list[ox.Quad]
    ) -> ox.NamedNode:
        ev = ox.NamedNode(mint.evidence_iri(owner, m.start, m.end))
        sent_start = getattr(m, "sent_start", None)
        out += [
            ox.Quad(ev, A, T["Evidence"]),
            ox.Quad(ev, T["inPaper"], paper),
            ox.Quad(ev, T["sentence"], _str(m.sentence)),
            ox.Quad(ev, T["start"], _int(m.start)),
            ox.Quad(ev, T["end"], _int(m.end)),
            ox.Quad(ev, T["surfaceForm"], _str(m.text)),
            ox.Quad(ev, T["rule"], _str(rule)),
            ox.Quad(ev, ATTRIBUTED, self._extractor(rule, out)),
        ]
        if sent_start is not None:
            out += [
                ox.Quad(ev, T["sentenceStart"], _int(sent_start)),
                ox.Quad(ev, T["sentenceEnd"], _int(m.sent_end)),
            ]
        return ev

    def paper_triples(self, paper: Paper) -> list[ox.Quad]:
        p = ox.NamedNode(mint.paper_iri(paper.id))
        out = [
            ox.Quad(p, A, T["Paper"]),
            ox.Quad(p, TITLE, _str(paper.title)),
            ox.Quad(p, ABSTRACT, _str(paper.abstract)),
            ox.Quad(p, IDENT, _str(paper.id)),
        ]
        if paper.arxiv_id:
            out.append(ox.Quad(p, T["arxivId"], _str(paper.arxiv_id)))
        if paper.doi:
            out.append(ox.Quad(p, T["doi"], _str(paper.doi)))
        if paper.url:
            out.append(ox.Quad(p, URL, _str(paper.url)))
        if paper.year:
            out.append(ox.Quad(p, ISSUED, ox.Literal(str(paper.year), datatype=XSD_YEAR)))
        out += [ox.Quad(p, CREATOR, _str(a)) for a in paper.authors]
        out += [ox.Quad(p, SUBJECT, _str(c)) for c in paper.categories]
        if paper.source is not None:
            out.append(ox.Quad(p, T["sourceFile"], _str(str(paper.source))))
        return out

    def triples(self, extraction: Extraction) -> list[ox.Quad]:
        paper = extraction.paper
        out = self.paper_triples(paper)
        p = ox.NamedNode(mint.paper_iri(paper.id))
        by_form: dict[str, str] = {}  # normalised surface form -> concept IRI, to resolve results
        for entity in extraction.entities:
            iri = self.concept_iri(entity)
            self._describe(iri, entity.type, entity.label, out)
            c = ox.NamedNode(iri)
            for form in entity.surface_forms:
                out.append(ox.Quad(c, ALT, _en(form)))
                by_form[normalise_title(form)] = iri
            by_form[normalise_title(entity.label)] = iri
            role = entity.role if entity.type in ("method", "dataset") else None
            prop = ROLE_PROP[role or "used"] if entity.type in ("method", "dataset") else PROP[entity.type]
            link_iri = mint.link_iri(paper.id, iri)
            link = ox.NamedNode(link_iri)
            out += [
                ox.Quad(p, prop, c),
                ox.Quad(p, T["mentions"], c),
                ox.Quad(link, A, T["Link"]),
                ox.Quad(link, RDF_SUBJECT, p),
                ox.Quad(link, RDF_PREDICATE, prop),
                ox.Quad(link, RDF_OBJECT, c),
                ox.Quad(link, T["confidence"], _dec(entity.confidence, 3)),
            ]
            if role:
                out.append(ox.Quad(link, T["role"], _str(role)))
            for m in entity.mentions:
                out.append(ox.Quad(link, T["evidence"], self._evidence(link_iri, p, m, m.rule, out)))
        for index, result in enumerate(extraction.results):
            out += self._result_triples(paper.id, p, index, result, by_form)
        return out

    def _result_triples(
        self, paper_id: str, p: ox.NamedNode, index: int, r: Result, by_form: dict[str, str]
    ) -> list[ox.Quad]:
        iri = mint.result_iri(paper_id, index)
        node = ox.NamedNode(iri)
        out = [
            ox.Quad(p, T["reportsResult"], node),
            ox.Quad(node, A, T["Result"]),
            ox.Quad(node, T["value"], _dec(r.value)),
            ox.Quad(node, T["isRelative"], ox.Literal("true" if r.relative else "false", datatype=XSD_BOOL)),
        ]
        if r.unit:
            out.append(ox.Quad(node, T["unit"], _str(r.unit)))
        for kind, name in (("metric", r.metric), ("method", r.method), ("dataset", r.dataset)):
            if not name:
                continue
            concept = by_form.get(normalise_title(name))
            if concept is None:
                concept = mint.concept_iri(kind, normalise_title(name) or name)
                self._describe(concept, kind, name, out)
            out.append(ox.Quad(node, T[kind], ox.NamedNode(concept)))
        out.append(ox.Quad(node, T["evidence"], self._evidence(iri, p, r, "results", out)))
        return out


def extraction_triples(extractions: Iterable[Extraction], writer: TripleWriter | None = None) -> Iterator[ox.Quad]:
    """All triples of a stream of extractions."""
    writer = writer or TripleWriter()
    for extraction in extractions:
        yield from writer.triples(extraction)
