"""Ours against Hugging Face transformers on the same sentences, with and without a vocabulary shortlist.

    python bench/hf_ratio.py [--repetitions 3] [--beams 4] [--out bench/results]

The random-weight model of the opus-mt-ar-en shape (bench/build.py: the same weights as a MarianMT
checkpoint for transformers), the speed benchmark's first 48 sentences (its `hf-subset`), 28 tokens
per sentence (EOS pinned), each contender its own process, repetitions interleaved, ratios taken
within a repetition. Contenders: transformers fp32 `generate()` (2 threads, batches of 16 sorted by
length); raw CTranslate2 `translate_batch` (2 × 1 threads, 1,024-token batches); our Translator
(engine defaults) without a map, with a map of 28,000 allowed tokens (about what the default sizes
give on the real opus-mt-ar-en's vocabulary: 0.9 of its ~32k English pieces) and with 4,000 (a
small, lossy map); and `translate doc` end to end (start-up, model load, read, write JSONL) on the
same sentences, one per line (--presegmented), against `generate()` alone. Writes hf_ratio.json/.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import build, report  # noqa: E402
from bench.run import Job, count_doc_output, run_process  # noqa: E402
from bench.shortlist import speed_models  # noqa: E402

MAPS = ("full vocabulary", "28,000 allowed", "4,000 allowed")


def jobs(work: build.Workload, dirs: dict[str, Path], beams: list[int], tmp: Path) -> list[Job]:
    py, workers = sys.executable, str(ROOT / "bench" / "workers.py")
    out = []
    for beam in beams:
        common = ["--beam", str(beam), "--max-length", str(work.fixed_length), "--input", work.hf_sentences]
        out += [Job("transformers fp32", "hf-subset", "random", beam,
                    [py, workers, "hf", "--model", work.hf_model, *common, "--intra", "2"]),
                Job("raw CTranslate2", "hf-subset", "random", beam, [py, workers, "ct2", "--model", work.model, *common])]
        for name in MAPS:
            flag = [] if name == "full vocabulary" else ["--shortlist"]
            out.append(Job(f"translate API, {name}", "hf-subset", "random", beam,
                           [py, workers, "api", "--model", str(dirs[name]), *common, *flag]))
        for name in MAPS[:2]:
            result = str(tmp / f"doc-{beam}-{name.split()[0]}.jsonl")
            out.append(Job(f"translate doc, {name}", "end to end", "random", beam,
                           [py, "-m", "translate", "doc", "-q", "--offline", "--no-cache", "--presegmented",
                            "--model", str(dirs[name]), "--beam-size", str(beam), "--max-length", str(work.fixed_length),
                            "--shortlist" if name != "full vocabulary" else "--no-shortlist",
                            work.hf_sentences, "-o", result], output=result))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--beams", default="4,1")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    work = build.build(build.FULL, None, log)
    dirs, allowed = speed_models(work)
    tmp = Path(tempfile.mkdtemp(prefix="hf-", dir=build.BUILD))
    todo = jobs(work, dirs, [int(b) for b in args.beams.split(",")], tmp)
    started, load = time.time(), os.getloadavg()
    for rep in range(args.repetitions):
        for job in todo:
            result = run_process(job)
            if job.output:
                result |= count_doc_output(job.output, Path(work.model) / "target.spm", work.fixed_length)
                result["translate_s"] = result["wall_s"]  # end to end: the whole process
            job.runs.append(result)
            log(f"rep {rep + 1} beam {job.beam} {job.contender}: {result['target_tokens'] / result['translate_s']:.0f} tokens/s")
    rows = []
    for job in todo:
        hf = next(j for j in todo if j.contender == "transformers fp32" and j.beam == job.beam)
        rate = [r["target_tokens"] / r["translate_s"] for r in job.runs]
        rows.append({"beam": job.beam, "contender": job.contender, "workload": job.workload,
                     "tokens": job.runs[0]["target_tokens"], "tokens_per_s": statistics.median(rate),
                     "peak_rss_mb": max(r["peak_rss_mb"] for r in job.runs)}
                    | report.spread_ratio(rate, [h["target_tokens"] / h["translate_s"] for h in hf.runs]))
    rate = lambda job: [r["target_tokens"] / r["translate_s"] for r in job.runs]  # noqa: E731
    vs_raw = []  # ours without a map against raw CTranslate2: same sentences, same settings
    for beam in sorted({job.beam for job in todo}):
        raw = next(j for j in todo if j.contender == "raw CTranslate2" and j.beam == beam)
        api = next(j for j in todo if j.contender == "translate API, full vocabulary" and j.beam == beam)
        vs_raw.append({"beam": beam} | report.spread_ratio(rate(api), rate(raw)))
    results = {"command": "python bench/hf_ratio.py", "repetitions": args.repetitions, "load_average": load,
               "seconds": round(time.time() - started, 1), "allowed": allowed, "rows": rows, "api_vs_raw": vs_raw}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "hf_ratio.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (args.out / "hf_ratio.md").write_text(markdown(results), encoding="utf-8")
    log(f"wrote {args.out / 'hf_ratio.md'}")


def markdown(results: dict) -> str:
    out = ["# Ours vs Hugging Face transformers, same sentences", "",
           f"Regenerate with `{results['command']}`. Random-weight model of the opus-mt-ar-en shape, 48 TICO-19 + UN "
           f"sentences × 28 tokens; {results['repetitions']} repetitions interleaved, ratios within a repetition (median, "
           f"min–max). The machine was shared with other jobs (load average {results['load_average'][0]:.1f} at start). "
           "*hf-subset*: the translate call only, model loaded; *end to end*: the whole `translate doc` process against "
           "`generate()` alone (which favours transformers). Mean allowed tokens per batch: "
           + ", ".join(f"{k} {v:,.0f}" for k, v in results["allowed"].items() if k in MAPS) + ".", ""]
    out += report.table(["beam", "contender", "measured", "tokens/s", "÷ transformers", "peak RSS MB"],
                        [[r["beam"], r["contender"], r["workload"], f"{r['tokens_per_s']:,.0f}", report.fmt_ratio(r),
                          f"{r['peak_rss_mb']:,.0f}"] for r in results["rows"]])
    out += ["", "Our Translator (no map) ÷ raw CTranslate2, same sentences and settings: "
            + "; ".join(f"beam {r['beam']} {report.fmt_ratio(r)}" for r in results["api_vs_raw"]) + "."]
    return "\n".join(out + [""])


if __name__ == "__main__":
    main()
