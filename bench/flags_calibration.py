"""Thresholds of the review flags (translate/flags.py): chosen on development data, checked on held-out data.

1. Text flags on human translations (every hit is a false alarm, except real number or script
   differences in the references): the English/Arabic length-ratio band is the 0.5th–99.5th
   percentile of UN v1.0 dev pairs; flag rates on UN dev (dev), UN test and TICO-19 (held out).
2. Low model score: tiny-ar-en (beam 4) on its held-out Tatoeba pairs, split in two by a hash;
   the per-token probability threshold that best separates poor translations (sentence chrF < 30)
   on one half (F1), then precision/recall on the other half; same for repetition loops.
3. Low alignment confidence: links of the Text+Berg dev document (its Google MT) against the gold
   links: the confidence threshold that best finds wrong links (F1), checked on TICO-19 documents
   with planted 2-1/1-2/1-0/0-1 links aligned with the opus-mt-ar-en output.

Run: PYTHONPATH=. python bench/flags_calibration.py   (about a minute; writes bench/results/flags.md)
"""

from __future__ import annotations

import hashlib
import math
import random
import sys
from pathlib import Path

import numpy as np
from sacrebleu.metrics import CHRF

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "models" / "recipes" / "tiny-ar-en"))

from align_eval import DATA, build, documents, lines, plant, read_gold, tiny_translator  # noqa: E402

from translate.aligner import align  # noqa: E402
from translate.flags import DEFAULT, flag_pair  # noqa: E402
from translate.records import Pair  # noqa: E402

TEXT_FLAGS = ("length-ratio", "numbers", "arabic-script", "repetition", "untranslated")


def human_pairs(name: str) -> list[Pair]:
    return [Pair(a, e) for a, e in zip(lines(DATA / name / "src.ar"), lines(DATA / name / "ref.en"))
            if a.strip() and e.strip()]


def rates(pairs: list[Pair]) -> dict[str, float]:
    hits = {name: 0 for name in TEXT_FLAGS}
    for pair in pairs:
        for flag in flag_pair(pair):
            if flag.name in hits:
                hits[flag.name] += 1
    return {name: count / len(pairs) for name, count in hits.items()}


def best_threshold(values: np.ndarray, bad: np.ndarray, grid) -> tuple[float, float]:
    """The threshold t (flag values < t) with the best F1 at finding ``bad``, and that F1."""
    best = (grid[0], -1.0)
    for t in grid:
        flagged = values < t
        tp = int((flagged & bad).sum())
        f1 = 2 * tp / max(int(flagged.sum()) + int(bad.sum()), 1)
        if f1 > best[1]:
            best = (float(t), f1)
    return best


def prf(flagged: np.ndarray, bad: np.ndarray) -> str:
    tp = int((flagged & bad).sum())
    precision, recall = tp / max(int(flagged.sum()), 1), tp / max(int(bad.sum()), 1)
    return (f"flags {int(flagged.sum())} of {len(bad)}; precision {precision:.2f}, recall {recall:.2f} "
            f"(poor: {int(bad.sum())})")


def model_scores(out: list[str]) -> None:
    from data import heldout_pairs

    translator = tiny_translator()
    if translator is None:
        out.append("tiny-ar-en not installed: model-score part skipped.")
        return
    pairs = heldout_pairs()
    results = list(translator.translate([a for a, _ in pairs]))
    chrf = CHRF()
    halves: dict[bool, list] = {True: [], False: []}
    for (ar, en), result in zip(pairs, results):
        dev = hashlib.sha256(ar.encode()).digest()[0] % 2 == 0
        poor = chrf.sentence_score(result.target, [en]).score < 30
        halves[dev].append((math.exp(result.score), poor, Pair(ar, result.target, score=result.score)))
    grid = np.round(np.arange(0.05, 0.9, 0.01), 2)
    dev_p, dev_bad = (np.array(x) for x in zip(*[(p, b) for p, b, _ in halves[True]]))
    threshold, f1 = best_threshold(dev_p, dev_bad, grid)
    test_p, test_bad = (np.array(x) for x in zip(*[(p, b) for p, b, _ in halves[False]]))
    out.append(f"- dev half ({len(dev_p)} pairs): best per-token probability threshold {threshold} (F1 {f1:.2f}); "
               f"default {DEFAULT.min_probability}: {prf(dev_p < DEFAULT.min_probability, dev_bad)}")
    out.append(f"- held-out half ({len(test_p)} pairs), default {DEFAULT.min_probability}: "
               f"{prf(test_p < DEFAULT.min_probability, test_bad)}")
    for dev, label in ((True, "dev"), (False, "held-out")):
        loops = np.array([any(f.name == "repetition" for f in flag_pair(p)) for _, _, p in halves[dev]])
        bad = np.array([b for _, b, _ in halves[dev]])
        out.append(f"- repetition flag on tiny-ar-en output, {label} half: {prf(loops, bad)}")


def alignment_confidence(out: list[str]) -> None:
    tb = DATA / "textberg-align"
    src, tgt = lines(tb / "dev.de"), lines(tb / "dev.fr")
    gold = {(tuple(s), tuple(t)) for s, t in read_gold(tb / "dev.defr")}
    result = align(src, tgt, lines(tb / "dev.mt-google.fr"))
    linked = [link for link in result if link.source_ids and link.target_ids]
    conf = np.array([link.confidence for link in linked])
    wrong = np.array([(tuple(link.source_ids), tuple(link.target_ids)) not in gold for link in linked])
    threshold, f1 = best_threshold(conf, wrong, np.round(np.arange(0.05, 0.95, 0.01), 2))
    out.append(f"- Text+Berg dev ({len(linked)} links, {int(wrong.sum())} not in the gold): best confidence "
               f"threshold {threshold} (F1 {f1:.2f}); default {DEFAULT.min_confidence}: "
               f"{prf(conf < DEFAULT.min_confidence, wrong)}")
    tico_mt = lines(DATA / "system-outputs" / "opus-mt-ar-en" / "tico19-test.hyp.en")
    rng = random.Random(13)
    confs, wrongs = [], []
    for ar, en, ids in documents(DATA / "tico19-test"):
        s, t, hyp, gold_links = build(ar, en, [tico_mt[k] for k in ids], plant(len(ar), rng))
        gold_set = set(gold_links)
        for link in align(s, t, hyp):
            if link.source_ids and link.target_ids:
                confs.append(link.confidence)
                wrongs.append((tuple(link.source_ids), tuple(link.target_ids)) not in gold_set)
    conf, wrong = np.array(confs), np.array(wrongs)
    out.append(f"- TICO-19 planted, opus-mt-ar-en output (held out), default {DEFAULT.min_confidence}: "
               f"{prf(conf < DEFAULT.min_confidence, wrong)}")


def main() -> None:
    out = ["# Review flags: thresholds", "", "Command: `PYTHONPATH=. python bench/flags_calibration.py`", "",
           "## Text flags on human translations (share of pairs flagged: false alarms, mostly)", ""]
    dev = human_pairs("un-v1.0-devset")
    ratios = np.array([len(p.target.strip()) / len(p.source.strip()) for p in dev
                       if max(len(p.source), len(p.target)) >= DEFAULT.min_chars])
    low, high = np.percentile(ratios, [0.5, 99.5])
    out.append(f"UN dev English/Arabic character ratio: median {np.median(ratios):.2f}, 0.5th percentile "
               f"{low:.2f}, 99.5th {high:.2f} (defaults: {DEFAULT.min_ratio}–{DEFAULT.max_ratio})")
    out += ["", "| data | " + " | ".join(TEXT_FLAGS) + " |", "|---|" + "---:|" * len(TEXT_FLAGS)]
    for name, label in (("un-v1.0-devset", "UN dev (dev)"), ("un-v1.0-testset", "UN test (held out)"),
                        ("tico19-test", "TICO-19 (held out)")):
        shares = rates(human_pairs(name))
        out.append(f"| {label} | " + " | ".join(f"{100 * shares[n]:.1f}%" for n in TEXT_FLAGS) + " |")
    out += ["", "## Low model score (tiny-ar-en, held-out Tatoeba pairs; poor = sentence chrF < 30)", ""]
    model_scores(out)
    out += ["", "## Low alignment confidence (wrong = link not in the gold)", ""]
    alignment_confidence(out)
    text = "\n".join(out) + "\n"
    (ROOT / "bench" / "results" / "flags.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
