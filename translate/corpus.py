"""A corpus job: Arabic documents in, a filtered parallel corpus out, resumable after any kill.

Each document is segmented and translated through the translation memory; its pairs are committed
to a job state (SQLite in ``OUTDIR/.state``) together with the sha256 of the input, one transaction
per group of documents (see ``_translate_groups``). Only when every document is in the state are
the outputs assembled from it, in the order of the documents' ids, each file written atomically. A
job killed at any moment therefore loses at most the group in flight; run again with the same arguments, it skips the documents
whose hash it already holds (redoing changed ones) and rebuilds outputs identical to an
uninterrupted run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import translate
from translate import readers
from translate.db import connect, transaction
from translate.document import run_metadata, segments, translate_segments
from translate.engine import DecodeOptions, Engine
from translate.errors import TranslateError, param
from translate.filters import FilterConfig, PairFilter
from translate.formats import open_writer
from translate.formats._records import dumps, from_record, to_record
from translate.memory import CachedTranslator, MemoryKey, TranslationMemory
from translate.normalize import prepare_source
from translate.records import Pair
from translate.segmenter import Segment
from translate.textio import atomic_write, sha256_file

DEFAULT_FORMATS = ("jsonl", "tmx", "moses", "tsv")
# File name per format in OUTDIR; moses writes corpus.ar and corpus.en.
OUTPUT_NAMES = {"jsonl": "corpus.jsonl", "tmx": "corpus.tmx", "tsv": "corpus.tsv", "json": "corpus.json",
                "txt": "corpus.txt", "moses": "corpus", "review": "corpus.review.html", "xliff": "corpus.xlf",
                "xliff12": "corpus.xliff12.xlf"}
REJECTED = "rejected.jsonl"
# Documents are translated and committed in groups of at least this many sentences: enough for full
# batches on every worker, little to redo after a kill.
GROUP_SENTENCES = 512
MANIFEST = "manifest.json"
STATE_DIR = ".state"


class Interrupted(KeyboardInterrupt):
    """The job was asked to stop; everything committed so far is kept for the next run."""


@dataclass(frozen=True)
class Document:
    doc: str  # relative path: the pairs' doc id and the sort key of the output
    path: Path


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class CorpusSettings:
    formats: tuple[str, ...] = DEFAULT_FORMATS
    filters: FilterConfig = field(default_factory=FilterConfig)
    options: DecodeOptions = field(default_factory=DecodeOptions)
    batch_size: int = 1024
    presegmented: bool = False  # every input line is one sentence
    languages: tuple[str, str] = ("ar", "en")  # codes written in the outputs (TMX xml:lang, Moses suffixes)


@dataclass
class CorpusProgress:
    """What the job has done in this run (documents already in the state are not counted)."""

    documents_total: int = 0
    sentences_total: int = 0
    documents_done: int = 0
    sentences_done: int = 0


def parse_formats(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    unknown = [name for name in names if name not in OUTPUT_NAMES]
    if unknown or not names:
        raise TranslateError(f"{param('formats', text)}: choose from {', '.join(OUTPUT_NAMES)}")
    return names


def collect_inputs(inputs: Iterable[str | Path], outdir: Path) -> tuple[list[Document], list[Skipped]]:
    """Documents from files and directories (recursively), sorted by id; the rest skipped.

    A document is a file some reader takes: by its suffix (``readers.document_suffixes()``), or,
    without a suffix, by its content. A directory's documents are named by their path inside it; a
    file given by itself by its name. The output directory is never read as input.
    """
    found: dict[str, Document] = {}
    skipped: list[Skipped] = []
    suffixes = readers.document_suffixes()

    def add(doc: str, path: Path) -> None:
        if not (path.suffix.lower() in suffixes or (not path.suffix and readers.sniff_file(path))):
            skipped.append(Skipped(str(path), f"not a document ({', '.join(suffixes)}, or text without a suffix)"))
        elif doc in found:
            raise TranslateError(f"{path}: document id {doc!r} also names {found[doc].path}; "
                                 "give the inputs as one directory or rename one")
        else:
            found[doc] = Document(doc, path)

    out = outdir.resolve()
    for item in map(Path, inputs):
        if item.is_dir():
            for root, dirs, files in os.walk(item):
                base = Path(root)
                for name in list(dirs):
                    if (base / name).is_symlink():  # not followed: a link may loop
                        skipped.append(Skipped(str(base / name), "symbolic link to a directory"))
                        dirs.remove(name)
                    elif (base / name).resolve() == out:
                        dirs.remove(name)
                for name in sorted(files):
                    add((base / name).relative_to(item).as_posix(), base / name)
        elif item.exists():
            add(item.name, item)
        else:
            raise TranslateError(f"{item}: no such file or directory")
    return [found[doc] for doc in sorted(found)], skipped


def load(document: Document, presegmented: bool = False) -> tuple[list[Segment], str]:
    """(sentences, sha256) of a document; unreadable or undecodable input raises TranslateError."""
    found = list(segments(readers.read_document(document.path), presegmented))
    return found, sha256_file(document.path)


def readable(documents: Iterable[Document], presegmented: bool,
             skipped: list[Skipped]) -> Iterator[tuple[Document, list[Segment], str]]:
    """(document, sentences, sha256) of each document that reads; the others go to ``skipped``."""
    for document in documents:
        try:
            found, digest = load(document, presegmented)
        except TranslateError as exc:
            skipped.append(Skipped(str(document.path), str(exc)))
            continue
        yield document, found, digest


class JobState:
    """The durable part of a job: per-document pairs with the input's hash, and the job's identity.

    Held under an exclusive lock, so two jobs cannot write one OUTDIR at once.
    """

    def __init__(self, directory: Path):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._lock = open(directory / "lock", "w")
        except OSError as exc:
            raise TranslateError(f"{directory}: cannot keep the job state here ({exc.strerror})") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise TranslateError(f"{directory.parent}: another corpus job is writing here") from None
        self._db = connect(directory / "job.sqlite")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS docs (doc TEXT PRIMARY KEY, sha256 TEXT NOT NULL, "
                         "paragraphs INTEGER NOT NULL, pairs TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS stats (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS texts (doc TEXT PRIMARY KEY, sha256 TEXT NOT NULL, "
                         "data TEXT NOT NULL)")

    def adopt(self, signature: dict) -> bool:
        """Make ``signature`` (model, options) the job's; a different one discards all documents."""
        value = json.dumps(signature, sort_keys=True)
        row = self._db.execute("SELECT value FROM meta WHERE key = 'signature'").fetchone()
        if row and row[0] == value:
            return False
        with transaction(self._db):
            self._db.execute("DELETE FROM docs")
            self._db.execute("DELETE FROM stats")
            self._db.execute("DELETE FROM texts")
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('signature', ?)", (value,))
        return row is not None

    def hashes(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT doc, sha256 FROM docs"))

    def save(self, documents: list[tuple[str, str, int, list[Pair]]], counts: dict[str, int]) -> None:
        """Commit (doc, sha256, paragraphs, pairs) of several documents in one transaction, and add
        ``counts`` to the job's running totals (so a resumed job reports the whole job's work)."""
        with transaction(self._db):
            for doc, sha256, paragraphs, pairs in documents:
                rows = "[" + ",".join(dumps(to_record(p)) for p in pairs) + "]"
                self._db.execute("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?)", (doc, sha256, paragraphs, rows))
            for key, value in counts.items():
                self._db.execute("INSERT INTO stats VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                                 "value = value + excluded.value", (key, value))

    def totals(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT key, value FROM stats"))

    def load(self, doc: str) -> tuple[int, list[Pair]]:
        paragraphs, data = self._db.execute("SELECT paragraphs, pairs FROM docs WHERE doc = ?", (doc,)).fetchone()
        return paragraphs, [from_record(record, f"job state of {doc}") for record in json.loads(data)]

    def put_text(self, doc: str, sha256: str, data: list[str]) -> None:
        """Keep work on a document that outlives a kill (an alignment job's translations)."""
        with transaction(self._db):
            self._db.execute("INSERT OR REPLACE INTO texts VALUES (?, ?, ?)",
                             (doc, sha256, json.dumps(data, ensure_ascii=False)))

    def text(self, doc: str, sha256: str) -> list[str] | None:
        row = self._db.execute("SELECT data FROM texts WHERE doc = ? AND sha256 = ?", (doc, sha256)).fetchone()
        return None if row is None else json.loads(row[0])

    def keep_only(self, docs: set[str]) -> None:
        """Forget documents that are no longer among the inputs."""
        gone = set(self.hashes()) - docs
        with transaction(self._db):
            self._db.executemany("DELETE FROM docs WHERE doc = ?", ((doc,) for doc in gone))

    def close(self) -> None:
        self._db.close()
        self._lock.close()

    def __enter__(self) -> JobState:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class _Pending:
    document: Document
    sha256: str
    sentences: int


def run_corpus(inputs: Iterable[str | Path], outdir: str | Path, engine: Engine, memory: TranslationMemory,
               settings: CorpusSettings | None = None, *,
               on_progress: Callable[[CorpusProgress], None] | None = None,
               on_message: Callable[[str], None] | None = None,
               should_stop: Callable[[], bool] | None = None) -> dict:
    """Run (or resume) a corpus job and return its manifest (also written to OUTDIR/manifest.json).

    ``should_stop`` is polled between sentences and records: when it returns True the job raises
    ``Interrupted`` with its state committed and no output file half-written. Inputs without any
    document raise ``TranslateError`` before anything is created.
    """
    settings = settings or CorpusSettings()
    started = time.monotonic()
    outdir = Path(outdir)
    say = on_message or (lambda message: None)
    stop = should_stop or (lambda: False)
    documents, skipped = collect_inputs(inputs, outdir)  # before creating anything: inputs may be wrong
    translated: list[tuple[Document, str]] = []
    counted: list[_Pending] = []
    for document, found, digest in readable(documents, settings.presegmented, skipped):
        translated.append((document, digest))
        counted.append(_Pending(document, digest, len(found)))  # sentences are read again when translated
    if not translated:
        reasons = "; ".join(f"{item.path}: {item.reason}" for item in skipped[:3])
        raise TranslateError(f"no documents to translate in {', '.join(map(str, inputs))}"
                             + (f" ({reasons})" if reasons else ""))
    key = MemoryKey.of(engine, settings.options)
    signature = {"model_id": key.model_id, "options": key.options, "presegmented": settings.presegmented,
                 "tool_version": translate.__version__}
    with open_job(outdir, signature, say, "translating every document again") as state:
        done = state.hashes()
        for item in skipped:
            say(f"skipped {item.path}: {item.reason}")
        fresh = {item.document.doc for item in counted if done.get(item.document.doc) != item.sha256}
        if len(translated) > len(fresh):
            say(f"resuming: {len(translated) - len(fresh)} of {len(translated)} documents already done")
        state.keep_only({document.doc for document, _ in translated})
        _seed_memory(memory, key, state, [item for item in counted if item.document.doc not in fresh])
        groups = [group for group in _groups(counted) if any(item.document.doc in fresh for item in group)]
        cached = CachedTranslator(engine, memory)
        progress = CorpusProgress(sum(map(len, groups)), sum(p.sentences for group in groups for p in group))
        _translate_groups(groups, cached, state, settings, progress, on_progress or (lambda p: None), stop)
        meta = run_metadata(engine, settings.options, srclang=settings.languages[0], tgtlang=settings.languages[1])
        manifest = assemble(outdir, [d for d, _ in translated], state, meta, settings, stop)
        manifest["engine"] = type(engine).__name__
        totals = state.totals()
    manifest["inputs"] = [
        {"doc": document.doc, "path": str(document.path), "sha256": digest, "bytes": document.path.stat().st_size,
         "paragraphs": entry["paragraphs"], "sentences": entry["sentences"]}
        for (document, digest), entry in zip(translated, manifest.pop("per_document"))]
    manifest["skipped"] = [{"path": item.path, "reason": item.reason} for item in skipped]
    this_run = {"translated": cached.stats.translated, "memory_hits": cached.stats.memory_hits,
                "repeats": cached.stats.repeats, "sentences": cached.stats.sentences}
    manifest["counts"].update(resumed_documents=len(translated) - len(fresh),
                              **{name: totals.get(name, 0) for name in ("translated", "memory_hits", "repeats")},
                              this_run=this_run)
    wall = time.monotonic() - started
    manifest["wall_time_s"] = round(wall, 3)
    manifest["throughput"] = {"sentences_per_s": round(cached.stats.sentences / wall, 2) if wall else None,
                              "sentences_this_run": cached.stats.sentences}
    write_manifest(outdir, manifest)
    return manifest


@contextlib.contextmanager
def open_job(outdir: Path, signature: dict, say: Callable[[str], None], redo: str) -> Iterator[JobState]:
    """The output directory (created) and its job state, locked, with ``signature`` adopted (another
    one discards the state's documents: then ``redo`` is said). Partial outputs of a killed run and
    the manifest are removed: it is written last, so a directory that has one holds the outputs of
    that run only."""
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TranslateError(f"{outdir}: cannot create the output directory ({exc.strerror})") from None
    with JobState(outdir / STATE_DIR) as state:
        remove_partial_outputs(outdir)
        (outdir / MANIFEST).unlink(missing_ok=True)
        if state.adopt(signature):
            say(f"model or options changed since the last run: {redo}")
        yield state


def write_manifest(outdir: Path, manifest: dict) -> None:
    """The manifest, written last (see ``open_job``)."""
    with atomic_write(outdir / MANIFEST) as handle:
        handle.write(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")


def _groups(items: list[_Pending]) -> list[list[_Pending]]:
    """Consecutive documents in groups of at least GROUP_SENTENCES sentences (fixed by the inputs alone)."""
    groups: list[list[_Pending]] = [[]]
    for item in items:
        if sum(p.sentences for p in groups[-1]) >= GROUP_SENTENCES:
            groups.append([])
        groups[-1].append(item)
    return [group for group in groups if group]


def _seed_memory(memory: TranslationMemory, key: MemoryKey, state: JobState, committed: list[_Pending]) -> None:
    """Put the committed documents' translations in the memory, as an uninterrupted run would have them
    there (a private --no-cache memory starts empty on every run)."""
    rows = []
    for item in committed:
        rows += [(prepare_source(p.source), p.target, p.score) for p in state.load(item.document.doc)[1]
                 if p.score is not None and p.error is None]
    memory.store(key, rows)


def _translate_groups(groups: list[list[_Pending]], cached: CachedTranslator, state: JobState,
                      settings: CorpusSettings, progress: CorpusProgress,
                      report: Callable[[CorpusProgress], None], stop: Callable[[], bool]) -> None:
    """Translate group by group, each group one memory window and one state transaction.

    A killed job therefore resumes at a group boundary, and every sentence is translated in the same
    batches as in an uninterrupted run: batched results can differ in the last bits with the batch,
    and the outputs must come out byte for byte the same. Groups also batch across small documents.
    """
    report(progress)
    for group in groups:
        loaded = []
        for item in group:
            found, item.sha256 = load(item.document, settings.presegmented)  # the content actually translated
            loaded.append((item, found))
        items = [(item.document.doc, seg) for item, found in loaded for seg in found]
        before = (cached.stats.translated, cached.stats.memory_hits, cached.stats.repeats)
        pairs: dict[str, list[Pair]] = {item.document.doc: [] for item, _ in loaded}
        for pair in translate_segments(items, cached, options=settings.options, batch_size=settings.batch_size,
                                       window=max(1, len(items))):
            if stop():
                raise Interrupted()
            pairs[pair.doc].append(pair)
            progress.sentences_done += 1
            if progress.sentences_done % 16 == 0:
                report(progress)
        after = (cached.stats.translated, cached.stats.memory_hits, cached.stats.repeats)
        counts = dict(zip(("translated", "memory_hits", "repeats"), (b - a for a, b in zip(before, after))))
        state.save([(item.document.doc, item.sha256, len({s.paragraph for s in found}), pairs[item.document.doc])
                    for item, found in loaded], counts)
        progress.documents_done += len(group)
        report(progress)


def assemble(outdir: Path, documents: list[Document], state: JobState, meta: dict,
             settings: CorpusSettings, stop: Callable[[], bool]) -> dict:
    """Write every output from the state, in document order (``meta`` describes the run in them);
    each file appears whole or not at all, and outputs of formats this run does not write (an
    earlier run's) are removed. Returns the manifest's common part."""
    inputs = tuple(str(d.path) for d in documents)
    pair_filter = PairFilter(settings.filters)
    unique: set[bytes] = set()
    per_document = []
    kept = sentences = 0
    with contextlib.ExitStack() as stack:
        writers = [stack.enter_context(open_writer(outdir / OUTPUT_NAMES[fmt], fmt, meta=meta, inputs=inputs))
                   for fmt in settings.formats]
        rejected = stack.enter_context(atomic_write(outdir / REJECTED, inputs=inputs))
        for document in documents:
            paragraphs, pairs = state.load(document.doc)
            per_document.append({"paragraphs": paragraphs, "sentences": len(pairs)})
            for pair in pairs:
                if stop():
                    raise Interrupted()
                sentences += 1
                unique.add(hashlib.blake2b(prepare_source(pair.source).encode(), digest_size=16).digest())
                reason = pair_filter.reason(pair)
                if reason:
                    rejected.write(dumps(to_record(pair) | {"reason": reason}) + "\n")
                    continue
                kept += 1
                for writer in writers:
                    writer.write(pair)
    outputs = _output_files(settings.formats, settings.languages)
    for stale in outdir.glob(f"{OUTPUT_NAMES['moses']}*"):  # an earlier run's other formats or languages
        if stale.is_file() and stale.name not in outputs:
            stale.unlink()
    return {
        "tool": "translate", "tool_version": translate.__version__,
        "model": meta.get("model"), "model_id": meta.get("model_id"), "compute_type": meta.get("compute_type"),
        "options": meta.get("options"), "batch_size": settings.batch_size, "presegmented": settings.presegmented,
        "filters": settings.filters.as_dict(), "outputs": sorted(outputs) + [REJECTED],
        "counts": {"documents": len(documents), "paragraphs": sum(d["paragraphs"] for d in per_document),
                   "sentences": sentences, "unique_sentences": len(unique), "kept": kept,
                   "rejected": {name: pair_filter.rejected[name] for name in settings.filters.as_dict()["enabled"]}},
        "per_document": per_document,
    }


def _output_files(formats: Iterable[str], languages: tuple[str, str]) -> list[str]:
    """The file names the formats write in OUTDIR (moses writes one per language)."""
    return [name for fmt in formats
            for name in ([f"{OUTPUT_NAMES[fmt]}.{lang}" for lang in languages] if fmt == "moses"
                         else [OUTPUT_NAMES[fmt]])]


def remove_partial_outputs(outdir: Path) -> None:
    """Temporary files of outputs a killed run was writing (atomic_write's ``.NAME.*.part``)."""
    for part in outdir.glob(".*.part"):
        part.unlink(missing_ok=True)


__all__ = ["CorpusProgress", "CorpusSettings", "Document", "Interrupted", "JobState", "Skipped", "assemble",
           "collect_inputs", "load", "open_job", "parse_formats", "readable", "run_corpus", "write_manifest"]
