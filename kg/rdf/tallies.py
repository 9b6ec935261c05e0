"""Tallies of what the papers of a build mention, from which the end of the build writes the graph's
derived triples: the preferred label of every minted concept, the paper count of every concept,
the modality-pair nodes, each modality's top methods and the rankings (each type's most mentioned
concepts, each dataset's best results, the most co-mentioned concepts of popular concepts);
`kg.rdf.counts` says what they mean.

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
derived triples of the concepts its new papers touch. Two tallies are not sums: each dataset's
results (kept as rows, pruned to the best `TOP_RANKED` once a dataset has twice as many, since
results are only ever added) and which concepts each paper mentions (64-bit `concept_hash` keys
in blobs, 8 bytes per link: the related concepts are counted from them at the end with one sparse
matrix product per group of popular concepts).
"""
from __future__ import annotations

import heapq
import itertools
import sqlite3
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.rdf import counts
from kg.rdf.counts import TOP_METHODS, concept_hash, node_iri, paper_ranks, ranking_quads, result_key
from kg.rdf.namespaces import KGC, KGO, RDF, SKOS, XSD

TALLY_FILE = "tallies.sqlite"
TALLY_VERSION = 3  # what the file holds; an append continues only a file of this version
FLUSH_ENTRIES = 200_000  # tally entries merged in memory before they are added to the file

SCHEMA = """
CREATE TABLE IF NOT EXISTS concepts (concept TEXT PRIMARY KEY, papers INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS forms (concept TEXT, form TEXT, n INTEGER NOT NULL, PRIMARY KEY (concept, form)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS minted (concept TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alts (concept TEXT PRIMARY KEY, alt TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pairs (a TEXT, b TEXT, papers INTEGER NOT NULL, PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS modality_methods (modality TEXT, method TEXT, papers INTEGER NOT NULL,
    PRIMARY KEY (modality, method)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS results (result TEXT PRIMARY KEY, dataset TEXT NOT NULL, relative INTEGER NOT NULL,
    value REAL NOT NULL);
CREATE INDEX IF NOT EXISTS results_order ON results (dataset, relative, value DESC, result);
CREATE TABLE IF NOT EXISTS incidence (sizes BLOB NOT NULL, hashes BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS declared (line INTEGER PRIMARY KEY);
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
TOP_RESULT, RELATED_CONCEPT = ox.NamedNode(str(KGO.topResult)), ox.NamedNode(str(KGO.RelatedConcept))
MINTED, TRUE = ox.NamedNode(str(KGO.minted)), ox.Literal("true", datatype=ox.NamedNode(str(XSD.boolean)))


@dataclass
class Tally:
    """What some papers contribute to the derived triples; picklable and additive."""

    concepts: Counter = field(default_factory=Counter)  # concept IRI -> papers that mention it
    forms: Counter = field(default_factory=Counter)  # (concept, surface form of a link's evidence) -> links
    minted: set[str] = field(default_factory=set)  # concepts minted from text (the ones labels are chosen for)
    alts: dict[str, str] = field(default_factory=dict)  # minted concept without evidence -> least alt label
    pairs: Counter = field(default_factory=Counter)  # (modality, modality) in IRI order -> papers
    modality_methods: Counter = field(default_factory=Counter)  # (modality, method) -> papers
    results: list[tuple[str, str, int, float]] = field(default_factory=list)  # (result, dataset, relative, value)
    sizes: array = field(default_factory=lambda: array("q"))  # concepts each paper mentions, paper by paper
    hashes: array = field(default_factory=lambda: array("q"))  # their concept_hash keys, in the same order

    def paper(self, concepts: set[str]) -> None:
        """Count one paper that mentions these concepts (its `kgo:mentions` objects)."""
        self.concepts.update(concepts)
        self.sizes.append(len(concepts))
        self.hashes.extend(map(concept_hash, concepts))
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
        self.results += other.results
        self.sizes += other.sizes
        self.hashes += other.hashes

    def __len__(self) -> int:
        return (len(self.concepts) + len(self.forms) + len(self.minted) + len(self.alts) + len(self.pairs)
                + len(self.modality_methods) + len(self.results) + len(self.sizes))


class TallyFile:
    """The running totals of a build, in `DIR/tallies.sqlite`."""

    def __init__(self, path: str | Path) -> None:
        # The file lives in the build's staging folder, which a crash abandons whole: no journal needed.
        self.db = sqlite3.connect(str(path))
        self.db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;" + SCHEMA)
        if not self.db.execute("SELECT 1 FROM concepts LIMIT 1").fetchall():
            self.db.execute(f"PRAGMA user_version = {TALLY_VERSION}")
        self.pending = Tally()
        self.results_since_pruned: Counter = Counter()  # dataset -> rows added since it was last pruned

    @staticmethod
    def current(path: str | Path) -> bool:
        """Whether the file at `path` holds this version's tallies (an older kg kept fewer)."""
        if not Path(path).exists():
            return False
        db = sqlite3.connect(str(path))
        try:
            return db.execute("PRAGMA user_version").fetchone()[0] == TALLY_VERSION
        finally:
            db.close()

    def add(self, tally: Tally) -> None:
        self.pending.add(tally)
        if len(self.pending) >= FLUSH_ENTRIES:
            self.flush()

    def declare(self, keys) -> int:
        """Record the keys of lines that several batches may write (`kg.shard.SHARED_SUBJECTS`);
        return how many of them are new to the graph, so the build counts each triple once."""
        before = self.db.total_changes
        with self.db:
            self.db.executemany("INSERT OR IGNORE INTO declared VALUES (?)", ((k,) for k in keys))
        return self.db.total_changes - before

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
            self.db.executemany("INSERT OR IGNORE INTO results VALUES (?, ?, ?, ?)", p.results)
            if p.sizes:
                self.db.execute("INSERT INTO incidence VALUES (?, ?)", (p.sizes.tobytes(), p.hashes.tobytes()))
            self._prune_results(dataset for _, dataset, _, _ in p.results)

    def _prune_results(self, datasets) -> None:
        """Keep a dataset's best TOP_RANKED results once it has twice as many: the rest can never
        rank again, as results are only added."""
        self.results_since_pruned.update(datasets)
        for dataset, n in self.results_since_pruned.items():
            if n >= counts.TOP_RANKED:
                self.db.execute(
                    "DELETE FROM results WHERE dataset = ?1 AND result NOT IN (SELECT result FROM results WHERE dataset = ?1 "
                    "ORDER BY relative, value DESC, result LIMIT ?2)", (dataset, counts.TOP_RANKED))
        self.results_since_pruned = Counter({d: n for d, n in self.results_since_pruned.items() if n < counts.TOP_RANKED})

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

    def best_results(self, only_touched: bool) -> Iterator[tuple[str, str]]:
        """(dataset, result) for each dataset's TOP_RANKED best results (`kg.rdf.counts.result_key`)."""
        where = " WHERE dataset IN (SELECT concept FROM touched)" if only_touched else ""
        rows = self.db.execute(f"SELECT dataset, relative, value, result FROM results{where} ORDER BY dataset")
        for dataset, group in itertools.groupby(rows, key=lambda row: row[0]):
            for key in heapq.nsmallest(counts.TOP_RANKED, (result_key(rel, value, r) for _, rel, value, r in group)):
                yield dataset, key[2]

    def related(self, only_touched: bool) -> Iterator[tuple[str, str, int, int]]:
        """(concept, other, shared papers, rank) for the TOP_RANKED concepts most often mentioned with
        each concept that RELATED_MIN_PAPERS papers mention, counted from the papers' concept keys:
        one sparse product (popular concepts x papers) x (papers x concepts) per group of them."""
        import numpy as np
        from scipy import sparse

        touched = f" AND {TOUCHED}" if only_touched else ""
        popular = [c for (c,) in self.db.execute(
            f"SELECT concept FROM concepts WHERE papers >= ?{touched} ORDER BY concept", (counts.RELATED_MIN_PAPERS,))]
        if not popular:
            return
        papers, links = self.db.execute("SELECT SUM(length(sizes)), SUM(length(hashes)) FROM incidence").fetchone()
        sizes, hashes = np.empty(papers // 8, dtype=np.int64), np.empty(links // 8, dtype=np.int64)
        at = [0, 0]
        for blobs in self.db.execute("SELECT sizes, hashes FROM incidence"):  # filled in place: one copy in memory
            for k, (array_, blob) in enumerate(zip((sizes, hashes), blobs)):
                n = len(blob) // 8
                array_[at[k]:at[k] + n] = np.frombuffer(blob, dtype=np.int64)
                at[k] += n
        keys, columns = np.unique(hashes, return_inverse=True)  # concept key -> column
        del hashes
        columns = columns.astype(np.int32)  # 4 bytes a link: a million papers hold about 20M links
        indptr = np.concatenate([[0], np.cumsum(sizes)])
        # int8 ones: the product with the int32 matrix below counts in int32
        mentions = sparse.csr_matrix((np.ones(len(columns), dtype=np.int8), columns, indptr), shape=(len(sizes), len(keys)))
        popular_columns = np.searchsorted(keys, [concept_hash(c) for c in popular])
        row_of = np.full(len(keys), -1, dtype=np.int32)
        row_of[popular_columns] = np.arange(len(popular), dtype=np.int32)
        rows = row_of[columns]
        hit = rows >= 0
        papers = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)[hit]
        by_popular = sparse.csr_matrix((np.ones(len(papers), dtype=np.int32), (rows[hit], papers)),
                                       shape=(len(popular), len(sizes)))
        del papers, hit, rows, row_of, columns
        chosen: list[tuple[str, np.ndarray, np.ndarray]] = []
        for start in range(0, len(popular), 8):  # 8 rows of up to a few 100k concepts each at a time
            shared = (by_popular[start:start + 8] @ mentions).tocsr()
            for i in range(shared.shape[0]):
                row = shared.getrow(i)
                own = row.indices != popular_columns[start + i]
                cols, n = row.indices[own], row.data[own]
                order = np.lexsort((keys[cols], -n))[: counts.TOP_RANKED]  # most shared first, ties by key
                chosen.append((popular[start + i], keys[cols[order]], n[order]))
        wanted = {int(k) for _, ks, _ in chosen for k in ks}
        iri_of = {}
        for (concept,) in self.db.execute("SELECT concept FROM concepts"):
            key = concept_hash(concept)
            if key in wanted:
                iri_of[key] = concept
        for concept, ks, ns in chosen:
            for rank, (k, n) in enumerate(zip(ks.tolist(), ns.tolist()), start=1):
                yield concept, iri_of[k], n, rank

    def write_derived(self, store: ox.Store, *, appended: bool) -> int:
        """Write the derived triples into `store`. A fresh build writes them all; an appended one
        first removes the stale values of the concepts its papers touched and the count nodes.
        Returns how many triples the store gained (fewer than none when it lost some)."""
        self.flush()
        removed = self._remove_stale(store) if appended else 0
        added = 0

        def counted(quads: Iterator[ox.Quad]) -> Iterator[ox.Quad]:
            nonlocal added
            for added, quad in enumerate(quads, start=1):
                yield quad

        store.bulk_extend(counted(self._quads(only_touched=appended)))
        return added - removed

    def _remove_stale(self, store: ox.Store) -> int:
        """Remove the derived triples an append rewrites; return how many there were."""
        from kg.query import with_prefixes

        removed = 0
        for (concept,) in self.db.execute("SELECT concept FROM touched"):
            node = ox.NamedNode(concept)
            stale = list(store.quads_for_pattern(node, PAPER_COUNT, None, ox.DefaultGraph()))
            stale += store.quads_for_pattern(node, TOP_RESULT, None, ox.DefaultGraph())
            for pair in store.quads_for_pattern(None, FIRST, node, ox.DefaultGraph()):
                if ox.Quad(pair.subject, RDF_TYPE, RELATED_CONCEPT, ox.DefaultGraph()) in store:
                    stale += store.quads_for_pattern(pair.subject, None, None, ox.DefaultGraph())
            if ox.Quad(node, MINTED, TRUE, ox.DefaultGraph()) in store:  # a vocabulary entry keeps its label
                stale += store.quads_for_pattern(node, PREF_LABEL, None, ox.DefaultGraph())
            stale = set(stale)
            for quad in stale:
                store.remove(quad)
            removed += len(stale)
        count_nodes = ("{ ?x a kgo:ModalityPair ; ?p ?o } UNION { ?x a kgo:ModalityMethod ; ?p ?o } "
                       "UNION { ?x kgo:paperRank ?o }")
        removed += int(next(iter(store.query(with_prefixes(f"SELECT (COUNT(*) AS ?n) WHERE {{ {count_nodes} }}"))))[0].value)
        store.update(with_prefixes(
            "DELETE { ?x ?p ?o } WHERE { ?x a kgo:ModalityPair ; ?p ?o } ;"
            "DELETE { ?x ?p ?o } WHERE { ?x a kgo:ModalityMethod ; ?p ?o } ;"
            "DELETE { ?c kgo:paperRank ?n } WHERE { ?c kgo:paperRank ?n }"
        ))
        return removed

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
        ranks = paper_ranks(self.db.execute("SELECT concept, papers FROM concepts"))  # all of them: few rows
        yield from ranking_quads(ranks, self.best_results(only_touched), self.related(only_touched))

