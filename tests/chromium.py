"""Headless Chromium driven over the DevTools protocol on a pipe, for the page tests.

Debian's /usr/bin/chromium (``CHROMIUM`` overrides it) with a fresh profile in a temporary
directory; no Python package, driver binary or TCP port needed. ``Tab`` is one page:
``evaluate`` runs JavaScript, ``press`` and ``type`` use the keyboard, ``wait_download`` waits
for a file the page downloads. (The review page's branch has its own helper, tests/browser.py;
the two can become one.)
"""

from __future__ import annotations

import fcntl
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
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--remote-debugging-pipe"]


def available() -> bool:
    return shutil.which(CHROMIUM) is not None


class Chromium:
    def __init__(self, timeout: float = 60.0):
        self.timeout = timeout
        self.downloads = Path(tempfile.mkdtemp(prefix="chromium-downloads-"))
        self._profile = tempfile.mkdtemp(prefix="chromium-profile-")
        self._id = 0
        self._replies: dict[int, dict] = {}
        self.events: list[dict] = []
        self._cond = threading.Condition()

    def __enter__(self) -> Chromium:
        commands_r, commands_w = os.pipe()
        replies_r, replies_w = os.pipe()

        def pipes() -> None:  # Chromium reads commands on fd 3 and writes replies on fd 4
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands_r, replies_w)]  # clear of 3 and 4
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        # close_fds would close 3 and 4 after ``pipes`` ran; Python's own descriptors are not
        # inheritable anyway.
        self._process = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, preexec_fn=pipes, close_fds=False)
        os.close(commands_r)
        os.close(replies_w)
        self._out = os.fdopen(commands_w, "wb", buffering=0)
        self._in = os.fdopen(replies_r, "rb")
        threading.Thread(target=self._read, daemon=True).start()
        self.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(self.downloads),
                  eventsEnabled=True)
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.call("Browser.close")
        except Exception:  # noqa: BLE001  (already gone)
            pass
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._out.close()
        shutil.rmtree(self._profile, ignore_errors=True)
        shutil.rmtree(self.downloads, ignore_errors=True)

    def _read(self) -> None:
        buffer = b""
        while chunk := self._in.read1(1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            with self._cond:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._replies[message["id"]] = message
                    else:
                        self.events.append(message)
                self._cond.notify_all()

    def call(self, method: str, session: str | None = None, **params: Any) -> dict:
        with self._cond:
            self._id += 1
            ident = self._id
        message = {"id": ident, "method": method, "params": params} | ({"sessionId": session} if session else {})
        self._out.write(json.dumps(message).encode() + b"\0")
        with self._cond:
            if not self._cond.wait_for(lambda: ident in self._replies, self.timeout):
                raise TimeoutError(f"no answer to {method}")
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str, test=lambda params: True, timeout: float | None = None,
                   session: str | None = None) -> dict:
        def found():
            return next((e["params"] for e in self.events if e["method"] == method and test(e["params"])
                         and (session is None or e.get("sessionId") == session)), None)

        with self._cond:
            if not self._cond.wait_for(lambda: found() is not None, timeout or self.timeout):
                raise TimeoutError(f"no {method} event")
            return found()

    def open(self, url: str) -> Tab:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        tab = Tab(self, session)
        tab.call("Page.enable")
        tab.call("Runtime.enable")
        tab.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired", session=session)
        return tab


class Tab:
    def __init__(self, browser: Chromium, session: str):
        self.browser = browser
        self.session = session

    def call(self, method: str, **params: Any) -> dict:
        return self.browser.call(method, self.session, **params)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.05)
        raise TimeoutError(f"never true: {expression}")

    def press(self, key: str, code: str | None = None, key_code: int = 0, modifiers: int = 0, text: str = "") -> None:
        """A key down and up (modifiers: 2 Ctrl, 8 Shift)."""
        common = {"key": key, "code": code or key, "windowsVirtualKeyCode": key_code, "modifiers": modifiers}
        self.call("Input.dispatchKeyEvent", type="keyDown", text=text, **common)
        self.call("Input.dispatchKeyEvent", type="keyUp", **common)

    def type(self, text: str) -> None:
        self.call("Input.insertText", text=text)

    def set_file(self, selector: str, path: Path) -> None:
        node = self.call("Runtime.evaluate", expression=f"document.querySelector({json.dumps(selector)})")
        self.call("DOM.setFileInputFiles", files=[str(path)], objectId=node["result"]["objectId"])

    def download(self, action: Callable[[], Any], timeout: float = 60.0) -> Path:
        """Do ``action`` (a click, a key...) and return the file the page then downloads."""
        seen = {e["params"]["guid"] for e in self.browser.events if e["method"] == "Browser.downloadProgress"}
        action()
        done = self.browser.wait_event("Browser.downloadProgress",
                                       lambda p: p["state"] == "completed" and p["guid"] not in seen, timeout)
        begun = self.browser.wait_event("Browser.downloadWillBegin", lambda p: p["guid"] == done["guid"])
        return self.browser.downloads / begun["suggestedFilename"]
