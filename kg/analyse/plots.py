"""The report's figures, drawn from its data (report.json) with matplotlib, sized to be read on a slide.

Each `*_figure(data)` returns a matplotlib Figure (None when the data hold nothing to draw), so
tests can read what a figure shows; `write_plots` saves them as PNG at 150 dpi. Figures are made
with the object API (`matplotlib.figure.Figure`), not pyplot: no global state, no display needed.
Labels are never cut: long ones wrap onto several lines.
"""
from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib import colormaps, rc_context
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator

DPI = 150
STYLE = {"font.size": 12, "axes.titlesize": 15, "axes.labelsize": 13, "xtick.labelsize": 11,
         "ytick.labelsize": 11, "figure.titlesize": 17, "svg.hashsalt": "kg"}
PNG_METADATA = {"Software": None}  # no version stamp: the same data give the same bytes
PLURAL = {"method": "methods", "dataset": "datasets", "modality": "modalities", "metric": "metrics", "task": "tasks"}
TYPE_COLOURS = {"method": "#1f77b4", "dataset": "#2ca02c", "modality": "#d62728", "metric": "#9467bd", "task": "#ff7f0e"}


def wrap(label: str, width: int = 28) -> str:
    """A label on as many lines as it needs, broken at spaces (after " / " where it can), never cut."""
    return "\n".join(textwrap.wrap(str(label), width, break_long_words=False, break_on_hyphens=False)) or str(label)


def top_entities_figure(data: dict, k: int = 10) -> Figure | None:
    """The k most mentioned entities of each type, one small panel per type."""
    types = [t for t, rows in data["top_by_papers"].items() if rows]
    if not types:
        return None
    columns = min(3, len(types))
    lines = max(len(data["top_by_papers"][t][:k]) for t in types)
    fig = Figure(figsize=(5.4 * columns, (0.42 * lines + 1.4) * math.ceil(len(types) / columns)), layout="constrained")
    axes = fig.subplots(math.ceil(len(types) / columns), columns, squeeze=False).ravel()
    for ax, t in zip(axes, types):
        rows = data["top_by_papers"][t][:k][::-1]
        ax.barh(range(len(rows)), [n for _, n in rows], color=TYPE_COLOURS.get(t, "#555555"))
        ax.set_yticks(range(len(rows)), [wrap(label, 26) for label, _ in rows])
        ax.set_title(PLURAL.get(t, t))
        ax.set_xlabel("papers")
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[len(types):]:
        ax.set_axis_off()
    fig.suptitle("Most mentioned entities of each type")
    return fig


def modality_heatmap_figure(data: dict) -> Figure | None:
    """Lift of every pair of the most common modalities as colour (log scale, white at 1), the
    papers with both as the number in the cell; the diagonal holds each modality's papers."""
    heat = data["modality_cooccurrence"]
    labels = heat["labels"]
    if len(labels) < 2:
        return None
    n = len(labels)
    # log2 of the lift, so that twice and half as often as chance sit at the same distance from
    # white; pairs no paper shares (and the diagonal) have no lift to colour
    values = np.ma.masked_invalid([[math.log2(v) if v else np.nan for v in row] for row in heat["lift"]])
    fig = Figure(figsize=(0.62 * n + 4.2, 0.55 * n + 2.6), layout="constrained")
    ax = fig.subplots()
    cmap = colormaps["RdBu_r"].with_extremes(bad="#f4f4f4")
    image = ax.imshow(values, cmap=cmap, norm=TwoSlopeNorm(0.0, -3.0, 3.0))
    for i in range(n):
        for j in range(n):
            count = heat["papers"][i][j]
            if i == j:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#d0d0d0", edgecolor="white"))
            if count or i == j:
                strong = not values.mask[i, j] and abs(values[i, j]) > 2
                ax.text(j, i, f"{count:,}", ha="center", va="center", fontsize=9,
                        fontweight="bold" if i == j else "normal", color="white" if strong else "black")
    ax.set_xticks(range(n), labels, rotation=50, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(n), labels)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    ticks = [-3, -2, -1, 0, 1, 2, 3]
    bar.set_ticks(ticks, labels=[f"{2.0 ** t:g}" for t in ticks])
    bar.set_label("lift (papers with both / papers expected by chance)")
    ax.set_title("Modality co-occurrence: lift (colour), papers with both (numbers)\n"
                 "grey: no shared paper; diagonal: the modality's papers", fontsize=13)
    return fig


def communities_figure(data: dict, k: int = 12) -> Figure | None:
    """The largest communities of papers by size, each named whole by its characteristic entities."""
    parts = data["paper_communities"][:k]
    if not parts:
        return None
    sampled = any("share" in c for c in parts)
    names = [community_label(c["label"]) for c in parts][::-1]
    heights = [n.count("\n") + 1 for n in names]
    fig = Figure(figsize=(11, 0.38 * sum(heights) + 0.35 * len(parts) + 1.6), layout="constrained")
    ax = fig.subplots()
    if sampled:
        ax.barh(range(len(parts)), [100 * c["share"] for c in parts][::-1], xerr=[100 * c["margin"] for c in parts][::-1],
                color="#55A868", capsize=3)
        ax.set_xlabel("share of all papers, % (±95% margin of the sample)")
    else:
        ax.barh(range(len(parts)), [c["size"] for c in parts][::-1], color="#55A868")
        ax.set_xlabel("papers")
    ax.set_yticks(range(len(parts)), names)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("Communities of papers, named by what sets them apart")
    return fig


def community_label(label: str) -> str:
    """A community label on several lines, one or more of its entity names a line, none cut."""
    return wrap(label, 44)


def modality_trends_figure(data: dict) -> Figure | None:
    """Each common modality's share of a year's papers, year by year (needs two dated years)."""
    share = data["modality_share_by_year"]
    years = sorted(int(y) for y in data["papers_per_year"])
    if not share or len(years) < 2:
        return None
    fig = Figure(figsize=(10, 5.6), layout="constrained")
    ax = fig.subplots()
    for modality, by_year in share.items():
        ax.plot([int(y) for y in by_year], [100 * v for v in by_year.values()], marker="o", linewidth=2, label=modality)
    # years are whole numbers: tick at each year (every few when there are many), never at 2020.5
    step = max(1, math.ceil(len(range(years[0], years[-1] + 1)) / 12))
    ax.xaxis.set_major_locator(FixedLocator(list(range(years[0], years[-1] + 1, step))))
    ax.set_xlabel("year")
    ax.set_ylabel("share of the year's papers, %")
    ax.set_title("Modalities over time")
    ax.legend(frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


PLOTS: dict[str, Callable[[dict], Figure | None]] = {
    "top_entities.png": top_entities_figure,
    "modality_heatmap.png": modality_heatmap_figure,
    "communities.png": communities_figure,
    "modality_trends.png": modality_trends_figure,
}


def write_plots(data: dict, folder: Path, *, progress=None) -> list[str]:
    """Save the report's figures as PNG in folder; returns the names of those written."""
    written = []
    with rc_context(STYLE):
        for i, (name, draw) in enumerate(PLOTS.items(), start=1):
            fig = draw(data)
            if fig is not None:
                fig.savefig(Path(folder) / name, dpi=DPI, metadata=PNG_METADATA)
                written.append(name)
            if progress:
                progress("plots", i, len(PLOTS))
    return written
