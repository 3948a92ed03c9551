"""What the writers that rebuild their input (HTML, DOCX, Markdown) share.

They receive the pairs of the pipeline like any writer, keep them, and at the end rebuild the
document read by their reader (``document``, whose blocks are every translatable run of it): each
pair falls in one block by its ``source_span`` (blocks are laid end to end, see
``translate.readers.lay_out``), each block's run is projected onto the translation of its
sentences with its inline markup (``translate.inline``), and the subclass writes the result.
``aligner`` (``Translator.attention``) gives the attention that places inline elements inside a
sentence; without one they are placed by position and counted as fallbacks in ``notes``.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from translate.engine import Attention
from translate.errors import TranslateError
from translate.formats._base import Writer
from translate.inline import Notes, Run, Sentence, alignment, flatten_spans, project
from translate.readers import Block, Document
from translate.records import Pair

Aligner = Callable[[Iterable[tuple[str, str]]], Iterator[Attention | None]]


class Rebuild:
    """The pairs of a document, by block; ``runs`` gives every block's run translated."""

    def __init__(self, document: Document, run: Callable[[Block], Run], aligner: Aligner | None = None) -> None:
        self.blocks: list[Block] = list(document.blocks)
        self._run = run
        self._starts = [block.start for block in self.blocks]
        self._pairs: list[list[Pair]] = [[] for _ in self.blocks]
        self.aligner = aligner
        self.notes = Notes()

    def add(self, pair: Pair) -> None:
        if pair.error:
            raise TranslateError(f"the model failed on the sentence at characters {pair.source_span[0]}-"
                                 f"{pair.source_span[1]} ({pair.error})")
        index = bisect.bisect_right(self._starts, pair.source_span[0]) - 1
        self._pairs[max(index, 0)].append(pair)

    def runs(self) -> list[Run]:
        return list(translate_runs([self._run(b) for b in self.blocks], self.blocks, self._pairs, self.aligner,
                                   self.notes))


class InPlaceWriter(Writer):
    """Collects pairs; ``end`` rebuilds the document and calls ``render``."""

    format = ""
    binary = False

    def __init__(self, path: str | Path, meta: dict[str, Any] | None = None, inputs: tuple = (), *,
                 document: Document | None = None, aligner: Aligner | None = None) -> None:
        if document is None or document.tree is None:
            raise TranslateError(f"{path}: the {self.format} format translates a document in place; it needs "
                                 f"the document as read (an {self.format} input)")
        if self.binary and str(path) == "-":
            raise TranslateError(f"{self.format} output cannot go to standard output; name a file with -o")
        super().__init__(path, meta=meta, inputs=inputs)
        self.document = document
        self.rebuild = Rebuild(document, self.run, aligner)

    @property
    def notes(self) -> Notes:
        return self.rebuild.notes

    def _open_outputs(self) -> None:
        if self.binary:
            from translate.textio import atomic_write

            self.handle = self._stack.enter_context(atomic_write(self.path, "wb", inputs=self._inputs))
        else:
            super()._open_outputs()

    def write(self, pair: Pair) -> None:
        self.rebuild.add(pair)

    def run(self, block: Block) -> Run:
        """The block's run (text and inline elements)."""
        raise NotImplementedError

    def render(self, translated: list[Run]) -> None:
        """Write the document with ``translated[i]`` in place of block ``i``."""
        raise NotImplementedError

    def end(self) -> None:
        self.render(self.rebuild.runs())
        self.meta["notes"] = self.notes.as_dict()


def translate_runs(runs: list[Run], blocks: list[Block], pairs: list[list[Pair]], aligner: Aligner | None,
                   notes: Notes) -> Iterator[Run]:
    """Each run projected onto its block's translated sentences (see ``translate.inline``)."""
    sentences = [[Sentence(p.source_span[0] - block.start, p.source_span[1] - block.start, p.target)
                  for p in block_pairs] for block, block_pairs in zip(blocks, pairs)]
    # Attention only where an element starts or ends inside a sentence.
    wanted = [(i, k) for i, run in enumerate(runs) for k, s in enumerate(sentences[i])
              if _cut_inside(run, s.start, s.end) and s.target != run.text[s.start:s.end]]
    if wanted and aligner is not None:
        texts = [(pairs[i][k].source, pairs[i][k].target) for i, k in wanted]
        for (i, k), attention in zip(wanted, aligner(texts)):
            sentence = sentences[i][k]
            sentence.alignment = alignment(runs[i].text[sentence.start:sentence.end], sentence.target, attention)
    for run, run_sentences in zip(runs, sentences):
        translated, run_notes = project(run, run_sentences)
        notes.add(run_notes)
        yield translated


def _cut_inside(run: Run, start: int, end: int) -> bool:
    return any(start < span.start < end or start < span.end < end for span in flatten_spans(run.spans))
