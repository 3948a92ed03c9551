"""A Pair's fields as named text properties, for the XML formats (TMX ``<prop>``, XLIFF metadata).

Names: doc, paragraph, sentence, and when set score, source-span, link, source-ids, target-ids,
confidence. Numbers are written with ``repr`` (they read back exactly), id lists as ``[1, 2]``.
"""

from __future__ import annotations

from translate.errors import TranslateError
from translate.formats.links import format_ids, parse_ids
from translate.records import Pair


def to_props(pair: Pair) -> dict[str, str]:
    props = {"doc": pair.doc, "paragraph": str(int(pair.paragraph)), "sentence": str(int(pair.sentence))}
    optional = {
        "score": None if pair.score is None else repr(float(pair.score)),
        "source-span": None if pair.source_span is None else format_ids(pair.source_span),
        "link": pair.link,
        "source-ids": None if pair.source_ids is None else format_ids(pair.source_ids),
        "target-ids": None if pair.target_ids is None else format_ids(pair.target_ids),
        "confidence": None if pair.confidence is None else repr(float(pair.confidence)),
    }
    props.update((key, value) for key, value in optional.items() if value is not None)
    return props


def from_props(source: str, target: str, props: dict[str, str], where: str, index: int) -> Pair:
    """The Pair of ``source``/``target`` with the fields found in ``props``; ``index`` is the
    sentence number when none is stored; ``where`` (file and line) prefixes errors."""
    return Pair(
        source=source,
        target=target,
        score=_float(props.get("score"), where),
        doc=props.get("doc", ""),
        paragraph=_int(props.get("paragraph"), 0, where),
        sentence=_int(props.get("sentence"), index, where),
        source_span=_ids(props.get("source-span"), where, length=2),  # type: ignore[arg-type]
        link=props.get("link"),
        source_ids=_ids(props.get("source-ids"), where),
        target_ids=_ids(props.get("target-ids"), where),
        confidence=_float(props.get("confidence"), where),
    )


def _float(value: str | None, where: str) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise TranslateError(f"{where}: property value {value!r} is not a number") from None


def _int(value: str | None, default: int, where: str) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise TranslateError(f"{where}: property value {value!r} is not an integer") from None


def _ids(value: str | None, where: str, length: int | None = None) -> tuple[int, ...] | None:
    if value is None:
        return None
    ids = parse_ids(value)
    if ids is None or (length is not None and len(ids) != length):
        shape = "a list of ids like [0, 1]" if length is None else f"a list of {length} offsets"
        raise TranslateError(f"{where}: property value {value!r} is not {shape}")
    return ids
