r"""TSV: ``source<TAB>target<TAB>score[<TAB>confidence]``, one pair per line, no header.

Inside the text, four characters are escaped so that every record stays on one line:
backslash as ``\\``, tab as ``\t``, line feed as ``\n`` and carriage return as ``\r``. The score
(the model's log-probability) is Python's shortest exact float form (``-0.4127``), empty when there
is none; a fourth field, the alignment confidence, is written for pairs that have one (the output
of ``align``). The reader undoes exactly these escapes (any other backslash is kept as it is) and
accepts 2 to 4 fields. NUL, lone surrogates and U+FEFF cannot be carried and are dropped.
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
        fields = [escape(pair.source), escape(pair.target), _number(pair.score)]
        if pair.confidence is not None:
            fields.append(_number(pair.confidence))
        self.handle.write("\t".join(fields) + "\n")


def _number(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def _parse(text: str, what: str, where: str) -> float | None:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        raise TranslateError(f"{where}: {what} {text!r} is not a number") from None


def read(path: str | Path) -> Iterator[Pair]:
    name = display_name(path)
    for number, line in enumerate(read_lines(path)):
        fields = line.split("\t")
        where = f"{name}: line {number + 1}"
        if len(fields) not in (2, 3, 4):
            raise TranslateError(f"{where}: expected 3 tab-separated fields (source, target, score; "
                                 f"a 4th for the alignment confidence), found {len(fields)}")
        fields += [""] * (4 - len(fields))
        yield Pair(unescape(fields[0]), unescape(fields[1]), _parse(fields[2], "score", where), sentence=number,
                   confidence=_parse(fields[3], "confidence", where))
