"""Batched: the `pipe` of a kg component, which runs the component over a whole batch of docs before
passing any of them on."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.tokens import Doc
from spacy.util import minibatch


class Batched:
    """A component whose `nlp.pipe` runs it over a batch of docs in a row (the batch_size spaCy
    passes), then hands the batch on: each component then runs on one doc after another while its
    own code and data (matchers, lexicons, caches) are still in the processor's caches. spaCy hands
    a doc through every component without a `pipe` before the next doc, so that each of them met
    its data evicted by the others. On a shared 2-core machine with 2 MB of cache a
    core, batches took 3-19% off the rules' time and 11-15% off the time of the pipeline with the
    entity judge, the more the busier the machine (BENCHMARKS.md, "Components over a batch"). A
    component's output depends on its doc alone, so the order changes no extraction."""

    def __call__(self, doc: Doc) -> Doc:
        raise NotImplementedError

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            yield from [self(doc) for doc in batch]
