"""Measure the repetition guards (repetition_penalty, no_repeat_ngram_size) on real output.

Translates the demo model's held-out Tatoeba sentences and the first TICO-19 lines (long, news-like
sentences, where small models loop) under each setting, and reports BLEU, chrF and how many
outputs show runaway repetition. The engine's defaults come from this table.

    PYTHONPATH=. python bench/decoding_guards.py [--model tiny-ar-en] [--tico 300]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import time
from pathlib import Path

import sacrebleu

from translate.engine import DecodeOptions, Translator

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SETTINGS = [(1.0, 0), (1.0, 3), (1.0, 4), (1.1, 0), (1.2, 0), (1.1, 4)]
_WORD = re.compile(r"\w+")


def heldout() -> tuple[list[str], list[str]]:
    spec = importlib.util.spec_from_file_location("tiny_data", ROOT / "models/recipes/tiny-ar-en/data.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    pairs = module.heldout_pairs()
    return [a for a, _ in pairs], [e for _, e in pairs]


def tico(n: int) -> tuple[list[str], list[str]]:
    src = (SHARED / "tico19-test/src.ar").read_text(encoding="utf-8").splitlines()[:n]
    ref = (SHARED / "tico19-test/ref.en").read_text(encoding="utf-8").splitlines()[:n]
    return src, ref


def runaway(text: str) -> bool:
    """A word repeated 3+ times in a row, or a word trigram occurring 3+ times."""
    words = _WORD.findall(text.lower())
    if any(words[i] == words[i + 1] == words[i + 2] for i in range(len(words) - 2)):
        return True
    trigrams = [tuple(words[i:i + 3]) for i in range(len(words) - 2)]
    return any(trigrams.count(t) >= 3 for t in set(trigrams))


def repeated_ngrams(n: int) -> dict[str, float]:
    """Share of human reference sentences that repeat a word n-gram: what no_repeat_ngram_size=n
    would forbid a model to produce."""
    shares = {}
    for name in ("tico19-test", "un-v1.0-devset", "tatoeba-test-v2021-08-07"):
        lines = (SHARED / name / "ref.en").read_text(encoding="utf-8").splitlines()
        repeated = 0
        for line in lines:
            words = _WORD.findall(line)
            grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
            repeated += len(grams) != len(set(grams))
        shares[name] = round(100 * repeated / len(lines), 1)
    return shares


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="tiny-ar-en")
    parser.add_argument("--tico", type=int, default=300)
    parser.add_argument("--beam-size", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    translator = Translator(args.model)
    sets = {"tatoeba-heldout": heldout(), f"tico19-first{args.tico}": tico(args.tico)}
    rows = []
    for penalty, ngram in SETTINGS:
        options = DecodeOptions(beam_size=args.beam_size, repetition_penalty=penalty, no_repeat_ngram_size=ngram)
        for name, (src, ref) in sets.items():
            start = time.perf_counter()
            hyp = [t.target for t in translator.translate(src, options=options)]
            rows.append({"set": name, "repetition_penalty": penalty, "no_repeat_ngram_size": ngram,
                         "bleu": round(sacrebleu.corpus_bleu(hyp, [ref]).score, 2),
                         "chrf": round(sacrebleu.corpus_chrf(hyp, [ref]).score, 2),
                         "runaway": sum(map(runaway, hyp)), "sentences": len(hyp),
                         "seconds": round(time.perf_counter() - start, 1)})
            print(rows[-1], flush=True)
    references = {n: repeated_ngrams(n) for n in (3, 4)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "decoding_guards.json").write_text(json.dumps(
        {"model": translator.model_id, "beam_size": args.beam_size, "rows": rows,
         "references_with_repeated_word_ngram_percent": references}, indent=2))
    lines = [f"# Repetition guards, {translator.model_id}, beam {args.beam_size}", "",
             "| set | repetition_penalty | no_repeat_ngram_size | BLEU | chrF | outputs with runaway repetition |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['set']} | {r['repetition_penalty']} | {r['no_repeat_ngram_size']} | {r['bleu']} | {r['chrf']} "
              f"| {r['runaway']} / {r['sentences']} |" for r in rows]
    lines += ["", "Human references that repeat a word n-gram (what `no_repeat_ngram_size=n` forbids), %:", "",
              "| n | " + " | ".join(references[3]) + " |", "|---|" + "---|" * len(references[3])]
    lines += [f"| {n} | " + " | ".join(str(v) for v in shares.values()) + " |" for n, shares in references.items()]
    (args.out / "decoding_guards.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
