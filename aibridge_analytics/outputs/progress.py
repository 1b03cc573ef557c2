"""Progress on stderr for long work (rich), silent when stderr is not a terminal (cron, pipes).

Two shapes: :func:`bar` counts units of work (rows, interceptions) with the time remaining;
:func:`steps` names the step under way (a report's "reading figures", "drawing charts", ...) with
the time elapsed, since a handful of unequal steps gives no useful time remaining.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.progress import Progress, ProgressColumn, TaskID

ProgressFn = Callable[[int, int], None]


class BarFn(Protocol):
    """``update(done, total)``, or with ``step``: the bar names that step instead (a command whose
    last part is steps, as a sync's refresh of the facts)."""

    def __call__(self, done: int, total: int, step: str | None = None) -> None: ...


#: ``update(done, total, step)``: ``done`` of ``total`` steps are finished and ``step`` is under way.
StepFn = Callable[[int, int, str], None]


@contextmanager
def _drawn(*columns: ProgressColumn | str) -> Iterator[Progress]:
    from rich.console import Console
    from rich.progress import Progress

    # On stderr, the stream that was checked to be a terminal: stdout stays free for the output and pipes.
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield progress


def _enabled(enabled: bool | None) -> bool:
    return sys.stderr.isatty() if enabled is None else enabled


@contextmanager
def bar(description: str, enabled: bool | None = None) -> Iterator[BarFn]:
    """Yield ``update(done, total, step=None)`` (:class:`BarFn`); draws a bar on stderr only when it
    is a terminal."""
    if not _enabled(enabled):
        yield lambda done, total, step=None: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn

    with _drawn(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()) as drawn:
        task = drawn.add_task(description, total=None)

        def update(done: int, total: int, step: str | None = None) -> None:
            # A step is drawn at once, as in `steps`: it can end before the next automatic refresh.
            drawn.update(task, completed=done, total=total, description=step or description, refresh=step is not None)

        yield update


@contextmanager
def steps(description: str, enabled: bool | None = None) -> Iterator[StepFn]:
    """Yield ``update(done, total, step)``; draws ``description: step``, ``done/total`` and the time
    elapsed on stderr only when it is a terminal."""
    if not _enabled(enabled):
        yield lambda done, total, step: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

    with _drawn(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as drawn:
        tasks: list[TaskID] = []

        def update(done: int, total: int, step: str) -> None:
            named = f"{description}: {step}"
            if not tasks:  # added with its first step: a line without a total would read "0/?"
                tasks.append(drawn.add_task(named, total=total, completed=done))
            # Drawn at once: a step can end before the next automatic refresh, and its name must show.
            drawn.update(tasks[0], completed=done, total=total, description=named, refresh=True)

        yield update
