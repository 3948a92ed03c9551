"""Output and input formats for sentence pairs: one module per format, writer and reader together.

``open_writer(path, fmt)`` gives a context manager whose ``write(pair)`` streams one record to a
temporary file that replaces ``path`` only when the ``with`` block ends without an error;
``read_pairs(path, fmt)`` yields the Pairs back. Each module's docstring documents its layout
and what it cannot carry.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

from translate.errors import TranslateError, param
from translate.formats._base import Writer
from translate.records import Pair

# Format name -> module, imported when first used (lxml only when TMX is read or written).
_MODULES: dict[str, str] = {name: f"translate.formats.{name}"
                            for name in ("txt", "tmx", "json", "jsonl", "tsv", "moses", "links", "review",
                                         "xliff", "xliff12")}
FORMATS: tuple[str, ...] = tuple(_MODULES)

_EXTENSIONS = {
    ".txt": "txt", ".tmx": "tmx", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".tsv": "tsv", ".ar": "moses", ".en": "moses", ".links": "links", ".xlf": "xliff", ".xliff": "xliff",
}
# Checked before the last suffix: ".html" alone is left for translated web pages.
_COMPOUND_EXTENSIONS = {".review.html": "review"}

__all__ = ["FORMATS", "Writer", "guess_format", "open_writer", "read_pairs", "writable_formats"]

# What each command cannot write: links need alignment ids, plain text drops the source side.
_NOT_FOR = {"doc": {"links"}, "corpus": {"links"}, "align": {"txt"}}


def writable_formats(command: str) -> tuple[str, ...]:
    """The output formats of ``command`` (doc, align, corpus)."""
    return tuple(name for name in FORMATS if name not in _NOT_FOR.get(command, ()))


def guess_format(path: str | Path) -> str:
    """The format named by ``path``'s extension; standard output (``-``) is plain text."""
    if str(path) == "-":
        return "txt"
    name = Path(path).name.lower()
    compound = next((fmt for ending, fmt in _COMPOUND_EXTENSIONS.items() if name.endswith(ending)), None)
    if compound:
        return compound
    suffix = Path(path).suffix.lower()
    try:
        return _EXTENSIONS[suffix]
    except KeyError:
        what = f"extension {suffix!r}" if suffix else "a path without extension"
        raise TranslateError(
            f"{path}: cannot tell the format from {what}; choose one of {', '.join(FORMATS)} with --format"
        ) from None


def _module(path: str | Path, fmt: str | None) -> ModuleType:
    name = fmt or guess_format(path)
    if name not in _MODULES:
        raise TranslateError(f"{param('format', name)}: unknown format; choose one of {', '.join(FORMATS)}")
    return importlib.import_module(_MODULES[name])


def open_writer(
    path: str | Path, fmt: str | None = None, meta: dict[str, Any] | None = None, inputs: tuple = ()
) -> Writer:
    """A streaming, atomic writer for ``path`` (``-`` for standard output); use it in ``with``.

    ``meta`` describes the run (model, options...; ``srclang``/``tgtlang`` set the languages of
    TMX and moses output); ``inputs`` are files the caller reads, which the output may not replace.
    """
    return _module(path, fmt).Writer(path, meta=meta, inputs=inputs)


def read_pairs(path: str | Path, fmt: str | None = None) -> Iterator[Pair]:
    """The Pairs stored in ``path`` (``-`` for standard input), in file order."""
    return _module(path, fmt).read(path)
