"""The analysis report of a built graph: report.md, report.json and PNG plots in one folder."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import networkx as nx

from kg.analyse import metrics, views
from kg.store import open_store


def analyse(G: nx.Graph, *, top: int = 10, seed: int = 42) -> dict:
    """Every figure of the report, as plain data."""
    H = views.entity_cooccurrence(G)
    M = views.modality_graph(G)
    scores = metrics.centrality(H)
    parts = metrics.communities(H, seed=seed)
    label = {n: H.nodes[n]["label"] for n in H}
    return {
        "counts": {
            "papers": len(views.papers(G)),
            **{t: len(views.entities(G, t)) for t in views.ENTITY_TYPES},
            "links": G.number_of_edges(),
        },
        "top_by_papers": {
            t: [(label[n], H.nodes[n]["papers"]) for n in sorted(views.entities(G, t), key=lambda n: (-G.degree(n), label.get(n, n)))[:top]]
            for t in views.ENTITY_TYPES
        },
        "top_by_pagerank": metrics.top_by_type(H, scores, "pagerank", top) if scores else {},
        "top_by_betweenness": metrics.top_by_type(H, scores, "betweenness", top) if scores else {},
        "communities": [
            {"label": c["label"], "size": c["size"], "members": sorted(label[n] for n in c["members"])[:50]}
            for c in parts
        ],
        "bridges": metrics.bridges(H, parts, top),
        "modality_pairs": metrics.modality_pairs(M)[: top * 2],
        "suggested_method_dataset": metrics.missing_links(H, ("method", "dataset"), top),
        "suggested_method_modality": metrics.missing_links(H, ("method", "modality"), top),
        "trends": {str(y): v for y, v in metrics.trends(G).items()},
    }


def _table(headers: list[str], rows: list) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines) + "\n"


def to_markdown(data: dict) -> str:
    out = ["# Analysis report\n", _table(["what", "count"], list(data["counts"].items()))]
    out.append("\n## Most mentioned entities\n")
    for t, rows in data["top_by_papers"].items():
        if rows:
            out += [f"\n### {t}\n", _table([t, "papers"], rows)]
    out.append("\n## Most central entities (PageRank on entity co-occurrence)\n")
    for t, rows in data["top_by_pagerank"].items():
        if rows:
            out += [f"\n### {t}\n", _table([t, "PageRank"], rows)]
    out.append("\n## Communities (Louvain, seed 42)\n")
    out.append(_table(["community", "size"], [(c["label"], c["size"]) for c in data["communities"]]))
    out.append("\n## Bridges between communities\n")
    out.append(_table(["entity", "type", "communities reached", "betweenness"],
                      [(b["label"], b["type"], b["communities_reached"], b["betweenness"]) for b in data["bridges"]]))
    out.append("\n## Modalities that appear together\n")
    out.append(_table(["modality", "modality", "papers"], data["modality_pairs"]))
    out.append("\n## Suggested links no paper makes yet (Adamic–Adar)\n")
    out.append(_table(["method", "dataset", "score"], [tuple(r.values()) for r in data["suggested_method_dataset"]]))
    out.append("\n")
    out.append(_table(["method", "modality", "score"], [tuple(r.values()) for r in data["suggested_method_modality"]]))
    if data["trends"]:
        out.append("\n## Trends by year\n")
        for year, types in data["trends"].items():
            out.append(f"\n### {year}\n")
            out.append(_table(["type", "top entities"], [(t, ", ".join(f"{l} ({n})" for l, n in rows)) for t, rows in types.items()]))
    out.append("\n![top entities](top_entities.png)\n\n![modality co-occurrence](modality_heatmap.png)\n")
    return "".join(out)


def plots(G: nx.Graph, data: dict, folder: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    fig, axes = plt.subplots(1, 3, figsize=(15, 5))
    for ax, t in zip(axes, ("method", "dataset", "task")):
        rows = data["top_by_papers"][t][:10][::-1]
        ax.barh([r[0][:30] for r in rows], [r[1] for r in rows], color="#4C72B0")
        ax.set_title(f"top {t}s (papers)")
    fig.tight_layout()
    fig.savefig(folder / "top_entities.png", dpi=90)
    plt.close(fig)
    written.append("top_entities.png")

    M = views.modality_graph(G)
    mods = sorted(M, key=lambda n: -G.degree(n))[:15]
    labels = [M.nodes[n]["label"] for n in mods]
    matrix = [[(M.edges[a, b]["weight"] if M.has_edge(a, b) else (G.degree(a) if a == b else 0)) for b in mods] for a in mods]
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
    return written


def write_report(build_dir: str | Path, out_dir: str | Path) -> Path:
    """Analyse the graph in build_dir and write the report folder (replaced whole, atomically)."""
    G = views.typed_graph(open_store(build_dir))
    data = analyse(G)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        (tmp / "report.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        (tmp / "report.md").write_text(to_markdown(data))
        plots(G, data, tmp)
        if out_dir.exists():
            old = out_dir.with_name(out_dir.name + ".old")
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
