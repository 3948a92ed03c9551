"""Inline markup carried onto a translation: links, bold, italics, spans... over the target words
they align with.

A writer that rebuilds a document (HTML, DOCX, Markdown) flattens each block into a ``Run``: its
plain text and the inline elements over it (``Span``, nested as in the source). The text is
segmented and translated sentence by sentence as any other text; ``project`` then places each
element on the translation. Inside a sentence an element goes over the target words whose
strongest attention falls on its source words (the model's attention, as Firefox's Bergamot does;
OPUS-MT transformer-align models are trained with guided alignment); an element that covers whole
sentences covers their translations; the whitespace between sentences is kept as it is, so a line
break element there stays exactly in place. Where attention gives no position, the element goes
over the words at the same relative place in the sentence and is counted as a fallback. No
element is ever dropped, and the result nests exactly as the source did.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from translate.engine import Attention

_PUNCTUATION = ".,;:!?،؛؟…"
_WORD = re.compile(r"\S+")


@dataclass
class Span:
    """An inline element over ``text[start:end]`` of its run. ``opaque`` elements (code, line
    breaks, images, ``translate="no"``) are written back exactly as they were, replacing the
    target text they are placed over."""

    start: int
    end: int
    ref: Any = None  # the writer's handle on the element
    opaque: bool = False
    children: list[Span] = field(default_factory=list)


@dataclass
class Run:
    """A block's plain text and its inline elements (top level, in order; children nested)."""

    text: str
    spans: list[Span] = field(default_factory=list)


@dataclass
class Notes:
    """How the inline elements of a run or a document were placed."""

    elements: int = 0
    exact: int = 0  # over whole sentences, between sentences, or on text the model passed through
    attention: int = 0
    fallback: int = 0

    def add(self, other: Notes) -> None:
        for name in ("elements", "exact", "attention", "fallback"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {"inline_elements": self.elements, "placed_exactly": self.exact,
                "placed_by_attention": self.attention, "placed_by_fallback": self.fallback}


@dataclass
class Alignment:
    """Token-level links of one sentence pair: character spans of the tokens in the source
    sentence and in the target text, and for each target token the source token it attends to
    most (-1: none)."""

    source_spans: list[tuple[int, int]]
    target_spans: list[tuple[int, int]]
    links: list[int]


@dataclass
class Sentence:
    """One translated sentence of a run: its place in the run's text, its translation, and the
    alignment between them (None: not available)."""

    start: int
    end: int
    target: str
    alignment: Alignment | None = None


def flatten_spans(spans: Iterable[Span]) -> Iterator[Span]:
    for span in spans:
        yield span
        yield from flatten_spans(span.children)


# -- alignment from attention -------------------------------------------------------------------

def token_spans(tokens: list[str], text: str) -> list[tuple[int, int]] | None:
    """Character spans of SentencePiece ``tokens`` in ``text`` (None if they do not spell it)."""
    spans, position = [], 0
    for token in tokens:
        piece = token.replace("\u2581", " ")
        if position == 0:
            piece = piece.lstrip(" ")
        stripped = piece.lstrip(" ")
        start = position + len(piece) - len(stripped)
        if text[start:start + len(stripped)] != stripped:
            return None
        spans.append((start, start + len(stripped)))
        position = start + len(stripped)
    return spans


def _offset_map(original: str, prepared: str) -> list[int]:
    """For each offset in ``prepared`` (a normalised copy of ``original``), the offset in ``original``."""
    if original == prepared:
        return list(range(len(original) + 1))
    table: list[int | None] = [None] * (len(prepared) + 1)
    for a, b, size in difflib.SequenceMatcher(None, prepared, original, autojunk=False).get_matching_blocks():
        for k in range(size):
            table[a + k] = b + k
    table[len(prepared)] = len(original)
    following = len(original)
    for i in range(len(prepared), -1, -1):  # an unmatched character maps to the next matched one
        if table[i] is None:
            table[i] = following
        following = table[i]
    return table  # type: ignore[return-value]


def alignment(sentence: str, target: str, attention: Attention | None) -> Alignment | None:
    """Links from the model's attention (argmax over source tokens, Bergamot's rule), with token
    spans in ``sentence`` and ``target``."""
    if attention is None or not attention.weights:
        return None
    source = token_spans(attention.source_tokens, attention.source)
    target_spans = token_spans(attention.target_tokens, target)
    if source is None or target_spans is None:
        return None
    back = _offset_map(sentence, attention.source)
    source = [(back[s], max(back[s], back[e - 1] + 1)) for s, e in source]
    links = [max(range(len(row)), key=row.__getitem__) if row else -1 for row in attention.weights]
    return Alignment(source, target_spans, links)


# -- projection -----------------------------------------------------------------------------------

def _words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD.finditer(text, start, end)]


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a target range to whole words (an edge on a space moves inwards, to the word)."""
    end = min(end, len(text))
    start = min(start, end)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def _trim_punctuation(text: str, start: int, end: int, source_piece: str) -> int:
    """A final full stop belongs to the sentence, not to a bold word, unless the source had it."""
    if source_piece.rstrip().endswith(tuple(_PUNCTUATION)):
        return end
    while end > start + 1 and text[end - 1] in _PUNCTUATION:
        end -= 1
    return end


def _within(x: int, y: int, sentence_text: str, target: str,
            align: Alignment | None) -> tuple[int, int, str]:
    """Target range (in ``target``) of source range [x, y) of one sentence, and how it was found."""
    if align is not None:
        if x == y:  # a point: after the target words aligned to source tokens before it
            before = {k for k, (s, e) in enumerate(align.source_spans) if e <= x}
            hits = [j for j, k in enumerate(align.links) if k in before]
            if not before:
                return 0, 0, "attention"
            if hits:
                end = _snap(target, *align.target_spans[max(hits)])[1]
                return end, end, "attention"
        else:
            inside = {k for k, (s, e) in enumerate(align.source_spans) if s < y and x < e}
            hits = _cluster([j for j, k in enumerate(align.links) if k in inside])
            if hits:
                start, end = _snap(target, align.target_spans[hits[0]][0], align.target_spans[hits[-1]][1])
                return start, _trim_punctuation(target, start, end, sentence_text[x:y]), "attention"
    # The same relative place, in whole words.
    size = max(1, len(sentence_text))
    start = round(x / size * len(target))
    end = round(y / size * len(target))
    if x == y:
        words = _words(target, 0, len(target))
        ends = [0] + [e for _, e in words]
        point = min(ends, key=lambda e: abs(e - start))
        return point, point, "fallback"
    start, end = _snap(target, min(start, max(0, len(target) - 1)), max(end, start + 1))
    end = min(end, len(target))
    return start, _trim_punctuation(target, start, end, sentence_text[x:y]), "fallback"


def _cluster(hits: list[int], gap: int = 2) -> list[int]:
    """The largest group of target tokens lying together (at most ``gap`` apart): one stray link
    far away must not stretch an element over half the sentence."""
    groups: list[list[int]] = []
    for j in hits:
        if groups and j - groups[-1][-1] <= gap:
            groups[-1].append(j)
        else:
            groups.append([j])
    return max(groups, key=len, default=[])


class _Layout:
    """Where each sentence and each gap between sentences lands in the target run text."""

    def __init__(self, text: str, sentences: list[Sentence]):
        self.source = text
        self.sentences = sentences
        parts: list[str] = []
        self.target_starts: list[int] = []
        self.gap_starts: list[tuple[int, int]] = []  # (source start, target start) of each gap
        position, length = 0, 0
        for sentence in sentences:
            self.gap_starts.append((position, length))
            parts.append(text[position:sentence.start])
            length += sentence.start - position
            self.target_starts.append(length)
            parts.append(sentence.target)
            length += len(sentence.target)
            position = sentence.end
        self.gap_starts.append((position, length))
        parts.append(text[position:])
        self.text = "".join(parts)

    def in_gap(self, point: int) -> int | None:
        """Target offset of a source offset outside every sentence (gaps are copied verbatim)."""
        for i, sentence in enumerate(self.sentences):
            if point <= sentence.start:
                gap_source, gap_target = self.gap_starts[i]
                return gap_target + point - gap_source if point >= gap_source else None
        gap_source, gap_target = self.gap_starts[-1]
        return gap_target + point - gap_source if point >= gap_source else None

    def place(self, span: Span) -> tuple[int, int, str]:
        a, b = span.start, span.end
        touched = [i for i, s in enumerate(self.sentences) if s.start < b and a < s.end or s.start < a < s.end]
        if not touched:
            return self.in_gap(a), self.in_gap(b), "exact"
        first, last = touched[0], touched[-1]
        methods = []

        def local(i: int, x: int, y: int) -> tuple[int, int]:
            sentence = self.sentences[i]
            src = self.source[sentence.start:sentence.end]
            if sentence.target == src:  # passed through: identical text, identical places
                return x - sentence.start, y - sentence.start
            start, end, how = _within(x - sentence.start, y - sentence.start, src, sentence.target,
                                      sentence.alignment)
            methods.append(how)
            return start, end

        if first == last and self.sentences[first].start < a and b < self.sentences[first].end or (
                first == last and a == b):
            start, end = local(first, a, b)
            base = self.target_starts[first]
            return base + start, base + end, methods[0] if methods else "exact"
        s_first, s_last = self.sentences[first], self.sentences[last]
        if a <= s_first.start:
            start = self.in_gap(a)
        else:
            start = self.target_starts[first] + local(first, a, s_first.end)[0]
        if b >= s_last.end:
            end = self.in_gap(b)
        else:
            end = self.target_starts[last] + local(last, s_last.start, b)[1]
        how = "fallback" if "fallback" in methods else ("attention" if methods else "exact")
        return start, max(start, end), how


def project(run: Run, sentences: list[Sentence]) -> tuple[Run, Notes]:
    """The translated run: the sentences' translations in place of their sources (the text
    between them kept), and every inline element placed on it, nested as in the source."""
    layout = _Layout(run.text, sentences)
    notes = Notes()

    def place_all(spans: list[Span], low: int, high: int) -> list[Span]:
        ranges: list[list] = []
        for span in spans:
            start, end, how = layout.place(span)
            start, end = max(low, min(start, high)), max(low, min(end, high))
            ranges.append([start, max(start, end), how])
        _separate(layout.text, spans, ranges, low, high)
        out = []
        for span, (start, end, how) in zip(spans, ranges):
            notes.elements += 1
            setattr(notes, how, getattr(notes, how) + 1)
            if span.opaque:  # written back whole, what it holds included
                inner = len(list(flatten_spans(span.children)))
                notes.elements += inner
                notes.exact += inner
                out.append(Span(start, end, span.ref, True, span.children))
            else:
                out.append(Span(start, end, span.ref, False, place_all(span.children, start, end)))
        return sorted(out, key=lambda s: (s.start, s.end))

    spans = place_all(run.spans, 0, len(layout.text))
    return Run(layout.text, spans), notes


_CONFIDENCE = {"exact": 0, "attention": 1, "fallback": 2}


def _separate(text: str, spans: list[Span], ranges: list[list], low: int, high: int) -> None:
    """Make sibling ranges disjoint (zero-width ones may touch), surest first: a range that
    overlaps one already kept shrinks to its largest free part, else takes the nearest free word,
    else a word from the widest sibling; with no word left it becomes an empty place after the
    others. Changed ranges count as fallbacks; no element is dropped."""
    taken: list[int] = []
    for i in sorted(range(len(spans)), key=lambda i: (_CONFIDENCE[ranges[i][2]], i)):
        start, end = ranges[i][0], ranges[i][1]
        others = [ranges[j] for j in taken]
        if not any(_overlap(start, end, r[0], r[1]) for r in others):
            taken.append(i)
            continue
        ranges[i][2] = "fallback"
        free = _free_parts(text, start, end, others) or _free_parts(text, low, high, others)
        if free and spans[i].end > spans[i].start:
            centre = (start + end) / 2
            best = max(free, key=lambda r: (r[0] >= start and r[1] <= end) * (r[1] - r[0])
                       - abs((r[0] + r[1]) / 2 - centre) / (len(text) + 1))
            ranges[i][0], ranges[i][1] = best
        elif spans[i].end > spans[i].start and (donor := _widest(text, others)) is not None:
            words = _words(text, donor[0], donor[1])
            ranges[i][0], ranges[i][1] = words[-1]
            donor[1] = _words(text, donor[0], words[-1][0])[-1][1]
        else:
            point = min(max([r[1] for r in others] + [low]), high)
            ranges[i][0] = ranges[i][1] = point
        taken.append(i)


def _overlap(a: int, b: int, c: int, d: int) -> bool:
    """Whether [a, b) and [c, d) overlap; an empty range overlaps a range it falls strictly inside."""
    if a == b:
        return c < a < d
    if c == d:
        return a < c < b
    return a < d and c < b


def _free_parts(text: str, low: int, high: int, taken: list[list]) -> list[tuple[int, int]]:
    """Runs of whole words in [low, high) outside every taken range."""
    parts: list[tuple[int, int]] = []
    for word in _words(text, low, high):
        if any(_overlap(word[0], word[1], r[0], r[1]) for r in taken):
            continue
        if parts and not any(r[0] < word[0] and r[1] >= parts[-1][1] for r in taken):
            parts[-1] = (parts[-1][0], word[1])
        else:
            parts.append(word)
    return parts


def _widest(text: str, ranges: list[list]) -> list | None:
    """The range holding the most words, if it has two or more (one can be given away)."""
    counts = [(len(_words(text, r[0], r[1])), k) for k, r in enumerate(ranges)]
    best = max(counts, default=(0, -1))
    return ranges[best[1]] if best[0] >= 2 else None


def pieces(run: Run) -> list[Any]:
    """The translated run as nested pieces for a writer: strings and ``(span, pieces)`` pairs, in
    order; an opaque span comes as ``(span, None)`` (write the original element as it was)."""
    def build(spans: list[Span], start: int, end: int) -> list[Any]:
        out: list[Any] = []
        position = start
        for span in spans:
            if span.start > position:
                out.append(run.text[position:span.start])
            out.append((span, None if span.opaque else build(span.children, span.start, span.end)))
            position = max(position, span.end)
        if end > position:
            out.append(run.text[position:end])
        return out

    return build(run.spans, 0, len(run.text))


def check(run: Run) -> None:
    """Assert the invariants ``project`` promises (used by tests): spans nest, in order."""
    def walk(spans: list[Span], low: int, high: int) -> None:
        position = low
        for span in spans:
            assert position <= span.start <= span.end <= high, (span.start, span.end, low, high, position)
            if not span.opaque:
                walk(span.children, span.start, span.end)
            position = span.end

    walk(run.spans, 0, len(run.text))
