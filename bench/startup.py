"""Start-up time of the command line: whole processes, interleaved, medians and ratios in one run.

    PYTHONPATH=. python bench/startup.py [--runs 15]

Rows: the interpreter alone; a bare CTranslate2 script that loads tiny-ar-en and translates one
sentence; `translate --version` (start-up only); `translate doc` up to the model load (it is given
a model directory that does not exist, so it stops there, after reading and checking its input);
`translate text` and `translate doc` on the sample article with tiny-ar-en, whole. Each round runs
every command once, in turn, so a busy machine slows all of them alike; the ratios are taken per
round. Writes bench/results/startup.md and .json.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SAMPLE = ROOT / "corpora" / "un-news-oic.ar.txt"
SENTENCE = "أين محطة القطار؟"
BARE = """
import sys, ctranslate2, sentencepiece
d = sys.argv[1]
sp = sentencepiece.SentencePieceProcessor(model_file=d + "/source.spm")
tp = sentencepiece.SentencePieceProcessor(model_file=d + "/target.spm")
t = ctranslate2.Translator(d, compute_type="int8", inter_threads=2, intra_threads=1)
r = t.translate_batch([sp.encode(sys.argv[2], out_type=str) + ["</s>"]], beam_size=4)
print(tp.decode(r[0].hypotheses[0]))
"""


def commands() -> dict[str, list[str]]:
    translate = shutil.which("translate") or "translate"
    model = str(ROOT / "models" / "tiny-ar-en")
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "bare CTranslate2 script (load tiny-ar-en, one sentence)": [sys.executable, "-c", BARE, model, SENTENCE],
        "translate --version": [translate, "--version"],
        "translate doc, up to the model load": [translate, "doc", str(SAMPLE), "-q", "--model",
                                                str(ROOT / "no-such-model-dir")],
        "translate text (tiny-ar-en, one sentence)": [translate, "text", SENTENCE, "-m", "tiny-ar-en", "-q"],
        "translate doc (tiny-ar-en, sample article, beam 1)": [translate, "doc", str(SAMPLE), "-m", "tiny-ar-en",
                                                               "--beam-size", "1", "--no-cache", "-q"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    plan = commands()
    times: dict[str, list[float]] = {name: [] for name in plan}
    for _ in range(args.runs + 1):  # the first round warms the file cache and is not counted
        for name, command in plan.items():
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            times[name].append(time.perf_counter() - start)
    times = {name: values[1:] for name, values in times.items()}
    bare = times["bare CTranslate2 script (load tiny-ar-en, one sentence)"]
    rows = [{"command": name, "median_s": round(statistics.median(values), 4), "min_s": round(min(values), 4),
             "max_s": round(max(values), 4),
             "ratio_to_bare": round(statistics.median(v / b for v, b in zip(values, bare)), 3)}
            for name, values in times.items()]
    result = {"machine": platform.processor() or platform.machine(), "python": platform.python_version(),
              "runs": args.runs, "rows": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "startup.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    lines = ["# Start-up", "", f"`PYTHONPATH=. python bench/startup.py --runs {args.runs}`: whole processes, "
             f"{args.runs} interleaved rounds after one warm-up round; median (min–max) wall seconds, and the "
             "median per-round ratio to the bare CTranslate2 script.", "",
             "| command | median s | min–max s | × bare script |", "|---|---:|---:|---:|"]
    lines += [f"| {r['command']} | {r['median_s']:.3f} | {r['min_s']:.3f}–{r['max_s']:.3f} | {r['ratio_to_bare']:.2f} |"
              for r in rows]
    (args.out / "startup.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
