"""A word translation table learned from the document pair being aligned (IBM model 1).

Like hunalign's bootstrapping: a first alignment gives sentence links; IBM model 1, trained by EM
on those links, gives t(target word | source word); each source word seen at least twice in the
document whose best target word has t >= ``min_prob`` is glossed with it. The glosses of a source
sentence, added to its machine translation, give the aligner the document's own vocabulary where
the translation misses it (a weak model, a name it mangles, a term it renders otherwise).

Arabic-script words lose their diacritics and tatweel, a leading conjunction or preposition
(و ف ب ل ك) and the article ال, so that the clitic forms of a word count as one.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

import numpy as np

_WORD = re.compile(r"\w+")
_MARKS = re.compile(r"[\u0640\u064b-\u065f\u0670]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_ITERATIONS = 5
# Links used for training at most (evenly spread over the document), and word pairs per link and
# in all: EM's memory stays bounded (a link of two 5 MB lines would pair 10^11 words).
_MAX_LINKS = 4000
_MAX_LINK_PAIRS = 100_000
_MAX_PAIRS = 4_000_000


def words(sentence: str) -> list[str]:
    """Lower-cased words; Arabic ones without marks, a leading clitic letter and the article."""
    out = []
    for word in _WORD.findall(_MARKS.sub("", unicodedata.normalize("NFKC", sentence).lower())):
        if _ARABIC.search(word):
            if len(word) > 3 and word[0] in "وفبلك":
                word = word[1:]
            if len(word) > 4 and word.startswith("ال"):
                word = word[2:]
        out.append(word)
    return out


def glosses(source: Sequence[str], target: Sequence[str], links: Sequence[tuple[Sequence[int], Sequence[int]]],
            min_prob: float = 0.3, min_count: int = 2) -> list[str]:
    """For each source sentence, the target words its frequent words translate to (space-joined)."""
    src_words = [words(s) for s in source]
    tgt_words = [words(t) for t in target]
    pairs = [(s, t) for s, t in links if len(s) and len(t)]
    if not pairs:
        return [""] * len(source)
    if len(pairs) > _MAX_LINKS:
        pairs = [pairs[k] for k in np.linspace(0, len(pairs) - 1, _MAX_LINKS).astype(int)]
    src_vocab: dict[str, int] = {"": 0}  # id 0: the empty word IBM-1 aligns unexplained words to
    tgt_vocab: dict[str, int] = {}
    f_ids = [[src_vocab.setdefault(w, len(src_vocab)) for i in s for w in src_words[i]] for s, _ in pairs]
    e_ids = [[tgt_vocab.setdefault(w, len(tgt_vocab)) for j in t for w in tgt_words[j]] for _, t in pairs]
    table = _train(f_ids, e_ids, len(src_vocab), len(tgt_vocab))
    counts = np.bincount([src_vocab[w] for ws in src_words for w in ws if w in src_vocab],
                         minlength=len(src_vocab))
    best_e = np.full(len(src_vocab), -1)
    if table is not None:
        f, e, t = table
        order = np.lexsort((-t, f))  # per source word, its most probable target word first
        first = order[np.r_[True, f[order][1:] != f[order][:-1]]]
        keep = t[first] >= min_prob
        best_e[f[first][keep]] = e[first][keep]
    best_e[counts < min_count] = -1
    best_e[0] = -1
    tgt_words_by_id = list(tgt_vocab)
    return [" ".join(tgt_words_by_id[best_e[src_vocab[w]]] for w in ws if best_e[src_vocab.get(w, 0)] >= 0)
            for ws in src_words]


def _train(f_ids: list[list[int]], e_ids: list[list[int]], n_f: int, n_e: int
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """IBM model 1 by EM over linked blocks: (source id, target id, t(target | source)) per pair seen."""
    rows_f, rows_e, rows_g = [], [], []
    group = total = 0
    for fs, es in zip(f_ids, e_ids):
        size = (len(fs) + 1) * len(es)
        if not es or size > _MAX_LINK_PAIRS or total + size > _MAX_PAIRS:
            continue
        total += size
        fs = np.array([0, *fs])  # the empty word
        es = np.array(es)
        rows_f.append(np.tile(fs, len(es)))
        rows_e.append(np.repeat(es, len(fs)))
        rows_g.append(np.repeat(np.arange(group, group + len(es)), len(fs)))  # one group per target token
        group += len(es)
    if not rows_f:
        return None
    f, e, g = np.concatenate(rows_f), np.concatenate(rows_e), np.concatenate(rows_g)
    pair_keys, pair = np.unique(f.astype(np.int64) * n_e + e, return_inverse=True)
    pair_f, pair_e = pair_keys // n_e, pair_keys % n_e
    t = np.ones(len(pair_keys))  # uniform start: every t(e | f) alike
    for _ in range(_ITERATIONS):
        share = t[pair]
        share = share / np.bincount(g, share)[g]  # each target token's credit, split over the sources
        expected = np.bincount(pair, share, minlength=len(pair_keys))
        t = expected / np.bincount(pair_f, expected, minlength=n_f)[pair_f]
    return pair_f, pair_e, t
