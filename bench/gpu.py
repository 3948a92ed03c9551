"""GPU speed: tokens/s of our Translator at beams 1 and 4 on the real-shape model, GPU against this
machine's CPU, and the batch size (tokens) that saturates the GPU.

    python bench/gpu.py [--out bench/results] [--smoke] [--device cuda]

Prepared for a machine with a CUDA GPU and a CUDA build of CTranslate2 (the PyPI wheels are one);
``--device cpu`` runs the same code paths on the CPU only (what tests/test_bench.py checks). The model
is bench/build.py's random-weight model of the opus-mt-ar-en shape when ../shared/data is there (the
same model as the CPU tables), else the same shape built from the project's own texts (corpora/,
tests/data): its SentencePiece models are small, so sources are longer in tokens, which only adds
encoder work. EOS is pinned: every sentence generates exactly FIXED_LENGTH tokens. One process,
each configuration loaded once and warmed up on a first batch before it is timed. Writes gpu.json
and gpu.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import build  # noqa: E402  (also puts the test-only model writers, tests/, on the path)
import marian  # noqa: E402

from translate import models  # noqa: E402
from translate.engine import DecodeOptions, Translator  # noqa: E402

FIXED_LENGTH = 28
GPU_SENTENCES = 2048  # enough to fill the largest batches
CPU_SENTENCES = 192
BATCHES = (1024, 4096, 16384, 65536)
GPU_COMPUTE_TYPES = ("int8_float16", "float16")
SATURATED = 0.95  # the smallest batch reaching this share of the best tokens/s


def model_and_sentences(smoke: bool, log) -> tuple[Path, list[str]]:
    plan = build.SMOKE if smoke else build.FULL
    if (build.DATA / "tico19-test" / "src.ar").is_file():
        work = build.build(plan, None, log)
        return Path(work.model), Path(work.sentences).read_text(encoding="utf-8").splitlines()
    # No shared data (the GPU machine): the same shape from the project's own texts.
    base = build.BUILD / f"gpu-{plan.name}"
    arabic = [line for line in (ROOT / "corpora" / "un-news-oic.ar.txt").read_text(encoding="utf-8").splitlines()
              if line.strip()]
    english = (ROOT / "tests" / "data" / "english.txt").read_text(encoding="utf-8").splitlines()
    model = base / "models" / "real-shape"
    if not models.is_model_dir(model):
        log(f"building the {plan.name} model from the project's own texts ...")
        release = build.build_release(base / "release", replace(plan, spm_size=min(plan.spm_size, 1000)), arabic, english)
        models.install("real-shape", marian.zip_dir(release, base / "release.zip"), directory=base / "models", force=True)
    return model, arabic


def measure(translator: Translator, sentences: list[str], beam: int, batch: int) -> float:
    options = DecodeOptions(beam_size=beam, max_length=FIXED_LENGTH)
    list(translator.translate(sentences[:64], options=options, batch_size=batch))  # warm-up
    start = time.perf_counter()
    count = sum(1 for _ in translator.translate(sentences, options=options, batch_size=batch))
    return count * FIXED_LENGTH / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--smoke", action="store_true", help="tiny model and workload: checks the script runs")
    parser.add_argument("--device", default="cuda", help="cuda (default), or cpu to check the script without a GPU")
    args = parser.parse_args()
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    import ctranslate2

    model, sentences = model_and_sentences(args.smoke, log)
    scale = 8 if args.smoke else 1
    cpu_sentences = (sentences * 8)[:CPU_SENTENCES // scale]
    gpu_sentences = (sentences * (GPU_SENTENCES // len(sentences) + 1))[:GPU_SENTENCES // scale]
    rows = []
    cpu = Translator(model, device="cpu")
    for beam in (1, 4):
        rate = measure(cpu, cpu_sentences, beam, 1024)
        rows.append({"device": "cpu", "compute_type": cpu.compute_type, "beam": beam, "batch_tokens": 1024,
                     "sentences": len(cpu_sentences), "tokens_per_s": rate, "baseline": True,
                     "threads": f"{cpu.inter_threads}x{cpu.intra_threads}"})
        log(f"cpu beam {beam}: {rate:.0f} tokens/s")
    del cpu
    types = GPU_COMPUTE_TYPES if args.device == "cuda" else ("int8",)
    for compute_type in types:
        translator = Translator(model, device=args.device, compute_type=compute_type)
        for beam in (1, 4):
            for batch in BATCHES[:2] if args.smoke else BATCHES:
                rate = measure(translator, gpu_sentences, beam, batch)
                rows.append({"device": args.device, "compute_type": compute_type, "beam": beam, "batch_tokens": batch,
                             "sentences": len(gpu_sentences), "tokens_per_s": rate})
                log(f"{args.device} {compute_type} beam {beam} batch {batch}: {rate:.0f} tokens/s")
        del translator
    saturation = {}
    for compute_type in types:
        for beam in (1, 4):
            sweep = [r for r in rows if not r.get("baseline") and r["compute_type"] == compute_type and r["beam"] == beam]
            best = max(r["tokens_per_s"] for r in sweep)
            saturation[f"{compute_type} beam {beam}"] = min(r["batch_tokens"] for r in sweep if r["tokens_per_s"] >= SATURATED * best)
    cpu_rate = {r["beam"]: r["tokens_per_s"] for r in rows if r.get("baseline")}
    for row in rows:
        row["vs_cpu"] = row["tokens_per_s"] / cpu_rate[row["beam"]]
    results = {"command": "python bench/gpu.py", "model": str(model), "fixed_length": FIXED_LENGTH,
               "ctranslate2": ctranslate2.__version__, "cuda_devices": ctranslate2.get_cuda_device_count(),
               "gpu": gpu_name(), "cpu": cpu_name(), "rows": rows, "saturating_batch_tokens": saturation}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gpu.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (args.out / "gpu.md").write_text(markdown(results), encoding="utf-8")
    log(f"wrote {args.out / 'gpu.md'}")


def gpu_name() -> str:
    try:
        import subprocess

        done = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=30)
        return done.stdout.strip() or "none"
    except (OSError, subprocess.SubprocessError):
        return "none"


def cpu_name() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    return f"{model}, {len(os.sched_getaffinity(0))} cores"


def markdown(results: dict) -> str:
    out = ["# GPU speed: our Translator on GPU vs CPU", "",
           f"Regenerate with `{results['command']}` on a machine with a CUDA GPU. GPU: {results['gpu']}; CPU: {results['cpu']}; "
           f"CTranslate2 {results['ctranslate2']}. Model: {results['model']} (opus-mt-ar-en shape, random weights, "
           f"{results['fixed_length']} tokens per sentence). tokens/s: generated tokens per second of the translate call, "
           "model loaded and warmed up.", "",
           "| device | compute type | beam | batch tokens | sentences | tokens/s | ÷ CPU |", "|---|---|---:|---:|---:|---:|---:|"]
    for r in results["rows"]:
        out.append(f"| {r['device']} | {r['compute_type']} | {r['beam']} | {r['batch_tokens']:,} | {r['sentences']:,} | "
                   f"{r['tokens_per_s']:,.0f} | {r['vs_cpu']:.1f} |")
    out += ["", f"Saturating batch (smallest reaching {SATURATED:.0%} of the best tokens/s): "
            + "; ".join(f"{k}: {v:,} tokens" for k, v in results["saturating_batch_tokens"].items()), ""]
    return "\n".join(out)


if __name__ == "__main__":
    main()
