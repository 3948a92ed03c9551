"""What every format shares: the streaming, atomic writer base and the input helpers."""

from __future__ import annotations

import contextlib
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from translate.records import Pair
from translate.textio import atomic_write, read_text

# Lone surrogates cannot be encoded in UTF-8; U+FEFF at the start of a file would be read back as
# a byte-order mark, so plain-text formats drop it everywhere to keep the rule simple; a NUL byte
# makes the reader take the file for binary data (see translate.textio.decode_bytes).
_NOT_PLAIN = re.compile("[\x00\ud800-\udfff\ufeff]")


def plain(text: str) -> str:
    """``text`` without the characters a UTF-8 line format cannot carry (see ``_NOT_PLAIN``)."""
    return _NOT_PLAIN.sub("", text)


class Writer:
    """Context manager that streams records into one output file, renamed into place on success.

    Subclasses implement ``write`` and may override ``begin``/``end`` (called once each, with the
    output open) and ``_open_outputs`` (the moses writer opens two files). ``-`` is standard output,
    written directly (no atomic rename).
    """

    def __init__(self, path: str | Path, meta: dict[str, Any] | None = None, inputs: tuple = ()) -> None:
        self.path = path if str(path) == "-" else Path(path)
        self.meta: dict[str, Any] = dict(meta or {})
        self.created = datetime.now(timezone.utc).replace(microsecond=0)
        self._inputs = tuple(inputs)
        self._stack = contextlib.ExitStack()
        self.handle: TextIO

    def _open(self, path: str | Path) -> TextIO:
        if str(path) == "-":
            return sys.stdout
        return self._stack.enter_context(atomic_write(path, inputs=self._inputs))

    def _open_outputs(self) -> None:
        self.handle = self._open(self.path)

    def __enter__(self) -> Writer:
        try:
            self._open_outputs()
            self.begin()
        except BaseException:
            if not self._stack.__exit__(*sys.exc_info()):
                raise
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            try:
                self.end()
            except BaseException:
                # Let atomic_write discard the temporary files, then re-raise.
                if not self._stack.__exit__(*sys.exc_info()):
                    raise
                return False
        return bool(self._stack.__exit__(exc_type, exc, tb))

    def begin(self) -> None:
        """Write what precedes the first record (headers)."""

    def end(self) -> None:
        """Write what follows the last record (closing tags)."""

    def write(self, pair: Pair) -> None:
        raise NotImplementedError


def display_name(path: str | Path) -> str:
    return "<stdin>" if str(path) == "-" else str(path)


def read_lines(path: str | Path) -> list[str]:
    """The lines of a text file (strict decoding by ``read_text``), without their line ends."""
    text = read_text(path)
    if not text:
        return []
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")
