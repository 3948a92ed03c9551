"""Speed benchmark: `translate doc` against raw CTranslate2, Hugging Face transformers and Argos Translate.

    python bench/run.py [--smoke] [--out bench/results] [--argos-python PATH]

Builds what it needs under build/bench (bench/build.py), then runs every contender as its own
process, repetitions interleaved (rep 1 of everything, then rep 2, ...) so machine noise hits all
alike, and writes speed.json and speed.md (bench/report.py). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import build, report  # noqa: E402

TINY = ROOT / "models" / "tiny-ar-en"
ARGOS_PYTHONS = (ROOT / "build" / "bench" / "argos-venv" / "bin" / "python", Path("/tmp/argos-venv/bin/python"))
BEAMS = (1, 4)
CONTENDERS = ("translate doc", "translate API", "ctranslate2 2x1", "ctranslate2 1x2", "transformers fp32",
              "argos translate")


@dataclass
class Job:
    """One contender on one input: a command line, and how to count what it generated."""

    contender: str
    workload: str  # "engine" (sentence list), "article" (end to end) or "startup"
    model: str  # "random" or "tiny-ar-en"
    beam: int
    command: list[str]
    scale: int = 1
    env: dict = field(default_factory=dict)
    output: str | None = None  # `translate doc` JSONL, counted here
    runs: list[dict] = field(default_factory=list)


def run_process(job: Job) -> dict:
    """Run the job's process: its wall time, its peak RSS and the JSON line it printed."""
    env = os.environ | {"PYTHONPATH": str(ROOT), "TRANSLATE_OFFLINE": "1"} | job.env
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(job.command, stdout=out, stderr=err, env=env, cwd=ROOT)
        peak_kb = 0
        while process.poll() is None:
            peak_kb = max(peak_kb, high_water_kb(process.pid))
            try:
                process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass
        wall = time.perf_counter() - start
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise RuntimeError(f"{job.contender} failed ({' '.join(job.command)}):\n{stderr[-2000:]}")
    lines = stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return result | {"wall_s": wall, "peak_rss_mb": peak_kb / 1024}


def high_water_kb(pid: int) -> int:
    """VmHWM of a running process. Not getrusage/wait4: ru_maxrss survives exec, so a child of
    this (large) process would report at least this process's own peak."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def count_doc_output(path: str, target_spm: Path, fixed_length: int) -> dict:
    """Sentences and generated tokens of a `translate doc` JSONL file.

    With the random model every sentence has exactly ``fixed_length`` tokens (EOS unreachable);
    with a real model the English is re-tokenised with the target SentencePiece model.
    """
    import sentencepiece

    targets = [json.loads(line)["target"] for line in Path(path).read_text(encoding="utf-8").splitlines()
               if line.strip() and "target" in json.loads(line)]
    if fixed_length:
        return {"sentences": len(targets), "target_tokens": len(targets) * fixed_length}
    sp = sentencepiece.SentencePieceProcessor(model_file=str(target_spm))
    return {"sentences": len(targets), "target_tokens": sum(len(sp.encode(t)) for t in targets)}


def jobs_for(model_name: str, model_dir: str, hf_dir: str | None, argos: dict | None, fixed: int,
             work: build.Workload, tmp: Path, engine: bool, scales: tuple[int, ...]) -> list[Job]:
    py, workers = sys.executable, str(ROOT / "bench" / "workers.py")
    length = ["--max-length", str(fixed)] if fixed else []
    jobs: list[Job] = []
    for beam in BEAMS:
        common = ["--model", model_dir, "--beam", str(beam), *length]
        if engine:
            sentences = ["--input", work.sentences]
            jobs += [Job("ctranslate2 2x1", "engine", model_name, beam,
                         [py, workers, "ct2", *common, *sentences, "--inter", "2", "--intra", "1"]),
                     Job("ctranslate2 1x2", "engine", model_name, beam,
                         [py, workers, "ct2", *common, *sentences, "--inter", "1", "--intra", "2"]),
                     Job("translate API", "engine", model_name, beam, [py, workers, "api", *common, *sentences])]
            if hf_dir:  # transformers is slow: it and our two engines get the same shorter list
                subset = ["--input", work.hf_sentences]
                jobs += [Job("transformers fp32", "hf-subset", model_name, beam,
                             [py, workers, "hf", *common, "--model", hf_dir, *subset, "--intra", "2"]),
                         Job("ctranslate2 2x1", "hf-subset", model_name, beam, [py, workers, "ct2", *common, *subset]),
                         Job("translate API", "hf-subset", model_name, beam, [py, workers, "api", *common, *subset])]
        article = work.articles[1]
        out = str(tmp / f"{model_name}-b{beam}.jsonl")
        # --no-cache: repetitions must translate, not replay the translation memory.
        doc = [py, "-m", "translate", "doc", "-q", "--offline", "--no-cache", "--model", model_dir,
               "--beam-size", str(beam), *length]
        jobs.append(Job("translate doc", "article", model_name, beam, [*doc, article, "-o", out], output=out))
        jobs.append(Job("ctranslate2 2x1", "article", model_name, beam,
                        [py, workers, "ct2", *common, "--input", article, "--article"]))
        if argos:
            jobs.append(Job("argos translate", "article", model_name, beam,
                            [argos["python"], str(ROOT / "bench" / "argos_worker.py"), article,
                             str(tmp / f"argos-{model_name}-b{beam}.txt"), *length],
                            env=argos["env"] | {"ARGOS_BEAM_SIZE": str(beam)}))
        if beam == 1:
            for scale in scales[1:]:
                out = str(tmp / f"{model_name}-{scale}x.jsonl")
                jobs.append(Job("translate doc", "article", model_name, beam,
                                [*doc, work.articles[scale], "-o", out], scale=scale, output=out))
            one = tmp / "one-sentence.ar.txt"
            one.write_text(Path(work.sentences).read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
            jobs.append(Job("translate doc", "startup", model_name, beam,
                            [*doc, str(one), "-o", str(tmp / f"{model_name}-one.jsonl")],
                            output=str(tmp / f"{model_name}-one.jsonl")))
    return jobs


def argos_setup(argos_python: str | None, packages: str | None, base: Path) -> dict | None:
    """Environment for the Argos worker: its packages, and a home of its own under build/bench."""
    if not argos_python or not packages:
        return None
    home = base / "argos-home"
    # Argos' spaCy chunking fetches xx_sent_ud_sm at import unless this cache folder exists; the
    # package brings its own spaCy pipeline, so an empty folder stops the (offline) download.
    (home / "cache" / "argos-translate" / "spacy" / "senter" / "model").mkdir(parents=True, exist_ok=True)
    env = {"ARGOS_PACKAGES_DIR": packages, "ARGOS_CHUNK_TYPE": "SPACY", "ARGOS_DEVICE_TYPE": "cpu",
           "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_CONFIG_HOME": str(home / "config"), "PYTHONPATH": ""}
    return {"python": argos_python, "env": env}


def ct2_log(model_dir: str, sentences: str) -> str:
    """CTranslate2's and MKL's own account of the CPU features and GEMM backend in use."""
    command = [sys.executable, str(ROOT / "bench" / "workers.py"), "ct2", "--model", model_dir,
               "--input", sentences, "--beam", "1", "--max-length", "2"]
    done = subprocess.run(command, capture_output=True, text=True,
                          env=os.environ | {"CT2_VERBOSE": "1", "MKL_VERBOSE": "1"})
    lines = (done.stdout + done.stderr).splitlines()
    return "\n".join([line for line in lines if "[info]" in line] + [line for line in lines if "MKL_VERBOSE oneMKL" in line])


def machine() -> dict:
    import ctranslate2

    flags = set()
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags") and not flags:
            flags = set(line.split(":", 1)[1].split())
        if line.startswith("model name") and not model:
            model = line.split(":", 1)[1].strip()
        if line.startswith("cpu MHz"):
            mhz = float(line.split(":", 1)[1])
    wanted = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8", "amx_bf16")
    return {"cpu": model, "cores": len(os.sched_getaffinity(0)), "mhz": mhz, "python": platform.python_version(),
            "isa_flags": {f: f in flags for f in wanted}, "ctranslate2": ctranslate2.__version__,
            "ct2_compute_types": sorted(ctranslate2.get_supported_compute_types("cpu"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny workload: checks the script runs, nothing else")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--argos-python", help="python of a venv with argostranslate 1.11 (default: found)")
    parser.add_argument("--no-argos", action="store_true", help="leave Argos Translate out")
    parser.add_argument("--repetitions", type=int, help="override the plan's repetitions")
    args = parser.parse_args()
    plan = build.SMOKE if args.smoke else build.FULL
    argos_python = None if args.no_argos else (
        args.argos_python or next((str(p) for p in ARGOS_PYTHONS if p.is_file()), None))
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    work = build.build(plan, argos_python, log)
    base = build.BUILD / plan.name
    random_argos = argos_setup(argos_python, work.argos_package, base)
    notes = [] if not random_argos else [
        "Argos Translate splits sentences with spaCy's rule-based sentencizer packaged in the .argosmodel: its "
        "default MiniSBD/Stanza models are downloaded from GitHub, unreachable here; this favours Argos. "
        "Otherwise Argos' defaults (inter_threads 1, 32-token batches per paragraph)."]
    tmp = Path(tempfile.mkdtemp(prefix="outputs-", dir=base))
    jobs = jobs_for("random", work.model, work.hf_model, random_argos, work.fixed_length, work, tmp,
                    engine=True, scales=plan.scales)
    if (TINY / "model.bin").is_file() and not args.smoke:
        tiny_argos = None
        if argos_python:
            packages = base / "argos-packages-tiny"
            build.build_argos_package(TINY, packages, argos_python, "tiny")
            tiny_argos = argos_setup(argos_python, str(packages), base)
        jobs += jobs_for("tiny-ar-en", str(TINY), None, tiny_argos, 0, work, tmp, engine=False, scales=(1,))
    else:
        notes.append(f"tiny-ar-en: {'not run in --smoke' if args.smoke else 'not present'} ({TINY}/model.bin)")
    repetitions = args.repetitions or plan.repetitions
    started, load_before = time.time(), os.getloadavg()
    for rep in range(repetitions):
        for i, job in enumerate(jobs):
            log(f"rep {rep + 1}/{repetitions} [{i + 1}/{len(jobs)}] {job.model} {job.workload} "
                f"{job.contender} beam {job.beam} {job.scale}x")
            result = run_process(job)
            if job.output:
                spm = Path(TINY if job.model == "tiny-ar-en" else work.model) / "target.spm"
                result |= count_doc_output(job.output, spm, work.fixed_length if job.model == "random" else 0)
            job.runs.append(result)
    results = {
        "plan": asdict(plan) | {"repetitions": repetitions}, "machine": machine() | {"ct2_log": ct2_log(
            work.model, work.hf_sentences)}, "workload": asdict(work), "notes": notes,
        "gpu": "not run: no device machine in this session",
        "seconds": round(time.time() - started, 1),
        "load_average": {"start": load_before, "end": os.getloadavg()},  # other users of the cores
        "jobs": [{k: v for k, v in asdict(job).items() if k not in ("command", "env", "output")}
                 | {"command": " ".join(job.command)} for job in jobs],
    }
    ran = {job.contender for job in jobs}
    results["contenders"] = {c: "ran" if c in ran else "skipped: no Argos venv (--no-argos, or see bench/README.md)"
                             for c in CONTENDERS}
    results["summary"] = report.summarise(results)
    results["goals"] = report.goals(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "speed.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (args.out / "speed.md").write_text(report.markdown(results), encoding="utf-8")
    log(f"wrote {args.out / 'speed.json'} and {args.out / 'speed.md'} ({results['seconds']} s of runs)")


if __name__ == "__main__":
    main()
