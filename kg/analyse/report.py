"""The analysis report of a built graph: report.md, report.json and PNG plots in one folder.

`write_report(build_dir, out_dir)` reads the graph's incidence matrix once (papers × entities, see
incidence.py: from the build's tallies when they describe its store), runs networkx's algorithms on
bounded views of it (see views.py) and replaces out_dir whole (written beside it, then renamed) if
kg wrote it (kg.outputs).

What scales how, so that a million papers fit in well under 2 GB:
- counts, most mentioned entities, modality pairs and trends: sparse sums over the whole matrix;
- centrality, communities, bridges and suggested links of entities: the co-occurrence graph of the
  most mentioned entities, as many as an edge budget allows (the report says how many it kept);
- betweenness: exact when nodes × edges is small enough, else networkx's estimate from k seeded
  sources (the report states k);
- communities of papers: Louvain on the 10-nearest-neighbour similarity graph of all papers up to
  PAPER_SAMPLE, of a seeded random sample of PAPER_SAMPLE papers above (sizes then come with their
  sampling margin).
Every node list is sorted before a seeded algorithm runs, so a graph gives the same report byte for
byte whatever the hash seed or the order of the input files.
"""
from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np

from kg.analyse import communities as comm
from kg.analyse import links, metrics, plots, trends, views
from kg.outputs import atomic_folder, check_folder_target
from kg.progress import stage as progress_stage
from kg.analyse.incidence import ENTITY_TYPES, Incidence, from_build, from_graph

PAPER_SAMPLE = 5000  # communities of papers are found among at most this many papers
HEATMAP_MODALITIES = 15

Progress = Callable[[str, "int | None", "int | None"], None]
# the stages `write_report` names to its `progress`, in order
STEPS = ("reading the graph", "entity co-occurrence", "centrality", "communities of entities", "communities of papers",
         "trends", "plots", "writing the report")


def _no_progress(stage: str, done: int | None = None, total: int | None = None) -> None:
    pass


def modality_lift(inc: Incidence, k: int = HEATMAP_MODALITIES) -> dict:
    """The k modalities most papers involve, with the papers involving each pair and its lift:
    P(a and b) / (P(a) P(b)), the papers with both over those expected if the two were independent
    (1: as often as chance, 2: twice as often). The diagonal holds each modality's papers (no lift)."""
    mods, papers, both = views.modality_cooccurrence(inc)
    order = sorted(range(len(mods)), key=lambda i: (-papers[i], inc.labels[mods[i]]))[:k]
    n = inc.matrix.shape[0]
    lift = [[None if a == b else round(float(both[a, b]) * n / (papers[a] * papers[b]), 3) for b in order] for a in order]
    return {
        "measure": "lift",
        "labels": [inc.labels[mods[i]] for i in order],
        "papers": [[int(both[a, b]) for b in order] for a in order],
        "lift": lift,
    }


def _pairs(inc: Incidence) -> list[tuple[str, str, int]]:
    mods, _, both = views.modality_cooccurrence(inc)
    rows = []
    for i in range(len(mods)):
        for j in range(i + 1, len(mods)):
            if both[i, j]:
                a, b = sorted((inc.labels[mods[i]], inc.labels[mods[j]]))
                rows.append((a, b, int(both[i, j])))
    return sorted(rows, key=lambda x: (-x[2], x[0], x[1]))


def analyse(source: Incidence | nx.Graph, *, top: int = 10, seed: int = 42, progress: Progress | None = None) -> dict:
    """Every figure of the report, as plain data (JSON-ready). `source` is the incidence matrix of
    a graph (`incidence.from_store`) or a typed networkx graph (`views.typed_graph`)."""
    step = progress or _no_progress
    inc = source if isinstance(source, Incidence) else from_graph(source)
    n_papers = inc.matrix.shape[0]
    mentioned = inc.papers_per_entity

    step("entity co-occurrence", None, None)
    H, entity_scope = views.entity_graph(inc)
    step("centrality", None, None)
    scores = metrics.centrality(H, seed=seed)
    sources = metrics.betweenness_sample(H)
    step("communities of entities", None, None)
    parts = comm.communities(H, seed=seed)

    step("communities of papers", None, None)
    sampled = n_papers > PAPER_SAMPLE
    rows = (np.sort(np.random.default_rng(seed).choice(n_papers, PAPER_SAMPLE, replace=False)) if sampled
            else np.arange(n_papers))
    P = views.paper_neighbours(inc, rows)
    paper_parts = comm.paper_communities(inc, P, seed=seed)
    titles = inc.titles(rows.tolist())
    paper_communities = []
    for c in paper_parts:
        row = {"label": c["label"], "size": c["size"], "top": c["top"],
               "papers": sorted(titles[r] for r in c["members"])[:20]}
        if sampled:  # the share of all papers it stands for, with the 95% margin of a simple random sample
            share = c["size"] / len(rows)
            row["share"] = round(share, 4)
            row["margin"] = round(1.96 * math.sqrt(share * (1 - share) / len(rows)), 4)
        paper_communities.append(row)

    step("trends", None, None)
    by_type = {t: inc.of_type(t) for t in ENTITY_TYPES}
    return {
        "counts": {
            "papers": n_papers,
            "dated papers": int((inc.years > 0).sum()),
            **{t: len(by_type[t]) for t in ENTITY_TYPES},
            "paper-entity links": int(inc.matrix.nnz),
            "co-occurrence edges": H.number_of_edges(),
        },
        "scope": {
            "entity graph": entity_scope,
            "betweenness": {"exact": sources is None, "sources": sources or H.number_of_nodes(), "seed": seed},
            "paper graph": {"papers": len(rows), "of": n_papers, "sampled": sampled, "seed": seed,
                            "neighbours": views.PAPER_NEIGHBOURS, "edges": P.number_of_edges()},
        },
        "top_by_papers": {
            t: [(inc.labels[e], int(mentioned[e])) for e in sorted(by_type[t].tolist(), key=lambda e: (-mentioned[e], inc.labels[e]))[:top]]
            for t in ENTITY_TYPES
        },
        "top_by_degree": metrics.top_by_type(H, scores, "degree", top) if scores else {},
        "top_by_pagerank": metrics.top_by_type(H, scores, "pagerank", top) if scores else {},
        "top_by_betweenness": metrics.top_by_type(H, scores, "betweenness", top) if scores else {},
        "entity_communities": [
            {"label": c["label"], "size": c["size"], "top": c["top"]} for c in parts
        ],
        "paper_communities": paper_communities,
        "bridges": comm.bridges(H, parts, top, between={n: s["betweenness"] for n, s in scores.items()}),
        "modality_bridges": comm.modality_bridges(H, top),
        "modality_pairs": _pairs(inc)[: top * 2],
        "modality_cooccurrence": modality_lift(inc),
        "suggested_method_dataset": links.missing_links(H, ("method", "dataset"), top),
        "suggested_method_modality": links.missing_links(H, ("method", "modality"), top),
        "papers_per_year": {str(y): n for y, n in trends.papers_per_year(inc).items()},
        "trends": {str(y): v for y, v in trends.trends(inc).items()},
        "modality_share_by_year": {m: {str(y): s for y, s in v.items()} for m, v in trends.share_by_year(inc).items()},
    }


# what Markdown would read as markup in a table cell: the names come from paper text, which is data
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|])")


def _cell(value) -> str:
    """A table cell holding `value` as text: HTML's `&`, `<`, `>` as entities (Markdown lets raw HTML
    through to the page a viewer makes), Markdown's own punctuation backslash-escaped, one line."""
    if isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value))
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(str(value), quote=False)).replace("\n", " ")


def _table(headers: list[str], rows: list) -> str:
    if not rows:
        return "\n_(none)_\n"
    lines = ["", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _per_type(title: str, column: str, tables: dict) -> list[str]:
    out = [f"\n## {title}\n"]
    for t, rows in tables.items():
        if rows:
            out += [f"\n### {t}\n", _table([t, column], rows)]
    return out


def _scope(data: dict) -> str:
    """What the graph-wide figures were computed on, and what a bound left out."""
    scope = data["scope"]
    e, b, p = scope["entity graph"], scope["betweenness"], scope["paper graph"]
    lines = ["\n## What each figure is computed on\n\n",
             "- Counts, most mentioned entities, modality pairs and trends: every paper and link.\n"]
    if e["bounded"]:
        lines.append(f"- Entity co-occurrence (centrality, communities and bridges of entities, suggested links): the "
                     f"{e['entities']:,} entities most papers mention (each in at least {e['least papers']:,} papers) "
                     f"of {e['of']:,}, {e['edges']:,} edges; the rest were left out to keep the graph within "
                     f"{e['max entities']:,} entities and {e['max edges']:,} edges.\n")
    else:
        lines.append(f"- Entity co-occurrence: all {e['entities']:,} entities, {e['edges']:,} edges.\n")
    lines.append("- Betweenness: exact.\n" if b["exact"] else
                 f"- Betweenness: estimated from k = {b['sources']:,} source nodes drawn with seed {b['seed']} "
                 "(networkx's sampled betweenness; exact would search from every node).\n")
    if p["sampled"]:
        lines.append(f"- Communities of papers: a random sample of {p['papers']:,} of the {p['of']:,} papers "
                     f"(seed {p['seed']}), each linked to its {p['neighbours']} most similar papers of the sample "
                     "(most shared entities); a community's share of all papers is its share of the sample, "
                     "give or take the 95% margin shown.\n")
    else:
        lines.append(f"- Communities of papers: all {p['papers']:,} papers, each linked to its {p['neighbours']} "
                     "most similar papers (most shared entities).\n")
    return "".join(lines)


def to_markdown(data: dict, images: list[str] = ()) -> str:
    out = ["# Analysis report\n", _table(["what", "count"], list(data["counts"].items()))]
    if "scope" in data:
        out.append(_scope(data))
    out += _per_type("Most mentioned entities", "papers", data["top_by_papers"])
    out += _per_type("Most central entities (PageRank on entity co-occurrence)", "PageRank", data["top_by_pagerank"])
    out += _per_type("Most connected entities (degree on entity co-occurrence)", "degree", data["top_by_degree"])
    out += _per_type("Entities between the others (betweenness on entity co-occurrence)", "betweenness", data["top_by_betweenness"])
    out.append("\n## Communities of papers (Louvain on paper similarity, seed 42)\n")
    out.append("\nEach is named by the entities its papers mention most, relative to the whole corpus.\n")
    if any("share" in c for c in data["paper_communities"]):
        out.append(_table(["community", "papers in the sample", "share of all papers", "characteristic entities"],
                          [(c["label"], c["size"], f"{c['share']:.1%} ± {c['margin']:.1%}", c["top"][:6])
                           for c in data["paper_communities"]]))
    else:
        out.append(_table(["community", "papers", "characteristic entities"],
                          [(c["label"], c["size"], c["top"][:6]) for c in data["paper_communities"]]))
    out.append("\n## Communities of entities (Louvain on entity co-occurrence, seed 42)\n")
    out.append(_table(["community", "entities", "top members"],
                      [(c["label"], c["size"], c["top"][:6]) for c in data["entity_communities"]]))
    out.append("\n## Bridges between communities\n")
    out.append(_table(["entity", "type", "communities reached", "participation", "betweenness"],
                      [(b["label"], b["type"], b["communities_reached"], b["participation"], b["betweenness"]) for b in data["bridges"]]))
    out.append("\n## Bridges between modalities\n")
    out.append(_table(["entity", "type", "modalities", "participation", "papers", "modalities (most shared first)"],
                      [(b["label"], b["type"], b["modalities"], b["participation"], b["papers"], b["top_modalities"]) for b in data["modality_bridges"]]))
    out.append("\n## Modalities that appear together\n")
    out.append(_table(["modality", "modality", "papers"], data["modality_pairs"]))
    out.append("\n## Suggested links no paper makes yet (Adamic–Adar on entity co-occurrence)\n")
    out.append(_table(["method", "dataset", "score", "through"],
                      [(r["method"], r["dataset"], r["score"], r["common"]) for r in data["suggested_method_dataset"]]))
    out.append(_table(["method", "modality", "score", "through"],
                      [(r["method"], r["modality"], r["score"], r["common"]) for r in data["suggested_method_modality"]]))
    out.append("\n## Trends by year\n")
    if data["trends"]:
        out.append(_table(["year", "papers"], list(data["papers_per_year"].items())))
        if len(data["papers_per_year"]) < 2:
            out.append("\nAll dated papers are from one year, so there is no trend to plot.\n")
        for year, types in data["trends"].items():
            out.append(f"\n### {year}\n")
            out.append(_table(["type", "top entities"], [(t, ", ".join(f"{l} ({n})" for l, n in rows)) for t, rows in types.items()]))
    else:
        out.append("\nNo paper has a date (dcterms:issued), so there are no trends and no trends plot.\n")
    if images:
        out.append("\n## Plots\n\n" + "".join(f"![{Path(i).stem.replace('_', ' ')}]({i})\n\n" for i in images))
    return "".join(out)


def write_report(build_dir: str | Path, out_dir: str | Path, *, progress: Progress | None = None) -> Path:
    """Analyse the graph in build_dir and write report.md, report.json and PNG plots to out_dir.

    out_dir is replaced whole only if kg wrote it (see kg.outputs); it is checked before the
    analysis, and the report is written in a folder beside it, then renamed.

    The work is shown as the stage "report" of a long command (`kg.progress`), one step per entry of
    STEPS. `progress`, when given, is also called as progress(stage, done, total) when each step
    starts and while the long ones run (done and total are None where they are not known)."""
    out_dir = Path(out_dir)
    check_folder_target(out_dir)
    with progress_stage("report", total=len(STEPS), unit="steps") as shown:
        def step(name: str, done: int | None = None, total: int | None = None) -> None:
            if name != shown.detail:  # called again while a long step runs
                shown.step(name)
            (progress or _no_progress)(name, done, total)

        step("reading the graph", 0, None)
        inc = from_build(build_dir, progress=step)
        data = analyse(inc, progress=step)
        step("plots", 0, len(plots.PLOTS))
        with atomic_folder(out_dir) as tmp:
            images = plots.write_plots(data, tmp, progress=step)
            step("writing the report", None, None)
            (tmp / "report.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            (tmp / "report.md").write_text(to_markdown(data, images), encoding="utf-8")
    return out_dir
