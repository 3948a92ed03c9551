"""Alignment links, one per line: ``[6, 7]:[9, 10]`` (0-based sentence ids, ``[]`` for a side
with no match), from ``Pair.source_ids``/``target_ids``. The reader also accepts the compact
``[6,7]:[9,10]`` of the Text+Berg gold files and sets ``link`` to ``"<n>-<m>"``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from translate.errors import TranslateError
from translate.formats._base import Writer as _Writer, display_name, read_lines
from translate.records import Pair

_IDS = re.compile(r"\[\s*(\d+(?:\s*,\s*\d+)*)?\s*\]")
_LINE = re.compile(rf"\s*({_IDS.pattern})\s*:\s*({_IDS.pattern})\s*")


def format_ids(ids: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(int(i)) for i in ids) + "]"


def parse_ids(text: str) -> tuple[int, ...] | None:
    """The ids of ``[1, 2]``; None when ``text`` is not such a list."""
    match = _IDS.fullmatch(text.strip())
    if match is None:
        return None
    return tuple(int(i) for i in match.group(1).split(",")) if match.group(1) else ()


class Writer(_Writer):
    def write(self, pair: Pair) -> None:
        if pair.source_ids is None or pair.target_ids is None:
            raise TranslateError(
                f"{self.path}: the links format holds alignment links, and this record has none "
                "(use it with `translate align`)"
            )
        self.handle.write(f"{format_ids(pair.source_ids)}:{format_ids(pair.target_ids)}\n")


def read(path: str | Path) -> Iterator[Pair]:
    name = display_name(path)
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            raise TranslateError(f"{name}: line {number}: expected a link like [0, 1]:[2], found {line[:60]!r}")
        source_ids, target_ids = parse_ids(match.group(1)), parse_ids(match.group(3))
        yield Pair("", "", source_ids=source_ids, target_ids=target_ids,
                   link=f"{len(source_ids)}-{len(target_ids)}")
