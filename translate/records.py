"""The sentence-pair record that flows from translation or alignment into every output format."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Pair:
    """One aligned source/target pair, in document order.

    ``paragraph`` and ``sentence`` are 0-based; ``source_span`` is the (start, end) character offset
    of the source sentence in the input text, as decoded (a CRLF counts two characters). ``score``
    is always the model's length-normalised log-probability of the target (None where no model
    scored it: passed-through text, alignments of given translations). Alignment fills ``link``
    ("1-1", "2-1", "0-1", ...), ``source_ids``/``target_ids`` (0-based sentence indices joined in
    this pair) and ``confidence`` (how well the two sides match, 0 to 1). ``line`` is the 0-based
    input line of a pre-segmented sentence. ``error`` says why the model could not translate the
    sentence (``target`` is then empty).
    """

    source: str
    target: str
    score: float | None = None
    doc: str = ""
    paragraph: int = 0
    sentence: int = 0
    source_span: tuple[int, int] | None = None
    link: str | None = None
    source_ids: tuple[int, ...] | None = None
    target_ids: tuple[int, ...] | None = None
    confidence: float | None = None
    line: int | None = None
    error: str | None = None
