"""The review page (`--format review`) and the quality flags, checked in a real headless Chromium.

Screenshots are saved in each test's tmp_path; the assertion messages name them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import browser
from conftest import SAMPLE, shared_file
from translate.errors import TranslateError
from translate.filters import FilterConfig, PairFilter, ReviewMarks, pair_id
from translate.flags import flag_pair, numbers, quality
from translate.formats import guess_format, open_writer, read_pairs
from translate.records import Pair

TINY = ("--model", "tiny-ar-en", "--quiet")
needs_browser = pytest.mark.skipif(not browser.available(), reason="no Chromium (.ci/run installs Debian's chromium)")


def names(pair: Pair) -> list[str]:
    return [flag.name for flag in flag_pair(pair)]


# --- the flags, one planted fault each ------------------------------------------------------------

GOOD = Pair("تضم منظمة التعاون الإسلامي ٥٧ دولة عضوا منذ عام 1969.",
            "The OIC has had 57 member states since 1969.", score=-0.2)


@pytest.mark.parametrize("pair, flag", [
    (Pair(GOOD.source, "The OIC has had 75 member states since 1969.", score=-0.2), "numbers"),
    (Pair(GOOD.source, "", link="1-0", source_ids=(3,), target_ids=(), confidence=0.0), "unaligned"),
    (Pair("", "An English sentence alone.", link="0-1", source_ids=(), target_ids=(4,)), "unaligned"),
    (Pair(GOOD.source, GOOD.target, link="2-2", source_ids=(1, 2), target_ids=(1, 2), confidence=0.8), "many-to-many"),
    (Pair(GOOD.source, GOOD.target, score=-1.2), "low-score"),
    (Pair(GOOD.source, GOOD.target, link="1-1", source_ids=(0,), target_ids=(0,), confidence=0.05), "low-score"),
    (Pair(GOOD.source, "The OIC has had 57 member states since 1969, and the the the member states.", score=-0.2),
     "repetition"),
    (Pair(GOOD.source, "The OIC has had 57 member states in the region in the region since 1969.", score=-0.2),
     "repetition"),
    (Pair(GOOD.source, "The OIC has had 57 دولة عضوا since 1969.", score=-0.2), "arabic-script"),
    (Pair(GOOD.source, GOOD.source, score=-0.2), "untranslated"),
    (Pair(GOOD.source, "57 since 1969.", score=-0.2), "length-ratio"),
])
def test_each_flag_fires_on_its_planted_fault(pair, flag):
    assert names(GOOD) == []
    assert flag in names(pair)
    reason = next(f.reason for f in flag_pair(pair) if f.name == flag)
    assert reason and "\n" not in reason


def test_numbers_normalise_digits_and_separators():
    assert numbers("٢٠٢٠ و ٤٨٣ ٩١٨") == numbers("2020 and 918,483")
    assert numbers("الساعة 12:40") == numbers("at 12.40") and numbers("۱۵") == numbers("15")
    reason = flag_pair(Pair("توفي ٣ أشخاص", "30 people died", score=-0.1))[0].reason
    assert reason == "missing in the English: 3; not in the Arabic: 30"


def test_quality_puts_both_scores_on_one_scale():
    assert quality(Pair("أ", "a", score=0.0)) == 1.0
    assert quality(Pair("أ", "a", score=-0.6931471805599453)) == pytest.approx(0.5)
    assert quality(Pair("أ", "a", score=0.7, link="1-1", confidence=0.7)) == 0.7
    assert quality(Pair("أ", "a")) is None


# --- marks: the reviewer's decisions filter a corpus -----------------------------------------------

def test_marks_keep_only_accepted_pairs(tmp_path):
    accepted, rejected, unmarked = Pair("أ ب", "a b"), Pair("ج د", "c d"), Pair("ه و", "e f")
    path = tmp_path / "marks.json"
    path.write_text(json.dumps({"format": "translate-review-marks", "version": 1, "marks": {
        pair_id(accepted): "accept", pair_id(rejected): "reject"}}), encoding="utf-8")
    marks = ReviewMarks.read(path)
    pair_filter = PairFilter(FilterConfig.without({"arabic", "ratio"}, marks=marks))
    assert [pair_filter.reason(p) for p in (accepted, rejected, unmarked)] == [None, "review-rejected",
                                                                             "review-unmarked"]
    assert FilterConfig(marks=marks).as_dict()["marks"] == {"file": str(path), "accept": 1, "reject": 1}
    assert pair_id(Pair("أ ب", "a b", doc="other", sentence=7)) == pair_id(accepted)  # text decides
    for content, message in [("{", "not valid JSON"), ('{"marks": {}}', "not a review marks file"),
                             ('{"format": "translate-review-marks", "marks": {"x": "maybe"}}', "expected accept or reject")]:
        path.write_text(content, encoding="utf-8")
        with pytest.raises(TranslateError, match=f"--keep-marked {re.escape(str(path))}: .*{message}"):
            ReviewMarks.read(path)


def test_format_names():
    assert guess_format("out.review.html") == "review" and guess_format("A.REVIEW.HTML") == "review"
    assert guess_format("out.xlf") == "xliff" and guess_format("out.xliff") == "xliff"
    assert guess_format("page.html") == "html"  # plain .html is a translated web page
    with pytest.raises(TranslateError, match="written, not read"):
        read_pairs("x.review.html")


def test_page_escapes_text_and_isolates_arabic_in_english(tmp_path):
    path = tmp_path / "x.review.html"
    with open_writer(path, meta={"model": "<script>alert(1)</script>"}) as writer:
        writer.write(Pair("<b>نص</b> & \ud800", "The word دولة stays </div><script>x()</script>", score=-0.1))
    page = path.read_text(encoding="utf-8")
    assert "<script>x()" not in page and "<script>alert" not in page and "&lt;b&gt;نص&lt;/b&gt; &amp;" in page
    assert '<bdi lang="ar" class="ar">دولة</bdi>' in page
    assert page.count("<script>") == 1 and "Content-Security-Policy" in page


# --- in Chromium ----------------------------------------------------------------------------------

def _check_page(page, pairs: list[Pair], shot: Path) -> None:
    """Every pair is a row, shown, with its text, Arabic right-to-left; nothing fetched; a screenshot."""
    page.screenshot(shot)
    where = f"(screenshot: {shot})"
    rows = page.evaluate("""Array.from(document.querySelectorAll('#pairs .pair')).map((row) => {
        row.scrollIntoView();
        const src = row.querySelector('.src'), tgt = row.querySelector('.tgt');
        return {id: row.dataset.id, src: src.textContent, tgt: tgt.textContent,
                shown: row.checkVisibility() && row.getBoundingClientRect().height > 0,
                srcDir: getComputedStyle(src).direction, tgtDir: getComputedStyle(tgt).direction,
                lang: src.lang, flags: Array.from(row.querySelectorAll('.flags li')).map((li) => li.dataset.flag)};
    })""")
    assert len(rows) == len(pairs), where
    for row, pair in zip(rows, pairs):
        assert (row["src"], row["tgt"], row["id"]) == (pair.source, pair.target, pair_id(pair)), where
        assert row["shown"] and row["srcDir"] == "rtl" and row["tgtDir"] == "ltr" and row["lang"] == "ar", where
        assert row["flags"] == names(pair), where
    assert page.requests == [page.requests[0]] and page.requests[0].startswith("file://"), \
        f"the page fetched {page.requests} {where}"
    assert page.console_errors == [], where
    assert shot.stat().st_size > 10_000, where


@needs_browser
def test_doc_review_page_in_chromium(cli, tmp_path):
    out, jsonl = tmp_path / "article.review.html", tmp_path / "article.jsonl"
    for path in (out, jsonl):
        result = cli("doc", SAMPLE, "-o", path, *TINY)
        assert result.exit_code == 0, result.stderr
    pairs = list(read_pairs(jsonl))
    with browser.Browser() as chromium:
        page = chromium.open(out.as_uri())
        assert page.evaluate("document.body.dataset.ready") == "1"
        _check_page(page, pairs, tmp_path / "doc-review.png")
        header = page.evaluate("document.querySelector('header').textContent")
        assert "tiny-ar-en" in header and "un-news-oic.ar.txt" in header and f"{len(pairs)} (" in header
        page.evaluate("document.getElementById('sort').value = 'asc'; review.layout()")
        shown = page.evaluate("Array.from(document.querySelectorAll('#pairs .pair')).map((r) => Number(r.dataset.q))")
        assert len(shown) == len(pairs) and shown == sorted(shown) and shown[0] == pytest.approx(min(quality(p) for p in pairs), abs=1e-4)
        page.evaluate("document.getElementById('show').value = 'f-repetition'; review.layout()")
        ids = page.evaluate("Array.from(document.querySelectorAll('#pairs .pair')).map((r) => r.dataset.id)")
        assert sorted(ids) == sorted(pair_id(p) for p in pairs if "repetition" in names(p))


def _planted_alignment(tmp_path: Path) -> tuple[Path, Path, Path, dict[str, str]]:
    """A TICO-19 document (lines 300–359) aligned with its English, three faults planted in the English."""
    lines = {name: shared_file(*name.split("/")).read_text(encoding="utf-8").split("\n")[300:360]
             for name in ("tico19-test/src.ar", "tico19-test/ref.en", "system-outputs/opus-mt-ar-en/tico19-test.hyp.en")}
    ar, en, mt = lines["tico19-test/src.ar"], list(lines["tico19-test/ref.en"]), lines["system-outputs/opus-mt-ar-en/tico19-test.hyp.en"]
    planted = {"numbers": en[4].replace("24 hours", "42 hours"), "unaligned": ar[30],
               "repetition": en[40].rstrip(".") + " in the region, in the region."}
    assert planted["numbers"] != en[4] and planted["repetition"] != en[40]
    en[4], en[40] = planted["numbers"], planted["repetition"]
    del en[30]  # its Arabic sentence is left without a counterpart
    paths = []
    for name, text in (("doc.ar", ar), ("doc.en", en), ("doc.mt", mt)):
        paths.append(tmp_path / name)
        paths[-1].write_text("\n".join(text) + "\n", encoding="utf-8")
    return paths[0], paths[1], paths[2], planted


@needs_browser
def test_align_review_page_shows_planted_flags(cli, tmp_path):
    source, target, mt, planted = _planted_alignment(tmp_path)
    out, jsonl = tmp_path / "aligned.review.html", tmp_path / "aligned.jsonl"
    for path in (out, jsonl):
        result = cli("align", source, target, "--presegmented", "--source-translation", mt, "-o", path)
        assert result.exit_code == 0, result.stderr
    pairs = list(read_pairs(jsonl))
    with browser.Browser() as chromium:
        page = chromium.open(out.as_uri())
        shot = tmp_path / "align-review.png"
        _check_page(page, pairs, shot)
        flagged = page.evaluate("""Array.from(document.querySelectorAll('.pair.flagged')).map((row) =>
            [row.querySelector('.src').textContent, row.querySelector('.tgt').textContent, row.className])""")
    found = {flag: [(src, tgt) for src, tgt, classes in flagged if f"f-{flag}" in classes.split()] for flag in planted}
    assert [tgt for _, tgt in found["numbers"]] == [planted["numbers"]], shot
    assert [(src, tgt) for src, tgt in found["unaligned"]] == [(planted["unaligned"], "")], shot
    assert planted["repetition"] in [tgt for _, tgt in found["repetition"]], shot
    assert "Pairs per link type" in out.read_text(encoding="utf-8")


@needs_browser
def test_page_works_without_javascript(tmp_path):
    path = tmp_path / "plain.review.html"
    pairs = [Pair("توفي ٣ أشخاص في الحادث.", "30 people died in the accident.", score=-0.3),
             Pair("وصل الوفد.", "The delegation arrived.", score=-0.1, paragraph=1)]
    with open_writer(path) as writer:
        for pair in pairs:
            writer.write(pair)
    with browser.Browser() as chromium:
        page = chromium.open(path.as_uri(), javascript=False)
        _check_page(page, pairs, tmp_path / "no-js.png")
        assert page.evaluate("document.getElementById('controls').checkVisibility()") is False
        assert page.evaluate("document.body.dataset.ready") is None  # the script did not run
        assert "missing in the English: 3" in page.evaluate("document.querySelector('#p1 .flags').textContent")


def _big_page(path: Path, count: int) -> None:
    """``count`` human Arabic–English pairs (UN v1.0 dev and test sets, then again), unscored."""
    pairs = []
    for name in ("un-v1.0-devset", "un-v1.0-testset"):
        ar = shared_file(name, "src.ar").read_text(encoding="utf-8").split("\n")[:-1]
        en = shared_file(name, "ref.en").read_text(encoding="utf-8").split("\n")[:-1]
        pairs += list(zip(ar, en))
    with open_writer(path, "review", meta={"source": "UN v1.0 dev+test"}) as writer:
        for i in range(count):
            ar, en = pairs[i % len(pairs)]
            writer.write(Pair(ar, en, doc=f"un-{i // 500}", paragraph=i % 500 // 5, sentence=i % 5))


@needs_browser
def test_5000_pairs_render_well_under_30_seconds(tmp_path):
    """The issue's acceptance bound (timings: bench/review_render.py, bench/results/review.md)."""
    path = tmp_path / "big.review.html"
    _big_page(path, 5000)
    with browser.Browser() as chromium:
        page = chromium.open(path.as_uri(), timeout=60)
        ready = page.evaluate("new Promise((ok) => requestAnimationFrame(() => ok(document.body.dataset.ready)))")
        seconds = page.load_seconds
        shot = page.screenshot(tmp_path / "5000.png", full_page=False)
        assert ready == "1" and page.evaluate("document.querySelectorAll('#pairs .pair').length") == 5000, shot
        assert seconds < 30, f"5,000 pairs took {seconds:.1f} s to load (screenshot: {shot})"
        page.evaluate("document.getElementById('p5000').scrollIntoView()")
        assert page.evaluate("document.getElementById('p5000').checkVisibility()"), shot


@needs_browser
def test_marks_saved_in_the_page_filter_the_corpus(cli, tmp_path):
    out = tmp_path / "corpus"
    result = cli("corpus", SAMPLE, "-o", out, "--formats", "review,jsonl", *TINY)
    assert result.exit_code == 0, result.stderr
    kept = list(read_pairs(out / "corpus.jsonl"))
    assert len(kept) >= 4
    with browser.Browser() as chromium:
        page = chromium.open((out / "corpus.review.html").as_uri())
        for key in "jaar":  # accept rows 1 and 2, reject row 3
            page.key(key)
        page.key("j")  # moving on marks nothing
        shot = page.screenshot(tmp_path / "marked.png", full_page=False)
        marks = page.evaluate("review.marks()")
        status = page.evaluate("document.getElementById('status').textContent")
        page.evaluate("document.getElementById('show').value = 'm-accept'; review.layout()")
        shown = page.evaluate("document.querySelectorAll('#pairs .pair').length")
    assert marks["marks"] == {pair_id(kept[0]): "accept", pair_id(kept[1]): "accept", pair_id(kept[2]): "reject"}, shot
    assert status.startswith(f"{len(kept)} of {len(kept)} shown · 2 accepted · 1 rejected") and shown == 2, shot
    marks_file = tmp_path / "marks.json"
    marks_file.write_text(json.dumps(marks), encoding="utf-8")
    result = cli("corpus", SAMPLE, "-o", out, "--formats", "jsonl", "--keep-marked", marks_file, *TINY)
    assert result.exit_code == 0, result.stderr
    assert list(read_pairs(out / "corpus.jsonl")) == kept[:2]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["rejected"]["review-rejected"] == 1
    assert manifest["counts"]["rejected"]["review-unmarked"] == len(kept) - 3
    assert manifest["filters"]["marks"] == {"file": str(marks_file), "accept": 2, "reject": 1}
    bad = cli("corpus", SAMPLE, "-o", out, "--keep-marked", tmp_path / "missing.json", *TINY)
    assert bad.exit_code != 0 and "--keep-marked" in bad.stderr and "Traceback" not in bad.stderr
