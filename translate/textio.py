"""Reading user text files strictly and writing outputs atomically."""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import IO, Iterator

from translate.errors import TranslateError, param

_CONTROLS = re.compile("[\x01-\x08\x0e-\x1f]")


def decode_bytes(data: bytes, name: str, encoding: str | None = None, *, offset: int = 0) -> str:
    """Decode UTF-8 (BOM allowed) or BOM-marked UTF-16, or ``encoding`` if given; refuse anything
    else with its byte offset (``offset`` is added: ``data`` may be a later chunk of the file)."""
    if encoding:
        return _decode_as(data, name, encoding, offset)
    if offset == 0 and data.startswith(codecs.BOM_UTF8):
        data, offset = data[len(codecs.BOM_UTF8):], len(codecs.BOM_UTF8)
    elif offset == 0 and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TranslateError(f"{name}: invalid UTF-16 at byte {exc.start}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = "; it looks like Windows-1256 Arabic: read it with " + param("encoding", "cp1256") \
            if _looks_like_cp1256(data) else ""
        raise TranslateError(f"{name}: not valid UTF-8 at byte offset {offset + exc.start} "
                             f"(byte 0x{data[exc.start]:02x}){hint}") from None
    # Valid UTF-8 can still be binary data or UTF-16 without a byte-order mark (Arabic in UTF-16LE
    # decodes to Latin letters and U+0006 controls): text files hold no NUL and few controls.
    nul = data.find(0)
    if nul >= 0:
        raise TranslateError(f"{name}: NUL byte at byte offset {offset + nul}: binary file, "
                             "or UTF-16 without a byte-order mark?")
    controls = len(_CONTROLS.findall(text))
    if controls > 16 and controls > len(text) // 10:
        raise TranslateError(f"{name}: {controls} control characters: binary file, "
                             "or UTF-16 without a byte-order mark?")
    return text


def _decode_as(data: bytes, name: str, encoding: str, offset: int) -> str:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise TranslateError(f"{param('encoding', encoding)}: unknown encoding") from None
    try:
        return codec.decode(data)[0]
    except UnicodeDecodeError as exc:
        raise TranslateError(f"{name}: not valid {codec.name} at byte offset {offset + exc.start}") from None


def _looks_like_cp1256(data: bytes) -> bool:
    """Arabic letters when read as Windows-1256 (the common legacy encoding of Arabic files), and not
    UTF-8 with a few bad bytes: most of its non-ASCII bytes are not valid UTF-8."""
    sample = data[:1 << 16]
    high = sum(byte >= 0x80 for byte in sample)
    invalid = sample.decode("utf-8", errors="replace").count("\ufffd")
    letters = [ch for ch in sample.decode("cp1256", errors="replace") if ch.isalpha() and not ch.isascii()]
    arabic = sum(1 for ch in letters if "\u0600" <= ch <= "\u06ff")
    return invalid > high // 2 and len(letters) >= 4 and arabic >= 0.8 * len(letters)


@contextlib.contextmanager
def open_input(path: str | Path) -> Iterator[IO[bytes]]:
    """Open a file (or standard input for ``-``) for binary reading, with one-line errors."""
    if str(path) == "-":
        yield sys.stdin.buffer
        return
    with open_binary(path) as handle:
        yield handle


def open_binary(path: str | Path) -> IO[bytes]:
    """``open(path, "rb")`` (standard input for ``-``) with one-line errors."""
    if str(path) == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise TranslateError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TranslateError(f"{path}: is a directory, expected a file") from None
    except PermissionError:
        raise TranslateError(f"{path}: permission denied") from None
    except OSError as exc:
        raise TranslateError(f"{path}: cannot read ({exc.strerror})") from None


def read_text(path: str | Path) -> str:
    """Read a whole text file, or standard input for "-", with universal newlines."""
    with open_input(path) as handle:
        try:
            data = handle.read()
        except OSError as exc:  # e.g. EISDIR on some systems only at read time
            raise TranslateError(f"{path}: cannot read ({exc.strerror})") from None
    text = decode_bytes(data, "<stdin>" if str(path) == "-" else str(path))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sha256_file(path: str | Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def check_output(path: str | Path, inputs: tuple[str | Path, ...] = ()) -> Path:
    """Refuse an output whose directory is missing or that would replace an input; its directory."""
    target = Path(path)
    for src in inputs:
        if str(src) != "-" and Path(src).exists() and target.exists() and os.path.samefile(src, target):
            raise TranslateError(f"{target}: output would overwrite the input file")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise TranslateError(f"{target}: output directory {directory} does not exist")
    return directory


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", *, inputs: tuple[str | Path, ...] = ()) -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it into place only on success.

    A crash or an exception leaves the previous file (or none) and no partial one. ``inputs``
    are files the caller reads: writing over one of them is refused.
    """
    target = Path(path)
    directory = check_output(target, inputs)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=directory)
    except PermissionError:
        raise TranslateError(f"{target}: output directory {directory} is not writable") from None
    except OSError as exc:
        raise TranslateError(f"{target}: cannot write ({exc.strerror})") from None
    try:
        kwargs = {} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, TranslateError):
            raise TranslateError(f"{target}: write failed ({exc.strerror or exc})") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
