"""Documents from http(s) URLs, fetched with urllib3 (already installed with trafilatura).

Bounded on every side: a timeout for connecting and for each read (``TRANSLATE_HTTP_TIMEOUT``,
default 30 s) and for the whole download (four times that), at most ``MAX_REDIRECTS`` redirects,
the size limit of documents (``size_limit()``, checked on Content-Length and while reading,
compressed or not), and only pages and documents: a Content-Type of an image, a video or an
archive is refused before its body is read. Each failure is one line naming the URL.
"""

from __future__ import annotations

import io
import os
import time
from typing import Any

from translate.errors import TranslateError
from translate.readers import Document, reader_for, size_limit

MAX_REDIRECTS = 5
DEFAULT_TIMEOUT = 30.0
_TYPES = {
    "text/html": "html", "application/xhtml+xml": "html", "text/markdown": "markdown", "text/x-markdown": "markdown",
    "text/plain": "text",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
_UNTYPED = ("", "application/octet-stream", "binary/octet-stream")


def timeout() -> float:
    try:
        return float(os.environ.get("TRANSLATE_HTTP_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


def fetch(url: str) -> tuple[bytes, str, str | None, str]:
    """The body of ``url``, its reader's name (from the Content-Type, else the URL, else its first
    bytes), its charset, and the final URL after redirects."""
    import urllib3

    seconds = timeout()
    pool = urllib3.PoolManager(timeout=urllib3.Timeout(connect=seconds, read=seconds),
                               retries=urllib3.Retry(total=None, connect=0, read=0, status=0, other=0,
                                                     redirect=MAX_REDIRECTS, raise_on_redirect=True))
    import translate

    headers = {"User-Agent": f"translate-ar-en/{translate.__version__}",
               "Accept": "text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.8,*/*;q=0.5"}
    try:
        response = pool.request("GET", url, headers=headers, preload_content=False, redirect=True)
    except urllib3.exceptions.MaxRetryError as exc:
        raise TranslateError(f"{url}: {_reason(exc.reason)}") from None
    except urllib3.exceptions.HTTPError as exc:
        raise TranslateError(f"{url}: {_reason(exc)}") from None
    try:
        return _body(url, response, seconds)
    finally:
        response.release_conn()


def _body(url: str, response: Any, seconds: float) -> tuple[bytes, str, str | None, str]:
    import urllib3

    if response.status >= 400:
        raise TranslateError(f"{url}: HTTP {response.status} {response.reason or ''}".rstrip())
    content_type = response.headers.get("Content-Type", "")
    media = content_type.split(";")[0].strip().lower()
    charset = None
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    kind = _TYPES.get(media)
    if kind is None and media not in _UNTYPED:
        raise TranslateError(f"{url}: not a web page or document (Content-Type {media})")
    limit = size_limit()
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TranslateError(f"{url}: {int(declared) / 2**20:.1f} MB, larger than the {limit / 2**20:g} MB "
                             "limit for documents (set TRANSLATE_MAX_INPUT_MB to change it)")
    deadline = time.monotonic() + 4 * seconds
    chunks, size = [], 0
    try:
        while chunk := response.read(1 << 16):
            size += len(chunk)
            if size > limit:
                raise TranslateError(f"{url}: larger than the {limit / 2**20:g} MB limit for documents "
                                     "(set TRANSLATE_MAX_INPUT_MB to change it)")
            if time.monotonic() > deadline:
                raise TranslateError(f"{url}: download took longer than {4 * seconds:g} s; stopped")
            chunks.append(chunk)
    except urllib3.exceptions.HTTPError as exc:
        raise TranslateError(f"{url}: {_reason(exc)}") from None
    data = b"".join(chunks)
    final = response.geturl() or url
    path = final.split("?")[0].split("#")[0].lower()
    if kind == "text" and path.endswith((".md", ".markdown")):
        kind = "markdown"
    elif kind is None:  # untyped: by the name, else by the first bytes
        kind = reader_for(path, data[:512]).name
        if kind == "text" and not path.endswith(".txt"):
            raise TranslateError(f"{url}: not a web page or document (Content-Type {media or 'missing'}, "
                                 "and the content is not recognised)")
    return data, kind, charset, final


def _reason(error: Any) -> str:
    import urllib3

    name = type(error).__name__
    if isinstance(error, urllib3.exceptions.ResponseError) or "redirect" in str(error).lower():
        return f"too many redirects (more than {MAX_REDIRECTS})"
    # NameResolutionError < NewConnectionError < ConnectTimeoutError: the most specific first.
    if isinstance(error, urllib3.exceptions.NameResolutionError):
        return "unknown host"
    if isinstance(error, urllib3.exceptions.NewConnectionError):
        return "cannot connect (" + str(error).split(": ", 1)[-1] + ")"
    if isinstance(error, (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.ConnectTimeoutError)):
        return f"timed out after {timeout():g} s"
    if isinstance(error, urllib3.exceptions.SSLError):
        return f"TLS error ({error})"
    return f"cannot download ({name}: {error})"


def read_url(url: str, *, input_format: str | None = None, encoding: str | None = None) -> Document:
    """Fetch ``url`` and read it with the reader its type asks for (``input_format`` overrides)."""
    data, kind, charset, final = fetch(url)
    reader = reader_for(url, b"", input_format or kind)
    if reader.name == "html":
        from translate.readers import html

        document = html.from_text(html.decode(data, url, encoding or charset), url, url=final)
    else:
        document = reader.read(io.BufferedReader(io.BytesIO(data)), url, encoding or charset)
    document.name = url
    document.meta.setdefault("url", final)
    return document
