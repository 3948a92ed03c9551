"""Training and held-out data for tiny-ar-en, from ../shared/data (licences in the model card)."""
from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

# The engine's own input preparation, so training sees what inference will see.
from translate.normalize import prepare_source

REPO = Path(__file__).resolve().parents[3]
DATA = REPO.parent / "shared" / "data"

# Sets whose licence allows deriving and shipping a model (IWSLT: no; TICO-19: kept out, it is
# the project's translation/alignment evaluation set).
TRAIN_SETS = (
    "manythings-tatoeba-ara-eng",
    "tatoeba-test-v2021-08-07",
    "un-v1.0-devset",
    "un-v1.0-testset",
)
HELDOUT_SET = "tatoeba-test-v2021-08-07/subset_ara_label_only"
HELDOUT_PER_MILLE = 130  # about 13% of the 9642 MSA lines: ~1250 held-out pairs

def _clean_target(text: str) -> str:
    return " ".join(text.split())


def read_pairs(folder: str) -> list[tuple[str, str]]:
    base = DATA / folder
    src = (base / "src.ar").read_text(encoding="utf-8").splitlines()
    ref = (base / "ref.en").read_text(encoding="utf-8").splitlines()
    if len(src) != len(ref):
        raise SystemExit(f"{base}: {len(src)} Arabic lines but {len(ref)} English lines")
    return [(prepare_source(a), _clean_target(e)) for a, e in zip(src, ref) if a.strip() and e.strip()]


def is_heldout(ar: str, en: str) -> bool:
    """Deterministic choice by a hash of the pair, independent of file order."""
    digest = hashlib.sha256(f"{ar}\t{en}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 1000 < HELDOUT_PER_MILLE


@dataclass
class Split:
    train: list[tuple[str, str]]
    heldout: list[tuple[str, str]]
    removed: int  # training pairs dropped because one side equals a held-out side
    per_set: dict[str, int]


def heldout_pairs() -> list[tuple[str, str]]:
    return [p for p in read_pairs(HELDOUT_SET) if is_heldout(*p)]


def build_split() -> Split:
    heldout = heldout_pairs()
    held_ar = {a for a, _ in heldout}
    held_en = {e for _, e in heldout}
    seen: set[tuple[str, str]] = set()
    train: list[tuple[str, str]] = []
    removed = 0
    per_set: dict[str, int] = {}
    for name in TRAIN_SETS:
        kept = 0
        for pair in read_pairs(name):
            if pair[0] in held_ar or pair[1] in held_en:
                removed += 1
                continue
            if pair in seen:
                continue
            seen.add(pair)
            train.append(pair)
            kept += 1
        per_set[name] = kept
    return Split(train, heldout, removed, per_set)


def write_split(split: Split, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, pairs in (("train", split.train), ("heldout", split.heldout)):
        (out / f"{name}.ar").write_text("".join(a + "\n" for a, _ in pairs), encoding="utf-8")
        (out / f"{name}.en").write_text("".join(e + "\n" for _, e in pairs), encoding="utf-8")


if __name__ == "__main__":
    s = build_split()
    print(f"train {len(s.train)} heldout {len(s.heldout)} removed {s.removed} per set {s.per_set}")
    if len(sys.argv) > 1:
        write_split(s, Path(sys.argv[1]))
