"""`translate segment`: print one sentence per line, a blank line between paragraphs."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from translate.cli.app import command
from translate.cli.options import InputArgs, input_options
from translate.document import segments


@command()
@input_options
def segment(
    source: Annotated[str, typer.Argument(help="Document to segment, or - for standard input.")] = "-",
    *,
    reading: InputArgs,
) -> None:
    """Split Arabic text into sentences: one per line, a blank line between paragraphs."""
    paragraph = None
    document = reading.read(source)
    for seg in segments(document):
        if paragraph is not None and seg.paragraph != paragraph:
            sys.stdout.write("\n")
        # A sentence never holds a line break, so each one is exactly one output line.
        sys.stdout.write(seg.text + "\n")
        paragraph = seg.paragraph
