"""Writers and readers of translate.formats: round trips, layouts, errors, atomicity, fuzzing."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from translate.errors import TranslateError
from translate.formats import FORMATS, guess_format, open_writer, read_pairs
from translate.records import Pair

DTD = etree.DTD(str(Path(__file__).parent / "data" / "tmx14.dtd"))

# Arabic with diacritics, tatweel and bidi marks; markup characters; tab, CR, LF; emoji; a C0
# control (dropped in TMX only); a lone surrogate (kept only by JSON); U+FEFF; spaces at the ends.
NASTY = [
    Pair("مَرْحَبًا بِكُم\u200f في العالـــم", "Welcome\u200e to the world", -0.125, "doc/1.txt", 0, 0, (0, 30)),
    Pair(" \t<a href=\"x\">&amp;</a> 'q' ", "  <&>\"'  ", None, "doc/1.txt", 0, 1, (31, 60)),
    Pair("سطر\nثانٍ\r\nوثالث\rورابع", "line\none\r\ntwo\rthree", -1.5e-7, "doc/1.txt", 1, 0, None),
    Pair("\u202bنص\u202c 😀\x00\x1b\x7f\ufeff\ufffe", "emoji 😀\x01\x0b\x0c\ufeff\ufffd", 0.0, "d\x02", 1, 1, (61, 70)),
    Pair("back\\slash \\t \\n", "\\", -3.0, "doc/2.txt", 0, 0, None),
    Pair("", "", None, "doc/2.txt", 0, 1, None),
    Pair("\ud800 lone surrogate", "x\udfff", -2.0, "doc/2.txt", 0, 2, None),
]
ALIGNED = [
    Pair("a", "b", None, "", 0, 0, None, "1-1", (0,), (0,), 0.9),
    Pair("c d", "e", None, "", 0, 1, None, "2-1", (1, 2), (1,), 0.5),
    Pair("", "f", None, "", 0, 2, None, "0-1", (), (2,), None),
    Pair("g", "", None, "", 0, 3, None, "1-0", (3,), (), 0.0),
]


def _without(text: str, banned) -> str:
    return "".join(c for c in text if not banned(ord(c)))


def _not_xml(code: int) -> bool:
    # XML 1.0 Char production, written independently of the writer's regular expression.
    return not (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
                or 0x10000 <= code <= 0x10FFFF)


def _not_plain(code: int) -> bool:
    return 0xD800 <= code <= 0xDFFF or code in (0, 0xFEFF)


def _one_line(text: str) -> str:
    return _without(text, _not_plain).replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


def expected(fmt: str, pairs: list[Pair]) -> list[Pair]:
    """What reading back ``fmt`` must give, by each format's documented limits."""
    if fmt in ("json", "jsonl"):
        return pairs
    if fmt in ("tmx", "xliff", "xliff12"):
        clean = lambda s: _without(s, _not_xml)  # noqa: E731
        return [
            Pair(clean(p.source), clean(p.target), p.score, clean(p.doc), p.paragraph, p.sentence,
                 p.source_span, None if p.link is None else clean(p.link), p.source_ids, p.target_ids,
                 p.confidence)
            for p in pairs
        ]
    if fmt == "tsv":
        return [Pair(_without(p.source, _not_plain), _without(p.target, _not_plain), p.score, sentence=i,
                     confidence=p.confidence) for i, p in enumerate(pairs)]
    if fmt == "moses":
        return [Pair(_one_line(p.source), _one_line(p.target), sentence=i) for i, p in enumerate(pairs)]
    if fmt == "links":
        return [Pair("", "", link=f"{len(p.source_ids)}-{len(p.target_ids)}", source_ids=p.source_ids,
                     target_ids=p.target_ids) for p in pairs]
    assert fmt == "txt"
    paragraphs: list[tuple[tuple[str, int], list[str]]] = []
    for p in pairs:
        if not paragraphs or paragraphs[-1][0] != (p.doc, p.paragraph):
            paragraphs.append(((p.doc, p.paragraph), []))
        if _one_line(p.target):
            paragraphs[-1][1].append(_one_line(p.target))
    return [Pair("", " ".join(texts), paragraph=i) for i, (_, texts) in enumerate(paragraphs)]


def write(path: Path, fmt: str, pairs: list[Pair], meta: dict | None = None) -> None:
    with open_writer(path, fmt, meta=meta) as writer:
        for pair in pairs:
            writer.write(pair)


def _path(directory: Path, fmt: str) -> Path:
    return directory / ("out" if fmt == "moses" else f"out.{fmt}")


# The review page is written for people, not read back (see test_review.py).
READABLE = tuple(f for f in FORMATS if f != "review")


@pytest.mark.parametrize("fmt", READABLE)
def test_round_trip_of_nasty_text(tmp_path, fmt):
    pairs = ALIGNED if fmt == "links" else NASTY
    path = _path(tmp_path, fmt)
    write(path, fmt, pairs, meta={"model": "tiny-ar-en", "beam_size": 4})
    assert list(read_pairs(path, fmt)) == expected(fmt, pairs)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "tmx", "xliff", "xliff12"])
def test_alignment_fields_round_trip(tmp_path, fmt):
    path = tmp_path / f"a.{fmt}"
    write(path, fmt, ALIGNED)
    assert list(read_pairs(path, fmt)) == ALIGNED


@pytest.mark.parametrize("fmt", [f for f in READABLE if f != "links"])
def test_empty_output_reads_back_empty(tmp_path, fmt):
    path = _path(tmp_path, fmt)
    write(path, fmt, [])
    assert list(read_pairs(path, fmt)) == []


def test_guess_format():
    assert [guess_format(p) for p in ["a.txt", "A.TMX", "b.json", "c.jsonl", "d.tsv", "e.ar", "e.en",
                                      "f.links", "-"]] == ["txt", "tmx", "json", "jsonl", "tsv", "moses",
                                                           "moses", "links", "txt"]
    assert [guess_format(p) for p in ["p.html", "p.htm", "r.docx", "n.md"]] == ["html", "html", "docx", "md"]
    with pytest.raises(TranslateError, match=r"out\.xlsx: cannot tell the format"):
        guess_format("out.xlsx")
    with pytest.raises(TranslateError, match="unknown format"):
        open_writer("x.txt", "xml")


def test_jsonl_layout_and_optional_fields(tmp_path):
    path = tmp_path / "out.jsonl"
    write(path, "jsonl", [NASTY[0], ALIGNED[1]])
    first, second = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    assert list(first) == ["doc", "paragraph", "sentence", "source", "target", "score", "source_span"]
    assert first["source_span"] == [0, 30] and "مَرْحَبًا" in path.read_text(encoding="utf-8")
    assert second["link"] == "2-1" and second["source_ids"] == [1, 2] and second["confidence"] == 0.5


def test_json_is_one_object_with_meta(tmp_path):
    path = tmp_path / "out.json"
    write(path, "json", NASTY[:2], meta={"model": "tiny-ar-en", "options": {"beam_size": 4}})
    document = json.loads(path.read_text(encoding="utf-8"))
    assert set(document) == {"meta", "segments"}
    assert document["meta"]["model"] == "tiny-ar-en" and document["meta"]["options"] == {"beam_size": 4}
    assert document["meta"]["tool_version"] and document["meta"]["created"].endswith("Z")
    assert [s["source"] for s in document["segments"]] == [p.source for p in NASTY[:2]]


def test_non_finite_score_is_null_in_json(tmp_path):
    path = tmp_path / "out.jsonl"
    write(path, "jsonl", [Pair("a", "b", math.inf), Pair("c", "d", math.nan)])
    assert [p.score for p in read_pairs(path)] == [None, None]


def test_tsv_escapes(tmp_path):
    path = tmp_path / "out.tsv"
    write(path, "tsv", [Pair("a\tb\\c", "d\ne\rf", -0.5), Pair("x", "y")])
    assert path.read_text(encoding="utf-8") == "a\\tb\\\\c\td\\ne\\rf\t-0.5\nx\ty\t\n"


def test_tsv_reader_accepts_two_fields_and_keeps_unknown_escapes(tmp_path):
    path = tmp_path / "in.tsv"
    path.write_text("C:\\path\\x\tok\n", encoding="utf-8")
    assert list(read_pairs(path)) == [Pair("C:\\path\\x", "ok")]


def test_txt_keeps_paragraphs(tmp_path):
    path = tmp_path / "out.txt"
    pairs = [Pair("", "One.", paragraph=0), Pair("", "Two.", paragraph=0, sentence=1),
             Pair("", "Three\nlines.", paragraph=1), Pair("", "Four.", doc="b", paragraph=0)]
    write(path, "txt", pairs)
    assert path.read_text(encoding="utf-8") == "One. Two.\n\nThree lines.\n\nFour.\n"


def test_moses_writes_two_aligned_files(tmp_path):
    write(tmp_path / "corpus.ar", "moses", [Pair("أ\nب", "a"), Pair("ج", "b\r\nc")])
    assert (tmp_path / "corpus.ar").read_text(encoding="utf-8") == "أ ب\nج\n"
    assert (tmp_path / "corpus.en").read_text(encoding="utf-8") == "a\nb c\n"
    for name in ("corpus", "corpus.ar", "corpus.en"):
        assert [p.target for p in read_pairs(tmp_path / name, "moses")] == ["a", "b c"]


def test_moses_languages_from_meta(tmp_path):
    write(tmp_path / "dev", "moses", [Pair("Haus", "maison")], meta={"srclang": "de", "tgtlang": "fr"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev.de", "dev.fr"]


def test_moses_misaligned_files_refused(tmp_path):
    (tmp_path / "c.ar").write_text("a\nb\n", encoding="utf-8")
    (tmp_path / "c.en").write_text("a\n", encoding="utf-8")
    with pytest.raises(TranslateError, match=r"not line-aligned \(2 and 1 lines\)"):
        list(read_pairs(tmp_path / "c", "moses"))


def test_links_layout_and_gold_file_syntax(tmp_path):
    path = tmp_path / "out.links"
    write(path, "links", ALIGNED)
    assert path.read_text(encoding="utf-8") == "[0]:[0]\n[1, 2]:[1]\n[]:[2]\n[3]:[]\n"
    path.write_text("[6,7]:[9,10]\n[]:[11]\n", encoding="utf-8")
    assert [(p.source_ids, p.target_ids, p.link) for p in read_pairs(path)] == [
        ((6, 7), (9, 10), "2-2"), ((), (11,), "0-1")]


def test_links_need_alignment_ids(tmp_path):
    with pytest.raises(TranslateError, match="links format holds alignment links"):
        write(tmp_path / "out.links", "links", [Pair("a", "b")])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt, content, message", [
    ("jsonl", '{"source": "a", "target": "b"}\n{"source": "a", "target": \n', r"bad\.jsonl: line 2: not valid JSON"),
    ("jsonl", '{"source": "a", "target": 3}\n', r"bad\.jsonl: line 1: field 'target' must be a string"),
    ("jsonl", '[1, 2]\n', r"bad\.jsonl: line 1: expected a JSON object"),
    ("json", '{"meta": {},\n "segments": [\n{"source": "a"\n', r"bad\.json: not valid JSON at line 4"),
    ("json", '{"meta": {}}', r'bad\.json: expected a JSON object with a "segments" list'),
    ("tsv", "a\tb\t1\t2\te\n", r"bad\.tsv: line 1: expected 3 tab-separated fields"),
    ("tsv", "a\tb\t0.5\na\tb\thigh\n", r"bad\.tsv: line 2: score 'high' is not a number"),
    ("links", "[0]:[0]\n0-0\n", r"bad\.links: line 2: expected a link"),
])
def test_broken_input_names_file_and_line(tmp_path, fmt, content, message):
    path = tmp_path / f"bad.{fmt}"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TranslateError, match=message):
        list(read_pairs(path))


def test_missing_input_is_a_one_line_error(tmp_path):
    for fmt in READABLE:
        with pytest.raises(TranslateError, match="no such file"):
            list(read_pairs(_path(tmp_path, fmt), fmt))


@pytest.mark.parametrize("fmt", FORMATS)
def test_error_while_writing_leaves_previous_output(tmp_path, fmt):
    path = _path(tmp_path, fmt)
    write(path, fmt, ALIGNED[:1])
    before = sorted((p.name, p.read_bytes()) for p in tmp_path.iterdir())
    with pytest.raises(RuntimeError):
        with open_writer(path, fmt) as writer:
            writer.write(ALIGNED[1])
            raise RuntimeError("interrupted")
    assert sorted((p.name, p.read_bytes()) for p in tmp_path.iterdir()) == before


def test_moses_failure_on_second_file_leaves_neither(tmp_path):
    (tmp_path / "out.en").mkdir()  # the English file cannot be created: a directory is in the way
    with pytest.raises(TranslateError):
        write(tmp_path / "out", "moses", [Pair("a", "b")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.en"]


def test_output_may_not_replace_an_input(tmp_path):
    path = tmp_path / "same.jsonl"
    write(path, "jsonl", [Pair("a", "b")])
    with pytest.raises(TranslateError, match="overwrite the input"):
        with open_writer(path, inputs=(path,)):
            pass
    assert list(read_pairs(path)) == [Pair("a", "b")]


def test_writer_streams_to_disk_before_the_end(tmp_path):
    path = tmp_path / "big.jsonl"
    with open_writer(path) as writer:
        for i in range(2000):
            writer.write(Pair("نص عربي طويل " * 5, "a long English text " * 5, sentence=i))
        partial = [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
        assert len(partial) == 1 and partial[0].stat().st_size > 100_000
        assert not path.exists()
    assert sum(1 for _ in read_pairs(path)) == 2000


def test_standard_output(capsys):
    with open_writer("-") as writer:
        writer.write(Pair("أ", "Hello.", paragraph=0))
        writer.write(Pair("ب", "World.", paragraph=0, sentence=1))
    assert capsys.readouterr().out == "Hello. World.\n"
    with pytest.raises(TranslateError, match="moses format writes two files"):
        with open_writer("-", "moses"):
            pass


# --- fuzzing: anything written reads back as documented; every TMX is valid -----------------------

_TEXT = st.text(st.one_of(st.characters(exclude_categories=()),
                          st.sampled_from("\t\n\r\x00\x0b\x85\u2028\ufeff\ufffe\u200f\u064e<&>\"'\\ ")),
                max_size=25)
_SCORE = st.none() | st.floats(allow_nan=False, allow_infinity=False)
_IDS = st.none() | st.lists(st.integers(0, 10**6), max_size=3).map(tuple)
_PAIR = st.builds(
    Pair, source=_TEXT, target=_TEXT, score=_SCORE, doc=_TEXT, paragraph=st.integers(0, 10**6),
    sentence=st.integers(0, 10**6), source_span=st.none() | st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)),
    link=st.none() | _TEXT, source_ids=_IDS, target_ids=_IDS, confidence=_SCORE,
)
_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("fmt", [f for f in READABLE if f != "links"])
@_FUZZ
@given(pairs=st.lists(_PAIR, max_size=6))
def test_fuzz_round_trip(tmp_path, fmt, pairs):
    path = _path(tmp_path, fmt)
    write(path, fmt, pairs, meta={"model": "x\x00<&>"})
    assert list(read_pairs(path, fmt)) == expected(fmt, pairs)
    if fmt == "tmx":
        assert DTD.validate(etree.parse(str(path))), DTD.error_log.filter_from_errors()


@_FUZZ
@given(links=st.lists(st.tuples(st.lists(st.integers(0, 10**6), max_size=4).map(tuple),
                                st.lists(st.integers(0, 10**6), max_size=4).map(tuple)), max_size=6))
def test_fuzz_links_round_trip(tmp_path, links):
    pairs = [Pair("", "", source_ids=s, target_ids=t) for s, t in links]
    path = tmp_path / "out.links"
    write(path, "links", pairs)
    assert list(read_pairs(path)) == expected("links", pairs)


def test_no_temporary_files_left(tmp_path):
    write(tmp_path / "x.tmx", "tmx", NASTY)
    assert os.listdir(tmp_path) == ["x.tmx"]
