"""JSON Lines: one JSON object per sentence pair, one pair per line.

Each record holds ``doc``, ``paragraph``, ``sentence``, ``source``, ``target``, ``score`` and
``source_span`` ([start, end] character offsets into the input, or null), plus ``link``,
``source_ids``, ``target_ids`` and ``confidence`` when an alignment set them. Text round-trips
exactly (lone surrogates as ``\\uXXXX`` escapes); a non-finite score is written as null.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from translate.errors import TranslateError
from translate.formats._base import Writer as _Writer, display_name, read_lines
from translate.formats._records import dumps, from_record, to_record
from translate.records import Pair


class Writer(_Writer):
    def write(self, pair: Pair) -> None:
        self.handle.write(dumps(to_record(pair)) + "\n")


def read(path: str | Path) -> Iterator[Pair]:
    name = display_name(path)
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        where = f"{name}: line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TranslateError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        yield from_record(record, where)
