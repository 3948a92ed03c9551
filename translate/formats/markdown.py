"""Markdown output: the same Markdown in English.

Each translated paragraph, heading, list item or table cell replaces its content in the source
lines, after the same prefix (``# ``, ``- ``, ``> ``...), on one line (a paragraph's soft line
breaks are spaces in Markdown; a hard break stays one). Emphasis, strikethrough and links are
written around the words they align with (``translate.inline``); inline code, images, inline HTML,
autolinks and URLs come back as they were written; code blocks, HTML blocks and everything else
between the blocks are untouched. Text is escaped where Markdown would read it as markup.
"""

from __future__ import annotations

import re
from typing import Any

from translate.formats._inplace import InPlaceWriter
from translate.inline import Run, pieces
from translate.readers import Block
from translate.readers.markdown import MdBlock, MdSource

_SPECIAL = re.compile(r"([\\`*_\[\]<])")
_TABLE_SPECIAL = re.compile(r"([\\`*_\[\]<|])")


class Writer(InPlaceWriter):
    format = "md"

    def run(self, block: Block) -> Run:
        return self.document.tree.blocks[block.ref].run

    def render(self, translated: list[Run]) -> None:
        source: MdSource = self.document.tree
        runs = {block.ref: run for block, run in zip(self.rebuild.blocks, translated)}
        self.handle.write(render(source, runs))


def render(source: MdSource, translated: dict[int, Run]) -> str:
    lines = list(source.lines)
    edits: dict[int, list[tuple[int, int, str]]] = {}
    dropped: set[int] = set()
    for index, block in enumerate(source.blocks):
        if index not in translated:
            continue
        content_lines = block.content.split("\n")
        # A table row holds several cells: look for this one after the cells already placed.
        taken = edits.get(block.line, [])
        after = max((end for _, end, _ in taken), default=0)
        line = lines[block.line]
        column = line.find(content_lines[0].strip(), after)
        if column < 0:
            continue  # the parser's content is not in the line as written: keep the source
        text = inline_markdown(translated[index], block)
        if len(content_lines) == 1:
            end = column + len(content_lines[0].strip())
        else:
            end = len(line)
            dropped.update(range(block.line + 1, block.line + len(content_lines)))
        edits.setdefault(block.line, []).append((column, end, text))
    out = []
    for number, line in enumerate(lines):
        if number in dropped:
            continue
        for column, end, text in sorted(edits.get(number, []), reverse=True):
            line = line[:column] + text + line[end:]
        out.append(line)
    return "\n".join(out)


def inline_markdown(run: Run, block: MdBlock) -> str:
    special = _TABLE_SPECIAL if block.in_table else _SPECIAL

    def write(items: list[Any]) -> str:
        out = []
        for item in items:
            if isinstance(item, str):
                out.append(special.sub(r"\\\1", item.replace("\n", " ")))
                continue
            span, content = item
            ref = span.ref
            if content is None:
                out.append(ref.source)
                continue
            inner = write(content)
            token = ref.token
            if token.type == "link_open":
                title = token.attrs.get("title")
                suffix = f' "{title}"' if title else ""
                out.append(f"[{inner}]({token.attrs.get('href', '')}{suffix})")
            else:
                marker = token.markup or ("~~" if token.type == "s_open" else "*")
                out.append(_wrap(inner, marker))
        return "".join(out)

    return write(pieces(run)).strip()


def _wrap(text: str, marker: str) -> str:
    """Emphasis markers around ``text``, outside its edge spaces (``** x**`` is not emphasis)."""
    stripped = text.strip()
    if not stripped:
        return text
    lead = text[:len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    return f"{lead}{marker}{stripped}{marker}{trail}"
