"""Isotonic regression (pool adjacent violators): the map from a model's raw probability to the
share of its predictions that were right, non-decreasing in the probability."""
from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby


def fit_isotonic(xs: Sequence[float], ys: Sequence[float]) -> tuple[list[float], list[float]]:
    """Steps (lower bounds, values) of the least-squares non-decreasing fit of ys on xs: the value
    of x is that of the last step whose bound is at most x (the first step below the first bound)."""
    # blocks of [sum of y, count, lowest x]: one per distinct x first (equal xs get one value), then
    # merged while a block's mean is not above the previous block's
    blocks: list[list[float]] = []
    for x, group in groupby(sorted(zip(xs, ys)), key=lambda pair: pair[0]):
        values = [y for _, y in group]
        blocks.append([sum(values), len(values), x])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            total, count, _ = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    return [round(b[2], 6) for b in blocks], [round(b[0] / b[1], 4) for b in blocks]
