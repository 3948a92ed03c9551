"""Inline markup projection: whatever the alignment (random, missing, contradictory), every
element comes out exactly once, nested as in the source, over whole words of the translation."""

from __future__ import annotations

import random

from hypothesis import given, settings, strategies as st

from translate.inline import Alignment, Run, Sentence, Span, check, flatten_spans, pieces, project

WORDS = ["ذهب", "الولد", "إلى", "المدرسة", "في", "الصباح", "كتاب", "جميل", "جدا", "اليوم"]


def _spans(rng: random.Random, start: int, end: int, depth: int, bounds: list[int]) -> list[Span]:
    """Random nested, ordered spans over word boundaries in [start, end]."""
    points = sorted(p for p in bounds if start <= p <= end)
    spans, position = [], start
    while rng.random() < 0.6 and position < end:
        options = [p for p in points if p >= position]
        a = rng.choice(options)
        b = rng.choice([p for p in points if p >= a])
        children = _spans(rng, a, b, depth + 1, bounds) if depth < 2 and b > a else []
        spans.append(Span(a, b, ref=object(), opaque=rng.random() < 0.15 and not children, children=children))
        position = b + 1
    return spans


def _case(seed: int):
    rng = random.Random(seed)
    sentences_text = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6))) + "." for _ in range(rng.randint(1, 3))]
    text = " ".join(sentences_text)
    bounds = sorted({0, len(text)} | {i for i, ch in enumerate(text) if ch == " "} | {i + 1 for i, ch in enumerate(text) if ch == " "})
    run = Run(text, _spans(rng, 0, len(text), 0, bounds))
    sentences, position = [], 0
    for source in sentences_text:
        start = text.index(source, position)
        position = start + len(source)
        target = " ".join(rng.choice(["the", "boy", "went", "to", "school", "morning", "book", "very"])
                          for _ in range(rng.randint(1, 8))) + "."
        align = None
        if rng.random() < 0.7:
            source_words = [(m, m + len(w)) for m, w in _word_spans(source)]
            target_words = [(m, m + len(w)) for m, w in _word_spans(target)]
            links = [rng.randrange(-1, len(source_words)) for _ in target_words]
            align = Alignment(source_words, target_words, links)
        sentences.append(Sentence(start, position, target, align))
    return run, sentences


def _word_spans(text: str):
    position = 0
    for word in text.split(" "):
        yield position, word
        position += len(word) + 1


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 10**9))
def test_every_element_kept_once_and_nested(seed):
    run, sentences = _case(seed)
    out, notes = project(run, sentences)
    check(out)
    before = [id(s.ref) for s in flatten_spans(run.spans)]
    after = [id(s.ref) for s in flatten_spans(out.spans)]
    assert sorted(before) == sorted(after)
    assert notes.elements == len(before) == notes.exact + notes.attention + notes.fallback
    # Translated text is the sentences' translations with the source's gaps between them.
    assert all(s.target in out.text for s in sentences)
    # Ranges never cut a word in two.
    for span in flatten_spans(out.spans):
        for edge in (span.start, span.end):
            assert edge in (0, len(out.text)) or out.text[edge - 1] in " ." or out.text[edge] in " ."


def test_pieces_rebuild_the_text():
    run = Run("a b c d", [Span(2, 5, "x", children=[Span(4, 5, "y")])])
    out, _ = project(run, [])  # nothing translated: identical
    assert out == run
    flat = []

    def walk(items):
        for item in items:
            if isinstance(item, str):
                flat.append(item)
            else:
                walk(item[1])
    walk(pieces(out))
    assert "".join(flat) == "a b c d"


def test_passed_through_sentence_keeps_exact_places():
    run = Run("see https://example.org now", [Span(4, 23, "link")])
    sentence = Sentence(0, len(run.text), run.text)
    out, notes = project(run, [sentence])
    assert out.spans[0].start == 4 and out.spans[0].end == 23 and notes.exact == 1


def test_element_over_whole_sentences_covers_their_translations():
    text = "جملة أولى. جملة ثانية. جملة ثالثة."
    run = Run(text, [Span(0, text.index(" جملة ثالثة"), "b")])
    sentences = [Sentence(0, 10, "First one."), Sentence(11, 22, "Second one."), Sentence(23, 34, "Third one.")]
    out, notes = project(run, sentences)
    assert out.text == "First one. Second one. Third one."
    assert out.text[out.spans[0].start:out.spans[0].end] == "First one. Second one."
    assert notes.exact == 1


def test_no_alignment_falls_back_by_position_and_is_counted():
    text = "ذهب الولد إلى المدرسة"
    run = Run(text, [Span(text.index("المدرسة"), len(text), "b")])
    out, notes = project(run, [Sentence(0, len(text), "the boy went to school")])
    assert notes.fallback == 1 and out.text[out.spans[0].start:out.spans[0].end] == "school"
