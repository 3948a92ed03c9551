"""bench/run.py --smoke: the speed benchmark runs end to end and its JSON is complete. No timings
are asserted here; the numbers live in bench/results (python bench/run.py)."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys

import pytest

from conftest import ROOT, shared_file


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> dict:
    shared_file("tico19-test", "src.ar")
    shared_file("un-v1.0-testset", "src.ar")
    pytest.importorskip("transformers")
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--no-argos", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "speed.md").read_text(encoding="utf-8").startswith("# Speed")
    return json.loads((out / "speed.json").read_text(encoding="utf-8"))


def test_every_contender_is_accounted_for(smoke):
    # bench/ is scripts, not an installed package: load run.py from its path (it adds the repo root
    # to sys.path itself, for its own imports).
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    run = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = run  # its dataclasses look their module up there
    spec.loader.exec_module(run)

    assert set(smoke["contenders"]) == set(run.CONTENDERS)
    assert smoke["contenders"]["argos translate"].startswith("skipped")
    ran = {c for c, status in smoke["contenders"].items() if status == "ran"}
    assert ran == set(run.CONTENDERS) - {"argos translate"}
    assert ran == {row["contender"] for row in smoke["summary"]}
    for contender in ran:
        beams = {row["beam"] for row in smoke["summary"] if row["contender"] == contender}
        assert beams == {1, 4}, contender


def test_rows_have_sane_fields(smoke):
    fixed = smoke["workload"]["fixed_length"]
    for row in smoke["summary"]:
        assert row["sentences"] > 0 and row["target_tokens"] == row["sentences"] * fixed, row
        for key in ("seconds", "tokens_per_s", "sentences_per_s", "wall_s"):
            assert row[key] > 0 and math.isfinite(row[key]), (key, row)
        assert 10 < row["peak_rss_mb"] < 20_000, row
        ours = row["ours_vs_this"]
        assert row["workload"] == "startup" or (ours > 0 and math.isfinite(ours)), row


def test_raw_ctranslate2_generated_exactly_the_fixed_length(smoke):
    # The benchmark's premise: EOS is unreachable, so every contender does the same decoding work.
    fixed = smoke["workload"]["fixed_length"]
    raw = [run for job in smoke["jobs"] if job["contender"].startswith("ctranslate2") for run in job["runs"]]
    assert raw and all(run["min_target_length"] == run["max_target_length"] == fixed for run in raw)


def test_goals_and_bound_are_computed(smoke):
    goals = smoke["goals"]
    assert set(goals["vs_raw_ct2"]) == {"1", "4"}
    assert goals["vs_hf_beam4"]["doc_end_to_end_vs_hf_generate"] > 0
    assert set(goals["linear"]) == {str(s) for s in smoke["plan"]["scales"]}
    bound = goals["physical_bound"]
    assert bound["flops"]["per_target_token_per_hypothesis"] > bound["flops"]["per_source_token"] > 0
    for beam in ("1", "4"):
        assert 0 < bound["by_beam"][beam]["fraction_of_peak"]["int8 AVX-512 VNNI"] < 1
