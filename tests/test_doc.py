"""`translate doc` end to end: input decoding, every output format read back, pipes and failures."""

from __future__ import annotations

import json

import pytest

from translate.formats import read_pairs
from translate.segmenter import segment

from conftest import SAMPLE

FAST = ("--max-length", "6", "--beam-size", "1", "--quiet")


@pytest.fixture
def model_args(toy_model):
    return ("--model", str(toy_model.ct2), *FAST)


@pytest.mark.parametrize("suffix", ["txt", "tmx", "json", "jsonl", "tsv"])
def test_every_format_round_trips(cli, model_args, tmp_path, suffix):
    out = tmp_path / f"article.{suffix}"
    result = cli("doc", SAMPLE, "-o", out, *model_args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""  # data goes to the file, never to the terminal
    pairs = list(read_pairs(out))
    text = SAMPLE.read_text(encoding="utf-8")
    if suffix == "txt":
        paragraphs = {s.paragraph for s in segment(text)}
        assert len(pairs) == len(paragraphs)
        return
    segments = segment(text)
    assert [p.source for p in pairs] == [s.text for s in segments]
    if suffix != "tsv":  # TSV carries text and score only
        assert all(text[p.source_span[0]:p.source_span[1]] == p.source for p in pairs)
        assert [(p.paragraph, p.sentence) for p in pairs] == [(s.paragraph, s.index) for s in segments]


def test_moses_writes_line_aligned_pair(cli, model_args, tmp_path):
    result = cli("doc", SAMPLE, "-o", tmp_path / "corpus", "--format", "moses", *model_args)
    assert result.exit_code == 0, result.stderr
    ar = (tmp_path / "corpus.ar").read_text(encoding="utf-8").splitlines()
    en = (tmp_path / "corpus.en").read_text(encoding="utf-8").splitlines()
    assert len(ar) == len(en) == len(segment(SAMPLE.read_text(encoding="utf-8")))


def test_stdin_and_stdout_pipe(cli, model_args):
    result = cli("doc", "-", *model_args, "--format", "jsonl", input="مرحبا بكم.\n\nكيف حالك؟ أنا بخير.\n")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["paragraph"], r["sentence"], r["source"]) for r in records] == [
        (0, 0, "مرحبا بكم."), (1, 0, "كيف حالك؟"), (1, 1, "أنا بخير.")]
    assert all(r["doc"] == "<stdin>" for r in records)


def test_presegmented_keeps_lines(cli, model_args, tmp_path):
    src = tmp_path / "lines.txt"
    src.write_text("جملة أولى. وجملة ثانية في السطر نفسه.\nسطر ثان\n\nفقرة جديدة\n", encoding="utf-8")
    result = cli("doc", src, "--presegmented", "--format", "jsonl", *model_args)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["source"] for r in records] == ["جملة أولى. وجملة ثانية في السطر نفسه.", "سطر ثان", "فقرة جديدة"]
    assert [r["paragraph"] for r in records] == [0, 0, 1]


@pytest.mark.parametrize("encode", [
    lambda s: "\ufeff".encode() + s.encode("utf-8"),
    lambda s: s.encode("utf-16"),  # with BOM
    lambda s: s.replace("\n", "\r\n").encode("utf-8"),
])
def test_accepted_encodings(cli, model_args, tmp_path, encode):
    src = tmp_path / "in.txt"
    src.write_bytes(encode("السلام عليكم.\nوعليكم السلام.\n"))
    result = cli("doc", src, "--format", "jsonl", *model_args)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(x)["source"] for x in result.stdout.splitlines()] == ["السلام عليكم.", "وعليكم السلام."]


def test_invalid_utf8_is_refused_with_offset(cli, model_args, tmp_path):
    src = tmp_path / "bad.txt"
    src.write_bytes("مرحبا".encode() + b"\xff\xfe!" + "عالم".encode())
    out = tmp_path / "out.tmx"
    result = cli("doc", src, "-o", out, *model_args)
    assert result.exit_code != 0
    assert result.stderr == f"translate: error: {src}: not valid UTF-8 at byte offset 10 (byte 0xff)\n"
    assert not out.exists()


def test_failure_leaves_no_output(cli, tmp_path):
    out = tmp_path / "out.tmx"
    result = cli("doc", SAMPLE, "-o", out, "--model", "no-such-model", "--quiet")
    assert result.exit_code != 0 and "unknown model" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_output_may_not_replace_input(cli, model_args, tmp_path):
    src = tmp_path / "same.txt"
    src.write_text("مرحبا.\n", encoding="utf-8")
    result = cli("doc", src, "-o", src, *model_args)
    assert result.exit_code != 0 and "overwrite the input" in result.stderr
    assert src.read_text(encoding="utf-8") == "مرحبا.\n"
