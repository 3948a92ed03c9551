"""Word documents: a right-to-left Arabic document, built here with python-docx, comes back as
the same document in English, left to right."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from docx.oxml import OxmlElement
from lxml import etree

from translate.document import segments
from translate.formats import read_pairs
from translate.readers import read_document

BOLD = "هذه فقرة مهمة جدا."


def _rtl(paragraph, *, complex_bold: bool = False) -> None:
    paragraph._p.get_or_add_pPr().append(OxmlElement("w:bidi"))
    for run in paragraph.runs:
        rpr = run._r.get_or_add_rPr()
        if complex_bold:
            rpr.append(OxmlElement("w:bCs"))
        rpr.append(OxmlElement("w:rtl"))


def build(path) -> None:
    document = docx.Document()
    document.core_properties.title = "ملاحظات"
    _rtl(document.add_heading("ملاحظات الاجتماع", level=1))
    paragraph = document.add_paragraph("الجو بارد اليوم. ")
    paragraph.add_run("أنا أقرأ كتابا").italic = True
    paragraph.add_run(" في البيت.")
    _rtl(paragraph)
    paragraph = document.add_paragraph()
    paragraph.add_run(BOLD).bold = True
    _rtl(paragraph)
    # Bold for Arabic text only (complex script): English needs the Latin property.
    _rtl(document.add_paragraph("أين محطة القطار؟"), complex_bold=True)
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "الاسم", (0, 1): "المدينة", (1, 0): "أحمد", (1, 1): "القاهرة"}.items():
        table.cell(row, col).text = text
        _rtl(table.cell(row, col).paragraphs[0])
    table._tbl.tblPr.append(OxmlElement("w:bidiVisual"))
    document.sections[0]._sectPr.append(OxmlElement("w:bidi"))
    document.sections[0].header.paragraphs[0].text = "تقرير شهري"
    _rtl(document.sections[0].header.paragraphs[0])
    document.save(path)


@pytest.fixture(scope="module")
def arabic_docx(tmp_path_factory):
    path = tmp_path_factory.mktemp("docx") / "notes.docx"
    build(path)
    return path


def _xml(path, part="word/document.xml") -> str:
    return zipfile.ZipFile(path).read(part).decode("utf-8")


def test_reads_every_paragraph_with_its_kind(arabic_docx):
    document = read_document(arabic_docx)
    assert [(b.kind, b.text) for b in document.blocks] == [
        ("heading", "ملاحظات الاجتماع"), ("paragraph", "الجو بارد اليوم. أنا أقرأ كتابا في البيت."),
        ("paragraph", BOLD), ("paragraph", "أين محطة القطار؟"), ("cell", "الاسم"), ("cell", "المدينة"),
        ("cell", "أحمد"), ("cell", "القاهرة"), ("paragraph", "تقرير شهري")]
    assert document.meta["title"] == "ملاحظات"


def test_english_docx_keeps_the_document(cli, arabic_docx, tmp_path):
    out = tmp_path / "notes.en.docx"
    result = cli("doc", arabic_docx, "-o", out, "--model", "tiny-ar-en", "--no-cache")
    assert result.exit_code == 0, result.stderr
    source, english = docx.Document(str(arabic_docx)), docx.Document(str(out))
    assert len(english.paragraphs) == len(source.paragraphs)
    assert len(english.tables) == 1 and len(english.tables[0].rows) == 2 and len(english.tables[0].columns) == 2
    assert [p.style.name for p in english.paragraphs] == [p.style.name for p in source.paragraphs]
    assert english.paragraphs[0].style.name == "Heading 1"
    texts = [p.text for p in english.paragraphs] + [c.text for row in english.tables[0].rows for c in row.cells]
    assert all(t.strip() and not any("\u0600" <= ch <= "\u06ff" for ch in t) for t in texts), texts
    assert "cold" in english.paragraphs[1].text.lower()
    bold = english.paragraphs[2]
    assert bold.runs and all(run.bold for run in bold.runs)
    italic = [run.text for run in english.paragraphs[1].runs if run.italic]
    assert len(italic) == 1 and italic[0].strip()  # the italic stretch kept once, over words
    xml = _xml(out)
    assert "w:bidi" not in xml and "<w:rtl" not in xml and "bidiVisual" not in xml
    # The complex-script bold of the fourth paragraph became Latin bold.
    assert all(run.bold for run in english.paragraphs[3].runs)
    assert "w:bidi" not in _xml(out, "word/header1.xml")
    assert "تقرير" not in english.sections[0].header.paragraphs[0].text


def test_tmx_from_docx_covers_every_sentence(cli, toy_model, arabic_docx, tmp_path):
    out = tmp_path / "notes.tmx"
    result = cli("doc", arabic_docx, "-o", out, "--model", toy_model.ct2, "--max-length", "3", "--beam-size", "1",
                 "--quiet", "--no-cache")
    assert result.exit_code == 0, result.stderr
    sentences = [seg.text for seg in segments(read_document(arabic_docx))]
    assert len(sentences) == 10
    assert [pair.source for pair in read_pairs(out)] == sentences


def _docx_with(path, replace: dict[str, bytes]) -> None:
    """A copy of a real .docx with some parts replaced or added."""
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("مرحبا بكم.")
    document.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, replace.get(entry.filename, source.read(entry.filename)))
        for name in set(replace) - set(source.namelist()):
            target.writestr(name, replace[name])


def test_hyperlinks_and_bookmarks_are_kept(cli, tmp_path):
    src = tmp_path / "links.docx"
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    body = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{w}" xmlns:r="{r}">'
            '<w:body><w:p><w:r><w:t xml:space="preserve">أين </w:t></w:r><w:hyperlink r:id="rIdX">'
            '<w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr><w:t>محطة القطار</w:t></w:r></w:hyperlink>'
            '<w:r><w:t>؟</w:t></w:r><w:bookmarkStart w:id="0" w:name="x"/><w:bookmarkEnd w:id="0"/></w:p>'
            '<w:sectPr/></w:body></w:document>')
    _docx_with(src, {"word/document.xml": body.encode()})
    out = tmp_path / "links.en.docx"
    result = cli("doc", src, "-o", out, "--model", "tiny-ar-en", "--no-cache", "--quiet")
    assert result.exit_code == 0, result.stderr
    tree = etree.fromstring(_xml(out).encode())
    ns = {"w": w}
    assert len(tree.findall(".//w:hyperlink", ns)) == 1 and len(tree.findall(".//w:bookmarkStart", ns)) == 1
    link = "".join(tree.find(".//w:hyperlink", ns).itertext())
    assert link.strip() and not any("\u0600" <= ch <= "\u06ff" for ch in link)
    assert tree.find(".//w:hyperlink//w:rStyle", ns).get(f"{{{w}}}val") == "Hyperlink"


def test_corpus_takes_pages_word_files_and_markdown(cli, toy_model, arabic_docx, tmp_path):
    """By suffix, and by content where a file has none (a saved page without .html)."""
    import json
    import shutil

    from conftest import ROOT

    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(arabic_docx, docs / "notes.docx")
    shutil.copy(ROOT / "tests" / "data" / "documents" / "news_ar.html", docs / "news.html")
    shutil.copy(ROOT / "tests" / "data" / "documents" / "news_ar.html", docs / "saved-page")
    shutil.copy(ROOT / "tests" / "data" / "documents" / "notes_ar.md", docs / "notes.md")
    (docs / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    out = tmp_path / "out"
    result = cli("corpus", docs, "-o", out, "--model", toy_model.ct2, "--max-length", "2", "--beam-size", "1",
                 "--formats", "jsonl", "--quiet", "--no-cache")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]
    sources = {(r["doc"], r["source"]) for r in records + rejected}
    assert {doc for doc, _ in sources} == {"notes.docx", "news.html", "saved-page", "notes.md"}
    assert ("saved-page", "المكتبة كبيرة وجميلة.") in sources and ("notes.docx", BOLD) in sources
    assert not any("الرئيسية" in source for _, source in sources)  # the page's menu is not in the corpus
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "photo.png" in json.dumps(manifest.get("skipped", manifest))


def test_footnotes_are_translated_and_references_kept(cli, tmp_path):
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    parts = {name: zipfile.ZipFile(buffer).read(name) for name in ("[Content_Types].xml",
                                                                   "word/_rels/document.xml.rels")}
    types = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.wordprocessingml.footnotes+xml"/></Types>')
    rels = parts["word/_rels/document.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdFn" Type="http://schemas.openxmlformats.org/officeDocument/'
                             b'2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>')
    body = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{w}"><w:body><w:p>'
            '<w:r><w:t>الجو بارد اليوم.</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            '<w:footnoteReference w:id="1"/></w:r></w:p><w:sectPr/></w:body></w:document>')
    notes = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{w}">'
             '<w:footnote w:id="1"><w:p><w:pPr><w:bidi/></w:pPr><w:r><w:rPr><w:rtl/></w:rPr>'
             '<w:t>أنا أقرأ كتابا.</w:t></w:r></w:p></w:footnote></w:footnotes>')
    src = tmp_path / "notes.docx"
    _docx_with(src, {"[Content_Types].xml": types, "word/_rels/document.xml.rels": rels,
                     "word/document.xml": body.encode(), "word/footnotes.xml": notes.encode()})
    assert [b.text for b in read_document(src).blocks] == ["الجو بارد اليوم.", "أنا أقرأ كتابا."]
    out = tmp_path / "notes.en.docx"
    result = cli("doc", src, "-o", out, "--model", "tiny-ar-en", "--no-cache", "--quiet")
    assert result.exit_code == 0, result.stderr
    footnotes = _xml(out, "word/footnotes.xml")
    assert "book" in footnotes and "w:bidi" not in footnotes and "<w:rtl" not in footnotes
    document = _xml(out)
    assert '<w:footnoteReference w:id="1"/>' in document and "cold" in document
