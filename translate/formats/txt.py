"""Plain text: the English only, with the document's paragraph structure.

The sentences of one paragraph are joined by a space; paragraphs (and documents) are separated by
a blank line; the file ends with a line feed. A line break inside a sentence becomes a space, so
the blank lines always mark paragraphs. Pre-segmented input (pairs that carry their input
``line``) is written line for line instead: one line per input line, its blank lines kept (up to
the last sentence), so the output lines up with the input. The reader gives one Pair per
paragraph (``target`` is the paragraph's text, ``source`` is empty): plain text does not keep
sentence boundaries.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Iterator

from translate.formats._base import Writer as _Writer, plain, read_lines
from translate.records import Pair

_LINE_BREAK = re.compile(r"\r\n|[\r\n]")


def flatten(text: str) -> str:
    """One line of plain text: line breaks become spaces (shared with the moses format)."""
    return _LINE_BREAK.sub(" ", plain(text))


class Layout:
    """The text each pair adds, in order; ``end()`` closes the last line."""

    _paragraph: tuple[str, int] | None = None
    _has_text = False
    _next_line = 0

    def piece(self, pair: Pair) -> str:
        if pair.line is not None:
            # Pre-segmented: the lines skipped since the last pair were blank in the input.
            out = "\n" * (pair.line - self._next_line if self._paragraph else pair.line)
            self._paragraph, self._next_line = (pair.doc, -1), pair.line + 1
            return out + flatten(pair.target) + "\n"
        out = ""
        key = (pair.doc, pair.paragraph)
        if key != self._paragraph:
            if self._paragraph is not None:
                out = "\n\n"
            self._paragraph, self._has_text = key, False
        target = flatten(pair.target)
        if target:
            out += " " + target if self._has_text else target
            self._has_text = True
        return out

    def end(self) -> str:
        return "\n" if self._paragraph is not None and self._paragraph[1] != -1 else ""


def render(pairs: Iterable[Pair]) -> str:
    """The text the writer would write, without its final line feed."""
    layout = Layout()
    return ("".join(layout.piece(pair) for pair in pairs) + layout.end()).removesuffix("\n")


class Writer(_Writer):
    def begin(self) -> None:
        self._layout = Layout()

    def write(self, pair: Pair) -> None:
        self.handle.write(self._layout.piece(pair))

    def end(self) -> None:
        self.handle.write(self._layout.end())


def read(path: str | Path) -> Iterator[Pair]:
    lines = read_lines(path)
    if not lines:
        return
    for number, paragraph in enumerate("\n".join(lines).split("\n\n")):
        yield Pair(source="", target=paragraph, paragraph=number)
