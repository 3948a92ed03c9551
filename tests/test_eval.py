"""Test sets, published scores and `translate eval`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sacrebleu.metrics import BLEU, CHRF

from conftest import ROOT, SHARED, shared_file
from translate.cli.options import EngineArgs
from translate.engine import Translation
from translate.errors import TranslateError
from translate.formats import open_writer, read_pairs
from translate.records import Pair
from translate.testsets import ENV_DATA, available, evaluate, load, published_scores

TINY = ROOT / "models" / "tiny-ar-en"


class LeaderboardOutput:
    """Stands in for a Translator with a model's real published output (OPUS-MT leaderboard), so
    the scoring side of eval is checked on real translations without running the big models."""

    def __init__(self, model_name: str, hypotheses: list[str]):
        self.model_name = model_name
        self.hypotheses = hypotheses

    def translate(self, sentences, **options):
        for source, target in zip(sentences, self.hypotheses, strict=False):
            yield Translation(source, target, 0.0)


def leaderboard(model: str) -> LeaderboardOutput:
    hyp = shared_file("system-outputs", model, "tico19-test.hyp.en")
    return LeaderboardOutput(model, hyp.read_text(encoding="utf-8").split("\n")[:-1])


def make_set(folder: Path, sources: list[str], references: list[str]) -> Path:
    folder.mkdir(parents=True)
    (folder / "src.ar").write_text("".join(f"{s}\n" for s in sources), encoding="utf-8")
    (folder / "ref.en").write_text("".join(f"{r}\n" for r in references), encoding="utf-8")
    return folder


def test_named_sets_come_from_shared_data(monkeypatch):
    monkeypatch.delenv(ENV_DATA, raising=False)
    shared_file("tico19-test", "src.ar")
    tico = load("tico19-test")
    assert (tico.name, tico.path, len(tico.sources), len(tico.references)) == (
        "tico19-test", SHARED / "tico19-test", 2100, 2100)
    assert tico.references[0] == (SHARED / "tico19-test" / "ref.en").read_text(encoding="utf-8").split("\n")[0]
    tatoeba = load("tatoeba-test-v2021-08-07")
    assert len(tatoeba.sources) == 10305
    assert {"tico19-test", "tatoeba-test-v2021-08-07", "un-v1.0-devset"} <= set(available())


def test_translate_data_is_searched_before_shared_data(monkeypatch, tmp_path):
    make_set(tmp_path / "tico19-test", ["مرحبا", "شكرا"], ["Hello", "Thanks"])
    make_set(tmp_path / "my-set", ["نعم"], ["Yes"])
    monkeypatch.setenv(ENV_DATA, str(tmp_path))
    assert load("tico19-test").references == ("Hello", "Thanks")
    assert load("my-set").sources == ("نعم",)
    assert {"my-set", "tico19-test"} <= set(available())


def test_sets_given_as_paths(tmp_path):
    folder = make_set(tmp_path / "set", ["واحد", "اثنان", "ثلاثة"], ["one", "two", "three"])
    assert load(folder).references == ("one", "two", "three")
    assert load(folder).head(2).sources == ("واحد", "اثنان")
    (tmp_path / "corpus.ar").write_text("واحد\n", encoding="utf-8")
    (tmp_path / "corpus.en").write_text("one\n", encoding="utf-8")
    assert load(tmp_path / "corpus").references == ("one",)
    with open_writer(tmp_path / "set.tmx") as writer:
        writer.write(Pair("واحد", "one"))
        writer.write(Pair("اثنان", "two"))
    tmx = load(tmp_path / "set.tmx")
    assert (tmx.name, tmx.sources, tmx.references) == ("set", ("واحد", "اثنان"), ("one", "two"))


def test_test_set_errors(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_DATA, str(tmp_path))
    make_set(tmp_path / "known", ["أ"], ["a"])
    with pytest.raises(TranslateError, match=r"no-such-set: no such test set \(looked in: .*; known: (.*, )?known,"):
        load("no-such-set")
    (tmp_path / "notes.txt").write_text("x\n", encoding="utf-8")
    with pytest.raises(TranslateError, match="not a test set"):
        load(tmp_path / "notes.txt")
    make_set(tmp_path / "uneven", ["أ", "ب"], ["a"])
    with pytest.raises(TranslateError, match="2 segments, but .*ref.en has 1"):
        load(tmp_path / "uneven")
    with pytest.raises(TranslateError, match="--limit"):
        load(tmp_path / "known").head(0)


def test_published_scores_from_the_catalog(tmp_path):
    assert published_scores("opus-mt-ar-en", "tico19-test") == {"bleu": 32.3, "chrf": 60.2}
    assert published_scores("opus-mt-tc-big-ar-en", "tatoeba-test-v2021-08-07") == {"bleu": 47.3, "chrf": 63.5}
    assert published_scores("opus-mt-ar-en", "my-own-set") == {}
    installed = tmp_path / "some-dir"
    installed.mkdir()
    (installed / "model.bin").write_bytes(b"")
    (installed / "translate-model.json").write_text(json.dumps({"name": "opus-mt-tc-big-ar-en"}))
    assert published_scores(installed, "tico19-test") == {"bleu": 44.4, "chrf": 68.5}


def test_evaluate_opus_mt_ar_en_copy_matches_only_after_rounding():
    # This copy of the leaderboard output lost some <unk> tokens: BLEU 32.31 (leaderboard line:
    # 32.3 with hyp_len 59673, here 59571) still rounds to the published 32.3, chrF is 0.05 off.
    result = evaluate(load(shared_file("tico19-test")), leaderboard("opus-mt-ar-en"))
    bleu, chrf = result.scores
    assert bleu.details["hyp_len"] == 59571
    assert round(bleu.score, 1) == result.published["bleu"] == 32.3
    assert abs(chrf.score - result.published["chrf"]) < 0.1


def test_eval_command_prints_ours_beside_published(cli, monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_DATA, raising=False)
    stub = leaderboard("opus-mt-tc-big-ar-en")
    monkeypatch.setattr(EngineArgs, "translator", lambda self, quiet=False: stub)
    out = cli("eval", "tico19-test", "--model", "opus-mt-tc-big-ar-en", "-o", tmp_path / "hyp.en")
    assert out.exit_code == 0, out.stderr
    # The full set through the engine path reproduces the published opus-mt-tc-big-ar-en numbers.
    assert "= 44.4 72.5/50.1/37.5/28.5 (BP = 1.000 ratio = 1.009 hyp_len = 56837 ref_len = 56323)" in out.stdout
    assert re.search(r"^BLEU +44\.4 +44\.4$", out.stdout, re.M)
    assert re.search(r"^chrF2 +68\.5 +68\.5$", out.stdout, re.M)
    assert (tmp_path / "hyp.en").read_text(encoding="utf-8").split("\n")[:-1] == stub.hypotheses
    assert "translating 2100 segments of tico19-test" in out.stderr

    limited = cli("eval", "tico19-test", "--limit", "50", "--json", "-o", tmp_path / "hyp.tmx")
    data = json.loads(limited.stdout)
    refs = load("tico19-test").references[:50]
    assert (data["segments"], data["total_segments"]) == (50, 2100)
    assert data["scores"][0]["score"] == BLEU().corpus_score(stub.hypotheses[:50], [list(refs)]).score
    assert data["published"] == {"bleu": 44.4, "chrf": 68.5}
    pairs = list(read_pairs(tmp_path / "hyp.tmx"))
    assert [p.target for p in pairs] == stub.hypotheses[:50]
    assert list(load("tico19-test").sources[:50]) == [p.source for p in pairs]
    text = cli("eval", "tico19-test", "--limit", "50").stdout
    assert "scored the first 50 of 2100 segments" in text


def test_eval_end_to_end_with_a_real_engine(cli, toy_model, tmp_path):
    """Random-weight toy model: the numbers are meaningless, the pipeline is the real one."""
    folder = make_set(tmp_path / "set", ["مرحبا بالعالم", "الأمم المتحدة", "شكرا جزيلا"],
                      ["Hello world", "The United Nations", "Thank you very much"])
    out = cli("eval", folder, "--model", toy_model.ct2, "-o", tmp_path / "hyp.en", "--metrics", "chrf")
    assert out.exit_code == 0, out.stderr
    hyps = (tmp_path / "hyp.en").read_text(encoding="utf-8").split("\n")[:-1]
    assert len(hyps) == 3
    expected = CHRF().corpus_score(hyps, [["Hello world", "The United Nations", "Thank you very much"]])
    assert out.stdout.startswith("chrF2|nrefs:1|") and f" = {expected.score:.1f}\n" in out.stdout
    assert "No published score for" in out.stdout


@pytest.mark.skipif(not (TINY / "model.bin").is_file(), reason="demo model models/tiny-ar-en not built yet")
def test_eval_with_the_demo_model(cli, tmp_path):
    out = cli("eval", shared_file("tico19-test"), "--model", TINY, "--limit", "8", "--json",
              "-o", tmp_path / "hyp.en")
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    hyps = (tmp_path / "hyp.en").read_text(encoding="utf-8").split("\n")[:-1]
    refs = list(load(shared_file("tico19-test")).references[:8])
    assert len(hyps) == 8 and all(hyps)
    assert data["scores"][0]["score"] == BLEU().corpus_score(hyps, [refs]).score
