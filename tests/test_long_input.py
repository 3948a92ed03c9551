"""Long unpunctuated text (legal text, transcripts, social media) through every translating command.

A sentence that reached the decoder's 512 positions crashed the model (the length-tied generation
limit of a 300-token sentence was 618). Inputs are now cut into pieces whose limit fits the
model's own position table, read from model.bin.
"""

from __future__ import annotations

import json
import re

import pytest

import toymodels

from translate import models
from translate.engine import DecodeOptions, Translator, max_decoding_length

from conftest import ROOT, SAMPLE, shared_file

_PUNCTUATION = re.compile(r"[.!?؟…،,؛;:\"'«»()]")


def unpunctuated_line(words: int) -> str:
    """One line of real Arabic news text, ``words`` long, without any punctuation."""
    text = _PUNCTUATION.sub(" ", shared_file("tico19-test", "src.ar").read_text(encoding="utf-8"))
    return " ".join(text.split()[:words])


@pytest.fixture(scope="module")
def real_shape(tmp_path_factory):
    """A model of the real opus-mt-ar-en's shape (512/6+6/8 heads/2048/62k vocabulary, random weights)
    through the Hugging Face route, whose checkpoint has the real model's 512 positions."""
    base = tmp_path_factory.mktemp("real-shape")
    arabic = SAMPLE.read_text(encoding="utf-8").splitlines()
    english = (ROOT / "tests" / "data" / "english.txt").read_text(encoding="utf-8").splitlines()
    release = toymodels.build_release(base / "release", arabic, english, dims=toymodels.OPUS_MT_AR_EN, seed=3)
    path = models.install("real-shape", toymodels.write_hf_checkpoint(release, base / "hf"), directory=base / "models")
    assert Translator(path).positions == 512
    return path


def test_a_sentence_whose_old_limit_passed_512_positions(real_shape):
    translator = Translator(real_shape)
    sentence = unpunctuated_line(150)
    tokens = len(translator.tokenize(sentence)) + 1
    assert 2 * tokens + 10 > 512  # the old length-tied limit: the decoder ran out of positions
    result = translator.translate_sentence(sentence, DecodeOptions(beam_size=1))
    pieces = translator.source_pieces(sentence)
    assert result.error is None and len(pieces) >= 2
    # Random weights run every piece to its limit, which stays inside the position table.
    limits = [max_decoding_length(len(p) + 1, positions=512) for p in pieces]
    assert all(limit <= 511 for limit in limits) and 0 < result.tokens <= sum(limits)


@pytest.mark.parametrize("model", ["tiny-ar-en", "real-shape"])
def test_4000_word_line_through_doc_text_and_corpus(cli, tmp_path, model, request):
    name = "tiny-ar-en" if model == "tiny-ar-en" else str(request.getfixturevalue("real_shape"))
    # Random weights never stop by themselves: cap the real-shape model's output per piece.
    args = ("--model", name, "--beam-size", "1", "-q") + (("--max-length", "12") if model == "real-shape" else ())
    line = unpunctuated_line(4000)
    pieces = len(Translator(name).source_pieces(line))
    assert pieces >= 10
    src = tmp_path / "in" / "long.txt"
    src.parent.mkdir()
    src.write_text(line + "\n", encoding="utf-8")

    doc = cli("doc", src, "-f", "jsonl", *args)
    assert doc.exit_code == 0, doc.stderr
    (record,) = [json.loads(row) for row in doc.stdout.splitlines()]
    assert record["source"] == line and record["source_span"] == [0, len(line)]
    assert len(record["target"].split()) >= pieces and "error" not in record  # every piece translated

    text = cli("text", "-", *args, input=line)
    assert text.exit_code == 0, text.stderr
    assert text.stdout.strip() == record["target"]

    corpus = cli("corpus", src.parent, "-o", tmp_path / "out", "--formats", "jsonl", *args)
    assert corpus.exit_code == 0, corpus.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["sentences"] == 1 and manifest["counts"]["rejected"]["failed"] == 0
