"""Markdown: markup is structure, not text.

markdown-it-py (CommonMark, with GitHub tables and strikethrough) parses the file; each paragraph,
heading, list item and table cell is a block, its text without the markup (``# ملاحظات`` is the
heading ``ملاحظات``), with its emphasis, links and strikethrough as inline spans. Code blocks, HTML
blocks, inline code, images, autolinks and bare URLs are never translated: inline ones are opaque
spans, written back as they were. The writer (``translate.formats.markdown``) puts each translated
block back in its place in the source lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO, Any

from translate.inline import Run, Span
from translate.readers import Document, close, lay_out, read_limited
from translate.textio import decode_bytes

_URL = re.compile(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?،؛؟'\"]")
_KINDS = {"heading_open": "heading", "th_open": "cell", "td_open": "cell", "list_item_open": "item"}
_PAIRED = {"strong_open": "strong_close", "em_open": "em_close", "s_open": "s_close", "link_open": "link_close"}


@dataclass
class MdRef:
    """An inline element: its opening token, or for an opaque one the Markdown it is written as."""

    token: Any = None
    source: str = ""


@dataclass
class MdBlock:
    """An inline token's place in the source lines (the writer replaces its content there)."""

    line: int  # first line of the content
    content: str  # the raw inline source, lines joined by "\n"
    run: Run
    kind: str = "paragraph"
    in_table: bool = False


@dataclass
class MdSource:
    lines: list[str]
    blocks: list[MdBlock]


def _opaque_source(token: Any) -> str:
    if token.type == "code_inline":
        return f"{token.markup}{token.content}{token.markup}"
    if token.type == "image":
        title = f' "{token.attrs["title"]}"' if token.attrs.get("title") else ""
        return f"![{token.content}]({token.attrs.get('src', '')}{title})"
    if token.type == "hardbreak":
        return "\\\n"
    return token.content  # html_inline


def _run(children: list[Any]) -> Run:
    parts: list[str] = []
    length = 0
    stack: list[Span] = []
    top: list[Span] = []

    def add(span: Span) -> None:
        (stack[-1].children if stack else top).append(span)

    def text(value: str, urls: bool = True) -> None:
        nonlocal length
        position = 0
        for match in _URL.finditer(value) if urls else ():
            text(value[position:match.start()], urls=False)
            add(Span(length, length + len(match.group()), MdRef(source=match.group()), opaque=True))
            parts.append(match.group())
            length += len(match.group())
            position = match.end()
        parts.append(value[position:])
        length += len(value) - position

    index = 0
    while index < len(children):
        token = children[index]
        if token.type == "text":
            text(token.content)
        elif token.type == "softbreak":
            text(" ", urls=False)
        elif token.type == "link_open" and token.markup == "autolink":
            close_at = next(k for k in range(index, len(children)) if children[k].type == "link_close")
            url = "".join(t.content for t in children[index + 1:close_at])
            add(Span(length, length + len(url), MdRef(source=f"<{url}>"), opaque=True))
            parts.append(url)
            length += len(url)
            index = close_at
        elif token.type in _PAIRED:
            span = Span(length, length, MdRef(token))
            add(span)
            stack.append(span)
        elif token.type in _PAIRED.values():
            if stack:
                stack.pop().end = length
        else:  # code, images, line breaks, inline HTML: kept as written
            shown = token.content if token.type == "code_inline" else ("\n" if token.type == "hardbreak" else "")
            add(Span(length, length + len(shown), MdRef(source=_opaque_source(token)), opaque=True))
            parts.append(shown)
            length += len(shown)
        index += 1
    return Run("".join(parts), top)


def parse(text: str) -> MdSource:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = parser.parse(text)
    blocks: list[MdBlock] = []
    in_table = 0
    for position, token in enumerate(tokens):
        if token.type == "table_open":
            in_table += 1
        elif token.type == "table_close":
            in_table -= 1
        if token.type != "inline" or not token.map or not token.content.strip():
            continue
        opener = tokens[position - 1].type if position else ""
        if opener == "paragraph_open" and position >= 2 and tokens[position - 2].type == "list_item_open":
            opener = "list_item_open"
        # A setext heading's underline follows its content lines, which start the map as always.
        blocks.append(MdBlock(token.map[0], token.content, _run(token.children or []),
                              _KINDS.get(opener, "paragraph"), bool(in_table)))
    return MdSource(text.split("\n"), blocks)


def read(handle: IO[bytes], name: str, encoding: str | None) -> Document:
    try:
        data = read_limited(handle, name)
    finally:
        close(handle)
    text = decode_bytes(data, name, encoding).replace("\r\n", "\n")
    source = parse(text)
    blocks = lay_out((block.run.text, block.kind, index) for index, block in enumerate(source.blocks))
    title = next((block.run.text for block in source.blocks if block.kind == "heading"), None)
    return Document(name=name, format="markdown", blocks=blocks, meta={"title": title} if title else {},
                    tree=source)
