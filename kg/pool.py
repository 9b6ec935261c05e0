"""Work on batches in worker processes, results handed on in input order with few batches in flight.

Both the build (batches -> N-Triples) and `kg extract` (batches -> extractions) use it. Each worker
loads the pipeline once (`initializer`) and runs it in-process, sending back only its compact
result: spaCy's own `nlp.pipe(n_process=...)` sends every Doc back whole (tokens, arrays, user data,
through msgpack), and decoding them in the parent made two processes slower than one.
"""
from __future__ import annotations

import multiprocessing
import signal
import threading
from contextlib import contextmanager
from functools import partial
from itertools import chain, islice
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

IN_FLIGHT = 8  # batches queued per worker, so workers keep busy while the parent handles a result
# Batches per worker process before a fresh set of processes replaces them. spaCy's string store keeps
# every new word it sees (and the triple writer every concept it declared), so a worker that lived
# through a million abstracts would grow by hundreds of MB; a new process costs about 1-2 s of CPU.
WORKER_BATCHES = 500
_END = object()


def batched(items: Iterable[In], size: int) -> Iterator[list[In]]:
    """Lists of `size` items (the last one shorter); itertools.batched needs Python 3.12."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def ordered_map(
    fn: Callable[[In], Out],
    batches: Iterable[In],
    jobs: int,
    initializer: Callable[..., None],
    initargs: tuple = (),
    *,
    worker_batches: int | None = None,
) -> Iterator[Out]:
    """`fn(batch)` for each batch in `jobs` worker processes, yielded in input order.

    At most IN_FLIGHT * jobs batches are pending at once, so memory stays flat however long the
    input. Every `worker_batches` * `jobs` batches (WORKER_BATCHES per worker by default) the
    workers are replaced by fresh processes, which gives back what they grew by. An exception in a
    worker is raised here, at its batch.
    """
    # Not ProcessPoolExecutor(max_tasks_per_child=...): up to Python 3.13 it deadlocks once a worker
    # retires while batches are queued (CPython gh-115634). A new pool per generation cannot.
    # spawn: the same start method on every platform, and no fork of a process running threads
    context = multiprocessing.get_context("spawn")
    per_generation = (worker_batches or WORKER_BATCHES) * jobs
    batches = iter(batches)
    while True:
        first = next(batches, _END)
        if first is _END:
            return
        generation = chain([first], islice(batches, per_generation - 1))
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_set_up,
                                 initargs=(initializer, *initargs)) as pool:
            try:
                yield from _in_order(pool, partial(_call, fn), generation, jobs)
            except BaseException:  # Ctrl-C, an error, the caller stopping early: drop the queued batches
                pool.shutdown(wait=True, cancel_futures=True)
                raise


_SETUP_ERROR: BaseException | None = None  # in a worker: why its initializer failed


def _set_up(initializer: Callable[..., None], *initargs) -> None:
    """Run the initializer in a worker; keep its error for the first batch to raise in the caller.
    Raised here, it broke the pool: the caller saw BrokenProcessPool and a traceback per worker
    instead of the error itself (a `--pipeline` that cannot be loaded: one line)."""
    global _SETUP_ERROR
    try:
        initializer(*initargs)
    except Exception as exc:  # noqa: BLE001 - handed on whole to the caller
        _SETUP_ERROR = exc


def _call(fn: Callable[[In], Out], batch: In) -> Out:
    if _SETUP_ERROR is not None:
        raise _SETUP_ERROR
    return fn(batch)


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block Ctrl-C's signal while worker processes start: they inherit the mask and never take it.
    A Ctrl-C reaches the whole process group; workers that took it printed a traceback each (most
    while still importing) and left their queues' semaphores to be reported as leaked. The parent
    alone handles it (the signal waits until it is unblocked here) and stops the workers."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        with _keyboard_interrupt_deferred():
            yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def _keyboard_interrupt_deferred() -> Iterator[None]:
    """Hold a KeyboardInterrupt until the block is done. The mask above is this thread's only: the
    signal still reaches the process through another of its threads (the store's loader, the
    export), and Python then raised KeyboardInterrupt here, in the middle of a worker's start, whose
    half-sent set-up data the new worker read as "EOFError: Ran out of input", a traceback after
    "error: interrupted"."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    taken: list[int] = []
    handler = signal.signal(signal.SIGINT, lambda signum, frame: taken.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
    if taken and callable(handler):
        handler(signal.SIGINT, None)  # Python's own raises KeyboardInterrupt
    elif taken and handler == signal.SIG_DFL:
        raise KeyboardInterrupt


def _in_order(pool: ProcessPoolExecutor, fn: Callable[[In], Out], batches: Iterator[In], jobs: int) -> Iterator[Out]:
    pending: dict[Future, int] = {}
    done: dict[int, Out] = {}
    submitted = handed_on = 0
    exhausted = False
    while True:
        while not exhausted and len(pending) < IN_FLIGHT * jobs:
            batch = next(batches, _END)
            if batch is _END:
                exhausted = True
                break
            with _sigint_blocked():  # a submit may start a worker process
                pending[pool.submit(fn, batch)] = submitted
            submitted += 1
        if not pending:
            break
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            done[pending.pop(future)] = future.result()
        while handed_on in done:
            yield done.pop(handed_on)
            handed_on += 1
