"""`translate corpus`: a resumable, cached parallel corpus from a collection of Arabic documents."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from translate.cli import progress as bars
from translate.cli.app import command
from translate.cli.options import CacheOption, EngineArgs, LangArgs, NoCacheOption, engine_options, lang_options
from translate.corpus import DEFAULT_FORMATS, OUTPUT_NAMES, CorpusProgress, CorpusSettings, parse_formats, run_corpus
from translate.errors import TranslateError, param
from translate.filters import FILTERS, FilterConfig, ReviewMarks
from translate.memory import open_memory

_DEFAULTS = FilterConfig()


@command()
@lang_options
@engine_options
def corpus(
    inputs: Annotated[list[str], typer.Argument(help="Documents and directories (searched recursively).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output directory (created if missing).")],
    formats: Annotated[str, typer.Option(
        "--formats", help=f"Comma-separated output formats: {', '.join(OUTPUT_NAMES)}.")] = ",".join(DEFAULT_FORMATS),
    presegmented: Annotated[bool, typer.Option(
        "--presegmented", help="The documents hold one sentence per line: translate each line as it is.")] = False,
    backend: Annotated[str, typer.Option("--engine", help="local, or ray (needs the [ray] extra).")] = "local",
    ray_address: Annotated[Optional[str], typer.Option(
        "--ray-address", help="Join this Ray cluster (e.g. ray://head:10001 or auto); default: a local one.")] = None,
    ray_cpus_per_worker: Annotated[int, typer.Option(
        "--ray-cpus-per-worker", min=1, help="CPUs (and model inter-threads) per Ray worker.")] = 2,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
    skip_filter: Annotated[Optional[list[str]], typer.Option(
        "--skip-filter", help="Switch a filter off (repeat or comma-separate): "
                              f"{', '.join(f for f in FILTERS if f != 'failed')}.")] = None,
    min_arabic: Annotated[float, typer.Option(
        "--min-arabic", help="arabic filter: least share of Arabic letters in the source.")] = _DEFAULTS.min_arabic,
    max_ratio: Annotated[float, typer.Option(
        "--max-ratio", help="ratio filter: most longer/shorter length in characters.")] = _DEFAULTS.max_ratio,
    min_score: Annotated[float, typer.Option(
        "--min-score", help="score filter: least model score (length-normalised log-probability).",
    )] = _DEFAULTS.min_score,
    keep_marked: Annotated[Optional[Path], typer.Option(
        "--keep-marked", help="Keep only the pairs a reviewer accepted in this marks file (saved from a "
                              "review page); the others go to rejected.jsonl.")] = None,
    *,
    langs: LangArgs,
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
        filters=FilterConfig.without(names, min_arabic=min_arabic, max_ratio=max_ratio, min_score=min_score,
                                     marks=ReviewMarks.read(keep_marked) if keep_marked else None),
        options=engine.decode_options(), batch_size=engine.batch_size, presegmented=presegmented,
        languages=(langs.source_lang, langs.target_lang))
    if backend not in ("local", "ray"):
        raise TranslateError(f"{param('engine', backend)}: choose local or ray")
    if ray_address and backend == "local":
        raise TranslateError(f"{param('ray_address')}: only with {param('engine', 'ray')}")
    with open_memory(cache, enabled=not no_cache) as memory, _engine(backend, ray_address, ray_cpus_per_worker,
                                                                    engine) as translator:
        with _progress() as (report, say):
            manifest = _interruptible(lambda stop: run_corpus(
                inputs, output, translator, memory, settings, on_progress=report, on_message=say,
                should_stop=stop.is_set), abort=getattr(translator, "close", None))
    counts = manifest["counts"]
    rejected = sum(counts["rejected"].values())
    bars.say(f"{counts['documents']} documents, {counts['sentences']} sentences ({counts['unique_sentences']} "
             f"unique): {counts['kept']} kept, {rejected} rejected; {counts['translated']} translated"
             + (f", {counts['memory_hits']} from the translation memory" if not no_cache else "")
             + f", {counts['repeats']} repeats; {manifest['wall_time_s']:.1f} s → {output}")


@contextmanager
def _engine(backend: str, address: str | None, cpus_per_worker: int, engine: EngineArgs) -> Iterator:
    if backend == "local":
        yield engine.translator()
        return
    from translate.ray_engine import RayTranslator

    with RayTranslator(engine.model, address=address, cpus_per_worker=cpus_per_worker,
                       compute_type=engine.compute_type or "int8", models_dir=engine.models_dir,
                       offline=engine.offline, shortlist=engine.shortlist) as translator:
        yield translator


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
