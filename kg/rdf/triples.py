"""Extraction -> RDF, as N-Triples lines.

N-Triples is written directly (with the escaping its grammar requires) because it is what the
store's bulk loader reads fastest and what parallel workers can hand back cheaply; a graph is a set,
so shards from any number of workers load into the same graph.

Every paper's triples are a function of that paper alone: the preferred label of a concept minted
from text is chosen after loading, from all its surface forms (`finalise_labels`), so the graph does
not depend on the order in which papers were processed, the batch size or the number of workers.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal

from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from kg.ids import normalise_title
from kg.model import Entity, Extraction, Mention, Paper, Result
from kg.rdf import mint
from kg.rdf.namespaces import CLASS_OF_TYPE, KGO, PROPERTY_OF_ROLE, PROPERTY_OF_TYPE, SCHEMA
from kg.rdf.tallies import Tally

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def iri(value: str) -> str:
    return f"<{value}>"


def lit(value: str, lang: str | None = None) -> str:
    text = '"' + value.translate(_ESCAPES) + '"'
    return f"{text}@{lang}" if lang else text


def typed(value: str, datatype: str) -> str:
    return f'"{value}"^^<{datatype}>'


def issued_year(value: object) -> int:
    """The year a dcterms:issued value stands for (its first four characters), 0 when none: how
    the report reads a paper's date, whether from the store or from the build's tallies."""
    try:
        return int(str(value)[:4])
    except (TypeError, ValueError):
        return 0


def integer(value: int) -> str:
    return typed(str(int(value)), str(XSD.integer))


@functools.lru_cache(maxsize=1 << 14)  # confidences take a few hundred values: formatted once each
def decimal(value: float, places: int = 6) -> str:
    # normalised so that 0.5000 and 0.5 are one literal; always with a point, as xsd:decimal's canonical form
    text = format(Decimal(str(round(float(value), places))).normalize(), "f")
    return typed(text if "." in text else text + ".0", str(XSD.decimal))


A = iri(RDF.type)
K = {name: iri(KGO[name]) for name in (
    "Paper", "Extractor", "DefaultExtractor", "confidence", "span", "reportsResult", "metric", "method", "dataset", "value", "unit", "isRelative", "arxivId", "doi", "pmid",
    "sourceFile", "minted",
)}
SUBJ, OBJ = iri(RDF.subject), iri(RDF.object)
PREF, ALT = iri(SKOS.prefLabel), iri(SKOS.altLabel)
TITLE, ABSTRACT, IDENT, ISSUED = iri(DCTERMS.title), iri(DCTERMS.abstract), iri(DCTERMS.identifier), iri(DCTERMS.issued)
CREATOR, SUBJECT, URL, LABEL = iri(DCTERMS.creator), iri(DCTERMS.subject), iri(SCHEMA.url), iri(RDFS.label)
ATTRIBUTED = iri(PROV.wasAttributedTo)
CLASS = {t: iri(c) for t, c in CLASS_OF_TYPE.items()}
PROP = {t: iri(p) for t, p in PROPERTY_OF_TYPE.items()}
ROLE_PROP = {r: iri(p) for r, p in PROPERTY_OF_ROLE.items()}
TRUE = typed("true", str(XSD.boolean))
# The rule that finds most links (about 70% of them): a link it found names no extractor, and the
# graph says once that it is the default one (kgo:DefaultExtractor), instead of on every link.
DEFAULT_RULE = "vocabulary"
ARXIV_ABS = "https://arxiv.org/abs/"


@functools.cache
def vocabulary_iris() -> frozenset[str]:
    from kg.extract.vocabulary import load_vocabulary

    return frozenset(load_vocabulary().concepts)


@functools.cache
def vocabulary_prefs() -> dict[str, str]:
    """Each vocabulary concept's preferred label, which the ontology files already state."""
    from kg.extract.vocabulary import load_vocabulary

    return {iri: concept.pref for iri, concept in load_vocabulary().concepts.items()}


class TripleWriter:
    """Turns Extractions into N-Triples lines ("<s> <p> <o> .").

    It remembers the concepts and extractors it has already declared, only to avoid writing the
    same triples twice; the triples themselves do not depend on that memory.
    """

    def __init__(self) -> None:
        # Vocabulary concepts are declared by the ontology files every build loads: a name minted
        # from text can slug to one of their IRIs ("speedup"), and must then not be declared minted
        # (a minted concept's label is rewritten from surface forms; a vocabulary one keeps its own).
        self._declared: set[str] = set(vocabulary_iris())
        self.tally: Tally | None = None  # when set, also tallies what the triples hold (kg.rdf.tallies)

    @staticmethod
    def concept_iri(entity: Entity) -> str:
        return entity.concept or mint.concept_iri(entity.type, entity.key)

    def _declare_minted(self, concept: str, entity_type: str, out: list[str]) -> bool:
        """Declare a concept minted from text (once per writer); whether it is a minted concept,
        False when its IRI is a vocabulary concept's."""
        if concept in self._declared:
            return concept not in vocabulary_iris()
        self._declared.add(concept)
        c = iri(concept)
        # its class (kgo:Method, ...) is a subclass of skos:Concept: no second rdf:type; and its
        # scheme is its class's (kgs:methods for kgo:Method, ...): no skos:inScheme either
        out += [
            f"{c} {A} {CLASS[entity_type]} .",
            f"{c} {K['minted']} {TRUE} .",
        ]
        return True

    def _extractor(self, rule: str, out: list[str]) -> str:
        node = iri(mint.extractor_iri(rule))
        if node not in self._declared:
            self._declared.add(node)
            out += [f"{node} {A} {K['Extractor']} .", f"{node} {LABEL} {lit(rule)} ."]
            if rule == DEFAULT_RULE:
                out.append(f"{node} {A} {K['DefaultExtractor']} .")
        return node

    @staticmethod
    def _span(m: Mention | Result) -> str:
        """Where the text says it: one literal with the mention's and its sentence's character offsets
        into the paper's text (title, a blank line, abstract), "start end sentenceStart sentenceEnd".
        The text is stored once, as the paper's title and abstract; the `evidence` query reads the
        words back from it. One literal instead of four integer triples: offsets are only ever read
        together, to cut the text."""
        return lit(f"{m.start} {m.end} {m.sent_start} {m.sent_end}")

    def paper_triples(self, paper: Paper) -> list[str]:
        p = iri(mint.paper_iri(paper.id))
        out = [
            f"{p} {A} {K['Paper']} .",
            f"{p} {TITLE} {lit(paper.title)} .",
            f"{p} {ABSTRACT} {lit(paper.abstract)} .",
            f"{p} {IDENT} {lit(paper.id)} .",
        ]
        if paper.arxiv_id:
            out.append(f"{p} {K['arxivId']} {lit(paper.arxiv_id)} .")
        if paper.doi:
            out.append(f"{p} {K['doi']} {lit(paper.doi)} .")
        if paper.pmid:
            out.append(f"{p} {K['pmid']} {lit(paper.pmid)} .")
        if paper.url and not (paper.arxiv_id and paper.url == ARXIV_ABS + paper.arxiv_id):
            # an arXiv paper's page is its arXiv id's: `CONCAT("https://arxiv.org/abs/", ?arxivId)`
            out.append(f"{p} {URL} {lit(paper.url)} .")
        if paper.year:
            out.append(f"{p} {ISSUED} {typed(str(paper.year), str(XSD.gYear))} .")
        out += [f"{p} {CREATOR} {lit(a)} ." for a in paper.authors]
        out += [f"{p} {SUBJECT} {lit(c)} ." for c in paper.categories]
        if paper.source is not None:
            out.append(f"{p} {K['sourceFile']} {lit(str(paper.source))} .")
        return out

    def triples(self, extraction: Extraction) -> list[str]:
        paper = extraction.paper
        out = self.paper_triples(paper)
        p = iri(mint.paper_iri(paper.id))
        by_form: dict[tuple[str, str], str] = {}  # (type, normalised form) -> concept IRI, to resolve results
        tally = self.tally if self.tally is not None else Tally()
        mentioned: set[str] = set()
        # Two entities of one paper can name one concept IRI ("vision encoder" and "VisionEncoder"
        # are two keys but one minted IRI): the concept gets one link, the surest entity's (a
        # proposal before a use at equal confidence), and the other's forms as labels; two links
        # under one IRI would give it two confidences, two spans and two relations.
        linked: dict[str, Entity] = {}
        for entity in extraction.entities:
            concept = self.concept_iri(entity)
            best = linked.get(concept)
            if best is None or (entity.confidence, entity.role == "proposed") > (best.confidence, best.role == "proposed"):
                linked[concept] = entity
        for entity in extraction.entities:
            concept = self.concept_iri(entity)
            mentioned.add(concept)
            c = iri(concept)
            # (a name minted from text can slug to a vocabulary concept's IRI: that one keeps its own label)
            is_minted = not entity.concept and self._declare_minted(concept, entity.type, out)
            if is_minted:
                tally.minted.add(concept)
            evidence = _evidence(entity)
            # the form its evidence spans votes for a minted concept's label if it names the concept;
            # an entity whose link does not vote offers its names instead (taken if no link votes)
            names = {entity.label, *entity.surface_forms}
            votes = evidence is not None and paper.text[evidence.start:evidence.end] in names
            own_label = vocabulary_prefs().get(concept)  # not repeated as an alternative label
            for form in names:
                if form != own_label:
                    out.append(f"{c} {ALT} {lit(form, 'en')} .")
                by_form[(entity.type, normalise_title(form))] = concept
                if is_minted and (not votes or linked[concept] is not entity):
                    tally.alt(concept, form)
            if linked[concept] is not entity:
                continue
            is_role_typed = entity.type in ("method", "dataset")
            role = (entity.role or "used") if is_role_typed else None
            prop = ROLE_PROP[role] if role else PROP[entity.type]
            # The paper states the one sub-property of kgo:mentions that says the entity's role;
            # kgo:mentions itself is implied by it and not stored (kg.rdf.namespaces.mentions reads the union).
            # The link: the paper and the entity (rdf:subject, rdf:object) and how sure the extractor
            # is. Its type (kgo:Link) is implied by kgo:confidence's domain and its relation is the one
            # sub-property of kgo:mentions between the two, so neither is stored. The paper is stored
            # although the link's IRI names it: a paper computed from the IRI in SPARQL cannot be
            # looked up through an index, and Oxigraph then joins every paper (the evidence of one
            # popular entity took 1.7 s at 100k papers instead of milliseconds).
            link = iri(mint.link_iri(paper.id, concept))
            out += [
                f"{p} {prop} {c} .",
                f"{link} {SUBJ} {p} .",
                f"{link} {OBJ} {c} .",
                f"{link} {K['confidence']} {decimal(entity.confidence, 3)} .",
            ]
            if evidence is not None:
                out.append(f"{link} {K['span']} {self._span(evidence)} .")
                extractor = self._extractor(evidence.rule, out)
                if evidence.rule != DEFAULT_RULE:
                    out.append(f"{link} {ATTRIBUTED} {extractor} .")
                if votes and is_minted:
                    # the form as the store reads it back (a name inside "RefCOCO/+/g" spans part of it)
                    tally.forms[(concept, paper.text[evidence.start:evidence.end])] += 1
        tally.paper(mentioned, mint.paper_iri(paper.id), issued_year(paper.year) if paper.year else 0)
        for index, result in enumerate(extraction.results):
            out += self._result(paper.id, p, index, result, by_form, tally)
        return out

    def _result(self, paper_id: str, p: str, index: int, r: Result, by_form: dict[tuple[str, str], str],
                tally: Tally) -> list[str]:
        result_iri = mint.result_iri(paper_id, index)
        node = iri(result_iri)
        # kgo:Result is the range of kgo:reportsResult, and every result comes from the one results
        # extractor (kgr:extractor/results): neither is repeated on every result. Only a relative
        # result says so: no kgo:isRelative is false.
        out = [
            f"{p} {K['reportsResult']} {node} .",
            f"{node} {K['value']} {decimal(r.value)} .",
            f"{node} {K['span']} {self._span(r)} .",
        ]
        if r.relative:
            out.append(f"{node} {K['isRelative']} {TRUE} .")
        if r.unit:
            out.append(f"{node} {K['unit']} {lit(r.unit)} .")
        for kind, name in (("metric", r.metric), ("method", r.method), ("dataset", r.dataset)):
            if not name:
                continue
            concept = by_form.get((kind, normalise_title(name)))
            if concept is None:  # named only in the result: mint it like any other concept
                concept = mint.concept_iri(kind, normalise_title(name) or name)
                if self._declare_minted(concept, kind, out):
                    out.append(f"{iri(concept)} {ALT} {lit(name, 'en')} .")
                    tally.minted.add(concept)
                    tally.alt(concept, name)
            out.append(f"{node} {K[kind]} {iri(concept)} .")
            if kind == "dataset":  # the leaderboard ranking (kg.rdf.counts) is kept per dataset
                tally.results.append((result_iri, concept, int(r.relative), round(float(r.value), 6)))
        return out


def to_ntriples(extractions: Iterable[Extraction], writer: TripleWriter | None = None) -> Iterator[str]:
    """N-Triples lines (newline-terminated) of a stream of extractions."""
    writer = writer or TripleWriter()
    for extraction in extractions:
        for line in writer.triples(extraction):
            yield line + "\n"


# the surface form of each link's evidence, read back from its paper's text
LABEL_QUERY = """
SELECT ?c ?form (COUNT(?link) AS ?n) WHERE {
  ?c kgo:minted true . ?link rdf:object ?c ; rdf:subject ?p ; kgo:span ?span .
  ?p dcterms:title ?title ; dcterms:abstract ?abstract .
  BIND(xsd:integer(STRBEFORE(?span, " ")) AS ?start)
  BIND(xsd:integer(STRBEFORE(STRAFTER(?span, " "), " ")) AS ?end)
  BIND(SUBSTR(CONCAT(?title, "\\n\\n", ?abstract), ?start + 1, ?end - ?start) AS ?form)
} GROUP BY ?c ?form
"""
NAMES_QUERY = "SELECT ?c ?alt WHERE { ?c kgo:minted true ; skos:altLabel ?alt }"
FALLBACK_LABEL_QUERY = "SELECT ?c (MIN(STR(?alt)) AS ?l) WHERE { ?c kgo:minted true ; skos:altLabel ?alt } GROUP BY ?c"


def _evidence(entity: Entity) -> Mention | None:
    """The mention a link keeps as evidence (the others say the same in other places): the first
    that names the entity as the extractor named it, else the first."""
    named = [m for m in entity.mentions if m.text == entity.label] or entity.mentions
    return min(named, key=lambda m: m.start) if named else None


def finalise_labels(store) -> int:
    """Give every minted concept one preferred label: its most frequent surface form among the
    evidence spans that name it (else its least alternative label).

    Ties go to the alphabetically first form, so the choice depends only on the graph's content.
    Labels are recomputed from scratch, so an appended build ends with the same labels as a build
    of all its inputs at once. Returns the number of concepts labelled.
    """
    import pyoxigraph as ox

    from kg.query import with_prefixes

    # only a span that names the concept votes: "page-level" in "page-level and layout-level
    # retrieval" is where page-level retrieval is named, not a label for it (its names are its alt labels)
    names: dict[str, set[str]] = defaultdict(set)
    for row in store.query(with_prefixes(NAMES_QUERY)):
        names[row["c"].value].add(row["alt"].value)
    best: dict[str, tuple[int, str]] = {}
    for row in store.query(with_prefixes(LABEL_QUERY)):
        concept, form, count = row["c"].value, row["form"], int(row["n"].value)
        if form.value not in names[concept]:
            continue
        key = (-count, form.value)
        if concept not in best or key < (-best[concept][0], best[concept][1]):
            best[concept] = (count, form.value)
    # concepts with no evidence (named only in a result): their alphabetically first label
    for row in store.query(with_prefixes(FALLBACK_LABEL_QUERY)):
        best.setdefault(row["c"].value, (0, row["l"].value))
    store.update(with_prefixes("DELETE { ?c skos:prefLabel ?l } WHERE { ?c kgo:minted true ; skos:prefLabel ?l }"))
    pref = ox.NamedNode(str(SKOS.prefLabel))
    store.bulk_extend(
        ox.Quad(ox.NamedNode(c), pref, ox.Literal(label, language="en")) for c, (_, label) in best.items()
    )
    return len(best)


def load_extractions(store, extractions: Iterable[Extraction]) -> None:
    """Add extractions to a pyoxigraph Store, label the concepts they mint and count (small graphs, tests)."""
    import pyoxigraph as ox

    from kg.rdf.counts import materialise_counts

    data = "".join(to_ntriples(extractions)).encode("utf-8")
    if data:
        store.bulk_load(input=data, format=ox.RdfFormat.N_TRIPLES)
    finalise_labels(store)
    materialise_counts(store)
