"""Summary counts of a built graph, straight from the store."""
from __future__ import annotations

import pyoxigraph as ox

from kg.query import mentions, run

STATS_QUERY = """
SELECT
  (COUNT(DISTINCT ?paper) AS ?papers)
WHERE { ?paper a kgo:Paper }
"""
ENTITY_QUERY = """
SELECT ?type (COUNT(DISTINCT ?e) AS ?entities) (COUNT(*) AS ?links)
WHERE { %s ?e a ?type .
        VALUES ?type { kgo:Method kgo:Dataset kgo:Modality kgo:Metric kgo:Task } }
GROUP BY ?type ORDER BY ?type
""" % mentions("?paper", "?e")


def graph_stats(store: ox.Store) -> dict[str, int]:
    numbers = {"papers": run(store, STATS_QUERY).rows[0][0]}
    for type_iri, entities, links in run(store, ENTITY_QUERY).rows:
        name = str(type_iri).rsplit("#", 1)[-1].lower()
        numbers[f"{name} entities"] = entities
        numbers[f"{name} links"] = links
    # results and links carry no rdf:type: kgo:reportsResult's range and kgo:confidence's domain say it
    numbers["results"] = run(store, "SELECT (COUNT(?r) AS ?n) WHERE { ?p kgo:reportsResult ?r }").rows[0][0]
    numbers["links"] = run(store, "SELECT (COUNT(?l) AS ?n) WHERE { ?l kgo:confidence ?c }").rows[0][0]
    numbers["triples"] = run(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
    return numbers
