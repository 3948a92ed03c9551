"""The Translator: Arabic sentences in, English out, with a CTranslate2 model and its SentencePiece models."""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, asdict
from pathlib import Path

from translate import models
from translate.errors import TranslateError
from translate.normalize import clean_target, prepare_source
from translate.textio import sha256_file

# OPUS-MT models were trained on inputs of at most 512 positions; longer inputs are split, never cut.
MAX_INPUT_TOKENS = 512
EOS = "</s>"


@dataclass(frozen=True)
class Translation:
    source: str
    target: str
    score: float  # length-normalised log-probability of the target


@dataclass(frozen=True)
class DecodeOptions:
    """Decoding settings; part of a translation's identity (the translation memory keys on them)."""

    beam_size: int = 4
    max_length: int | None = None  # fixed cap on generated tokens; None: tied to the source length
    # Repetition guards are off by default: on the demo model they moved held-out BLEU by under
    # 0.3, and 2-8% of human news/UN references repeat a word 3- or 4-gram, which
    # no_repeat_ngram_size would forbid (bench/results/decoding_guards.md). Runaway loops are
    # stopped by the length-tied limit instead.
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    length_penalty: float = 1.0

    def as_dict(self) -> dict:
        return asdict(self)


def default_threads(total: int | None = None) -> tuple[int, int]:
    """(inter_threads, intra_threads) for ``total`` cores.

    Measured here on 2 cores with int8: 2 translators of 1 thread each gave about twice the tokens/s
    of 1 translator with 2 threads (small matrices parallelise poorly within one batch), so cores go
    to parallel batches first, at most 4 of them, and the rest to threads inside each.
    """
    if total is None:
        total = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    inter = max(1, min(total, 4))
    return inter, max(1, total // inter)


LENGTH_BUCKET = 16
# Sentences sorted and batched together. Fixed, not tied to the thread count: batched results can
# differ in the last float bits with the batch, so the same text must always meet the same batches
# (the Ray backend sends work in chunks of exactly this size for the same reason).
WINDOW = 256


def max_decoding_length(source_tokens: int, cap: int | None = None) -> int:
    """Generated-token limit for one sentence: a fixed cap if given, else a margin over its length.

    Runaway repetition is then bounded by the source: English output of OPUS-MT rarely exceeds
    1.5× the Arabic token count, so 2× + 10 leaves room while stopping loops early. The length is
    rounded up to a bucket so that sentences of similar length can share a batch (CTranslate2 takes
    one limit per batch) while each sentence's limit, and so its output, never depends on the batch.
    """
    if cap:
        return cap
    bucket = -(-source_tokens // LENGTH_BUCKET) * LENGTH_BUCKET
    return min(2 * bucket + 10, 2 * MAX_INPUT_TOKENS)


class Translator:
    """Translate Arabic sentences to English with an installed CTranslate2 model.

    ``model`` is a catalog name (installed on first use unless offline) or a model directory.
    Load once and reuse: loading costs far more than a sentence. Never fork after loading.
    """

    def __init__(self, model: str | Path | None = None, *, device: str = "cpu", compute_type: str = "int8",
                 inter_threads: int | None = None, intra_threads: int | None = None,
                 threads: int | None = None, models_dir: str | Path | None = None, offline: bool = False,
                 progress: models.Progress | None = None):
        import ctranslate2
        import sentencepiece

        self.model_name = str(model or models.default_model_name())
        self.model_dir = models.resolve(self.model_name, models_dir, offline=offline, progress=progress)
        inter, intra = default_threads(threads)
        self.inter_threads = inter_threads or inter
        self.intra_threads = intra_threads or intra
        self.compute_type = compute_type
        try:
            self._model = ctranslate2.Translator(
                str(self.model_dir), device=device, compute_type=compute_type,
                inter_threads=self.inter_threads, intra_threads=self.intra_threads)
        except (RuntimeError, ValueError) as exc:
            raise TranslateError(f"{self.model_dir}: cannot load model ({exc})") from None
        self._source_sp = sentencepiece.SentencePieceProcessor(model_file=str(self.model_dir / "source.spm"))
        self._target_sp = sentencepiece.SentencePieceProcessor(model_file=str(self.model_dir / "target.spm"))
        self._fingerprint: str | None = None
        # Models converted from Marian append </s> themselves; those from Hugging Face expect it.
        config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
        self._eos = [] if config.get("add_source_eos") else [EOS]

    @property
    def model_id(self) -> str:
        """Identity of the weights (name and model.bin checksum) for caches and output metadata."""
        if self._fingerprint is None:
            meta = models.read_metadata(self.model_dir)
            digest = meta.get("model_sha256") or sha256_file(self.model_dir / "model.bin")
            self._fingerprint = f"{Path(self.model_name).name}@{digest[:16]}"
        return self._fingerprint

    def tokenize(self, sentence: str) -> list[str]:
        return self._source_sp.encode(prepare_source(sentence), out_type=str)

    def translate(self, sentences: Iterable[str], *, options: DecodeOptions | None = None,
                  batch_size: int = 1024, window: int | None = None) -> Iterator[Translation]:
        """Translate a stream of sentences; results come back in input order as they are ready.

        Sentences are read ``window`` at a time, sorted by length inside the window and cut into
        batches of at most ``batch_size`` tokens, all submitted at once so every inter-thread works.
        """
        options = options or DecodeOptions()
        window = window or WINDOW
        iterator = iter(sentences)
        previous = None
        while True:
            chunk = list(itertools.islice(iterator, window))
            # Queue the next window before collecting this one: the workers never idle at a boundary.
            current = self._submit(chunk, options, batch_size) if chunk else None
            if previous is not None:
                yield from self._collect(previous)
            if current is None:
                return
            previous = current

    def score(self, sources: Iterable[str], targets: Iterable[str], *, batch_size: int = 4096) -> list[float]:
        """Forced decoding: the mean log-probability per token of each target given its source.

        A score, not a translation, so a side longer than the model's positions is cut: the score
        of a long pair is that of its first MAX_INPUT_TOKENS tokens. Scores move in the last bits
        with the batch a pair meets, as translations' scores do.
        """
        limit = MAX_INPUT_TOKENS - 2  # room for </s> (and, on the target side, the start token)
        src = [self._source_sp.encode(prepare_source(s), out_type=str)[:limit] + self._eos for s in sources]
        tgt = [self._target_sp.encode(t, out_type=str)[:limit] for t in targets]
        if len(src) != len(tgt):
            raise TranslateError(f"score: {len(src)} sources for {len(tgt)} targets")
        if not src:
            return []
        results = self._model.score_batch(src, tgt, max_batch_size=batch_size, batch_type="tokens",
                                          max_input_length=0)
        return [sum(r.log_probs) / max(1, len(r.log_probs)) for r in results]

    def translate_text(self, sentence: str, options: DecodeOptions | None = None) -> str:
        return next(self.translate([sentence], options=options)).target

    def _submit(self, sentences: list[str], options: DecodeOptions, batch_size: int) -> _Window:
        """Cut a window into pieces (long sentences are split) and queue their batches."""
        pieces: list[list[str]] = []
        owner: list[int] = []
        for index, sentence in enumerate(sentences):
            for tokens in self.source_pieces(sentence):
                pieces.append(tokens)
                owner.append(index)
        limit = [max_decoding_length(len(p) + 1, options.max_length) for p in pieces]
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
        batches: list[list[int]] = []
        current: list[int] = []
        for i in order:
            # Padded cost of the batch: rows × longest row (the sort makes the newest the longest);
            # a new length bucket starts a new batch, since the decoding limit is per batch.
            if current and ((len(current) + 1) * len(pieces[i]) > batch_size or limit[i] != limit[current[0]]):
                batches.append(current)
                current = []
            current.append(i)
        if current:
            batches.append(current)
        futures = [self._model.translate_batch(
            [pieces[i] + self._eos for i in batch], asynchronous=True, beam_size=options.beam_size,
            length_penalty=options.length_penalty, repetition_penalty=options.repetition_penalty,
            no_repeat_ngram_size=options.no_repeat_ngram_size, return_scores=True,
            max_input_length=0, max_decoding_length=limit[batch[0]]) for batch in batches]
        return _Window(sentences, owner, batches, futures)

    def _collect(self, window: _Window) -> Iterator[Translation]:
        """Wait for a window's batches and join each sentence's pieces back, in input order."""
        targets: list[list[str]] = [[] for _ in window.sentences]
        scores: list[list[tuple[float, int]]] = [[] for _ in window.sentences]
        for batch, futures in zip(window.batches, window.futures):
            for i, future in zip(batch, futures):
                result = _wait(future)
                tokens = result.hypotheses[0]
                targets[window.owner[i]].append(clean_target(self._target_sp.decode(tokens)))
                scores[window.owner[i]].append((result.scores[0], max(1, len(tokens))))
        for sentence, texts, parts in zip(window.sentences, targets, scores):
            if not texts:  # nothing to translate (empty after normalisation)
                yield Translation(sentence, "", 0.0)
                continue
            total = sum(length for _, length in parts)
            score = sum(s * length for s, length in parts) / total
            yield Translation(sentence, " ".join(t for t in texts if t), score)

    def source_pieces(self, sentence: str) -> list[list[str]]:
        """The sentence as SentencePiece tokens, split into pieces the model accepts (no truncation)."""
        text = prepare_source(sentence)
        if not text:
            return []
        tokens = self._source_sp.encode(text, out_type=str)
        if len(tokens) < MAX_INPUT_TOKENS:
            return [tokens]
        from translate.segment import split_long

        limit = MAX_INPUT_TOKENS - 1  # room for </s>
        count = lambda piece: len(self._source_sp.encode(piece))  # noqa: E731
        out = []
        for piece in split_long(text, limit, count):
            piece_tokens = self._source_sp.encode(piece.strip(), out_type=str)
            # A clause with no whitespace to cut at is cut between SentencePiece tokens.
            out.extend(piece_tokens[i:i + limit] for i in range(0, len(piece_tokens), limit))
        return out


@dataclass
class _Window:
    """A window of sentences whose batches are queued: pieces map back to sentences by ``owner``."""

    sentences: list[str]
    owner: list[int]
    batches: list[list[int]]
    futures: list


def _wait(future):
    """The result of an asynchronous batch, waiting in short sleeps so Ctrl-C is seen at once
    (a blocking ``result()`` holds the interrupt until the whole batch is done)."""
    while not future.done():
        time.sleep(0.002)
    return future.result()
