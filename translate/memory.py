"""The translation memory: every sentence is translated at most once per model and decoding options.

A SQLite table keyed by (model identity, decoding options, normalised source) holds the target and
its score. ``CachedTranslator`` wraps any engine with a ``translate(sentences, options=,
batch_size=)`` stream (the local ``Translator`` or the Ray one): repeated sentences, in one call
or across jobs, are served from the memory and only the rest reach the model.

Several processes may share one memory file: WAL mode lets readers run while one writer writes,
the busy timeout makes writers queue instead of failing, and ``INSERT OR IGNORE`` under the
primary key makes concurrent stores of the same sentence harmless.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import platformdirs

from translate.db import connect, transaction
from translate.engine import DecodeOptions, Engine, Translation
from translate.errors import TranslateError, param
from translate.normalize import needs_translation, prepare_source

SCHEMA_VERSION = 1
_LOOKUP_CHUNK = 500  # keys per SELECT ... IN (...), well under SQLite's parameter limit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    model TEXT NOT NULL,
    options TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY (model, options, source)
) WITHOUT ROWID
"""


def default_path() -> Path:
    """``$TRANSLATE_CACHE_DIR/memory.sqlite``, else the user cache directory's."""
    base = os.environ.get("TRANSLATE_CACHE_DIR") or platformdirs.user_cache_dir("translate", appauthor=False)
    return Path(base) / "memory.sqlite"


@dataclass(frozen=True)
class MemoryKey:
    """Which translations may be reused: same weights, same decoding options, same precision."""

    model_id: str
    options: str

    @classmethod
    def of(cls, engine: Engine, options: DecodeOptions) -> MemoryKey:
        # compute_type changes the numbers (int8 vs float32), so it is part of the identity; so does a
        # vocabulary shortlist, by which map (absent when off, so older memories stay valid).
        settings = options.as_dict() | {"compute_type": engine.compute_type}
        shortlist = engine.shortlist_for(options) if hasattr(engine, "shortlist_for") else None
        if shortlist:
            settings["shortlist"] = shortlist
        return cls(engine.model_id, json.dumps(settings, sort_keys=True))


class TranslationMemory:
    """SQLite store of (model, options, normalised source) → (target, score).

    ``path`` ``""`` gives a private memory that lives as long as the object, in a temporary file SQLite
    deletes on close, so a long job's memory stays on disk, not in RAM (``--no-cache``:
    repeats inside one job are still translated once, nothing is kept).
    """

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.persistent = self.path not in ("", ":memory:")
        try:
            self._db = connect(path)
        except TranslateError as exc:
            raise TranslateError(f"{exc}; choose another file with {param('cache')}, or {param('no_cache')}") from None
        try:
            self._db.execute(_SCHEMA)
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif version != SCHEMA_VERSION:
                raise TranslateError(f"{self.path}: translation memory of schema version {version}, "
                                     f"expected {SCHEMA_VERSION}; use another {param('cache')} file")
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise TranslateError(f"{self.path}: not a usable translation memory ({exc})") from None

    def lookup(self, key: MemoryKey, sources: Iterable[str]) -> dict[str, tuple[str, float]]:
        """The stored (target, score) of each normalised source that the memory holds."""
        found: dict[str, tuple[str, float]] = {}
        unique = list(dict.fromkeys(sources))
        for start in range(0, len(unique), _LOOKUP_CHUNK):
            chunk = unique[start:start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT source, target, score FROM translations WHERE model = ? AND options = ? "
                f"AND source IN ({marks})", (key.model_id, key.options, *chunk))
            found.update((source, (target, score)) for source, target, score in rows)
        return found

    def store(self, key: MemoryKey, items: Iterable[tuple[str, str, float]]) -> None:
        """Add (normalised source, target, score) rows in one transaction; existing rows are kept."""
        rows = [(key.model_id, key.options, source, target, score) for source, target, score in items]
        if not rows:
            return
        with transaction(self._db):
            self._db.executemany("INSERT OR IGNORE INTO translations VALUES (?, ?, ?, ?, ?)", rows)

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM translations").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_memory(path: str | Path | None = None, enabled: bool = True) -> TranslationMemory:
    """The memory at ``path`` (default: ``default_path()``), or a private in-memory one if disabled."""
    if not enabled:
        return TranslationMemory("")
    if path is not None and not Path(path).parent.is_dir():
        raise TranslateError(f"{param('cache', path)}: directory {Path(path).parent} does not exist")
    return TranslationMemory(path or default_path())


def _digest(source: str) -> int:
    return int.from_bytes(hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


@dataclass
class CacheStats:
    sentences: int = 0  # sentences asked for
    translated: int = 0  # unique sentences the model translated
    memory_hits: int = 0  # sentences found in a persistent memory (translated by an earlier job)
    repeats: int = 0  # sentences translated earlier in this job (or its own committed part)


class CachedTranslator:
    """An engine behind the memory: same ``translate`` stream, same results, fewer model calls.

    Sentences are read ``window`` at a time; the window's unique normalised sources are looked up
    in one query, the misses go to the engine as one stream (so it can batch them well), and the
    new translations are stored before the next window is looked up.
    """

    def __init__(self, engine: Engine, memory: TranslationMemory, window: int | None = None):
        self.engine = engine
        self.memory = memory
        # A pool of workers (the Ray engine) says how much it needs at once to keep busy.
        self.window = window or max(1024, getattr(engine, "window", 0))
        self.stats = CacheStats()
        self._mine: set[int] = set()  # digests of the sources this object translated

    # The wrapped engine's identity, so the cached engine is an ``Engine`` too.
    model_name = property(lambda self: self.engine.model_name)
    model_id = property(lambda self: self.engine.model_id)
    compute_type = property(lambda self: self.engine.compute_type)
    # The wrapped engine's attention, for inline markup (None when it has none).
    attention = property(lambda self: getattr(self.engine, "attention", None))

    def translate(self, sentences: Iterable[str], *, options: DecodeOptions | None = None,
                  batch_size: int = 1024, window: int | None = None) -> Iterator[Translation]:
        options = options or DecodeOptions()
        key = MemoryKey.of(self.engine, options)
        iterator = iter(sentences)
        while chunk := list(itertools.islice(iterator, window or self.window)):
            yield from self._translate_window(chunk, key, options, batch_size)

    def _translate_window(self, sentences: list[str], key: MemoryKey, options: DecodeOptions,
                          batch_size: int) -> Iterator[Translation]:
        sources = [prepare_source(s) for s in sentences]
        wanted = {s for s in sources if needs_translation(s)}  # the rest is passed through
        known = {source: Translation(source, target, score)
                 for source, (target, score) in self.memory.lookup(key, wanted).items()}
        # Found in a persistent memory and not translated by this job: a hit; else a repeat.
        stored = {s for s in known if _digest(s) not in self._mine} if self.memory.persistent else set()
        misses = [s for s in dict.fromkeys(sources) if s in wanted and s not in known]
        results = self.engine.translate(misses, options=options, batch_size=batch_size)
        new: list[tuple[str, str, float]] = []
        for sentence, source in zip(sentences, sources):
            self.stats.sentences += 1
            if source not in wanted:  # passed through, as the engine itself answers
                yield Translation(sentence, sentence, None)
                continue
            if source in stored:
                self.stats.memory_hits += 1
            elif source in known:
                self.stats.repeats += 1
            else:
                # Misses come back in first-occurrence order: the next one is this sentence's.
                known[source] = result = next(results)
                self.stats.translated += 1
                self._mine.add(_digest(source))
                if result.error is None:  # a failure is not kept: a later run tries again
                    new.append((source, result.target, result.score))
            hit = known[source]
            yield replace(hit, source=sentence)
        # A whole window at once, before the next lookup: the memory never holds part of a window,
        # so a window cut short (Ctrl-C, a kill) is redone later in exactly the same batches.
        self.memory.store(key, new)
