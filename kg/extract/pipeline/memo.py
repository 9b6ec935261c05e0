"""Memo: a function of a word or name kept per argument, for the words that recur across abstracts."""
from __future__ import annotations


class Memo(dict):
    """A function of a word or name, kept per argument (up to 2**16 of them, then started again, so
    that a long run does not grow it without end): the same words recur across abstracts, and a hit
    is one dict lookup (less than a hit of functools.lru_cache, which also reorders its entries)."""

    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key):
        if len(self) >= 1 << 16:
            self.clear()
        value = self[key] = self.fn(key)
        return value
