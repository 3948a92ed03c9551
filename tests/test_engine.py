"""The Translator: settings that must not change the output, the long-input and runaway guards."""

from __future__ import annotations

import random

import pytest

import ctranslate2

from translate.engine import (DecodeOptions, Translator, default_compute_type, default_threads, max_decoding_length,
                              max_input_tokens, max_rows_for, plan_batches, resolve_device)
from translate.errors import TranslateError
from translate.normalize import clean_target, prepare_source

from conftest import SAMPLE, assert_close_translations

SENTENCES = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
GREEDY = DecodeOptions(beam_size=1, max_length=16)


@pytest.fixture(scope="module")
def translator(toy_model):
    return Translator(toy_model.ct2)


@pytest.mark.parametrize("options", [GREEDY, DecodeOptions(beam_size=2)], ids=["capped", "length-tied"])
def test_batching_order_and_threads_do_not_change_output(toy_model, translator, options):
    # A random-weight model runs every sentence to its length limit: the limit must be the
    # sentence's own, whatever else shares its batch (a batch-wide limit changed whole outputs).
    # Other batches move int8 results in their last bits, so the outputs agree within tolerance.
    expected = list(translator.translate(SENTENCES, options=options))
    assert len(expected) == len(SENTENCES) and all(t.target for t in expected)
    for batch_size in (8, 200, 100_000):
        got = translator.translate(SENTENCES, options=options, batch_size=batch_size, window=5)
        assert_close_translations(got, expected)
    for max_rows in (1, 3, None):
        assert_close_translations(translator.translate(SENTENCES, options=options, max_rows=max_rows), expected)
    order = list(range(len(SENTENCES)))
    random.Random(1).shuffle(order)
    shuffled = list(translator.translate([SENTENCES[i] for i in order], options=options))
    assert_close_translations([shuffled[order.index(i)] for i in range(len(SENTENCES))], expected)
    for inter, intra in ((1, 1), (1, 2), (2, 1)):
        other = Translator(toy_model.ct2, inter_threads=inter, intra_threads=intra)
        assert_close_translations(other.translate(SENTENCES, options=options), expected)
    alone = [translator.translate_sentence(s, options) for s in SENTENCES[:3]]
    assert_close_translations(alone, expected[:3])
    # The same batches give the same bits: a second run is identical.
    assert list(translator.translate(SENTENCES, options=options)) == expected


def test_results_carry_source_and_normalised_score(translator):
    results = list(translator.translate(SENTENCES[:3], options=DecodeOptions(beam_size=2, max_length=8)))
    assert [r.source for r in results] == SENTENCES[:3]
    assert all(r.score < 0 for r in results)


def test_text_without_arabic_is_passed_through_unscored(translator):
    inputs = ["", "  \u200f ", "Hello world.", "https://example.org/a?b=1", "١٢٣ 456", SENTENCES[0]]
    results = list(translator.translate(inputs, options=GREEDY))
    assert [(r.target, r.score, r.tokens) for r in results[:-1]] == [(s, None, 0) for s in inputs[:-1]]
    assert results[-1].score is not None and results[-1].tokens > 0


def test_limits_come_from_the_models_position_table(translator):
    assert translator.positions == 2048  # CTranslate2's Marian converter writes this table
    assert Translator("tiny-ar-en").positions == 512  # a Hugging Face checkpoint's max_position_embeddings
    assert translator.max_input_tokens == max_input_tokens(2048) == 256
    assert max_input_tokens(512) == 240 and max_input_tokens(None) == 256
    # The length-tied limit of the longest piece still fits in the decoder's positions.
    assert max_decoding_length(240) <= 511 and max_decoding_length(256) > 511
    assert max_decoding_length(600, positions=512) == 511 == max_decoding_length(4, cap=9000, positions=512)


def test_long_sentence_is_split_never_truncated(translator):
    long = "، ".join(SENTENCES) * 2  # far over the model's input limit, no sentence end inside
    tokens = translator.tokenize(long)
    limit = translator.max_input_tokens
    assert len(tokens) > 4 * limit
    pieces = translator.source_pieces(long)
    assert len(pieces) >= 5
    assert all(len(p) < limit for p in pieces)  # room left for </s>
    # Every source token is translated exactly once: the pieces put together are the whole input.
    assert sum(len(p) for p in pieces) == len(tokens)
    result = next(translator.translate([long], options=DecodeOptions(beam_size=1, max_length=4)))
    assert len(result.target.split()) >= len(pieces)


def test_generation_is_bounded_by_source_length(translator):
    # A random-weight model never stops by itself: the length guard must stop it. Generated tokens
    # are counted as the model produced them (re-tokenising the text can give a different count).
    short = "الأمم المتحدة"
    result = next(translator.translate([short], options=DecodeOptions(beam_size=1)))
    assert 0 < result.tokens <= max_decoding_length(len(translator.tokenize(short)) + 1)
    capped = next(translator.translate([short], options=DecodeOptions(beam_size=1, max_length=3)))
    assert 0 < capped.tokens <= 3


def test_default_threads_prefer_parallel_batches():
    assert default_threads(1) == (1, 1)
    assert default_threads(2) == (2, 1)
    assert default_threads(16) == (4, 4)


def test_prepare_source_normalises_like_opus_mt_training():
    presentation = "\ufef3\ufeb4\ufe98\ufee8\ufe8e"  # "يستنا" in presentation forms
    assert prepare_source(presentation) == "يستنا"
    assert prepare_source("\u200fالسلامـــ\u200b  عليكم\ufeff\n") == "السلام عليكم"
    # As the release's perl step: control and format characters become spaces (a joiner between
    # two words no longer glues them).
    assert prepare_source("a\x00b\tc") == "a b c"
    assert prepare_source("الأمم\u200cالمتحدة\u2060") == "الأمم المتحدة"


# Each character OPUS-MT's preprocess.sh maps, with what it becomes (its table, checked by hand
# against scripts/preprocess-spm.sh in OPUS-MT-train, including '１' -> '"').
RELEASE_MAPPING = [
    ("，", ","), ("、", ","), ("”", '"'), ("“", '"'), ("∶", ":"), ("：", ":"), ("？", "?"), ("《", '"'),
    ("》", '"'), ("）", ")"), ("！", "!"), ("（", "("), ("；", ";"), ("１", '"'), ("」", '"'), ("「", '"'),
    ("０", "0"), ("３", "3"), ("２", "2"), ("５", "5"), ("６", "6"), ("９", "9"), ("７", "7"), ("８", "8"),
    ("４", "4"), ("～", "~"), ("’", "'"), ("…", "..."), ("━", "-"), ("〈", "<"), ("〉", ">"), ("【", "["),
    ("】", "]"), ("％", "%"),
]


@pytest.mark.parametrize("char, mapped", RELEASE_MAPPING)
def test_each_release_mapping_character(char, mapped):
    assert prepare_source(f"قال{char}نعم") == f"قال{mapped}نعم"


def test_release_mapping_on_a_string_of_every_character():
    every = "".join(char for char, _ in RELEASE_MAPPING)
    assert prepare_source(every) == "".join(mapped for _, mapped in RELEASE_MAPPING)
    # The two stops swallow the spaces after them and leave one; untouched characters stay.
    assert prepare_source("انتهى。   ثم．  بدأ ‘ « » ، ؟") == "انتهى. ثم. بدأ ‘ « » ، ؟"


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
