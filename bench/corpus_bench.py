"""`translate corpus` against `translate doc`: cold and warm memory, resume after a kill, cache overhead.

Run from the repo root:
    PYTHONPATH=. .venv/bin/python bench/corpus_bench.py [--model DIR_OR_NAME] [--threads N]
Writes bench/results/corpus.json and bench/results/corpus.md. The model is tiny-ar-en when it is
installed (models/tiny-ar-en or the catalog), else a random-weight toy model built like the tests'
(the report says which). The corpus is built in a temporary folder from ../shared/data (never
copied into the repository): the 19 TICO-19 test documents, five of them a second time under
mirror/ (re-published pages), each framed by navigation/footer lines drawn from a small pool,
the way crawled documents repeat boilerplate.

Measured, each as wall time of a real `python -m translate ...` process (start-up and model load
included, as a user sees it) and, for corpus runs, the job's own wall time from its manifest:
- `translate doc` once per document (no memory): what a user would do without `corpus`; and once
  on all documents joined into one file (one model load; `doc` also goes through the memory, so
  with --no-cache the repeats inside that one run are still translated once);
- `translate corpus` with a cold memory, a warm memory (same sentences again, new output), and
  `--no-cache` (repeats inside the job still translated once);
- resume: a cold job killed (SIGKILL) once half its documents are committed, then restarted;
- Ctrl-C: time from SIGINT to the process's exit;
- cache overhead on a cold run, in one process: the same unique sentences through the bare
  Translator and through CachedTranslator with a new memory file (alternated, median of 3).
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the toy-model writers are test helpers
import marian  # noqa: E402
import toymodels  # noqa: E402

from translate import models  # noqa: E402
from translate.engine import DecodeOptions, Translation, Translator  # noqa: E402
from translate.memory import CachedTranslator, open_memory  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"
BOILERPLATE = [
    "الصفحة الرئيسية | أخبار | صحة | اتصل بنا",
    "جميع الحقوق محفوظة © 2020.",
    "للمزيد من المعلومات، يرجى زيارة الموقع الرسمي لمنظمة الصحة العالمية.",
    "شارك هذا المقال على وسائل التواصل الاجتماعي.",
    "اشترك في نشرتنا الإخبارية لتصلك آخر الأخبار.",
    "تنويه: هذه المعلومات لا تغني عن استشارة الطبيب.",
    "آخر تحديث للصفحة: أبريل 2020.",
    "اقرأ أيضاً: كيف تحمي نفسك وعائلتك من فيروس كورونا.",
]


def build_corpus(root: Path) -> dict:
    src = (DATA / "tico19-test" / "src.ar").read_text(encoding="utf-8").splitlines()
    with (DATA / "tico19-test" / "doc_ids.tsv").open(encoding="utf-8") as handle:
        ids = [row["docid"] for row in csv.DictReader(handle, delimiter="\t")]
    docs = collections.defaultdict(list)
    for doc, line in zip(ids, src):
        docs[doc].append(line)
    rng = random.Random(19)
    mirrored = set(rng.sample(sorted(docs), 5))
    for doc, lines in sorted(docs.items()):
        for folder in ["tico"] + (["mirror"] if doc in mirrored else []):
            header = rng.sample(BOILERPLATE[:2], 2)
            footer = rng.sample(BOILERPLATE[2:], 3)
            path = root / folder / f"{doc}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n\n".join(header + lines + footer) + "\n", encoding="utf-8")
    return {"documents": len(docs) + len(mirrored), "mirrored": sorted(mirrored)}


def pick_model(requested: str | None, work: Path) -> tuple[str, str]:
    """(model argument, description)."""
    if requested:
        return requested, requested
    for candidate in (ROOT / "models" / "tiny-ar-en", ROOT / "build" / "tiny-ar-en" / "model"):
        if (candidate / "model.bin").exists():
            return str(candidate), f"tiny-ar-en ({candidate.relative_to(ROOT)})"
    installed = models.installed_path("tiny-ar-en")
    if installed:
        return str(installed), "tiny-ar-en (installed)"
    arabic = (ROOT / "corpora" / "un-news-oic.ar.txt").read_text(encoding="utf-8").splitlines()
    english = (ROOT / "tests" / "data" / "english.txt").read_text(encoding="utf-8").splitlines()
    release = toymodels.build_release(work / "release", arabic, english, seed=7)
    path = models.install("toy", marian.zip_dir(release, work / "toy.zip"), directory=work / "models")
    return str(path), "toy (random weights, d_model 64, int8): outputs are garbage, timings are real"


class InstantEngine:
    """Answers every sentence at once: what remains is the memory's own cost."""

    def __init__(self, model_id: str, compute_type: str):
        self.model_id, self.compute_type = model_id, compute_type

    def translate(self, sentences, *, options=None, batch_size=1024):
        return (Translation(s, s, 0.0) for s in sentences)


def timed(command: list[str], env: dict) -> float:
    started = time.monotonic()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    return time.monotonic() - started


def committed(out: Path) -> int:
    path = out / ".state" / "job.sqlite"
    if not path.exists():
        return 0
    db = sqlite3.connect(path, timeout=30)
    try:
        return db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--beam-size", type=int, default=4)
    # Fixed so that outputs do not depend on batching (the default cap follows the longest
    # sentence of a batch); a random-weight model never stops, so this is also its output length.
    parser.add_argument("--max-length", type=int, default=48)
    parser.add_argument("--overhead-sentences", type=int, default=600)
    parser.add_argument("--note", default="", help="conditions of the run, for the report")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="corpus-bench-"))
    corpus = build_corpus(work / "in")
    model, description = pick_model(args.model, work)
    env = os.environ | {"PYTHONPATH": str(ROOT), "TRANSLATE_OFFLINE": "1", "TRANSLATE_CACHE_DIR": str(work / "cache")}
    engine = ["-m", model, "--threads", str(args.threads), "--beam-size", str(args.beam_size),
              "--max-length", str(args.max_length)]
    base = [sys.executable, "-m", "translate"]
    files = sorted((work / "in").rglob("*.txt"))

    (work / "doc").mkdir()
    doc_time = sum(timed(base + ["doc", str(f), "-o", str(work / "doc" / f"{f.parent.name}-{f.stem}.jsonl"),
                                 "--no-cache", *engine], env) for f in files)
    # The same documents as one file in one process: one model load.
    joined = work / "all.txt"
    joined.write_text("\n\n".join(f.read_text(encoding="utf-8") for f in files), encoding="utf-8")
    doc_once = timed(base + ["doc", str(joined), "-o", str(work / "all.jsonl"), "--no-cache", *engine], env)

    def corpus_run(out: str, *extra: str) -> dict:
        seconds = timed(base + ["corpus", str(work / "in"), "-o", str(work / out), "-q", *engine, *extra], env)
        manifest = json.loads((work / out / "manifest.json").read_text(encoding="utf-8"))
        return {"process_s": round(seconds, 2), "job_s": manifest["wall_time_s"], "counts": manifest["counts"]}

    cold = corpus_run("cold", "--cache", str(work / "m.sqlite"))
    warm = corpus_run("warm", "--cache", str(work / "m.sqlite"))
    nocache = corpus_run("nocache", "--no-cache")
    counts = cold["counts"]

    # Resume: kill a cold job once half the documents are committed, then finish it.
    command = base + ["corpus", str(work / "in"), "-o", str(work / "resumed"), "-q", *engine,
                      "--cache", str(work / "m2.sqlite")]
    job = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    half = corpus["documents"] // 2
    while committed(work / "resumed") < half and job.poll() is None:
        time.sleep(0.01)
    job.send_signal(signal.SIGKILL)
    job.wait()
    done_at_kill = committed(work / "resumed")
    restart = timed(command, env)
    same = all((work / "resumed" / n).read_bytes() == (work / "cold" / n).read_bytes()
               for n in ("corpus.jsonl", "corpus.ar", "corpus.en", "corpus.tsv", "rejected.jsonl"))

    # Ctrl-C: SIGINT once some documents are committed; time to exit.
    job = subprocess.Popen(base + ["corpus", str(work / "in"), "-o", str(work / "interrupted"), "-q", *engine,
                                   "--no-cache"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           # a background shell starts us with SIGINT ignored; the job must see it
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    while committed(work / "interrupted") < 3 and job.poll() is None:
        time.sleep(0.01)
    sent = time.monotonic()
    job.send_signal(signal.SIGINT)
    job.wait()
    interrupt_s = time.monotonic() - sent

    # Cache overhead on a cold run: unique sentences, bare vs through a new memory.
    sentences = list(dict.fromkeys(
        line for f in files for line in f.read_text(encoding="utf-8").split("\n\n") if line.strip()))
    sentences = sentences[:args.overhead_sentences]
    translator = Translator(model, threads=args.threads)
    options = DecodeOptions(beam_size=args.beam_size, max_length=args.max_length)
    bare_times, cached_times = [], []
    for round_ in range(3):
        started = time.monotonic()
        bare = [t.target for t in translator.translate(sentences, options=options)]
        bare_times.append(time.monotonic() - started)
        with open_memory(work / f"overhead-{round_}.sqlite") as memory:
            started = time.monotonic()
            cached = [t.target for t in CachedTranslator(translator, memory).translate(sentences, options=options)]
            cached_times.append(time.monotonic() - started)
        assert cached == bare
    overhead = statistics.median(cached_times) / statistics.median(bare_times) - 1
    # The memory's own cost, free of the model's timing noise: the same path with an instant engine.
    instant = InstantEngine(translator.model_id, translator.compute_type)
    bookkeeping = []
    for round_ in range(3):
        with open_memory(work / f"bookkeeping-{round_}.sqlite") as memory:
            started = time.monotonic()
            list(CachedTranslator(instant, memory).translate(sentences, options=options))
            bookkeeping.append(time.monotonic() - started)
    bookkeeping_share = statistics.median(bookkeeping) / statistics.median(bare_times)

    results = {
        "model": description, "note": args.note, "threads": args.threads, "beam_size": args.beam_size, "max_length": args.max_length,
        "corpus": corpus | {"sentences": counts["sentences"], "unique_sentences": counts["unique_sentences"],
                            "repetition": round(1 - counts["unique_sentences"] / counts["sentences"], 3)},
        "doc_per_document_s": round(doc_time, 2), "doc_one_file_s": round(doc_once, 2),
        "corpus_cold": cold, "corpus_warm": warm, "corpus_no_cache": nocache,
        "resume": {"documents_done_at_kill": done_at_kill, "restart_to_finish_s": round(restart, 2),
                   "uninterrupted_cold_s": cold["process_s"], "output_identical_to_uninterrupted": same},
        "ctrl_c_to_exit_s": round(interrupt_s, 2),
        "cache_overhead_cold": {"sentences": len(sentences), "bare_s": [round(t, 3) for t in bare_times],
                                "cached_s": [round(t, 3) for t in cached_times], "overhead": round(overhead, 4),
                                "bookkeeping_s": [round(t, 4) for t in bookkeeping],
                                "bookkeeping_share": round(bookkeeping_share, 4)},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "corpus.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (RESULTS / "corpus.md").write_text(report(results), encoding="utf-8")
    print(report(results))


def report(r: dict) -> str:
    n = r["corpus"]["sentences"]

    def rate(seconds: float) -> str:
        return f"{n / seconds:,.1f}"

    rows = [("`translate doc --no-cache`, once per document", r["doc_per_document_s"], None),
            ("`translate doc --no-cache`, all documents as one file", r["doc_one_file_s"], None),
            ("`translate corpus`, cold memory", r["corpus_cold"]["process_s"], r["corpus_cold"]["job_s"]),
            ("`translate corpus`, warm memory", r["corpus_warm"]["process_s"], r["corpus_warm"]["job_s"]),
            ("`translate corpus --no-cache`", r["corpus_no_cache"]["process_s"], r["corpus_no_cache"]["job_s"])]
    lines = [
        "# Corpus job benchmark", "",
        "Produced by `PYTHONPATH=. .venv/bin/python bench/corpus_bench.py` (see its docstring).", "",
        f"- Model: {r['model']}; beam {r['beam_size']}, --max-length {r['max_length']}, --threads {r['threads']}. {r['note']}",
        f"- Corpus: {r['corpus']['documents']} documents (TICO-19 test + {len(r['corpus']['mirrored'])} mirrored, "
        f"with boilerplate), {n} sentences, {r['corpus']['unique_sentences']} unique "
        f"({r['corpus']['repetition']:.1%} repeats).", "",
        "| run | process wall s | sentences/s | job wall s (manifest) | translated by the model |",
        "|---|---:|---:|---:|---:|",
    ]
    translated = {2: r["corpus_cold"], 3: r["corpus_warm"], 4: r["corpus_no_cache"]}
    for i, (name, seconds, job) in enumerate(rows):
        model_calls = translated[i]["counts"]["translated"] if i in translated else "(not reported)"
        lines.append(f"| {name} | {seconds:.2f} | {rate(seconds)} | {'' if job is None else f'{job:.2f}'} "
                     f"| {model_calls} |")
    resume, overhead = r["resume"], r["cache_overhead_cold"]
    lines += [
        "",
        f"- Resume: killed (SIGKILL) with {resume['documents_done_at_kill']} of {r['corpus']['documents']} "
        f"documents committed; the restart finished in {resume['restart_to_finish_s']:.2f} s "
        f"(uninterrupted cold run: {resume['uninterrupted_cold_s']:.2f} s); output identical to the "
        f"uninterrupted run: {resume['output_identical_to_uninterrupted']}.",
        f"- Ctrl-C (SIGINT) to process exit: {r['ctrl_c_to_exit_s']:.2f} s.",
        f"- Cache overhead on a cold run ({overhead['sentences']} unique sentences, same process, median of 3): "
        f"bare {statistics.median(overhead['bare_s']):.3f} s, through a new memory "
        f"{statistics.median(overhead['cached_s']):.3f} s: **{overhead['overhead']:+.1%}** (goal < 3%); "
        f"the memory's own work (normalising, looking up, storing; measured with an engine that answers "
        f"at once) takes {statistics.median(overhead['bookkeeping_s']):.3f} s, "
        f"**{overhead['bookkeeping_share']:.1%}** of the model's time.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
