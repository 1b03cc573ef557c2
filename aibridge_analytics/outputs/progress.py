"""Progress on stderr for long work (rich), silent when stderr is not a terminal (cron, pipes).

Two shapes: :func:`bar` counts units of work (rows, interceptions) with the time remaining;
:func:`steps` names the step under way (a report's "reading figures", "drawing charts", ...) with
the time elapsed, since a handful of unequal steps gives no useful time remaining. A bar can end
in steps (a sync's refresh of the facts): it then shows them as :func:`steps` does.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.progress import Task, TaskID

ProgressFn = Callable[[int, int], None]


class BarFn(Protocol):
    """``update(done, total)``, or with ``step``: the bar names that step instead (a command whose
    last part is steps, as a sync's refresh of the facts)."""

    def __call__(self, done: int, total: int, step: str | None = None) -> None: ...


#: ``update(done, total, step)``: ``done`` of ``total`` steps are finished and ``step`` is under way.
StepFn = Callable[[int, int, str], None]


def _enabled(enabled: bool | None) -> bool:
    return sys.stderr.isatty() if enabled is None else enabled


@contextmanager
def _live(name: Callable[[str | None], str], enabled: bool | None) -> Iterator[BarFn]:
    """The one display behind `bar` and `steps`: ``name(step)`` is the line's description."""
    if not _enabled(enabled):
        yield lambda done, total, step=None: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Time(ProgressColumn):
        """Time remaining while units are counted; time elapsed while a step is named, as a few
        unequal steps give no useful time remaining."""

        left, spent = TimeRemainingColumn(), TimeElapsedColumn()

        def render(self, task: Task) -> Text:
            return (self.spent if task.fields.get("stepping") else self.left).render(task)

    # On stderr, the stream that was checked to be a terminal: stdout stays free for the output and pipes.
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Time())
    with Progress(*columns, console=Console(stderr=True), transient=True) as drawn:
        tasks: list[TaskID] = []

        def update(done: int, total: int, step: str | None = None) -> None:
            stepping = step is not None
            if not tasks:  # added with its first figures: a line without a total would read "0/?"
                tasks.append(drawn.add_task(name(step), total=total, completed=done, stepping=stepping))
            # A step is drawn at once: it can end before the next automatic refresh, and its name must show.
            drawn.update(
                tasks[0], completed=done, total=total, description=name(step), stepping=stepping, refresh=stepping
            )

        yield update


def bar(description: str, enabled: bool | None = None) -> AbstractContextManager[BarFn]:
    """A context yielding ``update(done, total, step=None)`` (:class:`BarFn`): ``description``,
    ``done/total`` and the time remaining, or with a step its name and the time elapsed; drawn on
    stderr only when it is a terminal."""
    return _live(lambda step: step or description, enabled)


def steps(description: str, enabled: bool | None = None) -> AbstractContextManager[StepFn]:
    """A context yielding ``update(done, total, step)``: ``description: step``, ``done/total`` and
    the time elapsed, drawn on stderr only when it is a terminal."""
    return _live(lambda step: f"{description}: {step}", enabled)
