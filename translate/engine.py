"""The Translator: Arabic sentences in, English out, with a CTranslate2 model and its SentencePiece models."""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Protocol

from translate import models
from translate.errors import TranslateError, param
from translate.normalize import clean_target, needs_translation, prepare_source
from translate.textio import sha256_file

EOS = "</s>"
# The longest piece of a sentence sent at once, whatever the position table allows: OPUS-MT models
# were trained on sentences far shorter, and cut at a clause a long sentence translates better.
MAX_PIECE_TOKENS = 256


@dataclass(frozen=True)
class Translation:
    source: str
    target: str
    # Length-normalised log-probability of the target; None when the model was not asked (no
    # Arabic in the source: empty text, numbers, English, URLs are passed through unchanged).
    score: float | None
    error: str | None = None  # why the model failed on this sentence (target is then empty)
    # The next-best hypotheses, best first, when ``alternatives`` were asked of ``translate``.
    alternatives: tuple[str, ...] = ()
    # The target pieces the model generated (all pieces of a split sentence, in order): what a
    # shortlist is built from. Empty where the model was not asked (passed through, a memory hit).
    pieces: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def tokens(self) -> int:
        """Target tokens the model generated for this sentence."""
        return len(self.pieces)


@dataclass(frozen=True)
class Attention:
    """How a translation attends to its source: for each target token, its weights over the source
    tokens (SentencePiece pieces of ``prepare_source(source)`` and of the target)."""

    source: str  # the source as the model saw it (prepare_source)
    source_tokens: list[str]
    target_tokens: list[str]
    weights: list[list[float]]  # len(target_tokens) rows of len(source_tokens)


class Engine(Protocol):
    """What the pipeline, the translation memory and the corpus need of a translation engine
    (the local ``Translator``, the Ray pool, the server's batcher)."""

    model_name: str
    model_id: str
    compute_type: str

    def translate(self, sentences: Iterable[str], *, options: DecodeOptions | None = None,
                  batch_size: int = 1024) -> Iterator[Translation]: ...


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


DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device: str) -> str:
    """``cpu`` or ``cuda``: ``auto`` is CUDA when CTranslate2 sees a GPU (a CUDA build and a driver)."""
    import ctranslate2

    if device not in DEVICES:
        raise TranslateError(f"{param('device', device)}: choose one of {', '.join(DEVICES)}")
    gpus = ctranslate2.get_cuda_device_count()
    if device == "cuda" and gpus == 0:
        raise TranslateError(f"{param('device', 'cuda')}: CTranslate2 sees no CUDA GPU here "
                             f"(use {param('device', 'auto')} or {param('device', 'cpu')})")
    return "cuda" if device == "auto" and gpus > 0 else ("cpu" if device == "auto" else device)


def default_compute_type(device: str) -> str:
    """int8 weights everywhere; on a GPU the rest in float16 where the GPU supports it.

    CPUs here have no fast float16 (AMD EPYC: oneDNN, no fp16/bf16 compute types), so int8 with
    float32 activations; GPUs run int8_float16 (Turing and later), else float16, else float32.
    """
    if device != "cuda":
        return "int8"
    import ctranslate2

    supported = ctranslate2.get_supported_compute_types("cuda")
    return next(t for t in ("int8_float16", "float16", "float32") if t in supported)


LENGTH_BUCKET = 16
# Sentences sorted and batched together. Fixed, not tied to the thread count: batched results can
# differ in the last float bits with the batch, so the same text must always meet the same batches
# (the Ray backend sends work in chunks of exactly this size for the same reason).
WINDOW = 256
# Bytes of one decoding step's output scores (sentences × beam × vocabulary × 4): batches hold at most
# as many sentences as fit. A token budget alone lets short sentences pile up (1,024 one-token lines
# at beam 4 would need 1 GB per step), and glibc serves blocks over 32 MiB, its largest mmap
# threshold, with fresh mappings, faulted in anew at every step (bench/results/profile.md: 18% of
# the time in the kernel at beam 4 with 64 sentences). Measured: bench/results/settings-*.md.
LOGITS_BUDGET = 32 << 20


def max_rows_for(beam_size: int, vocabulary: int) -> int:
    """Sentences per batch whose output scores fit ``LOGITS_BUDGET``."""
    return max(1, LOGITS_BUDGET // (4 * beam_size * vocabulary))


def max_decoding_length(source_tokens: int, cap: int | None = None, positions: int | None = None) -> int:
    """Generated-token limit for one sentence: a fixed cap if given, else a margin over its length,
    never past the decoder's ``positions`` (the start token takes the first).

    Runaway repetition is then bounded by the source: English output of OPUS-MT rarely exceeds
    1.5× the Arabic token count, so 2× + 10 leaves room while stopping loops early. The length is
    rounded up to a bucket so that sentences of similar length can share a batch (CTranslate2 takes
    one limit per batch) while each sentence's limit, and so its output, never depends on the batch.
    """
    if not cap:
        bucket = -(-source_tokens // LENGTH_BUCKET) * LENGTH_BUCKET
        cap = 2 * bucket + 10
    return min(cap, positions - 1) if positions else cap


def max_input_tokens(positions: int | None) -> int:
    """The longest piece (tokens with </s>) whose length-tied decoding limit fits in ``positions``,
    at most MAX_PIECE_TOKENS.

    Longer sentences are cut into pieces of this size, so a translation is never cut short by the
    decoder's position table: 240 tokens with the 512 positions of Hugging Face Marian models (the
    Marian route's converter writes 2048).
    """
    if not positions:
        return MAX_PIECE_TOKENS
    fits = (positions - 1 - 10) // 2 // LENGTH_BUCKET * LENGTH_BUCKET
    return max(LENGTH_BUCKET, min(MAX_PIECE_TOKENS, fits))


def target_vocabulary_size(model_dir: Path) -> int:
    """Entries of the model's target vocabulary (CTranslate2 writes it as JSON, older versions as text)."""
    for name in ("target_vocabulary", "shared_vocabulary"):
        if (model_dir / f"{name}.json").is_file():
            return len(json.loads((model_dir / f"{name}.json").read_text(encoding="utf-8")))
        if (model_dir / f"{name}.txt").is_file():
            with open(model_dir / f"{name}.txt", encoding="utf-8") as lines:
                return sum(1 for _ in lines)
    raise TranslateError(f"{model_dir}: no target vocabulary file (target_vocabulary.json or shared_vocabulary.json)")


def plan_batches(pieces: list[list[str]], limits: list[int], batch_size: int,
                 max_rows: int | None = None) -> list[list[int]]:
    """Indices of ``pieces`` grouped into batches: sorted by length, at most ``batch_size`` padded tokens
    and ``max_rows`` sentences each, one decoding limit per batch."""
    order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        # Padded cost of the batch: rows × longest row (the sort makes the newest the longest);
        # a new length bucket starts a new batch, since the decoding limit is per batch.
        if current and ((len(current) + 1) * len(pieces[i]) > batch_size or limits[i] != limits[current[0]]
                        or (max_rows and len(current) >= max_rows)):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


class Translator:
    """Translate Arabic sentences to English with an installed CTranslate2 model.

    ``model`` is a catalog name (installed on first use unless offline) or a model directory.
    Load once and reuse: loading costs far more than a sentence. Never fork after loading.
    """

    def __init__(self, model: str | Path | None = None, *, device: str = "auto", compute_type: str | None = None,
                 inter_threads: int | None = None, intra_threads: int | None = None,
                 threads: int | None = None, models_dir: str | Path | None = None, offline: bool = False,
                 progress: models.Progress | None = None, shortlist: bool | None = None):
        """``device``: cpu, cuda or auto; ``compute_type``: None for the device's default
        (``default_compute_type``); ``shortlist``: restrict the output layer to the model's vocabulary
        shortlist (``vmap.txt``, see translate.shortlist); None: at the beam sizes where it measured
        lossless when it was built."""
        import ctranslate2
        import sentencepiece

        from translate import shortlist as shortlists

        self.model_name = str(model or models.default_model_name())
        self.model_dir = models.resolve(self.model_name, models_dir, offline=offline, progress=progress)
        self.device = resolve_device(device)
        # On a GPU: one replica, the CPU threads only feed it.
        inter, intra = (1, 1) if self.device == "cuda" else default_threads(threads)
        self.inter_threads = inter_threads or inter
        self.intra_threads = intra_threads or intra
        self.compute_type = compute_type or default_compute_type(self.device)
        self.shortlist = shortlists.Policy.of(self.model_dir, shortlist)
        self.vocabulary_size = target_vocabulary_size(self.model_dir)
        try:
            self._model = ctranslate2.Translator(
                str(self.model_dir), device=self.device, compute_type=self.compute_type,
                inter_threads=self.inter_threads, intra_threads=self.intra_threads)
        except (RuntimeError, ValueError) as exc:
            raise TranslateError(f"{self.model_dir}: cannot load model ({exc})") from None
        self._source_sp = sentencepiece.SentencePieceProcessor(model_file=str(self.model_dir / "source.spm"))
        self._target_sp = sentencepiece.SentencePieceProcessor(model_file=str(self.model_dir / "target.spm"))
        self._fingerprint: str | None = None
        # Models converted from Marian append </s> themselves; those from Hugging Face expect it.
        config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
        self._eos = [] if config.get("add_source_eos") else [EOS]
        # The position tables bound both the input and the generated length (512 for OPUS-MT).
        self.positions = models.max_positions(self.model_dir)
        self.max_input_tokens = max_input_tokens(self.positions)

    @property
    def model_id(self) -> str:
        """Identity of the weights (name and model.bin checksum) for caches and output metadata."""
        if self._fingerprint is None:
            meta = models.read_metadata(self.model_dir)
            digest = meta.get("model_sha256") or sha256_file(self.model_dir / "model.bin")
            self._fingerprint = f"{Path(self.model_name).name}@{digest[:16]}"
        return self._fingerprint

    def shortlist_for(self, options: DecodeOptions) -> str | None:
        """The fingerprint of the vocabulary map that restricts translations with these options, or None:
        part of a translation's identity (the translation memory keys on it)."""
        return self.shortlist.map_for(options.beam_size)

    def tokenize(self, sentence: str) -> list[str]:
        return self._source_sp.encode(prepare_source(sentence), out_type=str)

    def translate(self, sentences: Iterable[str], *, options: DecodeOptions | None = None,
                  batch_size: int = 1024, window: int | None = None, alternatives: int = 0,
                  max_rows: int | None = None) -> Iterator[Translation]:
        """Translate a stream of sentences; results come back in input order as they are ready.

        Sentences are read ``window`` at a time, sorted by length inside the window and cut into
        batches of at most ``batch_size`` tokens and ``max_rows`` sentences (None: as many as fit
        ``LOGITS_BUDGET``; 0: no limit), all submitted at once so every inter-thread works.
        ``alternatives`` > 0 also returns that many next-best hypotheses of the beam (the beam is
        widened to hold them); the best hypothesis of such a search may differ from a plain one's.
        """
        options = options or DecodeOptions()
        if alternatives:
            options = replace(options, beam_size=max(options.beam_size, alternatives + 1))
        window = window or WINDOW
        if max_rows is None:
            max_rows = max_rows_for(options.beam_size, self.vocabulary_size)
        iterator = iter(sentences)
        previous = None
        while True:
            chunk = list(itertools.islice(iterator, window))
            # Queue the next window before collecting this one: the workers never idle at a boundary.
            current = self._submit(chunk, options, batch_size, 1 + alternatives, max_rows) if chunk else None
            if previous is not None:
                yield from self._collect(previous)
            if current is None:
                return
            previous = current

    def translate_sentence(self, sentence: str, options: DecodeOptions | None = None) -> Translation:
        """One sentence as it is (no segmentation): its translation and score."""
        return next(self.translate([sentence], options=options))

    def score(self, sources: Iterable[str], targets: Iterable[str], *, batch_size: int = 4096) -> list[float]:
        """Forced decoding: the mean log-probability per token of each target given its source.

        A score, not a translation, so a side longer than the model's positions is cut: the score
        of a long pair is that of its first tokens. Scores move in the last bits with the batch a
        pair meets, as translations' scores do.
        """
        limit = (self.positions or 2 * MAX_PIECE_TOKENS) - 2  # room for </s> (and the start token)
        src = [self._source_sp.encode(prepare_source(s), out_type=str)[:limit] + self._eos for s in sources]
        tgt = [self._target_sp.encode(t, out_type=str)[:limit] for t in targets]
        if len(src) != len(tgt):
            raise TranslateError(f"{param('sources')}: {len(src)} sources for {len(tgt)} {param('targets')}")
        if not src:
            return []
        results = self._model.score_batch(src, tgt, max_batch_size=batch_size, batch_type="tokens",
                                          max_input_length=0)
        return [sum(r.log_probs) / max(1, len(r.log_probs)) for r in results]

    def translate_text(self, text: str, options: DecodeOptions | None = None, *, batch_size: int = 1024) -> str:
        """Segment ``text``, translate every sentence and return the English as `translate text`
        prints it: sentences of a paragraph joined by a space, paragraphs by a blank line."""
        from translate.document import translate_document
        from translate.formats.txt import render

        return render(translate_document(text, self, options=options, batch_size=batch_size))

    def attention(self, pairs: Iterable[tuple[str, str]], *, batch_size: int = 64) -> Iterator[Attention | None]:
        """For each (source sentence, its translation), the attention the model gives the
        translation, by forced decoding: the decoder's attention at a step depends only on the
        source and the target before it, so this is the attention seen while producing it. None
        where the model never saw the sentence (no Arabic, or too long to go in one piece)."""
        iterator = iter(pairs)
        while chunk := list(itertools.islice(iterator, batch_size)):
            tokens = []
            for source, target in chunk:
                pieces = self.source_pieces(source)
                target_tokens = self._target_sp.encode(target, out_type=str) if len(pieces) == 1 else []
                tokens.append((pieces[0], target_tokens) if target_tokens else None)
            todo = [t for t in tokens if t]
            results = iter(self._model.translate_batch(
                [s + self._eos for s, _ in todo], target_prefix=[t for _, t in todo], beam_size=1,
                return_attention=True, max_input_length=0,
                max_decoding_length=max((len(t) for _, t in todo), default=1)) if todo else [])
            for (source, _), item in zip(chunk, tokens):
                if item is None:
                    yield None
                    continue
                rows = next(results).attention[0][:len(item[1])]
                yield Attention(prepare_source(source), item[0], item[1],
                                [list(row[:len(item[0])]) for row in rows])

    def _submit(self, sentences: list[str], options: DecodeOptions, batch_size: int, hypotheses: int = 1,
                max_rows: int | None = None) -> _Window:
        """Cut a window into pieces (long sentences are split) and queue their batches."""
        pieces: list[list[str]] = []
        owner: list[int] = []
        for index, sentence in enumerate(sentences):
            for tokens in self.source_pieces(sentence):
                pieces.append(tokens)
                owner.append(index)
        limit = [max_decoding_length(len(p) + 1, options.max_length, self.positions) for p in pieces]
        batches = plan_batches(pieces, limit, batch_size, max_rows)
        window = _Window(sentences, owner, batches, [], pieces, limit, options, hypotheses,
                         self.shortlist_for(options) is not None)
        window.futures = [self._queue(batch, window) for batch in batches]
        return window

    def _queue(self, batch: list[int], window: _Window) -> list | None:
        try:
            return self._run([window.pieces[i] for i in batch], window, window.limits[batch[0]], asynchronous=True)
        except (RuntimeError, ValueError):
            return None  # retried piece by piece when collected

    def _run(self, pieces: list[list[str]], window: _Window, limit: int, asynchronous: bool) -> list:
        options = window.options
        return self._model.translate_batch(
            [piece + self._eos for piece in pieces], asynchronous=asynchronous, beam_size=options.beam_size,
            length_penalty=options.length_penalty, repetition_penalty=options.repetition_penalty,
            no_repeat_ngram_size=options.no_repeat_ngram_size, return_scores=True,
            max_input_length=0, max_decoding_length=limit, num_hypotheses=window.hypotheses,
            use_vmap=window.use_vmap)

    def _results(self, window: _Window, batch: list[int], futures: list | None) -> list:
        """A batch's results; if the batch fails, each piece alone, a failure standing as its message."""
        try:
            if futures is not None:
                return [_wait(future) for future in futures]
        except (RuntimeError, ValueError):
            pass
        results: list = []
        for i in batch:
            try:
                results += self._run([window.pieces[i]], window, window.limits[i], asynchronous=False)
            except (RuntimeError, ValueError) as exc:
                results.append(str(exc) or type(exc).__name__)
        return results

    def _collect(self, window: _Window) -> Iterator[Translation]:
        """Wait for a window's batches and join each sentence's pieces back, in input order."""
        targets: list[list[str]] = [[] for _ in window.sentences]
        scores: list[list[tuple[float, int]]] = [[] for _ in window.sentences]
        others: list[list[list[str]]] = [[] for _ in window.sentences]  # per piece, its other hypotheses
        generated: list[list[str]] = [[] for _ in window.sentences]
        errors: dict[int, str] = {}
        for batch, futures in zip(window.batches, window.futures):
            for i, result in zip(batch, self._results(window, batch, futures)):
                if isinstance(result, str):
                    errors[window.owner[i]] = result
                    continue
                tokens = result.hypotheses[0]
                targets[window.owner[i]].append(clean_target(self._target_sp.decode(tokens)))
                scores[window.owner[i]].append((result.scores[0], len(tokens)))
                others[window.owner[i]].append([clean_target(self._target_sp.decode(h)) for h in result.hypotheses[1:]])
                generated[window.owner[i]].extend(tokens)
        for index, (sentence, texts, parts) in enumerate(zip(window.sentences, targets, scores)):
            if index in errors:
                yield Translation(sentence, "", None, error=errors[index])
                continue
            if not texts:  # nothing for the model: passed through as it is
                yield Translation(sentence, sentence, None)
                continue
            score = sum(s * max(1, length) for s, length in parts) / sum(max(1, length) for _, length in parts)
            yield Translation(sentence, " ".join(t for t in texts if t), score,
                              alternatives=_alternatives(texts, others[index]), pieces=tuple(generated[index]))

    def source_pieces(self, sentence: str) -> list[list[str]]:
        """The sentence as SentencePiece tokens, split into pieces the model accepts (no truncation)."""
        text = prepare_source(sentence)
        if not needs_translation(text):
            return []
        tokens = self._source_sp.encode(text, out_type=str)
        limit = self.max_input_tokens - 1  # room for </s>
        if len(tokens) <= limit:
            return [tokens]
        from translate.segmenter import split_long

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
    pieces: list[list[str]]
    limits: list[int]
    options: DecodeOptions
    hypotheses: int = 1  # per piece: the best and the alternatives
    use_vmap: bool = False  # the output layer restricted to the model's shortlist


def _alternatives(best: list[str], others: list[list[str]]) -> tuple[str, ...]:
    """The k-th alternative of a sentence: each piece's k-th other hypothesis (its best where it has
    fewer), without repeats or the best translation itself."""
    joined = " ".join(t for t in best if t)
    found: dict[str, None] = {}
    for k in range(max((len(o) for o in others), default=0)):
        text = " ".join(t for t in (o[k] if k < len(o) else b for b, o in zip(best, others)) if t)
        if text != joined:
            found[text] = None
    return tuple(found)


def _wait(future):
    """The result of an asynchronous batch, waiting in short sleeps so Ctrl-C is seen at once
    (a blocking ``result()`` holds the interrupt until the whole batch is done)."""
    while not future.done():
        time.sleep(0.002)
    return future.result()
