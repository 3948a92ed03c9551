"""One engine shared by concurrent requests: their sentences gathered into common batches.

Each request takes a ``Ticket``, an ``Engine`` like the ``Translator`` (same ``translate`` stream,
same results), so the document pipeline and the translation memory use it unchanged. A ticket's
sentences join one queue shared by every request; a gatherer thread takes them off it when the
engine has room, as soon as ``budget`` tokens wait or ``max_wait`` seconds after the oldest one
arrived, and sends them as one stream to the engine's ``translate`` (its asynchronous batches):
CTranslate2 batches only what it is given, so without this it would see one request at a time.
Identical sentences waiting or running at the same time are translated once.

The queue is bounded (``max_queue`` sentences). A request whose sentences would overflow it is
refused at once with ``Busy`` (the server answers 429 with a Retry-After), never left hanging; an
admitted request's later windows wait for room instead, so a long document is never cut short. A
cancelled ticket (its client went away) takes its sentences off the queue; a batch the engine is
already running is finished and its results dropped.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace

from translate.engine import DecodeOptions, Translation
from translate.errors import TranslateError

_POLL_S = 0.05  # how often a waiting request looks at its cancel flag


class Busy(TranslateError):
    """The queue is full: try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Cancelled(TranslateError):
    """The request was cancelled (its client went away) or the batcher is closing."""


_Key = tuple[DecodeOptions, int]  # decoding options and alternatives: sentences batched together share them


@dataclass(eq=False)
class _Job:
    source: str
    key: _Key
    tokens: int
    arrived: float
    future: Future = field(default_factory=Future)
    waiters: int = 1  # tickets waiting for it; none left while queued: it leaves the queue


class Batcher:
    """Gathers the sentences of every ticket into shared batches for ``engine`` (a ``Translator``).

    ``workers`` batches run at once (default: the engine's ``inter_threads``, one per replica).
    """

    def __init__(self, engine, *, max_queue: int = 1024, budget: int = 2048, max_wait: float = 0.005,
                 batch_size: int = 1024, workers: int | None = None):
        self.engine = engine
        self.max_queue = max_queue
        self.budget = budget
        self.max_wait = max_wait
        self.batch_size = batch_size
        self.workers = workers or getattr(engine, "inter_threads", 1)
        self._cond = threading.Condition()
        self._queue: dict[_Key, dict[str, _Job]] = {}  # waiting, in arrival order
        self._jobs: dict[tuple[_Key, str], _Job] = {}  # waiting or running, for sharing
        self._queued = 0
        self._queued_tokens = 0
        self._running = 0
        self._closed = False
        self._tokens_per_s = 0.0  # measured engine speed, for Retry-After
        self.batches = 0  # batches sent to the engine (for /health and the benchmark)
        self.sentences = 0  # sentences sent to the engine
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="batch")
        self._thread = threading.Thread(target=self._gather, name="batcher", daemon=True)
        self._thread.start()

    model_name = property(lambda self: self.engine.model_name)
    model_id = property(lambda self: self.engine.model_id)
    compute_type = property(lambda self: self.engine.compute_type)

    def ticket(self) -> Ticket:
        return Ticket(self)

    def translate(self, sentences: Iterable[str], *, options: DecodeOptions | None = None,
                  batch_size: int = 1024, alternatives: int = 0) -> Iterator[Translation]:
        """The ``Engine`` interface: the sentences as one new request."""
        return self.ticket().translate(sentences, options=options, batch_size=batch_size,
                                       alternatives=alternatives)

    def status(self) -> dict:
        with self._cond:
            return {"queued": self._queued, "running": self._running, "max_queue": self.max_queue,
                    "batches": self.batches, "sentences": self.sentences}

    def close(self, timeout: float | None = None) -> None:
        """Refuse new work, fail what waits (``Cancelled``) and stop; running batches are not awaited
        past ``timeout``."""
        with self._cond:
            self._closed = True
            waiting = [job for jobs in self._queue.values() for job in jobs.values()]
            self._queue.clear()
            self._queued = self._queued_tokens = 0
            self._cond.notify_all()
        for job in waiting:
            job.future.set_exception(Cancelled("the server is shutting down"))
        self._thread.join(timeout)
        self._pool.shutdown(wait=timeout is None, cancel_futures=True)

    @property
    def idle(self) -> bool:
        with self._cond:
            return not self._running

    # -- tickets' side ------------------------------------------------------------------------

    def _tokens(self, sentence: str) -> int:
        tokenize = getattr(self.engine, "tokenize", None)
        return len(tokenize(sentence)) + 1 if tokenize else len(sentence) // 4 + 1

    def _retry_after(self) -> int:
        speed = self._tokens_per_s or 1000.0
        return max(1, math.ceil((self._queued_tokens + self.budget * self._running) / speed))

    def _enqueue(self, ticket: Ticket, sentences: list[str], key: _Key) -> tuple[list[_Job], list[_Job]]:
        """Queue (or share) a job per sentence; refuse at once if a new request overflows the queue.
        Returns the job of each sentence and the distinct jobs the ticket now waits for."""
        tokens = {s: self._tokens(s) for s in dict.fromkeys(sentences) if (key, s) not in self._jobs}
        with self._cond:
            new = [s for s in dict.fromkeys(sentences) if (key, s) not in self._jobs]
            while not self._closed and self._queued and self._queued + len(new) > self.max_queue:
                if not ticket.admitted:
                    raise Busy(f"the translation queue is full ({self._queued} sentences waiting)",
                               self._retry_after())
                if ticket.cancelled:
                    raise Cancelled("the request was cancelled")
                self._cond.wait(_POLL_S)
                new = [s for s in dict.fromkeys(sentences) if (key, s) not in self._jobs]
            if self._closed:
                raise Cancelled("the server is shutting down")
            ticket.admitted = True
            distinct: dict[str, _Job] = {}
            now = time.monotonic()
            for sentence in dict.fromkeys(sentences):
                job = self._jobs.get((key, sentence))
                if job is None:
                    job = _Job(sentence, key, tokens.get(sentence) or self._tokens(sentence), now)
                    self._jobs[key, sentence] = job
                    self._queue.setdefault(key, {})[sentence] = job
                    self._queued += 1
                    self._queued_tokens += job.tokens
                else:
                    job.waiters += 1
                distinct[sentence] = job
            self._cond.notify_all()
        return [distinct[s] for s in sentences], list(distinct.values())

    def _release(self, jobs: Iterable[_Job]) -> None:
        """A cancelled ticket's jobs: those no other ticket waits for leave the queue."""
        with self._cond:
            for job in jobs:
                job.waiters -= 1
                if job.waiters <= 0 and self._queue.get(job.key, {}).get(job.source) is job:
                    self._unqueue(job)
                    job.future.cancel()
            self._cond.notify_all()

    def _unqueue(self, job: _Job) -> None:
        del self._queue[job.key][job.source]
        if not self._queue[job.key]:
            del self._queue[job.key]
        self._jobs.pop((job.key, job.source), None)
        self._queued -= 1
        self._queued_tokens -= job.tokens

    # -- the gatherer and the workers ---------------------------------------------------------

    def _gather(self) -> None:
        while True:
            with self._cond:
                while not self._closed and not (self._queued and self._running < self.workers):
                    self._cond.wait()
                if self._closed:
                    return
                # Wait a little for company, unless a full batch is already there.
                oldest = min(next(iter(jobs.values())).arrived for jobs in self._queue.values())
                deadline = oldest + self.max_wait
                while not self._closed and self._queued and self._queued_tokens < self.budget:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                if self._closed or not self._queued:
                    continue
                key, jobs = self._take()
                self._running += 1
            try:
                self._pool.submit(self._run, key, jobs)
            except RuntimeError:  # closed meanwhile
                for job in jobs:
                    job.future.set_exception(Cancelled("the server is shutting down"))
                return

    def _take(self) -> tuple[_Key, list[_Job]]:
        """The jobs to send now: those of the oldest job's options, oldest first, up to the budget."""
        key = min(self._queue, key=lambda k: next(iter(self._queue[k].values())).arrived)
        taken, tokens = [], 0
        for job in list(self._queue[key].values()):
            if taken and tokens + job.tokens > self.budget:
                break
            taken.append(job)
            tokens += job.tokens
        for job in taken:
            self._unqueue(job)
            self._jobs[key, job.source] = job  # still shared while it runs
        return key, taken

    def _run(self, key: _Key, jobs: list[_Job]) -> None:
        options, alternatives = key
        extra = {"alternatives": alternatives} if alternatives else {}
        start = time.monotonic()
        try:
            results = self.engine.translate([job.source for job in jobs], options=options,
                                            batch_size=self.batch_size, **extra)
            for job, result in zip(jobs, results, strict=True):
                job.future.set_result(result)
        except BaseException as exc:  # noqa: BLE001  (handed to every request that waits for it)
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(exc)
        finally:
            elapsed = time.monotonic() - start
            with self._cond:
                for job in jobs:
                    self._jobs.pop((key, job.source), None)
                self._running -= 1
                self.batches += 1
                self.sentences += len(jobs)
                if elapsed > 0:
                    # Speed of the whole engine: this batch shared it with the others running.
                    speed = sum(job.tokens for job in jobs) / elapsed * (self._running + 1)
                    self._tokens_per_s = speed if not self._tokens_per_s else 0.8 * self._tokens_per_s + 0.2 * speed
                self._cond.notify_all()


class Ticket:
    """One request's view of the batcher: an ``Engine`` whose sentences share the batches."""

    def __init__(self, batcher: Batcher):
        self.batcher = batcher
        self.admitted = False
        self._cancel = threading.Event()
        self._jobs: list[_Job] = []

    model_name = property(lambda self: self.batcher.model_name)
    model_id = property(lambda self: self.batcher.model_id)
    compute_type = property(lambda self: self.batcher.compute_type)
    # Inline markup of format=html is placed by the model's attention (forced decoding, outside the batches).
    attention = property(lambda self: getattr(self.batcher.engine, "attention", None))

    def shortlist_for(self, options: DecodeOptions) -> str | None:
        """The model's shortlist for these options (the translation memory keys on it)."""
        engine = self.batcher.engine
        return engine.shortlist_for(options) if hasattr(engine, "shortlist_for") else None

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Stop: the sentences no other request waits for leave the queue, waiting calls raise
        ``Cancelled``."""
        self._cancel.set()
        self.batcher._release(self._jobs)
        self._jobs = []

    def translate(self, sentences: Iterable[str], *, options: DecodeOptions | None = None,
                  batch_size: int = 1024, alternatives: int = 0) -> Iterator[Translation]:
        """Queue the sentences now (``Busy`` if a first call overflows the queue); the results
        follow in order. ``batch_size`` is the batcher's, shared by every request."""
        if self.cancelled:
            raise Cancelled("the request was cancelled")
        sentences = list(sentences)
        jobs, distinct = self.batcher._enqueue(self, sentences, (options or DecodeOptions(), alternatives))
        self._jobs.extend(distinct)
        return self._results(sentences, jobs)

    def _results(self, sentences: list[str], jobs: list[_Job]) -> Iterator[Translation]:
        for sentence, job in zip(sentences, jobs):
            while True:
                if self.cancelled:
                    raise Cancelled("the request was cancelled")
                try:
                    result = job.future.result(_POLL_S)
                    break
                except FutureTimeout:
                    continue
            yield result if result.source == sentence else replace(result, source=sentence)
