"""Inputs: every kind of document the tool reads, as text blocks with their place in the source.

``read_document(path)`` picks a reader by the file's suffix, else by its first bytes, and gives a
``Document``: its name, its reader, metadata (title, author...) and its ``blocks``, each a run of
text that sentences never cross (a plain-text chunk of whole lines, an HTML paragraph...), with
the offset where it starts in the decoded source. Every command that reads documents (doc, text,
segment, align, corpus, the server) reads through here, so a new reader serves all of them.
"""

from __future__ import annotations

import contextvars
import importlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from translate.errors import TranslateError, param
from translate.textio import open_binary

STDIN = "-"
# The largest document read whole (web pages, Word files, Markdown): 32 MB unless
# TRANSLATE_MAX_INPUT_MB or read_document(max_bytes=...) says otherwise. Plain text streams.
DEFAULT_MAX_BYTES = 32 * 2**20
_LIMIT: contextvars.ContextVar[int | None] = contextvars.ContextVar("max_bytes", default=None)


@dataclass(frozen=True)
class Block:
    """A run of text that no sentence crosses; ``text`` starts at ``start`` in the decoded source."""

    text: str
    start: int = 0
    kind: str = "text"  # what the reader found: text, title, heading, paragraph, item, cell...
    ref: Any = None  # the reader's handle on the block, for writers that rebuild the document


@dataclass
class Document:
    """A document as read. ``blocks`` may be a one-pass iterator (plain text is read as a stream)."""

    name: str  # file name, URL or <stdin>: what messages and output metadata call it
    format: str  # the reader's name
    blocks: Iterable[Block]
    meta: dict[str, Any] = field(default_factory=dict)  # title, author, date, url...
    tree: Any = None  # the parsed source, for writers that translate the document in place

    @classmethod
    def from_text(cls, text: str, name: str = "<text>") -> Document:
        return cls(name=name, format="text", blocks=[Block(text)])


@dataclass(frozen=True)
class Reader:
    name: str
    suffixes: tuple[str, ...]
    # read(handle, name, encoding) -> Document; the reader owns the open handle from then on.
    read: Callable[[IO[bytes], str, str | None], Document]
    sniff: Callable[[bytes], bool] = lambda head: False
    description: str = ""


def _lazy(module: str) -> Callable[[IO[bytes], str, str | None], Document]:
    """A reader's ``read``, imported on first use: the command line starts without lxml, python-docx
    or markdown-it, which only the readers of those documents need."""
    def read(handle: IO[bytes], name: str, encoding: str | None) -> Document:
        return importlib.import_module(module).read(handle, name, encoding)
    return read


def _sniff_docx(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") and (b"word/" in head or b"[Content_Types].xml" in head)


def _sniff_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype html", b"<html")) or (
        start.startswith(b"<") and any(tag in start for tag in (b"<head", b"<body", b"<html")))


# The built-in readers, in the order their first bytes are tried; plain text is the fallback.
_READERS: dict[str, Reader] = {reader.name: reader for reader in (
    Reader("docx", (".docx",), _lazy("translate.readers.docx"), _sniff_docx, "Word document (.docx)"),
    Reader("html", (".html", ".htm", ".xhtml"), _lazy("translate.readers.html"), _sniff_html, "web page (HTML)"),
    Reader("markdown", (".md", ".markdown"), _lazy("translate.readers.markdown"), description="Markdown"),
    Reader("text", (".txt",), _lazy("translate.readers.text"), description="plain text"),
)}


def register(reader: Reader) -> Reader:
    """Add a reader (or replace the one of that name)."""
    _READERS[reader.name] = reader
    return reader


def readers() -> dict[str, Reader]:
    return dict(_READERS)


def document_suffixes() -> tuple[str, ...]:
    """File suffixes some reader takes (what ``translate corpus`` collects from directories)."""
    return tuple(suffix for reader in readers().values() for suffix in reader.suffixes)


def reader_for(name: str, head: bytes = b"", format: str | None = None) -> Reader:
    """The reader named ``format``, else the one for ``name``'s suffix, else one that knows ``head``."""
    known = readers()
    if format:
        if format not in known:
            raise TranslateError(f"{param('input_format', format)}: unknown input format; "
                                 f"choose from {', '.join(known)}")
        return known[format]
    suffix = Path(name).suffix.lower()
    for reader in known.values():
        if suffix in reader.suffixes:
            return reader
    for reader in known.values():
        if reader.sniff(head):
            return reader
    return known["text"]


def sniff_file(path: Path) -> bool:
    """Whether a file without a suffix is a document: a reader knows its first bytes, or they are
    text (UTF-8 without NUL bytes)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    if any(reader.sniff(head) for reader in readers().values()):
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the sample
            return False
    return b"\0" not in head and bool(head.strip())


def size_limit() -> int:
    """The size limit in force for documents read whole (see ``DEFAULT_MAX_BYTES``)."""
    limit = _LIMIT.get()
    if limit is None:
        try:
            limit = int(float(os.environ.get("TRANSLATE_MAX_INPUT_MB", "")) * 2**20)
        except ValueError:
            limit = DEFAULT_MAX_BYTES
    return limit


def read_limited(handle: IO[bytes], name: str) -> bytes:
    """All of ``handle``, refused past ``max_bytes()`` without reading much further."""
    limit = size_limit()
    try:
        data = handle.read(limit + 1)
    except OSError as exc:
        raise TranslateError(f"{name}: cannot read ({exc.strerror})") from None
    if len(data) > limit:
        raise TranslateError(f"{name}: larger than the {limit / 2**20:g} MB limit for documents "
                             "(set TRANSLATE_MAX_INPUT_MB to change it)")
    return data


def is_url(source: str | Path) -> bool:
    return isinstance(source, str) and source.lower().startswith(("http://", "https://"))


def read_document(source: str | Path, *, input_format: str | None = None,
                  encoding: str | None = None, max_bytes: int | None = None) -> Document:
    """Open a document (a path, an http(s) URL, or ``-`` for standard input) with the reader that
    fits it. ``max_bytes`` bounds documents that are read whole (default: ``DEFAULT_MAX_BYTES``).

    Missing files, undecodable text and the like raise ``TranslateError`` here, before any work.
    """
    token = _LIMIT.set(max_bytes) if max_bytes is not None else None
    try:
        return _read_document(source, input_format, encoding)
    finally:
        if token is not None:
            _LIMIT.reset(token)


def _read_document(source: str | Path, input_format: str | None, encoding: str | None) -> Document:
    if is_url(source):
        from translate.readers.web import read_url

        return read_url(str(source), input_format=input_format, encoding=encoding)
    name = "<stdin>" if str(source) == STDIN else str(source)
    handle = open_binary(source)
    try:
        reader = reader_for(name, _peek(handle), input_format)
        document = reader.read(handle, name, encoding)  # its blocks read on and close the handle
    except BaseException:
        close(handle)
        raise
    if str(source) != STDIN:
        document.name = Path(source).name
    return document


def _peek(handle: IO[bytes]) -> bytes:
    peek = getattr(handle, "peek", None)
    try:
        return peek(512)[:512] if peek else b""
    except OSError:
        return b""


def lay_out(items: Iterable[tuple[str, str, Any]]) -> list[Block]:
    """Blocks from (text, kind, ref) of a structured document, with starts as if their texts were
    laid end to end with a blank line between them: each pair's ``source_span`` then falls inside
    one block (a writer finds it by bisecting the starts)."""
    blocks, start = [], 0
    for text, kind, ref in items:
        blocks.append(Block(text, start, kind, ref))
        start += len(text) + 2
    return blocks


def stream_blocks(handle: IO[bytes], chunks: Callable[[IO[bytes]], Iterator[Block]]) -> Iterator[Block]:
    """Blocks from ``chunks(handle)``, closing the handle when they end (or are abandoned)."""
    try:
        yield from chunks(handle)
    finally:
        close(handle)


def close(handle: IO[bytes]) -> None:
    """Close an input when done with it (never standard input)."""
    if handle is not sys.stdin.buffer:
        handle.close()


__all__ = ["Block", "DEFAULT_MAX_BYTES", "Document", "Reader", "document_suffixes", "is_url", "lay_out",
           "read_document", "size_limit", "read_limited", "reader_for", "readers", "register", "sniff_file"]
