"""Vocabulary shortlists: the vmap file CTranslate2 reads, building one from a model's translations,
and the engine and memory using it. Outputs with and without a shortlist are not identical by
design; what is checked is that CTranslate2 keeps to the allowed set and the bookkeeping around it."""

from __future__ import annotations

import collections
import json
import shutil

import pytest

from translate import shortlist, testsets
from translate.engine import DecodeOptions, Translator
from translate.errors import TranslateError
from translate.memory import MemoryKey

from conftest import SAMPLE

SENTENCES = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
GREEDY = DecodeOptions(beam_size=1, max_length=12)


def counts(pairs):
    c = shortlist.Cooccurrence()
    for source, target in pairs:
        c.add(source.split(), target.split())
    return c


def test_select_keeps_frequent_tokens_always_and_the_strongest_per_source():
    c = counts([("a b", "the cat ."), ("a c", "the cat sat ."), ("b", "the dog ."), ("c", "the mat .")] * 30
               + [("d", "rare")] * 2)
    # The first half of the ranking, and what is in at least 1% of the translations.
    s = shortlist.select(c, ["the", ".", "sat", "x"], per_source=1, frequent=0.5)
    assert set(s.always) == {"the", ".", "cat", "dog", "mat", "sat"}
    assert shortlist.select(c, ["the", "."], per_source=1, frequent=1.0).candidates["d"] == ("rare",)
    # Always-allowed tokens are not repeated per source; at most per_source each.
    assert all(len(v) == 1 and not set(v) & set(s.always) for v in s.candidates.values())
    # CTranslate2 always allows </s>, <unk> and <s>; the union is over every sentence of a batch.
    assert {"</s>", "<unk>", "the", "rare"} <= s.allowed([["a"], ["d"]])
    assert "rare" not in s.allowed([["a"]])


def test_vmap_file_format_round_trips(tmp_path):
    s = shortlist.select(counts([("ا ب", "x y z"), ("ب", "y w")] * 60 + [("ج", "v")]), ["y", "x"], per_source=5,
                         frequent=0.5)
    s.write(tmp_path / "vmap.txt")
    lines = (tmp_path / "vmap.txt").read_text(encoding="utf-8").splitlines()
    # The always-allowed line has an empty key; every other line is one source piece, a tab, targets.
    assert lines[0] == "\t" + " ".join(s.always)
    for line in lines[1:]:
        key, targets = line.split("\t")
        assert key and " " not in key and targets.split()
    assert shortlist.Shortlist.read(tmp_path / "vmap.txt") == s


@pytest.fixture(scope="module")
def shortlisted(toy_model, tmp_path_factory):
    """A copy of the toy model with a shortlist built from its own translations of a small text."""
    model = tmp_path_factory.mktemp("sl") / "toy"
    shutil.copytree(toy_model.ct2, model)
    info = shortlist.build(model, SENTENCES * 2 + [s[: len(s) // 2] for s in SENTENCES],
                           load=lambda on: Translator(model, shortlist=on), beam_size=1, per_source=8, frequent=0.02,
                           sources=["sample"])
    return model, info


def test_build_writes_map_and_its_check(shortlisted):
    model, info = shortlisted
    assert (model / shortlist.VMAP_FILE).is_file()
    assert shortlist.read_info(model) == info
    check = info["check"]
    assert 1 <= check["sentences"] <= shortlist.CHECK_MAX and info["sentences"] > check["sentences"]
    assert set(check["beams"]) == {"1"}  # built greedy: checked greedy
    greedy = check["beams"]["1"]
    assert not greedy["lossless"]  # a handful of held-back lines measures nothing: off by default
    # This random model writes a handful of distinct tokens, each in over 1% of its translations, so
    # the map allows all of them and greedy decoding keeps its argmax: the held-back lines come out
    # the same (a tolerance of one line for last-bit differences between CPUs).
    assert greedy["identical"] >= 1 - 1 / check["sentences"]


def test_ctranslate2_keeps_to_the_allowed_set(shortlisted, tmp_path):
    # A hand-written map: a random-weight model must stay inside it, and leaves it without it.
    model, _ = shortlisted
    copy = tmp_path / "m"
    shutil.copytree(model, copy)
    full = Translator(copy, shortlist=False)
    used = [t.pieces for t in full.translate(SENTENCES[:6], options=GREEDY)]
    counted = collections.Counter(token for tokens in used for token in tokens)
    keep = counted.most_common()[-1][0]  # the least used token: most sentences must change
    first = full.source_pieces(SENTENCES[0])[0][0]
    vmap = shortlist.Shortlist((keep,), {first: (counted.most_common(1)[0][0],)})
    vmap.write(copy / shortlist.VMAP_FILE)
    restricted = Translator(copy, shortlist=True)
    for sentence, before in zip(SENTENCES[:6], used):
        allowed = vmap.allowed(restricted.source_pieces(sentence))
        after = next(restricted.translate([sentence], options=GREEDY)).pieces
        assert after and set(after) <= allowed
    assert any(not set(before) <= vmap.allowed(full.source_pieces(s)) for s, before in zip(SENTENCES, used))


def test_default_follows_the_check_per_beam_and_memory_keys_on_the_map(shortlisted, tmp_path):
    model, info = shortlisted
    copy = tmp_path / "m"
    shutil.copytree(model, copy)
    beam4 = DecodeOptions(beam_size=4, max_length=12)
    check = info["check"] | {"beams": {"1": {"identical": 1.0, "lossless": True},
                                       "4": {"identical": 0.9, "lossless": False}}}
    (copy / shortlist.INFO_FILE).write_text(json.dumps(info | {"check": check}))
    auto = Translator(copy)
    assert auto.shortlist_for(GREEDY) and auto.shortlist_for(beam4) is None
    on, off = Translator(copy, shortlist=True), Translator(copy, shortlist=False)
    assert on.shortlist_for(beam4) == auto.shortlist_for(GREEDY) and off.shortlist_for(GREEDY) is None
    # Only the beam the check passed at uses the map: beam 4 translates as without it, exactly.
    sources = SENTENCES[:4]
    assert [t.target for t in auto.translate(sources, options=beam4)] == \
        [t.target for t in off.translate(sources, options=beam4)]
    assert MemoryKey.of(auto, GREEDY) == MemoryKey.of(on, GREEDY) != MemoryKey.of(off, GREEDY)
    assert MemoryKey.of(auto, beam4) == MemoryKey.of(off, beam4)
    assert "shortlist" not in MemoryKey.of(off, GREEDY).options  # keys without a shortlist are unchanged
    (copy / shortlist.VMAP_FILE).write_text("\t</s>\n", encoding="utf-8")
    assert MemoryKey.of(Translator(copy, shortlist=True), GREEDY) != MemoryKey.of(on, GREEDY)
    # A map without a check (e.g. copied from elsewhere) is off unless forced.
    (copy / shortlist.INFO_FILE).unlink()
    assert Translator(copy).shortlist_for(GREEDY) is None


def test_forcing_a_missing_shortlist_is_an_error(toy_model):
    with pytest.raises(TranslateError, match="no vocabulary shortlist"):
        Translator(toy_model.ct2, shortlist=True)
    assert Translator(toy_model.ct2).shortlist_for(GREEDY) is None


def test_cli_builds_from_files_and_translates_with_and_without(cli, toy_model, tmp_path):
    models_dir = tmp_path / "models"
    shutil.copytree(toy_model.ct2, models_dir / "toy")
    text = tmp_path / "ar.txt"
    text.write_text("\n".join(SENTENCES * 2) + "\n", encoding="utf-8")
    result = cli("models", "shortlist", "toy", "--from", text, "--models-dir", models_dir, "--beam-size", "1")
    assert result.exit_code == 0, result.stderr
    assert "held-back translations identical" in result.stderr and "beam 1:" in result.stderr
    assert result.stdout.strip() == str(models_dir / "toy" / shortlist.VMAP_FILE)
    assert (models_dir / "toy" / shortlist.VMAP_FILE).is_file()
    for flag in ("--shortlist", "--no-shortlist"):
        out = cli("text", SENTENCES[0], "--model", str(models_dir / "toy"), "--max-length", "6", "--beam-size", "1", flag)
        assert out.exit_code == 0 and out.stdout.strip(), out.stderr
    missing = cli("text", SENTENCES[0], "--model", str(toy_model.ct2), "--shortlist")
    assert missing.exit_code != 0 and "no vocabulary shortlist" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


def test_cli_without_texts_or_shared_data_says_so_in_one_line(cli, toy_model, tmp_path, monkeypatch):
    monkeypatch.setattr(testsets, "data_dirs", lambda: [tmp_path / "nothing"])
    result = cli("models", "shortlist", str(toy_model.ct2))
    assert result.exit_code != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no --from given" in result.stderr and "--from" in result.stderr


def test_cli_refuses_an_unknown_model(cli, tmp_path):
    result = cli("models", "shortlist", "no-such-model", "--models-dir", tmp_path)
    assert result.exit_code != 0 and "not installed" in result.stderr
