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

from translate.errors import TranslateError

_CONTROLS = re.compile("[\x01-\x08\x0e-\x1f]")


def decode_bytes(data: bytes, name: str) -> str:
    """Decode UTF-8 (BOM allowed) or BOM-marked UTF-16; refuse anything else with its byte offset."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TranslateError(f"{name}: invalid UTF-16 at byte {exc.start}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TranslateError(
            f"{name}: not valid UTF-8 at byte offset {exc.start} (byte 0x{data[exc.start]:02x})"
        ) from None
    # Valid UTF-8 can still be binary data or UTF-16 without a byte-order mark (Arabic in UTF-16LE
    # decodes to Latin letters and U+0006 controls): text files hold no NUL and few controls.
    nul = data.find(0)
    if nul >= 0:
        raise TranslateError(f"{name}: NUL byte at byte offset {nul}: binary file, "
                             "or UTF-16 without a byte-order mark?")
    controls = len(_CONTROLS.findall(text))
    if controls > 16 and controls > len(text) // 10:
        raise TranslateError(f"{name}: {controls} control characters: binary file, "
                             "or UTF-16 without a byte-order mark?")
    return text


@contextlib.contextmanager
def open_input(path: str | Path) -> Iterator[IO[bytes]]:
    """Open a file (or standard input for ``-``) for binary reading, with one-line errors."""
    if str(path) == "-":
        yield sys.stdin.buffer
        return
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise TranslateError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TranslateError(f"{path}: is a directory, expected a file") from None
    except PermissionError:
        raise TranslateError(f"{path}: permission denied") from None
    except OSError as exc:
        raise TranslateError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        yield handle


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


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", *, inputs: tuple[str | Path, ...] = ()) -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it into place only on success.

    A crash or an exception leaves the previous file (or none) and no partial one. ``inputs``
    are files the caller reads: writing over one of them is refused.
    """
    target = Path(path)
    for src in inputs:
        if str(src) != "-" and Path(src).exists() and target.exists() and os.path.samefile(src, target):
            raise TranslateError(f"{target}: output would overwrite the input file")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise TranslateError(f"{target}: output directory {directory} does not exist")
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
