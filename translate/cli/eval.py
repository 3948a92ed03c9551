"""`translate eval`: translate a test set, score it, and show the model's published score beside ours.

No `from __future__ import annotations` here: Typer must see the Annotated options at run time
through the @engine_options wrapper, which drops string annotations' extras.
"""

import json
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from translate.cli.app import command
from translate.cli.options import EngineArgs, engine_options
from translate.cli.progress import say
from translate.cli.score import METRICS_HELP, WIDTH_HELP
from translate.records import Pair
from translate.textio import atomic_write


@command("eval")
@engine_options
def eval_(
    testset: Annotated[str, typer.Argument(
        help="A named set (tico19-test, tatoeba-test-v2021-08-07, or any folder with src.ar + ref.en "
             "under $TRANSLATE_DATA or ../shared/data), such a folder, a TMX/JSONL/JSON/TSV file, or a "
             "prefix X with X.ar and X.en.")],
    *,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="Only the first N segments.")] = None,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Also write the translations: .tmx/.jsonl/.json/.tsv with the sources, "
                            "else one per line.")] = None,
    metrics: Annotated[str, typer.Option("--metrics", help=METRICS_HELP)] = "bleu,chrf",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    confidence: Annotated[bool, typer.Option("--confidence", help="95% confidence intervals (bootstrap).")] = False,
    width: Annotated[int, typer.Option("--width", "-w", min=0, max=6, help=WIDTH_HELP)] = 1,
    engine: EngineArgs,
) -> None:
    """Translate a test set and score it against its references (sacrebleu)."""
    from translate.scoring import parse_metrics
    from translate.testsets import evaluate, load

    names = parse_metrics(metrics)
    data = load(testset)
    translator = engine.translator()
    count = min(limit or len(data.sources), len(data.sources))
    say(f"translating {count} segments of {data.name} with {translator.model_name}...")
    start = time.perf_counter()
    result = evaluate(data, translator, metrics=names, limit=limit, confidence=confidence,
                      options=engine.decode_options(), batch_size=engine.batch_size)
    say(f"translated and scored in {time.perf_counter() - start:.1f} s")
    if output:
        _write(output, result)
    if as_json:
        typer.echo(json.dumps(result.to_dict(width), ensure_ascii=False, indent=1))
    else:
        _print(result, width)


def _write(path: Path, result) -> None:
    """TMX/JSONL/JSON/TSV keep source and translation; any other name gets one translation per line,
    the plain text `translate score` reads back."""
    from translate.scoring import pair_format

    inputs = (result.testset.path,)
    if pair_format(path):
        from translate.formats import open_writer

        with open_writer(path, meta={"model": result.model}, inputs=inputs) as writer:
            for source, target in zip(result.testset.sources, result.hypotheses):
                writer.write(Pair(source, target))
    else:
        with atomic_write(path, inputs=inputs) as handle:
            handle.writelines(f"{line}\n" for line in result.hypotheses)


def _print(result, width: int) -> None:
    for score in result.scores:
        typer.echo(score.format(width))
    if not result.published:
        typer.echo(f"\nNo published score for {result.model} on {result.testset.name} in the catalog.")
        return
    typer.echo(f"\n{'metric':8}{'ours':>8}{'published':>11}   ({result.model} on {result.testset.name})")
    for score in result.scores:
        published = result.published.get(score.metric)
        shown = "-" if published is None else f"{published:.1f}"
        typer.echo(f"{score.name:8}{score.score:>8.{width}f}{shown:>11}")
    if len(result.hypotheses) < result.total_segments:
        typer.echo(f"Note: scored the first {len(result.hypotheses)} of {result.total_segments} "
                   "segments; the published scores are for the whole set.")
