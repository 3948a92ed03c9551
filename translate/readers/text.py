"""Plain text: UTF-8 (a byte-order mark is fine), UTF-16 with a byte-order mark, or ``encoding``.

UTF-8 is read as a stream, in chunks of whole lines, so a large file never sits in memory; a line
feed byte never occurs inside a UTF-8 sequence, so each chunk decodes alone and an error names its
exact byte offset. Offsets count the characters of the decoded file as it is (CRLF included).
Other encodings are read whole. The first chunk is decoded at once, so a binary or mis-encoded
file is refused before any work starts.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import IO

from translate.errors import TranslateError
from translate.readers import Block, Document, close, stream_blocks
from translate.textio import decode_bytes

CHUNK_BYTES = 1 << 20


def read(handle: IO[bytes], name: str, encoding: str | None) -> Document:
    first = _read_chunk(handle, name)
    whole = bool(encoding) or first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if whole:
        text = decode_bytes(first + _read_all(handle, name), name, encoding)
        close(handle)
        return Document(name=name, format="text", blocks=[Block(text)] if text else [])
    head = decode_bytes(first, name)  # refuse a bad file before any work

    def chunks(handle: IO[bytes]) -> Iterator[Block]:
        text, offset, start = head, len(first), 0
        while text:
            yield Block(text, start)
            start += len(text)
            data = _read_chunk(handle, name)
            text = decode_bytes(data, name, offset=offset)
            offset += len(data)

    return Document(name=name, format="text", blocks=stream_blocks(handle, chunks))


def _read_chunk(handle: IO[bytes], name: str = "") -> bytes:
    """About CHUNK_BYTES, ending at a line feed (or the end of the file)."""
    try:
        data = handle.read(CHUNK_BYTES)
        while data and not data.endswith(b"\n"):
            more = handle.readline()
            if not more:
                break
            data += more
    except OSError as exc:  # e.g. EISDIR on some systems only at read time
        raise TranslateError(f"{name}: cannot read ({exc.strerror})") from None
    return data


def _read_all(handle: IO[bytes], name: str) -> bytes:
    try:
        return handle.read()
    except OSError as exc:
        raise TranslateError(f"{name}: cannot read ({exc.strerror})") from None
