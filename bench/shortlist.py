"""Vocabulary shortlist: its sizes, its quality on tiny-ar-en, its speed on the real-shape model.

    python bench/shortlist.py [--part sizes,quality,speed] [--repetitions 3] [--out bench/results]

Data (all from ../shared/data; the TICO-19 documents are split by translate.shortlist.tico_split):
- sizes: maps built from tiny-ar-en's own translations of UN dev + the TICO-19 build documents,
  measured on a development set it was not built from (600 UN test lines + 600 manythings-tatoeba
  lines that are not in the Tatoeba test set): the share of sentences whose whole translation lies
  inside their own allowed set, the mean allowed set of a 1,024-token batch, and, for a few sizes,
  the share of dev translations that stay identical when decoded with the map.
- quality: the map `translate models shortlist tiny-ar-en` builds by default (UN dev + UN test + TICO
  build documents, the chosen sizes), evaluated on data it was not built from: tiny-ar-en's 1,235
  held-out Tatoeba pairs (models/recipes/tiny-ar-en/data.py) and the TICO-19 evaluation documents.
- speed: the random-weight model of the opus-mt-ar-en shape (bench/build.py): its own translations
  are noise, so its map is built with the same code and sizes from the human reference pairs of the
  same sources (a map of realistic size); tokens/s of our Translator with and without it, beams 1
  and 4, repetitions interleaved, 28 tokens per sentence (EOS pinned).
Writes shortlist.json and shortlist.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import build, report  # noqa: E402
from translate import shortlist  # noqa: E402
from translate.engine import DecodeOptions, Translator, max_decoding_length, max_rows_for, plan_batches  # noqa: E402

DATA = build.DATA
WORK = build.BUILD / "shortlist"
TINY = ROOT / "models" / "tiny-ar-en"
GRID_PER_SOURCE = (4, 16, 64)
GRID_FREQUENT = (0.25, 0.5, 0.75, 0.85, 0.9, 0.95, 1.0)
DECODED = {(16, 0.5), (16, 0.75), (16, 0.9), (16, 1.0)}  # (per source, frequent) decoded at beams 1 and 4
DEV_LINES = 600
BATCH_TOKENS = 1024


def lines_of(name: str) -> list[str]:
    return [line for line in (DATA / name / "src.ar").read_text(encoding="utf-8").splitlines() if line.strip()]


def heldout_pairs() -> list[tuple[str, str]]:
    spec = importlib.util.spec_from_file_location("tiny_ar_en_data", ROOT / "models" / "recipes" / "tiny-ar-en" / "data.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.heldout_pairs()


def dev_lines() -> list[str]:
    """UN test lines and short everyday sentences (manythings) that no evaluation set holds."""
    tatoeba = set(lines_of("tatoeba-test-v2021-08-07"))
    everyday = [line for line in lines_of("manythings-tatoeba-ara-eng") if line not in tatoeba]
    un = lines_of("un-v1.0-testset")
    return un[::len(un) // DEV_LINES][:DEV_LINES] + everyday[::len(everyday) // DEV_LINES][:DEV_LINES]


def translations(name: str, translator: Translator, lines: list[str], beam: int) -> list[dict]:
    """Full-vocabulary translations (text and pieces), cached under build/bench/shortlist."""
    cache = WORK / f"{name}-beam{beam}.json"
    if cache.is_file():
        return json.loads(cache.read_text(encoding="utf-8"))
    out = [{"source": r.source, "target": r.target, "tokens": list(r.pieces)}
           for r in translator.translate(lines, options=DecodeOptions(beam_size=beam))]
    cache.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return out


def batch_unions(map_: shortlist.Shortlist, pieces: list[list[str]], vocabulary: int, beam: int = 4) -> list[int]:
    """Allowed-set size of each batch the engine would form (``BATCH_TOKENS``, its row cap and limits)."""
    limits = [max_decoding_length(len(p) + 1) for p in pieces]
    batches = plan_batches(pieces, limits, BATCH_TOKENS, max_rows_for(beam, vocabulary))
    return [len(map_.allowed(pieces[i] for i in batch)) for batch in batches]


def sizes(log) -> dict:
    tiny = Translator(str(TINY), shortlist=False)
    base = translations("un-dev", tiny, lines_of("un-v1.0-devset"), 4) + \
        translations("tico-build", tiny, shortlist.tico_split(DATA)[0], 4)
    dev = translations("dev", tiny, dev_lines(), 4)
    dev_greedy = translations("dev", tiny, dev_lines(), 1)
    counts = shortlist.Cooccurrence()
    for item in base:
        counts.add([t for p in tiny.source_pieces(item["source"]) for t in p], item["tokens"])
    ranking = shortlist.target_ranking(TINY)
    dev_pieces = [[t for p in tiny.source_pieces(d["source"]) for t in p] for d in dev]
    rows = []
    model = WORK / "tiny-sizes"
    copy_model(TINY, model)
    for frequent in GRID_FREQUENT:
        for per_source in GRID_PER_SOURCE:
            map_ = shortlist.select(counts, ranking, per_source, frequent)
            covered = [set(d["tokens"]) <= map_.allowed([p]) for d, p in zip(dev, dev_pieces)]
            row = {"per_source": per_source, "frequent": frequent, "always": len(map_.always),
                   "covered_un": statistics.mean(covered[:DEV_LINES]), "covered_everyday": statistics.mean(covered[DEV_LINES:]),
                   "mean_batch_allowed": statistics.mean(batch_unions(map_, dev_pieces, vocabulary_size(TINY)))}
            if (per_source, frequent) in DECODED:  # decode the dev set with this map
                map_.write(model / shortlist.VMAP_FILE)
                restricted = Translator(str(model), shortlist=True)
                for beam, reference in ((1, dev_greedy), (4, dev)):
                    got = [r.target for r in restricted.translate([d["source"] for d in dev], options=DecodeOptions(beam_size=beam))]
                    same = [g == d["target"] for g, d in zip(got, reference)]
                    row |= {f"identical_un_beam{beam}": statistics.mean(same[:DEV_LINES]),
                            f"identical_everyday_beam{beam}": statistics.mean(same[DEV_LINES:])}
            rows.append(row)
            log(f"sizes {row}")
    return {"build": "UN dev + TICO-19 build documents", "dev": f"{DEV_LINES} UN test + {DEV_LINES} manythings lines",
            "dev_sentences": len(dev), "build_sentences": counts.sentences, "batch_tokens": BATCH_TOKENS,
            "vocabulary": vocabulary_size(TINY), "target_pieces": len(ranking), "rows": rows}


def vocabulary_size(model: Path) -> int:
    name = next(n for n in ("shared_vocabulary.json", "target_vocabulary.json") if (model / n).is_file())
    return len(json.loads((model / name).read_text(encoding="utf-8")))


def copy_model(src: Path, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(shortlist.VMAP_FILE, shortlist.INFO_FILE, "README.md"))


def quality(log) -> dict:
    """Build the default map with the real command, then score full vs shortlist on unseen sets."""
    import sacrebleu

    models_dir = WORK / "models"
    if not (models_dir / "tiny-ar-en" / shortlist.VMAP_FILE).is_file():
        env = os.environ | {"TRANSLATE_MODELS_DIR": str(models_dir), "TRANSLATE_DATA": str(DATA), "TRANSLATE_OFFLINE": "1"}
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "translate", "models", "shortlist", "tiny-ar-en", "-q"],
                       check=True, env=env, cwd=ROOT)
        log(f"built the tiny-ar-en shortlist in {time.perf_counter() - started:.0f} s")
    model = models_dir / "tiny-ar-en"
    info = shortlist.read_info(model)
    tico_eval = shortlist.tico_split(DATA)[1]
    tico_refs = dict(zip(lines_of("tico19-test"), (DATA / "tico19-test" / "ref.en").read_text(encoding="utf-8").splitlines()))
    sets = {"Tatoeba held-out (1,235)": heldout_pairs(),
            f"TICO-19 evaluation documents ({len(tico_eval):,})": [(a, tico_refs[a]) for a in tico_eval]}
    full, restricted = Translator(str(model), shortlist=False), Translator(str(model), shortlist=True)
    rows = []
    for name, pairs in sets.items():
        sources, refs = [a for a, _ in pairs], [e for _, e in pairs]
        for beam in (1, 4):
            options = DecodeOptions(beam_size=beam)
            a = [t.target for t in full.translate(sources, options=options)]
            b = [t.target for t in restricted.translate(sources, options=options)]
            row = {"set": name, "beam": beam, "sentences": len(sources),
                   "bleu_full": sacrebleu.corpus_bleu(a, [refs]).score, "bleu_shortlist": sacrebleu.corpus_bleu(b, [refs]).score,
                   "chrf_full": sacrebleu.corpus_chrf(a, [refs]).score, "chrf_shortlist": sacrebleu.corpus_chrf(b, [refs]).score,
                   "identical": sum(x == y for x, y in zip(a, b)) / len(a)}
            row["lossless"] = (abs(row["bleu_full"] - row["bleu_shortlist"]) <= 0.2
                               and abs(row["chrf_full"] - row["chrf_shortlist"]) <= 0.2 and row["identical"] >= 0.98)
            rows.append(row)
            log(f"quality {row}")
    return {"command": "translate models shortlist tiny-ar-en", "info": info, "rows": rows}


def speed_models(work: build.Workload) -> tuple[dict[str, Path], dict[str, float]]:
    """The random model without a map and with each speed map (by link, plus vmap.txt), and the mean
    allowed set of a batch of the engine sentences under each."""
    import sentencepiece

    model = Path(work.model)
    source_sp = sentencepiece.SentencePieceProcessor(model_file=str(model / "source.spm"))
    target_sp = sentencepiece.SentencePieceProcessor(model_file=str(model / "target.spm"))
    counts = shortlist.Cooccurrence()
    tico_build = set(shortlist.tico_split(DATA)[0])
    for name in ("un-v1.0-devset", "un-v1.0-testset", "tico19-test"):
        src = (DATA / name / "src.ar").read_text(encoding="utf-8").splitlines()
        ref = (DATA / name / "ref.en").read_text(encoding="utf-8").splitlines()
        for a, e in zip(src, ref):
            if a.strip() and (name != "tico19-test" or a in tico_build):
                counts.add(source_sp.encode(a, out_type=str), target_sp.encode(e, out_type=str))
    sentences = Path(work.sentences).read_text(encoding="utf-8").splitlines()
    pieces = [source_sp.encode(s, out_type=str) for s in sentences]
    vocabulary = json.loads((model / "shared_vocabulary.json").read_text(encoding="utf-8"))
    # The default map (its size follows the target SentencePiece model: 16k here, about 32k for the real
    # opus-mt-ar-en), and maps of fixed sizes, whose cost is their size alone.
    maps = {"default map": shortlist.select(counts, shortlist.target_ranking(model))}
    for size in SPEED_SIZES:
        maps[f"{size:,} allowed"] = shortlist.Shortlist(tuple(vocabulary[:size]), {})
    dirs = {"full vocabulary": model}
    allowed = {"full vocabulary": float(len(vocabulary))}
    for name, map_ in maps.items():
        dirs[name] = WORK / f"random-{name.split()[0].replace(',', '')}"
        if dirs[name].exists():
            shutil.rmtree(dirs[name])
        dirs[name].mkdir(parents=True)
        for item in model.iterdir():
            (dirs[name] / item.name).symlink_to(item)
        map_.write(dirs[name] / shortlist.VMAP_FILE)
        allowed[name] = statistics.mean(batch_unions(map_, pieces, len(vocabulary)))
    return dirs, allowed


def speed(repetitions: int, log) -> dict:
    """Interleaved runs of bench/workers.py api without a map and with maps of several sizes."""
    work = build.build(build.FULL, None, log)
    model = Path(work.model)
    dirs, allowed = speed_models(work)
    sentences = Path(work.sentences).read_text(encoding="utf-8").splitlines()
    vocabulary = json.loads((model / "shared_vocabulary.json").read_text(encoding="utf-8"))
    runs: dict = {(beam, name): [] for beam in (1, 4) for name in dirs}
    for rep in range(repetitions):
        for beam, name in runs:
            command = [sys.executable, str(ROOT / "bench" / "workers.py"), "api", "--model", str(dirs[name]),
                       "--input", work.sentences, "--beam", str(beam), "--max-length", str(work.fixed_length)]
            if name != "full vocabulary":
                command.append("--shortlist")
            done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT,
                                  env=os.environ | {"PYTHONPATH": str(ROOT), "TRANSLATE_OFFLINE": "1"})
            result = json.loads(done.stdout.strip().splitlines()[-1])
            runs[(beam, name)].append(result["target_tokens"] / result["translate_s"])
            log(f"speed rep {rep + 1} beam {beam} {name}: {runs[(beam, name)][-1]:.0f} tokens/s")
    rows = [{"beam": beam, "map": name, "allowed": allowed[name], "tokens_per_s": statistics.median(rates)}
            | report.spread_ratio(rates, runs[(beam, "full vocabulary")]) for (beam, name), rates in runs.items()]
    return {"model": str(model), "sentences": len(sentences), "fixed_length": work.fixed_length,
            "vocabulary": len(vocabulary), "target_pieces": len(shortlist.target_ranking(model)),
            "repetitions": repetitions, "rows": rows}


SPEED_SIZES = (4_000, 28_000)
SPEED_NOTE = (
    "Our `Translator` on {sentences} TICO-19 + UN sentences, {fixed_length} tokens each (EOS pinned), engine "
    "batching, {repetitions} repetitions interleaved (each run its own process). Vocabulary {vocabulary:,}, of which "
    "{target_pieces:,} target SentencePiece pieces (the real opus-mt-ar-en: 62,834, about half of them English). "
    "*default map*: the default sizes, built from the reference pairs of the default texts (the random model's own "
    "translations are noise); *N allowed*: an always-allowed list of N entries and nothing else (the cost depends on "
    "the size alone). *allowed*: mean allowed set per batch.")


def markdown(results: dict) -> str:
    out = ["# Vocabulary shortlist: sizes, quality, speed", "",
           f"Regenerate with `{results['command']}`. Machine: {results['machine']}; "
           f"load average at start {results['load_average']}. "
           "The machine was shared with other jobs while these ran: speed is given as ratios of runs made back to back.", ""]
    if "sizes" in results:
        s = results["sizes"]
        out += ["## Sizes (tiny-ar-en)", "",
                f"Maps built from tiny-ar-en's translations of {s['build']} ({s['build_sentences']:,} sentences); measured on "
                f"{s['dev']} ({s['dev_sentences']:,} sentences, none used to build). *frequent*: share of the "
                f"{s['target_pieces']:,} target pieces always allowed (most frequent first, by the target SentencePiece model), "
                f"plus any piece in ≥ 1% of the translations (*always* counts both); *covered*: the sentence's "
                f"full-vocabulary translation lies inside its own allowed set; *batch allowed*: mean allowed set of a "
                f"{s['batch_tokens']}-token batch (vocabulary {s['vocabulary']:,}); *identical*: decoded with the map "
                f"(engine batches) at beam 1 / beam 4, the same translation as without it.", "",
                ]
        pct = lambda r, *keys: " / ".join(f"{100 * r[k]:.1f}%" for k in keys if k in r)  # noqa: E731
        out += report.table(
            ["frequent", "always", "per source", "covered UN", "covered everyday", "batch allowed",
             "identical UN beam 1 / 4", "identical everyday beam 1 / 4"],
            [[r["frequent"], f"{r['always']:,}", r["per_source"], pct(r, "covered_un"), pct(r, "covered_everyday"),
              f"{r['mean_batch_allowed']:,.0f}", pct(r, "identical_un_beam1", "identical_un_beam4"),
              pct(r, "identical_everyday_beam1", "identical_everyday_beam4")] for r in s["rows"]]) + [""]
    if "quality" in results:
        q = results["quality"]
        info = q["info"]
        check = info.get("check", {})
        out += ["## Quality (tiny-ar-en)", "",
                f"Map: `{q['command']}` (default texts: {', '.join(info.get('sources', []))}; {info.get('sentences', 0):,} "
                f"sentences; {info.get('per_source')} per source piece, {info.get('frequent')} always allowed; "
                f"{info.get('source_pieces', 0):,} source pieces). Its own check on {check.get('sentences')} held-back lines, "
                "identical translations: " + ", ".join(f"beam {b} {100 * c['identical']:.1f}%"
                                                       for b, c in check.get("beams", {}).items())
                + ". Scored on sets it was not built from; engine batching (1,024 tokens, one step's scores ≤ 32 MiB).", ""]
        out += report.table(
            ["set", "beam", "BLEU full", "BLEU shortlist", "chrF full", "chrF shortlist", "identical", "within bounds"],
            [[r["set"], r["beam"], f"{r['bleu_full']:.2f}", f"{r['bleu_shortlist']:.2f}", f"{r['chrf_full']:.2f}",
              f"{r['chrf_shortlist']:.2f}", f"{100 * r['identical']:.1f}%", "yes" if r["lossless"] else "no"]
             for r in q["rows"]])
        on = [b for b, c in check.get("beams", {}).items() if c.get("lossless")]
        out += ["", "Bounds: BLEU and chrF within 0.2 of the full vocabulary and ≥ 98% identical. By default, translating "
                f"uses this map at beam {', '.join(on) or 'none'} only (where its own check measured ≥ 98% identical); "
                "beam search changes because CTranslate2 renormalises the probabilities over the allowed tokens, "
                "which reorders beams even where every token of the full-vocabulary translation is allowed (Sizes: "
                "100% covered, 76% of UN lines identical at beam 4).", ""]
    if "speed" in results:
        p = results["speed"]
        out += ["## Speed (real-shape model, random weights)", "", SPEED_NOTE.format(**p), ""]
        out += report.table(["beam", "map", "allowed", "tokens/s", "÷ full vocabulary (median, min–max)"],
                            [[r["beam"], r["map"], f"{r['allowed']:,.0f}", f"{r['tokens_per_s']:,.0f}", report.fmt_ratio(r)]
                             for r in p["rows"]]) + [""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", default="sizes,quality,speed")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    WORK.mkdir(parents=True, exist_ok=True)
    parts = args.part.split(",")
    target = args.out / "shortlist.json"
    results = json.loads(target.read_text(encoding="utf-8")) if target.is_file() else {}
    results |= {"command": "python bench/shortlist.py", "load_average": os.getloadavg(),
                "machine": build_machine()}
    if "sizes" in parts:
        results["sizes"] = sizes(log)
    if "quality" in parts:
        results["quality"] = quality(log)
    if "speed" in parts:
        results["speed"] = speed(args.repetitions, log)
    args.out.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2), encoding="utf-8")
    (args.out / "shortlist.md").write_text(markdown(results), encoding="utf-8")
    log(f"wrote {target}")


def build_machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    return f"{model}, {len(os.sched_getaffinity(0))} cores"


if __name__ == "__main__":
    main()
