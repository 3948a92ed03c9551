"""`translate align DIR_AR DIR_EN -o OUT`: pair two folders' documents, align each pair, one corpus,
resumable after a kill. TICO-19 documents in chunks, with the published opus-mt-ar-en translations
(tiny-ar-en is too weak to pair news documents by similarity: bench/results/pairing.md)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from test_corpus import assert_same_outputs, committed
from test_pairing import collections

from conftest import ROOT
from translate.formats import read_pairs


def write_folders(base: Path) -> tuple[set, set, set]:
    """AR/, EN/ and MT/ (the translations, under the Arabic names), one sentence per line; the
    expected pairs and unpaired names."""
    mt: dict[str, list[str]] = {}
    arabic, english, expected, alone_ar, alone_en = collections(mt)
    files = [("AR", d.name, d.text) for d in arabic] + [("EN", d.name, d.text) for d in english]
    files += [("MT", name, "\n".join(lines)) for name, lines in mt.items()]
    for root, name, text in files:
        path = base / root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    return expected, alone_ar, alone_en


def command(base: Path, out: Path, *extra: str) -> list[str]:
    return ["align", str(base / "AR"), str(base / "EN"), "-o", str(out), "--presegmented",
            "--source-translation", str(base / "MT"), "--formats", "jsonl,tmx,moses,tsv", *extra]


def test_two_folders_make_one_corpus_with_the_right_pairs(cli, tmp_path):
    expected, alone_ar, alone_en = write_folders(tmp_path)
    result = cli(*command(tmp_path, tmp_path / "out", "-q"))
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert {(p["arabic"], p["english"]) for p in manifest["pairs"]} == expected
    assert {u["name"] for u in manifest["unpaired"]["arabic"]} == alone_ar
    assert {u["name"] for u in manifest["unpaired"]["english"]} == alone_en
    assert {p["how"] for p in manifest["pairs"]} == {"name", "similarity"}
    pairs = list(read_pairs(tmp_path / "out" / "corpus.jsonl"))
    rejected = (tmp_path / "out" / "rejected.jsonl").read_text(encoding="utf-8").splitlines()
    assert manifest["counts"]["kept"] == len(pairs) and manifest["counts"]["sentences"] == len(pairs) + len(rejected)
    # Each pair is an alignment link of one document pair: mostly 1-1, sources in document order.
    assert {p.doc for p in pairs} <= {a for a, _ in expected}
    assert sum(p.link == "1-1" for p in pairs) > 0.9 * len(pairs)
    assert all(p.score is None and p.confidence is not None for p in pairs)
    tmx = (tmp_path / "out" / "corpus.tmx").read_text(encoding="utf-8")
    assert '<prop type="x-origin">alignment</prop>' in tmx


def test_killed_then_resumed_gives_the_uninterrupted_corpus(tmp_path):
    write_folders(tmp_path)
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    run = lambda out: [sys.executable, "-m", "translate", *command(tmp_path, out, "-q")]  # noqa: E731
    subprocess.run(run(tmp_path / "reference"), env=env, check=True, capture_output=True, timeout=300)
    out = tmp_path / "killed"
    job = subprocess.Popen(run(out), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while committed(out) < 5 and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    job.send_signal(signal.SIGKILL)
    job.wait()
    assert 0 < committed(out) and not (out / "manifest.json").exists()
    resumed = subprocess.run(run(out), env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert_same_outputs(tmp_path / "reference", out)  # alignment of given translations: identical by design



def test_the_model_translates_the_arabic_folder_once(cli, tmp_path):
    for root, docs in (("AR", {"a.ar.txt": "أين محطة القطار؟ شكرا.", "b.ar.txt": "الجو بارد اليوم."}),
                       ("EN", {"a.en.txt": "Where is the station? Thanks.", "b.en.txt": "It is cold today."})):
        (tmp_path / root).mkdir()
        for name, text in docs.items():
            (tmp_path / root / name).write_text(text + "\n", encoding="utf-8")
    args = ("align", tmp_path / "AR", tmp_path / "EN", "-o", tmp_path / "out", "-m", "tiny-ar-en", "--beam-size",
            "1", "--cache", tmp_path / "m.sqlite", "--formats", "jsonl", "--skip-filter", "ratio")
    first = cli(*args)
    assert first.exit_code == 0, first.stderr
    assert "2 document pairs, 0 Arabic and 0 English documents unpaired" in first.stderr
    records = [p.link for p in read_pairs(tmp_path / "out" / "corpus.jsonl")]
    assert records == ["1-1", "1-1", "1-1"]
    again = cli(*args)  # nothing changed: the job state answers, the model translates nothing
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert again.exit_code == 0 and manifest["counts"]["translated"] == 0
