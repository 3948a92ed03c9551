"""Sentence-alignment quality and speed: writes bench/results/align.json and align.md.

1. Text+Berg German-French dev document (the Bleualign/Vecalign benchmark) with its gold links:
   our aligner with each of the two machine translations, Gale-Church (`--method length`) and a
   Bleualign-like baseline (sentence BLEU, 1-1 anchors, Gale-Church between them).
2. Arabic-English documents (TICO-19 documents, IWSLT talks) in which sentences of one side are
   merged or deleted at random, so that 2-1, 1-2, 1-0 and 0-1 gold links are known; translated by
   `tiny-ar-en` (when installed), by the published opus-mt-ar-en output (TICO-19 only), or aligned
   by length alone.
3. Speed of the aligner alone (translation excluded) on a 5,000-sentence document.

Scores: strict and lax precision/recall/F1 as in Vecalign's score.py (after Sennrich & Volk 2010):
precision over all links with a non-empty side, recall over gold links with two non-empty sides.

Run: PYTHONPATH=. python bench/align_eval.py   (about a minute without tiny-ar-en; the data is read
from ../shared/data, IWSLT is used only here and never copied).
"""

from __future__ import annotations

import json
import math
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from translate.aligner import align
from translate.errors import TranslateError
from translate.formats.links import parse_ids

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"
Link = tuple[tuple[int, ...], tuple[int, ...]]


def lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").split("\n")[:-1]]


def read_gold(path: Path) -> list[Link]:
    gold = []
    for line in lines(path):
        left, right = line.split(":")
        gold.append((parse_ids(left), parse_ids(right)))
    return gold


def _counts(gold: list[Link], test: list[Link]) -> tuple[int, int, int, int]:
    """(strict hits, strict misses, lax hits, lax misses) of the test links against gold."""
    gold_set = {link for link in gold if link[0] or link[1]}
    targets_of = defaultdict(set)
    for src, tgt in gold_set:
        for i in src:
            targets_of[i].update(tgt)
    strict = lax = 0
    test_set = {link for link in test if link[0] or link[1]}
    for src, tgt in test_set:
        if (src, tgt) in gold_set:
            strict += 1
            lax += 1
        elif set(tgt) & set().union(*(targets_of[i] for i in src)):
            lax += 1
    return strict, len(test_set) - strict, lax, len(test_set) - lax


def score(gold: list[Link], test: list[Link]) -> dict[str, float]:
    p = _counts(gold, test)
    r = _counts([t for t in test if t[0] and t[1]], [g for g in gold if g[0] and g[1]])
    f1 = lambda a, b: 2 * a * b / (a + b) if a + b else 0.0  # noqa: E731
    ps, pl = p[0] / max(p[0] + p[1], 1), p[2] / max(p[2] + p[3], 1)
    rs, rl = r[0] / max(r[0] + r[1], 1), r[2] / max(r[2] + r[3], 1)
    return {"precision_strict": ps, "recall_strict": rs, "f1_strict": f1(ps, rs),
            "precision_lax": pl, "recall_lax": rl, "f1_lax": f1(pl, rl)}


def links_of(result) -> list[Link]:
    return [(link.source_ids, link.target_ids) for link in result]


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


def bleualign_like(source: list[str], target: list[str], translation: list[str]) -> list[Link]:
    """1-1 anchors maximising summed sentence BLEU (monotone), then Gale-Church inside the gaps."""
    hyp = [re.findall(r"\w+", t.lower()) for t in translation]  # the dev target is tokenised, the MT not
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
    result: list[Link] = []
    prev_i = prev_j = 0
    for ai, aj in anchors + [(n, m)]:
        gap_src, gap_tgt = source[prev_i:ai], target[prev_j:aj]
        for s_ids, t_ids in links_of(align(gap_src, gap_tgt, method="length")):
            result.append((tuple(prev_i + k for k in s_ids), tuple(prev_j + k for k in t_ids)))
        if ai < n:
            result.append(((ai,), (aj,)))
        prev_i, prev_j = ai + 1, aj + 1
    return result


# --- Arabic-English documents with planted links -----------------------------------------------

def documents(folder: Path) -> list[tuple[list[str], list[str], list[int]]]:
    """(Arabic lines, English lines, line numbers) of each document listed in doc_ids.tsv."""
    ar, en = lines(folder / "src.ar"), lines(folder / "ref.en")
    by_doc: dict[str, list[int]] = defaultdict(list)
    for row in lines(folder / "doc_ids.tsv")[1:]:
        fields = row.split("\t")
        by_doc[fields[1]].append(int(fields[0]) - 1)
    return [([ar[k] for k in ids], [en[k] for k in ids], ids) for ids in by_doc.values()]


def plant(n: int, rng: random.Random, rate: float = 0.06) -> list[tuple[int, int]]:
    """Gold link sizes over n parallel sentence pairs: merge on either side, delete on either side."""
    sizes, k = [], 0
    while k < n:
        roll = rng.random()
        kind = ((2, 1) if roll < rate else (1, 2) if roll < 2 * rate else (1, 0) if roll < 2.5 * rate
                else (0, 1) if roll < 3 * rate else (1, 1))
        if max(kind) == 2 and k + 1 >= n:
            kind = (1, 1)
        sizes.append(kind)
        k += max(kind)
    return sizes


def build(ar: list[str], en: list[str], mt: list[str] | None, sizes) -> tuple:
    """The perturbed document: Arabic side, English side, translation of the Arabic side, gold."""
    src, tgt, hyp, gold, k = [], [], [], [], 0
    for a, b in sizes:
        if (a, b) == (2, 1):  # the English side joins the two references
            gold.append(((len(src), len(src) + 1), (len(tgt),)))
            src += ar[k:k + 2]
            hyp += mt[k:k + 2] if mt else []
            tgt.append(" ".join(en[k:k + 2]))
            k += 2
        elif (a, b) == (1, 2):  # the Arabic side joins the two sources
            gold.append(((len(src),), (len(tgt), len(tgt) + 1)))
            src.append(" ".join(ar[k:k + 2]))
            hyp.append(" ".join(mt[k:k + 2]) if mt else "")
            tgt += en[k:k + 2]
            k += 2
        elif (a, b) == (1, 0):  # the English sentence is missing
            gold.append(((len(src),), ()))
            src.append(ar[k])
            hyp.append(mt[k] if mt else "")
            k += 1
        elif (a, b) == (0, 1):  # the Arabic sentence is missing
            gold.append(((), (len(tgt),)))
            tgt.append(en[k])
            k += 1
        else:
            gold.append(((len(src),), (len(tgt),)))
            src.append(ar[k])
            hyp.append(mt[k] if mt else "")
            tgt.append(en[k])
            k += 1
    return src, tgt, hyp, gold


def tiny_translator():
    """The tiny-ar-en model: installed under that catalog name, or as models/tiny-ar-en/."""
    from translate.engine import Translator

    local = ROOT / "models" / "tiny-ar-en"
    try:
        return Translator(local if (local / "model.bin").exists() else "tiny-ar-en", offline=True)
    except TranslateError as exc:
        print(f"tiny-ar-en unavailable: {exc}", file=sys.stderr)
        return None


def ar_en(translator) -> dict:
    """F1 on the planted documents, per data set and translation source, pooled over documents."""
    tico_mt = lines(DATA / "system-outputs" / "opus-mt-ar-en" / "tico19-test.hyp.en")
    out = {}
    for name in ("tico19-test", "iwslt17-tst2016"):
        docs = documents(DATA / name)
        rng = random.Random(13)
        built = []
        for ar, en, ids in docs:
            sizes = plant(len(ar), rng)
            mt = [tico_mt[k] for k in ids] if name == "tico19-test" else None
            built.append((ar, en, mt, sizes))
        systems = {"length (Gale-Church)": None, "reference English (oracle)": "ref"}
        if name == "tico19-test":
            systems["opus-mt-ar-en output"] = "opus"
        if translator is not None:
            systems["tiny-ar-en"] = "tiny"
        for label, kind in systems.items():
            gold_all, test_all, seconds = [], [], 0.0
            for ar, en, mt, sizes in built:
                src, tgt, hyp, gold = build(ar, en, {"ref": en, "opus": mt}.get(kind), sizes)
                if kind == "tiny":
                    hyp = [t.target for t in translator.translate(src)]
                start = time.perf_counter()
                result = align(src, tgt, hyp if kind else None, method="mt" if kind else "length")
                seconds += time.perf_counter() - start
                gold_all.append(gold)
                test_all.append(links_of(result))
            pooled = _pooled(gold_all, test_all)
            pooled["documents"] = len(built)
            pooled["gold_links"] = sum(len(g) for g in gold_all)
            out[f"{name} / {label}"] = pooled
            print(f"{name} / {label}: strict F1 {pooled['f1_strict']:.3f}", file=sys.stderr)
    return out


def _pooled(gold_docs: list[list[Link]], test_docs: list[list[Link]]) -> dict[str, float]:
    """Scores over several documents, counts added up first (as score.py does)."""
    offset_gold, offset_test, shift_s, shift_t = [], [], 0, 0
    for gold, test in zip(gold_docs, test_docs):
        def moved(links: list[Link]) -> list[Link]:
            return [(tuple(i + shift_s for i in s), tuple(j + shift_t for j in t)) for s, t in links]
        offset_gold += moved(gold)
        offset_test += moved(test)
        shift_s += 1 + max([i for s, _ in gold for i in s] or [0])
        shift_t += 1 + max([j for _, t in gold for j in t] or [0])
    return score(offset_gold, offset_test)


def speed() -> dict:
    """Sentences per second of the aligner alone on a ~5,000-sentence TICO-19 document."""
    tico = DATA / "tico19-test"
    rng = random.Random(5)
    src, tgt, hyp = [], [], []
    while len(src) < 5000:  # the 19 documents, in a shuffled order each round
        for a, e, _ in rng.sample(documents(tico), k=19):
            s, t, h, _ = build(a, e, e, plant(len(a), rng))
            src += s
            tgt += t
            hyp += h
    out = {"source_sentences": len(src), "target_sentences": len(tgt)}
    for method in ("mt", "length"):
        start = time.perf_counter()
        align(src, tgt, hyp if method == "mt" else None, method=method)
        seconds = time.perf_counter() - start
        out[method] = {"seconds": round(seconds, 2),
                       "sentences_per_second": round((len(src) + len(tgt)) / seconds)}
    return out


def main() -> None:
    tb = DATA / "textberg-align"
    src, tgt, gold = lines(tb / "dev.de"), lines(tb / "dev.fr"), read_gold(tb / "dev.defr")
    textberg = {}
    for label, mt_file in (("ours, MT google", "dev.mt-google.fr"), ("ours, MT europarlfull", "dev.mt-europarlfull.fr")):
        textberg[label] = score(gold, links_of(align(src, tgt, lines(tb / mt_file))))
    textberg["Gale-Church (--method length)"] = score(gold, links_of(align(src, tgt, method="length")))
    for label, mt_file in (("Bleualign-like, MT google", "dev.mt-google.fr"),
                           ("Bleualign-like, MT europarlfull", "dev.mt-europarlfull.fr")):
        textberg[label] = score(gold, bleualign_like(src, tgt, lines(tb / mt_file)))
    translator = tiny_translator()
    results = {"textberg_dev_de_fr": textberg, "ar_en_planted": ar_en(translator),
               "tiny_ar_en_available": translator is not None, "speed": speed()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "align.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "align.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


def markdown(results: dict) -> str:
    rows = ["# Sentence alignment (`bench/align_eval.py`)", "",
            "## Text+Berg de-fr dev document (468 de / 554 fr sentences, 422 gold links)", "",
            "| system | P strict | R strict | F1 strict | F1 lax |", "|---|---|---|---|---|"]
    for label, s in results["textberg_dev_de_fr"].items():
        rows.append(f"| {label} | {s['precision_strict']:.3f} | {s['recall_strict']:.3f} | "
                    f"{s['f1_strict']:.3f} | {s['f1_lax']:.3f} |")
    rows += ["", "Bleualign-like: a simplified re-implementation (sentence BLEU-2 1-1 anchors, Gale-Church "
             "in the gaps), not Bleualign itself, which is not installable here.",
             "Published strict F1 on the Text+Berg *test* documents (not run here): Gale-Church 0.68, "
             "Bleualign 0.81, Vecalign (LASER) 0.90, Bertalign (LaBSE) 0.94.", "",
             "## Arabic-English documents with planted 2-1, 1-2, 1-0, 0-1 links", "",
             "| documents / translation | gold links | P strict | R strict | F1 strict | F1 lax |",
             "|---|---|---|---|---|---|"]
    for label, s in results["ar_en_planted"].items():
        rows.append(f"| {label} | {s['gold_links']} | {s['precision_strict']:.3f} | "
                    f"{s['recall_strict']:.3f} | {s['f1_strict']:.3f} | {s['f1_lax']:.3f} |")
    if not results["tiny_ar_en_available"]:
        rows += ["", "tiny-ar-en was not installed when this ran: no row for it."]
    sp = results["speed"]
    rows += ["", f"## Speed (aligner alone, {sp['source_sentences']} + {sp['target_sentences']} sentences)", "",
             "| method | seconds | sentences/s |", "|---|---|---|"]
    for method in ("mt", "length"):
        rows.append(f"| {method} | {sp[method]['seconds']} | {sp[method]['sentences_per_second']} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()
