"""`translate corpus`: outputs and manifest, resume after SIGKILL, Ctrl-C, shared memory, Ray."""

from __future__ import annotations

import collections
import contextlib
import csv
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from translate.corpus import JobState, collect_inputs
from translate.errors import TranslateError
from translate.formats import read_pairs
from translate.memory import TranslationMemory

from conftest import ROOT, shared_file

BOILERPLATE = ["حقوق النشر محفوظة لمنظمة الصحة العالمية.", "للمزيد من المعلومات، يرجى زيارة الموقع الرسمي."]
FAST = ["--beam-size", "2", "--max-length", "8"]
# Deterministic outputs of a run (the TMX differs in its creation date only, compared apart).
EXACT = ["corpus.jsonl", "corpus.ar", "corpus.en", "corpus.tsv", "rejected.jsonl"]


def tico_corpus(root: Path, lines_per_doc: int | None = None) -> Path:
    """The TICO-19 test documents as files in sub-folders, each with repeated boilerplate lines."""
    src = shared_file("tico19-test", "src.ar").read_text(encoding="utf-8").splitlines()
    with shared_file("tico19-test", "doc_ids.tsv").open(encoding="utf-8") as handle:
        ids = [row["docid"] for row in csv.DictReader(handle, delimiter="\t")]
    docs = collections.defaultdict(list)
    for doc, line in zip(ids, src):
        docs[doc].append(line)
    for doc, lines in docs.items():
        path = root / doc.split("_")[0] / f"{doc}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = lines[:lines_per_doc]
        path.write_text("\n\n".join([BOILERPLATE[0], *body, *BOILERPLATE]) + "\n", encoding="utf-8")
    return root


def job_command(inputs, out, model, *extra) -> list[str]:
    return [sys.executable, "-m", "translate", "corpus", *map(str, inputs), "-o", str(out), "-m", str(model),
            *FAST, "-q", *map(str, extra)]


def run_job(*args, **kwargs) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    result = subprocess.run(job_command(*args, **kwargs), env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result


def assert_same_outputs(a: Path, b: Path) -> None:
    """Byte for byte: for runs that batch every sentence alike (resume after a kill, Ray vs local)."""
    for name in EXACT:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    dated = [[line for line in (d / "corpus.tmx").read_text(encoding="utf-8").splitlines()
              if "creationdate=" not in line] for d in (a, b)]
    assert dated[0] == dated[1]


def assert_close_outputs(a: Path, b: Path, tolerance: float = 0.02) -> None:
    """Within a tolerance: for runs that batch some sentences differently (a rerun that translates
    one changed document, jobs sharing a memory). int8 results move in the last bits with the batch,
    so scores agree to 1e-3 and, rarely, a greedy step flips and a target differs (at most 2%)."""
    def records(out: Path) -> dict:
        return {(r["doc"], r["paragraph"], r["sentence"]): r for name in ("corpus.jsonl", "rejected.jsonl")
                for r in map(json.loads, (out / name).read_text(encoding="utf-8").splitlines())}
    left, right = records(a), records(b)
    assert left.keys() == right.keys()
    assert all(left[k]["source"] == right[k]["source"] for k in left)
    same = [k for k in left if left[k]["target"] == right[k]["target"]]
    assert len(left) - len(same) <= tolerance * len(left), len(left) - len(same)
    for k in same:
        if left[k]["score"] is not None:
            assert abs(left[k]["score"] - right[k]["score"]) <= 1e-3, k


def test_corpus_outputs_manifest_and_skipped_files(tmp_path, toy_model, cli):
    inputs = tico_corpus(tmp_path / "in", lines_per_doc=8)
    (inputs / "notes.md").write_text("# ملاحظات\n\nهذه ملاحظة قصيرة عن الوثائق.\n", encoding="utf-8")
    (inputs / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (inputs / "broken.txt").write_bytes("نص عربي ".encode() + b"\xff")
    out = tmp_path / "in" / "out"  # inside the input: must not be read back as input on a rerun
    result = cli("corpus", inputs, "-o", out, "-m", toy_model.ct2, *FAST, "--cache", tmp_path / "m.sqlite",
                 "--skip-filter", "score,ratio")
    assert result.exit_code == 0, result.stderr
    assert "skipped" in result.stderr and "scan.png" in result.stderr and "broken.txt" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    docs = [entry["doc"] for entry in manifest["inputs"]]
    assert docs == sorted(docs) and "CMU/CMU_1.txt" in docs and "notes.md" in docs and len(docs) == 20
    assert {Path(s["path"]).name for s in manifest["skipped"]} == {"scan.png", "broken.txt"}
    assert "not valid UTF-8" in next(s["reason"] for s in manifest["skipped"] if s["path"].endswith("broken.txt"))
    entry = next(e for e in manifest["inputs"] if e["doc"] == "notes.md")
    assert entry["sha256"] == __import__("hashlib").sha256((inputs / "notes.md").read_bytes()).hexdigest()
    counts = manifest["counts"]
    pairs = list(read_pairs(out / "corpus.jsonl"))
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]
    assert counts["sentences"] == len(pairs) + len(rejected) == sum(e["sentences"] for e in manifest["inputs"])
    assert counts["kept"] == len(pairs)
    assert counts["rejected"] == {reason: sum(r["reason"] == reason for r in rejected)
                                  for reason in ("failed", "empty", "arabic", "identical", "repetition", "duplicate")}
    # The boilerplate appears 3 times in each of 19 documents: translated once, served 56 times.
    assert counts["translated"] == counts["unique_sentences"] == counts["this_run"]["translated"]
    assert counts["repeats"] == counts["sentences"] - counts["unique_sentences"] and counts["memory_hits"] == 0
    assert counts["unique_sentences"] <= counts["sentences"] - 3 * 19 + 2
    # Every output holds the same kept pairs, in document order.
    assert [(p.source, p.target) for p in read_pairs(out / "corpus", "moses")] == [(p.source, p.target) for p in pairs]
    assert [(p.source, p.target) for p in read_pairs(out / "corpus.tmx")] == [(p.source, p.target) for p in pairs]
    assert [p.doc for p in pairs] == sorted(p.doc for p in pairs)
    assert len({(p.source, p.target) for p in pairs}) == len(pairs)  # duplicates kept once
    assert sorted(os.listdir(out)) == [".state", "corpus.ar", "corpus.en", "corpus.jsonl", "corpus.tmx",
                                       "corpus.tsv", "manifest.json", "rejected.jsonl"]

    # A rerun finds every document done; a changed document (by hash) is redone, the rest kept.
    with (inputs / "CMU" / "CMU_1.txt").open("a", encoding="utf-8") as handle:
        handle.write("\nجملة جديدة أضيفت إلى الوثيقة بعد التشغيل الأول.\n")
    again = cli("corpus", inputs, "-o", out, "-m", toy_model.ct2, *FAST, "--cache", tmp_path / "m.sqlite",
                "--skip-filter", "score,ratio")
    assert again.exit_code == 0, again.stderr
    rerun = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["counts"]
    assert rerun["resumed_documents"] == 19 and rerun["this_run"]["translated"] == 1
    # Totals are the whole job's, across runs: the first run's translations plus the new sentence.
    assert rerun["translated"] == counts["translated"] + 1
    assert rerun["this_run"]["memory_hits"] == rerun["this_run"]["sentences"] - 1
    fresh = cli("corpus", inputs, "-o", tmp_path / "fresh", "-m", toy_model.ct2, *FAST, "--no-cache",
                "--skip-filter", "score,ratio")
    assert fresh.exit_code == 0, fresh.stderr
    assert "from the translation memory" not in fresh.stderr
    # The rerun translated the changed document's new sentence in a batch of its own.
    assert_close_outputs(out, tmp_path / "fresh")


def test_filters_are_counted_and_switch_off(tmp_path, toy_model, cli):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text("Hello world, this line is English.\n\nالسلام عليكم.\n\nالسلام عليكم.\n\n\u200f\n",
                                  encoding="utf-8")
    common = ["-m", toy_model.ct2, *FAST, "--formats", "jsonl"]
    some = cli("corpus", inputs, "-o", tmp_path / "all", *common, "--skip-filter", "score,ratio,repetition")
    assert some.exit_code == 0, some.stderr
    counts = json.loads((tmp_path / "all" / "manifest.json").read_text(encoding="utf-8"))["counts"]
    assert counts["rejected"]["arabic"] == 1 and counts["rejected"]["duplicate"] == 1
    assert "score" not in counts["rejected"]
    off = ["--skip-filter", "score,ratio,repetition,arabic,duplicate,empty,identical"]
    assert cli("corpus", inputs, "-o", tmp_path / "none", *common, *off).exit_code == 0
    manifest = json.loads((tmp_path / "none" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["kept"] == manifest["counts"]["sentences"]
    assert manifest["filters"]["enabled"] == ["failed"]  # never switched off: such a pair has no translation
    bad = cli("corpus", inputs, "-o", tmp_path / "x", *common, "--skip-filter", "spelling")
    assert bad.exit_code != 0 and "spelling" in bad.stderr and "Traceback" not in bad.stderr


def committed(out: Path) -> int:
    """Documents the job state holds (read without taking the job's lock)."""
    path = out / ".state" / "job.sqlite"
    if not path.exists():
        return 0
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
        except sqlite3.OperationalError:  # tables not created yet
            return 0


def test_sigkill_at_random_points_then_resume_gives_identical_output(tmp_path, toy_model):
    inputs = tico_corpus(tmp_path / "in", lines_per_doc=60)
    run_job([inputs], tmp_path / "reference", toy_model.ct2, "--no-cache")
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    out = tmp_path / "killed"
    command = job_command([inputs], out, toy_model.ct2, "--cache", tmp_path / "m.sqlite")
    rng = random.Random(8)
    # One kill at a random moment of start-up, then three at random points of the translation:
    # after a random number of committed documents plus a random delay.
    plan = [(0, rng.uniform(0.1, 0.8))] + [(n, rng.uniform(0, 0.1)) for n in sorted(rng.sample(range(1, 15), 3))]
    progress = []
    for documents, delay in plan:
        job = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while committed(out) < documents and job.poll() is None:
            time.sleep(0.01)
        time.sleep(delay)
        job.send_signal(signal.SIGKILL)
        job.wait()
        progress.append(committed(out))
        assert not (out / "corpus.jsonl").exists()
    run_job([inputs], out, toy_model.ct2, "--cache", tmp_path / "m.sqlite")
    assert progress == sorted(progress) and progress[-1] < 19  # committed documents are never lost
    assert_same_outputs(tmp_path / "reference", out)
    assert not list(out.glob(".*.part"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["resumed_documents"] == progress[-1]
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        assert len(memory) == manifest["counts"]["unique_sentences"]


def sigint_default() -> None:
    """A job started from a background shell inherits SIGINT ignored: give it back its default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_promptly_without_partial_output_and_resumes(tmp_path, toy_model):
    inputs = tico_corpus(tmp_path / "in", lines_per_doc=60)
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    out = tmp_path / "out"
    job = subprocess.Popen(job_command([inputs], out, toy_model.ct2, "--no-cache"), env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           preexec_fn=sigint_default)
    while committed(out) < 3 and job.poll() is None:
        time.sleep(0.01)
    job.send_signal(signal.SIGINT)
    _, stderr = job.communicate(timeout=10)
    assert job.returncode == 130 and "resume" in stderr and "Traceback" not in stderr
    assert [p.name for p in out.iterdir()] == [".state"]  # no output, complete or partial
    run_job([inputs], out, toy_model.ct2, "--no-cache")
    run_job([inputs], tmp_path / "reference", toy_model.ct2, "--no-cache")
    assert_same_outputs(tmp_path / "reference", out)


def test_two_jobs_share_one_memory_at_the_same_time(tmp_path, toy_model):
    inputs = tico_corpus(tmp_path / "in", lines_per_doc=40)
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    cache = tmp_path / "m.sqlite"
    # Overlapping inputs: both jobs translate and store the shared documents at once.
    jobs = [subprocess.Popen(job_command([inputs / part, inputs / "wiki"], tmp_path / part, toy_model.ct2,
                                         "--cache", cache), env=env, stderr=subprocess.PIPE, text=True)
            for part in ("PubMed", "Wikipedia")]
    assert [job.wait(timeout=300) for job in jobs] == [0, 0], [job.stderr.read() for job in jobs]
    for part in ("PubMed", "Wikipedia"):
        run_job([inputs / part, inputs / "wiki"], tmp_path / f"{part}-alone", toy_model.ct2, "--no-cache")
        # Some sentences came from the other job's batches: equal within the tolerance only.
        assert_close_outputs(tmp_path / part, tmp_path / f"{part}-alone")
    db = sqlite3.connect(cache)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    unique = {prepare for part in ("PubMed", "Wikipedia")
              for prepare in _normalised_sources(tmp_path / part)}
    assert db.execute("SELECT COUNT(*) FROM translations").fetchone()[0] == len(unique)


def _normalised_sources(out: Path) -> set[str]:
    from translate.normalize import prepare_source

    records = [json.loads(line) for name in ("corpus.jsonl", "rejected.jsonl")
               for line in (out / name).read_text(encoding="utf-8").splitlines()]
    return {prepare_source(r["source"]) for r in records} - {""}


def test_one_job_per_output_directory_and_input_rules(tmp_path):
    with JobState(tmp_path / ".state"):
        with pytest.raises(TranslateError, match="another corpus job is writing here"):
            JobState(tmp_path / ".state")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "x.txt").write_text("نص", encoding="utf-8")
    with pytest.raises(TranslateError, match="document id 'x.txt'"):
        collect_inputs([tmp_path / "a", tmp_path / "b"], tmp_path / "out")
    with pytest.raises(TranslateError, match="missing: no such file or directory"):
        collect_inputs([tmp_path / "missing"], tmp_path / "out")


def test_ray_engine_gives_the_local_output(tmp_path, toy_model):
    pytest.importorskip("ray")
    inputs = tico_corpus(tmp_path / "in", lines_per_doc=30)
    run_job([inputs], tmp_path / "local", toy_model.ct2, "--no-cache")
    run_job([inputs], tmp_path / "ray", toy_model.ct2, "--no-cache", "--engine", "ray", "--ray-cpus-per-worker", "1")
    assert_same_outputs(tmp_path / "local", tmp_path / "ray")
    manifest = json.loads((tmp_path / "ray" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["translated"] == manifest["counts"]["unique_sentences"]
    assert manifest["engine"] == "RayTranslator"
