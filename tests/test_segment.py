"""Tests for translate.segmenter: the hard-case table, real documents and invariants."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translate.segmenter import Segment, segment, split_long, split_sentences

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"
SEPARATOR = " ‖ "


def load_hard_cases() -> list:
    with open(HERE / "data" / "segment_hard_cases.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t",
                              quoting=csv.QUOTE_NONE)
        return [pytest.param(r["input"].replace("\\n", "\n"), r["expected"].split(SEPARATOR), id=r["case"])
                for r in rows]


@pytest.mark.parametrize("text, expected", load_hard_cases())
def test_hard_cases(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_offsets_paragraphs_and_indices() -> None:
    text = "عنوان\n\nجملة أولى. جملة ثانية؟\nسطر آخر"
    segs = segment(text)
    assert [(s.text, s.paragraph, s.index) for s in segs] == [
        ("عنوان", 0, 0),
        ("جملة أولى.", 1, 0),
        ("جملة ثانية؟", 1, 1),
        ("سطر آخر", 2, 0),
    ]
    assert all(text[s.start : s.end] == s.text for s in segs)


def test_empty_and_blank_input() -> None:
    assert segment("") == []
    assert segment(" \n\n\t ") == []


def test_sample_article() -> None:
    """The UN News sample: every line is a paragraph; four lines hold two sentences."""
    path = SHARED / "samples" / "un-news-oic.ar.txt"
    if not path.exists():
        pytest.skip("shared data not available")
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.split("\n") if line.strip()]
    segs = segment(text)
    assert max(s.paragraph for s in segs) + 1 == len(lines)
    assert len(segs) == len(lines) + 4
    assert segs[0].text == lines[0]  # the title, without final punctuation


def rebuild(text: str, segs: list[Segment]) -> str:
    out, pos = [], 0
    for seg in segs:
        out.append(text[pos : seg.start])
        out.append(seg.text)
        pos = seg.end
    out.append(text[pos:])
    return "".join(out)


# Characters that exercise the rules: terminators, closers, digits, Latin, line breaks.
TEXTISH = st.lists(
    st.sampled_from(list("ab A.!?؟…۔:،؛()\"”»' \n\r\t\u2028\x85١1هـد") + ["U.N.", "ص.ب.", "إلخ.", "3.5", "1. "])
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), TEXTISH))
def test_segments_rebuild_any_input(text: str) -> None:
    segs = segment(text)
    pos = 0
    for seg in segs:
        assert pos <= seg.start < seg.end
        assert text[seg.start : seg.end] == seg.text
        assert seg.text == seg.text.strip()
        assert text[pos : seg.start].isspace() or pos == seg.start
        pos = seg.end
    assert text[pos:].strip() == ""
    assert rebuild(text, segs) == text


def words(piece: str) -> int:
    return len(piece.split())


def test_split_long_prefers_semicolon_then_comma() -> None:
    text = "أولا نفعل هذا، ثم ذاك؛ ثانيا نفعل شيئا آخر، ثم نرتاح"
    assert split_long(text, 5, words) == ["أولا نفعل هذا، ثم ذاك؛ ", "ثانيا نفعل شيئا آخر، ", "ثم نرتاح"]
    assert split_long(text, 100, words) == [text]


def test_split_long_falls_back_to_words() -> None:
    assert split_long("a b c d e", 2, words) == ["a b ", "c d ", "e"]
    assert split_long("abcdefgh", 1, len) == ["abcdefgh"]  # one word over the limit stays whole


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab ،؛,;\n")), max_size=80), st.integers(min_value=1, max_value=6))
def test_split_long_properties(text: str, limit: int) -> None:
    pieces = split_long(text, limit, words)
    assert "".join(pieces) == text
    assert all(pieces)
    for piece in pieces:
        assert words(piece) <= limit or len(piece.split()) == 1


def run_cli(args: list[str]) -> int:
    from translate.cli import main

    try:
        main(args)
    except SystemExit as exc:
        return exc.code or 0
    return 0


def test_cli_prints_sentences_and_blank_lines_between_paragraphs(tmp_path, capsys) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes("عنوان\r\n\r\nقال د. أحمد إن النسبة 3.5. وأضاف: نعم؟\r\nسطر".encode("utf-8-sig"))
    assert run_cli(["segment", str(path)]) == 0
    assert capsys.readouterr().out == "عنوان\n\nقال د. أحمد إن النسبة 3.5.\nوأضاف: نعم؟\n\nسطر\n"


def test_cli_missing_file_is_one_line_error(tmp_path, capsys) -> None:
    assert run_cli(["segment", str(tmp_path / "missing.txt")]) != 0
    err = capsys.readouterr().err
    assert "missing.txt: no such file" in err and err.count("\n") == 1
