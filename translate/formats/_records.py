"""Pair ⇄ JSON object, shared by the json and jsonl formats."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from translate.errors import TranslateError
from translate.records import Pair

_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(value: Any) -> str:
    """Compact JSON that keeps Arabic readable; lone surrogates become ``\\uXXXX`` escapes.

    ``ensure_ascii=False`` would pass a lone surrogate through raw, and UTF-8 cannot encode it;
    in JSON text any non-ASCII character sits inside a string, where the escape is valid.
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)  # str: Paths in meta
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _number(value: float | None) -> float | None:
    # JSON has no NaN or infinity: such a score is written as null.
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def to_record(pair: Pair) -> dict[str, Any]:
    record: dict[str, Any] = {
        "doc": pair.doc,
        "paragraph": int(pair.paragraph),
        "sentence": int(pair.sentence),
        "source": pair.source,
        "target": pair.target,
        "score": _number(pair.score),
        "source_span": None if pair.source_span is None else [int(i) for i in pair.source_span],
    }
    if pair.link is not None:
        record["link"] = pair.link
    for key in ("source_ids", "target_ids"):
        ids = getattr(pair, key)
        if ids is not None:
            record[key] = [int(i) for i in ids]
    if pair.confidence is not None:
        record["confidence"] = _number(pair.confidence)
    for key in ("line", "error"):
        if getattr(pair, key) is not None:
            record[key] = getattr(pair, key)
    return record


def _check(ok: bool, where: str, key: str, expected: str) -> None:
    if not ok:
        raise TranslateError(f"{where}: field {key!r} must be {expected}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return _is_int(value) or isinstance(value, float)


def _ints(value: Any, where: str, key: str, length: int | None = None) -> tuple[int, ...] | None:
    if value is None:
        return None
    ok = isinstance(value, list) and all(_is_int(i) for i in value)
    _check(ok and (length is None or len(value) == length), where, key,
           "a list of integers" if length is None else f"a list of {length} integers or null")
    return tuple(value)


def from_record(record: Any, where: str) -> Pair:
    """Build a Pair from one decoded JSON object; ``where`` (file and line) prefixes errors."""
    if not isinstance(record, dict):
        raise TranslateError(f"{where}: expected a JSON object, found {type(record).__name__}")
    for key in ("source", "target"):
        _check(isinstance(record.get(key), str), where, key, "a string")
    for key in ("score", "confidence"):
        _check(record.get(key) is None or _is_number(record[key]), where, key, "a number or null")
    for key in ("paragraph", "sentence"):
        _check(_is_int(record.get(key, 0)), where, key, "an integer")
    _check(isinstance(record.get("doc", ""), str), where, "doc", "a string")
    _check(record.get("link") is None or isinstance(record["link"], str), where, "link", "a string")
    _check(record.get("error") is None or isinstance(record["error"], str), where, "error", "a string")
    _check(record.get("line") is None or _is_int(record["line"]), where, "line", "an integer")
    span = _ints(record.get("source_span"), where, "source_span", length=2)
    return Pair(
        source=record["source"],
        target=record["target"],
        score=None if record.get("score") is None else float(record["score"]),
        doc=record.get("doc", ""),
        paragraph=record.get("paragraph", 0),
        sentence=record.get("sentence", 0),
        source_span=span,  # type: ignore[arg-type]
        link=record.get("link"),
        source_ids=_ints(record.get("source_ids"), where, "source_ids"),
        target_ids=_ints(record.get("target_ids"), where, "target_ids"),
        confidence=None if record.get("confidence") is None else float(record["confidence"]),
        line=record.get("line"),
        error=record.get("error"),
    )
