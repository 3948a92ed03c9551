"""Filters that keep machine-translated pairs fit for a parallel corpus; each can be switched off.

A pair is checked against the enabled filters in the order of ``FILTERS`` and rejected for the
first one it fails, so each rejected pair is counted once, under one reason. With a reviewer's
marks (``ReviewMarks``, saved from a review page) a pair that passes them is kept only if the
reviewer accepted it: reason ``review-rejected`` or ``review-unmarked`` otherwise.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from translate.errors import TranslateError, param
from translate.normalize import ARABIC_SCRIPT, prepare_source
from translate.records import Pair
from translate.textio import read_text

FILTERS = {
    "failed": "the model could not translate the sentence",
    "empty": "source empty or whitespace only",
    "arabic": "too little Arabic script in the source",
    "ratio": "source and target lengths too different",
    "identical": "target identical to the source",
    "repetition": "runaway repetition in the target",
    "score": "model score below the threshold",
    "duplicate": "exact duplicate of an earlier pair",
}

_ARABIC = re.compile(f"[{ARABIC_SCRIPT}]")
# The same word or group of up to four words repeated back to back (4 times or more in all).
_RUNAWAY = re.compile(r"\b(\w+(?:\W+\w+){0,3})(?:\W+\1\b){3,}", re.IGNORECASE)
# Or a run of up to four letters repeated inside a word ("rorororororo"); digits are left alone.
_STUTTER = re.compile(r"([^\W\d_]{1,4}?)\1{4,}", re.IGNORECASE)
_RATIO_MIN_CHARS = 20  # below this, short sentences vary too much in length to judge
MARKS_FORMAT = "translate-review-marks"
MARK_REASONS = {"review-rejected": "rejected by the reviewer", "review-unmarked": "not accepted by the reviewer"}


def pair_id(pair: Pair) -> str:
    """A stable id of a pair's text: 16 hex digits of BLAKE2b over source and target.

    The document and position are left out, so a reviewer's decision holds wherever the same
    translation of the same sentence occurs (another run, a corpus holding the document); a new
    translation of the sentence has a new id and needs a new decision.
    """
    text = f"{pair.source}\0{pair.target}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=8).hexdigest()


@dataclass(frozen=True)
class ReviewMarks:
    """A reviewer's decisions, pair id → "accept" or "reject", as a review page saves them:
    ``{"format": "translate-review-marks", "version": 1, "marks": {"<pair id>": "accept", ...}}``."""

    path: str
    decisions: Mapping[str, str]

    @classmethod
    def read(cls, path: str | Path) -> ReviewMarks:
        where = f"--keep-marked {path}"
        try:
            data = json.loads(read_text(path))
        except TranslateError as exc:
            raise TranslateError(f"--keep-marked: {exc}") from None
        except json.JSONDecodeError as exc:
            raise TranslateError(f"{where}: not valid JSON at line {exc.lineno}: {exc.msg}") from None
        if not isinstance(data, dict) or data.get("format") != MARKS_FORMAT or not isinstance(data.get("marks"), dict):
            raise TranslateError(f'{where}: not a review marks file (expected {{"format": "{MARKS_FORMAT}", '
                                 '"marks": {...}}, as saved from a review page)')
        bad = next(((k, v) for k, v in data["marks"].items() if v not in ("accept", "reject")), None)
        if bad:
            raise TranslateError(f"{where}: mark {bad[1]!r} of pair {bad[0]!r}: expected accept or reject")
        return cls(str(path), dict(data["marks"]))

    def reason(self, pair: Pair) -> str | None:
        decision = self.decisions.get(pair_id(pair))
        return None if decision == "accept" else "review-rejected" if decision == "reject" else "review-unmarked"

    def counts(self) -> dict[str, int]:
        values = Counter(self.decisions.values())
        return {"accept": values["accept"], "reject": values["reject"]}


@dataclass(frozen=True)
class FilterConfig:
    enabled: frozenset[str] = field(default_factory=lambda: frozenset(FILTERS))
    min_arabic: float = 0.5  # share of the source's letters in Arabic script
    max_ratio: float = 3.0  # longer/shorter in characters
    min_score: float = -3.0  # length-normalised log-probability
    marks: ReviewMarks | None = None  # keep only the pairs a reviewer accepted

    @classmethod
    def without(cls, names: set[str], **thresholds) -> FilterConfig:
        """All filters but ``names``; "failed" always stays (such a pair has no translation)."""
        optional = [name for name in FILTERS if name != "failed"]
        unknown = set(names) - set(optional)
        if unknown:
            raise TranslateError(f"{param('skip_filter', ','.join(sorted(unknown)))}: unknown filter; "
                                 f"choose from {', '.join(optional)}")
        return cls(enabled=frozenset(FILTERS) - set(names), **thresholds)

    def as_dict(self) -> dict:
        enabled = [name for name in FILTERS if name in self.enabled]
        settings = {"enabled": enabled, "min_arabic": self.min_arabic, "max_ratio": self.max_ratio,
                    "min_score": self.min_score}
        if self.marks is not None:
            enabled += list(MARK_REASONS)
            settings["marks"] = {"file": self.marks.path, **self.marks.counts()}
        return settings


def arabic_share(text: str) -> float:
    """The share of letters in ``text`` that are Arabic script (0.0 without letters)."""
    letters = [ch for ch in text if unicodedata.category(ch).startswith("L")]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if _ARABIC.match(ch)) / len(letters)


def has_runaway_repetition(text: str) -> bool:
    return bool(_RUNAWAY.search(text) or _STUTTER.search(text))


def length_ratio(source: str, target: str) -> float:
    """longer/shorter length in characters; 1.0 for pairs too short to judge."""
    shorter, longer = sorted((len(source), len(target)))
    if longer < _RATIO_MIN_CHARS:
        return 1.0
    return longer / max(shorter, 1)


class PairFilter:
    """Stateful (duplicates are remembered) filter over the pairs of one corpus, in order."""

    def __init__(self, config: FilterConfig | None = None):
        self.config = config or FilterConfig()
        self.rejected: Counter[str] = Counter()
        self._seen: set[bytes] = set()  # digests of kept pairs: bounded memory on large corpora

    def reason(self, pair: Pair) -> str | None:
        """Why ``pair`` is rejected (a key of FILTERS or MARK_REASONS), or None to keep it; counts the rejection."""
        reason = next((name for name in FILTERS if name in self.config.enabled and self._fails(name, pair)), None)
        if reason is None and self.config.marks is not None:
            reason = self.config.marks.reason(pair)
        if reason:
            self.rejected[reason] += 1
        return reason

    def _fails(self, name: str, pair: Pair) -> bool:
        source, target, config = prepare_source(pair.source), pair.target.strip(), self.config
        if name == "failed":
            return pair.error is not None
        if name == "empty":
            return not source
        if name == "arabic":
            return arabic_share(source) < config.min_arabic
        if name == "ratio":
            return length_ratio(source, target) > config.max_ratio
        if name == "identical":
            return " ".join(target.split()).casefold() == source.casefold()
        if name == "repetition":
            return has_runaway_repetition(target)
        if name == "score":
            return pair.score is not None and pair.score < config.min_score
        # duplicate: the first occurrence is kept (remembered only when it reaches this check).
        key = hashlib.blake2b(f"{pair.source}\0{pair.target}".encode("utf-8", "surrogatepass"),
                              digest_size=16).digest()
        if key in self._seen:
            return True
        self._seen.add(key)
        return False
