"""SQLite as the translation memory and the corpus job state use it: WAL, a busy timeout, explicit
transactions, and one-line errors."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from translate.errors import TranslateError

BUSY_TIMEOUT_S = 60.0


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, with a busy timeout."""
    name = str(path)
    on_disk = name not in ("", ":memory:")  # "": a private temporary file, deleted on close
    try:
        if on_disk:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(name, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if on_disk:
            _set_wal(db)
            # In WAL mode NORMAL survives a killed process (only a power cut may lose the last commits).
            db.execute("PRAGMA synchronous = NORMAL")
    except (sqlite3.Error, OSError) as exc:
        raise TranslateError(f"{name}: cannot open database ({exc})") from None
    return db


def _set_wal(db: sqlite3.Connection) -> None:
    """WAL mode. Switching needs an exclusive lock and SQLite answers "locked" at once, without its
    busy handler, when another process opens the new file at the same moment: wait and retry."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taken at once (BEGIN IMMEDIATE), rolled back on any exception."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
