"""Where a built graph's triples go: triples per paper by kind of subject, predicate and (for
rdf:type) class, largest first.

    python bench/graph_shape.py GRAPH_DIR [--min 0.05]

GRAPH_DIR is a `kg build` output folder. Kinds of subject: paper, link, result, related and
cooccurrence nodes (kgr:...), concept (kgc:...), other (the ontology and its vocabularies).
"""
from __future__ import annotations

import argparse
from collections import Counter

from kg.rdf.namespaces import KGC, KGR, RDF
from kg.store import open_store


def kind(subject: str) -> str:
    if subject.startswith(str(KGR)):
        return subject[len(str(KGR)):].split("/", 1)[0]
    return "concept" if subject.startswith(str(KGC)) else "other"


def local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("graph")
    ap.add_argument("--min", type=float, default=0.05, help="leave out rows under this many triples a paper")
    args = ap.parse_args(argv)
    store = open_store(args.graph)
    rows: Counter = Counter()
    papers = 0
    for quad in store:
        predicate = quad.predicate.value
        what = local(predicate) + (f" {local(quad.object.value)}" if predicate == str(RDF.type) else "")
        rows[(kind(quad.subject.value), what)] += 1
        papers += predicate == str(RDF.type) and quad.object.value.endswith("#Paper")
    total = sum(rows.values())
    print(f"{papers} papers, {total} triples, {total / papers:.1f} a paper")
    print("| subject | predicate | triples a paper |\n|---|---|---:|")
    for (subject, what), n in rows.most_common():
        if n / papers >= args.min:
            print(f"| {subject} | {what} | {n / papers:.2f} |")


if __name__ == "__main__":
    main()
