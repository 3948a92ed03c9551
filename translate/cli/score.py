"""`translate score`: score hypothesis files against a reference with sacrebleu."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from translate.cli.app import command
from translate.errors import TranslateError

if TYPE_CHECKING:
    from translate.scoring import Comparison, CorpusScore, SentenceScore

METRICS_HELP = "Comma-separated: bleu, chrf, chrf++, ter."
WIDTH_HELP = "Decimals shown for scores, as sacrebleu's --width (JSON keeps full precision)."


@command()
def score(
    hypotheses: list[str] = typer.Argument(
        ..., metavar="HYPOTHESIS...",
        help="Translations: plain text (one segment per line, '-' for stdin) or a TMX/JSONL/JSON/TSV/XLIFF "
             "file the tool wrote (its target side). Several files: compared against the first."),
    ref: str = typer.Option(..., "--ref", "-r", help="Reference: plain text, or the target side of "
                            "a TMX/JSONL/JSON/TSV/XLIFF file (XLIFF: the current, e.g. post-edited, targets)."),
    metrics: str = typer.Option("bleu,chrf", "--metrics", help=METRICS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output (JSONL with --sentences)."),
    sentences: bool = typer.Option(False, "--sentences",
                                   help="Per-sentence scores, worst first by the first metric."),
    confidence: bool = typer.Option(False, "--confidence",
                                    help="95% confidence intervals by bootstrap resampling (1000 samples)."),
    paired: str = typer.Option("bs,ar", "--paired",
                               help="Paired tests for several hypotheses: bs (bootstrap), ar "
                                    "(approximate randomization), or both."),
    width: int = typer.Option(1, "--width", "-w", min=0, max=6, help=WIDTH_HELP),
) -> None:
    """Score translations against a reference (BLEU, chrF, chrF++, TER) with sacrebleu signatures."""
    from translate.scoring import check_lengths, compare, corpus_scores, parse_metrics, read_segments

    names = parse_metrics(metrics)
    refs = read_segments(ref)
    systems = [(path, read_segments(path)) for path in hypotheses]
    for path, hyps in systems:
        check_lengths(hyps, refs, path, ref)
    if sentences:
        if len(systems) > 1:
            raise TranslateError("--sentences: give one hypothesis file")
        _print_sentences(*systems[0], refs, names, as_json, confidence, width)
    elif len(systems) == 1:
        results = corpus_scores(systems[0][1], refs, names, confidence=confidence)
        if as_json:
            _print_json({"reference": ref, "segments": len(refs),
                         "systems": [_system_json(systems[0][0], results, width)]})
        else:
            for result in results:
                typer.echo(result.format(width))
    else:
        tests = [t.strip() for t in paired.split(",") if t.strip()]
        comparison = compare(systems, refs, names, tests=tests, confidence=confidence)
        if as_json:
            per_system = [_system_json(path, corpus_scores(hyps, refs, names), width)
                          for path, hyps in systems]
            _print_json({"reference": ref, "segments": len(refs), "systems": per_system,
                         "comparison": _comparison_json(comparison)})
        else:
            _print_comparison(comparison, width)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=1))


def _system_json(path: str, results: list[CorpusScore], width: int) -> dict[str, Any]:
    return {"system": path, "scores": [r.to_dict(width) for r in results]}


def _comparison_json(comparison: Comparison) -> dict[str, Any]:
    return {"baseline": comparison.systems[0].name, "tests": list(comparison.tests),
            "signatures": comparison.signatures,
            "systems": [s.to_dict() for s in comparison.systems]}


def _print_sentences(path: str, hyps: list[str], refs: list[str], names: list[str], as_json: bool,
                     confidence: bool, width: int) -> None:
    from translate.scoring import corpus_scores, sentence_scores

    rows, signatures = sentence_scores(hyps, refs, names)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row.to_dict(), ensure_ascii=False))
        return
    for result in corpus_scores(hyps, refs, names, confidence=confidence):
        typer.echo(result.format(width))
    typer.echo(f"\nSentence scores of {path}, worst first "
               f"({'; '.join(f'{n}|{s}' for n, s in signatures.items())}):")
    for row in rows:
        typer.echo(_sentence_block(row, width))


def _sentence_block(row: SentenceScore, width: int) -> str:
    scores = "  ".join(f"{name} {value:.{width}f}" for name, value in row.scores.items())
    return f"\n#{row.line}  {scores}\n  hyp: {row.hypothesis}\n  ref: {row.reference}"


def _print_comparison(comparison: Comparison, width: int) -> None:
    """A long table, one row per system and metric, then the signatures of each test."""
    from translate.scoring import TESTS

    baseline = comparison.systems[0].name
    labels = [f"Baseline: {baseline}"] + [s.name for s in comparison.systems[1:]]
    show_ci = any(s.intervals for s in comparison.systems)
    header = ["system", "metric", "score"] + (["μ ± 95% CI"] if show_ci else [])
    header += [f"p ({t})" for t in comparison.tests]
    rows = [header]
    for metric in comparison.systems[0].scores:
        for label, system in zip(labels, comparison.systems):
            row = [label, metric, f"{system.scores[metric]:.{width}f}"]
            if show_ci:
                mean, ci = system.intervals[metric]
                row.append(f"{mean:.{width}f} ± {ci:.{width}f}")
            for test in comparison.tests:
                p = system.p_values.get(test, {}).get(metric)
                row.append("-" if p is None else f"{p:.4f}" + ("*" if p < 0.05 else ""))
            rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    typer.echo(f"\n* p < 0.05: differs significantly from the baseline ({baseline}).")
    for test in comparison.tests:
        typer.echo(f"Signatures ({TESTS[test]}):")
        for metric, signature in comparison.signatures[test].items():
            typer.echo(f"  {metric}|{signature}")
