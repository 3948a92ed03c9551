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


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_gpu_script_runs_on_the_cpu(smoke, tmp_path):
    # The GPU table cannot be made here; the script's every path but the CUDA device runs on the CPU.
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu.py"), "--smoke", "--device", "cpu", "--out",
                           str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "gpu.json").read_text(encoding="utf-8"))
    baseline = [r for r in results["rows"] if r.get("baseline")]
    assert {r["beam"] for r in baseline} == {1, 4} and all(r["vs_cpu"] == 1 for r in baseline)
    assert set(results["saturating_batch_tokens"]) == {"int8 beam 1", "int8 beam 4"}
    assert all(r["tokens_per_s"] > 0 for r in results["rows"])
    assert "python bench/gpu.py" in (tmp_path / "gpu.md").read_text(encoding="utf-8")


def test_profile_groups_perf_samples_by_kind_of_work():
    report = """# comment
     8.24%  libc.so.6                                       [.] __memmove_avx512_unaligned_erms
     6.31%  libctranslate2-a7a60d30.so.4.8.5                [.] ctranslate2::cpu::softmax<(ctranslate2::cpu::CpuIsa)2>(float const*)
     5.93%  libctranslate2-a7a60d30.so.4.8.5                [.] ctranslate2::cpu::dequantize_gemm_output<(ctranslate2::cpu::CpuIsa)2>
     5.62%  libctranslate2-a7a60d30.so.4.8.5                [.] ctranslate2::ops::TopK::compute<(ctranslate2::Device)0, float, int>
     2.44%  [kernel.kallsyms]                               [k] _raw_spin_unlock_irqrestore
     2.31%  [JIT] tid 9652                                  [.] 0x00007f821788b05e
     1.12%  libctranslate2-a7a60d30.so.4.8.5                [.] dnnl::impl::cpu::x64::gemm_kernel<signed char, unsigned char, int>
     1.19%  libctranslate2-a7a60d30.so.4.8.5                [.] ctranslate2::cpu::add<(ctranslate2::cpu::CpuIsa)2, float>
     0.31%  libpython3.11.so.1.0                            [.] gc_collect_main
"""
    shares = load_script("perf_profile").shares_of(report)
    total = 8.24 + 6.31 + 5.93 + 5.62 + 2.44 + 2.31 + 1.12 + 1.19 + 0.31
    expected = {"GEMM": 2.31 + 1.12, "int8 (de)quantisation": 5.93, "softmax, top-k, beam search": 6.31 + 5.62,
                "memory copies": 8.24, "kernel": 2.44, "other CTranslate2 ops": 1.19, "rest": 0.31}
    assert shares == pytest.approx({k: 100 * v / total for k, v in expected.items()})
