"""JSON: one object ``{"meta": {...}, "segments": [...]}``, written as a stream.

``meta`` is what the caller passes (model name and version, engine options...) plus
``tool_version`` and ``created`` (UTC, ISO 8601) unless the caller set them. ``segments`` holds
one record per pair, as in the jsonl format. The array is written one record at a time, so memory
does not grow with the document; reading loads the whole file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import translate
from translate.errors import TranslateError
from translate.formats._base import Writer as _Writer, display_name
from translate.formats._records import dumps, from_record, to_record
from translate.records import Pair
from translate.textio import read_text


class Writer(_Writer):
    _first = True

    def begin(self) -> None:
        meta = dict(self.meta)
        meta.setdefault("tool_version", translate.__version__)
        meta.setdefault("created", self.created.isoformat().replace("+00:00", "Z"))
        self.handle.write('{"meta": ' + dumps(meta) + ',\n"segments": [')

    def write(self, pair: Pair) -> None:
        self.handle.write(("\n" if self._first else ",\n") + dumps(to_record(pair)))
        self._first = False

    def end(self) -> None:
        self.handle.write("\n]}\n")


def read(path: str | Path) -> Iterator[Pair]:
    name = display_name(path)
    try:
        document = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise TranslateError(f"{name}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    segments = document.get("segments") if isinstance(document, dict) else None
    if not isinstance(segments, list):
        raise TranslateError(f'{name}: expected a JSON object with a "segments" list')
    for number, record in enumerate(segments):
        yield from_record(record, f"{name}: segment {number}")
