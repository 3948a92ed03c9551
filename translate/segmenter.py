"""Arabic (and mixed Arabic/Latin) sentence segmentation that keeps character offsets.

Every line is a paragraph, so a heading without final punctuation is a segment of its own.
Inside a line a sentence ends after a run of ``. ! ? ؟ … ۔`` plus any closing quotes or
brackets, when whitespace follows, unless one of a few rules says the period belongs to
something else (an abbreviation, an initial, a list number, a bracket, a lower-case
continuation). A closing quote set off by a space still belongs to the sentence it closes.
Two ends without a full stop, both before a reporting verb that opens news sentences
(وأضاف، وقال، وأشار...): a quotation introduced by a colon and closed without a full stop
(``قال: "..." وأضاف``), and a short heading run into the next sentence where a document lost
its line breaks (``التصدي للإسلاموفوبيا وأعرب خياري``).
Segments never include the whitespace between them, so the input can be rebuilt exactly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Callable

__all__ = ["Segment", "segment", "split_sentences", "split_long"]


@dataclass(frozen=True)
class Segment:
    """One sentence: ``text == original[start:end]``; ``index`` counts within its paragraph;
    ``line`` is the input line of a pre-segmented sentence (one sentence per line)."""

    text: str
    start: int
    end: int
    paragraph: int
    index: int
    line: int | None = None


# Paragraphs: runs of characters without a line break (the characters str.splitlines uses).
_LINE = re.compile(r"[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")
# A candidate end: terminators, then closing quotes/brackets, then whitespace or line end.
_END = re.compile(r"([.!?؟…۔]+)([\"'”’»›)\]}]*)(?=\s|$)")
# A closing quote written after a space, followed by whitespace or the paragraph end.
_DANGLING_QUOTE = re.compile(r"\s+([\"”»])(?=\s|$)")
_OPENERS = "([{\"'“‘«‹"
_CONTINUATION = "،,؛;:)]}"
# Dotted abbreviations whose parts have one or two letters: U.N. e.g. Ph.D. ص.ب. أ.د. ق.م.
_DOTTED = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}")
_TATWEEL_AND_MARKS = re.compile(r"[\u0640\u064b-\u065f\u0670]")
# Reporting verbs that open a news sentence, with the conjunction و or ف, masculine or feminine
# (بيّن is left out: without its shadda it is بين, "between"), and لقد.
_REPORTING = ("قال", "أضاف", "أكد", "أوضح", "أشار", "لفت", "تابع", "ختم", "اختتم", "شدد", "أعرب", "أعلن",
              "كشف", "ذكر", "أفاد", "نبه", "نوه", "دعا", "رأى", "اعتبر", "أردف", "استطرد", "لاحظ")
_OPENER = "(?:[وف](?:" + "|".join(_REPORTING) + ")ت?|ودعت|ورأت|لقد)"
# A quotation opened after a colon, closed without a terminator, and followed by an opener.
_QUOTE_THEN_OPENER = re.compile(
    r":\s*(?:\"[^\"\n]+\"|“[^”\n]+”|«[^»\n]+»)(?=\s+" + _OPENER + r"(?!\w))")
# A heading (1-7 words, no punctuation or digits) at a sentence start, then an opener.
_HEADING_THEN_OPENER = re.compile(r"[^\W\d_][^\s\d]*(?:\s+[^\s\d]+){0,6}?(?=\s+" + _OPENER + r"(?!\w))")
_NOT_HEADING = re.compile(r"[^\w\s]|^[وف]")
# Words that belong to a clause, not a heading: a run holding one is a sentence that goes on.
_CLAUSE_WORDS = frozenset("أن إن أنه أنها أنك أنهم الذي التي الذين كان كانت هل ما لا لم لن قد إذا لو لكن لأن".split())


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    data = resources.files("translate").joinpath("data/abbreviations_ar.txt").read_text("utf-8")
    words = (line.split("#", 1)[0].strip() for line in data.splitlines())
    return frozenset(_normalize(word) for word in words if word)


def _normalize(token: str) -> str:
    return _TATWEEL_AND_MARKS.sub("", unicodedata.normalize("NFC", token)).casefold()


def _is_abbreviation(token: str) -> bool:
    word = _normalize(token.lstrip(_OPENERS))
    if len(word) == 1:
        return word.isalpha()  # initials and single-letter abbreviations: د. م. أ. ج.
    return word in _abbreviations() or _DOTTED.fullmatch(word) is not None


def _is_boundary(text: str, sentence_start: int, match: re.Match[str]) -> bool:
    """Decide whether a candidate end found by _END really ends the sentence."""
    dot = match.start()
    after = match.end()
    while after < len(text) and text[after].isspace():
        after += 1
    if after < len(text) and (text[after] in _CONTINUATION or text[after].islower()):
        return False  # "e.g. this", "إلخ.،": the sentence goes on
    closers = match.group(2)
    if any(c in closers and text.find(o, sentence_start + 1, dot) >= 0 for o, c in ("()", "[]")):
        return False  # "(انظر الجدول.)", "[...]": the end of a bracket opened mid-sentence
    if match.group(1) != ".":
        return True
    token_start = dot
    while token_start > sentence_start and not text[token_start - 1].isspace():
        token_start -= 1
    token = text[token_start:dot]
    if _is_latin_letter(token):
        # A Latin initial has a Latin word beside it ("George W. Bush", "J. Smith");
        # in Arabic text "بروتين S." ends the sentence.
        before = text[sentence_start:token_start].rstrip()
        return not (_is_latin_letter(before[-1:]) or _is_latin_letter(text[after : after + 1]))
    if token.isdecimal() and len(token) <= 3:
        before = text[sentence_start:token_start].rstrip()
        if not before or before.endswith(":") or f" {int(token) - 1}. " in f" {before} ":
            return False  # a list number: "1. المقدمة", "هي: 1. كذا 2. كذا"
    return not _is_abbreviation(token)


def _is_latin_letter(text: str) -> bool:
    return len(text) == 1 and text.isascii() and text.isalpha()


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentence_ends(text: str, start: int, end: int) -> list[int]:
    """Offsets in ``text[start:end]`` (one paragraph) where a sentence ends."""
    ends = []
    sentence_start = start
    for match in _END.finditer(text, start, end):
        if _is_boundary(text, sentence_start, match):
            cut = match.end()
            quote = _DANGLING_QUOTE.match(text, cut, end)
            if quote and (quote.group(1) != '"' or text.count('"', sentence_start, cut) % 2):
                cut = quote.end()  # 'سأل " متى تعود؟ "': the spaced closing quote belongs here
            ends.append(cut)
            sentence_start, _ = _strip(text, cut, end)
    return _ends_before_openers(text, start, end, ends)


def _ends_before_openers(text: str, start: int, end: int, ends: list[int]) -> list[int]:
    """Add the ends without a full stop before a reporting verb (see the module docstring)."""
    found = {m.end() for m in _QUOTE_THEN_OPENER.finditer(text, start, end)}
    for sentence_start in [start, *ends]:
        sentence_start, _ = _strip(text, sentence_start, end)
        heading = _HEADING_THEN_OPENER.match(text, sentence_start, end)
        if heading and not _NOT_HEADING.search(heading.group()) and \
                _CLAUSE_WORDS.isdisjoint(heading.group().split()):
            found.add(heading.end())
    return sorted(set(ends) | found) if found else ends


def segment(text: str) -> list[Segment]:
    """Split ``text`` into sentences with their offsets, paragraph and in-paragraph index."""
    segments: list[Segment] = []
    paragraph = 0
    for line in _LINE.finditer(text):
        start, line_end = _strip(text, *line.span())
        if start == line_end:
            continue
        index = 0
        for cut in [*_sentence_ends(text, start, line_end), line_end]:
            s, e = _strip(text, start, cut)
            if s < e:
                segments.append(Segment(text[s:e], s, e, paragraph, index))
                index += 1
            start = cut
        paragraph += 1
    return segments


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, without offsets."""
    return [seg.text for seg in segment(text)]


# Where the long-sentence fallback may cut, best first: after ؛ then after ، then anywhere
# between words. Each cut keeps the separator and the following whitespace on the left.
_CUTS = (re.compile(r"[؛;]\s+"), re.compile(r"[،,]\s+"), re.compile(r"\s+"))


def split_long(text: str, max_tokens: int, count_tokens: Callable[[str], int]) -> list[str]:
    """Cut a sentence that is too long for the model into pieces of at most ``max_tokens``.

    Pieces are non-empty and as long as the limit allows; ``"".join(pieces) == text``. A single word over
    the limit cannot be cut and is returned whole.
    """
    return _split(text, max_tokens, count_tokens, 0) if text else []


def _split(text: str, max_tokens: int, count_tokens: Callable[[str], int], level: int) -> list[str]:
    if level == len(_CUTS) or count_tokens(text) <= max_tokens:
        return [text]
    cuts = [0, *(m.end() for m in _CUTS[level].finditer(text)), len(text)]
    chunks = [text[a:b] for a, b in zip(cuts, cuts[1:]) if a < b]
    packed: list[str] = []
    for chunk in chunks:
        if packed and count_tokens(packed[-1] + chunk) <= max_tokens:
            packed[-1] += chunk
        else:
            packed.append(chunk)
    return [piece for part in packed for piece in _split(part, max_tokens, count_tokens, level + 1)]
