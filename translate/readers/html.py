"""Web pages: the article for sentence pairs, every visible text for a page translated in place.

Sentence-pair outputs want the main article only (title, headings, paragraphs, list items, table
cells), without menus, related links, ads or footers: trafilatura finds it (it leads the public
boilerplate-removal benchmarks, ahead of readability-lxml and jusText), and gives the title,
author, date and URL for the run metadata. A page translated in place needs every text of the
page instead: ``Page`` parses it with lxml and cuts it into runs, each the inline content of a
block element (text, links, bold...), which no sentence crosses; scripts, styles, comments, code,
``<pre>`` and ``translate="no"`` are never touched.

Bytes are decoded as the page says (``<meta charset>``), else as UTF-8; ``encoding`` overrides.
libxml2 stops parsing at 256 nested elements, which would silently drop the rest of the page, so
such a page is refused.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree
import lxml.html

from translate.errors import TranslateError
from translate.inline import Run, Span
from translate.readers import Block, Document, close, lay_out, read_limited
from translate.textio import decode_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w.:]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPACE = re.compile(r"[ \t\n\r\f]+")
_DOCTYPE = re.compile(r"^\ufeff?\s*(?:<!--.*?-->\s*)*<!doctype", re.I | re.S)
_WHOLE_PAGE = re.compile(r"<(?:html|head|body)\b", re.I)

INLINE = frozenset("""a abbr acronym b bdi bdo big br button cite code data del dfn em font i img input ins kbd
label mark meter nobr output progress q rp rt ruby s samp select small span strike strong sub sup textarea time
tt u var wbr""".split())
# Never translated: kept exactly, wherever they are.
KEPT = frozenset("""script style noscript template code kbd samp var pre textarea select svg math iframe object
embed video audio canvas img br wbr input""".split())
# Inline elements that count as a line break (the segmenter ends a sentence at one).
BREAKS = frozenset({"br"})
TEXT_CODE = frozenset({"code", "kbd", "samp", "var"})  # kept, but their text is part of the sentence
ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
# <meta> whose content is shown for the page (search results, link previews).
META_TEXT = frozenset({"description", "og:title", "og:description", "twitter:title", "twitter:description"})
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
KINDS = {"title": "title", "li": "item", "dd": "item", "dt": "item", "td": "cell", "th": "cell",
         "p": "paragraph", "caption": "caption", "figcaption": "caption", "blockquote": "quote"}
MAX_DEPTH = 255  # what libxml2 parses without XML_PARSE_HUGE


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """The page as text: ``encoding`` if given, else a byte-order mark, else its ``<meta charset>``,
    else UTF-8 (strictly: a wrong guess is an error, never mojibake)."""
    if not encoding and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            try:
                encoding = codecs.lookup(declared.group(1).decode("ascii")).name
            except LookupError:
                encoding = None
            if encoding == "utf-8":
                encoding = None  # the strict checks of decode_bytes
    return _XML_DECLARATION.sub("", decode_bytes(data, name, encoding), count=1)


def parse(text: str, name: str, fragment: bool = False) -> etree._Element:
    """The page (or a fragment, inside a ``<div>``) as an lxml tree, refusing pages nested so
    deeply that libxml2 would drop their end."""
    parser = lxml.html.HTMLParser(remove_comments=False, remove_pis=False)
    try:
        root = (lxml.html.fragment_fromstring(text, create_parent="div", parser=parser) if fragment
                else lxml.html.document_fromstring(text, parser=parser))
    except (etree.ParserError, ValueError) as exc:
        if not text.strip():
            return lxml.html.fragment_fromstring("", create_parent="div")
        raise TranslateError(f"{name}: cannot parse as HTML ({exc})") from None
    if any("Excessive depth" in error.message for error in parser.error_log):
        raise TranslateError(f"{name}: markup nested deeper than {MAX_DEPTH} elements; refusing a page "
                             "that cannot be read whole")
    return root


def _tag(element: Any) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


def _frozen(element: Any) -> bool:
    """Whether nothing inside an element is translated, not even its attributes."""
    return _kept(element) and _tag(element) not in ("img", "input", "br", "wbr")


def _kept(element: Any) -> bool:
    """Whether an element (and what it holds) stays exactly as it is."""
    if not isinstance(element.tag, str):  # comments, processing instructions
        return True
    if element.get("translate", "").lower() == "no" or "notranslate" in element.get("class", "").split():
        return True
    return _tag(element) in KEPT


@dataclass
class PageRun:
    """Inline content of a block element: ``parent.text`` (or ``after.tail``) and the inline
    elements that follow, up to the next block child."""

    parent: Any
    after: Any  # the block child the run follows (its tail starts the run), or None
    nodes: list[Any]
    run: Run
    kind: str
    attribute: str | None = None  # the run is this attribute's value instead


class _Collector:
    """Builds a Run from text and inline elements, with whitespace collapsed as a browser does."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def text(self, value: str | None) -> None:
        if not value:
            return
        value = _SPACE.sub(" ", value)
        if value.startswith(" ") and (self.length == 0 or self.parts[-1].endswith((" ", "\n"))):
            value = value[1:]
        self.parts.append(value)
        self.length += len(value)

    def raw(self, value: str) -> None:
        self.parts.append(value)
        self.length += len(value)

    def inline(self, element: Any) -> Span:
        start = self.length
        if _kept(element):
            tag = _tag(element)
            if tag in BREAKS:
                self.raw("\n")
            elif tag in TEXT_CODE:
                self.text(element.text_content())
            return Span(start, self.length, element, opaque=True)
        self.text(element.text)
        children = []
        for child in element:
            children.append(self.inline(child))
            self.text(child.tail)
        return Span(start, self.length, element, children=children)

    def run(self, spans: list[Span]) -> Run:
        return Run("".join(self.parts), spans)


class Page:
    """A parsed page (or fragment) and its runs, in document order."""

    def __init__(self, root: Any, fragment: bool = False, doctype: str | None = None):
        self.root = root
        self.fragment = fragment
        self.doctype = doctype
        self.runs: list[PageRun] = []
        self._block_like = self._blocks_inside(root)
        self._container(root)
        self._attributes()

    @classmethod
    def parse(cls, text: str, name: str = "<html>", fragment: bool = False) -> Page:
        root = parse(text, name, fragment)
        # lxml gives every page a doctype; only one the page had is written back.
        doctype = root.getroottree().docinfo.doctype if not fragment and _DOCTYPE.match(text) else None
        return cls(root, fragment, doctype or None)

    @staticmethod
    def _blocks_inside(root: Any) -> set[int]:
        """Ids of inline elements that hold a block element (they are treated as blocks)."""
        found: set[int] = set()
        for element in root.iter():
            if isinstance(element.tag, str) and _tag(element) not in INLINE and not _kept(element):
                parent = element.getparent()
                while parent is not None and id(parent) not in found and _tag(parent) in INLINE:
                    found.add(id(parent))
                    parent = parent.getparent()
        return found

    def _is_inline(self, element: Any) -> bool:
        if not isinstance(element.tag, str):
            return True  # a comment inside text stays where it is, as an inline element
        tag = _tag(element)
        if tag in INLINE and id(element) not in self._block_like:
            return True
        return tag in KEPT and tag not in ("pre", "noscript", "template", "iframe", "object", "svg", "math",
                                           "video", "audio", "canvas")

    def _attributes(self) -> None:
        """Runs for the visible attributes (alt, title...) outside code and ``translate="no"``."""
        for element in self.root.iter():
            if not isinstance(element.tag, str) or any(_frozen(e) for e in element.iterancestors()) \
                    or _frozen(element):
                continue
            names = ATTRIBUTES
            if _tag(element) == "meta" and (element.get("name") or element.get("property") or "").lower() in META_TEXT:
                names = ("content",)
            for attribute in names:
                value = element.get(attribute)
                if value and any(ch.isalpha() for ch in value):
                    self.runs.append(PageRun(element, None, [], Run(_SPACE.sub(" ", value).strip()),
                                             "attribute", attribute))

    def _container(self, element: Any) -> None:
        if _kept(element) and element is not self.root:
            return
        tag = _tag(element)
        kind = "heading" if tag in HEADINGS else KINDS.get(tag, "text")
        collector, spans, nodes, after = _Collector(), [], [], None
        collector.text(element.text)
        for child in element:
            if self._is_inline(child):
                spans.append(collector.inline(child))
                nodes.append(child)
                collector.text(child.tail)
                continue
            self._finish(element, after, nodes, collector.run(spans), kind)
            self._container(child)
            collector, spans, nodes, after = _Collector(), [], [], child
            collector.text(child.tail)
        self._finish(element, after, nodes, collector.run(spans), kind)

    def _finish(self, parent: Any, after: Any, nodes: list[Any], run: Run, kind: str) -> None:
        if run.text.strip() and any(ch.isalpha() for ch in run.text):
            self.runs.append(PageRun(parent, after, nodes, run, kind))

    def document(self, name: str, meta: dict[str, Any] | None = None) -> Document:
        """Every run as a block, for a writer that translates the page in place."""
        blocks = lay_out((page_run.run.text, page_run.kind, index) for index, page_run in enumerate(self.runs))
        return Document(name=name, format="html", blocks=blocks, meta=dict(meta or {}), tree=self)


@dataclass
class HtmlSource:
    """What the reader keeps for in-place output: the decoded page, parsed on demand."""

    text: str
    name: str
    fragment: bool = False
    _page: Page | None = field(default=None, repr=False)

    def whole(self, document: Document) -> Document:
        """The document with every run of the page as its blocks (see ``Page.document``)."""
        if self._page is None:
            self._page = Page.parse(self.text, self.name, self.fragment)
        return self._page.document(document.name, document.meta)


# -- the article --------------------------------------------------------------------------------

_ARTICLE_BLOCKS = {"head": "heading", "p": "paragraph", "item": "item", "cell": "cell", "quote": "quote"}
_ARTICLE_CONTAINERS = frozenset({"list", "table", "row", "body", *_ARTICLE_BLOCKS})
_NOT_TRANSLATED = "//*[@translate='no' or contains(concat(' ', normalize-space(@class), ' '), ' notranslate ')]"


def _config(limit: int):
    from trafilatura.settings import use_config

    config = use_config()
    config["DEFAULT"]["MAX_FILE_SIZE"] = str(limit)
    config["DEFAULT"]["EXTRACTION_TIMEOUT"] = "0"  # its timeout uses SIGALRM: main thread only
    return config


def _block_text(element: Any) -> str:
    """An extracted element's text, without the blocks inside it (they are blocks of their own)."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append("\n")
        elif child.tag not in _ARTICLE_CONTAINERS:
            parts.append(child.xpath("string()"))
        parts.append(child.tail or "")
    return "\n".join(_SPACE.sub(" ", line).strip() for line in "".join(parts).split("\n")).strip()


def metadata(text: str, url: str | None = None) -> dict[str, Any]:
    """Title, author, date and URL of a page (trafilatura's metadata extraction)."""
    from trafilatura.metadata import extract_metadata

    found = extract_metadata(text, default_url=url)
    if found is None:
        return {"url": url} if url else {}
    meta = {"title": found.title, "author": found.author, "date": found.date, "url": url or found.url}
    return {key: value for key, value in meta.items() if value}


def article(text: str, title: str | None = None) -> list[tuple[str, str]]:
    """The main article of a page as (text, kind) blocks, ``title`` first."""
    import trafilatura

    from translate.readers import size_limit

    result = trafilatura.bare_extraction(text, with_metadata=False, include_comments=False,
                                         include_tables=True, include_images=False, include_links=False,
                                         include_formatting=True, prune_xpath=_NOT_TRANSLATED,
                                         config=_config(max(size_limit(), len(text) + 1)))
    if result is None or result.body is None:
        return []
    title = _SPACE.sub(" ", title or "").strip()
    blocks: list[tuple[str, str]] = [(title, "title")] if title else []
    for element in result.body.iter(*_ARTICLE_BLOCKS):
        block = _block_text(element)
        if block and not (len(blocks) == 1 and block == title):
            blocks.append((block, _ARTICLE_BLOCKS[element.tag]))
    return blocks


class ArticleBlocks:
    """A page's blocks for sentence pairs, extracted on first use (in-place output never needs
    them): the article's, or with no article found, every text of the page."""

    def __init__(self, source: HtmlSource, title: str | None) -> None:
        self.source, self.title = source, title
        self._blocks: list[Block] | None = None

    def __iter__(self) -> Iterator[Block]:
        if self._blocks is None:
            found = article(self.source.text, self.title) if not self.source.fragment else []
            self._blocks = (lay_out((text, kind, None) for text, kind in found) if found
                            else list(self.source.whole(Document("", "html", [])).blocks))
        return iter(self._blocks)


def from_text(text: str, name: str, url: str | None = None, fragment: bool | None = None) -> Document:
    """A page's Document: its metadata now, its article's blocks when first read. Without
    ``<html>``, ``<head>`` or ``<body>`` the text is a fragment (a post, a paragraph), and so is
    its translation."""
    if fragment is None:
        fragment = not _WHOLE_PAGE.search(text)
    meta = metadata(text, url) if not fragment else {}
    source = HtmlSource(text, name, fragment)
    return Document(name=name, format="html", blocks=ArticleBlocks(source, meta.get("title")), meta=meta,
                    tree=source)


def read(handle: IO[bytes], name: str, encoding: str | None) -> Document:
    try:
        data = read_limited(handle, name)
    finally:
        close(handle)
    return from_text(decode(data, name, encoding), name)
