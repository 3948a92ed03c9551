"""Quality flags for post-editing: why a sentence pair deserves a reviewer's look.

Pure functions over ``Pair``: ``flag_pair(pair)`` returns the flags that apply, each with a
reason that quotes what was found. They mark pairs to look at, they reject nothing (the corpus
filters in ``translate.filters`` do that). ``quality(pair)`` puts both kinds of score on one
0–1 scale: the per-token probability ``exp(score)`` of a machine translation (its score is a
length-normalised log-probability), the confidence of an alignment link.

Thresholds were chosen on development data (UN v1.0 dev set, tiny-ar-en output of it) and
checked on held-out data (UN v1.0 test set); see bench/results/flags.md.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from translate.filters import has_runaway_repetition
from translate.normalize import ARABIC_SCRIPT
from translate.records import Pair

FLAGS = {
    "low-score": "low model score (or alignment confidence)",
    "unaligned": "a sentence without a counterpart (1-0 or 0-1 link)",
    "many-to-many": "several sentences on both sides (2-2, 2-3, ... link)",
    "length-ratio": "English much longer or shorter than usual for the Arabic",
    "numbers": "numbers differ between the two sides",
    "arabic-script": "Arabic script left in the English",
    "repetition": "repeated words or phrases (a decoding loop)",
    "untranslated": "the English is the Arabic, unchanged",
}


@dataclass(frozen=True)
class Flag:
    name: str  # a key of FLAGS
    reason: str  # what was found, for the reviewer


@dataclass(frozen=True)
class FlagConfig:
    min_probability: float = 0.5  # machine translation: exp(score), the per-token probability
    min_confidence: float = 0.1  # alignment link confidence
    # English characters per Arabic character: the 0.5th and 99.5th percentiles of human UN pairs.
    min_ratio: float = 0.56
    max_ratio: float = 2.0
    min_chars: int = 20  # shorter sentences vary too much in length to judge


DEFAULT = FlagConfig()

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_DIGIT_RUN = re.compile(r"[0-9]+")
_LINK = re.compile(r"([0-9]+)-([0-9]+)")
# A phrase of two to four words said twice in a row, or one word three times in a row.
_PHRASE_TWICE = re.compile(r"\b(\w+(?:\W+\w+){1,3})\W+\1\b", re.IGNORECASE)
_WORD_THRICE = re.compile(r"\b(\w+)(?:\W+\1\b){2,}", re.IGNORECASE)
_ARABIC_LETTERS = f"[{ARABIC_SCRIPT}]+"
# A run of Arabic script: words with the spaces, digits and punctuation between them.
ARABIC_RUN = re.compile(rf"{_ARABIC_LETTERS}(?:[\s\d.,،؛:()\-]+{_ARABIC_LETTERS})*")


def quality(pair: Pair) -> float | None:
    """The pair's score on a 0–1 scale (None without one): alignment confidence for an alignment
    link, the per-token probability exp(score) for a machine translation."""
    if pair.link is not None:
        value = pair.confidence if pair.confidence is not None else pair.score
        return None if value is None or math.isnan(value) else min(max(value, 0.0), 1.0)
    if pair.score is None or math.isnan(pair.score):
        return None
    return math.exp(min(pair.score, 0.0))


def numbers(text: str) -> Counter[str]:
    """The runs of digits in ``text``, Arabic-Indic digits read as Latin ones, leading zeros dropped.

    Runs, not whole numbers: separators differ between the languages and between writers (483,918
    and 918 483; 12:40 and 12.40; article 2-1 and 2.1), and the digits are what must not change.
    """
    return Counter(str(int(run)) for run in _DIGIT_RUN.findall(text.translate(_DIGITS)))


def repeated_phrase(text: str) -> str | None:
    """The repeated phrase of a decoding loop in ``text``, or None."""
    for pattern in (_PHRASE_TWICE, _WORD_THRICE):
        match = pattern.search(text)
        if match:
            return match.group()
    return "a run of repeated letters" if has_runaway_repetition(text) else None


def _sides(pair: Pair) -> tuple[int, int] | None:
    """(Arabic, English) sentences joined in an alignment link, or None for a translation."""
    if pair.source_ids is not None and pair.target_ids is not None:
        return len(pair.source_ids), len(pair.target_ids)
    match = _LINK.fullmatch(pair.link or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def flag_pair(pair: Pair, config: FlagConfig = DEFAULT) -> list[Flag]:
    """The flags of ``pair``, in the order of FLAGS."""
    flags = []
    source, target = pair.source.strip(), pair.target.strip()
    score = quality(pair)
    if pair.link is not None:
        if score is not None and source and target and score < config.min_confidence:
            flags.append(Flag("low-score", f"alignment confidence {score:.2f} < {config.min_confidence}"))
    elif score is not None and score < config.min_probability:
        flags.append(Flag("low-score", f"model score {pair.score:.2f}: per-token probability "
                                       f"{score:.2f} < {config.min_probability}"))
    sides = _sides(pair)
    if (sides and 0 in sides) or (not source) != (not target):
        flags.append(Flag("unaligned", f"{'source' if source else 'target'} sentence without a counterpart"
                                       + (f" ({pair.link} link)" if pair.link else "")))
    elif sides and min(sides) >= 2:
        flags.append(Flag("many-to-many", f"{pair.link} link: {sides[0]} Arabic and {sides[1]} English sentences"))
    if not (source and target):
        return flags
    if max(len(source), len(target)) >= config.min_chars:
        ratio = len(target) / len(source)
        if not config.min_ratio <= ratio <= config.max_ratio:
            flags.append(Flag("length-ratio", f"{len(target)} English characters for {len(source)} Arabic "
                                              f"({ratio:.2f}; usual {config.min_ratio}–{config.max_ratio})"))
    src_numbers, tgt_numbers = numbers(source), numbers(target)
    if src_numbers != tgt_numbers:
        missing, extra = src_numbers - tgt_numbers, tgt_numbers - src_numbers
        parts = ([f"missing in the English: {', '.join(sorted(missing.elements()))}"] if missing else []) + (
            [f"not in the Arabic: {', '.join(sorted(extra.elements()))}"] if extra else [])
        flags.append(Flag("numbers", "; ".join(parts)))
    runs = [run for run in ARABIC_RUN.findall(target) if any(ch.isalpha() for ch in run)]
    if runs:
        flags.append(Flag("arabic-script", f"Arabic in the English: {' … '.join(runs[:3])}"))
    phrase = repeated_phrase(target)
    if phrase:
        flags.append(Flag("repetition", f"repeated: “{phrase[:80]}”"))
    if any(ch.isalpha() for ch in source) and " ".join(target.split()).casefold() == " ".join(source.split()).casefold():
        flags.append(Flag("untranslated", "the English is identical to the Arabic"))
    return flags


__all__ = ["ARABIC_RUN", "DEFAULT", "FLAGS", "Flag", "FlagConfig", "flag_pair", "numbers", "quality", "repeated_phrase"]
