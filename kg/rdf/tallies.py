"""Tallies of what the papers of a build mention, from which the end of the build writes the graph's
derived triples: the preferred label of every minted concept, the paper count of every concept,
the modality-pair nodes and each modality's top methods (`kg.rdf.counts` says what they mean).

Computing those with SPARQL aggregates over the finished store means following every link and every
evidence node through the store's indexes: random reads that, once the store outgrows the page cache
(tens of GB at a million papers), cost more than the whole extraction. Instead, the worker that
writes a paper's triples also tallies what they hold (`Tally`, a few counters per batch); the build
adds the tallies up in a SQLite file inside the build folder (`TallyFile`), whose size follows the
number of distinct concepts and whose memory stays flat, and at the end streams the derived triples
out of it into the store. The result is the same graph as `finalise_labels` and
`materialise_counts` compute from the store (a test holds them to that).

Tallies are sums, so any cut of the input into batches and any number of workers gives the same
totals; an appended build continues the file it copies from the previous build and rewrites the
derived triples of the concepts its new papers touch.
"""
from __future__ import annotations

import heapq
import itertools
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.rdf.counts import TOP_METHODS, node_iri
from kg.rdf.namespaces import KGC, KGO, RDF, SKOS, XSD

TALLY_FILE = "tallies.sqlite"
FLUSH_ENTRIES = 200_000  # tally entries merged in memory before they are added to the file

SCHEMA = """
CREATE TABLE IF NOT EXISTS concepts (concept TEXT PRIMARY KEY, papers INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS forms (concept TEXT, form TEXT, n INTEGER NOT NULL, PRIMARY KEY (concept, form)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS minted (concept TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alts (concept TEXT PRIMARY KEY, alt TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pairs (a TEXT, b TEXT, papers INTEGER NOT NULL, PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS modality_methods (modality TEXT, method TEXT, papers INTEGER NOT NULL,
    PRIMARY KEY (modality, method)) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS touched (concept TEXT PRIMARY KEY) WITHOUT ROWID;
"""
TOUCHED = "concept IN (SELECT concept FROM touched)"  # the rows an appended build rewrites
UPSERTS = {
    "concepts": "INSERT INTO concepts VALUES (?, ?) ON CONFLICT DO UPDATE SET papers = papers + excluded.papers",
    "forms": "INSERT INTO forms VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n",
    "alts": "INSERT INTO alts VALUES (?, ?) ON CONFLICT DO UPDATE SET alt = min(alt, excluded.alt)",
    "pairs": "INSERT INTO pairs VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET papers = papers + excluded.papers",
    "modality_methods": "INSERT INTO modality_methods VALUES (?, ?, ?) "
                        "ON CONFLICT DO UPDATE SET papers = papers + excluded.papers",
}

PAPER_COUNT, RANK, FIRST, SECOND = (ox.NamedNode(str(KGO[n])) for n in ("paperCount", "rank", "first", "second"))
PREF_LABEL, RDF_TYPE, INTEGER = ox.NamedNode(str(SKOS.prefLabel)), ox.NamedNode(str(RDF.type)), ox.NamedNode(str(XSD.integer))
MODALITY_PAIR, MODALITY_METHOD = ox.NamedNode(str(KGO.ModalityPair)), ox.NamedNode(str(KGO.ModalityMethod))
MODALITY, METHOD = str(KGC) + "modality/", str(KGC) + "method/"
MINTED, TRUE = ox.NamedNode(str(KGO.minted)), ox.Literal("true", datatype=ox.NamedNode(str(XSD.boolean)))


@dataclass
class Tally:
    """What some papers contribute to the derived triples; picklable and additive."""

    concepts: Counter = field(default_factory=Counter)  # concept IRI -> papers that mention it
    forms: Counter = field(default_factory=Counter)  # (concept, evidence surface form) -> evidence nodes
    minted: set[str] = field(default_factory=set)  # concepts minted from text (the ones labels are chosen for)
    alts: dict[str, str] = field(default_factory=dict)  # minted concept without evidence -> least alt label
    pairs: Counter = field(default_factory=Counter)  # (modality, modality) in IRI order -> papers
    modality_methods: Counter = field(default_factory=Counter)  # (modality, method) -> papers

    def paper(self, concepts: set[str]) -> None:
        """Count one paper that mentions these concepts (its `kgo:mentions` objects)."""
        self.concepts.update(concepts)
        modalities = sorted(c for c in concepts if c.startswith(MODALITY))
        self.pairs.update(itertools.combinations(modalities, 2))
        methods = [c for c in concepts if c.startswith(METHOD)]
        self.modality_methods.update(itertools.product(modalities, methods))

    def alt(self, concept: str, label: str) -> None:
        if concept not in self.alts or label < self.alts[concept]:
            self.alts[concept] = label

    def add(self, other: "Tally") -> None:
        self.concepts.update(other.concepts)
        self.forms.update(other.forms)
        self.minted |= other.minted
        for concept, label in other.alts.items():
            self.alt(concept, label)
        self.pairs.update(other.pairs)
        self.modality_methods.update(other.modality_methods)

    def __len__(self) -> int:
        return len(self.concepts) + len(self.forms) + len(self.minted) + len(self.alts) + len(self.pairs) + len(self.modality_methods)


class TallyFile:
    """The running totals of a build, in `DIR/tallies.sqlite`."""

    def __init__(self, path: str | Path) -> None:
        # The file lives in the build's staging folder, which a crash abandons whole: no journal needed.
        self.db = sqlite3.connect(str(path))
        self.db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;" + SCHEMA)
        self.pending = Tally()

    def add(self, tally: Tally) -> None:
        self.pending.add(tally)
        if len(self.pending) >= FLUSH_ENTRIES:
            self.flush()

    def flush(self) -> None:
        p, self.pending = self.pending, Tally()
        with self.db:
            self.db.executemany(UPSERTS["concepts"], p.concepts.items())
            for touched in (p.concepts, p.minted):  # the concepts whose derived triples this build rewrites
                self.db.executemany("INSERT OR IGNORE INTO touched VALUES (?)", ((c,) for c in touched))
            self.db.executemany(UPSERTS["forms"], ((c, f, n) for (c, f), n in p.forms.items()))
            self.db.executemany("INSERT OR IGNORE INTO minted VALUES (?)", ((c,) for c in p.minted))
            self.db.executemany(UPSERTS["alts"], p.alts.items())
            self.db.executemany(UPSERTS["pairs"], ((a, b, n) for (a, b), n in p.pairs.items()))
            self.db.executemany(UPSERTS["modality_methods"], ((m, x, n) for (m, x), n in p.modality_methods.items()))

    def close(self) -> None:
        self.db.close()

    def concepts_per_type(self) -> Counter:
        """Distinct concepts that papers mention, per entity type (the path segment after kgc:)."""
        rows = self.db.execute(
            "SELECT substr(concept, ?1, instr(substr(concept, ?1), '/') - 1), COUNT(*) FROM concepts GROUP BY 1",
            (len(str(KGC)) + 1,),
        )
        return Counter(dict(rows))

    # --- the derived triples -------------------------------------------------------------------

    def labels(self, only_touched: bool) -> Iterator[tuple[str, str]]:
        """(minted concept, preferred label): its most frequent evidence surface form, ties to the
        least form; a concept with no evidence (named only in results) takes its least alt label."""
        touched = f" AND {TOUCHED}" if only_touched else ""
        rows = self.db.execute(
            f"SELECT concept, form, n FROM forms WHERE concept IN (SELECT concept FROM minted){touched} ORDER BY concept, form"
        )
        for concept, group in itertools.groupby(rows, key=lambda row: row[0]):
            yield concept, min(group, key=lambda row: (-row[2], row[1]))[1]
        yield from self.db.execute(
            "SELECT concept, alt FROM alts a WHERE NOT EXISTS (SELECT 1 FROM forms f WHERE f.concept = a.concept)" + touched
        )

    def paper_counts(self, only_touched: bool) -> Iterator[tuple[str, int]]:
        yield from self.db.execute("SELECT concept, papers FROM concepts" + (f" WHERE {TOUCHED}" if only_touched else ""))

    def top_methods(self, top: int = TOP_METHODS) -> Iterator[tuple[str, str, int, int]]:
        """(modality, method, papers, rank) for each modality's `top` methods, by papers then IRI."""
        rows = self.db.execute("SELECT modality, method, papers FROM modality_methods ORDER BY modality, method")
        for modality, group in itertools.groupby(rows, key=lambda row: row[0]):
            best = heapq.nsmallest(top, ((-n, method) for _, method, n in group))
            for rank, (negative, method) in enumerate(best, start=1):
                yield modality, method, -negative, rank

    def write_derived(self, store: ox.Store, *, appended: bool) -> None:
        """Write the derived triples into `store`. A fresh build writes them all; an appended one
        first removes the stale values of the concepts its papers touched and the count nodes."""
        self.flush()
        if appended:
            self._remove_stale(store)
        store.bulk_extend(self._quads(only_touched=appended))

    def _remove_stale(self, store: ox.Store) -> None:
        from kg.query import with_prefixes

        for (concept,) in self.db.execute("SELECT concept FROM touched"):
            node = ox.NamedNode(concept)
            stale = list(store.quads_for_pattern(node, PAPER_COUNT, None, ox.DefaultGraph()))
            if ox.Quad(node, MINTED, TRUE, ox.DefaultGraph()) in store:  # a vocabulary entry keeps its label
                stale += store.quads_for_pattern(node, PREF_LABEL, None, ox.DefaultGraph())
            for quad in stale:
                store.remove(quad)
        store.update(with_prefixes(
            "DELETE { ?x ?p ?o } WHERE { ?x a kgo:ModalityPair ; ?p ?o } ;"
            "DELETE { ?x ?p ?o } WHERE { ?x a kgo:ModalityMethod ; ?p ?o }"
        ))

    def _quads(self, only_touched: bool) -> Iterator[ox.Quad]:
        def count(n: int) -> ox.Literal:
            return ox.Literal(str(n), datatype=INTEGER)

        for concept, label in self.labels(only_touched):
            yield ox.Quad(ox.NamedNode(concept), PREF_LABEL, ox.Literal(label, language="en"))
        for concept, n in self.paper_counts(only_touched):
            yield ox.Quad(ox.NamedNode(concept), PAPER_COUNT, count(n))
        for a, b, n in self.db.execute("SELECT a, b, papers FROM pairs"):
            node = ox.NamedNode(node_iri(a, b))
            yield from (ox.Quad(node, RDF_TYPE, MODALITY_PAIR), ox.Quad(node, FIRST, ox.NamedNode(a)),
                        ox.Quad(node, SECOND, ox.NamedNode(b)), ox.Quad(node, PAPER_COUNT, count(n)))
        for modality, method, n, rank in self.top_methods():
            node = ox.NamedNode(node_iri(modality, method))
            yield from (ox.Quad(node, RDF_TYPE, MODALITY_METHOD), ox.Quad(node, FIRST, ox.NamedNode(modality)),
                        ox.Quad(node, SECOND, ox.NamedNode(method)), ox.Quad(node, PAPER_COUNT, count(n)),
                        ox.Quad(node, RANK, count(rank)))

