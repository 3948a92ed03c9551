"""Progress and messages on standard error: rich bars on a terminal, periodic lines elsewhere,
nothing with --quiet. rich is imported only when a bar is shown (start-up time)."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator

_quiet = False


def set_quiet(value: bool = True) -> None:
    global _quiet
    _quiet = value


def quiet() -> bool:
    return _quiet


def say(message: str) -> None:
    """A message for the user on standard error (none with --quiet)."""
    if not _quiet:
        print(message, file=sys.stderr, flush=True)


def on_terminal() -> bool:
    return not _quiet and sys.stderr.isatty()


def console():
    from rich.console import Console

    return Console(stderr=True)


@contextlib.contextmanager
def download_bar() -> Iterator[Callable[[int, int | None], None] | None]:
    """A callback(done, total) that shows a download bar from its first call on (loading a model
    that is already installed shows nothing)."""
    if not on_terminal():
        yield None
        return
    with contextlib.ExitStack() as stack:
        state: dict = {}

        def report(done: int, total: int | None) -> None:
            if "bar" not in state:
                from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn,
                                           TimeRemainingColumn, TransferSpeedColumn)

                columns = (TextColumn("downloading"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                           TimeRemainingColumn())
                state["bar"] = stack.enter_context(Progress(*columns, console=console(), transient=True))
                state["task"] = state["bar"].add_task("download", total=None)
            state["bar"].update(state["task"], completed=done, total=total)

        yield report


class Counter:
    """Counted work (sentences, documents): a bar on a terminal, otherwise a line every ``every``
    seconds, so that the logs of long jobs show progress too."""

    def __init__(self, description: str, total: int | None = None, every: float = 10.0):
        self.description, self.total, self.every = description, total, every
        self.done = 0
        self._started = self._last = time.monotonic()
        self._bar = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Counter:
        if on_terminal():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            self._bar = self._stack.enter_context(Progress(*columns, console=console(), transient=True))
            self._task = self._bar.add_task(self.description, total=self.total)
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def __call__(self, advance: int = 1) -> None:
        self.update(self.done + advance)

    def update(self, done: int, total: int | None = None, description: str | None = None) -> None:
        self.done, self.total = done, total or self.total
        self.description = description or self.description
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=self.total, description=self.description)
            return
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            of = f"/{self.total}" if self.total else ""
            say(f"{self.description}: {self.done}{of} ({self.done / (now - self._started):.1f}/s)")

    def print(self, message: str) -> None:
        """A message that does not break the bar (printed above it)."""
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False)
        else:
            say(message)
