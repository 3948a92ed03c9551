"""Where a decoding step's time goes: perf samples of our Translator, grouped by kind of work.

    python bench/perf_profile.py [--out bench/results]

The random-weight model of the opus-mt-ar-en shape, the speed benchmark's 192 sentences, 28 tokens
each (EOS pinned), beams 1 and 4, with the full vocabulary and with vocabulary shortlists (maps of
bench/shortlist.py). Each configuration runs in its own process, which loads the model and then
attaches ``perf record`` to itself for the translate call only. Samples are grouped by symbol:
- GEMM: oneDNN's JIT-generated kernels ("[JIT]" code: CTranslate2 calls oneDNN for matrix products
  only) and oneDNN/MKL GEMM drivers;
- int8 (de)quantisation: quantising activations before and rescaling after each int8 GEMM;
- softmax, top-k, beam search: the passes over the output vocabulary and the search bookkeeping;
- memory copies (memmove/memcpy/memset), kernel (page faults, scheduling), other CTranslate2 ops
  (attention glue, layer norm, adds, ...), and the rest (Python, SentencePiece, libraries).
Needs `perf` (linux-perf) with perf_event_paranoid ≤ 2. Writes profile.json and profile.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CATEGORIES = [  # first match wins
    ("GEMM", re.compile(r"^\[JIT\]|dnnl|gemm_kernel|sgemm|mkl_|gemm_driver|brgemm", re.I), "dso+symbol"),
    ("int8 (de)quantisation", re.compile(r"quantize", re.I), "symbol"),
    ("softmax, top-k, beam search", re.compile(r"softmax|TopK|topk|BeamSearch|GreedySearch|penaliz|Sampler|"
                                                r"update_output_layer|gather", re.I), "symbol"),
    ("memory copies", re.compile(r"memmove|memcpy|memset", re.I), "symbol"),
    ("kernel", re.compile(r"kernel\.kallsyms"), "dso"),
    ("other CTranslate2 ops", re.compile(r"libctranslate2"), "dso"),
]
LINE = re.compile(r"^\s*([\d.]+)%\s+(\S+(?: tid \d+)?)\s+\[[.k]\]\s+(.*)$")


def worker(model: str, sentences: str, beam: int, length: int, shortlist: bool, data: str) -> None:
    from translate.engine import DecodeOptions, Translator

    lines = Path(sentences).read_text(encoding="utf-8").splitlines()
    translator = Translator(model, offline=True, shortlist=shortlist)
    options = DecodeOptions(beam_size=beam, max_length=length)
    list(translator.translate(lines[:8], options=options))  # warm-up
    perf = subprocess.Popen(["perf", "record", "-q", "-F", "997", "-p", str(os.getpid()), "-o", data],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # perf attaches
    start = time.perf_counter()
    tokens = sum(len(t.pieces) for t in translator.translate(lines, options=options))
    elapsed = time.perf_counter() - start
    perf.send_signal(signal.SIGINT)
    perf.wait()
    print(json.dumps({"tokens": tokens, "seconds": elapsed}))


def categorise(data: str) -> dict[str, float]:
    done = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "--stdio",
                           "-g", "none", "--percent-limit", "0"], capture_output=True, text=True, check=True)
    return shares_of(done.stdout)


def shares_of(report: str) -> dict[str, float]:
    """Percent of samples per category, from `perf report --sort dso,symbol --stdio` text."""
    shares: dict[str, float] = {name: 0.0 for name, _, _ in CATEGORIES} | {"rest": 0.0}
    for line in report.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        percent, dso, symbol = float(match[1]), match[2], match[3]
        for name, pattern, field in CATEGORIES:
            text = {"dso": dso, "symbol": symbol, "dso+symbol": f"{dso} {symbol}"}[field]
            if pattern.search(text):
                shares[name] += percent
                break
        else:
            shares["rest"] += percent
    total = sum(shares.values()) or 1.0
    return {name: 100 * value / total for name, value in shares.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--worker", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        model, sentences, beam, length, shortlist, data = args.worker
        worker(model, sentences, int(beam), int(length), shortlist == "1", data)
        return
    from bench import build
    from bench.shortlist import speed_models

    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    work = build.build(build.FULL, None, log)
    dirs, allowed = speed_models(work)
    configs = [(1, "full vocabulary"), (4, "full vocabulary"), (4, "28,000 allowed"), (4, "4,000 allowed")]
    rows = []
    for beam, name in configs:
        data = str(build.BUILD / f"perf-beam{beam}-{name.split()[0].replace(',', '')}.data")
        command = [sys.executable, __file__, "--worker", str(dirs[name]), work.sentences, str(beam),
                   str(work.fixed_length), "0" if name == "full vocabulary" else "1", data]
        done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT,
                              env=os.environ | {"PYTHONPATH": str(ROOT), "TRANSLATE_OFFLINE": "1"})
        run = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append({"beam": beam, "map": name, "allowed": allowed[name], "tokens_per_s": run["tokens"] / run["seconds"],
                     "shares": categorise(data)})
        log(f"profile beam {beam} {name}: {rows[-1]}")
    results = {"command": "python bench/perf_profile.py", "rows": rows, "load_average": os.getloadavg()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "profile.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (args.out / "profile.md").write_text(markdown(results), encoding="utf-8")
    log(f"wrote {args.out / 'profile.md'}")


def markdown(results: dict) -> str:
    names = list(results["rows"][0]["shares"])
    out = ["# Where the time goes: perf profile of a translate call", "",
           f"Regenerate with `{results['command']}` (needs `perf`). Our Translator, random-weight model of the "
           "opus-mt-ar-en shape, 192 sentences × 28 tokens, int8, 2 × 1 threads; shares of perf samples during the "
           "translate call (both worker threads and the Python thread). Categories: see bench/perf_profile.py. The machine was "
           "shared with other jobs: shares are robust to that, tokens/s are not.", "",
           "| beam | vocabulary | allowed per batch | tokens/s | " + " | ".join(names) + " |",
           "|---:|---|---:|---:|" + "---:|" * len(names)]
    for r in results["rows"]:
        out.append(f"| {r['beam']} | {r['map']} | {r['allowed']:,.0f} | {r['tokens_per_s']:,.0f} | "
                   + " | ".join(f"{r['shares'][n]:.1f}%" for n in names) + " |")
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    main()
