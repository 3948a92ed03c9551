"""Pair the documents of two collections (Arabic and English) before aligning their sentences.

Two documents pair by name when their names match once language markers are removed
(``ar/report.txt`` ~ ``en/report.txt``, ``report.ar.txt`` ~ ``report_en.txt``, extension aside).
The others pair by translation similarity: the translation of each Arabic document (given, or
made once with ``translate``) is compared with each English document on the aligner's IDF-weighted
character n-grams (translate.similarity). A pair's score is its cosine minus the background of
its two documents (the mean of their best four cosines with the other candidates), a margin as in
Artetxe & Schwenk's bitext mining, so that two documents on one topic do not pair just because
they share its words. Pairs are taken best first, one-to-one, while the score reaches
``threshold``. Everything left over is returned unpaired with the reason and the closest
candidate, so that unrelated documents stay apart and a caller can list them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Callable, Sequence

import numpy as np

from translate.errors import TranslateError
from translate.segmenter import split_sentences
from translate.similarity import pair_dots, vectorize

# Score (cosine minus background) below which two documents are not paired. On the 19 TICO-19
# documents translated by opus-mt-ar-en (tc-big), every document scored at least 0.23 (0.40) with
# its own English and at most 0.09 (0.08) with another's, its own partner removed.
DEFAULT_THRESHOLD = 0.15
_BACKGROUND = 4
# Folder names and name parts that only say the language.
_LANGUAGE_DIRS = {"ar", "ara", "arabic", "en", "eng", "english"}
_MARKER = re.compile(r"(?:^|[._\-\s(\[])(?:ar|ara|arabic|en|eng|english)(?:[)\]])?(?=$|[._\-\s])", re.IGNORECASE)


@dataclass(frozen=True)
class Document:
    """One document: its name (path relative to its collection) and text.

    Arabic side only: ``translation``, its translation into English if already made, or else
    ``sentences``, what to translate (the text's sentences by translate.segmenter if not given).
    """

    name: str
    text: str
    translation: str | None = None
    sentences: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DocumentPair:
    arabic: str
    english: str
    how: str  # "name" or "similarity"
    score: float | None  # cosine minus background (None: no translation to compare)
    cosine: float | None = None


@dataclass(frozen=True)
class Unpaired:
    name: str
    reason: str
    best: str | None = None  # the closest document of the other side, if any
    score: float | None = None  # its score (cosine minus background)


@dataclass
class Pairing:
    pairs: list[DocumentPair] = field(default_factory=list)
    unpaired_arabic: list[Unpaired] = field(default_factory=list)
    unpaired_english: list[Unpaired] = field(default_factory=list)
    translations: dict[str, str] = field(default_factory=dict)  # Arabic name -> its translation


def name_key(name: str) -> str:
    """The name without language folders, language markers and extension, lower-cased."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    folders = [p.lower() for p in parts[:-1] if p.lower() not in _LANGUAGE_DIRS]
    pieces = parts[-1].lower().split(".") if parts else [""]
    if len(pieces) > 1:
        pieces = pieces[:-1]  # the extension
    pieces = [p for p in pieces if p not in _LANGUAGE_DIRS] or pieces
    stem = ".".join(pieces)
    return "/".join([*folders, _MARKER.sub("", stem).strip("._- ") or stem])


def pair_documents(arabic: Sequence[Document], english: Sequence[Document], *,
                   translate: Callable[[list[str]], Sequence[str]] | None = None,
                   threshold: float = DEFAULT_THRESHOLD, by_name: bool = True) -> Pairing:
    """Pair Arabic and English documents one-to-one (see the module docstring).

    ``translate`` maps a list of Arabic sentences to their English translations; it is called once,
    for the sentences of every Arabic document without a ``translation``. Without it, documents
    that lack a translation can only pair by name.
    """
    for side, docs in (("arabic", arabic), ("english", english)):
        names = [d.name for d in docs]
        if len(set(names)) != len(names):
            raise TranslateError(f"{side}: document names must be unique")
    if not 0.0 <= threshold <= 1.0:
        raise TranslateError(f"threshold {threshold}: must be between 0 and 1")
    translations = _translations(arabic, translate)
    result = Pairing(translations=translations)
    cos = _cosines([translations.get(d.name, "") for d in arabic], [d.text for d in english])
    have = np.array([d.name in translations for d in arabic], dtype=bool)
    left_ar, left_en = list(range(len(arabic))), list(range(len(english)))
    if by_name:
        left_ar, left_en = _pair_by_name(arabic, english, cos, have, result)
    left_ar_t = [i for i in left_ar if have[i]]
    score = _margins(cos, left_ar_t, left_en)
    taken_ar: dict[int, int] = {}  # Arabic index -> English index
    taken_en: dict[int, int] = {}
    sub = score[np.ix_(left_ar_t, left_en)]
    for flat in np.argsort(-sub, axis=None, kind="stable"):
        value = sub.flat[flat]
        if value < threshold:
            break
        i, j = left_ar_t[flat // sub.shape[1]], left_en[flat % sub.shape[1]]
        if i in taken_ar or j in taken_en:
            continue
        result.pairs.append(DocumentPair(arabic[i].name, english[j].name, "similarity", _round(value),
                                         _round(cos[i, j])))
        taken_ar[i], taken_en[j] = j, i
    for i in left_ar:
        if i in taken_ar:
            continue
        if not have[i]:
            result.unpaired_arabic.append(Unpaired(arabic[i].name, "no English document with a matching name, "
                                                   "and no translation to compare"))
        else:
            result.unpaired_arabic.append(_unpaired(arabic[i].name, score[i], left_en, english, taken_en, arabic,
                                                    threshold, "English"))
    for j in left_en:
        if j not in taken_en:
            result.unpaired_english.append(_unpaired(english[j].name, score[:, j], left_ar_t, arabic, taken_ar,
                                                     english, threshold, "Arabic"))
    result.pairs.sort(key=lambda p: p.arabic)
    return result


def _round(value: float) -> float:
    return round(float(value), 4)


def _margins(cos: np.ndarray, rows: list[int], cols: list[int]) -> np.ndarray:
    """Cosine minus the mean of the best _BACKGROUND cosines of its row and of its column (others only)."""
    score = np.full(cos.shape, -np.inf)
    if not rows or not cols:
        return score
    sub = cos[np.ix_(rows, cols)]

    def background(matrix: np.ndarray) -> np.ndarray:
        """Per cell: the mean of the best cosines of its row, the cell itself left out."""
        if matrix.shape[1] < 2:
            return np.zeros_like(matrix)
        k = min(_BACKGROUND, matrix.shape[1] - 1)
        top = -np.sort(-matrix, axis=1)[:, :k + 1]  # the best k+1 of each row
        with_self = top[:, :k].mean(axis=1, keepdims=True)  # the cell is not among the best k
        without_self = (top.sum(axis=1, keepdims=True) - matrix) / k  # it is: its row's others
        return np.where(matrix >= top[:, k - 1:k], without_self, with_self)

    score[np.ix_(rows, cols)] = sub - (background(sub) + background(sub.T).T) / 2.0
    return score


def _translations(arabic: Sequence[Document], translate) -> dict[str, str]:
    """Each Arabic document's translation: given, or made in one call for all the missing ones."""
    out = {d.name: d.translation for d in arabic if d.translation is not None}
    missing = [d for d in arabic if d.translation is None]
    if translate is None or not missing:
        return out
    sentences = [list(d.sentences) if d.sentences is not None else split_sentences(d.text) for d in missing]
    flat = [s for doc in sentences for s in doc]
    translated = list(translate(flat))
    if len(translated) != len(flat):
        raise TranslateError(f"translate: returned {len(translated)} translations for {len(flat)} sentences")
    k = 0
    for doc, sents in zip(missing, sentences):
        out[doc.name] = " ".join(translated[k:k + len(sents)])
        k += len(sents)
    return out


def _cosines(translations: list[str], english: list[str]) -> np.ndarray:
    """Cosine of every translated Arabic document with every English document."""
    if not translations or not english:
        return np.zeros((len(translations), len(english)))
    x, y = vectorize(translations, english)
    dots = pair_dots(x, y, np.arange(len(translations)), np.arange(len(english)))
    norms = np.sqrt(np.outer(x.norms_squared(), y.norms_squared()))
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)


def _pair_by_name(arabic, english, cos, have, result: Pairing) -> tuple[list[int], list[int]]:
    """Pairs whose name keys match exactly once on each side; returns the documents left over."""
    keys_ar, keys_en = defaultdict(list), defaultdict(list)
    for i, d in enumerate(arabic):
        keys_ar[name_key(d.name)].append(i)
    for j, d in enumerate(english):
        keys_en[name_key(d.name)].append(j)
    used_ar, used_en = set(), set()
    for key, ids in keys_ar.items():
        if len(ids) == 1 and len(keys_en.get(key, ())) == 1:
            i, j = ids[0], keys_en[key][0]
            value = _round(cos[i, j]) if have[i] else None
            result.pairs.append(DocumentPair(arabic[i].name, english[j].name, "name", None, value))
            used_ar.add(i)
            used_en.add(j)
    return ([i for i in range(len(arabic)) if i not in used_ar],
            [j for j in range(len(english)) if j not in used_en])


def _unpaired(name: str, row: np.ndarray, others: list[int], other_docs, taken: dict[int, int], own_docs,
              threshold: float, other_side: str) -> Unpaired:
    """Why a document stayed unpaired: nothing similar enough, or its best match went to another."""
    if not others:
        return Unpaired(name, f"no {other_side} document left to compare with")
    best = max(others, key=lambda k: row[k])
    value = _round(row[best])
    if best in taken and value >= threshold:
        reason = f"its closest {other_side} document was paired with {own_docs[taken[best]].name}, a closer match"
    else:
        reason = f"no {other_side} document similar enough (best score {value:.3f} < threshold {threshold})"
    return Unpaired(name, reason, other_docs[best].name, value)
