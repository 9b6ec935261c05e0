"""The analysis report of a built graph: report.md, report.json and PNG plots in one folder.

`write_report(build_dir, out_dir)` reads the graph once, runs networkx's algorithms on its views
(see views.py) and replaces out_dir whole (written beside it, then renamed) if kg wrote it (kg.outputs).
"""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from kg.analyse import communities as comm
from kg.analyse import links, metrics, trends, views
from kg.outputs import atomic_folder, check_folder_target
from kg.store import open_store


def analyse(G: nx.Graph, *, top: int = 10, seed: int = 42) -> dict:
    """Every figure of the report, as plain data (JSON-ready)."""
    H = views.entity_cooccurrence(G)
    M = views.modality_graph(G)
    P = views.paper_similarity(G)
    scores = metrics.centrality(H, seed=seed)
    parts = comm.communities(H, seed=seed)
    label = {n: H.nodes[n]["label"] for n in H}
    mentioned = lambda n: H.nodes[n]["papers"]  # noqa: E731
    return {
        "counts": {
            "papers": len(views.papers(G)),
            "dated papers": sum(1 for n in views.papers(G) if G.nodes[n].get("year")),
            **{t: len(views.entities(G, t)) for t in views.ENTITY_TYPES},
            "paper-entity links": G.number_of_edges(),
            "co-occurrence edges": H.number_of_edges(),
        },
        "top_by_papers": {
            t: [(label[n], mentioned(n)) for n in sorted(views.entities(G, t), key=lambda n: (-mentioned(n), label[n]))[:top]]
            for t in views.ENTITY_TYPES
        },
        "top_by_degree": metrics.top_by_type(H, scores, "degree", top) if scores else {},
        "top_by_pagerank": metrics.top_by_type(H, scores, "pagerank", top) if scores else {},
        "top_by_betweenness": metrics.top_by_type(H, scores, "betweenness", top) if scores else {},
        "entity_communities": [
            {"label": c["label"], "size": c["size"], "top": c["top"]} for c in parts
        ],
        "paper_communities": [
            {"label": c["label"], "size": c["size"], "top": c["top"],
             "papers": sorted(str(P.nodes[n]["label"]) for n in c["members"])[:20]}
            for c in comm.paper_communities(G, P, seed=seed)
        ],
        "bridges": comm.bridges(H, parts, top, between={n: s["betweenness"] for n, s in scores.items()}),
        "modality_bridges": comm.modality_bridges(H, top),
        "modality_pairs": metrics.modality_pairs(M)[: top * 2],
        "suggested_method_dataset": links.missing_links(H, ("method", "dataset"), top),
        "suggested_method_modality": links.missing_links(H, ("method", "modality"), top),
        "papers_per_year": {str(y): n for y, n in trends.papers_per_year(G).items()},
        "trends": {str(y): v for y, v in trends.trends(G).items()},
        "modality_share_by_year": {m: {str(y): s for y, s in v.items()} for m, v in trends.share_by_year(G).items()},
    }


def _cell(value) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value))
    return str(value).replace("|", "\\|").replace("\n", " ")


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


def to_markdown(data: dict, images: list[str] = ()) -> str:
    out = ["# Analysis report\n", _table(["what", "count"], list(data["counts"].items()))]
    out += _per_type("Most mentioned entities", "papers", data["top_by_papers"])
    out += _per_type("Most central entities (PageRank on entity co-occurrence)", "PageRank", data["top_by_pagerank"])
    out += _per_type("Most connected entities (degree on entity co-occurrence)", "degree", data["top_by_degree"])
    out += _per_type("Entities between the others (betweenness on entity co-occurrence)", "betweenness", data["top_by_betweenness"])
    out.append("\n## Communities of papers (Louvain on paper similarity, seed 42)\n")
    out.append("\nEach is named by the entities its papers mention most, relative to the whole corpus.\n")
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
        for year, types in data["trends"].items():
            out.append(f"\n### {year}\n")
            out.append(_table(["type", "top entities"], [(t, ", ".join(f"{l} ({n})" for l, n in rows)) for t, rows in types.items()]))
    else:
        out.append("\nNo paper has a date (dcterms:issued), so there are no trends.\n")
    if images:
        out.append("\n## Plots\n\n" + "".join(f"![{Path(i).stem.replace('_', ' ')}]({i})\n\n" for i in images))
    return "".join(out)


def plots(G: nx.Graph, data: dict, folder: Path) -> list[str]:
    """PNG plots of the report (matplotlib, Agg backend); returns their file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    fig, axes = plt.subplots(1, 3, figsize=(15, 5))
    for ax, t in zip(axes, ("method", "dataset", "task")):
        rows = data["top_by_papers"][t][:10][::-1]
        ax.barh([str(r[0])[:30] for r in rows], [r[1] for r in rows], color="#4C72B0")
        ax.set_title(f"top {t}s (papers)")
    fig.tight_layout()
    fig.savefig(folder / "top_entities.png", dpi=90)
    plt.close(fig)
    written.append("top_entities.png")

    M = views.modality_graph(G)
    mods = sorted(M, key=lambda n: (-M.nodes[n]["papers"], M.nodes[n]["label"]))[:15]
    labels = [M.nodes[n]["label"] for n in mods]
    matrix = [[(M.nodes[a]["papers"] if a == b else M.edges[a, b]["weight"] if M.has_edge(a, b) else 0) for b in mods] for a in mods]
    fig, ax = plt.subplots(figsize=(7, 6))
    im = ax.imshow(matrix or [[0]], cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_title("modality co-occurrence (papers)")
    fig.colorbar(im)
    fig.tight_layout()
    fig.savefig(folder / "modality_heatmap.png", dpi=90)
    plt.close(fig)
    written.append("modality_heatmap.png")

    sizes = [c["size"] for c in data["paper_communities"]]
    if sizes:
        fig, ax = plt.subplots(figsize=(8, 0.4 * len(sizes) + 1.5))
        ax.barh([c["label"][:50] for c in data["paper_communities"]][::-1], sizes[::-1], color="#55A868")
        ax.set_title("communities of papers (size)")
        fig.tight_layout()
        fig.savefig(folder / "communities.png", dpi=90)
        plt.close(fig)
        written.append("communities.png")

    share = data["modality_share_by_year"]
    if share and len(data["papers_per_year"]) > 1:
        fig, ax = plt.subplots(figsize=(8, 5))
        for modality, by_year in share.items():
            ax.plot([int(y) for y in by_year], list(by_year.values()), marker="o", label=modality)
        ax.set_xlabel("year")
        ax.set_ylabel("share of the year's papers")
        ax.set_title("modalities over time")
        ax.legend()
        fig.tight_layout()
        fig.savefig(folder / "modality_trends.png", dpi=90)
        plt.close(fig)
        written.append("modality_trends.png")
    return written


def write_report(build_dir: str | Path, out_dir: str | Path) -> Path:
    """Analyse the graph in build_dir and write report.md, report.json and PNG plots to out_dir.

    out_dir is replaced whole only if kg wrote it (see kg.outputs); it is checked before the
    analysis, and the report is written in a folder beside it, then renamed.
    """
    out_dir = Path(out_dir)
    check_folder_target(out_dir)
    G = views.typed_graph(open_store(build_dir))
    data = analyse(G)
    with atomic_folder(out_dir) as tmp:
        images = plots(G, data, tmp)
        (tmp / "report.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        (tmp / "report.md").write_text(to_markdown(data, images), encoding="utf-8")
    return out_dir
