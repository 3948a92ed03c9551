"""HTML output: the whole page (or fragment) translated in place.

Every element stays: each run of text (see ``translate.readers.html.Page``) is replaced by its
translation, its links, bold, italics and spans placed over the words they align with
(``translate.inline``); the visible attributes (``alt``, ``title``, ``placeholder``,
``aria-label``) are translated too. Scripts, styles, comments, code, ``<pre>`` and anything under
``translate="no"`` are written back as they were. The page becomes ``<html lang="en" dir="ltr">``
(Arabic ``lang`` and ``dir="rtl"`` inside it switch as well) and declares UTF-8, the encoding it is
written in; lxml escapes every text and attribute.

``translate_html`` is the same for a string, for callers such as the server.
"""

from __future__ import annotations

import html as html_escape
from typing import Any

from lxml import etree

from translate.engine import DecodeOptions, Engine
from translate.formats._inplace import InPlaceWriter, Rebuild
from translate.inline import Notes, Run, pieces
from translate.readers import Block
from translate.readers.html import Page, PageRun, _frozen

__all__ = ["Writer", "translate_html", "translate_html_with_notes"]


class Writer(InPlaceWriter):
    format = "html"

    def run(self, block: Block) -> Run:
        return self.document.tree.runs[block.ref].run

    def render(self, translated: list[Run]) -> None:
        page: Page = self.document.tree
        self.handle.write(serialize(page, {b.ref: run for b, run in zip(self.rebuild.blocks, translated)}))


def serialize(page: Page, translated: dict[int, Run]) -> str:
    """The page with each run ``translated[index]`` in place, as HTML text."""
    for index, run in translated.items():
        _apply(page.runs[index], run)
    if page.fragment:
        root = page.root
        return html_escape.escape(root.text or "", quote=False) + "".join(
            etree.tostring(child, method="html", encoding="unicode", with_tail=True) for child in root)
    _to_english(page.root)
    if page.doctype:
        out = etree.tostring(page.root.getroottree(), method="html", encoding="unicode", doctype=page.doctype)
    else:  # the root and the comments before it, without the doctype lxml would add
        out = "".join(etree.tostring(node, method="html", encoding="unicode", with_tail=False) + "\n"
                      for node in reversed(list(page.root.itersiblings(preceding=True))))
        out += etree.tostring(page.root, method="html", encoding="unicode")
    return out if out.endswith("\n") else out + "\n"


def _apply(page_run: PageRun, run: Run) -> None:
    if page_run.attribute:
        page_run.parent.set(page_run.attribute, run.text)
        return
    parent, after, nodes = page_run.parent, page_run.after, page_run.nodes
    # The whitespace around the run is the page's layout: kept as it was.
    first = (parent.text if after is None else after.tail) or ""
    last_text = (nodes[-1].tail if nodes else first) or ""
    lead, trail = first[:len(first) - len(first.lstrip())], last_text[len(last_text.rstrip()):]
    for node in nodes:
        parent.remove(node)
    items = pieces(run)
    if not items or not isinstance(items[0], str):
        items.insert(0, "")
    if not isinstance(items[-1], str):
        items.append("")
    items[0] = lead + items[0].lstrip()
    items[-1] = items[-1].rstrip() + trail if len(items) > 1 else lead + items[0].strip() + trail
    if after is None:
        parent.text = items[0]
    else:
        after.tail = items[0]
    index = 0 if after is None else parent.index(after) + 1
    last = None
    for item in items[1:]:
        if isinstance(item, str):
            last.tail = (last.tail or "") + item
            continue
        last = _element(item)
        parent.insert(index, last)
        index += 1


def _element(item: tuple[Any, list[Any] | None]) -> Any:
    """The element of a span, refilled with its translated content (an opaque one as it was)."""
    span, content = item
    element = span.ref
    element.tail = None
    if content is None:
        return element
    for child in list(element):
        element.remove(child)
    element.text = None
    last = None
    for piece in content:
        if isinstance(piece, str):
            if last is None:
                element.text = (element.text or "") + piece
            else:
                last.tail = (last.tail or "") + piece
            continue
        last = _element(piece)
        element.append(last)
    return element


def _to_english(root: Any) -> None:
    """lang/dir of the page and of its Arabic parts; the charset the output is written in."""
    root.set("lang", "en")
    root.set("dir", "ltr")
    for element in root.iter():
        if not isinstance(element.tag, str) or any(_frozen(e) for e in element.iterancestors()) or _frozen(element):
            continue
        if element.get("dir", "").lower() == "rtl":
            element.set("dir", "ltr")
        if element.get("lang", "").lower().startswith("ar"):
            element.set("lang", "en")
        if element.tag == "meta":
            if element.get("charset") is not None:
                element.set("charset", "utf-8")
            elif element.get("http-equiv", "").lower() == "content-type":
                element.set("content", "text/html; charset=utf-8")


def translate_html_with_notes(html: str, engine: Engine, *, options: DecodeOptions | None = None,
                              batch_size: int = 1024, fragment: bool = True) -> tuple[str, Notes]:
    """``translate_html``, and how its inline elements were placed."""
    from translate.document import translate_document

    page = Page.parse(html, "<html>", fragment=fragment)
    document = page.document("<html>")
    rebuild = Rebuild(document, lambda block: page.runs[block.ref].run, getattr(engine, "attention", None))
    for pair in translate_document(document, engine, options=options, batch_size=batch_size):
        rebuild.add(pair)
    return serialize(page, {b.ref: run for b, run in zip(rebuild.blocks, rebuild.runs())}), rebuild.notes


def translate_html(html: str, engine: Engine, *, options: DecodeOptions | None = None, batch_size: int = 1024,
                   fragment: bool = True) -> str:
    """Translate HTML in place: a fragment (a post, a paragraph with links) or, with
    ``fragment=False``, a whole page. Returns the HTML with every text in English and every
    element kept (see the module's docstring). ``engine`` is a ``Translator`` (or any engine;
    one without ``attention`` places inline elements by position only)."""
    return translate_html_with_notes(html, engine, options=options, batch_size=batch_size, fragment=fragment)[0]
