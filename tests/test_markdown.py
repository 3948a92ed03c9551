"""Markdown: markup is structure, not text; the English file keeps the Markdown."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from conftest import ROOT

from translate.document import segments
from translate.readers import read_document

NOTES = ROOT / "tests" / "data" / "documents" / "notes_ar.md"
ARABIC = re.compile("[\u0600-\u06ff]")


def test_blocks_are_text_without_markup():
    document = read_document(NOTES)
    assert [(b.kind, b.text) for b in document.blocks] == [
        ("heading", "ملاحظات"),
        ("paragraph", "الجو بارد اليوم. أنا أقرأ كتابا في البيت. أين محطة القطار؟"),
        ("paragraph", "أنا سعيد جدا."), ("item", "كتب للأطفال."), ("item", "حواسيب للطلاب."),
        ("cell", "الاسم"), ("cell", "المدينة"), ("cell", "أحمد"), ("cell", "القاهرة"),
        ("paragraph", "اكتب pip install ثم افتح https://example.org/docs من فضلك."),
    ]
    assert document.meta == {"title": "ملاحظات"}
    assert all("print" not in seg.text for seg in segments(document))


def _structure(text: str) -> list[tuple[str, str]]:
    """The block structure of a Markdown text: (token type, markup), inline content left out."""
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)
    out = []
    for token in tokens:
        if token.type == "inline":
            out += [(child.type, child.markup) for child in token.children
                    if child.type not in ("text", "softbreak")]
        else:
            out.append((token.type, token.markup))
    return out


def test_english_markdown_keeps_the_markdown(cli, tmp_path):
    out = tmp_path / "notes.en.md"
    result = cli("doc", NOTES, "-o", out, "--model", "tiny-ar-en", "--no-cache", "--quiet")
    assert result.exit_code == 0, result.stderr
    english = out.read_text(encoding="utf-8")
    source = NOTES.read_text(encoding="utf-8")
    assert _structure(english) == _structure(source)
    assert english.startswith("# ") and '```python\nprint("مرحبا")  # لا يترجم\n```' in english
    assert "`pip install`" in english and "https://example.org/docs" in english
    assert "](https://example.org/book \"كتاب\")" in english
    outside_code = english.split("```")[0] + english.split("```")[2]
    assert not ARABIC.search(outside_code.replace('"كتاب"', "")), english
    assert "cold" in english.lower()
