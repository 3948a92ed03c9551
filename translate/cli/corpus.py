"""`translate corpus`: a resumable, cached parallel corpus from a collection of Arabic documents."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from translate.cli.app import command
from translate.cli.jobs import JobArgs, job_options, run_job, summary
from translate.cli.options import EngineArgs, LangArgs, engine_options, lang_options
from translate.cli.progress import say
from translate.corpus import run_corpus
from translate.errors import TranslateError, param
from translate.memory import open_memory


@command()
@job_options
@lang_options
@engine_options
def corpus(
    inputs: Annotated[list[str], typer.Argument(help="Documents and directories (searched recursively).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output directory (created if missing).")],
    presegmented: Annotated[bool, typer.Option(
        "--presegmented", help="The documents hold one sentence per line: translate each line as it is.")] = False,
    backend: Annotated[str, typer.Option("--engine", help="local, or ray (needs the [ray] extra).")] = "local",
    ray_address: Annotated[Optional[str], typer.Option(
        "--ray-address", help="Join this Ray cluster (e.g. ray://head:10001 or auto); default: a local one.")] = None,
    ray_cpus_per_worker: Annotated[int, typer.Option(
        "--ray-cpus-per-worker", min=1, help="CPUs (and model inter-threads) per Ray worker.")] = 2,
    *,
    job: JobArgs,
    langs: LangArgs,
    engine: EngineArgs,
) -> None:
    """Translate a collection of Arabic documents into a filtered parallel corpus.

    Resumable: run the same command again after an interruption. Repeated sentences are translated
    once (translation memory). Writes the corpus, rejected.jsonl and manifest.json into the output
    directory.
    """
    settings = job.settings(engine.decode_options(), engine.batch_size, presegmented,
                            (langs.source_lang, langs.target_lang))
    if backend not in ("local", "ray"):
        raise TranslateError(f"{param('engine', backend)}: choose local or ray")
    if ray_address and backend == "local":
        raise TranslateError(f"{param('ray_address')}: only with {param('engine', 'ray')}")
    with open_memory(job.cache, enabled=not job.no_cache) as memory, \
            _engine(backend, ray_address, ray_cpus_per_worker, engine) as translator:
        manifest = run_job(lambda **report: run_corpus(inputs, output, translator, memory, settings, **report),
                           abort=getattr(translator, "close", None))
    say(f"{summary(manifest, not job.no_cache)} → {output}")


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
