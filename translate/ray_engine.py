"""The Ray backend: the same ``translate`` stream as ``Translator``, computed by a pool of Ray actors.

Each actor is one worker process holding one CTranslate2 model, with as many inter-threads as the
CPUs it reserves. Sentences go out in chunks, round the pool, and come back in input order, so the
corpus job (and its translation memory, which stays on the driver) does not know which backend ran.
Each chunk is one window of the local engine (``translate.engine.WINDOW`` sentences), so every
sentence is batched with the same others as on the local engine and the output equals the local one.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from translate.engine import WINDOW, DecodeOptions, Translation
from translate.errors import TranslateError, param

CHUNK = WINDOW  # sentences per actor call: one local window, so the batches are the same


class _Worker:
    """Runs inside a Ray worker process: loads the model once, translates chunks."""

    def __init__(self, model: str, models_dir: str | None, offline: bool, compute_type: str, threads: int,
                 shortlist: bool | None):
        from translate.engine import Translator

        self.translator = Translator(model, compute_type=compute_type, inter_threads=threads, intra_threads=1,
                                     models_dir=models_dir, offline=offline, shortlist=shortlist)

    def identity(self) -> tuple:
        return self.translator.model_id, self.translator.model_name, self.translator.shortlist

    def translate(self, sentences: list[str], options: dict, batch_size: int) -> list[tuple]:
        results = self.translator.translate(sentences, options=DecodeOptions(**options), batch_size=batch_size)
        return [(r.target, r.score, r.error, r.pieces) for r in results]


class RayTranslator:
    """Translate on a Ray cluster: ``address`` joins one (as ``ray.init`` reads it; None starts a
    local cluster unless RAY_ADDRESS is set). One actor per ``cpus_per_worker`` CPUs of the cluster.

    ``model`` must be resolvable on every node: a catalog name (installed there on first use) or a
    directory that every node sees at the same path.
    """

    def __init__(self, model: str | Path | None = None, *, address: str | None = None, cpus_per_worker: int = 2,
                 workers: int | None = None, compute_type: str = "int8", models_dir: str | Path | None = None,
                 offline: bool = False, shortlist: bool | None = None):
        try:
            import ray
        except ImportError:
            raise TranslateError(f"{param('engine', 'ray')}: Ray is not installed; "
                                 "pip install 'translate-ar-en[ray]'") from None
        from translate import models

        self._ray = ray
        self._started = not ray.is_initialized()
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True,
                     logging_level=logging.WARNING)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise TranslateError(f"{param('ray_address', address)}: cannot join the Ray cluster ({exc})") from None
        cpus = int(ray.cluster_resources().get("CPU", 1))
        count = workers or max(1, cpus // cpus_per_worker)
        actor = ray.remote(num_cpus=min(cpus_per_worker, cpus))(_Worker)
        name = str(model or models.default_model_name())
        local_dir = Path(name).expanduser()
        if local_dir.is_dir():  # a directory: the same absolute path on every node
            name = str(local_dir.resolve())
        models_dir = str(models_dir) if models_dir else None
        self.compute_type = compute_type
        self._actors = [actor.remote(name, models_dir, models.offline_requested(offline), compute_type,
                                     cpus_per_worker, shortlist) for _ in range(count)]
        try:
            identities = set(ray.get([a.identity.remote() for a in self._actors]))
        except ray.exceptions.RayActorError as exc:
            self.close()
            raise TranslateError(f"{name}: a Ray worker could not load the model ({exc})") from None
        if len(identities) != 1:
            self.close()
            raise TranslateError(f"{name}: the Ray workers loaded different models {sorted(identities)}")
        (self.model_id, self.model_name, self.shortlist), = identities

    def shortlist_for(self, options: DecodeOptions) -> str | None:
        return self.shortlist.map_for(options.beam_size)

    @property
    def workers(self) -> int:
        return len(self._actors)

    @property
    def window(self) -> int:
        """Sentences a caller should hand over at once to keep every actor busy."""
        return 2 * CHUNK * self.workers

    def translate(self, sentences: Iterable[str], *, options: DecodeOptions | None = None,
                  batch_size: int = 1024) -> Iterator[Translation]:
        from ray.util import ActorPool

        options_dict = (options or DecodeOptions()).as_dict()
        iterator = iter(sentences)
        chunks = list(iter(lambda: list(itertools.islice(iterator, CHUNK)), []))
        # ActorPool.map keeps every actor busy and yields the results in submission order.
        results = ActorPool(self._actors).map(
            lambda actor, chunk: actor.translate.remote(chunk, options_dict, batch_size), chunks)
        for chunk, translated in zip(chunks, results):
            for sentence, (target, score, error, pieces) in zip(chunk, translated):
                yield Translation(sentence, target, score, error, pieces=pieces)

    def close(self) -> None:
        for actor in self._actors:
            self._ray.kill(actor)
        self._actors = []
        if self._started:
            self._ray.shutdown()
            self._started = False

    def __enter__(self) -> RayTranslator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

