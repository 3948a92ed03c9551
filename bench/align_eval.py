"""Sentence-alignment quality and speed: writes bench/results/align.json and align.md.

1. Settings: a grid over the aligner's weights (unmatched cost, Gale-Church length weight, link-type
   prior weight) is scored on the development cases of bench/align_dev.py; the chosen setting
   maximises the mean strict F1 over the seven development sets (both Text+Berg translations,
   TICO-19 with three translations, IWSLT, UN), never one figure, and replaces the issue-7 setting
   only if it beats it by more than MIN_GAIN.
2. Leave-one-part-out: for each of the five Text+Berg parts, the setting is chosen again with that
   part left out of the development data, and scored on it; the parts' counts are pooled.
3. Per-set strict/lax P/R/F1 on development and held-back cases for: the chosen setting, the same
   without the lexicon (translate.lexicon), the issue-7 aligner, Gale-Church (`--method length`),
   a Bleualign-like baseline (Text+Berg only) and, with --forced, the chosen setting plus
   tiny-ar-en's forced-decoding score (the tiny-ar-en sets).
4. Speed of the aligner alone (translation excluded) at 1,000 and 20,000 sentences per side.

Run: PYTHONPATH=. python bench/align_eval.py [--forced] [--no-speed]
(reads ../shared/data; IWSLT is read there and never copied; caches under build/align-dev/).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import re
import sys
import time
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from align_dev import (CACHE, TEXTBERG_PARTS, Case, all_cases, counts, f1_scores,  # noqa: E402
                       links_of, planted_cases)
from translate.aligner import AlignParams, align  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
GRID = {"unmatched_cost": (0.7, 0.8, 0.9), "length_weight": (0.07, 0.1, 0.14), "type_weight": (0.04, 0.05, 0.065)}
# The setting of issue 7 (chosen then on the whole Text+Berg document); a grid setting replaces it
# only when it beats it by more than MIN_GAIN on the objective, so that noise is not chosen.
ISSUE7_WEIGHTS = {"unmatched_cost": 0.8, "length_weight": 0.1, "type_weight": 0.05}
MIN_GAIN = 0.002
DEV_SETS = ("textberg/google", "textberg/europarl", "tico/opus-mt", "tico/tc-big", "tico/tiny", "iwslt/tiny",
            "un/tiny")


def configs() -> list[AlignParams]:
    return [AlignParams(**dict(zip(GRID, values))) for values in itertools.product(*GRID.values())]


def label(params: AlignParams) -> str:
    """The grid values, then every other parameter that differs from the defaults (cache key)."""
    rest = {k: v for k, v in asdict(params).items() if k not in GRID and v != getattr(AlignParams(), k)}
    return " ".join(f"{k}={v}" for k, v in [*((k, getattr(params, k)) for k in GRID), *rest.items()])


def case_id(case: Case) -> str:
    return f"{case.set}|{case.doc}"


def run_grid(cases: list[Case]) -> dict[str, dict[str, list[int]]]:
    """{config label: {case id: counts}} for every grid setting on the given cases (cached)."""
    path = CACHE / "grid.json"
    table = json.loads(path.read_text()) if path.exists() else {}
    for n, params in enumerate(configs()):
        key = label(params)
        done = table.setdefault(key, {})
        todo = [c for c in cases if case_id(c) not in done]
        for case in todo:
            done[case_id(case)] = counts(case.gold, links_of(align(case.source, case.target, case.translation,
                                                                   params=params)))
        if todo:
            print(f"grid {n + 1}/{len(configs())}: {key}", file=sys.stderr, flush=True)
            _save(path, table)
    return table


def _save(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False))
    tmp.replace(path)


def pooled(per_case: dict[str, list[int]], cases: list[Case], keep=lambda c: True) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for case in cases:
        if keep(case):
            out[case.set] = [a + b for a, b in zip(out.get(case.set, [0] * 8), per_case[case_id(case)])]
    return out


def objective(by_set: dict[str, list[int]]) -> float:
    """Mean strict F1 over the development sets."""
    return float(np.mean([f1_scores(by_set[s])["f1_strict"] for s in DEV_SETS]))


def choose(grid: dict, dev: list[Case], leave_out: int | None = None, min_gain: float = MIN_GAIN
           ) -> tuple[AlignParams, float]:
    """The grid setting with the best objective, unless it beats the issue-7 setting by min_gain or less."""
    keep = lambda c: not (c.part and c.part == leave_out)  # noqa: E731
    score = {label(p): objective(pooled(grid[label(p)], dev, keep)) for p in configs()}
    best = max(configs(), key=lambda p: score[label(p)])
    issue7 = AlignParams(**ISSUE7_WEIGHTS)
    if score[label(best)] <= score[label(issue7)] + min_gain:
        best = issue7
    return best, score[label(best)]


def leave_one_part_out(grid: dict, dev: list[Case], min_gain: float = MIN_GAIN) -> dict:
    """Per Text+Berg part: the setting chosen without it, and its scores on it, pooled over parts."""
    folds, totals = [], {}
    for part in range(1, TEXTBERG_PARTS + 1):
        params, _ = choose(grid, dev, leave_out=part, min_gain=min_gain)
        row = {"part": part, "setting": label(params)}
        for case in dev:
            if case.part == part:
                c = grid[label(params)][case_id(case)]
                row[case.set] = f1_scores(c)
                totals[case.set] = [a + b for a, b in zip(totals.get(case.set, [0] * 8), c)]
        folds.append(row)
    return {"folds": folds, "pooled": {s: f1_scores(c) for s, c in totals.items()}}


# --- forced decoding with tiny-ar-en ----------------------------------------------------------

class CachedScorer:
    """tiny-ar-en's Translator.score, remembered in build/align-dev/forced.json."""

    def __init__(self):
        from translate.engine import Translator

        self.path = CACHE / "forced.json"
        self.table = json.loads(self.path.read_text("utf-8")) if self.path.exists() else {}
        self.translator = Translator(ROOT / "models" / "tiny-ar-en", offline=True)
        self.unsaved = 0

    def __call__(self, sources: list[str], targets: list[str]) -> list[float]:
        keys = [f"{s}\t{t}" for s, t in zip(sources, targets)]
        missing = [k for k in dict.fromkeys(keys) if k not in self.table]
        if missing:
            split = [k.split("\t") for k in missing]
            self.table.update(zip(missing, self.translator.score([s for s, _ in split], [t for _, t in split],
                                                                 batch_size=512)))
            self.unsaved += len(missing)
            if self.unsaved >= 5000:
                self.save()
        return [self.table[k] for k in keys]

    def save(self) -> None:
        _save(self.path, self.table)
        self.unsaved = 0


# --- Bleualign-like baseline -------------------------------------------------------------------

def _bleu2(hyp: list[str], ref: list[str]) -> float:
    """Smoothed sentence BLEU with unigrams and bigrams (Bleualign's default order)."""
    if not hyp or not ref:
        return 0.0
    log_p = 0.0
    for n in (1, 2):
        h = Counter(tuple(hyp[k:k + n]) for k in range(len(hyp) - n + 1))
        r = Counter(tuple(ref[k:k + n]) for k in range(len(ref) - n + 1))
        log_p += math.log((sum((h & r).values()) + 0.1) / (max(sum(h.values()), 0) + 0.1)) / 2
    brevity = min(0.0, 1 - len(ref) / len(hyp))
    return math.exp(log_p + brevity)


def bleualign_like(source: list[str], target: list[str], translation: list[str]) -> list:
    """1-1 anchors maximising summed sentence BLEU (monotone), then Gale-Church inside the gaps."""
    hyp = [re.findall(r"\w+", t.lower()) for t in translation]
    ref = [re.findall(r"\w+", t.lower()) for t in target]
    n, m = len(source), len(target)
    width = 30 + abs(n - m)  # Bleualign also searches near the diagonal only
    best = np.zeros((n + 1, m + 1))
    back = np.zeros((n + 1, m + 1), np.int8)
    for i in range(1, n + 1):
        center = i * m // max(n, 1)
        for j in range(1, m + 1):
            options = [best[i - 1, j], best[i, j - 1]]
            gain = _bleu2(hyp[i - 1], ref[j - 1]) if abs(j - center) <= width else 0.0
            options.append(best[i - 1, j - 1] + gain if gain > 0.05 else -1.0)
            back[i, j] = int(np.argmax(options))
            best[i, j] = options[back[i, j]]
    anchors = []
    i, j = n, m
    while i > 0 and j > 0:
        move = back[i, j]
        if move == 2:
            anchors.append((i - 1, j - 1))
        i, j = (i - 1, j) if move == 0 else (i, j - 1) if move == 1 else (i - 1, j - 1)
    anchors.reverse()
    result = []
    prev_i = prev_j = 0
    for ai, aj in anchors + [(n, m)]:
        for s_ids, t_ids in links_of(align(source[prev_i:ai], target[prev_j:aj], method="length")):
            result.append((tuple(prev_i + k for k in s_ids), tuple(prev_j + k for k in t_ids)))
        if ai < n:
            result.append(((ai,), (aj,)))
        prev_i, prev_j = ai + 1, aj + 1
    return result


# --- per-method tables ---------------------------------------------------------------------------

def per_set(cases: list[Case], run) -> dict[str, dict]:
    """Scores per set and split of one method (run: case -> links, or None to skip the case)."""
    out: dict[str, list[int]] = {}
    for case in cases:
        links = run(case)
        if links is None:
            continue
        key = f"{case.split}: {case.set}"
        out[key] = [a + b for a, b in zip(out.get(key, [0] * 8), counts(case.gold, links))]
    return {k: {**f1_scores(c), "counts": c} for k, c in sorted(out.items())}


def speed(scorer) -> dict:
    """Sentences per second of the aligner alone at 1,000 and 20,000 sentences per side (with the
    forced-decoding rescoring, whose model calls dominate, at 250).

    The documents are TICO-19 documents in shuffled rounds with planted edits, the source side
    translated by the published opus-mt-ar-en output (20,000 sentences repeat each document ~10
    times, in other orders and with other edits)."""
    docs = [c for c in planted_cases(("tico",)) if c.set == "tico/opus-mt"]
    rng = random.Random(5)
    out = {}
    for size in (250, 1000, 20000):
        src, tgt, hyp = [], [], []
        while len(src) < size:
            for case in rng.sample(docs, k=len(docs)):
                src += case.source
                tgt += case.target
                hyp += case.translation
        src, tgt, hyp = src[:size], tgt[:size], hyp[:size]
        row = {"source_sentences": len(src), "target_sentences": len(tgt)}
        runs = [("mt", dict(translation=hyp)),
                ("mt without the lexicon", dict(translation=hyp, params=AlignParams(lexicon=False))),
                ("length", dict(method="length"))] if size > 250 else []
        if scorer is not None and size == 250:  # the model scores ~30 candidate links per sentence
            runs.append(("mt + forced decoding (tiny-ar-en)", dict(translation=hyp, scorer=scorer.translator.score)))
        for name, kwargs in runs:
            start = time.perf_counter()
            align(src, tgt, **kwargs)
            seconds = time.perf_counter() - start
            row[name] = {"seconds": round(seconds, 2), "sentences_per_second": round((len(src) + len(tgt)) / seconds)}
            print(f"speed {size}: {name} {seconds:.1f} s", file=sys.stderr, flush=True)
        out[str(size)] = row
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--forced", action="store_true",
                    help="add the forced-decoding rows (tiny-ar-en sets; slow on CPU: ~30 model calls a sentence)")
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    cases = all_cases()
    dev = [c for c in cases if c.split == "dev"]
    grid = run_grid(dev)
    chosen, score = choose(grid, dev)
    lopo = leave_one_part_out(grid, dev)
    lopo_free = leave_one_part_out(grid, dev, min_gain=-1.0)  # the plain best grid setting each time
    print(f"chosen: {label(chosen)} (dev objective {score:.4f})", file=sys.stderr)
    tiny_set = lambda c: c.set.endswith("/tiny")  # noqa: E731
    no_lexicon = replace(chosen, lexicon=False)
    methods = {
        "mt, chosen setting": lambda c: links_of(align(c.source, c.target, c.translation, params=chosen)),
        "mt, chosen setting without the lexicon": lambda c: links_of(align(c.source, c.target, c.translation,
                                                                            params=no_lexicon)),
        "length (Gale-Church)": lambda c: links_of(align(c.source, c.target, method="length")),
        "Bleualign-like": lambda c: bleualign_like(c.source, c.target, c.translation) if c.set.startswith(
            "textberg") else None,
    }
    scorer = None
    if args.forced:
        scorer = CachedScorer()
        methods["mt, chosen setting + forced decoding (tiny-ar-en)"] = lambda c: links_of(align(
            c.source, c.target, c.translation, params=chosen, scorer=scorer)) if tiny_set(c) else None
    tables = {}
    for name, run in methods.items():
        print(f"method: {name}", file=sys.stderr, flush=True)
        tables[name] = per_set(cases, run)
    if scorer is not None:
        scorer.save()
    command = "PYTHONPATH=. python bench/align_eval.py" + (" --forced" if args.forced else "")
    results = {"command": command, "grid": {k: list(v) for k, v in GRID.items()}, "min_gain": MIN_GAIN,
               "chosen": asdict(chosen), "dev_objective": score,
               "defaults_are_chosen": AlignParams() == chosen, "leave_one_part_out": lopo,
               "leave_one_part_out_without_min_gain": lopo_free, "methods": tables,
               "speed": None if args.no_speed else speed(scorer)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "align.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "align.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


def markdown(r: dict) -> str:
    c = r["chosen"]
    out = ["# Sentence alignment (`bench/align_eval.py`)", "",
           f"Produced by `{r['command']}`; data and planted edits: `bench/align_dev.py`.", "",
           "## Setting", "",
           "Grid: " + ", ".join(f"{k} ∈ {{{', '.join(map(str, v))}}}" for k, v in r["grid"].items())
           + "; chosen by the mean strict F1 over the seven development sets (a setting other than issue 7's "
           + f"must beat it by more than {r['min_gain']}): "
           + ", ".join(f"{k} = {c[k]}" for k in r["grid"]) + f" (objective {r['dev_objective']:.4f}); "
           + f"lexicon glosses at t >= {c['gloss_min_prob']}. "
           + ("These are `AlignParams()`'s defaults." if r["defaults_are_chosen"]
              else "**`AlignParams()`'s defaults differ from this setting.**"), "",
           "## Text+Berg leave-one-part-out", "",
           "Each part's setting is chosen on the development data without that part (both translations of "
           "it left out), then scored on it.", "",
           "| part | setting chosen without it | F1 strict google | F1 strict europarl |", "|---|---|---|---|"]
    for fold in r["leave_one_part_out"]["folds"]:
        out.append(f"| {fold['part']} | {fold['setting']} | {fold['textberg/google']['f1_strict']:.3f} | "
                   f"{fold['textberg/europarl']['f1_strict']:.3f} |")
    pooled_ = r["leave_one_part_out"]["pooled"]
    out.append(f"| pooled | | **{pooled_['textberg/google']['f1_strict']:.3f}** (lax "
               f"{pooled_['textberg/google']['f1_lax']:.3f}) | **{pooled_['textberg/europarl']['f1_strict']:.3f}** "
               f"(lax {pooled_['textberg/europarl']['f1_lax']:.3f}) |")
    free = r["leave_one_part_out_without_min_gain"]
    out += ["", "The same with the plain best grid setting chosen each time (no minimum gain over issue 7's):", "",
            "| part | setting chosen without it | F1 strict google | F1 strict europarl |", "|---|---|---|---|"]
    for fold in free["folds"]:
        out.append(f"| {fold['part']} | {fold['setting']} | {fold['textberg/google']['f1_strict']:.3f} | "
                   f"{fold['textberg/europarl']['f1_strict']:.3f} |")
    out += [f"| pooled | | **{free['pooled']['textberg/google']['f1_strict']:.3f}** | "
            f"**{free['pooled']['textberg/europarl']['f1_strict']:.3f}** |", "",
            "Caveat: issue 7's weights were themselves chosen on the whole Text+Berg dev document, so the first "
            "table is not a held-out figure for them; the second shows what choosing weights on these data "
            "does to a part that was not used (the grid's choice differs little in objective and is noise on "
            "Text+Berg). The aligner without the lexicon is the issue-7 aligner."]
    out += ["", "## Per set (development and held-back cases)", "",
            "Held back from every choice: every third TICO-19 document, every fourth IWSLT talk, the UN "
            "test-set documents. tiny-ar-en was trained on the UN dev/test lines, so `un/tiny` has a "
            "near-perfect translation. Text+Berg has no held-back part: its held-out figure is the "
            "leave-one-part-out table above.", "",
            "| method | set | P strict | R strict | F1 strict | F1 lax |", "|---|---|---|---|---|---|"]
    for name, table in r["methods"].items():
        for key, s in table.items():
            out.append(f"| {name} | {key} | {s['precision_strict']:.3f} | {s['recall_strict']:.3f} | "
                       f"{s['f1_strict']:.3f} | {s['f1_lax']:.3f} |")
    out += ["", "Bleualign-like: a simplified re-implementation (sentence BLEU-2 1-1 anchors, Gale-Church "
            "in the gaps), not Bleualign itself. Published strict F1 on the Text+Berg *test* documents "
            "(not available here): Gale-Church 0.68, Bleualign 0.81, Vecalign (LASER) 0.90, Bertalign "
            "(LaBSE) 0.94."]
    if r["speed"]:
        out += ["", "## Speed (aligner alone, translation excluded; shared 2-core machine, one run)", "",
                "| sentences per side | method | seconds | sentences/s (both sides) |", "|---|---|---|---|"]
        for size, row in r["speed"].items():
            for name, v in row.items():
                if isinstance(v, dict):
                    out.append(f"| {size} | {name} | {v['seconds']} | {v['sentences_per_second']:,} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
