"""Progress of the stages of a long command, for whoever is watching it.

Code that does a long piece of work wraps it in a stage, and says how far it has got:

    from kg.progress import stage

    with stage("report: communities", total=len(nodes)) as done:
        for node in nodes:
            ...
            done.advance()

Nothing is shown unless the caller (the command line) installed a reporter with `reporting`, so
library code and tests can call `stage` freely. `StageReporter` shows one live line per stage on a
terminal (its name, count or share done, elapsed time) and one plain line per finished stage
otherwise, so a log tells which stage a slow command is in.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Stage:
    """One running stage: its name, how much of it is done and of how much (None: unknown)."""

    def __init__(self, name: str, total: float | None = None, unit: str = "") -> None:
        self.name, self.total, self.unit = name, total, unit
        self.detail = ""  # the step under way, for stages made of named steps
        self.completed = 0.0
        self.started = time.perf_counter()
        self._listener = None  # the reporter's hook, called with each change

    def advance(self, n: float = 1) -> None:
        self.completed += n
        if self._listener:
            self._listener(self)

    def step(self, detail: str) -> None:
        """Start the named step `detail`: the one under way before it is done (and the last one
        when the stage ends)."""
        if self.detail:
            self.completed += 1
        self.detail = detail
        if self._listener:
            self._listener(self)

    def end_steps(self) -> None:
        if self.detail:
            self.completed += 1
            self.detail = ""

    def set_total(self, total: float | None) -> None:
        self.total = total
        if self._listener:
            self._listener(self)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started


class Reporter(Protocol):
    def started(self, stage: Stage) -> None: ...
    def changed(self, stage: Stage) -> None: ...
    def finished(self, stage: Stage) -> None: ...


_reporter: Reporter | None = None  # one per process: the command line installs it


@contextmanager
def stage(name: str, total: float | None = None, unit: str = "") -> Iterator[Stage]:
    """Report the work inside the block as the stage `name` (`total` units of `unit`, if known)."""
    current = Stage(name, total, unit)
    reporter = _reporter
    if reporter is None:
        yield current
        return
    current._listener = reporter.changed
    reporter.started(current)
    try:
        yield current
        current.end_steps()
    finally:
        current._listener = None
        reporter.finished(current)


@contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    """Send the stages run inside the block (from any thread) to `reporter`."""
    global _reporter
    previous, _reporter = _reporter, reporter
    try:
        yield reporter
    finally:
        _reporter = previous


def describe(stage: Stage) -> str:
    """'name: 1,234/5,000 papers (25%)', 'name: 1,234 triples' or 'name', the name followed by
    the step under way, if any, while the stage runs: 'report (centrality): 3/8 steps (38%)'."""
    done = f"{stage.completed:,.0f}"
    name = f"{stage.name} ({stage.detail})" if stage.detail else stage.name
    if stage.total:
        share = min(stage.completed / stage.total, 1.0)
        return f"{name}: {done}/{stage.total:,.0f} {stage.unit}".rstrip() + f" ({share:.0%})"
    if stage.completed:
        return f"{name}: {done} {stage.unit}".rstrip()
    return name


class StageReporter:
    """Stages on a rich console: live lines on a terminal, else one line per finished stage."""

    def __init__(self, console) -> None:
        self.console = console
        self.live = console.is_terminal
        self.progress = None
        self.tasks: dict[int, int] = {}
        self.lock = threading.Lock()  # stages advance from the build's loader thread too

    def __enter__(self) -> "StageReporter":
        if self.live:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(),
                                     console=self.console, transient=True)
            self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.progress:
            self.progress.stop()

    def started(self, stage: Stage) -> None:
        if self.progress:
            with self.lock:
                self.tasks[id(stage)] = self.progress.add_task(describe(stage), total=stage.total)

    def changed(self, stage: Stage) -> None:
        if self.progress:
            with self.lock:
                self.progress.update(self.tasks[id(stage)], description=describe(stage),
                                     completed=stage.completed, total=stage.total)

    def finished(self, stage: Stage) -> None:
        line = f"{describe(stage)} in {stage.elapsed:.1f} s"
        if self.progress:
            with self.lock:
                self.progress.remove_task(self.tasks.pop(id(stage)))
                self.progress.console.print(f"[dim]✓[/] {line}", highlight=False, markup=True)
        else:
            self.console.print(line, highlight=False, markup=False, soft_wrap=True)
