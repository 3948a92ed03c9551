"""The defects a new user met in the first hour (issue 14), each as a test that failed before its fix."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from translate.cli import progress
from translate.engine import Translator
from translate.formats import read_pairs

from conftest import ROOT, SAMPLE

FAST = ("--beam-size", "1", "--max-length", "6", "-q")


@pytest.fixture
def toy(toy_model):
    return ("--model", str(toy_model.ct2), *FAST)


# Text in, text out ---------------------------------------------------------------------------------

def test_presegmented_text_output_keeps_one_line_per_input_line(cli, toy, tmp_path):
    lines = [f"سطر رقم {i}. وفيه جملة ثانية." if i % 7 else "" for i in range(200)]
    src = tmp_path / "lines.ar"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "lines.en"
    result = cli("doc", src, "--presegmented", "-o", out, "--format", "txt", *toy)
    assert result.exit_code == 0, result.stderr
    written = out.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(written) == len(lines)  # 200 lines in, 200 out (it was 1)
    assert [bool(w) for w in written] == [bool(line) for line in lines]  # blank lines where they were
    # ... so the output scores against a line-aligned reference.
    scored = cli("score", out, "--ref", out)
    assert scored.exit_code == 0, scored.stderr


def test_corpus_takes_presegmented_input(cli, toy, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("جملة أولى. وجملة ثانية في السطر نفسه.\nسطر ثان\n", encoding="utf-8")
    result = cli("corpus", tmp_path / "in", "-o", tmp_path / "out", "--presegmented", "--formats", "jsonl", *toy)
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for name in ("corpus.jsonl", "rejected.jsonl")
               for line in (tmp_path / "out" / name).read_text(encoding="utf-8").splitlines()]
    assert sorted((r["line"], r["source"]) for r in records) == [
        (0, "جملة أولى. وجملة ثانية في السطر نفسه."), (1, "سطر ثان")]


@pytest.mark.parametrize("text", ["Hello world", "https://example.org/report?id=7", "2024-05-01 10:30", "x = f(1)"])
def test_text_without_arabic_is_passed_through(cli, toy, text):
    result = cli("text", text, *toy)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == text + "\n"  # not sent to the model, which invented a sentence


def test_windows_1256_is_named_and_read_with_encoding(cli, toy, tmp_path):
    src = tmp_path / "legacy.txt"
    src.write_bytes("أين محطة القطار؟\nشكرا.\n".encode("cp1256"))
    refused = cli("doc", src, *toy)
    assert refused.exit_code == 1 and refused.stderr.count("\n") == 1
    assert "not valid UTF-8 at byte offset 0" in refused.stderr
    assert "looks like Windows-1256 Arabic: read it with --encoding cp1256" in refused.stderr
    read = cli("doc", src, "--encoding", "cp1256", "-f", "jsonl", *toy)
    assert read.exit_code == 0, read.stderr
    assert [json.loads(line)["source"] for line in read.stdout.splitlines()] == ["أين محطة القطار؟", "شكرا."]
    # Broken UTF-8 that is not Windows-1256 gets no such hint.
    broken = tmp_path / "broken.txt"
    broken.write_bytes("نص عربي سليم ".encode() * 5 + b"\xff")
    assert "Windows-1256" not in cli("doc", broken, *toy).stderr


def test_offsets_count_the_decoded_file_as_it_is(cli, toy, tmp_path):
    text = "الجملة الأولى. الثانية هنا.\r\n\r\nفقرة ثانية.\r\n"
    src = tmp_path / "crlf.txt"
    src.write_bytes(text.encode())
    result = cli("doc", src, "-f", "jsonl", *toy)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [text[slice(*r["source_span"])] for r in records] == [r["source"] for r in records]
    assert [r["source_span"] for r in records] == [[0, 14], [15, 27], [31, 42]]


def test_a_long_file_is_read_in_chunks_with_exact_offsets(tmp_path, monkeypatch):
    from translate.document import segments
    from translate.readers import read_document, text as text_reader

    monkeypatch.setattr(text_reader, "CHUNK_BYTES", 64)  # many chunks, some cut inside a line
    body = SAMPLE.read_text(encoding="utf-8").replace("\n", "\r\n") * 3
    src = tmp_path / "long.txt"
    src.write_bytes(body.encode())
    document = read_document(src)
    assert not isinstance(document.blocks, list)  # a stream, not the whole file at once
    found = list(segments(document))
    whole = list(segments(read_document(src, encoding="utf-8")))  # read whole: the reference
    assert [(s.text, s.start, s.end, s.paragraph, s.index) for s in found] == \
           [(s.text, s.start, s.end, s.paragraph, s.index) for s in whole]
    assert all(body[s.start:s.end] == s.text for s in found)


def test_align_fills_spans_paragraphs_and_keeps_score_and_confidence_apart(cli, tmp_path):
    ar = tmp_path / "doc.ar"
    en = tmp_path / "doc.en"
    ar.write_text("أين محطة القطار؟ شكرا.\n\nالجو بارد اليوم.\n", encoding="utf-8")
    en.write_text("Where is the station? Thanks.\n\nIt is cold today.\nAn extra line.\n", encoding="utf-8")
    result = cli("align", ar, en, "-f", "jsonl", "--model", "tiny-ar-en", "-q")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    text = ar.read_text(encoding="utf-8")
    matched = [r for r in records if r["source"]]
    assert all(text[slice(*r["source_span"])] == r["source"] for r in matched)
    assert [r["paragraph"] for r in matched] == [0, 0, 1]
    # score is the model's log-probability only; how well the sides match is confidence.
    assert all(r["score"] is None and 0 <= r["confidence"] <= 1 for r in records)
    assert any(r["link"] == "0-1" for r in records)
    tsv = cli("align", ar, en, "--model", "tiny-ar-en", "-q", "--drop-unmatched")
    rows = [line.split("\t") for line in tsv.stdout.splitlines()]
    assert len(rows) == 3 and all(len(row) == 4 and row[2] == "" and float(row[3]) >= 0 for row in rows)


# Crashes and lost work -----------------------------------------------------------------------------

def test_sigterm_cleans_up_like_ctrl_c(tmp_path, toy_model):
    src = tmp_path / "big.txt"
    src.write_text((SAMPLE.read_text(encoding="utf-8") + "\n") * 40, encoding="utf-8")
    out = tmp_path / "big.tmx"
    job = subprocess.Popen([sys.executable, "-m", "translate", "doc", str(src), "-o", str(out), "--model",
                            str(toy_model.ct2), "--beam-size", "4", "-q", "--no-cache"],
                           env=os.environ | {"PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".big.tmx.*.part")) and time.monotonic() < deadline and job.poll() is None:
        time.sleep(0.02)
    assert job.poll() is None, "the job ended before it could be stopped"
    job.send_signal(signal.SIGTERM)
    _, stderr = job.communicate(timeout=10)
    assert job.returncode == 128 + signal.SIGTERM and "Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]  # no output, no .part


def test_corpus_rerun_with_other_options_leaves_only_its_own_outputs(cli, toy, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("مرحبا بكم.\n\nكيف حالك؟\n", encoding="utf-8")
    out = tmp_path / "out"
    first = cli("corpus", tmp_path / "in", "-o", out, "--formats", "jsonl,moses,tmx,tsv", *toy)
    assert first.exit_code == 0, first.stderr
    again = cli("corpus", tmp_path / "in", "-o", out, "--formats", "jsonl", "--beam-size", "2", "--max-length", "6",
                "--model", toy[1], "-q")
    assert again.exit_code == 0, again.stderr
    assert sorted(p.name for p in out.iterdir()) == [".state", "corpus.jsonl", "manifest.json", "rejected.jsonl"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"] == ["corpus.jsonl", "rejected.jsonl"] and manifest["options"]["beam_size"] == 2


def test_a_sentence_the_model_fails_on_is_rejected_not_the_job(cli, toy, tmp_path, monkeypatch):
    marker = "زلزال"

    def flaky(run):
        def wrapped(self, pieces, window, limit, asynchronous):
            if any(marker in "".join(piece).replace("▁", " ") for piece in pieces):
                raise RuntimeError("injected model failure")
            return run(self, pieces, window, limit, asynchronous)
        return wrapped

    monkeypatch.setattr(Translator, "_run", flaky(Translator._run))
    (tmp_path / "in").mkdir()
    text = f"مرحبا بكم.\n\nوقع {marker} قوي.\n\nكيف حالك؟\n"
    (tmp_path / "in" / "a.txt").write_text(text, encoding="utf-8")
    start = text.index("وقع")
    end = text.index(".", start) + 1
    result = cli("corpus", tmp_path / "in", "-o", tmp_path / "out", "--formats", "jsonl", "--skip-filter",
                 "score,ratio,repetition", *toy)
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "out"
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["reason"], r["error"]) for r in rejected] == [("failed", "injected model failure")]
    assert len(list(read_pairs(out / "corpus.jsonl"))) == 2  # the batch's other sentences were kept
    # The same in `doc`: one line naming where, never a traceback or a silently empty sentence.
    failed = cli("doc", tmp_path / "in" / "a.txt", *toy)
    assert failed.exit_code == 1 and failed.stderr.count("\n") == 1
    assert f"the model failed on the sentence at characters {start}-{end} (injected model failure)" in failed.stderr


# The command line ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [("segment", "-", "-q"), ("segment", "-", "--debug"), ("-q", "segment", "-")])
def test_common_options_go_after_the_command_too(cli, args):
    result = cli(*args, input="مرحبا. كيف حالك؟\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "مرحبا.\nكيف حالك؟\n"


def test_short_help_and_version(cli):
    import translate

    assert cli("doc", "-h").stdout.startswith(cli("doc", "--help").stdout[:60])
    assert "--quiet" in cli("models", "install", "-h").stdout
    version = cli("--version")
    assert version.exit_code == 0 and version.stdout.strip() == f"translate {translate.__version__} (translate-ar-en)"


def test_options_are_checked_before_any_work(cli, tmp_path):
    # An unknown model would fail only when loaded: the bad option must be reported first.
    for args, message in [
        (("doc", SAMPLE, "--format", "links"), "--format links: the output format of doc is one of"),
        (("doc", SAMPLE, "-o", tmp_path / "missing" / "x.tmx"), "output directory"),
        (("doc", SAMPLE, "--cache", tmp_path / "missing" / "m.sqlite"), "--cache"),
        (("align", SAMPLE, SAMPLE, "--format", "txt"), "--format txt: the output format of align is one of"),
        (("align", SAMPLE, SAMPLE, "--method", "bleu"), "--method bleu"),
        (("corpus", SAMPLE, "-o", tmp_path / "c", "--formats", "pdf"), "--formats pdf"),
        (("corpus", SAMPLE, "-o", tmp_path / "c", "--skip-filter", "spelling"), "--skip-filter spelling"),
    ]:
        result = cli(*args, "--model", "no-such-model")
        assert result.exit_code != 0 and message in result.stderr, (args, result.stderr)
        assert "unknown model" not in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "c").exists()


def test_empty_input_and_empty_corpus_say_so(cli, toy, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    result = cli("doc", empty, *toy[:-1])
    assert result.exit_code == 0 and "empty.txt: no text to translate" in result.stderr
    (tmp_path / "nothing").mkdir()
    (tmp_path / "nothing" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    corpus = cli("corpus", tmp_path / "nothing", "-o", tmp_path / "out", *toy)
    assert corpus.exit_code == 1 and "no documents to translate" in corpus.stderr
    assert not (tmp_path / "out").exists()


def test_download_bar_appears_only_when_bytes_arrive(monkeypatch):
    monkeypatch.setattr(progress, "on_terminal", lambda: True)
    shown = []
    monkeypatch.setattr(progress, "console", lambda: shown.append(1) or __import__("rich.console").console.Console(
        file=open(os.devnull, "w")))
    with progress.download_bar() as report:
        pass  # an installed model: no call, so no "downloading 0/? bytes"
    assert shown == []
    with progress.download_bar() as report:
        report(10, 100)
    assert shown == [1]


def test_progress_lines_when_not_on_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(progress, "_quiet", False)  # an earlier in-process run may have left -q on
    with progress.Counter("sentences", 3, every=0) as counter:
        counter(2)
        counter.update(3, description="1/1 documents, sentences")
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("sentences: 2/3") and err[1].startswith("1/1 documents, sentences: 3/3")


def test_metadata_names_the_input_and_marks_machine_translation(cli, toy, tmp_path):
    out = tmp_path / "article.tmx"
    result = cli("doc", SAMPLE, "-o", out, "--source-lang", "ar-SA", "--target-lang", "en-GB", *toy)
    assert result.exit_code == 0, result.stderr
    tmx = out.read_text(encoding="utf-8")
    assert f'<prop type="x-source">{SAMPLE.name}</prop>' in tmx and str(SAMPLE.parent) not in tmx
    units = tmx.split("<tu ")[1:]
    assert units and all('<prop type="x-origin">machine-translation</prop>' in unit for unit in units)
    assert 'srclang="ar-SA"' in tmx and '<tuv xml:lang="en-GB">' in tmx
    as_json = cli("doc", SAMPLE, "-f", "json", *toy)
    assert json.loads(as_json.stdout)["meta"]["source"] == SAMPLE.name
