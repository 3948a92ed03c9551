"""`translate text`: translate a string (or standard input) and print the English."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from translate.cli.app import app
from translate.cli.options import EngineArgs, engine_options
from translate.document import translate_document
from translate.textio import read_text


@app.command()
@engine_options
def text(
    source: Annotated[str, typer.Argument(help="Arabic text to translate, or - to read standard input.")],
    *,
    engine: EngineArgs,
) -> None:
    """Translate Arabic text given on the command line or on standard input."""
    content = read_text("-") if source == "-" else source
    translator = engine.translator()
    paragraph = None
    line: list[str] = []
    for pair in translate_document(content, translator, options=engine.decode_options(),
                                   batch_size=engine.batch_size):
        if paragraph is not None and pair.paragraph != paragraph:
            sys.stdout.write(" ".join(line) + "\n")
            line = []
        paragraph = pair.paragraph
        line.append(pair.target)
    if line:
        sys.stdout.write(" ".join(line) + "\n")
