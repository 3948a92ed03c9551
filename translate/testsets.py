"""Test sets for ``translate eval``: Arabic sources with English references, and evaluating a
model on one next to the scores published for it.

A test set is given as
- a directory holding ``src.ar`` and ``ref.en`` (line-aligned, one segment per line);
- a moses-style prefix ``X`` with ``X.ar`` and ``X.en`` beside each other;
- a bilingual file the tool writes (TMX, JSONL, JSON, TSV): source side = Arabic, target side =
  the reference;
- or a name (``tico19-test``, ``tatoeba-test-v2021-08-07``, or any folder laid out as above) looked
  up, in this order, in the directory named by ``$TRANSLATE_DATA``, then in ``../shared/data``
  beside the source checkout (when running from one), then in ``../shared/data`` relative to the
  current directory (a checkout's root, with the package installed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from translate.errors import TranslateError
from translate.scoring import DEFAULT_METRICS, CorpusScore, corpus_scores, pair_format, read_segments

ENV_DATA = "TRANSLATE_DATA"
SOURCE_FILE, REFERENCE_FILE = "src.ar", "ref.en"
NAMED = ("tico19-test", "tatoeba-test-v2021-08-07")


@dataclass(frozen=True)
class TestSet:
    """A resolved test set; ``name`` is what published scores are filed under."""

    __test__ = False  # not a pytest test class despite the name

    name: str
    path: Path
    sources: tuple[str, ...]
    references: tuple[str, ...]

    def head(self, limit: int | None) -> TestSet:
        """The first ``limit`` segments (all when None)."""
        if limit is None:
            return self
        if limit < 1:
            raise TranslateError(f"--limit: must be at least 1, got {limit}")
        return TestSet(self.name, self.path, self.sources[:limit], self.references[:limit])


def data_dirs() -> list[Path]:
    """Where named test sets are looked up, in order."""
    dirs = []
    if os.environ.get(ENV_DATA):
        dirs.append(Path(os.environ[ENV_DATA]))
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file():
        dirs.append(checkout.parent / "shared" / "data")
    beside_cwd = Path.cwd().parent / "shared" / "data"
    if beside_cwd not in dirs:
        dirs.append(beside_cwd)
    return dirs


def available() -> list[str]:
    """Names of the test sets found in the data directories."""
    names = {entry.name for d in data_dirs() if d.is_dir() for entry in d.iterdir() if _is_set_dir(entry)}
    return sorted(names)


def load(spec: str | Path) -> TestSet:
    """Resolve a test set from a path or a name (see the module docstring for the search order)."""
    path = Path(spec)
    if _is_set_dir(path):
        return _from_pair(path.name, path, path / SOURCE_FILE, path / REFERENCE_FILE)
    if path.is_file() and pair_format(path):
        return _from_bilingual(path)
    prefix_src, prefix_ref = Path(f"{spec}.ar"), Path(f"{spec}.en")
    if prefix_src.is_file() and prefix_ref.is_file():
        return _from_pair(path.name, path, prefix_src, prefix_ref)
    if path.exists():
        raise TranslateError(
            f"{spec}: not a test set (expected a directory with {SOURCE_FILE} and {REFERENCE_FILE}, "
            f"a TMX/JSONL/JSON/TSV file, or a prefix X with X.ar and X.en)"
        )
    for directory in data_dirs():
        candidate = directory / str(spec)
        if _is_set_dir(candidate):
            return _from_pair(str(spec), candidate, candidate / SOURCE_FILE, candidate / REFERENCE_FILE)
    where = ", ".join(str(d) for d in data_dirs()) or f"none (set ${ENV_DATA})"
    known = ", ".join(available()) or ", ".join(NAMED)
    raise TranslateError(f"{spec}: no such test set (looked in: {where}; known: {known})")


def _is_set_dir(path: Path) -> bool:
    return (path / SOURCE_FILE).is_file() and (path / REFERENCE_FILE).is_file()


def _from_pair(name: str, path: Path, source: Path, reference: Path) -> TestSet:
    sources, references = read_segments(source), read_segments(reference)
    if len(sources) != len(references):
        raise TranslateError(
            f"{source}: {len(sources)} segments, but {reference} has {len(references)}"
        )
    if not sources:
        raise TranslateError(f"{source}: empty test set")
    return TestSet(name, path, tuple(sources), tuple(references))


def _from_bilingual(path: Path) -> TestSet:
    from translate.formats import read_pairs

    pairs = list(read_pairs(path, pair_format(path)))
    if not pairs:
        raise TranslateError(f"{path}: empty test set")
    return TestSet(path.stem, path, tuple(p.source for p in pairs), tuple(p.target for p in pairs))


def published_scores(model: str | Path, testset: str) -> dict[str, float]:
    """Scores the model catalog records for ``model`` on ``testset`` ({"bleu": .., "chrf": ..}).

    A model directory is looked up under the catalog name its install recorded.
    """
    from translate.models import is_model_dir, load_catalog, read_metadata

    path = Path(model)
    name = read_metadata(path).get("name", path.name) if is_model_dir(path) else str(model)
    entry = load_catalog().get(name)
    return dict(entry.published.get(testset, {})) if entry else {}


@dataclass
class Evaluation:
    testset: TestSet
    model: str
    hypotheses: list[str]
    scores: list[CorpusScore]
    published: dict[str, float]
    total_segments: int  # the whole set's size; larger than len(hypotheses) under a limit

    def to_dict(self, width: int = 1) -> dict[str, Any]:
        return {"testset": self.testset.name, "path": str(self.testset.path), "model": self.model,
                "segments": len(self.hypotheses), "total_segments": self.total_segments,
                "scores": [s.to_dict(width) for s in self.scores], "published": self.published}


def evaluate(testset: TestSet, translator: Any, *, metrics: Iterable[str] = DEFAULT_METRICS,
             limit: int | None = None, confidence: bool = False,
             **translate_options: Any) -> Evaluation:
    """Translate the set's sources with ``translator`` (a ``translate.engine.Translator``), score
    them against its references and attach the catalog's published scores for its model."""
    subset = testset.head(limit)
    hypotheses = [t.target for t in translator.translate(subset.sources, **translate_options)]
    scores = corpus_scores(hypotheses, subset.references, metrics, confidence=confidence)
    model = translator.model_name
    return Evaluation(subset, model, hypotheses, scores, published_scores(model, testset.name),
                      len(testset.sources))
