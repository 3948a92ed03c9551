"""DOCX output: the same Word document in English.

Every paragraph keeps its properties (style, numbering, spacing) and gets its translation, written
in runs that carry the source's formatting: the paragraph's usual run properties for plain text,
and each differently formatted stretch (bold, italics, colour...), hyperlink and tracked insertion
placed over the words it aligns with (``translate.inline``). Drawings, fields, footnote references
and bookmarks stay as they were. Right-to-left settings of paragraphs, runs, tables and sections
are switched to left-to-right, and complex-script run properties (``bCs``, ``iCs``, ``szCs``) are
carried to their Latin counterparts (``b``, ``i``, ``sz``), which is what English text uses; the
language of runs becomes en-US.
"""

from __future__ import annotations

import copy
import io
from typing import Any

from lxml import etree

from translate.formats._inplace import InPlaceWriter
from translate.inline import Run, pieces
from translate.readers import Block
from translate.readers.docx import DocxSource, Paragraph, qn

# Right-to-left switches, removed where they stand.
_RTL = (qn("bidi"), qn("rtl"), qn("bidiVisual"))
# Complex-script property -> its Latin counterpart, inserted just before it (schema order).
_LATIN = {qn("bCs"): qn("b"), qn("iCs"): qn("i"), qn("szCs"): qn("sz")}


class Writer(InPlaceWriter):
    format = "docx"
    binary = True

    def run(self, block: Block) -> Run:
        return self.document.tree.paragraphs[block.ref].run

    def render(self, translated: list[Run]) -> None:
        source: DocxSource = self.document.tree
        for block, run in zip(self.rebuild.blocks, translated):
            rebuild_paragraph(source.paragraphs[block.ref], run)
        for part in source.document.part.package.iter_parts():
            root = source.generic.get(part, getattr(part, "_element", None))
            if root is not None and hasattr(root, "iter"):
                to_left_to_right(root)
        for part, root in source.generic.items():
            part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        buffer = io.BytesIO()
        source.document.save(buffer)
        self.handle.write(buffer.getvalue())


def rebuild_paragraph(paragraph: Paragraph, run: Run) -> None:
    element = paragraph.element
    for child in list(element):
        if child.tag != qn("pPr"):
            element.remove(child)
    _fill(element, pieces(run), paragraph.base)


def _fill(parent: Any, items: list[Any], rpr: Any) -> None:
    target = parent.find(qn("sdtContent")) if parent.tag == qn("sdt") else parent
    for item in items:
        if isinstance(item, str):
            if item:
                target.append(_text_run(item, rpr))
            continue
        span, content = item
        ref = span.ref
        if ref.kind == "opaque":
            target.append(ref.element)
        elif ref.kind == "format":
            for piece in content:  # formatting spans hold text only
                target.append(_text_run(piece if isinstance(piece, str) else "", ref.rpr))
        else:
            container = ref.element
            inner = container.find(qn("sdtContent")) if container.tag == qn("sdt") else container
            for child in list(inner):
                if child.tag != qn("rPr"):
                    inner.remove(child)
            _fill(container, content, ref.rpr)
            target.append(container)


def _text_run(text: str, rpr: Any) -> Any:
    """A w:r with a copy of ``rpr`` and ``text`` (tabs and line breaks as their elements)."""
    run = etree.Element(qn("r"))
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    for index, line in enumerate(text.split("\n")):
        if index:
            etree.SubElement(run, qn("br"))
        for k, piece in enumerate(line.split("\t")):
            if k:
                etree.SubElement(run, qn("tab"))
            if piece:
                node = etree.SubElement(run, qn("t"))
                node.text = piece
                if piece != piece.strip():
                    node.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


def to_left_to_right(root: Any) -> None:
    """Switch a part's right-to-left settings off and carry complex-script run properties over."""
    for element in list(root.iter(*_RTL)):
        element.getparent().remove(element)
    for rpr in root.iter(qn("rPr")):
        for cs, latin in _LATIN.items():
            found = rpr.find(cs)
            if found is not None and rpr.find(latin) is None:
                counterpart = etree.Element(latin)
                counterpart.attrib.update(found.attrib)
                found.addprevious(counterpart)
        lang = rpr.find(qn("lang"))
        if lang is not None:
            lang.set(qn("val"), "en-US")
