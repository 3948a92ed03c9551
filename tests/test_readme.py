"""Every command the README prints in a console block runs as printed and succeeds."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, SHARED

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = [line[2:] for block in re.findall(r"```console\n(.*?)```", README, re.S)
            for line in block.splitlines() if line.startswith("$ ")]
PYTHON = re.findall(r"```python\n(.*?)```", README, re.S)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A checkout-like layout: corpora/ here and the shared data in ../shared."""
    if shutil.which("translate") is None:
        pytest.skip("the package is not installed (no `translate` on PATH)")
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not available")
    base = tmp_path_factory.mktemp("readme")
    (base / "shared").symlink_to(SHARED.parent)
    work = base / "work"
    work.mkdir()
    (work / "corpora").symlink_to(ROOT / "corpora")
    return work


def test_readme_has_examples():
    assert len(COMMANDS) >= 10 and all(c.startswith(("translate ", "echo ")) for c in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_console_example_runs(workdir, command):
    env = {k: v for k, v in os.environ.items() if k != "TRANSLATE_OFFLINE"}
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() or "-o " in command, "the example printed nothing"
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("code", PYTHON)
def test_python_example_runs(workdir, code):
    proc = subprocess.run([sys.executable, "-c", code], cwd=workdir, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
