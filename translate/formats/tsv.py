r"""TSV: ``source<TAB>target<TAB>score``, one pair per line, no header.

Inside the text, four characters are escaped so that every record stays on one line with three
fields: backslash as ``\\``, tab as ``\t``, line feed as ``\n`` and carriage return as ``\r``.
The score is Python's shortest exact float form (``-0.4127``); empty when there is none. The reader
undoes exactly these escapes (any other backslash is kept as it is) and also accepts lines with
only two fields. NUL, lone surrogates and U+FEFF cannot be carried and are dropped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from translate.errors import TranslateError
from translate.formats._base import Writer as _Writer, display_name, plain, read_lines
from translate.records import Pair

_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
_TO_ESCAPE = re.compile(r"[\\\t\n\r]")
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


def escape(text: str) -> str:
    return _TO_ESCAPE.sub(lambda m: _ESCAPES[m.group()], plain(text))


def unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: _UNESCAPES.get(m.group(1), m.group()), text)


class Writer(_Writer):
    def write(self, pair: Pair) -> None:
        score = "" if pair.score is None else repr(float(pair.score))
        self.handle.write(f"{escape(pair.source)}\t{escape(pair.target)}\t{score}\n")


def read(path: str | Path) -> Iterator[Pair]:
    name = display_name(path)
    for number, line in enumerate(read_lines(path)):
        fields = line.split("\t")
        if len(fields) not in (2, 3):
            raise TranslateError(
                f"{name}: line {number + 1}: expected 3 tab-separated fields (source, target, score), "
                f"found {len(fields)}"
            )
        score = fields[2].strip() if len(fields) == 3 else ""
        try:
            value = float(score) if score else None
        except ValueError:
            raise TranslateError(f"{name}: line {number + 1}: score {score!r} is not a number") from None
        yield Pair(unescape(fields[0]), unescape(fields[1]), value, sentence=number)
