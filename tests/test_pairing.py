"""Document pairing on TICO-19 documents, with the published opus-mt-ar-en translations."""

from __future__ import annotations

import pytest

from conftest import shared_file
from translate.errors import TranslateError
from translate.pairing import Document, name_key, pair_documents

CHUNK = 50  # lines per document: the 19 TICO-19 documents give 49 documents


@pytest.mark.parametrize("arabic, english", [
    ("ar/report.txt", "en/report.txt"),
    ("report.ar.txt", "report.en.txt"),
    ("report_ar.txt", "Report-EN.html"),
    ("arabic/2020/news_ar.txt", "english/2020/news-en.txt"),
    ("(ar) minutes.txt", "minutes (en).txt"),
])
def test_name_keys_match_without_language_markers(arabic, english):
    assert name_key(arabic) == name_key(english)


@pytest.mark.parametrize("arabic, english", [
    ("ar/2019/report.txt", "en/2020/report.txt"),
    ("carbon.ar.txt", "car.en.txt"),
    ("report-1.ar.txt", "report-2.en.txt"),
])
def test_name_keys_keep_what_is_not_a_language_marker(arabic, english):
    assert name_key(arabic) != name_key(english)


def tico_chunks() -> list[tuple[str, list[str], list[str], list[str]]]:
    """(id, Arabic lines, English lines, opus-mt-ar-en lines) of TICO-19 documents cut into chunks."""
    read = lambda *p: shared_file(*p).read_text(encoding="utf-8").split("\n")  # noqa: E731
    ar, en = read("tico19-test", "src.ar"), read("tico19-test", "ref.en")
    mt = read("system-outputs", "opus-mt-ar-en", "tico19-test.hyp.en")
    docs: dict[str, list[int]] = {}
    for row in read("tico19-test", "doc_ids.tsv")[1:]:
        if row:
            line, doc = row.split("\t")[:2]
            docs.setdefault(doc, []).append(int(line) - 1)
    chunks = []
    for doc, ids in docs.items():
        for k in range(0, len(ids), CHUNK):
            part = ids[k:k + CHUNK]
            chunks.append((f"{doc}-{k // CHUNK}", [ar[i] for i in part], [en[i] for i in part], [mt[i] for i in part]))
    return chunks


def collections(mt_lines: dict[str, list[str]] | None = None):
    """Arabic and English collections of chunks: a third named alike (in different ways), a third
    renamed on one side, and some left without a partner on either side. Returns them with the
    expected pairs and the expected unpaired names; ``mt_lines`` gets each Arabic document's
    translation line by line."""
    arabic, english, expected, alone_ar, alone_en = [], [], set(), set(), set()
    for n, (doc, ar, en, mt) in enumerate(tico_chunks()):
        ar_name = [f"ar/{doc}.txt", f"{doc}.ar.txt", f"ar/{n:03d}-{doc}.txt"][n % 3]
        en_name = [f"en/{doc}.txt", f"{doc}_en.txt", f"en/item{n * 7919 % 1000:03d}.txt"][n % 3]
        with_ar, with_en = n % 11 != 5, n % 13 != 7
        if with_ar:
            arabic.append(Document(ar_name, "\n".join(ar), translation=" ".join(mt)))
            if mt_lines is not None:
                mt_lines[ar_name] = mt
        if with_en:
            english.append(Document(en_name, "\n".join(en)))
        if with_ar and with_en:
            expected.add((ar_name, en_name))
        elif with_ar:
            alone_ar.add(ar_name)
        elif with_en:
            alone_en.add(en_name)
    return arabic, english, expected, alone_ar, alone_en


def test_pairs_a_few_dozen_documents_by_name_and_by_translation():
    arabic, english, expected, alone_ar, alone_en = collections()
    assert len(arabic) > 40 and len(english) > 40 and alone_ar and alone_en
    result = pair_documents(arabic, english)
    assert {(p.arabic, p.english) for p in result.pairs} == expected
    assert {u.name for u in result.unpaired_arabic} == alone_ar
    assert {u.name for u in result.unpaired_english} == alone_en
    hows = {p.how for p in result.pairs}
    assert hows == {"name", "similarity"}
    # Every pair by similarity cleared the threshold; every unpaired document says why.
    assert all(p.score >= 0.15 for p in result.pairs if p.how == "similarity")
    assert all("threshold" in u.reason and u.score < 0.15 for u in result.unpaired_arabic + result.unpaired_english)


def test_translates_once_with_a_given_translator():
    arabic, english, expected, _, _ = collections()
    by_sentence = {a: m for _, ar, _, mt in tico_chunks() for a, m in zip(ar, mt)}
    calls = []

    def translate(sentences):  # the published opus-mt-ar-en translation of each line
        calls.append(len(sentences))
        return [by_sentence[s] for s in sentences]

    untranslated = [Document(d.name, d.text, sentences=tuple(d.text.split("\n"))) for d in arabic]
    result = pair_documents(untranslated, english, translate=translate)
    assert {(p.arabic, p.english) for p in result.pairs} == expected
    assert calls == [sum(len(d.text.split("\n")) for d in arabic)]
    assert set(result.translations) == {d.name for d in arabic}


def test_unrelated_documents_stay_unpaired():
    chunks = tico_chunks()
    arabic = [Document(f"ar/{doc}.txt", "\n".join(ar), " ".join(mt)) for doc, ar, _, mt in chunks[:20]]
    english = [Document(f"en/other-{doc}.txt", "\n".join(en)) for doc, _, en, _ in chunks[20:40]]
    result = pair_documents(arabic, english)
    assert result.pairs == []
    assert len(result.unpaired_arabic) == 20 and len(result.unpaired_english) == 20


def test_without_translations_only_names_pair():
    arabic = [Document("ar/a.txt", "نص"), Document("ar/b.txt", "نص آخر")]
    english = [Document("en/a.txt", "text"), Document("en/c.txt", "other text")]
    result = pair_documents(arabic, english)
    assert [(p.arabic, p.english, p.how) for p in result.pairs] == [("ar/a.txt", "en/a.txt", "name")]
    assert [u.name for u in result.unpaired_arabic] == ["ar/b.txt"]
    assert "no translation" in result.unpaired_arabic[0].reason
    assert [u.name for u in result.unpaired_english] == ["en/c.txt"]


def test_rejects_duplicate_names_and_bad_threshold():
    doc = Document("a.txt", "x")
    with pytest.raises(TranslateError, match="unique"):
        pair_documents([doc, doc], [])
    with pytest.raises(TranslateError, match="threshold"):
        pair_documents([doc], [], threshold=2.0)
