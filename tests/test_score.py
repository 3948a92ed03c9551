"""`translate score` and translate.scoring: every number must be sacrebleu's on the same input."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.significance import PairedTest

from conftest import shared_file
from translate.errors import TranslateError
from translate.formats import open_writer
from translate.records import Pair
from translate.scoring import compare, corpus_scores, read_segments, sentence_scores

LEADERBOARD = "system-outputs/opus-mt-tc-big-ar-en"


def lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1]


@pytest.fixture(scope="module")
def tico():
    """(hypothesis file, reference file, leaderboard .eval file, source file) for opus-mt-tc-big-ar-en."""
    return (shared_file(LEADERBOARD, "tico19-test.hyp.en"), shared_file("tico19-test", "ref.en"),
            shared_file(LEADERBOARD, "tico19-test.eval"), shared_file("tico19-test", "src.ar"))


def without_version(line: str) -> str:
    return re.sub(r"\|version:[0-9.]+", "", line)


def leaderboard_line(eval_file, prefix: str) -> str:
    return next(line for line in eval_file.read_text(encoding="utf-8").splitlines() if line.startswith(prefix))


def test_reproduces_the_leaderboard_bleu_line_and_chrf(cli, tico):
    hyp, ref, eval_file, _ = tico
    result = cli("score", hyp, "--ref", ref)
    assert result.exit_code == 0, result.stderr
    bleu_line, chrf_line = result.stdout.splitlines()
    published = leaderboard_line(eval_file, "BLEU|")
    # The whole sacrebleu line: 44.4, precisions 72.5/50.1/37.5/28.5, BP, ratio, hyp_len 56837, ref_len 56323.
    assert without_version(bleu_line) == without_version(published)
    assert "= 44.4 72.5/50.1/37.5/28.5 (BP = 1.000 ratio = 1.009 hyp_len = 56837 ref_len = 56323)" in bleu_line

    wide = cli("score", hyp, "--ref", ref, "--metrics", "chrf", "-w", "2").stdout.strip()
    published_chrf = leaderboard_line(eval_file, "chrF2|")  # "chrF2|sig = 0.68521" (0-1 scale)
    assert without_version(wide) == without_version(published_chrf).replace("0.68521", "68.52")
    assert wide.endswith(" = 68.52")
    assert without_version(chrf_line).startswith(without_version(published_chrf).split(" = ")[0])


def test_same_numbers_through_tmx_and_jsonl(cli, tico, tmp_path):
    hyp, ref, _, src = tico
    sources, hyps, refs = lines(src), lines(hyp), lines(ref)
    expected = cli("score", hyp, "--ref", ref).stdout
    for fmt in ("tmx", "jsonl"):
        for name, targets in (("hyp", hyps), ("ref", refs)):
            with open_writer(tmp_path / f"{name}.{fmt}") as writer:
                for source, target in zip(sources, targets):
                    writer.write(Pair(source, target))
        assert cli("score", tmp_path / f"hyp.{fmt}", "--ref", tmp_path / f"ref.{fmt}").stdout == expected
    # A structured reference with a plain-text hypothesis.
    assert cli("score", hyp, "--ref", tmp_path / "ref.tmx").stdout == expected


def test_json_numbers_are_sacrebleus(cli, tico):
    hyp, ref, _, _ = tico
    hyps, refs = lines(hyp)[:300], lines(ref)[:300]
    out = cli("score", "-", "--ref", ref, "--json", input="\n".join(lines(hyp)) + "\n")
    data = json.loads(out.stdout)
    assert data["segments"] == 2100
    by_name = {s["name"]: s for s in data["systems"][0]["scores"]}
    bleu = BLEU().corpus_score(lines(hyp), [lines(ref)])
    assert by_name["BLEU"]["score"] == bleu.score
    assert by_name["BLEU"]["precisions"] == bleu.precisions
    assert (by_name["BLEU"]["hyp_len"], by_name["BLEU"]["ref_len"]) == (56837, 56323)
    assert round(by_name["chrF2"]["score"] / 100, 5) == 0.68521  # the leaderboard's chrF

    # All four metrics on a slice, against sacrebleu called directly (TER is slow on the whole set).
    sliced = corpus_scores(hyps, refs, ["bleu", "chrf", "chrf++", "ter"])
    for ours, metric in zip(sliced, [BLEU(), CHRF(), CHRF(word_order=2), TER()]):
        theirs = metric.corpus_score(hyps, [refs])
        assert (ours.name, ours.score) == (theirs.name, theirs.score)
        assert ours.signature == metric.get_signature().format()
        assert ours.format(1) == theirs.format(1, signature=ours.signature)


def test_line_count_mismatch_names_both_counts(cli, tico, tmp_path):
    _, ref, _, _ = tico
    short = tmp_path / "short.en"
    short.write_text("one\ntwo\nthree\n", encoding="utf-8")
    result = cli("score", short, "--ref", ref)
    assert result.exit_code != 0
    assert result.stdout == ""
    assert result.stderr.strip() == (f"translate: error: {short}: 3 segments, but {ref} has 2100; "
                                     "hypotheses and references must be line-aligned")


def test_bad_metric_and_missing_file_are_one_line_errors(cli, tmp_path):
    ref = tmp_path / "ref.en"
    ref.write_text("a b c\n", encoding="utf-8")
    bad = cli("score", ref, "--ref", ref, "--metrics", "bleu,meteor")
    assert bad.exit_code != 0 and bad.stderr.count("\n") == 1 and "'meteor'" in bad.stderr
    missing = cli("score", tmp_path / "nope.en", "--ref", ref)
    assert missing.exit_code != 0 and "nope.en: no such file" in missing.stderr


def test_read_segments_line_rules(tmp_path):
    path = tmp_path / "hyp.en"
    path.write_bytes("a\u2028b\r\n\nc".encode("utf-8"))  # no final newline; U+2028 is not a line break
    assert read_segments(path) == ["a\u2028b", "", "c"]
    path.write_text("a\n\nc\n", encoding="utf-8")
    assert read_segments(path) == ["a", "", "c"]
    with pytest.raises(TranslateError, match="no segments"):
        corpus_scores([], [])


def test_sentences_worst_first_with_sacrebleus_sentence_scores(cli, close_systems):
    (hyp, _, ref), (hyps, _, refs) = close_systems
    rows, signatures = sentence_scores(hyps, refs, ["chrf", "bleu"])
    assert [r.scores["chrF2"] for r in rows] == sorted(r.scores["chrF2"] for r in rows)
    sentence_bleu = BLEU(effective_order=True)
    for row in rows[:20]:
        assert row.hypothesis == hyps[row.line - 1] and row.reference == refs[row.line - 1]
        assert row.scores["BLEU"] == sentence_bleu.sentence_score(row.hypothesis, [row.reference]).score
        assert row.scores["chrF2"] == CHRF().sentence_score(row.hypothesis, [row.reference]).score
    assert "eff:yes" in signatures["BLEU"]
    # TER: lower is better, so the worst come first with the highest TER.
    ter_rows, _ = sentence_scores(hyps[:50], refs[:50], ["ter"])
    assert ter_rows[0].scores["TER"] == max(r.scores["TER"] for r in ter_rows)

    out = cli("score", hyp, "--ref", ref, "--sentences", "--json")
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(records) == 300
    assert [r["scores"]["BLEU"] for r in records] == sorted(r["scores"]["BLEU"] for r in records)
    text = cli("score", hyp, "--ref", ref, "--sentences").stdout
    worst = records[0]
    assert f"#{worst['line']}  BLEU {worst['scores']['BLEU']:.1f}  chrF2" in text
    assert f"  hyp: {worst['hypothesis']}\n  ref: {worst['reference']}" in text


def test_confidence_interval_is_sacrebleus_bootstrap(cli, tico, tmp_path):
    hyp, ref, _, _ = tico
    hyps, refs = lines(hyp)[:300], lines(ref)[:300]
    (tmp_path / "h.en").write_text("\n".join(hyps) + "\n", encoding="utf-8")
    (tmp_path / "r.en").write_text("\n".join(refs) + "\n", encoding="utf-8")
    metric = BLEU()
    theirs = metric.corpus_score(hyps, [refs], n_bootstrap=1000)
    out = cli("score", tmp_path / "h.en", "--ref", tmp_path / "r.en", "--metrics", "bleu", "--confidence")
    assert out.stdout.strip() == theirs.format(1, signature=metric.get_signature().format())
    assert "bs:1000|seed:12345" in out.stdout and "(μ = " in out.stdout


@pytest.fixture(scope="module")
def close_systems(tico, tmp_path_factory):
    """Two systems that differ on 40 of 300 lines: the paired tests have something to decide.

    The other lines come from the opus-mt-ar-en leaderboard output; that copy lost some <unk>
    tokens (its BLEU matches the leaderboard only after rounding), which does not matter here.
    """
    hyp, ref, _, _ = tico
    other = shared_file("system-outputs", "opus-mt-ar-en", "tico19-test.hyp.en")
    base, alt, refs = lines(hyp)[:300], lines(other)[:300], lines(ref)[:300]
    mixed = alt[:40] + base[40:]
    folder = tmp_path_factory.mktemp("systems")
    paths = []
    for name, data in (("base.en", base), ("mixed.en", mixed), ("ref.en", refs)):
        (folder / name).write_text("\n".join(data) + "\n", encoding="utf-8")
        paths.append(folder / name)
    return paths, (base, mixed, refs)


def test_paired_ar_matches_the_sacrebleu_command(cli, close_systems):
    (base_path, mixed_path, ref_path), _ = close_systems
    out = json.loads(cli("score", base_path, mixed_path, "--ref", ref_path, "--paired", "ar", "--json").stdout)
    theirs = json.loads(subprocess.run(
        [sys.executable, "-m", "sacrebleu", str(ref_path), "-i", str(base_path), str(mixed_path),
         "--paired-ar", "-m", "bleu", "chrf", "-f", "json"],
        capture_output=True, text=True, check=True).stdout)
    ours = out["comparison"]["systems"]
    for metric in ("BLEU", "chrF2"):
        assert ours[0]["scores"][metric] == theirs[0][metric]["score"]
        assert ours[1]["scores"][metric] == theirs[1][metric]["score"]
        assert ours[1]["p_values"]["ar"][metric] == theirs[1][metric]["p_value"]
    assert 0.0001 < ours[1]["p_values"]["ar"]["BLEU"] < 1  # a real test, not the trivial minimum


def test_paired_bootstrap_and_table(cli, close_systems):
    (base_path, mixed_path, ref_path), (base, mixed, refs) = close_systems
    comparison = compare([("base", base), ("mixed", mixed)], refs, ["bleu"], tests=["bs"], confidence=True)
    _, table = PairedTest([("base", base), ("mixed", mixed)], {"bleu": BLEU()}, [refs], test_type="bs")()
    assert comparison.systems[1].p_values["bs"]["BLEU"] == table["BLEU"][1].p_value
    assert comparison.systems[1].intervals["BLEU"] == (table["BLEU"][1].mean, table["BLEU"][1].ci)
    assert "bs:1000|seed:12345" in comparison.signatures["bs"]["BLEU"]

    text = cli("score", base_path, mixed_path, "--ref", ref_path, "--metrics", "bleu", "--paired", "bs",
               "--confidence").stdout
    mean, ci = comparison.systems[1].intervals["BLEU"]
    p = comparison.systems[1].p_values["bs"]["BLEU"]
    assert re.search(rf"^{re.escape(str(mixed_path))} +BLEU +{comparison.systems[1].scores['BLEU']:.1f} +"
                     rf"{mean:.1f} ± {ci:.1f} +{p:.4f}", text, re.M)
    assert text.splitlines()[1].startswith(f"Baseline: {base_path}")


def test_sentences_take_one_system(cli, close_systems):
    (base_path, mixed_path, ref_path), _ = close_systems
    result = cli("score", base_path, mixed_path, "--ref", ref_path, "--sentences")
    assert result.exit_code != 0 and "one hypothesis file" in result.stderr
