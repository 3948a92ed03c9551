"""Progress bars on standard error (rich, as Typer ships it); hidden when stderr is not a terminal."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeRemainingColumn, TransferSpeedColumn)

stderr = Console(stderr=True)


def enabled(quiet: bool = False) -> bool:
    return not quiet and sys.stderr.isatty()


@contextlib.contextmanager
def download_bar(quiet: bool = False) -> Iterator:
    """A callback(done, total) that drives a download bar."""
    if not enabled(quiet):
        yield None
        return
    columns = (TextColumn("downloading"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=stderr, transient=True) as bar:
        task = bar.add_task("download", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@contextlib.contextmanager
def count_bar(description: str, total: int | None, quiet: bool = False) -> Iterator:
    """A callback(advance) for counted work (sentences, documents)."""
    if not enabled(quiet):
        yield lambda advance=1: None
        return
    columns = (TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=stderr, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda advance=1: bar.update(task, advance=advance)
