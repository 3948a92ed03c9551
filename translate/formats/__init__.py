"""Output and input formats for sentence pairs: one module per format, writer and reader together.

``open_writer(path, fmt)`` gives a context manager whose ``write(pair)`` streams one record to a
temporary file that replaces ``path`` only when the ``with`` block ends without an error;
``read_pairs(path, fmt)`` yields the Pairs back. Each module's docstring documents its layout
and what it cannot carry. The ``IN_PLACE`` formats (html, docx, md) write the input document
itself, translated, instead of pairs.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Iterator

from translate.errors import TranslateError, param
from translate.formats._base import Writer
from translate.records import Pair

if TYPE_CHECKING:
    from translate.readers import Document

# Format name -> module, imported when first used (lxml only when TMX is read or written).
_MODULES: dict[str, str] = {name: f"translate.formats.{name}" for name in (
    "txt", "tmx", "json", "jsonl", "tsv", "moses", "links", "review", "xliff", "xliff12", "html", "docx")}
_MODULES["md"] = "translate.formats.markdown"
# Formats that rebuild the input document, and the reader each one needs.
IN_PLACE = {"html": "html", "docx": "docx", "md": "markdown"}
# Formats that hold sentence pairs.
FORMATS: tuple[str, ...] = tuple(name for name in _MODULES if name not in IN_PLACE)

_EXTENSIONS = {
    ".txt": "txt", ".tmx": "tmx", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".tsv": "tsv", ".ar": "moses", ".en": "moses", ".links": "links", ".xlf": "xliff", ".xliff": "xliff",
    ".html": "html", ".htm": "html", ".docx": "docx", ".md": "md",
}
# Checked before the last suffix: ".html" alone is a translated web page.
_COMPOUND_EXTENSIONS = {".review.html": "review"}

__all__ = ["FORMATS", "IN_PLACE", "Writer", "guess_format", "open_writer", "read_pairs", "whole_document",
           "writable_formats"]

# What each command cannot write: links need alignment ids, plain text drops the source side, and
# only `doc` has one input document to rebuild.
_NOT_FOR = {"doc": {"links"}, "corpus": {"links", *IN_PLACE}, "align": {"txt", *IN_PLACE}}


def writable_formats(command: str) -> tuple[str, ...]:
    """The output formats of ``command`` (doc, align, corpus)."""
    return tuple(name for name in _MODULES if name not in _NOT_FOR.get(command, ()))


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
            f"{path}: cannot tell the format from {what}; choose one of {', '.join(_MODULES)} with "
            f"{param('format')}") from None


def _module(path: str | Path, fmt: str | None) -> ModuleType:
    name = fmt or guess_format(path)
    if name not in _MODULES:
        raise TranslateError(f"{param('format', name)}: unknown format; choose one of {', '.join(_MODULES)}")
    return importlib.import_module(_MODULES[name])


def open_writer(
    path: str | Path, fmt: str | None = None, meta: dict[str, Any] | None = None, inputs: tuple = (), *,
    document: Document | None = None, aligner: Any = None,
) -> Writer:
    """A streaming, atomic writer for ``path`` (``-`` for standard output); use it in ``with``.

    ``meta`` describes the run (model, options...; ``srclang``/``tgtlang`` set the languages of
    TMX and moses output); ``inputs`` are files the caller reads, which the output may not replace.
    The ``IN_PLACE`` formats take the ``document`` whose pairs they receive (from
    ``whole_document``) and an ``aligner`` (``Translator.attention``) to place inline markup.
    """
    module = _module(path, fmt)
    if (fmt or guess_format(path)) in IN_PLACE:
        return module.Writer(path, meta=meta, inputs=inputs, document=document, aligner=aligner)
    return module.Writer(path, meta=meta, inputs=inputs)


def whole_document(document: Document, fmt: str) -> Document:
    """For an ``IN_PLACE`` format: the document with every translatable part of it as blocks (a
    web page's menus and footers too, not only its article)."""
    wanted = IN_PLACE[fmt]
    if document.format != wanted or document.tree is None:
        raise TranslateError(f"{document.name}: {fmt} output translates a {wanted} document in place; this "
                             f"input was read as {document.format} (choose another {param('format')})")
    whole = getattr(document.tree, "whole", None)
    return whole(document) if whole else document


def read_pairs(path: str | Path, fmt: str | None = None) -> Iterator[Pair]:
    """The Pairs stored in ``path`` (``-`` for standard input), in file order."""
    module = _module(path, fmt)
    if not hasattr(module, "read"):
        raise TranslateError(f"{path}: a translated document holds no sentence pairs; use a pair format "
                             f"({', '.join(FORMATS)})")
    return module.read(path)
