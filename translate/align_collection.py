"""Align two collections: pair the documents of an Arabic and an English folder, align each pair's
sentences, and write one corpus, resumable after any kill.

The Arabic documents are translated once, through the translation memory, and each document's
translation is committed to the job state, so a resumed job translates nothing twice even with a
private memory. The documents are paired by name, else by translation similarity
(``translate.pairing``); each pair is aligned with ``translate.aligner`` and committed under the
Arabic document's id with the hash of both files. Outputs, filters and the manifest are those of
``translate corpus``; the manifest also lists the pairs and, on each side, what stayed unpaired.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import translate
from translate import pairing
from translate.aligner import align, to_pairs
from translate.corpus import (CorpusProgress, CorpusSettings, Document, Interrupted, JobState, assemble,
                              collect_inputs, open_job, readable, write_manifest)
from translate.document import run_metadata
from translate.engine import Engine
from translate.errors import TranslateError, param
from translate.memory import CachedTranslator, MemoryKey, TranslationMemory
from translate.segmenter import Segment

ALIGNMENT_ORIGIN = "alignment"  # the outputs' x-origin: human translations, aligned


class _Side:
    """The readable documents of one folder, with their sentences and hashes."""

    def __init__(self, folder: str | Path, outdir: Path, presegmented: bool):
        documents, self.skipped = collect_inputs([folder], outdir)
        self.documents: dict[str, Document] = {}
        self.sentences: dict[str, list[Segment]] = {}
        self.hashes: dict[str, str] = {}
        for document, found, digest in readable(documents, presegmented, self.skipped):
            self.documents[document.doc] = document
            self.sentences[document.doc], self.hashes[document.doc] = found, digest


def run_align_collection(arabic: str | Path, english: str | Path, outdir: str | Path, engine: Engine | None,
                         memory: TranslationMemory, settings: CorpusSettings | None = None, *,
                         threshold: float = pairing.DEFAULT_THRESHOLD, translations: str | Path | None = None,
                         on_progress: Callable[[CorpusProgress], None] | None = None,
                         on_message: Callable[[str], None] | None = None,
                         should_stop: Callable[[], bool] | None = None) -> dict:
    """Run (or resume) the job and return its manifest (also written to OUTDIR/manifest.json).

    ``translations``: a folder holding, under each Arabic document's name, its translation one line
    per sentence; the model (``engine``, then unused) translates nothing.
    """
    settings = settings or CorpusSettings()
    started = time.monotonic()
    outdir = Path(outdir)
    say = on_message or (lambda message: None)
    stop = should_stop or (lambda: False)
    report = on_progress or (lambda progress: None)
    for name, folder in (("source", arabic), ("target", english), ("source_translation", translations)):
        if folder is None:
            continue
        if not Path(folder).is_dir():
            raise TranslateError(f"{param(name, folder)}: not a directory (give two folders, or two files)")
    ar = _Side(arabic, outdir, settings.presegmented)
    en = _Side(english, outdir, settings.presegmented)
    if not ar.documents or not en.documents:
        side, folder = ("Arabic", arabic) if not ar.documents else ("English", english)
        raise TranslateError(f"{folder}: no {side} documents to align")
    given = _given(translations, ar) if translations is not None else None
    cached = CachedTranslator(engine, memory) if engine is not None else None
    key = MemoryKey.of(engine, settings.options) if engine is not None else None
    signature = {"job": "align", "model_id": key and key.model_id, "options": key and key.options,
                 "translations": str(translations), "threshold": threshold,
                 "presegmented": settings.presegmented, "tool_version": translate.__version__}
    with open_job(outdir, signature, say, "aligning every document again") as state:
        for item in ar.skipped + en.skipped:
            say(f"skipped {item.path}: {item.reason}")
        progress = CorpusProgress(len(ar.documents), sum(map(len, ar.sentences.values())))
        translated = given or _translate(ar, state, cached, settings, progress, report, stop)
        found = pairing.pair_documents(
            [pairing.Document(doc, "", translation=" ".join(translated[doc])) for doc in ar.documents],
            [pairing.Document(doc, " ".join(s.text for s in en.sentences[doc])) for doc in en.documents],
            threshold=threshold)
        done = state.hashes()
        state.keep_only({pair.arabic for pair in found.pairs})
        for pair in found.pairs:
            digest = _pair_hash(ar.hashes[pair.arabic], en.hashes[pair.english])
            if done.get(pair.arabic) == digest:
                continue
            if stop():
                raise Interrupted()
            links = align([s.text for s in ar.sentences[pair.arabic]], [s.text for s in en.sentences[pair.english]],
                          translated[pair.arabic])
            pairs = to_pairs(links, ar.sentences[pair.arabic], en.sentences[pair.english], doc=pair.arabic)
            paragraphs = len({s.paragraph for s in ar.sentences[pair.arabic]})
            state.save([(pair.arabic, digest, paragraphs, pairs)], {})
        run = {"srclang": settings.languages[0], "tgtlang": settings.languages[1], "origin": ALIGNMENT_ORIGIN,
               "method": "mt"}
        meta = (run_metadata(engine, settings.options, **run) if engine is not None
                else run | {"translations": str(translations)})
        paired = [ar.documents[pair.arabic] for pair in found.pairs]
        manifest = assemble(outdir, paired, state, meta, settings, stop)
        manifest.pop("per_document")
        manifest.update(
            engine=type(engine).__name__ if engine is not None else None, job="align", threshold=threshold,
            pairs=[{"arabic": p.arabic, "english": p.english, "how": p.how, "score": p.score}
                   for p in found.pairs],
            unpaired={"arabic": [vars(u) for u in found.unpaired_arabic],
                      "english": [vars(u) for u in found.unpaired_english]},
            skipped=[{"path": item.path, "reason": item.reason} for item in ar.skipped + en.skipped],
            wall_time_s=round(time.monotonic() - started, 3))
        stats = cached.stats if cached is not None else None
        manifest["counts"].update(translated=stats.translated if stats else 0,
                                  memory_hits=stats.memory_hits if stats else 0, repeats=stats.repeats if stats else 0)
        write_manifest(outdir, manifest)
    return manifest


def _translate(ar: _Side, state: JobState, cached: CachedTranslator, settings: CorpusSettings,
               progress: CorpusProgress, report: Callable[[CorpusProgress], None],
               stop: Callable[[], bool]) -> dict[str, list[str]]:
    """Each Arabic document's sentence translations: from the job state, else translated now (in
    one memory window per document) and committed."""
    translations: dict[str, list[str]] = {}
    report(progress)
    for doc, sentences in ar.sentences.items():
        kept = state.text(doc, ar.hashes[doc])
        if kept is None:
            kept = []
            for result in cached.translate((s.text for s in sentences), options=settings.options,
                                           batch_size=settings.batch_size, window=max(1, len(sentences))):
                if stop():
                    raise Interrupted()
                kept.append(result.target)
            state.put_text(doc, ar.hashes[doc], kept)
        translations[doc] = kept
        progress.documents_done += 1
        progress.sentences_done += len(sentences)
        report(progress)
    return translations


def _given(folder: str | Path, ar: _Side) -> dict[str, list[str]]:
    """Translations given in ``folder``: for each Arabic document, the file of the same name, one line
    per sentence (blank lines skipped)."""
    from translate.document import lines
    from translate.readers import read_document

    out = {}
    for doc, sentences in ar.sentences.items():
        path = Path(folder) / doc
        if not path.is_file():
            raise TranslateError(f"{param('source_translation', folder)}: no translation of {doc} ({path})")
        text = [line.text for line in lines(read_document(path, input_format="text").blocks) if line.text]
        if len(text) != len(sentences):
            raise TranslateError(f"{path}: {len(text)} lines, but {doc} has {len(sentences)} sentences "
                                 "(one translation per line is needed)")
        out[doc] = text
    return out


def _pair_hash(arabic: str, english: str) -> str:
    return hashlib.sha256(f"{arabic}:{english}".encode()).hexdigest()


__all__ = ["run_align_collection"]
