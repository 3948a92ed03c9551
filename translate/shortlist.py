"""Vocabulary shortlists: the output layer restricted to the target tokens a batch's source can lead to.

CTranslate2 reads ``vmap.txt`` from the model directory when it loads the model and, with
``translate_batch(..., use_vmap=True)``, computes the output projection, softmax and top-k over
the union of the allowed tokens of every source token in the batch instead of the whole
vocabulary. Each line is ``SOURCE_PIECE<TAB>TARGET TARGET ...``; the line with an empty key lists
tokens that are always allowed (``</s>``, ``<unk>`` and ``<s>`` always are).

The map is built from the model's own translations (``build``). Always allowed: the most frequent
target pieces by the model's target SentencePiece model (a share of them: measured on tiny-ar-en, a
map needs most of them to leave translations unchanged, see bench/results/shortlist.md). Per source
piece: the target pieces that occur most often in the translations of sentences holding it. Part of
the input is held back and translated again with the map: the share of identical translations is
kept in ``shortlist.json`` beside the map for beam 1 and the build's beam, and by default the engine
uses the map only at the beam sizes where that share is at least ``LOSSLESS_IDENTICAL`` (on
tiny-ar-en: greedy decoding, not beam search, where CTranslate2's renormalisation of the
probabilities over the allowed tokens reorders beams).

The allowed set is the union over a batch, so a sentence's translation may depend on the sentences
it is batched with; the engine's batches are fixed by its window, so the same input still gives the
same output.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from translate.errors import TranslateError
from translate.textio import atomic_write

VMAP_FILE = "vmap.txt"
INFO_FILE = "shortlist.json"
ALWAYS_ALLOWED = ("</s>", "<unk>", "<s>")  # added by CTranslate2 itself
# Sizes measured on tiny-ar-en (bench/shortlist.py, bench/results/shortlist.md): the smallest share of
# the target pieces that kept ≥ 98% of the development set's greedy translations identical (0.75 kept
# 96%); past 4 per source piece, more hardly mattered.
PER_SOURCE = 16
FREQUENT = 0.9
LOSSLESS_IDENTICAL = 0.98  # share of held-back translations that must not change
CHECK_EVERY = 10  # one line in CHECK_EVERY is held back to check the map ...
CHECK_MAX = 300  # ... at most this many
CHECK_MIN = 100  # fewer held-back lines measure nothing: the map then stays off by default
COMMON_MIN = 3  # a piece is "common in the output" in at least 1% of the translations and this many


@dataclass
class Cooccurrence:
    """Sentence counts: of each source piece, each target piece, and each pair in one sentence pair."""

    sentences: int = 0
    target: Counter = field(default_factory=Counter)
    pairs: dict[str, Counter] = field(default_factory=dict)

    def add(self, source: Iterable[str], target: Iterable[str]) -> None:
        targets = set(target)
        self.sentences += 1
        self.target.update(targets)
        for piece in set(source):
            self.pairs.setdefault(piece, Counter()).update(targets)


@dataclass(frozen=True)
class Shortlist:
    """Tokens always allowed, and the target candidates of each source piece."""

    always: tuple[str, ...]
    candidates: dict[str, tuple[str, ...]]

    def allowed(self, sources: Iterable[Sequence[str]]) -> set[str]:
        """The target tokens CTranslate2 allows for a batch of tokenised sources (their union)."""
        out = set(self.always) | set(ALWAYS_ALLOWED)
        for tokens in sources:
            for piece in tokens:
                out.update(self.candidates.get(piece, ()))
        return out

    def lines(self) -> Iterable[str]:
        yield "\t" + " ".join(self.always)
        for piece in sorted(self.candidates):
            yield f"{piece}\t{' '.join(self.candidates[piece])}"

    def write(self, path: Path) -> None:
        _write_atomic(path, "".join(line + "\n" for line in self.lines()))

    @classmethod
    def read(cls, path: Path) -> Shortlist:
        always: tuple[str, ...] = ()
        candidates: dict[str, tuple[str, ...]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            if key:
                candidates[key] = tuple(values.split())
            else:
                always = tuple(values.split())
        return cls(always, candidates)


def target_ranking(model_dir: Path) -> list[str]:
    """The model's target pieces, most frequent first, by its target SentencePiece model's own scores
    (unigram log-probabilities from the model's training data: broader than any text at hand)."""
    import sentencepiece

    sp = sentencepiece.SentencePieceProcessor(model_file=str(Path(model_dir) / "target.spm"))
    vocabulary = _target_vocabulary(Path(model_dir))
    pieces = [i for i in range(sp.get_piece_size())
              if not (sp.is_control(i) or sp.is_unknown(i) or sp.is_unused(i))
              and (vocabulary is None or sp.id_to_piece(i) in vocabulary)]
    return [sp.id_to_piece(i) for i in sorted(pieces, key=lambda i: (-sp.get_score(i), i))]


def _target_vocabulary(model_dir: Path) -> set[str] | None:
    for name in ("target_vocabulary.json", "shared_vocabulary.json"):
        if (model_dir / name).is_file():
            return set(json.loads((model_dir / name).read_text(encoding="utf-8")))
    return None


def select(counts: Cooccurrence, ranking: Sequence[str], per_source: int = PER_SOURCE,
           frequent: float = FREQUENT) -> Shortlist:
    """Always allowed: the first ``frequent`` share of ``ranking`` (target pieces, most frequent first)
    and any piece in at least 1% of the translations (and COMMON_MIN); for each source piece, the ``per_source`` target
    pieces most often in its sentences' translations (ties: the rarer target first, as the more
    specific one), the always-allowed ones aside."""
    common_in_output = [t for t, n in counts.target.most_common() if n >= max(COMMON_MIN, 0.01 * counts.sentences)]
    always = tuple(dict.fromkeys([*ranking[:round(frequent * len(ranking))], *common_in_output]))
    common = set(always) | set(ALWAYS_ALLOWED)
    candidates = {}
    for piece, row in counts.pairs.items():
        ranked = sorted((t for t in row if t not in common), key=lambda t: (-row[t], counts.target[t], t))
        if ranked[:per_source]:
            candidates[piece] = tuple(ranked[:per_source])
    return Shortlist(always, candidates)


def has_shortlist(model_dir: Path) -> bool:
    return (Path(model_dir) / VMAP_FILE).is_file()


def read_info(model_dir: Path) -> dict:
    try:
        return json.loads((Path(model_dir) / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True)
class Policy:
    """When a translator restricts its output with the model's map: always (forced on), never, or, by
    default, at the beam sizes whose check measured it lossless. ``fingerprint`` names the map."""

    fingerprint: str | None = None
    forced: bool | None = None
    lossless_beams: frozenset[int] = frozenset()

    @classmethod
    def of(cls, model_dir: Path, forced: bool | None = None) -> Policy:
        if forced and not has_shortlist(model_dir):
            raise TranslateError(f"shortlist: {model_dir} has no vocabulary shortlist; build one with "
                                 f"`translate models shortlist {Path(model_dir).name}`")
        if forced is False or not has_shortlist(model_dir):
            return cls(None, forced)
        beams = read_info(model_dir).get("check", {}).get("beams", {})
        lossless = frozenset(int(beam) for beam, check in beams.items() if check.get("lossless"))
        return cls(fingerprint(model_dir), forced, lossless)

    def map_for(self, beam_size: int) -> str | None:
        """The map's fingerprint where translating at this beam uses it, else None."""
        used = self.forced if self.forced is not None else beam_size in self.lossless_beams
        return self.fingerprint if used else None


def fingerprint(model_dir: Path) -> str:
    return hashlib.sha256((Path(model_dir) / VMAP_FILE).read_bytes()).hexdigest()[:16]


def tico_split(data: Path) -> tuple[list[str], list[str]]:
    """TICO-19's Arabic lines, whole documents alternating in file order: (build, evaluation).

    The default map is built from the first part only, so the second stays unseen for measuring it.
    """
    lines = (data / "tico19-test" / "src.ar").read_text(encoding="utf-8").splitlines()
    rows = (data / "tico19-test" / "doc_ids.tsv").read_text(encoding="utf-8").splitlines()[1:]
    order = list(dict.fromkeys(row.split("\t")[1] for row in rows))
    parts: tuple[list[str], list[str]] = ([], [])
    for line, row in zip(lines, rows):
        if line.strip():
            parts[order.index(row.split("\t")[1]) % 2].append(line)
    return parts


DEFAULT_SETS = ("un-v1.0-devset", "un-v1.0-testset")


def default_texts() -> tuple[list[str], list[str]]:
    """The default Arabic texts to build from, and what they are: the UN v1.0 dev and test sets and the
    TICO-19 build documents, from the project's shared data directory (see translate.testsets)."""
    from translate import testsets

    data = next((d for d in testsets.data_dirs()
                 if all((d / name / "src.ar").is_file() for name in (*DEFAULT_SETS, "tico19-test"))), None)
    if data is None:
        where = ", ".join(str(d) for d in testsets.data_dirs())
        raise TranslateError(f"shortlist: no --from given and the default texts (UN v1.0 dev/test, TICO-19) are "
                             f"not here (looked in {where}); give Arabic text files with --from")
    lines = [line for name in DEFAULT_SETS for line in (data / name / "src.ar").read_text(encoding="utf-8").splitlines()]
    return lines + tico_split(data)[0], [*(f"{name}/src.ar" for name in DEFAULT_SETS), "tico19-test/src.ar (build documents)"]


def split_check(lines: Sequence[str]) -> list[str]:
    """The lines held back to check the map: every CHECK_EVERY-th, at most CHECK_MAX."""
    return list(lines[CHECK_EVERY - 1::CHECK_EVERY][:CHECK_MAX])


def build(model_dir: Path, texts: Sequence[str], *, load: Callable[[bool], object], beam_size: int = 4,
          per_source: int = PER_SOURCE, frequent: float = FREQUENT, sources: Sequence[str] = (),
          on_progress: Callable[[int], None] | None = None) -> dict:
    """Build ``vmap.txt`` for the model in ``model_dir`` from its translations of ``texts`` at
    ``beam_size``, check it on held-back lines at beam 1 and ``beam_size``, and write ``shortlist.json``.
    ``load(shortlist)`` returns a loaded ``Translator`` of the model with the shortlist off or on.
    Returns the info written."""
    from translate.engine import DecodeOptions

    lines = list(dict.fromkeys(t.strip() for t in texts if t.strip()))
    if len(lines) < CHECK_EVERY:
        raise TranslateError(f"shortlist: {len(lines)} lines of text; at least {CHECK_EVERY} are needed")
    model_dir = Path(model_dir)
    check_lines = split_check(lines)
    full = load(False)
    counts = Cooccurrence()
    held = set(check_lines)
    for result in full.translate((line for line in lines if line not in held), options=DecodeOptions(beam_size=beam_size)):
        counts.add((t for piece in full.source_pieces(result.source) for t in piece), result.pieces)
        if on_progress:
            on_progress(1)
    # The held-back lines alone, in the same windows and batches as the check below translates them.
    beams = sorted({1, beam_size})
    reference = {beam: [r.target for r in full.translate(check_lines, options=DecodeOptions(beam_size=beam))]
                 for beam in beams}
    del full
    shortlist = select(counts, target_ranking(model_dir), per_source, frequent)
    info = {"sources": list(sources), "sentences": counts.sentences, "beam_size": beam_size,
            "per_source": per_source, "frequent": frequent, "source_pieces": len(shortlist.candidates)}
    # The map goes in first, unchecked (off by default) until the check below rewrites the info.
    _write_atomic(model_dir / INFO_FILE, json.dumps(info, indent=2))
    shortlist.write(model_dir / VMAP_FILE)
    restricted = load(True)
    info["check"] = {"sentences": len(check_lines), "bound": LOSSLESS_IDENTICAL, "beams": {}}
    for beam in beams:
        got = [r.target for r in restricted.translate(check_lines, options=DecodeOptions(beam_size=beam))]
        share = sum(a == b for a, b in zip(got, reference[beam])) / len(check_lines)
        info["check"]["beams"][str(beam)] = {"identical": round(share, 4),
                                             "lossless": share >= LOSSLESS_IDENTICAL and len(check_lines) >= CHECK_MIN}
        if on_progress:
            on_progress(len(check_lines))
    _write_atomic(model_dir / INFO_FILE, json.dumps(info, indent=2))
    return info


def _write_atomic(path: Path, text: str) -> None:
    with atomic_write(path) as out:
        out.write(text)
