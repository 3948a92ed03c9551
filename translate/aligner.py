"""Sentence alignment of a document with its translation: one dynamic program over both documents.

A link joins up to 4 consecutive source sentences with up to 4 consecutive target sentences
(1-1, 1-2, 2-1, 2-2, 1-3, 3-1, 2-3, 3-2, 3-3, 1-4, 4-1, and 1-0/0-1 for unmatched sentences,
which pay a fixed cost each). With ``method="mt"`` a link's cost says how little the machine
translation of its source side resembles its target side: 1 - sqrt(cosine) of character n-gram
vectors, divided, as in Vecalign, by the same quantity against random sentences of the other
document; on a joined side each sentence must also resemble the other side by itself (a mismatch
above the cost of an unmatched sentence counts twice), so that a stray line (a caption, an OCR
scrap) is left unmatched rather than absorbed into its neighbour's link. A Gale-Church length
term and a penalty per link type are added. ``method="length"`` is Gale-Church alone. Long
documents are aligned coarse-to-fine: blocks of sentences first (on rare n-grams), then the
sentences within a band around that path. The documents are aligned twice: the second time each
translation is followed by glosses from a word table that IBM model 1 learns on the first
alignment's links (translate.lexicon; hunalign's bootstrapping). With a ``scorer`` (the model's forced-decoding score,
``Translator.score``), the links near that path are scored by the model and searched again with
that score added (see ``_rescore``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from translate.engine import DecodeOptions, Engine
from translate.errors import TranslateError, param
from translate.lexicon import glosses
from translate.records import Pair
from translate.segmenter import Segment
from translate.similarity import Vectors, gale_church_cost, pair_dots, rare_features, vectorize

METHODS = ("mt", "length")
# (source sentences, target sentences) a link may join, besides the unmatched 1-0 and 0-1.
LINK_TYPES = ((1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (2, 3), (3, 2), (1, 4), (4, 1), (3, 3))
_MAX_SIDE = max(max(kind) for kind in LINK_TYPES)
# Gale & Church's priors, with 1-3/3-1 as rare as 2-2 and the larger types half as rare again:
# the cost of each link type. The larger types are real (a long sentence translated as four, a
# 2-3 whose boundaries cross); without them each such link costs a strict error or two.
_PRIORS = {(1, 1): 0.89, (1, 2): 0.089 / 2, (2, 1): 0.089 / 2, (2, 2): 0.011,
           (1, 3): 0.011 / 2, (3, 1): 0.011 / 2, (1, 0): 0.0099 / 2, (0, 1): 0.0099 / 2,
           (2, 3): 0.011 / 4, (3, 2): 0.011 / 4, (1, 4): 0.011 / 4, (4, 1): 0.011 / 4, (3, 3): 0.011 / 4}
_INF = np.inf
# Coarse levels compare blocks on n-grams found in at most this many units of each side.
_COARSE_MAX_ROWS = 3
# Rows of the band whose dot products are computed together: small tiles waste few pairs
# outside the band.
_TILE = 32


@dataclass(frozen=True)
class AlignParams:
    """The aligner's few parameters, chosen on development data (bench/results/align.md)."""

    unmatched_cost: float = 0.8  # per unmatched sentence (a sentence in a random link costs about 1)
    length_weight: float = 0.1  # weight of the Gale-Church term in the MT cost
    type_weight: float = 0.05  # weight of -log prior(link type) in the MT cost
    forced_weight: float = 0.1  # with a scorer: weight of the forced-decoding cost
    samples: int = 50  # random sentences per side for the normalisation
    full_cells: int = 400_000  # up to this many DP cells the search is exhaustive
    coarse_factor: int = 4  # sentences per block at each coarser level
    margin: int = 8  # band half-width around the coarse path, in units of the finer level
    score_margin: int = 1  # with a scorer: band half-width around the first path where links are scored
    lexicon: bool = True  # align twice, the second time with glosses from a word table (translate.lexicon)
    gloss_min_prob: float = 0.2  # a source word is glossed when t(target word | it) reaches this


@dataclass(frozen=True)
class Link:
    """Source and target sentence indices (0-based, consecutive, possibly empty) joined by a link."""

    source_ids: tuple[int, ...]
    target_ids: tuple[int, ...]
    confidence: float

    @property
    def kind(self) -> str:
        return f"{len(self.source_ids)}-{len(self.target_ids)}"


def align(source: Sequence[str], target: Sequence[str], translation: Sequence[str] | None = None,
          *, method: str = "mt", params: AlignParams = AlignParams(), translator: Engine | None = None,
          options: DecodeOptions | None = None,
          scorer: Callable[[list[str], list[str]], Sequence[float]] | None = None) -> list[Link]:
    """Align two sentence lists; ``translation[i]`` translates ``source[i]`` into the target language
    (with ``translator`` instead, the source is translated here, with ``options``).

    Every sentence of both sides is in exactly one link, and links are in document order.
    ``scorer(sources, targets)``, if given, returns the mean log-probability per token of each target
    given its source (``Translator.score``); with method mt the links are then rescored with it.
    """
    if method not in METHODS:
        raise TranslateError(f"{param('method', method)}: unknown method, choose from {', '.join(METHODS)}")
    if method == "mt":
        if translation is None and translator is not None:
            translation = [t.target for t in translator.translate(source, options=options)]
        if translation is None:
            raise TranslateError(f"{param('method', 'mt')}: needs a {param('translation')} of the source "
                                 f"sentences or a {param('translator')}")
        if len(translation) != len(source):
            raise TranslateError(
                f"{param('translation')}: {len(translation)} lines for {len(source)} source sentences")
    src_len = np.array([len(s) for s in source], dtype=np.float64)
    tgt_len = np.array([len(s) for s in target], dtype=np.float64)
    ratio = (tgt_len.sum() + 1.0) / (src_len.sum() + 1.0)
    if method == "mt" and len(source) and len(target):
        x, y = vectorize(translation, target)
        units = _Units(x, y, src_len, tgt_len)
    else:
        units = _Units(None, None, src_len, tgt_len)
    model = _CostModel(params, ratio, rng=np.random.default_rng(0))
    path, confidences = _solve(units, model)
    if units.x is not None and params.lexicon:
        # Again, each translation followed by the glosses of a word table learned on the first links.
        links = _links(path, confidences)
        gloss = glosses(source, target, [(k.source_ids, k.target_ids) for k in links], params.gloss_min_prob)
        units = _Units(*vectorize([f"{t} {g}" for t, g in zip(translation, gloss)], target), src_len, tgt_len)
        path, confidences = _solve(units, model)
    if scorer is not None and units.x is not None:
        path, confidences = _rescore(units, model, path, scorer, source, target)
    return _links(path, confidences)


def _links(path: list[tuple[int, int]], confidences: list[float]) -> list[Link]:
    links, i, j = [], 0, 0
    for (a, b), conf in zip(path, confidences):
        links.append(Link(tuple(range(i, i + a)), tuple(range(j, j + b)), conf))
        i, j = i + a, j + b
    return links


def _rescore(units: _Units, model: _CostModel, path: list[tuple[int, int]], scorer, source: Sequence[str],
             target: Sequence[str]) -> tuple[list[tuple[int, int]], list[float]]:
    """Search again near ``path`` with the model's own score of each candidate link added.

    ``scorer(sources, targets)`` gives the mean log-probability per token of each target given its
    source (forced decoding, Translator.score). Minus the target's score given an empty source
    (what the target scores by fluency alone), it says how much the source explains the target;
    divided by its mean over the links of ``path``, a link as good as a typical one costs 0 and a
    link whose source does not help costs 1.
    """
    n, m = units.shape
    band = _Band.around(path, 1, model.params.score_margin, n, m)
    cols, rows = band.columns(), np.arange(n + 1)[:, None]
    cells = {}
    for a, b in LINK_TYPES:
        safe_i = np.clip(rows - a, 0, n)
        ok = ((cols <= band.hi[:, None]) & (rows - a >= 0) & (cols - b >= band.lo[safe_i])
              & (cols - b <= band.hi[safe_i]))
        cells[(a, b)] = np.nonzero(ok)
    blocks = sorted({(r - a, r, int(cols[r, k]) - b, int(cols[r, k]))
                     for (a, b), (rr, kk) in cells.items() for r, k in zip(rr, kk)})
    index = {block: k for k, block in enumerate(blocks)}
    src = [" ".join(source[i0:i1]) for i0, i1, _, _ in blocks]
    tgt = [" ".join(target[j0:j1]) for _, _, j0, j1 in blocks]
    spans = sorted({(j0, j1) for _, _, j0, j1 in blocks})
    fluency = dict(zip(spans, scorer([""] * len(spans), [" ".join(target[j0:j1]) for j0, j1 in spans])))
    gain = np.array(scorer(src, tgt)) - np.array([fluency[(j0, j1)] for _, _, j0, j1 in blocks])
    i = j = 0
    typical = []
    for a, b in path:
        if a and b and (i, i + a, j, j + b) in index:
            typical.append(gain[index[(i, i + a, j, j + b)]])
        i, j = i + a, j + b
    scale = max(float(np.mean(typical)) if typical else 0.0, 1e-3)
    model.forced = {}
    for (a, b), (rr, kk) in cells.items():
        grid = np.full(cols.shape, np.nan)
        grid[rr, kk] = 1.0 - gain[[index[(r - a, r, int(cols[r, k]) - b, int(cols[r, k]))]
                                   for r, k in zip(rr, kk)]] / scale
        model.forced[(a, b)] = grid
    try:
        return _search(units, band, model)
    finally:
        model.forced = None


def to_pairs(links: Sequence[Link], source: Sequence[Segment], target: Sequence[Segment],
             doc: str = "") -> list[Pair]:
    """One Pair per link; a side of several sentences joins them with a space, an unmatched side is "".

    ``source_span`` runs from the first joined source sentence to the last and ``paragraph`` is the
    first one's (an unmatched target sentence takes the paragraph of the source before it);
    ``score`` stays None (no model scored the pair) and ``confidence`` says how well the sides match.
    """
    pairs, paragraph = [], 0
    for number, link in enumerate(links):
        joined = [source[i] for i in link.source_ids]
        if joined:
            paragraph = joined[0].paragraph
        pairs.append(Pair(
            source=" ".join(s.text for s in joined), target=" ".join(target[j].text for j in link.target_ids),
            doc=doc, paragraph=paragraph, sentence=number, link=link.kind,
            source_span=(joined[0].start, joined[-1].end) if joined else None,
            source_ids=link.source_ids, target_ids=link.target_ids, confidence=round(link.confidence, 4)))
    return pairs


@dataclass
class _Units:
    """What the cost needs about the units being aligned (sentences, or blocks of them)."""

    x: Vectors | None  # source-side vectors (of the translation); None for length only
    y: Vectors | None
    x_len: np.ndarray
    y_len: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.x_len), len(self.y_len)

    def coarser(self, factor: int) -> _Units:
        """Blocks of ``factor`` consecutive units, compared on rare features only."""
        gx = np.arange(len(self.x_len)) // factor
        gy = np.arange(len(self.y_len)) // factor
        nx, ny = int(gx[-1]) + 1, int(gy[-1]) + 1
        x = y = None
        if self.x is not None and self.y is not None:
            x, y = rare_features(self.x, self.y, _COARSE_MAX_ROWS)
            x, y = x.regroup(gx, nx), y.regroup(gy, ny)
        return _Units(x, y, np.bincount(gx, self.x_len, minlength=nx),
                      np.bincount(gy, self.y_len, minlength=ny))


def _solve(units: _Units, model: _CostModel) -> tuple[list[tuple[int, int]], list[float]]:
    """Best path of link types from (0, 0) to (N, M), searched in a band from a coarser path."""
    n, m = units.shape
    if n == 0 or m == 0 or (n + 1) * (m + 1) <= model.params.full_cells:
        band = _Band(np.zeros(n + 1, np.int64), np.full(n + 1, m, np.int64))
    else:
        factor = model.params.coarse_factor
        coarse_path, _ = _solve(units.coarser(factor), model)
        band = _Band.around(coarse_path, factor, model.params.margin, n, m)
    return _search(units, band, model)


@dataclass
class _Band:
    """For each DP row i (source units consumed), the columns lo[i]..hi[i] that are searched."""

    lo: np.ndarray
    hi: np.ndarray

    @property
    def width(self) -> int:
        return int((self.hi - self.lo).max()) + 1

    def columns(self) -> np.ndarray:
        return self.lo[:, None] + np.arange(self.width)[None, :]

    @classmethod
    def around(cls, path: list[tuple[int, int]], factor: int, margin: int, n: int, m: int) -> _Band:
        lo = np.full(n + 1, m, np.int64)
        hi = np.zeros(n + 1, np.int64)
        i = j = 0
        for a, b in path:  # each coarse link covers a rectangle of fine cells
            i0, i1 = min(i * factor, n), min((i + a) * factor, n)
            j0, j1 = min(j * factor, m), min((j + b) * factor, m)
            lo[i0:i1 + 1] = np.minimum(lo[i0:i1 + 1], j0)
            hi[i0:i1 + 1] = np.maximum(hi[i0:i1 + 1], j1)
            i, j = i + a, j + b
        widened_lo, widened_hi = lo.copy(), hi.copy()
        for shift in range(1, margin + 1):
            widened_lo[shift:] = np.minimum(widened_lo[shift:], lo[:-shift])
            widened_lo[:-shift] = np.minimum(widened_lo[:-shift], lo[shift:])
            widened_hi[shift:] = np.maximum(widened_hi[shift:], hi[:-shift])
            widened_hi[:-shift] = np.maximum(widened_hi[:-shift], hi[shift:])
        lo = np.clip(widened_lo - margin, 0, m)
        hi = np.clip(widened_hi + margin, 0, m)
        # Monotone and overlapping rows, so that a path from (0, 0) to (n, m) always exists.
        lo = np.minimum.accumulate(lo[::-1])[::-1]
        hi = np.maximum.accumulate(hi)
        lo[0], hi[-1] = 0, m
        hi[:-1] = np.maximum(hi[:-1], lo[1:])
        return cls(lo, hi)


class _CostModel:
    """Costs of every link type at every cell of a band."""

    def __init__(self, params: AlignParams, ratio: float, rng: np.random.Generator):
        self.params = params
        self.ratio = ratio
        self.rng = rng
        self.forced: dict | None = None  # forced-decoding costs of the links of a band, see _rescore

    def unmatched_cost(self, with_similarity: bool) -> float:
        return self.params.unmatched_cost if with_similarity else -math.log(_PRIORS[(1, 0)])

    def costs(self, units: _Units, band: _Band) -> tuple[dict[tuple[int, int], np.ndarray], dict]:
        """{(a, b): cost array (rows, width)} with inf where a link cannot end, and confidences."""
        n, m = units.shape
        cols = band.columns()
        rows = np.arange(n + 1)[:, None]
        in_band = cols <= band.hi[:, None]
        similarity = (_Similarity(units, band, self.params, self.rng) if units.x is not None else None)
        x_cum = np.concatenate([[0.0], np.cumsum(units.x_len)])
        y_cum = np.concatenate([[0.0], np.cumsum(units.y_len)])
        costs, confidence = {}, {}
        for a, b in LINK_TYPES + ((1, 0), (0, 1)):
            prev_i, prev_j = rows - a, cols - b
            safe_i = np.clip(prev_i, 0, n)
            ok = in_band & (prev_i >= 0) & (prev_j >= band.lo[safe_i]) & (prev_j <= band.hi[safe_i])
            prior = -math.log(_PRIORS[(a, b)])
            if a == 0 or b == 0:
                value = np.full(cols.shape, self.unmatched_cost(similarity is not None))
                conf = np.zeros(cols.shape)
            else:
                xs = x_cum[rows] - x_cum[np.clip(rows - a, 0, n)]
                ys = y_cum[np.clip(cols, 0, m)] - y_cum[np.clip(cols - b, 0, m)]
                length = gale_church_cost(xs, ys, self.ratio)
                if similarity is None:
                    value = length + prior
                    conf = np.exp(-length)
                else:
                    sim_cost = similarity.cost(a, b)
                    value = sim_cost + self.params.length_weight * length + self.params.type_weight * prior
                    conf = np.clip(1.0 - sim_cost, 0.0, 1.0)
                    if self.forced is not None:
                        value = value + self.params.forced_weight * self.forced[(a, b)]
                        value = np.where(np.isnan(value), _INF, value)  # a link not scored: none there
            costs[(a, b)] = np.where(ok, value, _INF)
            confidence[(a, b)] = conf
        return costs, confidence


class _Similarity:
    """The similarity cost of each link type at every band cell (see the module docstring)."""

    def __init__(self, units: _Units, band: _Band, params: AlignParams, rng: np.random.Generator):
        self.units, self.band = units, band
        self.unmatched_cost = params.unmatched_cost
        samples = params.samples
        n, m = units.shape
        x, y = units.x, units.y
        # Dot products of source unit r with target units dlo[r]..dlo[r]+dwidth-1: every pair
        # that a link of up to 3x3 units ending inside the band can contain.
        ahead = np.minimum(np.arange(n) + _MAX_SIDE, n)
        self.dlo = np.maximum(band.lo[np.arange(n) + 1] - _MAX_SIDE, 0)
        dhi = band.hi[ahead]
        self.dwidth = int((dhi - self.dlo).max()) + 1
        self.dots = np.zeros((n, self.dwidth))
        for start in range(0, n, _TILE):
            stop = min(start + _TILE, n)
            c0, c1 = int(self.dlo[start:stop].min()), int(dhi[start:stop].max())
            tile = pair_dots(x, y, np.arange(start, stop), np.arange(c0, c1))
            for r in range(start, stop):
                take = tile[r - start, self.dlo[r] - c0:]
                self.dots[r, :len(take[:self.dwidth])] = take[:self.dwidth]
        # Gathered dot products and their partial sums, shared by all link types.
        self._pairs: dict[tuple[int, int], np.ndarray] = {}
        self._rows: dict[tuple[int, int], np.ndarray] = {}
        self._columns: dict[tuple[int, int], np.ndarray] = {}
        self.x_norm = {a: _block_norms(x, a) for a in range(1, _MAX_SIDE + 1)}
        self.y_norm = {b: _block_norms(y, b) for b in range(1, _MAX_SIDE + 1)}
        self.x_rand = self._random_dissimilarity(x, y, self.x_norm, m, samples, rng)
        self.y_rand = self._random_dissimilarity(y, x, self.y_norm, n, samples, rng)

    @staticmethod
    def _random_dissimilarity(own: Vectors, other: Vectors, norms: dict, n_other: int, samples: int,
                              rng: np.random.Generator) -> dict[int, np.ndarray]:
        """Mean (1 - cosine) of each block with random units of the other side, by block end."""
        pick = np.sort(rng.choice(n_other, size=min(samples, n_other), replace=False))
        dots = pair_dots(own, other, np.arange(own.n_rows), pick)
        other_norm = np.sqrt(_block_norms(other, 1)[1:])[pick]
        cum = np.vstack([np.zeros((1, len(pick))), np.cumsum(dots, axis=0)])
        result = {}
        for size in range(1, _MAX_SIDE + 1):
            block = np.zeros_like(cum)
            block[size:] = cum[size:] - cum[:-size]
            cos = _cosine(block, np.sqrt(norms[size])[:, None], other_norm[None, :])
            result[size] = 1.0 - cos.mean(axis=1)
        return result

    def cost(self, a: int, b: int) -> np.ndarray:
        n, m = self.units.shape
        cols = self.band.columns()
        rows = np.arange(n + 1)[:, None]
        safe_cols = np.clip(cols, 0, m)
        dot = sum(self._row_part(p, b) for p in range(a))
        x_norm = np.sqrt(self.x_norm[a])[rows]
        y_norm = np.sqrt(self.y_norm[b])[safe_cols]
        spread = np.maximum((self.x_rand[a][rows] + self.y_rand[b][safe_cols]) / 2.0, 1e-3)
        whole = (1.0 - _cosine(dot, x_norm, y_norm)) / spread
        # Half the sum over the link's two sides: a one-sentence side counts the link's mismatch,
        # a joined side counts each of its sentences against the other side, so a sentence that
        # matches nothing (a caption, a stray line) pays for being joined.
        total = whole * (2 - (a > 1) - (b > 1))
        for p in range(a if a > 1 else 0):
            part = self._row_part(p, b)
            own = np.sqrt(self.x_norm[1])[np.clip(rows - p, 0, n)]
            total = total + self._joined((1.0 - _cosine(part, own, y_norm)) / spread)
        for q in range(b if b > 1 else 0):
            part = self._column_part(q, a)
            own = np.sqrt(self.y_norm[1])[np.clip(safe_cols - q, 0, m)]
            total = total + self._joined((1.0 - _cosine(part, x_norm, own)) / spread)
        return total / 2.0

    def _joined(self, mismatch: np.ndarray) -> np.ndarray:
        """A joined sentence's share of the cost, its excess over an unmatched sentence counted twice.

        Counted once (and halved with the rest), a sentence that matches nothing costs less inside
        a link than left unmatched, and a run of captions gets spread over 1-4 links that pull the
        real sentences off their partners.
        """
        return mismatch + np.maximum(mismatch - self.unmatched_cost, 0.0)

    def _pair(self, p: int, q: int) -> np.ndarray:
        """At every band cell (i, j): the dot product of source unit i-1-p with target unit j-1-q."""
        if (p, q) not in self._pairs:
            n = self.units.shape[0]
            r = np.clip(np.arange(n + 1)[:, None] - 1 - p, 0, n - 1)
            c = self.band.columns() - 1 - q - self.dlo[r]
            self._pairs[p, q] = np.where((c >= 0) & (c < self.dwidth),
                                         self.dots[r, np.clip(c, 0, self.dwidth - 1)], 0.0)
        return self._pairs[p, q]

    def _row_part(self, p: int, b: int) -> np.ndarray:
        """Dot product of source unit i-1-p with the block of target units j-b..j-1."""
        if (p, b) not in self._rows:
            self._rows[p, b] = self._pair(p, b - 1) + (self._row_part(p, b - 1) if b > 1 else 0.0)
        return self._rows[p, b]

    def _column_part(self, q: int, a: int) -> np.ndarray:
        """Dot product of target unit j-1-q with the block of source units i-a..i-1."""
        if (q, a) not in self._columns:
            self._columns[q, a] = self._pair(a - 1, q) + (self._column_part(q, a - 1) if a > 1 else 0.0)
        return self._columns[q, a]


def _cosine(dot: np.ndarray, norm_a: np.ndarray, norm_b: np.ndarray) -> np.ndarray:
    """Square root of the cosine: spreads the low similarities that n-gram overlap gives."""
    denom = norm_a * norm_b
    return np.sqrt(np.maximum(np.divide(dot, denom, out=np.zeros_like(dot), where=denom > 0), 0.0))


def _block_norms(vectors: Vectors, size: int) -> np.ndarray:
    """Squared norm of the block of ``size`` units ending before index k, for k = 0..n (0 if k < size)."""
    n = vectors.n_rows
    result = np.zeros(n + 1)
    for offset in range(size):
        group = (np.arange(n) - offset) // size
        valid = np.arange(n) >= offset
        n_groups = (n - offset) // size
        if n_groups <= 0:
            continue
        keep = valid[vectors.row] & (group[vectors.row] < n_groups)
        sub = Vectors(group[vectors.row[keep]], vectors.feat[keep], vectors.weight[keep], n_groups)
        ends = offset + size * (np.arange(n_groups) + 1)
        result[ends] = sub.norms_squared()
    return result


def _search(units: _Units, band: _Band, model: _CostModel) -> tuple[list[tuple[int, int]], list[float]]:
    """Row-by-row dynamic program over the band; returns link types and confidences in order."""
    n, m = units.shape
    costs, confidence = model.costs(units, band)
    moves = [mv for mv in costs if mv != (0, 1)]
    width = band.width
    cols = band.columns()
    prev_index = {(a, b): np.clip(cols - b - band.lo[np.clip(np.arange(n + 1) - a, 0, n)][:, None],
                                  0, width - 1) for a, b in moves}
    total = np.full((n + 1, width), _INF)
    back = np.zeros((n + 1, width), np.int8)
    unit = model.unmatched_cost(units.x is not None)
    steps = np.arange(width)
    for i in range(n + 1):
        best = np.full(width, _INF)
        if i == 0:
            best[0] = 0.0
        choice = np.full(width, -1, np.int8)
        for index, (a, b) in enumerate(moves):
            if i < a:
                continue
            cand = total[i - a, prev_index[(a, b)][i]] + costs[(a, b)][i]
            better = cand < best
            best[better] = cand[better]
            choice[better] = index
        # Runs of unmatched target sentences within the row: a running minimum.
        run = np.minimum.accumulate(best - steps * unit) + steps * unit
        from_left = run < best - 1e-9  # not a rounding artefact of the subtraction above
        choice[from_left] = len(moves)
        best = np.where(from_left, run, best)
        best[cols[i] > band.hi[i]] = _INF
        total[i], back[i] = best, choice
    path, confs = [], []
    i, j = n, m
    all_moves = moves + [(0, 1)]
    while i > 0 or j > 0:
        k = j - band.lo[i]
        a, b = all_moves[back[i, k]]
        path.append((a, b))
        confs.append(float(confidence[(a, b)][i, k]))
        i, j = i - a, j - b
    return path[::-1], confs[::-1]
