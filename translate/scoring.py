"""Scoring translations against references: a thin layer over sacrebleu.

Every number comes from sacrebleu's own metric classes, and every score carries sacrebleu's
reproducibility signature, so a score printed here equals what ``sacrebleu`` computes on the
same lines. Resampling (confidence intervals, paired tests) uses sacrebleu's RNG seed
(``SACREBLEU_SEED``, default 12345), so repeated runs give the same intervals and p-values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.metrics.base import Metric, Score
from sacrebleu.significance import PairedTest

from translate.errors import TranslateError
from translate.textio import read_text

# Our metric names -> sacrebleu constructors with sacrebleu's defaults (the published setups).
_METRICS: dict[str, Callable[..., Metric]] = {
    "bleu": BLEU,
    "chrf": CHRF,
    "chrf++": lambda **kw: CHRF(word_order=2, **kw),
    "ter": TER,
}
METRIC_NAMES = tuple(_METRICS)
DEFAULT_METRICS = ("bleu", "chrf")
LOWER_IS_BETTER = frozenset({"ter"})
TESTS = {"bs": "paired bootstrap resampling", "ar": "approximate randomization"}

# Files the tool writes that carry a translation in the target side of each record; anything
# else (plain text, one side of a moses pair) is read one segment per line.
_PAIR_FORMATS = {".tmx": "tmx", ".jsonl": "jsonl", ".json": "json", ".tsv": "tsv", ".xlf": "xliff", ".xliff": "xliff"}


def pair_format(path: str | Path) -> str | None:
    """The record format of a file the tool writes (by extension), or None for plain text."""
    return _PAIR_FORMATS.get(Path(str(path)).suffix.lower())


def parse_metrics(spec: str | Iterable[str]) -> list[str]:
    """Turn "bleu,chrf" (or a list) into validated metric names, keeping the given order."""
    names = [n.strip().lower() for n in (spec.split(",") if isinstance(spec, str) else spec)]
    names = [n for n in names if n]
    unknown = [n for n in names if n not in _METRICS]
    if unknown or not names:
        raise TranslateError(
            f"--metrics: unknown metric {', '.join(map(repr, unknown)) or '(none given)'}"
            f" (choose from {', '.join(METRIC_NAMES)})"
        )
    return list(dict.fromkeys(names))


def make_metric(name: str, *, sentence_level: bool = False) -> Metric:
    """A fresh sacrebleu metric (fresh, because scoring stores bootstrap settings on it)."""
    if name == "bleu" and sentence_level:
        # As sacrebleu's CLI does for sentence BLEU: without it most short lines score 0.
        return BLEU(effective_order=True)
    return _METRICS[name]()


def read_segments(path: str | Path) -> list[str]:
    """Segments of a hypothesis or reference file: its target side for TMX/JSONL/JSON/TSV,
    otherwise one segment per line (only "\\n" separates lines, as in sacrebleu)."""
    fmt = pair_format(path)
    if fmt:
        from translate.formats import read_pairs

        return [pair.target for pair in read_pairs(path, fmt)]
    text = read_text(path)
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n") if text else []


def check_lengths(hyps: Sequence[str], refs: Sequence[str], hyp_name: str = "hypothesis",
                  ref_name: str = "reference") -> None:
    """Refuse to score line streams of different lengths, naming both counts."""
    if not refs:
        raise TranslateError(f"{ref_name}: no segments to score against")
    if len(hyps) != len(refs):
        raise TranslateError(
            f"{hyp_name}: {len(hyps)} segments, but {ref_name} has {len(refs)}; "
            "hypotheses and references must be line-aligned"
        )


@dataclass
class CorpusScore:
    """One metric's corpus score, its sacrebleu signature, and the counts behind it."""

    metric: str
    name: str
    score: float
    signature: str
    details: dict[str, Any]
    raw: Score = field(repr=False)  # sacrebleu's own score object, which formats the line
    mean: float | None = None
    ci: float | None = None

    def format(self, width: int = 1) -> str:
        """The line sacrebleu's CLI prints, e.g. ``BLEU|nrefs:1|...|version:2.6.0 = 44.4 72.5/...``."""
        return self.raw.format(width, signature=self.signature)

    def to_dict(self, width: int = 1) -> dict[str, Any]:
        data = {"metric": self.metric, "name": self.name, "score": self.score,
                "signature": self.signature, **self.details, "formatted": self.format(width)}
        if self.mean is not None:
            data.update(mean=self.mean, ci95=self.ci)
        return data


def _details(score: Score) -> dict[str, Any]:
    """The counts each metric reports beside its score."""
    if score.name == "BLEU":
        return {"precisions": list(score.precisions), "bp": score.bp, "ratio": score.ratio,
                "hyp_len": score.sys_len, "ref_len": score.ref_len}
    if score.name == "TER":
        return {"edits": score.num_edits, "ref_len": score.ref_length}
    return {"char_order": score.char_order, "word_order": score.word_order, "beta": score.beta}


def corpus_scores(hyps: Sequence[str], refs: Sequence[str],
                  metrics: Iterable[str] = DEFAULT_METRICS, *, confidence: bool = False,
                  n_bootstrap: int = 1000) -> list[CorpusScore]:
    """Corpus-level scores; ``confidence`` adds sacrebleu's bootstrap mean and 95% interval."""
    check_lengths(hyps, refs)
    results = []
    for name in parse_metrics(metrics):
        metric = make_metric(name)
        score = metric.corpus_score(list(hyps), [list(refs)],
                                    n_bootstrap=n_bootstrap if confidence else 1)
        results.append(CorpusScore(
            name, score.name, score.score, metric.get_signature().format(), _details(score), score,
            mean=score._mean if confidence else None, ci=score._ci if confidence else None,
        ))
    return results


def score(hypotheses: Sequence[str], references: Sequence[str], metrics: Iterable[str] = DEFAULT_METRICS, *,
          confidence: bool = False) -> list[CorpusScore]:
    """Score line-aligned hypotheses against references: one ``CorpusScore`` per metric (BLEU and
    chrF by default), each with its sacrebleu signature (``translate.score`` in the API)."""
    return corpus_scores(hypotheses, references, metrics, confidence=confidence)


@dataclass
class SentenceScore:
    line: int  # 1-based line number in the inputs
    hypothesis: str
    reference: str
    scores: dict[str, float]  # sacrebleu metric name ("BLEU", "chrF2", ...) -> score

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "scores": self.scores, "hypothesis": self.hypothesis,
                "reference": self.reference}


def sentence_scores(hyps: Sequence[str], refs: Sequence[str],
                    metrics: Iterable[str] = DEFAULT_METRICS,
                    ) -> tuple[list[SentenceScore], dict[str, str]]:
    """Per-segment scores sorted worst first by the first metric, and each metric's signature.

    Sentence BLEU uses effective n-gram order, as sacrebleu's ``--sentence-level`` does.
    """
    check_lengths(hyps, refs)
    names = parse_metrics(metrics)
    rows = [SentenceScore(i + 1, h, r, {}) for i, (h, r) in enumerate(zip(hyps, refs))]
    signatures = {}
    for name in names:
        metric = make_metric(name, sentence_level=True)
        for row in rows:
            score = metric.sentence_score(row.hypothesis, [row.reference])
            row.scores[score.name] = score.score
        signatures[score.name] = metric.get_signature().format()
    key = next(iter(signatures))
    sign = -1 if names[0] in LOWER_IS_BETTER else 1
    rows.sort(key=lambda row: (sign * row.scores[key], row.line))
    return rows, signatures


@dataclass
class SystemResult:
    """One system's scores in a comparison; p-values are against the first (baseline) system."""

    name: str
    scores: dict[str, float]
    p_values: dict[str, dict[str, float]] = field(default_factory=dict)  # test -> metric -> p
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)  # metric -> (mean, ci)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"system": self.name, "scores": self.scores}
        if self.p_values:
            data["p_values"] = self.p_values
        if self.intervals:
            data["confidence"] = {m: {"mean": mean, "ci95": ci}
                                  for m, (mean, ci) in self.intervals.items()}
        return data


@dataclass
class Comparison:
    systems: list[SystemResult]
    signatures: dict[str, dict[str, str]]  # test -> metric -> signature (with seed and samples)
    tests: tuple[str, ...]


def compare(systems: Sequence[tuple[str, Sequence[str]]], refs: Sequence[str],
            metrics: Iterable[str] = DEFAULT_METRICS, *, tests: Iterable[str] = ("bs", "ar"),
            confidence: bool = False) -> Comparison:
    """Score several systems and test each against the first with sacrebleu's paired tests.

    ``bs`` is paired bootstrap resampling (1000 resamples), ``ar`` approximate randomization
    (10000 trials). Intervals come from the bootstrap test, or from 1000 bootstrap resamples
    within the AR test when only AR runs and ``confidence`` is set.
    """
    if len(systems) < 2:
        raise TranslateError("a comparison needs at least two hypothesis files")
    for name, hyps in systems:
        check_lengths(hyps, refs, name)
    tests = tuple(dict.fromkeys(tests))
    if not tests or set(tests) - set(TESTS):
        raise TranslateError(f"--paired: expected one or both of {', '.join(TESTS)}")
    names = parse_metrics(metrics)
    results = [SystemResult(name, {}) for name, _ in systems]
    signatures: dict[str, dict[str, str]] = {}
    named = [(name, list(hyps)) for name, hyps in systems]
    for test in tests:
        metric_objs = {name: make_metric(name) for name in names}
        sigs, table = PairedTest(named, metric_objs, references=[list(refs)], test_type=test,
                                 n_ar_confidence=1000 if confidence and "bs" not in tests else -1)()
        signatures[test] = {metric: sig.format() for metric, sig in sigs.items()}
        for metric, column in table.items():
            if metric == "System":
                continue
            for system, result in zip(results, column):
                system.scores[metric] = result.score
                if result.p_value is not None:
                    system.p_values.setdefault(test, {})[metric] = result.p_value
                if confidence and result.mean is not None and (test == "bs" or "bs" not in tests):
                    system.intervals[metric] = (float(result.mean), float(result.ci))
    return Comparison(results, signatures, tests)
