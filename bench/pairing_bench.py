"""Document pairing: how far apart related and unrelated documents score; writes results/pairing.*.

For the 19 TICO-19 documents and each published translation of their Arabic side (opus-mt-ar-en,
opus-mt-tc-big-ar-en): the score (cosine minus background, translate.pairing) of every document
with its own English, and the highest score of a document with another's English when its own is
missing (both partners removed, the case pairing.DEFAULT_THRESHOLD must reject). Then the pairing of
the test collections (tests/test_pairing.py: 49 chunks, a third renamed, some without a partner)
at the default threshold.

Run: PYTHONPATH=. python bench/pairing_bench.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))
from align_dev import DATA, _documents, lines  # noqa: E402
from translate.pairing import DEFAULT_THRESHOLD, _cosines, _margins, pair_documents  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def separation(system: str) -> dict:
    folder = DATA / "tico19-test"
    en = lines(folder / "ref.en")
    mt = lines(DATA / "system-outputs" / system / "tico19-test.hyp.en")
    docs = _documents(folder)
    cos = _cosines([" ".join(mt[k] for k in ids) for _, ids in docs], [" ".join(en[k] for k in ids) for _, ids in docs])
    n = len(docs)
    everything = list(range(n))
    own = np.diag(_margins(cos, everything, everything))
    unrelated = max(_margins(cos, [r for r in everything if r != j], [c for c in everything if c != i])[i, j]
                    for i in everything for j in everything if i != j)
    return {"documents": n, "own_min": round(float(own.min()), 4), "own_median": round(float(np.median(own)), 4),
            "unrelated_max": round(float(unrelated), 4)}


def collections_result() -> dict:
    from test_pairing import collections  # the test's collections, built from ../shared/data

    arabic, english, expected, alone_ar, alone_en = collections()
    result = pair_documents(arabic, english)
    found = {(p.arabic, p.english) for p in result.pairs}
    return {"arabic": len(arabic), "english": len(english), "expected_pairs": len(expected),
            "correct_pairs": len(found & expected), "wrong_pairs": len(found - expected),
            "unpaired_arabic": len(result.unpaired_arabic), "expected_unpaired_arabic": len(alone_ar),
            "unpaired_english": len(result.unpaired_english), "expected_unpaired_english": len(alone_en),
            "by_name": sum(p.how == "name" for p in result.pairs)}


def main() -> None:
    out = {"command": "PYTHONPATH=. python bench/pairing_bench.py", "threshold": DEFAULT_THRESHOLD,
           "separation": {s: separation(s) for s in ("opus-mt-ar-en", "opus-mt-tc-big-ar-en")},
           "collections": collections_result()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pairing.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    rows = ["# Document pairing (`bench/pairing_bench.py`)", "", f"Produced by `{out['command']}`. Score: cosine of "
            "the translated Arabic document with the English one, minus the mean of the best four cosines of each "
            f"with the other candidates. Threshold: {DEFAULT_THRESHOLD}.", "",
            "| translation of the Arabic | documents | own English: min score | median | best other English, "
            "own partner missing |", "|---|---|---|---|---|"]
    for system, s in out["separation"].items():
        rows.append(f"| {system} | {s['documents']} | {s['own_min']:.3f} | {s['own_median']:.3f} | "
                    f"{s['unrelated_max']:.3f} |")
    c = out["collections"]
    rows += ["", f"Test collections (opus-mt-ar-en): {c['arabic']} Arabic and {c['english']} English documents; "
             f"{c['correct_pairs']} of {c['expected_pairs']} pairs found ({c['by_name']} by name), {c['wrong_pairs']} "
             f"wrong; unpaired {c['unpaired_arabic']} Arabic (expected {c['expected_unpaired_arabic']}) and "
             f"{c['unpaired_english']} English (expected {c['expected_unpaired_english']})."]
    (RESULTS / "pairing.md").write_text("\n".join(rows) + "\n", encoding="utf-8")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
