"""Development and held-back material for the sentence aligner, and its scoring.

Sets (each a list of cases: one document, one translation of its source side, gold links):

- ``textberg/google``, ``textberg/europarl``: the Text+Berg de-fr dev document cut into
  ``TEXTBERG_PARTS`` parts at gold link boundaries, each part aligned as a document of its own, with
  each of the two machine translations the benchmark provides. Used for leave-one-part-out tuning.
- ``tico/opus-mt``, ``tico/tc-big``, ``tico/tiny``: the 19 TICO-19 documents with planted edits
  (merges 2-1/1-2/3-1/1-3, an English sentence split at a clause boundary, adjacent sentences
  swapped (2-2), deletions on either side, short foreign lines inserted on either side), the
  Arabic side translated by the published opus-mt-ar-en / opus-mt-tc-big-ar-en outputs (a joined
  Arabic sentence gets the joined line translations) or by tiny-ar-en (which translates every
  joined sentence itself).
- ``iwslt/tiny``: the 13 IWSLT 2017 tst2016 talks, same edits, tiny-ar-en (read from ../shared only,
  never copied: CC BY-NC-ND).
- ``un/tiny``: documents of 80 consecutive lines of the UN v1.0 dev (dev) and test (held-back) sets,
  same edits. tiny-ar-en was trained on these lines, so its translations are near-perfect here: the
  set checks the aligner with a strong translation on long formal sentences, nothing more.

Split: every third TICO-19 document, every fourth IWSLT talk and the UN test-set documents are held
back from tuning (``split == "held"``); the Text+Berg parts are all development data and are
reported leave-one-part-out. tiny-ar-en translations are cached in build/align-dev/.

Scores: strict and lax precision/recall/F1 as Vecalign's score.py (after Sennrich & Volk 2010),
counts pooled over the documents of a set.
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / "build" / "align-dev"
TEXTBERG_PARTS = 5
Link = tuple[tuple[int, ...], tuple[int, ...]]


def lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").split("\n")[:-1]]


def parse_ids(text: str) -> tuple[int, ...]:
    inner = text.strip()[1:-1].strip()
    return tuple(int(x) for x in inner.split(",")) if inner else ()


def read_gold(path: Path) -> list[Link]:
    return [(parse_ids(left), parse_ids(right)) for left, right in (line.split(":") for line in lines(path))]


# --- scoring (Vecalign's score.py) -----------------------------------------------------------

def _counts(gold: Sequence[Link], test: Sequence[Link]) -> list[int]:
    """[strict hits, strict misses, lax hits, lax misses] of the test links against gold."""
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
    return [strict, len(test_set) - strict, lax, len(test_set) - lax]


def counts(gold: Sequence[Link], test: Sequence[Link]) -> list[int]:
    """Precision counts then recall counts (recall: precision with the roles swapped, 1-0/0-1 dropped)."""
    both = lambda links: [x for x in links if x[0] and x[1]]  # noqa: E731
    return _counts(gold, test) + _counts(both(test), both(gold))


def f1_scores(c: Sequence[int]) -> dict[str, float]:
    f1 = lambda a, b: 2 * a * b / (a + b) if a + b else 0.0  # noqa: E731
    ps, pl = c[0] / max(c[0] + c[1], 1), c[2] / max(c[2] + c[3], 1)
    rs, rl = c[4] / max(c[4] + c[5], 1), c[6] / max(c[6] + c[7], 1)
    return {"precision_strict": ps, "recall_strict": rs, "f1_strict": f1(ps, rs),
            "precision_lax": pl, "recall_lax": rl, "f1_lax": f1(pl, rl)}


# --- cases ----------------------------------------------------------------------------------

@dataclass
class Case:
    set: str  # e.g. "tico/tiny"
    doc: str
    split: str  # "dev" or "held"
    source: list[str]
    target: list[str]
    translation: list[str]
    gold: list[Link]
    part: int = 0  # Text+Berg part number


def textberg_cases() -> list[Case]:
    """The dev document cut into parts at gold boundaries where no link crosses, per translation."""
    tb = DATA / "textberg-align"
    src, tgt, gold = lines(tb / "dev.de"), lines(tb / "dev.fr"), read_gold(tb / "dev.defr")
    # A cut after gold link k is clean when every later link starts after every earlier one ends.
    cuts, seen_s, seen_t = [], -1, -1
    ends = []
    for k, (s, t) in enumerate(gold):
        seen_s, seen_t = max([seen_s, *s]), max([seen_t, *t])
        later = gold[k + 1:]
        if all(min(x, default=seen_s + 1) > seen_s and min(y, default=seen_t + 1) > seen_t for x, y in later):
            ends.append((k, seen_s + 1, seen_t + 1))
    for p in range(1, TEXTBERG_PARTS):
        want = p * len(src) / TEXTBERG_PARTS
        cuts.append(min(ends, key=lambda e: abs(e[1] - want)))
    bounds = [(-1, 0, 0), *cuts, (len(gold) - 1, len(src), len(tgt))]
    cases = []
    for label, mt_file in (("google", "dev.mt-google.fr"), ("europarl", "dev.mt-europarlfull.fr")):
        mt = lines(tb / mt_file)
        for p, ((k0, s0, t0), (k1, s1, t1)) in enumerate(zip(bounds, bounds[1:])):
            part_gold = [(tuple(i - s0 for i in s), tuple(j - t0 for j in t)) for s, t in gold[k0 + 1:k1 + 1]]
            cases.append(Case(f"textberg/{label}", f"part{p + 1}", "dev", src[s0:s1], tgt[t0:t1], mt[s0:s1],
                              part_gold, part=p + 1))
    return cases


# Planted edit kinds and their rates per position (the rest are 1-1 links). A whole sentence
# missing on one side is rarer than a merge in translated documents (1 of 422 gold links of the
# Text+Berg dev document); short foreign lines (captions, boilerplate) are the common 1-0/0-1.
EDITS = (("2-1", 0.05), ("1-2", 0.05), ("3-1", 0.01), ("1-3", 0.01), ("split", 0.025), ("swap", 0.02),
         ("1-0", 0.0075), ("0-1", 0.0075), ("insert-en", 0.015), ("insert-ar", 0.01))


@dataclass
class Unit:
    """One gold link of a planted document: its Arabic sentences (each a tuple of the line numbers
    joined into it; negative: a line of another document) and its English sentences (text)."""

    ar_groups: list[tuple[int, ...]]
    en: list[str]


def _clause_split(sentence: str) -> tuple[str, str] | None:
    """The sentence cut at the comma/semicolon nearest its middle, if both halves have 4+ words."""
    best = None
    for k, ch in enumerate(sentence):
        if ch in ",;" and k + 1 < len(sentence) and sentence[k + 1] == " ":
            left, right = sentence[:k + 1].strip(), sentence[k + 1:].strip()
            if len(left.split()) >= 4 and len(right.split()) >= 4:
                if best is None or abs(k - len(sentence) / 2) < abs(best - len(sentence) / 2):
                    best = k
    if best is None:
        return None
    return sentence[:best + 1].strip(), sentence[best + 1:].strip()


def plant(n_lines: int, en: Sequence[str], rng: random.Random, foreign_en: Sequence[str],
          foreign_ar: Sequence[int]) -> list[Unit]:
    """Gold units over a document of n parallel lines with edits drawn at the EDITS rates.

    ``foreign_en`` are short English lines and ``foreign_ar`` Arabic line numbers from other
    documents (inserted material that matches nothing on the other side).
    """
    units: list[Unit] = []
    k = 0
    while k < n_lines:
        roll, kind, acc = rng.random(), "1-1", 0.0
        for name, rate in EDITS:
            acc += rate
            if roll < acc:
                kind = name
                break
        need = {"2-1": 2, "1-2": 2, "3-1": 3, "1-3": 3, "swap": 2}.get(kind, 1)
        if k + need > n_lines:
            kind, need = "1-1", 1
        lines_ = tuple(range(k, k + need))
        if kind in ("2-1", "3-1"):  # English side joins the references
            units.append(Unit([(i,) for i in lines_], [" ".join(en[i] for i in lines_)]))
        elif kind in ("1-2", "1-3"):  # Arabic side joins the sources
            units.append(Unit([lines_], [en[i] for i in lines_]))
        elif kind == "swap":  # the English sentences in the other order: one 2-2 link
            units.append(Unit([(i,) for i in lines_], [en[k + 1], en[k]]))
        elif kind == "split" and _clause_split(en[k]):
            units.append(Unit([lines_], list(_clause_split(en[k]))))
        elif kind == "1-0":
            units.append(Unit([lines_], []))
        elif kind == "0-1":
            units.append(Unit([], [en[k]]))
        elif kind == "insert-en":
            units.append(Unit([], [rng.choice(foreign_en)]))
            units.append(Unit([lines_], [en[k]]))
        elif kind == "insert-ar":
            units.append(Unit([(-1 - rng.choice(foreign_ar),)], []))  # negative: foreign line
            units.append(Unit([lines_], [en[k]]))
        else:
            units.append(Unit([lines_], [en[k]]))
        k += need
    return units


def _materialise(units: list[Unit], ar: Sequence[str], foreign: Sequence[str],
                 translate: Callable[[tuple[int, ...]], str]) -> tuple[list[str], list[str], list[str], list[Link]]:
    """Source sentences, target sentences, translations of the source and gold links of planted units."""
    src, tgt, hyp, gold = [], [], [], []
    for unit in units:
        s_ids, t_ids = [], []
        for group in unit.ar_groups:
            s_ids.append(len(src))
            src.append(" ".join(foreign[-1 - i] if i < 0 else ar[i] for i in group))
            hyp.append(translate(group))
        for sentence in unit.en:
            t_ids.append(len(tgt))
            tgt.append(sentence)
        gold.append((tuple(s_ids), tuple(t_ids)))
    return src, tgt, hyp, gold


def _documents(folder: Path) -> list[tuple[str, list[int]]]:
    by_doc: dict[str, list[int]] = defaultdict(list)
    for row in lines(folder / "doc_ids.tsv")[1:]:
        fields = row.split("\t")
        by_doc[fields[1]].append(int(fields[0]) - 1)
    return list(by_doc.items())


class TinyCache:
    """tiny-ar-en translations of Arabic strings, kept in build/align-dev/tiny.json."""

    def __init__(self):
        self.path = CACHE / "tiny.json"
        self.table: dict[str, str] = json.loads(self.path.read_text("utf-8")) if self.path.exists() else {}
        self.wanted: set[str] = set()

    def fill(self) -> None:
        missing = sorted(self.wanted - self.table.keys())
        if not missing:
            return
        from translate.engine import Translator

        print(f"tiny-ar-en: translating {len(missing)} sentences", file=sys.stderr)
        translator = Translator(ROOT / "models" / "tiny-ar-en", offline=True)
        for text, result in zip(missing, translator.translate(missing)):
            self.table[text] = result.target
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.table, ensure_ascii=False), "utf-8")
        tmp.replace(self.path)


def _planted_cases(name: str, docs: list[tuple[str, list[str], list[str], str]], systems: dict,
                   tiny: TinyCache, seed: int) -> list[tuple]:
    """Plant edits in each document once; one case per document and translation system (pending tiny)."""
    rng = random.Random(seed)
    all_ar = [a for _, ar, _, _ in docs for a in ar]
    short_en = [e for _, _, en, _ in docs for e in en if 2 <= len(e.split()) <= 8]
    pending = []
    for doc, ar, en, split in docs:
        own = set(ar)
        foreign_ar_ids = [k for k, a in enumerate(all_ar) if a not in own and 2 <= len(a.split()) <= 8] or [0]
        units = plant(len(ar), en, rng, short_en, foreign_ar_ids)
        for system, lookup in systems.items():
            pending.append((name, doc, split, system, units, ar, all_ar, lookup))
            if lookup is None:  # tiny: every Arabic sentence as the aligner will see it
                for unit in units:
                    for group in unit.ar_groups:
                        tiny.wanted.add(" ".join(all_ar[-1 - i] if i < 0 else ar[i] for i in group))
    return pending


def planted_cases(include: Sequence[str] = ("tico", "iwslt", "un")) -> list[Case]:
    tiny = TinyCache()
    pending = []
    if "tico" in include:
        folder = DATA / "tico19-test"
        ar_all, en_all = lines(folder / "src.ar"), lines(folder / "ref.en")
        outs = {"opus-mt": lines(DATA / "system-outputs" / "opus-mt-ar-en" / "tico19-test.hyp.en"),
                "tc-big": lines(DATA / "system-outputs" / "opus-mt-tc-big-ar-en" / "tico19-test.hyp.en")}
        docs = [(doc, [ar_all[k] for k in ids], [en_all[k] for k in ids], "held" if n % 3 == 2 else "dev")
                for n, (doc, ids) in enumerate(_documents(folder))]
        starts = {doc: ids[0] for doc, ids in _documents(folder)}
        # A published translation of a line of another document is looked up by its global number.
        all_ids = [k for _, ids in _documents(folder) for k in ids]

        def file_lookup(out: list[str]):
            return lambda doc, group: " ".join(out[all_ids[-1 - i]] if i < 0 else out[starts[doc] + i] for i in group)

        systems = {"opus-mt": file_lookup(outs["opus-mt"]), "tc-big": file_lookup(outs["tc-big"]), "tiny": None}
        pending += _planted_cases("tico", docs, systems, tiny, seed=19)
    if "iwslt" in include:
        folder = DATA / "iwslt17-tst2016"
        ar_all, en_all = lines(folder / "src.ar"), lines(folder / "ref.en")
        en_all = [" ".join(e.split()) for e in en_all]  # the talks' references hold double spaces
        docs = [(doc, [ar_all[k] for k in ids], [en_all[k] for k in ids], "held" if n % 4 == 3 else "dev")
                for n, (doc, ids) in enumerate(_documents(folder))]
        pending += _planted_cases("iwslt", docs, {"tiny": None}, tiny, seed=17)
    if "un" in include:
        docs = []
        for split, folder in (("dev", "un-v1.0-devset"), ("held", "un-v1.0-testset")):
            ar_all, en_all = lines(DATA / folder / "src.ar"), lines(DATA / folder / "ref.en")
            for d in range(6):
                docs.append((f"{split}{d}", ar_all[d * 80:(d + 1) * 80], en_all[d * 80:(d + 1) * 80], split))
        pending += _planted_cases("un", docs, {"tiny": None}, tiny, seed=23)
    tiny.fill()
    cases = []
    for name, doc, split, system, units, ar, all_ar, lookup in pending:
        if lookup is None:
            translate = lambda group, ar=ar, all_ar=all_ar: tiny.table[  # noqa: E731
                " ".join(all_ar[-1 - i] if i < 0 else ar[i] for i in group)]
        else:
            translate = lambda group, doc=doc, lookup=lookup: lookup(doc, group)  # noqa: E731
        src, tgt, hyp, gold = _materialise(units, ar, all_ar, translate)
        cases.append(Case(f"{name}/{system}", doc, split, src, tgt, hyp, gold))
    return cases


def all_cases() -> list[Case]:
    return textberg_cases() + planted_cases()


# --- evaluation -----------------------------------------------------------------------------

def links_of(result) -> list[Link]:
    return [(link.source_ids, link.target_ids) for link in result]


def evaluate(cases: Sequence[Case], run: Callable[[Case], list[Link]]) -> dict[str, list[int]]:
    """Pooled counts per (set, split) and per Text+Berg part: {"tico/tiny|dev": counts, ...}."""
    pooled: dict[str, list[int]] = {}
    for case in cases:
        c = counts(case.gold, run(case))
        keys = [f"{case.set}|{case.split}"] + ([f"{case.set}|part{case.part}"] if case.part else [])
        for key in keys:
            pooled[key] = [a + b for a, b in zip(pooled.get(key, [0] * 8), c)]
    return pooled


if __name__ == "__main__":
    cases = all_cases()
    for case in cases[:3]:
        print(case.set, case.doc, len(case.source), len(case.target), len(case.gold))
    print(len(cases), "cases")
