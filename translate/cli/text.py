"""`translate text`: translate a string (or standard input) and print the English."""

from __future__ import annotations

from typing import Annotated

import typer

from translate.cli.app import app
from translate.cli.options import EngineArgs, engine_options
from translate.document import translate_document
from translate.formats import open_writer
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
    with open_writer("-", "txt") as out:
        for pair in translate_document(content, translator, options=engine.decode_options(),
                                       batch_size=engine.batch_size):
            out.write(pair)
