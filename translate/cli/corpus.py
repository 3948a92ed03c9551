"""`translate corpus`: a resumable, cached parallel corpus from a collection of Arabic documents."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from translate.cli import progress as bars
from translate.cli.app import app
from translate.cli.options import CacheOption, EngineArgs, NoCacheOption, engine_options
from translate.corpus import DEFAULT_FORMATS, OUTPUT_NAMES, CorpusProgress, CorpusSettings, parse_formats, run_corpus
from translate.errors import TranslateError
from translate.filters import FILTERS, FilterConfig
from translate.memory import open_memory

_DEFAULTS = FilterConfig()


@app.command()
@engine_options
def corpus(
    inputs: Annotated[list[str], typer.Argument(help="Documents (.txt, .md) and directories (searched recursively).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output directory (created if missing).")],
    formats: Annotated[str, typer.Option(
        "--formats", help=f"Comma-separated output formats: {', '.join(OUTPUT_NAMES)}.")] = ",".join(DEFAULT_FORMATS),
    backend: Annotated[str, typer.Option("--engine", help="local, or ray (needs the [ray] extra).")] = "local",
    ray_address: Annotated[Optional[str], typer.Option(
        "--ray-address", help="Join this Ray cluster (e.g. ray://head:10001 or auto); default: a local one.")] = None,
    ray_cpus_per_worker: Annotated[int, typer.Option(
        "--ray-cpus-per-worker", min=1, help="CPUs (and model inter-threads) per Ray worker.")] = 2,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
    skip_filter: Annotated[Optional[list[str]], typer.Option(
        "--skip-filter", help=f"Switch a filter off (repeat or comma-separate): {', '.join(FILTERS)}.")] = None,
    min_arabic: Annotated[float, typer.Option(
        "--min-arabic", help="arabic filter: least share of Arabic letters in the source.")] = _DEFAULTS.min_arabic,
    max_ratio: Annotated[float, typer.Option(
        "--max-ratio", help="ratio filter: most longer/shorter length in characters.")] = _DEFAULTS.max_ratio,
    min_score: Annotated[float, typer.Option(
        "--min-score", help="score filter: least model score (length-normalised log-probability).",
    )] = _DEFAULTS.min_score,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or messages.")] = False,
    *,
    engine: EngineArgs,
) -> None:
    """Translate a collection of Arabic documents into a filtered parallel corpus.

    Resumable: run the same command again after an interruption. Repeated sentences are translated
    once (translation memory). Writes the corpus, rejected.jsonl and manifest.json into the output
    directory.
    """
    names = {name.strip() for item in skip_filter or () for name in item.split(",") if name.strip()}
    settings = CorpusSettings(
        formats=parse_formats(formats),
        filters=FilterConfig.without(names, min_arabic=min_arabic, max_ratio=max_ratio, min_score=min_score),
        options=engine.decode_options(), batch_size=engine.batch_size)
    say = (lambda message: None) if quiet else (lambda message: typer.echo(message, err=True))
    with open_memory(cache, enabled=not no_cache) as memory, _engine(backend, ray_address, ray_cpus_per_worker,
                                                                    engine, quiet) as translator:
        with _progress_bar(quiet) as report:
            manifest = _interruptible(lambda stop: run_corpus(
                inputs, output, translator, memory, settings, on_progress=report, on_message=say,
                should_stop=stop.is_set), abort=getattr(translator, "close", None))
    counts = manifest["counts"]
    rejected = sum(counts["rejected"].values())
    say(f"{counts['documents']} documents, {counts['sentences']} sentences ({counts['unique_sentences']} unique): "
        f"{counts['kept']} kept, {rejected} rejected; {counts['translated']} translated, "
        f"{counts['cache_hits']} from the memory; {manifest['wall_time_s']:.1f} s → {output}")


@contextmanager
def _engine(backend: str, address: str | None, cpus_per_worker: int, engine: EngineArgs, quiet: bool) -> Iterator:
    if backend == "local":
        if address:
            raise TranslateError("--ray-address: only with --engine ray")
        yield engine.translator(quiet)
    elif backend == "ray":
        from translate.ray_engine import RayTranslator

        with RayTranslator(engine.model, address=address, cpus_per_worker=cpus_per_worker,
                           compute_type=engine.compute_type or "int8", models_dir=engine.models_dir,
                           offline=engine.offline, shortlist=engine.shortlist) as translator:
            yield translator
    else:
        raise TranslateError(f"--engine {backend}: choose local or ray")


def _interruptible(job: Callable[[threading.Event], dict], abort: Callable[[], None] | None = None) -> dict:
    """Run ``job`` in a thread so that Ctrl-C is seen at once, even while the model computes.

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

    thread = threading.Thread(target=target, name="corpus-job", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.1)
    except KeyboardInterrupt:
        stop.set()
        thread.join(0.8)
        print("translate: interrupted; run the same command again to resume", file=sys.stderr, flush=True)
        if abort is None:
            os._exit(130)
        abort()  # the model runs elsewhere: a normal exit is quick and lets Ray clean up
        raise SystemExit(130) from None
    if "error" in outcome:
        raise outcome["error"]
    return outcome["manifest"]


@contextmanager
def _progress_bar(quiet: bool) -> Iterator[Callable[[CorpusProgress], None]]:
    """Documents and sentences done, sentence rate and time left, on standard error."""
    if not bars.enabled(quiet):
        yield lambda progress: None
        return
    columns = (TextColumn("{task.fields[documents]}"), BarColumn(), TextColumn("{task.fields[sentences]}"),
               TextColumn("{task.fields[rate]}"), TimeRemainingColumn())
    started = time.monotonic()
    with Progress(*columns, console=bars.stderr, transient=True) as bar:
        task = bar.add_task("corpus", total=None, documents="reading documents", sentences="", rate="")

        def report(progress: CorpusProgress) -> None:
            elapsed = time.monotonic() - started
            rate = f"{progress.sentences_done / elapsed:.1f} sentences/s" if elapsed > 1 else ""
            bar.update(task, completed=progress.sentences_done, total=progress.sentences_total or None,
                       documents=f"{progress.documents_done}/{progress.documents_total} documents",
                       sentences=f"{progress.sentences_done}/{progress.sentences_total} sentences", rate=rate)

        yield report
