"""What the resumable jobs (`corpus`, `align` of two folders) share on the command line: their output
and filter options, a run in a thread that Ctrl-C stops at once, and their progress."""

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Optional

import typer

from translate.cli import progress as bars
from translate.cli.options import CacheOption, NoCacheOption, inject
from translate.corpus import DEFAULT_FORMATS, OUTPUT_NAMES, CorpusProgress, CorpusSettings, parse_formats
from translate.engine import DecodeOptions
from translate.filters import FILTERS, FilterConfig, ReviewMarks

_DEFAULTS = FilterConfig()


@dataclass
class JobArgs:
    formats: Annotated[str, typer.Option(
        "--formats", help=f"Comma-separated output formats: {', '.join(OUTPUT_NAMES)}.")] = ",".join(DEFAULT_FORMATS)
    cache: CacheOption = None
    no_cache: NoCacheOption = False
    skip_filter: Annotated[Optional[list[str]], typer.Option(
        "--skip-filter", help="Switch a filter off (repeat or comma-separate): "
                              f"{', '.join(f for f in FILTERS if f != 'failed')}.")] = None
    min_arabic: Annotated[float, typer.Option(
        "--min-arabic", help="arabic filter: least share of Arabic letters in the source.")] = _DEFAULTS.min_arabic
    max_ratio: Annotated[float, typer.Option(
        "--max-ratio", help="ratio filter: most longer/shorter length in characters.")] = _DEFAULTS.max_ratio
    min_score: Annotated[float, typer.Option(
        "--min-score", help="score filter: least model score (length-normalised log-probability).",
    )] = _DEFAULTS.min_score
    keep_marked: Annotated[Optional[Path], typer.Option(
        "--keep-marked", help="Keep only the pairs a reviewer accepted in this marks file (saved from a "
                              "review page); the others go to rejected.jsonl.")] = None

    def settings(self, options: DecodeOptions, batch_size: int, presegmented: bool,
                 languages: tuple[str, str]) -> CorpusSettings:
        names = {name.strip() for item in self.skip_filter or () for name in item.split(",") if name.strip()}
        marks = ReviewMarks.read(self.keep_marked) if self.keep_marked else None
        return CorpusSettings(
            formats=parse_formats(self.formats), options=options, batch_size=batch_size, presegmented=presegmented,
            filters=FilterConfig.without(names, min_arabic=self.min_arabic, max_ratio=self.max_ratio,
                                         min_score=self.min_score, marks=marks), languages=languages)


job_options = inject(JobArgs, "job")


def run_job(job: Callable[..., dict], abort: Callable[[], None] | None = None) -> dict:
    """``job(on_progress=, on_message=, should_stop=)`` in a thread, with progress on stderr."""
    with _progress() as (report, say):
        return _interruptible(lambda stop: job(on_progress=report, on_message=say, should_stop=stop.is_set),
                              abort)


def summary(manifest: dict, cached: bool) -> str:
    """The line that ends a job: what it read, kept, rejected and translated."""
    counts = manifest["counts"]
    rejected = sum(counts["rejected"].values())
    return (f"{counts['documents']} documents, {counts['sentences']} sentences ({counts['unique_sentences']} "
            f"unique): {counts['kept']} kept, {rejected} rejected; {counts['translated']} translated"
            + (f", {counts['memory_hits']} from the translation memory" if cached else "")
            + f", {counts['repeats']} repeats; {manifest['wall_time_s']:.1f} s")


def _interruptible(job: Callable[[threading.Event], dict], abort: Callable[[], None] | None = None) -> dict:
    """Run ``job`` in a thread so that Ctrl-C (or SIGTERM) is seen at once, even while the model computes.

    On Ctrl-C the job is told to stop (it commits nothing half-done and removes its temporary
    files), given a moment, ``abort`` releases what outlives the process (the Ray engine's local
    cluster), and the process ends without waiting for the model's running batches.
    """
    stop = threading.Event()
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["manifest"] = job(stop)
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="translate-job", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.1)
    except KeyboardInterrupt:
        stop.set()
        thread.join(0.8)
        print("translate: interrupted; run the same command again to resume", file=sys.stderr, flush=True)
        if abort is None:
            # The job thread may still be inside the model or the memory: end here, before the
            # memory and the model are closed under it.
            from translate.cli import exit_interrupted

            exit_interrupted()
        abort()  # the model runs elsewhere (Ray): a normal exit is quick and lets Ray clean up
        raise SystemExit(130) from None
    if "error" in outcome:
        raise outcome["error"]
    return outcome["manifest"]


@contextmanager
def _progress() -> Iterator[tuple[Callable[[CorpusProgress], None], Callable[[str], None]]]:
    """Sentences done (and documents): a bar on a terminal, a line every 10 s elsewhere (the logs of
    long jobs); messages go above the bar, never through it."""
    with bars.Counter("sentences") as counter:
        def report(progress: CorpusProgress) -> None:
            counter.update(progress.sentences_done, progress.sentences_total or None,
                           f"{progress.documents_done}/{progress.documents_total} documents, sentences")

        yield report, counter.print
