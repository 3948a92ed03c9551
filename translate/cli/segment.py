"""`translate segment`: print one sentence per line, a blank line between paragraphs."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from translate.cli.app import app
from translate.segment import segment as split_segments
from translate.textio import read_text


@app.command()
def segment(
    source: Annotated[str, typer.Argument(help="Text file to segment, or - for standard input.")] = "-",
) -> None:
    """Split Arabic text into sentences: one per line, a blank line between paragraphs."""
    paragraph = None
    for seg in split_segments(read_text(source)):
        if paragraph is not None and seg.paragraph != paragraph:
            sys.stdout.write("\n")
        # A sentence never holds a line break, so each one is exactly one output line.
        sys.stdout.write(seg.text + "\n")
        paragraph = seg.paragraph
