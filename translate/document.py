"""A document's path through the pipeline: segment, translate, and yield one Pair per sentence."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from translate.engine import DecodeOptions, Translator
from translate.records import Pair
from translate.segment import Segment, segment


def line_segments(text: str) -> list[Segment]:
    """Pre-segmented input: each non-blank line is one sentence; blank lines separate paragraphs."""
    segments: list[Segment] = []
    paragraph, index, offset, blank_seen = 0, 0, 0, False
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            blank_seen = bool(segments)
        else:
            if blank_seen:
                paragraph, index, blank_seen = paragraph + 1, 0, False
            start = offset + len(line) - len(line.lstrip())
            segments.append(Segment(stripped, start, start + len(stripped), paragraph, index))
            index += 1
        offset += len(line) + 1
    return segments


def split(text: str, presegmented: bool = False) -> list[Segment]:
    """The document's sentences: by the segmenter, or one per line for pre-segmented input."""
    return line_segments(text) if presegmented else segment(text)


def translate_segments(segments: list[Segment], translator: Translator, *,
                       options: DecodeOptions | None = None, doc: str = "", batch_size: int = 1024,
                       on_sentence: Callable[[int], None] | None = None) -> Iterator[Pair]:
    """Yield one Pair per segment, in order, streaming as batches finish."""
    translations = translator.translate((s.text for s in segments), options=options, batch_size=batch_size)
    # strict: run the stream to its end, where the memory stores what it translated
    for seg, result in zip(segments, translations, strict=True):
        if on_sentence:
            on_sentence(1)
        yield Pair(source=seg.text, target=result.target, score=round(result.score, 4), doc=doc,
                   paragraph=seg.paragraph, sentence=seg.index, source_span=(seg.start, seg.end))


def translate_document(text: str, translator: Translator, *, presegmented: bool = False,
                       **kwargs) -> Iterator[Pair]:
    """Segment ``text`` and translate it (keyword arguments as for ``translate_segments``)."""
    return translate_segments(split(text, presegmented), translator, **kwargs)
