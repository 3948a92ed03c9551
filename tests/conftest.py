"""Shared fixtures: real data from ../shared/data, toy OPUS-MT releases built on the fly, a CLI runner."""

from __future__ import annotations

import functools
import http.server
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

import marian
import toymodels

from translate import models

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SAMPLE = ROOT / "corpora" / "un-news-oic.ar.txt"


def shared_file(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def assert_close_translations(got, expected, *, max_different: int = 1, score_tolerance: float = 1e-3) -> None:
    """Translations of the same sentences met in other batches (another batch size, window, order,
    thread count, CPU). CTranslate2's int8 results move in the last bits with the batch, and so,
    rarely, a word: scores agree within ``score_tolerance`` and at most ``max_different`` targets
    differ. Runs that batch alike are compared exactly instead."""
    got, expected = list(got), list(expected)
    assert len(got) == len(expected)
    different = [i for i, (a, b) in enumerate(zip(got, expected)) if a.target != b.target]
    assert len(different) <= max_different, different
    for a, b in zip(got, expected):
        if a.target == b.target and a.score is not None:
            assert abs(a.score - b.score) <= score_tolerance, (a, b)


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """No test touches the user's model directory or translation memory, and none downloads."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("TRANSLATE_MODELS_DIR", str(home / "models"))
    monkeypatch.setenv("TRANSLATE_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("TRANSLATE_OFFLINE", "1")


@dataclass
class ToyModel:
    release: Path  # Marian/OPUS-MT directory
    zip: Path
    ct2: Path  # converted through the OPUS-MT route (int8)


@pytest.fixture(scope="session")
def toy_model(tmp_path_factory) -> ToyModel:
    """A small random-weight model with real SentencePiece models, released and converted like OPUS-MT."""
    base = tmp_path_factory.mktemp("toy")
    arabic = SAMPLE.read_text(encoding="utf-8").splitlines()
    english = (ROOT / "tests" / "data" / "english.txt").read_text(encoding="utf-8").splitlines()
    release = toymodels.build_release(base / "release", arabic, english, seed=7)
    archive = marian.zip_dir(release, base / "toy-release.zip")
    ct2 = models.install("toy", archive, directory=base / "models")
    return ToyModel(release, archive, ct2)


@pytest.fixture(scope="session")
def http_server(tmp_path_factory):
    """Serve a directory on 127.0.0.1; yields (directory, base URL)."""
    root = tmp_path_factory.mktemp("www")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capfd):
    """Run `translate ...` in-process through the real entry point (error handling included)."""
    from translate.cli import main

    def run(*args: str, input: str | bytes | None = None) -> CliResult:
        import io
        import sys

        if input is not None:
            data = input.encode("utf-8") if isinstance(input, str) else input
            stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
            old, sys.stdin = sys.stdin, stdin
        capfd.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            if input is not None:
                sys.stdin = old
        out, err = capfd.readouterr()
        return CliResult(code, out, err)

    return run
