"""The Translator: settings that must not change the output, the long-input and runaway guards."""

from __future__ import annotations

import random

import pytest

import ctranslate2

from translate.engine import (DecodeOptions, MAX_INPUT_TOKENS, Translator, default_compute_type, default_threads,
                              max_decoding_length, max_rows_for, plan_batches, resolve_device)
from translate.errors import TranslateError
from translate.normalize import clean_target, prepare_source

from conftest import SAMPLE

SENTENCES = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
GREEDY = DecodeOptions(beam_size=1, max_length=16)


@pytest.fixture(scope="module")
def translator(toy_model):
    return Translator(toy_model.ct2)


@pytest.mark.parametrize("options", [GREEDY, DecodeOptions(beam_size=2)], ids=["capped", "length-tied"])
def test_batching_order_and_threads_do_not_change_output(toy_model, translator, options):
    # A random-weight model runs every sentence to its length limit: the limit must be the
    # sentence's own, whatever else shares its batch.
    expected = [t.target for t in translator.translate(SENTENCES, options=options)]
    assert len(expected) == len(SENTENCES) and any(expected)
    for batch_size in (8, 200, 100_000):
        got = [t.target for t in translator.translate(SENTENCES, options=options, batch_size=batch_size, window=5)]
        assert got == expected, batch_size
    for max_rows in (1, 3, None):
        got = [t.target for t in translator.translate(SENTENCES, options=options, max_rows=max_rows)]
        assert got == expected, max_rows
    order = list(range(len(SENTENCES)))
    random.Random(1).shuffle(order)
    shuffled = [t.target for t in translator.translate([SENTENCES[i] for i in order], options=options)]
    assert [shuffled[order.index(i)] for i in range(len(SENTENCES))] == expected
    for inter, intra in ((1, 1), (1, 2), (2, 1)):
        other = Translator(toy_model.ct2, inter_threads=inter, intra_threads=intra)
        assert [t.target for t in other.translate(SENTENCES, options=options)] == expected
    alone = [translator.translate_text(s, options) for s in SENTENCES[:3]]
    assert alone == expected[:3]


def test_results_carry_source_and_normalised_score(translator):
    results = list(translator.translate(SENTENCES[:3], options=DecodeOptions(beam_size=2, max_length=8)))
    assert [r.source for r in results] == SENTENCES[:3]
    assert all(r.score < 0 for r in results)


def test_empty_input_gives_empty_translation(translator):
    assert [t.target for t in translator.translate(["", "  \u200f ", SENTENCES[0]], options=GREEDY)][:2] == ["", ""]


def test_long_sentence_is_split_never_truncated(translator):
    long = "، ".join(SENTENCES) * 2  # far over the model's input limit, no sentence end inside
    tokens = translator.tokenize(long)
    assert len(tokens) > 2 * MAX_INPUT_TOKENS
    pieces = translator.source_pieces(long)
    assert len(pieces) >= 3
    assert all(len(p) < MAX_INPUT_TOKENS for p in pieces)  # room left for </s>
    # Every source token is translated exactly once: the pieces put together are the whole input.
    assert sum(len(p) for p in pieces) == len(tokens)
    result = next(translator.translate([long], options=DecodeOptions(beam_size=1, max_length=4)))
    assert len(result.target.split()) >= len(pieces)


def test_generation_is_bounded_by_source_length(translator):
    # A random-weight model never stops by itself: the length guard must stop it.
    short = "الأمم المتحدة"
    result = next(translator.translate([short], options=DecodeOptions(beam_size=1)))
    produced = len(translator._target_sp.encode(result.target))
    assert produced <= max_decoding_length(len(translator.tokenize(short)) + 1)
    capped = next(translator.translate([short], options=DecodeOptions(beam_size=1, max_length=3)))
    assert len(translator._target_sp.encode(capped.target)) <= 3


def test_default_threads_prefer_parallel_batches():
    assert default_threads(1) == (1, 1)
    assert default_threads(2) == (2, 1)
    assert default_threads(16) == (4, 4)


def test_prepare_source_normalises_like_opus_mt_training():
    presentation = "\ufef3\ufeb4\ufe98\ufee8\ufe8e"  # "يستنا" in presentation forms
    assert prepare_source(presentation) == "يستنا"
    assert prepare_source("\u200fالسلامـــ\u200b  عليكم\ufeff\n") == "السلام عليكم"
    assert prepare_source("a\x00b\tc") == "ab c"


def test_clean_target_unescapes_entities():
    assert clean_target("it&apos;s &quot;fine&quot; &amp; done") == "it's \"fine\" & done"
    assert clean_target("plain text") == "plain text"


def test_batches_are_bounded_by_tokens_and_rows():
    pieces = [["x"] * n for n in (1, 1, 1, 2, 2, 3, 5, 8, 8, 8, 13)]
    limits = [max_decoding_length(len(p) + 1) for p in pieces]
    for batch_size, max_rows in ((16, None), (16, 2), (1000, 3)):
        batches = plan_batches(pieces, limits, batch_size, max_rows)
        assert sorted(i for b in batches for i in b) == list(range(len(pieces)))
        for b in batches:
            assert len(b) == 1 or len(b) * max(len(pieces[i]) for i in b) <= batch_size
            assert max_rows is None or len(b) <= max_rows
            assert len({limits[i] for i in b}) == 1


def test_pieces_are_the_model_tokens_of_the_target(translator):
    result = next(translator.translate(SENTENCES[:1], options=GREEDY))
    assert 0 < len(result.pieces) <= 16
    assert translator._target_sp.decode(list(result.pieces)).strip() == result.target.strip()


def test_device_auto_falls_back_to_cpu_and_cuda_needs_a_gpu(monkeypatch, toy_model):
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 0)
    assert resolve_device("auto") == "cpu" and resolve_device("cpu") == "cpu"
    with pytest.raises(TranslateError, match="no CUDA GPU"):
        resolve_device("cuda")
    with pytest.raises(TranslateError, match="choose one of auto, cpu, cuda"):
        resolve_device("tpu")
    t = Translator(toy_model.ct2, device="auto")
    assert (t.device, t.compute_type) == ("cpu", "int8")
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    assert resolve_device("auto") == "cuda"


def test_gpu_compute_type_defaults_to_the_best_supported(monkeypatch):
    assert default_compute_type("cpu") == "int8"
    for supported, expected in (({"float32", "float16", "int8_float16", "int8"}, "int8_float16"),
                                ({"float32", "float16"}, "float16"), ({"float32"}, "float32")):
        monkeypatch.setattr(ctranslate2, "get_supported_compute_types", lambda device, s=supported: s)
        assert default_compute_type("cuda") == expected


def test_cli_device_cuda_without_gpu_is_one_line(cli, toy_model, monkeypatch):
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 0)
    result = cli("text", SENTENCES[0], "--model", str(toy_model.ct2), "--device", "cuda")
    assert result.exit_code != 0 and "no CUDA GPU" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_sentences_per_batch_keep_a_step_scores_within_budget(translator):
    # 4 bytes per score: 33 sentences × 4 hypotheses × 62,000 entries fit 32 MiB, 34 do not.
    assert max_rows_for(4, 62_000) == 33 and max_rows_for(1, 62_000) == 135
    assert max_rows_for(4, 10**8) == 1
    import json

    vocabulary = json.loads((translator.model_dir / "shared_vocabulary.json").read_text(encoding="utf-8"))
    assert translator.vocabulary_size == len(vocabulary)
