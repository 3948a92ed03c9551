"""Review page: one self-contained HTML file for reading and judging sentence pairs.

Layout: a header (inputs, model, options, pairs per link type, pairs per flag, a histogram of
scores), then one row per pair with an anchor (``#p1``, ``#p2``... in output order): the
Arabic (``lang="ar" dir="rtl"``, an Arabic font stack), the English (``dir="ltr"``, Arabic runs
inside it isolated in ``<bdi>``), the score as a colour band and the flags of
``translate.flags`` with their reasons. Rows carry their stable pair id (``data-id``, see
``translate.filters.pair_id``).

Without JavaScript the page is a plain list. With it (inlined, like the CSS): filter by flag,
mark or score, sort by score, keyboard navigation, and accept/reject marks kept in the browser
and saved as a JSON file that ``translate corpus --keep-marked FILE`` reads. A Content Security
Policy lets the page load nothing but its own inline style and script.

Large pages: rows come in blocks of ``CHUNK`` rendered lazily by the browser
(``content-visibility: auto``). Writing streams: rows go to an anonymous temporary file while the
counts are gathered, and are copied after the header at the end, so memory stays flat.
Write-only: read the reviewer's decisions with ``ReviewMarks``, not the page.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import shutil
import tempfile
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import translate
from translate.errors import TranslateError
from translate.filters import pair_id
from translate.flags import ARABIC_RUN, FLAGS, flag_pair, quality
from translate.formats._base import Writer as _Writer, plain
from translate.records import Pair

CHUNK = 100  # rows per lazily rendered block
BINS = 20  # histogram bars over the 0–1 quality scale


def _asset(name: str) -> str:
    return resources.files("translate").joinpath("data", name).read_text(encoding="utf-8")


def _esc(value: Any) -> str:
    return html.escape(plain(str(value)), quote=True)


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def _english(text: str) -> str:
    """Escaped English with any Arabic runs isolated, so they keep their own direction."""
    parts, last = [], 0
    for match in ARABIC_RUN.finditer(text):
        parts += [_esc(text[last:match.start()]), f'<bdi lang="ar" class="ar">{_esc(match.group())}</bdi>']
        last = match.end()
    return "".join(parts) + _esc(text[last:])


def _score_text(pair: Pair) -> str:
    if pair.link is not None:
        value = pair.confidence if pair.confidence is not None else pair.score
        return "" if value is None else f"{value:.2f}"
    return "" if pair.score is None else f"{pair.score:.2f}"


class _Summary:
    """What the header needs, gathered while the rows stream past."""

    def __init__(self) -> None:
        self.pairs = 0
        self.links: Counter[str] = Counter()
        self.flags: Counter[str] = Counter()
        self.flagged = 0
        self.bins = [0] * BINS
        self.unscored = 0
        self.alignment = False
        self.digest = hashlib.blake2b(digest_size=8)

    def add(self, pair: Pair, ident: str, flags: list) -> None:
        self.pairs += 1
        self.links[pair.link or "1-1"] += 1
        self.alignment |= pair.link is not None
        self.flags.update(flag.name for flag in flags)
        self.flagged += bool(flags)
        self.digest.update(ident.encode())
        value = quality(pair)
        if value is None:
            self.unscored += 1
        else:
            self.bins[min(int(value * BINS), BINS - 1)] += 1


class Writer(_Writer):
    def begin(self) -> None:
        self._rows = self._stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n"))
        self._summary = _Summary()
        self._doc: str | None = None

    def write(self, pair: Pair) -> None:
        summary = self._summary
        ident, flags = pair_id(pair), flag_pair(pair)
        summary.add(pair, ident, flags)
        number = summary.pairs
        out = self._rows
        if number % CHUNK == 1 or CHUNK == 1:
            out.write(("</div>\n" if number > 1 else "") + '<div class="chunk">\n')
        if pair.doc != self._doc:
            self._doc = pair.doc
            out.write(f'<h2 class="doc" dir="auto">{_esc(pair.doc or "(no document name)")}</h2>\n')
        value = quality(pair)
        band = "qn" if value is None else f"q{min(int(value * 10), 9)}"
        names = " ".join(f"f-{flag.name}" for flag in flags)
        where = f"{pair.doc} ¶{pair.paragraph + 1} sentence {pair.sentence + 1}" + (
            f", {pair.link} link" if pair.link else "")
        flag_items = "".join(f'<li data-flag="{flag.name}"><b>{flag.name}</b> {_esc(flag.reason)}</li>'
                             for flag in flags)
        out.write(
            f'<div class="pair{" flagged " + names if flags else ""}" id="p{number}" data-id="{ident}"'
            f' data-q="{"" if value is None else f"{value:.4f}"}" tabindex="-1">'
            f'<a class="n" href="#p{number}" title="{_esc(where)}">{number}</a>'
            f'<span class="band {band}" title="{_esc(self._score_title(pair, value))}">{_score_text(pair)}'
            f'{f"<small>{pair.link}</small>" if pair.link and pair.link != "1-1" else ""}</span>'
            f'<div class="src" lang="ar" dir="rtl">{_esc(pair.source)}</div>'
            f'<div class="tgt" lang="en" dir="ltr">{_english(pair.target)}</div>'
            + (f'<ul class="flags">{flag_items}</ul>' if flags else "") + "</div>\n")

    @staticmethod
    def _score_title(pair: Pair, value: float | None) -> str:
        if value is None:
            return "no score"
        if pair.link is not None:
            return f"alignment confidence {value:.2f}"
        return f"model score {pair.score:.3f} (per-token probability {value:.2f})"

    def end(self) -> None:
        if self._summary.pairs:
            self._rows.write("</div>\n")
        style, script = _asset("review.css"), _asset("review.js")
        policy = (f"default-src 'none'; style-src 'sha256-{_sha256(style)}'; script-src 'sha256-{_sha256(script)}'; "
                  "img-src data:; base-uri 'none'; form-action 'none'")
        title = f"Review: {self._title()}"
        summary = self._summary
        self.handle.write(
            '<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="translate {_esc(translate.__version__)}">\n'
            f"<title>{_esc(title)}</title>\n<style>{style}</style>\n</head>\n"
            f'<body data-page="{summary.digest.hexdigest()}" data-pairs="{summary.pairs}">\n'
            f'<header>\n<h1 dir="auto">{_esc(title)}</h1>\n{self._facts()}\n<div class="stats">\n'
            f"{self._link_table()}\n{self._flag_table()}\n{self._histogram()}\n</div>\n</header>\n"
            + _CONTROLS + '<main id="pairs">\n')
        self._rows.seek(0)
        shutil.copyfileobj(self._rows, self.handle)
        empty = "" if summary.pairs else '<p class="empty">No sentence pairs.</p>\n'
        self.handle.write(f"{empty}</main>\n<script>{script}</script>\n</body>\n</html>\n")

    def _input_names(self) -> list[str]:
        names = [str(self.meta[key]) for key in ("source", "target") if key in self.meta]
        return names or [str(path) for path in self._inputs]

    def _title(self) -> str:
        inputs = self._input_names()
        if not inputs:
            return "sentence pairs"
        return ", ".join(Path(name).name for name in inputs[:2]) + (f" and {len(inputs) - 2} more" if len(inputs) > 2 else "")

    def _facts(self) -> str:
        inputs = self._input_names()
        shown = "".join(f"<li><bdi>{_esc(name)}</bdi></li>" for name in inputs[:20])
        if len(inputs) > 20:
            shown += f"<li>… and {len(inputs) - 20} more</li>"
        rows = [("Inputs", f"<ul>{shown}</ul>" if shown else "—")]
        skip = {"source", "target", "tool", "tool_version"}
        for key, value in self.meta.items():
            if key not in skip:
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
                rows.append((key.replace("_", " ").capitalize(), f"<bdi>{_esc(text)}</bdi>"))
        rows.append(("Written", f"{self.created.isoformat().replace('+00:00', 'Z')} by translate "
                                f"{_esc(translate.__version__)}"))
        rows.append(("Pairs", f"{self._summary.pairs:,} ({self._summary.flagged:,} flagged)"))
        return '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"

    def _link_table(self) -> str:
        links = self._summary.links
        order = sorted(links, key=lambda kind: (kind in ("1-0", "0-1"), kind != "1-1", kind))
        body = "".join(f"<tr><td>{_esc(kind)}</td><td>{links[kind]:,}</td></tr>" for kind in order)
        caption = "Pairs per link type" if self._summary.alignment else "Pairs (one per sentence)"
        return f'<table class="links"><caption>{caption}</caption><tr><th>link</th><th>pairs</th></tr>{body}</table>'

    def _flag_table(self) -> str:
        flags = self._summary.flags
        body = "".join(
            f'<tr data-flag="{name}"><td><b>{name}</b><br><small>{_esc(text)}</small></td><td>{flags[name]:,}</td></tr>'
            for name, text in FLAGS.items())
        return f'<table class="flagcounts"><caption>Pairs per flag</caption><tr><th>flag</th><th>pairs</th></tr>{body}</table>'

    def _histogram(self) -> str:
        summary = self._summary
        width, height, top = 16, 80, max(summary.bins + [1])
        bars = "".join(
            f'<rect x="{i * width}" y="{height - round(height * count / top)}" width="{width - 2}" '
            f'height="{round(height * count / top)}" class="q{min(i // 2, 9)}"><title>{i / BINS:.2f}–{(i + 1) / BINS:.2f}: '
            f"{count:,} pairs</title></rect>"
            for i, count in enumerate(summary.bins))
        scale = "alignment confidence" if summary.alignment else "per-token probability, exp(model score)"
        note = f"; {summary.unscored:,} without a score" if summary.unscored else ""
        return (f'<figure class="histogram"><svg viewBox="0 -2 {BINS * width} {height + 16}" role="img" '
                f'aria-label="histogram of scores">{bars}<text x="0" y="{height + 13}">0</text>'
                f'<text x="{BINS * width}" y="{height + 13}" text-anchor="end">1</text></svg>'
                f"<figcaption>Scores: {scale}{note}</figcaption></figure>")


_CONTROLS = """<nav id="controls" hidden>
<label>Show <select id="show"><option value="all">all pairs</option><option value="flagged">flagged</option>
<option value="unflagged">not flagged</option>""" + "".join(
    f'<option value="f-{name}">flag: {name}</option>' for name in FLAGS) + """
<option value="m-accept">accepted</option><option value="m-reject">rejected</option><option value="unmarked">not marked</option></select></label>
<label>Score below <input id="below" type="number" min="0" max="1" step="0.05" placeholder="any"></label>
<label>Sort <select id="sort"><option value="doc">document order</option><option value="asc">score, lowest first</option>
<option value="desc">score, highest first</option></select></label>
<span id="status" role="status"></span>
<button id="accept-shown" type="button">Accept unmarked shown</button>
<button id="save" type="button">Save marks…</button>
<label class="load">Load marks… <input id="load" type="file" accept=".json,application/json"></label>
<p class="keys"><kbd>j</kbd>/<kbd>k</kbd> next/previous · <kbd>f</kbd> next flagged · <kbd>a</kbd> accept ·
<kbd>r</kbd> reject · <kbd>x</kbd> clear · <kbd>/</kbd> filter · marks are kept in this browser until saved</p>
</nav>
"""


def read(path: str | Path) -> Iterator[Pair]:
    raise TranslateError(f"{path}: a review page is written, not read; read a reviewer's decisions "
                         "with `translate corpus --keep-marked MARKS.json`")
