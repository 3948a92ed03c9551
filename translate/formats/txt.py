"""Plain text: the English only, with the document's paragraph structure.

The sentences of one paragraph are joined by a space; paragraphs (and documents) are separated by
a blank line; the file ends with a line feed. A line break inside a sentence becomes a space, so
the blank lines always mark paragraphs. The reader gives one Pair per paragraph (``target`` is the
paragraph's text, ``source`` is empty): plain text does not keep sentence boundaries.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from translate.formats._base import Writer as _Writer, plain, read_lines
from translate.records import Pair

_LINE_BREAK = re.compile(r"\r\n|[\r\n]")


def flatten(text: str) -> str:
    """One line of plain text: line breaks become spaces (shared with the moses format)."""
    return _LINE_BREAK.sub(" ", plain(text))


class Writer(_Writer):
    _paragraph: tuple[str, int] | None = None
    _has_text = False

    def write(self, pair: Pair) -> None:
        key = (pair.doc, pair.paragraph)
        if key != self._paragraph:
            if self._paragraph is not None:
                self.handle.write("\n\n")
            self._paragraph, self._has_text = key, False
        target = flatten(pair.target)
        if target:
            self.handle.write(" " + target if self._has_text else target)
            self._has_text = True

    def end(self) -> None:
        if self._paragraph is not None:
            self.handle.write("\n")


def read(path: str | Path) -> Iterator[Pair]:
    lines = read_lines(path)
    if not lines:
        return
    for number, paragraph in enumerate("\n".join(lines).split("\n\n")):
        yield Pair(source="", target=paragraph, paragraph=number)
