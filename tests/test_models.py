"""Installing models by URL and by path, both conversion routes, and failures that leave nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import toymodels

from translate import models
from translate.engine import DecodeOptions, Translator
from translate.errors import ModelNotFound, TranslateError
from translate.textio import sha256_file

from conftest import ROOT, SAMPLE

SENTENCES = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()][:12]


def outputs(model_dir: Path, beam: int) -> list[str]:
    translator = Translator(model_dir)
    return [t.target for t in translator.translate(SENTENCES, options=DecodeOptions(beam_size=beam, max_length=24))]


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_install_by_url_from_local_server(toy_model, http_server, tmp_path, monkeypatch):
    monkeypatch.delenv("TRANSLATE_OFFLINE")
    www, base = http_server
    (www / "release.zip").write_bytes(toy_model.zip.read_bytes())
    path = models.install("served", f"{base}/release.zip", directory=tmp_path)
    assert path == tmp_path / "served"
    assert {"model.bin", "source.spm", "target.spm", models.METADATA_FILE} <= set(os.listdir(path))
    meta = models.read_metadata(path)
    assert meta["route"] == "opus-mt"
    assert meta["sha256"] == sha256_file(toy_model.zip)
    assert leftovers(tmp_path) == ["served"]
    assert outputs(path, 1) == outputs(toy_model.ct2, 1)


def test_routes_translate_identically(toy_model, tmp_path):
    pytest.importorskip("transformers")
    hf = toymodels.write_hf_checkpoint(toy_model.release, tmp_path / "hf")
    via_hf = models.install("via-hf", hf, directory=tmp_path / "m")
    via_dir = models.install("via-dir", toy_model.release, directory=tmp_path / "m")
    assert models.read_metadata(via_hf)["route"] == "hf"
    assert models.read_metadata(via_dir)["route"] == "opus-mt"
    for beam in (1, 4):
        expected = outputs(toy_model.ct2, beam)
        assert outputs(via_hf, beam) == expected
        assert outputs(via_dir, beam) == expected
        assert any(expected)


def test_corrupt_zip_leaves_nothing(toy_model, tmp_path):
    broken = tmp_path / "broken.zip"
    broken.write_bytes(toy_model.zip.read_bytes()[: toy_model.zip.stat().st_size // 2])
    with pytest.raises(TranslateError, match="zip"):
        models.install("broken", broken, directory=tmp_path / "m")
    assert leftovers(tmp_path / "m") == []


def test_catalog_checksum_is_enforced(toy_model, tmp_path):
    with pytest.raises(TranslateError, match="does not match the catalog"):
        models.install("opus-mt-ar-en", toy_model.zip, directory=tmp_path)
    assert leftovers(tmp_path) == []


def test_no_network_is_one_clear_error(tmp_path, monkeypatch, cli):
    monkeypatch.delenv("TRANSLATE_OFFLINE")
    with pytest.raises(TranslateError, match=r"cannot download .*install it with: translate models install x "
                                             r"--from /path/to/x\.zip$"):
        models.install("x", "http://127.0.0.1:9/x.zip", directory=tmp_path)
    assert leftovers(tmp_path) == []
    # A catalog model whose download fails: the exact command for the file the catalog names.
    monkeypatch.setattr(models, "load_catalog", lambda: {"m": models.CatalogEntry(
        "m", "test", url="http://127.0.0.1:9/opus-2019-12-18.zip")})
    result = cli("models", "install", "m", "--models-dir", tmp_path)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert result.stderr.rstrip().endswith("translate models install m --from /path/to/opus-2019-12-18.zip")


def test_release_preprocess_script_is_kept_beside_the_model(toy_model, tmp_path):
    import shutil

    release = tmp_path / "release"
    shutil.copytree(toy_model.release, release)
    (release / "preprocess.sh").write_text("#!/bin/sh\n# the release's own pre-processing\n", encoding="utf-8")
    path = models.install("with-script", release, directory=tmp_path / "models")
    assert (path / "preprocess.sh").read_bytes() == (release / "preprocess.sh").read_bytes()


def test_offline_missing_model_names_the_install_command():
    with pytest.raises(ModelNotFound, match=r"translate models install opus-mt-ar-en --from /path/to/opus-2019-12-18\.zip"):
        models.resolve("opus-mt-ar-en")
    with pytest.raises(ModelNotFound, match="unknown model"):
        models.resolve("no-such-model")


def test_killed_install_leaves_no_model(toy_model, http_server, tmp_path, monkeypatch):
    monkeypatch.delenv("TRANSLATE_OFFLINE")
    www, base = http_server
    # A big file served slowly enough to kill the install mid-download.
    big = www / "big.zip"
    big.write_bytes(toy_model.zip.read_bytes() + os.urandom(200 << 20))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "translate", "models", "install", "killed", "--from",
                             f"{base}/big.zip", "--models-dir", str(tmp_path)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline and not any(tmp_path.glob(".killed.partial-*/*.zip")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not models.is_model_dir(tmp_path / "killed")
    assert models.installed_path("killed", tmp_path) is None
    # The next install clears the dead one's work directory and succeeds.
    (www / "ok.zip").write_bytes(toy_model.zip.read_bytes())
    models.install("killed", f"{base}/ok.zip", directory=tmp_path)
    assert leftovers(tmp_path) == ["killed"]


def test_cli_models_commands(cli, toy_model, tmp_path):
    result = cli("models", "install", "mine", "--from", toy_model.zip, "--models-dir", tmp_path)
    assert result.exit_code == 0, result.stderr
    result = cli("models", "path", "mine", "--models-dir", tmp_path)
    assert result.stdout.strip() == str(tmp_path / "mine")
    listing = cli("models", "list", "--models-dir", tmp_path).stdout
    assert "opus-mt-ar-en" in listing and "mine" in listing
    # Every catalog model that downloads shows where from, as the README says.
    for entry in models.load_catalog().values():
        if entry.url:
            assert f"download: {entry.url}" in listing
    assert cli("models", "remove", "mine", "--models-dir", tmp_path).exit_code == 0
    missing = cli("models", "path", "mine", "--models-dir", tmp_path)
    assert missing.exit_code != 0
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr


def test_cli_offline_text_says_how_to_install(cli):
    result = cli("text", "مرحبا بالعالم")
    assert result.exit_code == ModelNotFound.exit_code
    assert result.stderr.startswith("translate: error: model 'opus-mt-ar-en' is not installed")
    assert "translate models install opus-mt-ar-en --from" in result.stderr
    assert result.stderr.count("\n") == 1
