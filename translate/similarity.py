"""Sentence similarity for alignment: IDF-weighted character n-gram vectors and their dot products.

A sentence becomes a sparse vector of character n-grams of its lower-cased words (punctuation and
tokenisation differences dropped, as in chrF). Vectors are additive, so the vector of several joined
sentences is the sum of theirs, and every similarity the aligner needs (joined blocks, random
samples for normalisation, coarse blocks of many sentences) is a sum of sentence-level dot products.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

import numpy as np

_WORD = re.compile(r"\w+")
_ORDERS = (3, 4)  # character n-gram lengths; the words' edges count as spaces
# An n-gram in more than this share of the sentences of either document carries almost no IDF
# weight but makes the sparse join expensive: drop it.
_MAX_DF_SHARE = 0.2


def normalize(sentence: str) -> str:
    """Lower-cased words separated by single spaces, padded: the text the n-grams are taken from."""
    words = _WORD.findall(unicodedata.normalize("NFKC", sentence).lower())
    return " " + " ".join(words) + " " if words else ""


@dataclass
class Vectors:
    """Sparse rows in coordinate form: ``row`` (sentence index), ``feat`` (feature id), ``weight``."""

    row: np.ndarray
    feat: np.ndarray
    weight: np.ndarray
    n_rows: int

    def regroup(self, group: np.ndarray, n_groups: int) -> Vectors:
        """Sum rows into groups (``group[r]`` = group of row r): the vectors of joined sentences."""
        return Vectors(group[self.row], self.feat, self.weight, n_groups)

    def norms_squared(self) -> np.ndarray:
        """Squared length of each row (duplicated features are summed first)."""
        key = self.row.astype(np.int64) * (int(self.feat.max(initial=0)) + 1) + self.feat
        uniq, inverse = np.unique(key, return_inverse=True)
        summed = np.bincount(inverse, self.weight, minlength=len(uniq))
        rows = uniq // (int(self.feat.max(initial=0)) + 1)
        return np.bincount(rows, summed * summed, minlength=self.n_rows)


def rare_features(a: Vectors, b: Vectors, max_rows: int) -> tuple[Vectors, Vectors]:
    """Both sides restricted to features found in at most ``max_rows`` rows of each.

    Rare n-grams (names, numbers, unusual words) are the anchors that a coarse alignment of
    long documents needs, and a join on them alone costs next to nothing.
    """
    n_feats = int(max(a.feat.max(initial=-1), b.feat.max(initial=-1))) + 1
    keep = (np.bincount(a.feat, minlength=n_feats) <= max_rows) & (
        np.bincount(b.feat, minlength=n_feats) <= max_rows)
    return tuple(Vectors(v.row[keep[v.feat]], v.feat[keep[v.feat]], v.weight[keep[v.feat]], v.n_rows)
                 for v in (a, b))


def _ngram_keys(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, key) of every character n-gram of every text; keys are deterministic 64-bit hashes."""
    joined = "\0".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    row_of_char = np.cumsum(codes == 0)
    rows, keys = [], []
    for n in _ORDERS:
        if len(codes) < n:
            continue
        count = len(codes) - n + 1
        key = np.full(count, n, dtype=np.uint64)
        inside = np.ones(count, dtype=bool)
        with np.errstate(over="ignore"):
            for t in range(n):
                piece = codes[t:t + count]
                key = key * np.uint64(0x100000001B3) + piece
                inside &= piece != 0
        rows.append(row_of_char[:count][inside])
        keys.append(key[inside])
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    return np.concatenate(rows).astype(np.int64), np.concatenate(keys)


def vectorize(source_side: Sequence[str], target_side: Sequence[str]) -> tuple[Vectors, Vectors]:
    """IDF-weighted n-gram count vectors of two sentence lists sharing one feature space.

    The IDF is computed over both lists together; features frequent in either list are dropped.
    """
    src_rows, src_keys = _ngram_keys([normalize(s) for s in source_side])
    tgt_rows, tgt_keys = _ngram_keys([normalize(s) for s in target_side])
    uniq, inverse = np.unique(np.concatenate([src_keys, tgt_keys]), return_inverse=True)
    src_feat, tgt_feat = inverse[: len(src_keys)], inverse[len(src_keys):]

    def counted(rows: np.ndarray, feats: np.ndarray, n_rows: int) -> tuple[np.ndarray, ...]:
        key = rows * len(uniq) + feats
        pair, tf = np.unique(key, return_counts=True)
        row, feat = pair // len(uniq), pair % len(uniq)
        df = np.bincount(feat, minlength=len(uniq))
        return row, feat, tf.astype(np.float64), df, n_rows

    src = counted(src_rows, src_feat, len(source_side))
    tgt = counted(tgt_rows, tgt_feat, len(target_side))
    n_docs = len(source_side) + len(target_side)
    df = src[3] + tgt[3]
    idf = np.log((n_docs + 1) / (df + 1)) + 1.0
    keep = (src[3] <= max(3, _MAX_DF_SHARE * len(source_side))) & (
        tgt[3] <= max(3, _MAX_DF_SHARE * len(target_side)))

    def weighted(side: tuple[np.ndarray, ...]) -> Vectors:
        row, feat, tf, _, n_rows = side
        ok = keep[feat]
        return Vectors(row[ok], feat[ok], ((1.0 + np.log(tf[ok])) * idf[feat[ok]]), n_rows)

    return weighted(src), weighted(tgt)


def pair_dots(a: Vectors, b: Vectors, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Dense matrix of dot products ``a[rows[i]] · b[cols[j]]`` by a sparse join on features."""
    result_size = len(rows) * len(cols)
    if result_size == 0:
        return np.zeros((len(rows), len(cols)))
    row_pos = np.full(a.n_rows, -1, dtype=np.int64)
    row_pos[rows] = np.arange(len(rows))
    col_pos = np.full(b.n_rows, -1, dtype=np.int64)
    col_pos[cols] = np.arange(len(cols))
    ar = row_pos[a.row]
    bc = col_pos[b.row]
    a_sel, b_sel = ar >= 0, bc >= 0
    ar, af, aw = ar[a_sel], a.feat[a_sel], a.weight[a_sel]
    bc, bf, bw = bc[b_sel], b.feat[b_sel], b.weight[b_sel]
    order = np.argsort(bf, kind="stable")
    bc, bf, bw = bc[order], bf[order], bw[order]
    feats, starts, counts = np.unique(bf, return_index=True, return_counts=True)
    where = np.searchsorted(feats, af)
    where[where == len(feats)] = 0
    hit = (len(feats) > 0) & (feats[where] == af) if len(feats) else np.zeros(len(af), bool)
    ar, aw, where = ar[hit], aw[hit], where[hit]
    n_each = counts[where]
    total = int(n_each.sum())
    a_idx = np.repeat(np.arange(len(ar)), n_each)
    first = np.repeat(starts[where] - (np.cumsum(n_each) - n_each), n_each)
    b_idx = first + np.arange(total)
    flat = ar[a_idx] * len(cols) + bc[b_idx]
    dots = np.bincount(flat, aw[a_idx] * bw[b_idx], minlength=result_size).astype(np.float64)
    return dots.reshape(len(rows), len(cols))


def gale_church_cost(source_chars: np.ndarray, target_chars: np.ndarray, ratio: float) -> np.ndarray:
    """-log P(|length difference| this large | a true link), after Gale & Church (1993).

    The normal tail uses their polynomial approximation in log space, so it never underflows.
    """
    mean = (source_chars + target_chars / ratio) / 2.0
    z = np.abs(ratio * source_chars - target_chars) / np.sqrt(6.8 * np.maximum(mean, 1.0))
    t = 1.0 / (1.0 + 0.2316419 * z)
    poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))))
    log_two_tails = math.log(2.0) - z * z / 2.0 - 0.5 * math.log(2.0 * math.pi) + np.log(poly)
    return -np.minimum(log_two_tails, 0.0)
