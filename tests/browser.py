"""Headless Chromium for tests and benchmarks, driven over the DevTools protocol (CDP) on a pipe.

    with Browser() as browser:
        page = browser.open("file:///tmp/page.html")      # waits for the load event
        page.evaluate("document.title")                   # a JavaScript expression's value
        page.wait_for("document.querySelectorAll('tr').length > 2")
        page.key("j"); page.key("Enter", key_code=13, modifiers=2)   # keys (modifiers: 2 Ctrl, 8 Shift)
        page.type("نص"); page.set_file("#file", path)     # typing, choosing a file
        page.download(lambda: page.key("Enter", key_code=13))       # the file the page then saves
        page.screenshot(path)                             # PNG of the whole page
        page.requests                                     # every URL the page asked for

Why CDP on a pipe (``--remote-debugging-pipe``, the way Playwright talks to Chromium): it needs
no Python package, no driver binary that must match the browser's version (selenium and
chromium-driver), no browser download (Playwright) and no TCP port; and CDP itself shows every
network request, which the tests must check. Debian's ``/usr/bin/chromium`` (``CHROMIUM`` to
override) starts with a fresh profile in a temporary directory, and without the sandbox, GPU,
background networking, component updates, sync or first-run screens.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
         "--disable-dev-shm-usage", "--remote-debugging-pipe")


def available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium process; ``open`` gives a Page (a tab) per URL."""

    def __init__(self, width: int = 1280, height: int = 900, timeout: float = 60.0) -> None:
        self.size = (width, height)
        self.timeout = timeout
        self._next_id = 0
        self._replies: dict[int, dict] = {}
        self._events: list[dict] = []
        self._lock = threading.Condition()

    def __enter__(self) -> Browser:
        self._profile = tempfile.mkdtemp(prefix="chromium-profile-")
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        for fd in (to_browser_r, from_browser_w):
            os.set_inheritable(fd, True)

        def child_fds() -> None:  # Chromium reads commands on fd 3 and writes replies on fd 4
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        args = [CHROMIUM, *FLAGS, f"--user-data-dir={self._profile}",
                f"--window-size={self.size[0]},{self.size[1]}", "about:blank"]
        self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, preexec_fn=child_fds, close_fds=False)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._send = os.fdopen(to_browser_w, "wb", buffering=0)
        self._receive = os.fdopen(from_browser_r, "rb")
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        threading.Thread(target=self._process.stderr.read, daemon=True).start()  # keep stderr drained
        self.downloads = Path(tempfile.mkdtemp(prefix="chromium-downloads-"))
        self.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(self.downloads),
                  eventsEnabled=True)
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.call("Browser.close")
        except BrowserError:
            pass
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._send.close()
        shutil.rmtree(self._profile, ignore_errors=True)
        shutil.rmtree(self.downloads, ignore_errors=True)

    def _read(self) -> None:
        buffer = b""
        while True:
            data = self._receive.read1(1 << 16)
            if not data:
                break
            buffer += data
            *messages, buffer = buffer.split(b"\0")
            with self._lock:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._replies[message["id"]] = message
                    else:
                        self._events.append(message)
                self._lock.notify_all()
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    def call(self, method: str, session: str | None = None, **params: Any) -> dict:
        """Send one CDP command and wait for its result."""
        with self._lock:
            self._next_id += 1
            ident = self._next_id
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        try:
            self._send.write(json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            raise BrowserError(f"{method}: the browser has exited") from None
        deadline = time.monotonic() + self.timeout
        with self._lock:
            while ident not in self._replies:
                if getattr(self, "_closed", False) or not self._lock.wait(max(0.0, deadline - time.monotonic())):
                    raise BrowserError(f"{method}: no reply from the browser")
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def wait_event(self, method: str, session: str | None, since: int, timeout: float | None = None,
                   test: Callable[[dict], bool] = lambda params: True) -> dict:
        """The first event ``method`` of ``session`` (None: the browser's own) at index ``since`` or
        later in the event log whose params pass ``test``."""
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._lock:
            while True:
                for event in self._events[since:]:
                    if event["method"] == method and event.get("sessionId") == session and test(event["params"]):
                        return event
                if not self._lock.wait(max(0.0, deadline - time.monotonic())):
                    raise BrowserError(f"no {method} event within {timeout or self.timeout} s")

    def events(self, session: str, method: str) -> list[dict]:
        with self._lock:
            return [e for e in self._events if e["method"] == method and e.get("sessionId") == session]

    def open(self, url: str, *, javascript: bool = True, timeout: float | None = None) -> Page:
        """A new tab showing ``url``, returned once the page's load event has fired."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.call(f"{domain}.enable", session)
        if not javascript:
            self.call("Emulation.setScriptExecutionDisabled", session, value=True)
        page = Page(self, session)
        page.navigate(url, timeout)
        return page


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session
        self.load_seconds = 0.0

    def navigate(self, url: str, timeout: float | None = None) -> None:
        with self.browser._lock:
            since = len(self.browser._events)
        started = time.monotonic()
        reply = self.browser.call("Page.navigate", self.session, url=url)
        if reply.get("errorText"):
            raise BrowserError(f"{url}: {reply['errorText']}")
        self.browser.wait_event("Page.loadEventFired", self.session, since, timeout)
        self.load_seconds = time.monotonic() - started

    def evaluate(self, expression: str, timeout: float | None = None) -> Any:
        """The value of a JavaScript expression (promises are awaited); JS errors raise BrowserError."""
        old = self.browser.timeout
        self.browser.timeout = timeout or old
        try:
            reply = self.browser.call("Runtime.evaluate", self.session, expression=expression,
                                      returnByValue=True, awaitPromise=True)
        finally:
            self.browser.timeout = old
        if "exceptionDetails" in reply:
            details = reply["exceptionDetails"]
            raise BrowserError(f"JavaScript error: {details.get('exception', {}).get('description') or details}")
        return reply["result"].get("value")

    def key(self, key: str, *, code: str | None = None, key_code: int = 0, modifiers: int = 0) -> None:
        """Press and release one key: a printable character, or a named key ("Enter", "Tab") with
        its Windows key code; ``modifiers``: 2 Ctrl, 8 Shift."""
        text = key if len(key) == 1 else "\r" if key == "Enter" else ""
        common = {"key": key, "windowsVirtualKeyCode": key_code, "modifiers": modifiers} | (
            {"code": code} if code else {})
        self.browser.call("Input.dispatchKeyEvent", self.session, type="keyDown", text=text, **common)
        self.browser.call("Input.dispatchKeyEvent", self.session, type="keyUp", **common)

    def type(self, text: str) -> None:
        """Text typed into the focused element."""
        self.browser.call("Input.insertText", self.session, text=text)

    def wait_for(self, expression: str, timeout: float = 60.0) -> Any:
        """The first truthy value of a JavaScript expression, polled."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.05)
        raise BrowserError(f"never true within {timeout} s: {expression}")

    def set_file(self, selector: str, path: str | Path) -> None:
        """Choose ``path`` in the file input ``selector``."""
        node = self.browser.call("Runtime.evaluate", self.session,
                                 expression=f"document.querySelector({json.dumps(selector)})")
        self.browser.call("DOM.setFileInputFiles", self.session, files=[str(path)],
                          objectId=node["result"]["objectId"])

    def download(self, action: Callable[[], Any], timeout: float | None = None) -> Path:
        """Do ``action`` (a click, a key) and return the file the page then downloads."""
        with self.browser._lock:
            since = len(self.browser._events)
        action()
        done = self.browser.wait_event("Browser.downloadProgress", None, since, timeout,
                                       lambda params: params["state"] == "completed")
        begun = self.browser.wait_event("Browser.downloadWillBegin", None, since, timeout,
                                        lambda params: params["guid"] == done["params"]["guid"])
        return self.browser.downloads / begun["params"]["suggestedFilename"]

    def screenshot(self, path: str | Path, full_page: bool = True) -> Path:
        import base64

        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        data = self.browser.call("Page.captureScreenshot", self.session, **params)["data"]
        path = Path(path)
        path.write_bytes(base64.b64decode(data))
        return path

    @property
    def requests(self) -> list[str]:
        """URLs of every request the page made (navigation, subresources, fetches)."""
        return [e["params"]["request"]["url"] for e in self.browser.events(self.session, "Network.requestWillBeSent")]

    @property
    def console_errors(self) -> list[str]:
        return [" ".join(str(a.get("value", a.get("description", ""))) for a in e["params"].get("args", []))
                for e in self.browser.events(self.session, "Runtime.consoleAPICalled")
                if e["params"].get("type") == "error"] + [
            e["params"]["exceptionDetails"].get("text", "") for e in self.browser.events(self.session, "Runtime.exceptionThrown")]
