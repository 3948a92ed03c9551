"""Documents from URLs: a server on 127.0.0.1 that misbehaves in every way the fetcher must bound.
Each failure is one line naming the URL, in seconds, with nothing written."""

from __future__ import annotations

import http.server
import threading
import time

import pytest

from conftest import ROOT

PAGE = (ROOT / "tests" / "data" / "documents" / "news_ar.html").read_bytes()
NOTES = (ROOT / "tests" / "data" / "documents" / "notes_ar.md").read_bytes()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: bytes, content_type: str | None, length: int | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):  # noqa: N802
        path = self.path
        if path == "/news":
            self._send(200, PAGE, "text/html; charset=utf-8", len(PAGE))
        elif path == "/notes.md":
            self._send(200, NOTES, "text/plain; charset=utf-8", len(NOTES))
        elif path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", f"/loop{len(path)}")
            self.end_headers()
        elif path == "/slow":
            time.sleep(8)
            self._send(200, PAGE, "text/html", len(PAGE))
        elif path == "/image":
            self._send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 1000, "image/png", 1008)
        elif path == "/untyped-binary":
            self._send(200, b"\x00\x01\x02" * 1000, None, 3000)
        elif path == "/big-declared":
            self._send(200, b"<html>", "text/html", 50 * 2**20)
        elif path == "/big-streamed":  # no Content-Length: the limit is found while reading
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(40):
                    self.wfile.write(b"<p>" + "مرحبا ".encode() * 10000 + b"</p>\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
        else:
            self._send(404, b"not found", "text/plain", 9)


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_markdown_by_url_is_read_as_markdown(cli, server):
    result = cli("segment", f"{server}/notes.md")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ملاحظات\n") and "```" not in result.stdout and "print" not in result.stdout


@pytest.mark.parametrize("path, message", [
    ("/missing", "HTTP 404"),
    ("/loop", "too many redirects (more than 5)"),
    ("/slow", "timed out after 1 s"),
    ("/image", "not a web page or document (Content-Type image/png)"),
    ("/untyped-binary", "not a web page or document"),
    ("/big-declared", "larger than the 1 MB limit"),
    ("/big-streamed", "larger than the 1 MB limit"),
])
def test_bad_urls_end_in_one_line(cli, toy_model, server, tmp_path, monkeypatch, path, message):
    monkeypatch.setenv("TRANSLATE_HTTP_TIMEOUT", "1")
    monkeypatch.setenv("TRANSLATE_MAX_INPUT_MB", "1")
    url = f"{server}{path}"
    out = tmp_path / "out.html"
    result = cli("doc", url, "-o", out, "--model", toy_model.ct2, "--max-length", "2", "--quiet", "--no-cache")
    assert result.exit_code != 0
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"translate: error: {url}: ") and message in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_closed_port_is_one_line(cli):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = cli("segment", f"http://127.0.0.1:{port}/page.html")
    assert result.exit_code != 0 and result.stderr.count("\n") == 1
    assert "cannot connect" in result.stderr
