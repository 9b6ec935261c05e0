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
in blobs, 8 bytes per link).

An append costs what its papers add, not what the graph holds, and never looks a value up in the
store: the file keeps the labels, best results and rankings as the graph holds them, the build
records what it adds to each count (so the count the graph held is the new one less that), and for
each concept of half the popular threshold or more, the papers it shares with every other concept
(co-mention sums, counted once with a sparse matrix product over the papers' concept keys when the
concept reaches half, then increased by each build's papers). As counts only grow, a ranking is
redone from its old rows and the rows that grew, and only the triples that differ are rewritten.
"""
from __future__ import annotations

import functools
import heapq
import itertools
import sqlite3
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.rdf import counts
from kg.rdf.counts import TOP_METHODS, concept_hash, node_iri, paper_ranks, result_key
from kg.rdf.namespaces import KGC, KGO, RDF, SKOS, XSD

TALLY_FILE = "tallies.sqlite"
TALLY_VERSION = 7  # what the file holds; an append (and the report) uses only a file of this version
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
-- per paper, in the order the build met them: how many concepts it mentions, their keys, its IRI
-- (newline-separated) and the year of its date (0: none); what the report reads its matrix from
CREATE TABLE IF NOT EXISTS incidence (sizes BLOB NOT NULL, hashes BLOB NOT NULL, papers BLOB NOT NULL, years BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS declared (line INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS popular (concept TEXT PRIMARY KEY, key INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS comentions (a INTEGER, b INTEGER, n INTEGER NOT NULL, PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS paper_ranks (concept TEXT PRIMARY KEY, rank INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS method_ranks (modality TEXT, rank INTEGER, method TEXT NOT NULL, papers INTEGER NOT NULL,
    PRIMARY KEY (modality, rank)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS related (concept TEXT, rank INTEGER, other TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (concept, rank)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS labels (concept TEXT PRIMARY KEY, label TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS top_results (dataset TEXT, result TEXT, PRIMARY KEY (dataset, result)) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS touched (concept TEXT PRIMARY KEY, added INTEGER NOT NULL) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS touched_pairs (a TEXT, b TEXT, added INTEGER NOT NULL, PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS touched_methods (modality TEXT, method TEXT, PRIMARY KEY (modality, method)) WITHOUT ROWID;
"""
TOUCHED = "concept IN (SELECT concept FROM touched)"  # the rows an appended build rewrites
UPSERTS = {
    "concepts": "INSERT INTO concepts VALUES (?, ?) ON CONFLICT DO UPDATE SET papers = papers + excluded.papers",
    "forms": "INSERT INTO forms VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n",
    "alts": "INSERT INTO alts VALUES (?, ?) ON CONFLICT DO UPDATE SET alt = min(alt, excluded.alt)",
    "pairs": "INSERT INTO pairs VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET papers = papers + excluded.papers",
    "modality_methods": "INSERT INTO modality_methods VALUES (?, ?, ?) "
                        "ON CONFLICT DO UPDATE SET papers = papers + excluded.papers",
    # what this build adds, so an append knows the values the graph held before it without reading the store
    "touched": "INSERT INTO touched VALUES (?, ?) ON CONFLICT DO UPDATE SET added = added + excluded.added",
    "touched_pairs": "INSERT INTO touched_pairs VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET added = added + excluded.added",
}

PAPER_COUNT, RANK, FIRST, SECOND, PAPER_RANK = (ox.NamedNode(str(KGO[n])) for n in
                                                 ("paperCount", "rank", "first", "second", "paperRank"))
PREF_LABEL, RDF_TYPE, INTEGER = ox.NamedNode(str(SKOS.prefLabel)), ox.NamedNode(str(RDF.type)), ox.NamedNode(str(XSD.integer))
MODALITY_PAIR, MODALITY_METHOD = ox.NamedNode(str(KGO.ModalityPair)), ox.NamedNode(str(KGO.ModalityMethod))
MODALITY, METHOD = str(KGC) + "modality/", str(KGC) + "method/"
TOP_RESULT, RELATED_CONCEPT_OF = ox.NamedNode(str(KGO.topResult)), ox.NamedNode(str(KGO.relatedConceptOf))
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
    papers: list[str] = field(default_factory=list)  # each paper's IRI, in the same order
    years: array = field(default_factory=lambda: array("i"))  # and the year of its date (`issued_year`), 0: none

    def paper(self, concepts: set[str], paper: str, year: int) -> None:
        """Count one paper (IRI `paper`, dated `year`) that mentions these concepts (its `kgo:mentions` objects)."""
        self.papers.append(paper)
        self.years.append(year)
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
        self.papers += other.papers
        self.years += other.years

    def __len__(self) -> int:
        return (len(self.concepts) + len(self.forms) + len(self.minted) + len(self.alts) + len(self.pairs)
                + len(self.modality_methods) + len(self.results) + len(self.sizes))


class TallyFile:
    """The running totals of a build, in `DIR/tallies.sqlite`."""

    def __init__(self, path: str | Path, appending: bool = True) -> None:
        """`appending`: the build adds to a previous build's file, so it records which rows its papers
        touch (the `touched*` tables). A fresh build rewrites every derived triple and never reads
        them: at a million papers they held as many rows as the tables they shadow, written through
        a temp file with SQLite's default 2 MB cache."""
        # The file lives in the build's staging folder, which a crash abandons whole: no journal needed.
        self.appending = appending
        self.db = sqlite3.connect(str(path))
        self.db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;" + SCHEMA)
        if not self.db.execute("SELECT 1 FROM concepts LIMIT 1").fetchall():
            self.db.execute(f"PRAGMA user_version = {TALLY_VERSION}")
        self.pending = Tally()
        # the papers of this build are the incidence rows from here on (an append adds to the file)
        self.first_new = self.db.execute("SELECT COALESCE(MAX(rowid), 0) + 1 FROM incidence").fetchone()[0]
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

    @staticmethod
    def papers(path: str | Path) -> Iterator[tuple[bytes, bytes, list[str], bytes]]:
        """The papers the file counts, a group at a time, in the order the builds met them: (concepts
        each paper mentions as int64 bytes, their `concept_hash` keys as int64 bytes, the papers'
        IRIs, their years as int32 bytes). The file is opened read-only."""
        db = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            for sizes, hashes, papers, years in db.execute("SELECT sizes, hashes, papers, years FROM incidence ORDER BY rowid"):
                yield sizes, hashes, papers.decode("utf-8").split("\n"), years
        finally:
            db.close()

    def add(self, tally: Tally) -> None:
        self.pending.add(tally)
        if len(self.pending) >= FLUSH_ENTRIES:
            self.flush()

    def declare(self, keys) -> set[int]:
        """Record the keys of lines that several batches may write (`kg.shard.SHARED_SUBJECTS`);
        return those new to the graph, so the build loads, exports and counts each triple once."""
        keys = list(dict.fromkeys(keys))
        known: set[int] = set()
        for at in range(0, len(keys), 500):
            part = keys[at:at + 500]
            known.update(k for (k,) in self.db.execute(
                f"SELECT line FROM declared WHERE line IN ({', '.join('?' * len(part))})", part))
        new = [k for k in keys if k not in known]
        with self.db:
            self.db.executemany("INSERT INTO declared VALUES (?)", ((k,) for k in new))
        return set(new)

    def flush(self) -> None:
        p, self.pending = self.pending, Tally()
        with self.db:
            self.db.executemany(UPSERTS["concepts"], p.concepts.items())
            self.db.executemany(UPSERTS["forms"], ((c, f, n) for (c, f), n in p.forms.items()))
            self.db.executemany("INSERT OR IGNORE INTO minted VALUES (?)", ((c,) for c in p.minted))
            self.db.executemany(UPSERTS["alts"], p.alts.items())
            self.db.executemany(UPSERTS["pairs"], ((a, b, n) for (a, b), n in p.pairs.items()))
            self.db.executemany(UPSERTS["modality_methods"], ((m, x, n) for (m, x), n in p.modality_methods.items()))
            if self.appending:  # the rows whose derived triples this build rewrites, with what it adds to each
                self.db.executemany(UPSERTS["touched"], p.concepts.items())
                self.db.executemany("INSERT OR IGNORE INTO touched VALUES (?, 0)", ((c,) for c in p.minted))
                self.db.executemany(UPSERTS["touched_pairs"], ((a, b, n) for (a, b), n in p.pairs.items()))
                self.db.executemany("INSERT OR IGNORE INTO touched_methods VALUES (?, ?)", p.modality_methods)
            self.db.executemany("INSERT OR IGNORE INTO results VALUES (?, ?, ?, ?)", p.results)
            if p.sizes:
                self.db.execute("INSERT INTO incidence VALUES (?, ?, ?, ?)", (p.sizes.tobytes(), p.hashes.tobytes(),
                                                                          "\n".join(p.papers).encode(), p.years.tobytes()))
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
        """(minted concept, preferred label): its most frequent evidence surface form that names it,
        ties to the least form; a concept with no such evidence (named only in results, or only in
        part: "page-level" of "page-level and layout-level retrieval") takes its least alt label."""
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

    def best_results(self, only_touched: bool) -> Iterator[tuple[str, str]]:
        """(dataset, result) for each dataset's TOP_RANKED best results (`kg.rdf.counts.result_key`)."""
        where = " WHERE dataset IN (SELECT concept FROM touched)" if only_touched else ""
        rows = self.db.execute(f"SELECT dataset, relative, value, result FROM results{where} ORDER BY dataset")
        for dataset, group in itertools.groupby(rows, key=lambda row: row[0]):
            for key in heapq.nsmallest(counts.TOP_RANKED, (result_key(rel, value, r) for _, rel, value, r in group)):
                yield dataset, key[2]

    # --- the rankings, re-ranked only where new papers changed a count -----------------------------
    #
    # Counts only grow as papers are added, so a ranking's new top k is the top k of its old top k and
    # the rows whose counts grew: any other row was beaten by k rows that have only gained since. The
    # file keeps each ranking as the graph holds it (paper_ranks, method_ranks, related), so an
    # appended build compares the old rows with the new ones and writes only the difference; a fresh
    # build has no old rows and ranks everything. Either way the graph ends the same.

    def _paper_ranks(self, only_touched: bool) -> dict[str, int]:
        """Each type's TOP_RANKED most mentioned concepts -> their rank (`kg.rdf.counts.paper_ranks`)."""
        if only_touched:
            rows = self.db.execute("SELECT concept, papers FROM touched CROSS JOIN concepts USING (concept) UNION "
                                   "SELECT concept, papers FROM paper_ranks CROSS JOIN concepts USING (concept)")
        else:
            rows = self.db.execute("SELECT concept, papers FROM concepts")
        return dict(paper_ranks(rows))

    def _method_ranks(self, only_touched: bool) -> dict[str, list[tuple[str, int]]]:
        """Each modality's TOP_METHODS most frequent methods, by papers then IRI: modality -> [(method, papers)]."""
        if only_touched:
            rows = self.db.execute(
                "SELECT modality, method, papers FROM touched_methods CROSS JOIN modality_methods USING (modality, method) "
                "UNION SELECT modality, method, m.papers FROM method_ranks CROSS JOIN modality_methods m USING (modality, method) "
                "ORDER BY 1")
        else:
            rows = self.db.execute("SELECT modality, method, papers FROM modality_methods ORDER BY modality")
        ranked = {}
        for modality, group in itertools.groupby(rows, key=lambda row: row[0]):
            ranked[modality] = [(method, -negative) for negative, method in
                                heapq.nsmallest(TOP_METHODS, ((-n, method) for _, method, n in group))]
        return ranked

    def _write_rankings(self, changes: "_Changes", only_touched: bool) -> None:
        ranks = self._paper_ranks(only_touched)
        old = dict(self.db.execute("SELECT concept, rank FROM paper_ranks"))
        changes.update(old, ranks, lambda concept, rank, whole: [ox.Quad(ox.NamedNode(concept), PAPER_RANK, _integer(rank))])
        self.db.execute("DELETE FROM paper_ranks")
        self.db.executemany("INSERT INTO paper_ranks VALUES (?, ?)", ranks.items())

        for modality, methods in self._method_ranks(only_touched).items():
            old = self.db.execute("SELECT method, papers, rank FROM method_ranks WHERE modality = ?", (modality,))
            new = {method: (n, rank) for rank, (method, n) in enumerate(methods, start=1)}
            changes.update({method: (n, rank) for method, n, rank in old}, new,
                           lambda method, row, whole: _method_quads(modality, method, *row, whole))
            self.db.execute("DELETE FROM method_ranks WHERE modality = ?", (modality,))
            self.db.executemany("INSERT INTO method_ranks VALUES (?, ?, ?, ?)",
                                ((modality, rank, method, n) for method, (n, rank) in new.items()))

        popular = self._update_comentions(only_touched)
        for concept, rows in self._related_rankings(popular):
            old = self.db.execute("SELECT other, n FROM related WHERE concept = ?", (concept,))
            # the graph stores no rank here: only rows entering, leaving or counting more change
            changes.update(dict(old), dict(rows), lambda other, n, whole: _related_quads(concept, other, n, whole))
            self.db.execute("DELETE FROM related WHERE concept = ?", (concept,))
            self.db.executemany("INSERT INTO related VALUES (?, ?, ?, ?)",
                                ((concept, rank, other, n) for rank, (other, n) in enumerate(rows, start=1)))

    # --- related concepts: co-mention sums of the popular concepts ---------------------------------

    def _update_comentions(self, only_touched: bool) -> dict[str, dict[int, int]]:
        """Bring the co-mention sums up to date and return the popular concepts whose sums changed,
        each with the keys of the concepts whose shared-paper counts grew (an empty dict: all of them).

        A concept is popular once RELATED_MIN_PAPERS papers mention it. From half as many (table
        `popular`: the concepts watched) the file keeps the number of papers it shares with every
        other concept (`comentions`, by `concept_hash`), and a build adds only its own papers'
        co-mentions. A concept that reaches half in this build has its sums counted once over all
        the papers' concept keys (`_full_comentions`, a pass over the whole incidence): watching
        from half means an append seldom makes that pass, as a concept usually crosses the
        threshold in a later append than the one that takes it past half."""
        previously = dict(self.db.execute("SELECT key, concept FROM popular"))
        changed: dict[str, dict[int, int]] = {}
        if previously:
            added: dict[int, Counter] = {}
            for size_blob, hash_blob in self.db.execute("SELECT sizes, hashes FROM incidence WHERE rowid >= ?",
                                                        (self.first_new,)):
                sizes, hashes = array("q", size_blob), array("q", hash_blob)
                at = 0
                for size in sizes:
                    paper = hashes[at:at + size]
                    at += size
                    for a in paper:
                        if a in previously:
                            shared = added.setdefault(a, Counter())
                            shared.update(paper)
                            shared[a] -= 1  # a concept is not its own co-mention
            for a, shared in added.items():
                shared = {b: n for b, n in shared.items() if n}
                self.db.executemany("INSERT INTO comentions VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n",
                                    ((a, b, n) for b, n in shared.items()))
                changed[previously[a]] = shared
        candidates = "touched CROSS JOIN concepts USING (concept)" if only_touched else "concepts"  # only they grew
        rising = [c for (c,) in self.db.execute(
            f"SELECT concept FROM {candidates} WHERE papers >= ? AND concept NOT IN (SELECT concept FROM popular) ORDER BY concept",
            (counts.RELATED_MIN_PAPERS // 2,))]
        for concept, keys, n in self._full_comentions(rising):
            self.db.execute("INSERT INTO popular VALUES (?, ?)", (concept, concept_hash(concept)))
            a = concept_hash(concept)
            self.db.executemany("INSERT INTO comentions VALUES (?, ?, ?)", zip(itertools.repeat(a), keys.tolist(), n.tolist()))
            changed[concept] = {}
        # of the watched concepts, the popular ones are ranked: from all their sums if they were not before
        popular = {}
        for concept, shared in changed.items():
            papers, added = self.db.execute("SELECT papers, COALESCE(added, papers) FROM concepts LEFT JOIN touched "
                                            "USING (concept) WHERE concept = ?", (concept,)).fetchone()
            if papers >= counts.RELATED_MIN_PAPERS:
                popular[concept] = shared if papers - added >= counts.RELATED_MIN_PAPERS else {}
        return popular

    def _related_rankings(self, changed: dict[str, dict[int, int]]) -> Iterator[tuple[str, list[tuple[str, int]]]]:
        """(popular concept, [(other, shared papers)]) for each concept in `changed`: its TOP_RANKED
        most co-mentioned concepts, most shared first, ties in `concept_hash` order. A concept whose
        sums grew is re-ranked from its old rows and the grown ones; a new one from all its sums."""
        grown = {k for shared in changed.values() for k in shared}
        iri_of = {}  # key -> IRI of the concepts that may enter a ranking
        if grown:
            for (concept,) in self.db.execute("SELECT concept FROM touched"):
                key = concept_hash(concept)
                if key in grown:
                    iri_of[key] = concept
        rankings = []
        for concept in sorted(changed):
            a, shared = concept_hash(concept), changed[concept]
            if shared:
                old = self.db.execute("SELECT other, n FROM related WHERE concept = ?", (concept,)).fetchall()
                keyed = {concept_hash(other): (other, n) for other, n in old}
                candidates = {b: n + shared.get(b, 0) for b, (_, n) in keyed.items()}
                iri_of.update((b, other) for b, (other, _) in keyed.items())
                for b in shared.keys() - candidates.keys():
                    candidates[b] = self.db.execute("SELECT n FROM comentions WHERE a = ? AND b = ?", (a, b)).fetchone()[0]
                rows = candidates.items()
            else:
                rows = self.db.execute("SELECT b, n FROM comentions WHERE a = ?", (a,)).fetchall()
            rankings.append((concept, heapq.nsmallest(counts.TOP_RANKED, rows, key=lambda row: (-row[1], row[0]))))
        wanted = {b for _, rows in rankings for b, _ in rows} - iri_of.keys()
        if wanted:  # others of newly popular concepts: their IRIs looked up once, for all of them
            for (concept,) in self.db.execute("SELECT concept FROM concepts"):
                key = concept_hash(concept)
                if key in wanted:
                    iri_of[key] = concept
        for concept, rows in rankings:
            yield concept, [(iri_of[b], n) for b, n in rows]

    def _full_comentions(self, concepts: list[str]):
        """(concept, other concepts' keys, shared papers) for each of `concepts`, counted over every
        paper's concept keys: one sparse product (concepts x papers) x (papers x concepts) per group."""
        import numpy as np
        from scipy import sparse

        if not concepts:
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
        wanted_columns = np.searchsorted(keys, [concept_hash(c) for c in concepts])
        row_of = np.full(len(keys), -1, dtype=np.int32)
        row_of[wanted_columns] = np.arange(len(concepts), dtype=np.int32)
        rows = row_of[columns]
        hit = rows >= 0
        papers = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)[hit]
        by_concept = sparse.csr_matrix((np.ones(len(papers), dtype=np.int32), (rows[hit], papers)),
                                       shape=(len(concepts), len(sizes)))
        del papers, hit, rows, row_of, columns
        for start in range(0, len(concepts), 8):  # 8 rows of up to a few 100k concepts each at a time
            shared = (by_concept[start:start + 8] @ mentions).tocsr()
            for i in range(shared.shape[0]):
                row = shared.getrow(i)
                own = row.indices != wanted_columns[start + i]
                yield concepts[start + i], keys[row.indices[own]], row.data[own]

    # --- writing -----------------------------------------------------------------------------------

    def write_derived(self, store: ox.Store, *, appended: bool, progress=None, also=None) -> int:
        """Write the derived triples into `store`. A fresh build writes them all; an appended one
        rewrites only the values its papers changed, knowing from the file what the graph held
        (no lookups in the store): the paper counts and modality pairs from what this build added
        to them, the labels and best results from the rows the file keeps of them, the rankings
        where they differ. `progress` (a kg.progress stage) is advanced once per kind of triple;
        `also`, for a fresh build only, is given every group of triples added (`_Changes`).
        Returns how many triples the store gained (fewer than none when it lost some)."""
        if appended and not self.appending:
            raise ValueError("an appended build's tally file must be opened with appending=True")
        self.flush()
        changes = _Changes(store, bulk=not appended, also=also)
        steps = (self._write_labels, self._write_paper_counts, self._write_pairs, self._write_best_results)
        if progress:
            progress.set_total(len(steps) + 1)
        with self.db:  # what the graph now holds, kept for the next append
            for write in steps:
                write(changes, appended)
                if progress:
                    progress.advance()
            self._write_rankings(changes, only_touched=appended)
        changes.flush()
        if progress:
            progress.advance()
        return changes.net

    def _write_labels(self, changes: "_Changes", appended: bool) -> None:
        def label(concept: str, text: str) -> list[ox.Quad]:
            return [ox.Quad(ox.NamedNode(concept), PREF_LABEL, ox.Literal(text, language="en"))]

        if not appended:
            for concept, text in self._kept("labels", self.labels(only_touched=False)):
                changes.add(label(concept, text))
            return
        new = dict(self.labels(only_touched=True))
        old = dict(self.db.execute(f"SELECT concept, label FROM labels WHERE {TOUCHED}"))
        changes.update(old, new, lambda concept, text, whole: label(concept, text))
        self.db.executemany("INSERT OR REPLACE INTO labels VALUES (?, ?)", new.items())

    def _kept(self, table: str, rows: Iterator[tuple]) -> Iterator[tuple]:
        """Pass `rows` on and keep them in `table`, in groups (a fresh build's rows are many)."""
        while group := list(itertools.islice(rows, 10_000)):
            self.db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(group[0]))})", group)
            yield from group

    def _write_paper_counts(self, changes: "_Changes", appended: bool) -> None:
        if not appended:
            changes.add(ox.Quad(ox.NamedNode(c), PAPER_COUNT, _integer(n)) for c, n in self.paper_counts(only_touched=False))
            return
        rows = self.db.execute("SELECT concept, papers - added, papers FROM touched CROSS JOIN concepts USING (concept) "
                               "WHERE added > 0")
        for concept, before, after in rows:
            node = ox.NamedNode(concept)
            changes.replace([ox.Quad(node, PAPER_COUNT, _integer(before))] if before else [],
                            [ox.Quad(node, PAPER_COUNT, _integer(after))])

    def _write_pairs(self, changes: "_Changes", appended: bool) -> None:
        """The modality-pair nodes: all of them in a fresh build, the count of the pairs this build's
        papers involve in an append (and the whole node of a pair first met)."""
        rows = self.db.execute("SELECT a, b, papers - added, papers FROM touched_pairs CROSS JOIN pairs USING (a, b)"
                               if appended else "SELECT a, b, 0, papers FROM pairs")
        for a, b, before, after in rows:
            node = ox.NamedNode(node_iri(a, b))
            if before:
                changes.replace([ox.Quad(node, PAPER_COUNT, _integer(before))], [ox.Quad(node, PAPER_COUNT, _integer(after))])
            else:
                changes.add([ox.Quad(node, RDF_TYPE, MODALITY_PAIR), ox.Quad(node, FIRST, ox.NamedNode(a)),
                             ox.Quad(node, SECOND, ox.NamedNode(b)), ox.Quad(node, PAPER_COUNT, _integer(after))])

    def _write_best_results(self, changes: "_Changes", appended: bool) -> None:
        def best(dataset: str, result: str) -> list[ox.Quad]:
            return [ox.Quad(ox.NamedNode(dataset), TOP_RESULT, ox.NamedNode(result))]

        if not appended:
            for dataset, result in self._kept("top_results", self.best_results(only_touched=False)):
                changes.add(best(dataset, result))
            return
        new = dict.fromkeys(self.best_results(only_touched=True), True)
        old = dict.fromkeys(self.db.execute(
            "SELECT dataset, result FROM top_results WHERE dataset IN (SELECT concept FROM touched)"), True)
        changes.update(old, new, lambda row, _, whole: best(*row))
        self.db.executemany("DELETE FROM top_results WHERE dataset = ? AND result = ?", old.keys() - new.keys())
        self.db.executemany("INSERT INTO top_results VALUES (?, ?)", new.keys() - old.keys())


@functools.lru_cache(maxsize=4096)  # ranks and small counts recur in every ranking
def _integer(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=INTEGER)


def _related_quads(concept: str, other: str, n: int, whole: bool = True) -> list[ox.Quad]:
    """The `kgo:RelatedConcept` node of a concept's related concept `other`, sharing `n` papers
    (`whole`: with its concepts, else only its count, the triple that moves). No type (its
    `kgo:relatedConceptOf`'s domain) and no rank (`kg.rdf.counts`)."""
    node = ox.NamedNode(node_iri(concept, other, counts.RELATED_BASE))
    moving = [ox.Quad(node, PAPER_COUNT, _integer(n))]
    if not whole:
        return moving
    return [ox.Quad(node, RELATED_CONCEPT_OF, ox.NamedNode(concept)), ox.Quad(node, SECOND, ox.NamedNode(other)), *moving]


def _method_quads(modality: str, method: str, n: int, rank: int, whole: bool = True) -> list[ox.Quad]:
    """The `kgo:ModalityMethod` node of a modality's method ranked `rank`, with its `n` papers."""
    node = ox.NamedNode(node_iri(modality, method))
    moving = [ox.Quad(node, PAPER_COUNT, _integer(n)), ox.Quad(node, RANK, _integer(rank))]
    if not whole:
        return moving
    return [ox.Quad(node, RDF_TYPE, MODALITY_METHOD), ox.Quad(node, FIRST, ox.NamedNode(modality)),
            ox.Quad(node, SECOND, ox.NamedNode(method)), *moving]


class _Changes:
    """The derived triples a build adds and removes, with the net change of the store's size.
    Added triples are written in large groups: bulk-loaded by a fresh build (fastest for many), added
    in one transaction by an append (a bulk load costs more for the few an append changes).
    `also`, when given, is called with every group added (a fresh build's streamed export)."""

    GROUP = 100_000

    def __init__(self, store: ox.Store, bulk: bool, also=None) -> None:
        self.store, self.bulk, self.also, self.pending, self.net = store, bulk, also, [], 0

    def add(self, quads: Iterable[ox.Quad]) -> None:
        for quad in quads:
            self.pending.append(quad)
            if len(self.pending) >= self.GROUP:
                self.flush()

    def replace(self, old: Iterable[ox.Quad], new: Iterable[ox.Quad]) -> None:
        """Turn the triples `old` (which the store holds) into `new`, touching only those that differ."""
        old, new = set(old), list(new)
        kept = old.intersection(new)
        if self.also and old - kept:  # what `also` was given would no longer be the store's
            raise RuntimeError("a build that streams its derived triples removed one")
        for quad in old - kept:
            self.store.remove(quad)
            self.net -= 1
        self.add(quad for quad in new if quad not in kept)

    def update(self, old: dict, new: dict, quads) -> None:
        """Turn rows `old` (key -> value, as the store holds them) into `new`, where
        `quads(key, value, whole)` gives a row's triples (`whole` False: only those its value
        sets): only rows whose value changed are touched, and of those only the triples that differ."""
        for key in old.keys() | new.keys():
            before, after = old.get(key), new.get(key)
            if before == after:
                continue
            if before is None or after is None:
                self.replace(() if before is None else quads(key, before, True), () if after is None else quads(key, after, True))
            else:
                self.replace(quads(key, before, False), quads(key, after, False))

    def flush(self) -> None:
        self.net += len(self.pending)
        if self.pending:
            (self.store.bulk_extend if self.bulk else self.store.extend)(self.pending)
            if self.also:
                self.also(self.pending)
        self.pending = []
