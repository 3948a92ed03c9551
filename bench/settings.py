"""Engine settings on this CPU, as ratios measured in one run: threads, and how batches are cut.

    python bench/settings.py [--repetitions 3] [--out bench/results]

Writes settings-<cpu>.json/.md (one pair per kind of CPU: Intel Xeons run CTranslate2's int8 GEMMs
with MKL, AMD EPYCs with oneDNN). Every run is its own process (bench/workers.py); repetitions are
interleaved (rep 1 of everything, then rep 2, ...) and each ratio is taken within a repetition.

- threads: raw CTranslate2, 2 translators × 1 thread against 1 × 2 (token batches of 1,024).
- batches: our Translator with the engine's batching cut by 1,024 padded tokens alone, by 32 or 64
  sentences alone, and by both; raw CTranslate2 with 32-sentence batches against 1,024-token ones.
Models: tiny-ar-en, whose output lengths are its own (natural lengths); and the random-weight model of
the opus-mt-ar-en shape (bench/build.py) with its EOS pinned and 28 tokens per sentence. Unpinning it
would not give natural lengths: with random weights EOS is the argmax about once in 62,000 steps, so
every sentence would run to its limit. Inputs: the speed benchmark's 192 TICO-19 + UN sentences
(every other one, 96, for the random model). The engine group also tries glibc with a fixed 1 MiB mmap
threshold (large buffers returned to the system when freed), for speed and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import build, report  # noqa: E402
from bench.run import Job, machine, run_process  # noqa: E402

TINY = ROOT / "models" / "tiny-ar-en"
HUGE = 1 << 20  # a token budget that never binds

# (group, name, worker arguments, baseline of the group, environment)
VARIANTS = [
    ("threads", "raw 2x1", ["ct2", "--inter", "2", "--intra", "1"], False, {}),
    ("threads", "raw 1x2", ["ct2", "--inter", "1", "--intra", "2"], True, {}),
    ("batches", "raw 1,024 tokens", ["ct2"], True, {}),
    ("batches", "raw 32 sentences", ["ct2", "--batch-examples", "32"], False, {}),
    ("engine", "defaults (1,024 tokens, scores ≤ 32 MiB)", ["api"], True, {}),
    ("engine", "1,024 tokens, no sentence cap", ["api", "--max-rows", "0"], False, {}),
    ("engine", "1,024 tokens, ≤ 64 sentences", ["api", "--max-rows", "64"], False, {}),
    ("engine", "32 sentences, no token cap", ["api", "--batch-tokens", str(HUGE), "--max-rows", "32"], False, {}),
    ("engine", "1 MiB mmap threshold", ["api"], False, {"MALLOC_MMAP_THRESHOLD_": str(1 << 20)}),
]


def jobs(work: build.Workload) -> list[Job]:
    half = build.BUILD / "settings-sentences.ar"
    half.write_text("\n".join(Path(work.sentences).read_text(encoding="utf-8").splitlines()[::2]) + "\n", encoding="utf-8")
    out = []
    for model_name, model, text in (("random", work.model, half), ("tiny-ar-en", str(TINY), Path(work.sentences))):
        for beam in (1, 4):
            for group, name, args, _, env in VARIANTS:
                fixed = ["--max-length", str(work.fixed_length)] if model_name == "random" else []
                command = [sys.executable, str(ROOT / "bench" / "workers.py"), *args, "--model", model,
                           "--input", str(text), "--beam", str(beam), *fixed]
                out.append(Job(f"{group}: {name}", "engine", model_name, beam, command, env=env))
    return out


def summarise(done: list[Job]) -> list[dict]:
    rows = []
    for job in done:
        group, name = job.contender.split(": ", 1)
        base_name = next(n for g, n, _, base, _ in VARIANTS if g == group and base)
        base = next(j for j in done if j.contender == f"{group}: {base_name}" and (j.model, j.beam) == (job.model, job.beam))
        rate = [r["target_tokens"] / r["translate_s"] for r in job.runs]
        rows.append({"model": job.model, "beam": job.beam, "group": group, "variant": name, "baseline": base_name,
                     "tokens": job.runs[0]["target_tokens"], "tokens_per_s": statistics.median(rate),
                     "peak_rss_mb": max(r["peak_rss_mb"] for r in job.runs)}
                    | report.spread_ratio(rate, [b["target_tokens"] / b["translate_s"] for b in base.runs]))
    return rows


def markdown(results: dict) -> str:
    m = results["machine"]
    out = [f"# Engine settings on {m['cpu']}", "",
           f"Regenerate with `{results['command']}`. {m['cpu']}, {m['cores']} cores, CTranslate2 {m['ctranslate2']}. "
           f"{results['repetitions']} repetitions interleaved; ratios within a repetition (median, min–max). "
           f"The machine was shared with other jobs (load average {results['load_average'][0]:.1f} at start): compare "
           "ratios, not tokens/s, with other files. Inputs and lengths: see bench/settings.py.", ""]
    out += report.table(["model", "beam", "setting", "tokens", "tokens/s", "÷ baseline", "baseline", "peak RSS MB"],
                        [[r["model"], r["beam"], f"{r['group']}: {r['variant']}", f"{r['tokens']:,}",
                          f"{r['tokens_per_s']:,.0f}", report.fmt_ratio(r), r["baseline"], f"{r['peak_rss_mb']:,.0f}"]
                         for r in results["rows"]])
    # Ours against raw CTranslate2 with the same settings: what `translate doc` adds to the engine.
    pairs = []
    for model in dict.fromkeys(r["model"] for r in results["rows"]):
        for beam in (1, 4):
            rate = {r["variant"]: r["tokens_per_s"] for r in results["rows"] if (r["model"], r["beam"]) == (model, beam)}
            ours = next(v for k, v in rate.items() if k.startswith("defaults"))
            pairs.append(f"{model} beam {beam} {ours / rate['raw 1,024 tokens']:.2f}")
    out += ["", "Our engine with its defaults ÷ raw CTranslate2 (1,024-token batches, 2 × 1 threads), same sentences, "
            "ratio of the medians: " + "; ".join(pairs) + "."]
    return "\n".join(out + [""])


def cpu_slug(cpu: str) -> str:
    vendor = "intel-xeon" if "Xeon" in cpu else "amd-epyc" if "EPYC" in cpu else "cpu"
    return vendor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    work = build.build(build.FULL, None, log)
    todo = jobs(work)
    started, load = time.time(), os.getloadavg()
    for rep in range(args.repetitions):
        for i, job in enumerate(todo):
            job.runs.append(run_process(job))
            r = job.runs[-1]
            log(f"rep {rep + 1} [{i + 1}/{len(todo)}] {job.model} beam {job.beam} {job.contender}: "
                f"{r['target_tokens'] / r['translate_s']:.0f} tokens/s, {r['peak_rss_mb']:.0f} MB")
    info = machine()
    results = {"command": "python bench/settings.py", "machine": info, "repetitions": args.repetitions,
               "load_average": load, "seconds": round(time.time() - started, 1), "rows": summarise(todo)}
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"settings-{cpu_slug(info['cpu'])}"
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (args.out / f"{name}.md").write_text(markdown(results), encoding="utf-8")
    log(f"wrote {args.out / name}.md")


if __name__ == "__main__":
    main()
