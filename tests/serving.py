"""Test helpers for the server: a real `translate serve` process on 127.0.0.1, and engines that
wrap the real Translator to hold or break its batches (they never make up a translation)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Served:
    process: subprocess.Popen
    url: str
    log: str

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def output(self) -> str:
        with open(self.log, encoding="utf-8", errors="replace") as handle:
            return handle.read()


def serve(*args: str, log_dir, env: dict | None = None, timeout: float = 60.0) -> Served:
    """Start `translate serve ARGS` on a free port of 127.0.0.1 and wait until /health answers."""
    port = free_port()
    log = str(log_dir / f"serve-{port}.log")
    environment = dict(os.environ, **(env or {}))
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "translate", "serve", "--port", str(port), *args],
                                   stdout=out, stderr=subprocess.STDOUT, env=environment)
    served = Served(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"translate serve exited with {process.returncode}:\n{served.output()}")
        try:
            if httpx.get(served.url + "/health", timeout=2).status_code == 200:
                return served
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    served.stop(signal.SIGKILL)
    raise RuntimeError(f"translate serve did not start:\n{served.output()}")


class GatedEngine:
    """The real translator, whose batches wait until ``gate`` is set; counts what it was sent."""

    def __init__(self, translator, fail: bool = False):
        self.translator = translator
        self.gate = threading.Event()
        self.started = threading.Event()  # a batch reached the engine
        self.fail = fail
        self.sent: list[list[str]] = []
        self.inter_threads = 1
        self.model_name, self.model_id, self.compute_type = (translator.model_name, translator.model_id,
                                                             translator.compute_type)
        self.tokenize = translator.tokenize

    def translate(self, sentences, **kwargs):
        sentences = list(sentences)
        self.sent.append(sentences)
        self.started.set()
        self.gate.wait(60)
        if self.fail:
            raise RuntimeError("the engine broke")
        return self.translator.translate(sentences, **kwargs)
