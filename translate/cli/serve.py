"""`translate serve`: the HTTP API (LibreTranslate-compatible) and the page, with uvicorn."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from translate.cli.app import command
from translate.cli.options import CacheOption, EngineArgs, NoCacheOption, engine_options
from translate.cli.progress import quiet, say
from translate.errors import TranslateError, param


def read_api_keys(path: Path) -> frozenset[str]:
    """One key per line; blank lines and lines starting with # are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TranslateError(f"{param('api_keys', path)}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    keys = frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    if not keys:
        raise TranslateError(f"{param('api_keys', path)}: no key in the file (one key per line)")
    return keys


@command()
@engine_options
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 5000,
    api_keys: Annotated[Optional[Path], typer.Option(
        "--api-keys", help="File of API keys, one per line: every API request must then carry one.")] = None,
    char_limit: Annotated[int, typer.Option(
        "--char-limit", min=0, help="Characters per request (0: no limit).")] = 50_000,
    batch_limit: Annotated[int, typer.Option(
        "--batch-limit", min=0, help="Texts in one request's q list (0: no limit).")] = 128,
    req_limit: Annotated[int, typer.Option(
        "--req-limit", min=0, help="Requests per client per minute (0: no limit).")] = 600,
    body_limit: Annotated[int, typer.Option(
        "--body-limit", min=1024, help="Request body bytes, uploaded files included.")] = 1 << 20,
    queue_limit: Annotated[int, typer.Option(
        "--queue-limit", min=1, help="Sentences waiting for the model; past it, requests get 429.")] = 1024,
    max_requests: Annotated[int, typer.Option(
        "--max-requests", min=1, help="Requests translated at once; past it, 429.")] = 128,
    batch_wait: Annotated[float, typer.Option(
        "--batch-wait", min=0.0, help="Milliseconds a sentence waits for others to share its batch.")] = 5.0,
    batch_tokens: Annotated[int, typer.Option(
        "--batch-tokens", min=1, help="Tokens gathered before a batch leaves without waiting.")] = 2048,
    file_ttl: Annotated[int, typer.Option(
        "--file-ttl", min=1, help="Seconds a translated file stays downloadable.")] = 3600,
    shutdown_timeout: Annotated[float, typer.Option(
        "--shutdown-timeout", min=0.0, help="Seconds running requests get to finish on SIGTERM.")] = 10.0,
    access_log: Annotated[bool, typer.Option(
        "--access-log", help="Log every request (its query string may hold text and API keys).")] = False,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
    *,
    engine: EngineArgs,
) -> None:
    """Serve the LibreTranslate API, sentence pairs (/v1/pairs) and a page to translate in the browser."""
    import uvicorn

    from translate.memory import open_memory
    from translate.server import Server, Settings, loopback_hosts

    keys = read_api_keys(api_keys) if api_keys else frozenset()
    settings = Settings(char_limit=char_limit, batch_limit=batch_limit, body_limit=body_limit, req_limit=req_limit,
                        api_keys=keys, max_requests=max_requests, file_ttl=float(file_ttl),
                        options=engine.decode_options(), batch_size=engine.batch_size, queue_limit=queue_limit,
                        batch_tokens=batch_tokens, batch_wait=batch_wait / 1000, allowed_hosts=loopback_hosts(host))
    memory = None if no_cache else open_memory(cache)
    translator = engine.translator()
    server = Server(translator, settings, memory)
    config = uvicorn.Config(server.app, host=host, port=port, workers=1, lifespan="on", access_log=access_log,
                            log_level="warning" if quiet() else "info", server_header=False,
                            timeout_graceful_shutdown=shutdown_timeout)
    say(f"serving {translator.model_name} ({translator.compute_type}, {translator.inter_threads}×"
        f"{translator.intra_threads} threads) on http://{_url_host(host)}:{port}/"
        + (f" with {len(keys)} API key{'s' if len(keys) != 1 else ''}" if keys else ""))
    # uvicorn handles SIGINT/SIGTERM itself (running requests get --shutdown-timeout seconds) and
    # raises the signal again once done: with these handlers that ends in exit status 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    try:
        uvicorn.Server(config).run()
    finally:
        server.close()  # also when uvicorn stopped before its own shutdown (port in use)
    if not server.batcher.idle:
        # Batches of requests abandoned at the deadline are still in the model: do not wait for them.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
