"""The HTTP server: LibreTranslate's API for its clients, sentence pairs for ours, and a page.

``create_app(translator, settings, memory=)`` returns a Starlette (ASGI) application; ``translate
serve`` runs it with uvicorn in one process. Every request goes through the document pipeline
(``translate.document``): segmented into sentences, looked up in the translation memory, the misses
sent to the shared ``Batcher`` that gathers the sentences of all concurrent requests into common
batches. This module only reads requests, checks them and shapes answers.

LibreTranslate's conventions, kept for its clients: fields come from a JSON body, a form body or
the query string (deep-translator sends everything in the query string of a POST); ``q`` is a
string or a list (``translatedText`` follows); errors are ``{"error": message}`` with 400 (bad or
missing fields, over a limit, no key), 403 (wrong key), 413 (body too large), 429 (slow down, with
Retry-After) and 500 (never a traceback). The layout of a text is kept: each sentence is replaced
by its English, the whitespace between sentences stays as it was sent.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import logging
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from translate.batcher import Batcher, Busy, Cancelled, Ticket
from translate.detect import detect_languages
from translate.document import DocumentTranslation, segments, translate_document, translate_segments
from translate.engine import DecodeOptions
from translate.errors import TranslateError
from translate.flags import FlagConfig
from translate.formats import IN_PLACE, open_writer, whole_document
from translate.formats._records import to_record
from translate.memory import CachedTranslator, TranslationMemory
from translate.readers import Document, document_suffixes, read_document
from translate.records import Pair

log = logging.getLogger("translate.server")

SOURCE, TARGET = "ar", "en"
LANGUAGES = [{"code": SOURCE, "name": "Arabic", "targets": [TARGET]}, {"code": TARGET, "name": "English", "targets": []}]
# Sentences below this per-token probability are marked on the page, as on the review page.
LOW_CONFIDENCE = FlagConfig().min_probability
MAX_ALTERNATIVES = 5
_PAGE = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
         "app.css": "text/css; charset=utf-8"}
_PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'")
_LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]

T = TypeVar("T")


@dataclass
class Settings:
    """What ``translate serve`` sets; the defaults are the safe ones."""

    char_limit: int = 50_000  # characters per request (sum over a q list); 0: none
    batch_limit: int = 128  # texts in one q list; 0: none
    body_limit: int = 1 << 20  # request body bytes (also bounds uploaded files)
    req_limit: int = 600  # requests per client per minute; 0: none
    api_keys: frozenset[str] = frozenset()  # empty: no key needed
    max_requests: int = 128  # requests being translated at once; past it, 429
    file_ttl: float = 3600.0  # seconds a translated file stays downloadable
    max_files: int = 1000  # translated files kept at once (the oldest go first)
    options: DecodeOptions = field(default_factory=DecodeOptions)
    batch_size: int = 1024  # tokens per engine batch
    queue_limit: int = 1024  # sentences waiting for the engine; past it, 429
    batch_tokens: int = 2048  # tokens gathered before a batch is sent at once
    batch_wait: float = 0.005  # seconds a sentence waits for others to share its batch
    allowed_hosts: tuple[str, ...] = ("*",)  # Host headers served (DNS-rebinding guard on loopback)


class ApiError(Exception):
    """An answer in LibreTranslate's error shape: ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class _ClientGone(Exception):
    pass


def loopback_hosts(host: str) -> tuple[str, ...]:
    """The Host headers to accept for a server bound to ``host``: on a loopback address only
    loopback names (a page elsewhere cannot reach it by rebinding a DNS name), else any."""
    if host in ("127.0.0.1", "localhost", "::1") or host.startswith("127."):
        return tuple(_LOOPBACK_HOSTS + ([host] if host not in _LOOPBACK_HOSTS else []))
    return ("*",)


class SharedMemory:
    """The translation memory (one SQLite connection) used by every request's thread in turn."""

    def __init__(self, memory: TranslationMemory):
        self._memory = memory
        self._lock = threading.Lock()
        self.persistent = memory.persistent

    def lookup(self, key, sources):
        sources = list(sources)
        with self._lock:
            return self._memory.lookup(key, sources)

    def store(self, key, items) -> None:
        items = list(items)
        with self._lock:  # a whole window in one transaction, never interrupted by a shutdown
            self._memory.store(key, items)

    def close(self) -> None:
        with self._lock:
            self._memory.close()


class RateLimit:
    """At most ``per_minute`` requests per client in each minute (fixed windows)."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._windows: dict[str, tuple[float, int]] = {}

    def check(self, client: str) -> None:
        if self.per_minute <= 0:
            return
        now = time.monotonic()
        if len(self._windows) > 10_000:  # forget finished windows: memory stays flat
            self._windows = {c: w for c, w in self._windows.items() if now - w[0] < 60}
        start, count = self._windows.get(client, (now, 0))
        if now - start >= 60:
            start, count = now, 0
        if count >= self.per_minute:
            wait = max(1, int(60 - (now - start)) + 1)
            raise ApiError(429, f"Slowdown: {self.per_minute} per 1 minute", {"Retry-After": str(wait)})
        self._windows[client] = (start, count + 1)


class Downloads:
    """Files this server wrote, each under an unguessable token, for ``ttl`` seconds.

    Files live in a private directory (mode 0700) removed on shutdown; a download is looked up by
    its token in this table, never by a path from the request, so nothing else can be reached.
    """

    def __init__(self, root: Path, ttl: float, limit: int):
        self.root = root
        self.ttl = ttl
        self.limit = limit
        self._files: dict[str, tuple[Path, str, float]] = {}
        self._lock = threading.Lock()

    def add(self, name: str, write: Callable[[Path], None]) -> str:
        token = secrets.token_urlsafe(24)
        path = self.root / token
        write(path)
        with self._lock:
            self._files[token] = (path, name, time.monotonic() + self.ttl)
            expired = self._expired() + list(self._files)[:max(0, len(self._files) - self.limit)]
            for old in dict.fromkeys(expired):
                self._files.pop(old)[0].unlink(missing_ok=True)
        return token

    def get(self, token: str) -> tuple[Path, str] | None:
        with self._lock:
            for old in self._expired():
                self._files.pop(old)[0].unlink(missing_ok=True)
            entry = self._files.get(token)
        return (entry[0], entry[1]) if entry else None

    def _expired(self) -> list[str]:
        now = time.monotonic()
        return [token for token, (_, _, until) in self._files.items() if until <= now]


class Server:
    """The application's state: engine, memory, limits; ``app`` is the ASGI application."""

    def __init__(self, translator, settings: Settings | None = None, memory: TranslationMemory | None = None):
        self.settings = settings or Settings()
        s = self.settings
        self.batcher = Batcher(translator, max_queue=s.queue_limit, budget=s.batch_tokens, max_wait=s.batch_wait,
                               batch_size=s.batch_size)
        self.memory = SharedMemory(memory) if memory is not None else None
        self.rate = RateLimit(s.req_limit)
        self.workdir = Path(tempfile.mkdtemp(prefix="translate-serve-"))  # mode 0700
        (self.workdir / "uploads").mkdir(mode=0o700)
        (self.workdir / "files").mkdir(mode=0o700)
        self.downloads = Downloads(self.workdir / "files", s.file_ttl, s.max_files)
        self.in_flight = 0
        self._closed = False
        self._limiter: anyio.CapacityLimiter | None = None
        self.page = {name: resources.files("translate").joinpath("web", name).read_bytes() for name in _PAGE}
        self.app = self._build()

    # -- the application -------------------------------------------------------------------------

    def _build(self) -> Starlette:
        routes = [
            Route("/", self.index, methods=["GET"]),
            Route("/static/{name}", self.static, methods=["GET"]),
            Route("/languages", self.languages, methods=["GET", "POST"]),
            Route("/frontend/settings", self.frontend_settings, methods=["GET"]),
            Route("/health", self.health, methods=["GET"]),
            Route("/translate", self.translate, methods=["POST"]),
            Route("/detect", self.detect, methods=["POST"]),
            Route("/translate_file", self.translate_file, methods=["POST"]),
            Route("/v1/pairs", self.pairs, methods=["POST"]),
            Route("/download_file/{token}/{name}", self.download_file, methods=["GET"], name="download_file"),
        ]
        middleware = [
            Middleware(TrustedHostMiddleware, allowed_hosts=list(self.settings.allowed_hosts)),
            # Browser extensions and web clients call from other origins, as with LibreTranslate.
            Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                       allow_headers=["Authorization", "Content-Type"]),
        ]
        handlers = {ApiError: self._error, _ClientGone: self._gone, Exception: self._crash, 404: self._not_found,
                    405: self._not_allowed}
        return Starlette(routes=routes, middleware=middleware, exception_handlers=handlers, lifespan=self._lifespan)

    @asynccontextmanager
    async def _lifespan(self, app):
        self._limiter = anyio.CapacityLimiter(self.settings.max_requests + 8)
        try:
            yield
        finally:
            self.close()

    def close(self) -> None:
        """Stop: waiting sentences fail, the memory closes after any store in progress, files go.
        Closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        self.batcher.close(timeout=1.0)
        if self.memory is not None:
            self.memory.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    async def _error(self, request: Request, exc: ApiError) -> Response:
        return JSONResponse({"error": exc.message}, exc.status, headers=exc.headers)

    async def _gone(self, request: Request, exc: Exception) -> Response:
        return Response(status_code=499)  # nobody reads it

    async def _crash(self, request: Request, exc: Exception) -> Response:
        log.exception("error while answering %s %s", request.method, request.url.path)
        return JSONResponse({"error": "Internal server error"}, 500)

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": "Not found"}, 404)

    async def _not_allowed(self, request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": "Method not allowed"}, 405)

    # -- reading requests ------------------------------------------------------------------------

    async def _fields(self, request: Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        """Rate limit, body (within the limit), then the fields: query string, overridden by a form
        or JSON body; uploaded files apart. The API key is checked here."""
        self.rate.check(request.client.host if request.client else "-")
        body = await _read_body(request, self.settings.body_limit)
        fields: dict[str, Any] = dict(request.query_params)
        files: dict[str, tuple[str, bytes]] = {}
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/json" or kind.endswith("+json") or (kind in ("", "text/plain")
                                                                     and body.lstrip()[:1] == b"{"):
            fields.update(_json_object(body))
        elif kind == "application/x-www-form-urlencoded":
            try:
                fields.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict"))
            except UnicodeDecodeError:
                raise ApiError(400, "Invalid request: the form body is not UTF-8") from None
        elif kind == "multipart/form-data":
            form, files = _multipart(body, request.headers["content-type"])
            fields.update(form)
        self._check_key(fields, request)
        return fields, files

    def _check_key(self, fields: dict[str, Any], request: Request) -> None:
        keys = self.settings.api_keys
        if not keys:
            return
        key = fields.get("api_key") or _bearer(request.headers.get("authorization", ""))
        if not key:
            raise ApiError(400, "Invalid request: missing api_key parameter; please contact the server "
                                "operator to get an API key")
        if not isinstance(key, str) or not any(secrets.compare_digest(key.encode(), k.encode()) for k in keys):
            raise ApiError(403, "Invalid API key")

    def _languages(self, fields: dict[str, Any], required: bool = True) -> str:
        """Check ``source`` and ``target`` (``required`` as LibreTranslate does, else ar and en by
        default); returns the source (``ar`` or ``auto``)."""
        source, target = fields.get("source"), fields.get("target")
        if not required:
            source, target = source or SOURCE, target or TARGET
        if not source:
            raise ApiError(400, "Invalid request: missing source parameter")
        if not target:
            raise ApiError(400, "Invalid request: missing target parameter")
        if source not in (SOURCE, "auto"):
            raise ApiError(400, f"{source} is not supported (source languages: {SOURCE}, auto)")
        if target != TARGET:
            raise ApiError(400, f"{target} is not supported (target languages: {TARGET})")
        return source

    def _texts(self, fields: dict[str, Any]) -> tuple[list[str], bool]:
        """``q`` as a list of texts, and whether it was one string; checks the limits."""
        q = fields.get("q")
        if not q:
            raise ApiError(400, "Invalid request: missing q parameter")
        single = isinstance(q, str)
        texts = [q] if single else q
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise ApiError(400, "Invalid request: q must be a string or a list of strings")
        limit = self.settings.batch_limit
        if not single and limit and len(texts) > limit:
            raise ApiError(400, f"Invalid request: request ({len(texts)}) exceeds text limit ({limit})")
        chars = sum(len(t) for t in texts)
        if self.settings.char_limit and chars > self.settings.char_limit:
            raise ApiError(400, f"Invalid request: request ({chars}) exceeds text limit ({self.settings.char_limit})")
        return texts, single

    # -- running work ----------------------------------------------------------------------------

    async def _run(self, request: Request, work: Callable[[Ticket], T]) -> T:
        """Run ``work`` in a thread with a ticket of its own; stop it if the client goes away."""
        if self.in_flight >= self.settings.max_requests:
            raise ApiError(429, f"Slowdown: {self.in_flight} requests in progress", {"Retry-After": "1"})
        self.in_flight += 1
        ticket = self.batcher.ticket()
        outcome: list[T] = []
        failure: list[Exception] = []
        try:
            async with anyio.create_task_group() as group:
                async def watch() -> None:
                    while (await request.receive())["type"] != "http.disconnect":
                        pass
                    ticket.cancel()  # its sentences leave the queue; the thread stops at the next one
                    group.cancel_scope.cancel()

                group.start_soon(watch)
                try:
                    outcome.append(await anyio.to_thread.run_sync(work, ticket, limiter=self._limiter,
                                                                  abandon_on_cancel=True))
                except Exception as exc:  # raised below, outside the task group
                    failure.append(exc)
                group.cancel_scope.cancel()
            if failure:
                raise failure[0]
        except Busy as exc:
            raise ApiError(429, f"Slowdown: {exc}", {"Retry-After": str(exc.retry_after)}) from None
        except Cancelled as exc:
            raise ApiError(503, f"Cannot translate text: {exc}") from None
        except TranslateError as exc:
            raise ApiError(400, f"Invalid request: {exc}") from None
        finally:
            self.in_flight -= 1
        if not outcome:
            raise _ClientGone
        return outcome[0]

    def _engine(self, ticket: Ticket):
        return CachedTranslator(ticket, self.memory) if self.memory is not None else ticket

    def _translate_texts(self, ticket: Ticket, texts: list[str], alternatives: int) -> tuple[list[str], list[list[str]]]:
        """Each text's translation (its layout kept) and up to ``alternatives`` other versions."""
        s = self.settings
        items = ((i, seg) for i, text in enumerate(texts) for seg in segments(Document.from_text(text)))
        pairs: list[list[Pair]] = [[] for _ in texts]
        for pair in translate_segments(items, self._engine(ticket), options=s.options, batch_size=s.batch_size):
            _check(pair)
            pairs[pair.doc].append(pair)
        translated = [_rebuild(text, ps, [p.target for p in ps]) for text, ps in zip(texts, pairs)]
        if not alternatives:
            return translated, []
        flat = [p for ps in pairs for p in ps]
        results = iter(ticket.translate([p.source for p in flat], options=s.options, alternatives=alternatives))
        others = {id(p): [t for t in (r.target, *r.alternatives) if t != p.target]
                  for p, r in zip(flat, results, strict=True)}
        versions = []
        for text, ps, best in zip(texts, pairs, translated):
            found: dict[str, None] = {}
            for k in range(alternatives):
                version = _rebuild(text, ps, [(others[id(p)][k:k + 1] or [p.target])[0] for p in ps])
                if version != best:
                    found[version] = None
            versions.append(list(found)[:alternatives])
        return translated, versions

    def _translate_html(self, ticket: Ticket, texts: list[str]) -> list[str]:
        from translate.formats.html import translate_html

        s = self.settings
        return [translate_html(text, self._engine(ticket), options=s.options, batch_size=s.batch_size, fragment=True)
                for text in texts]

    # -- the API ---------------------------------------------------------------------------------

    async def translate(self, request: Request) -> Response:
        fields, _ = await self._fields(request)
        texts, single = self._texts(fields)
        source = self._languages(fields)
        fmt = fields.get("format") or "text"
        if fmt not in ("text", "html"):
            raise ApiError(400, f"{fmt} format is not supported (formats: text, html)")
        alternatives = _int(fields.get("alternatives", 0), "alternatives", 0, MAX_ALTERNATIVES)
        if fmt == "html":
            if alternatives:
                raise ApiError(400, "Invalid request: alternatives are not available for format html")
            translated, versions = await self._run(request, lambda t: self._translate_html(t, texts)), []
        else:
            translated, versions = await self._run(request, lambda t: self._translate_texts(t, texts, alternatives))
        answer: dict[str, Any] = {"translatedText": translated[0] if single else translated}
        if source == "auto":
            detected = [detect_languages(text, html=fmt == "html")[0] for text in texts]
            answer["detectedLanguage"] = detected[0] if single else detected
        if alternatives:
            answer["alternatives"] = versions[0] if single else versions
        return JSONResponse(answer)

    async def detect(self, request: Request) -> Response:
        fields, _ = await self._fields(request)
        texts, _ = self._texts(fields)
        return JSONResponse(detect_languages("\n".join(texts)))

    async def languages(self, request: Request) -> Response:
        return JSONResponse(LANGUAGES)

    async def frontend_settings(self, request: Request) -> Response:
        s = self.settings
        return JSONResponse({
            "charLimit": s.char_limit or -1, "frontendTimeout": 500, "apiKeys": bool(s.api_keys),
            "keyRequired": bool(s.api_keys), "suggestions": False, "filesTranslation": True,
            "supportedFilesFormat": sorted(set(document_suffixes())),
            "language": {"source": {"code": SOURCE, "name": "Arabic"}, "target": {"code": TARGET, "name": "English"}},
            # beyond LibreTranslate's: what the page marks, the limits it can meet
            "lowConfidence": LOW_CONFIDENCE, "bodyLimit": s.body_limit, "model": self.batcher.model_name,
        })

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "model": self.batcher.model_name, "inFlight": self.in_flight,
                             "queue": self.batcher.status()})

    async def translate_file(self, request: Request) -> Response:
        fields, files = await self._fields(request)
        self._languages(fields)
        name, data = _upload(files)
        result = await self._run(request, lambda t: self._translate_upload(t, name, data, downloads=False))
        return JSONResponse({"translatedFileUrl": self._url(request, *result["file"])})

    async def pairs(self, request: Request) -> Response:
        """The sentence pairs (the records `translate doc` writes to JSONL) of ``q`` or an uploaded
        ``file``; with ``downloads`` true, also TMX, JSONL and translated-file URLs."""
        fields, files = await self._fields(request)
        self._languages(fields, required=False)
        downloads = str(fields.get("downloads", "")).lower() in ("1", "true", "yes", "on")
        if "file" in files:
            name, data = _upload(files)
            result = await self._run(request, lambda t: self._translate_upload(t, name, data, downloads))
        else:
            texts, single = self._texts(fields)
            if not single:
                raise ApiError(400, "Invalid request: q must be one string here")
            result = await self._run(request, lambda t: self._translate_text(t, texts[0], downloads))
        answer = {key: result[key] for key in ("pairs", "meta", "translatedText") if key in result}
        if downloads:
            answer["downloads"] = {kind: self._url(request, *result[kind]) for kind in ("tmx", "jsonl", "file")}
        return JSONResponse(answer)

    async def download_file(self, request: Request) -> Response:
        found = self.downloads.get(request.path_params["token"])
        if found is None or found[1] != request.path_params["name"]:
            raise ApiError(404, "Not found (translated files are kept for a limited time)")
        path, name = found
        return FileResponse(path, filename=name, headers={"X-Content-Type-Options": "nosniff",
                                                          "Cache-Control": "private, no-store"})

    async def index(self, request: Request) -> Response:
        return self._page("index.html")

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _PAGE or name == "index.html":
            raise ApiError(404, "Not found")
        return self._page(name)

    def _page(self, name: str) -> Response:
        return Response(self.page[name], media_type=_PAGE[name], headers={
            "Content-Security-Policy": _PAGE_POLICY, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"})

    # -- documents -------------------------------------------------------------------------------

    def _translate_text(self, ticket: Ticket, text: str, downloads: bool) -> dict[str, Any]:
        s = self.settings
        result = translate_document(Document.from_text(text), ticket, options=s.options, batch_size=s.batch_size,
                                    memory=self.memory)
        pairs = [_check(pair) for pair in result]
        answer = self._answer(result, pairs, "translation.txt", downloads)
        answer["translatedText"] = _rebuild(text, pairs, [p.target for p in pairs])
        return answer

    def _translate_upload(self, ticket: Ticket, name: str, data: bytes, downloads: bool) -> dict[str, Any]:
        """Read an uploaded file with the reader its name or content calls for (in a private
        directory, removed at once), translate it, and store the translated file (and, with
        ``downloads``, its TMX and JSONL)."""
        s = self.settings
        folder = Path(tempfile.mkdtemp(dir=self.workdir / "uploads"))
        try:
            path = folder / ("input" + Path(name).suffix.lower())
            path.write_bytes(data)
            try:
                document = read_document(path)
                document.name = name
                # A page, Word file or Markdown comes back in its own format, translated whole.
                fmt = next((f for f, reader in IN_PLACE.items() if reader == document.format), "txt")
                if fmt != "txt":
                    document = whole_document(document, fmt)
                result = translate_document(document, ticket, options=s.options, batch_size=s.batch_size,
                                            memory=self.memory)
                pairs = [_check(pair) for pair in result]
            except TranslateError as exc:
                raise TranslateError(str(exc).replace(str(path), name)) from None
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        rebuild = {"document": result.document, "aligner": ticket.attention} if fmt != "txt" else {}
        return self._answer(result, pairs, name, downloads, fmt, rebuild, file=True)

    def _answer(self, result: DocumentTranslation, pairs: list[Pair], name: str, downloads: bool,
                fmt: str = "txt", rebuild: dict[str, Any] | None = None, file: bool = False) -> dict[str, Any]:
        """The pairs and, with ``file`` or ``downloads``, the translated file (``fmt``); with
        ``downloads``, its TMX and JSONL too."""
        answer: dict[str, Any] = {"pairs": [to_record(p) for p in pairs], "meta": result.meta}
        if file or downloads:
            answer["file"] = self._store(_english_name(name, fmt), fmt, result.meta, pairs, rebuild)
        if downloads:
            stem = Path(name).stem or "translation"
            answer["tmx"] = self._store(f"{stem}.tmx", "tmx", result.meta, pairs)
            answer["jsonl"] = self._store(f"{stem}.jsonl", "jsonl", result.meta, pairs)
        return answer

    def _store(self, name: str, fmt: str, meta: dict[str, Any], pairs: list[Pair],
               rebuild: dict[str, Any] | None = None) -> tuple[str, str]:
        """Write the pairs in ``fmt`` into the download area; (token, name) for the URL."""
        def write(path: Path) -> None:
            with open_writer(path, fmt, meta=meta, **(rebuild or {})) as out:
                for pair in pairs:
                    out.write(pair)

        return self.downloads.add(name, write), name

    def _url(self, request: Request, token: str, name: str) -> str:
        return str(request.url_for("download_file", token=token, name=quote(name, safe="")))


def create_app(translator, settings: Settings | None = None, memory: TranslationMemory | None = None) -> Starlette:
    """The ASGI application over ``translator`` (a loaded ``Translator``); it owns ``memory`` and
    closes it on shutdown."""
    return Server(translator, settings, memory).app


# -- helpers ---------------------------------------------------------------------------------------

async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 past ``limit`` bytes. A body announced or found too large is
    still read (and dropped) up to a bound, so that the client, still sending, gets the answer."""
    declared = request.headers.get("content-length")
    too_large = ApiError(413, f"Request body too large (limit {limit} bytes)", {"Connection": "close"})
    if declared and declared.isdigit() and int(declared) > limit:
        if int(declared) <= _DRAIN_LIMIT:
            async for _ in request.stream():
                pass
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            drained = size
            async for more in request.stream():
                drained += len(more)
                if drained > _DRAIN_LIMIT:
                    break
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


_DRAIN_LIMIT = 64 << 20


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"Invalid JSON format ({exc})") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Invalid JSON format (expected an object)")
    return data


def _multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """A multipart/form-data body (already bounded by the body limit) parsed in memory: nothing is
    spooled to a temporary file."""
    head = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n"
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ApiError(400, "Invalid request: malformed multipart body")
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, payload)
            continue
        try:
            fields[name] = payload.decode(part.get_content_charset() or "utf-8")
        except (UnicodeDecodeError, LookupError):
            raise ApiError(400, f"Invalid request: field {name} is not UTF-8") from None
    return fields, files


def _upload(files: dict[str, tuple[str, bytes]]) -> tuple[str, bytes]:
    if "file" not in files:
        raise ApiError(400, "Invalid request: missing file parameter")
    filename, data = files["file"]
    name = Path(filename.replace("\\", "/")).name.strip() or "document.txt"
    suffix = Path(name).suffix.lower()
    if suffix and suffix not in document_suffixes():
        raise ApiError(400, f"Invalid request: file format not supported ({suffix}; supported: "
                            f"{', '.join(sorted(set(document_suffixes())))})")
    if not data:
        raise ApiError(400, "Invalid request: empty file")
    return name, data


def _english_name(name: str, fmt: str = "txt") -> str:
    return f"{Path(name).stem or 'translation'}.en.{fmt}"


def _bearer(header: str) -> str | None:
    kind, _, value = header.partition(" ")
    return value.strip() or None if kind.lower() == "bearer" else None


def _int(value: Any, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or isinstance(value, (bool, float)) or not low <= number <= high:
        raise ApiError(400, f"Invalid request: {name} must be an integer from {low} to {high}")
    return number


def _check(pair: Pair) -> Pair:
    if pair.error:
        raise ApiError(500, f"Cannot translate text: the model failed on a sentence ({pair.error})")
    return pair


def _rebuild(text: str, pairs: list[Pair], targets: list[str]) -> str:
    """``text`` with each sentence replaced by its target: the whitespace between them is kept."""
    out, position = [], 0
    for pair, target in zip(pairs, targets):
        start, end = pair.source_span
        out += [text[position:start], target]
        position = end
    out.append(text[position:])
    return "".join(out)


__all__ = ["ApiError", "LOW_CONFIDENCE", "Settings", "Server", "create_app", "loopback_hosts"]
