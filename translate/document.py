"""The document pipeline: read → segment → translate (through the memory) → Pairs with run metadata.

The command line (`doc`, `text`, `corpus`, `align`) and the server all go through here, so every
way in gives the same sentences, the same translations and the same metadata. Everything streams:
blocks are segmented as they are read and pairs leave as batches finish, so memory stays bounded
by the engine's window, not the document.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from translate.engine import DecodeOptions, Engine
from translate.readers import Block, Document, read_document
from translate.records import Pair
from translate.segmenter import Segment, segment

_LINE = re.compile(r"[^\n]*\n|[^\n]+")


def segments(document: Document, presegmented: bool = False) -> Iterator[Segment]:
    """The document's sentences with offsets into its source, paragraphs numbered across blocks:
    by the segmenter, or one per non-blank line for pre-segmented input (blank lines separate
    paragraphs)."""
    if presegmented:
        yield from _line_segments(document.blocks)
        return
    paragraphs = 0
    for block in document.blocks:
        last = -1
        for seg in segment(block.text):
            last = seg.paragraph
            yield Segment(seg.text, block.start + seg.start, block.start + seg.end, paragraphs + seg.paragraph,
                          seg.index)
        paragraphs += last + 1


def lines(blocks: Iterable[Block]) -> Iterator[Segment]:
    """Every line of the blocks, blank ones included, stripped, with its offset and line number."""
    number = 0
    for block in blocks:
        for match in _LINE.finditer(block.text):
            raw = match.group().rstrip("\n")
            text = raw.strip()
            start = block.start + match.start() + len(raw) - len(raw.lstrip())
            yield Segment(text, start, start + len(text), 0, 0, number)
            number += 1


def _line_segments(blocks: Iterable[Block]) -> Iterator[Segment]:
    paragraph, index, blank_seen = 0, 0, False
    for line in lines(blocks):
        if not line.text:
            blank_seen = index > 0 or paragraph > 0
            continue
        if blank_seen:
            paragraph, index, blank_seen = paragraph + 1, 0, False
        yield Segment(line.text, line.start, line.end, paragraph, index, line.line)
        index += 1


def split(text: str, presegmented: bool = False) -> list[Segment]:
    """The sentences of a text (see ``segments``)."""
    return list(segments(Document.from_text(text), presegmented))


def run_metadata(engine: Engine, options: DecodeOptions, document: Document | None = None,
                 **extra: Any) -> dict[str, Any]:
    """What an output says about the run that made it: model, options, tool, and the input."""
    import translate

    meta: dict[str, Any] = {"model": engine.model_name, "model_id": engine.model_id, "tool": "translate",
                            "tool_version": translate.__version__, "options": options.as_dict(),
                            "compute_type": engine.compute_type, "origin": "machine-translation"}
    if document is not None:
        meta["source"] = document.name
        meta.update({key: value for key, value in document.meta.items() if value})
    meta.update(extra)
    return meta


def translate_segments(items: Iterable[tuple[str, Segment]], engine: Engine, *,
                       options: DecodeOptions | None = None, batch_size: int = 1024, window: int | None = None,
                       on_sentence: Callable[[int], None] | None = None) -> Iterator[Pair]:
    """One Pair per (document id, segment), in order, streaming as the engine's batches finish.

    ``window`` is passed to engines that take one (the memory translates a window as one stream).
    """
    feed, keep = itertools.tee(items)
    kwargs = {"window": window} if window else {}
    translations = engine.translate((seg.text for _, seg in feed), options=options, batch_size=batch_size,
                                    **kwargs)
    # strict: run the stream to its end, where the memory stores what it translated
    for (doc, seg), result in zip(keep, translations, strict=True):
        if on_sentence:
            on_sentence(1)
        yield Pair(source=seg.text, target=result.target,
                   score=None if result.score is None else round(result.score, 4), doc=doc,
                   paragraph=seg.paragraph, sentence=seg.index, source_span=(seg.start, seg.end), line=seg.line,
                   error=result.error)


class DocumentTranslation(Iterator[Pair]):
    """The pairs of a translated document, in order, as they are ready; ``meta`` describes the run
    and ``document`` is the input as read (for writers that rebuild it, such as HTML)."""

    def __init__(self, document: Document, pairs: Iterator[Pair], meta: dict[str, Any]):
        self.document = document
        self.meta = meta
        self._pairs = pairs

    def __next__(self) -> Pair:
        return next(self._pairs)


def translate_document(source: str | Path | Document, translator: Engine, *,
                       options: DecodeOptions | None = None, presegmented: bool = False,
                       memory: Any = None, batch_size: int = 1024, input_format: str | None = None,
                       encoding: str | None = None,
                       on_sentence: Callable[[int], None] | None = None) -> DocumentTranslation:
    """Translate a document: a ``Path`` (read by the reader its type needs), a ``str`` of text, or
    a ``Document`` from ``read_document``. Returns an iterator of ``Pair`` with ``.meta``.

    ``memory`` (a ``TranslationMemory``) serves sentences translated before and keeps the new ones.
    """
    from translate.memory import CachedTranslator

    options = options or DecodeOptions()
    if isinstance(source, Path):
        document = read_document(source, input_format=input_format, encoding=encoding)
    elif isinstance(source, str):
        document = Document.from_text(source)
    else:
        document = source
    engine = CachedTranslator(translator, memory) if memory is not None else translator
    items = ((document.name, seg) for seg in segments(document, presegmented))
    pairs = translate_segments(items, engine, options=options, batch_size=batch_size, on_sentence=on_sentence)
    return DocumentTranslation(document, pairs, run_metadata(translator, options, document))


__all__ = ["DocumentTranslation", "lines", "run_metadata", "segments", "split", "translate_document",
           "translate_segments"]
