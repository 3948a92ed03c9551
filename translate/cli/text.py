"""`translate text`: translate a string (or standard input) and print the English."""

from __future__ import annotations

from typing import Annotated

import typer

from translate.cli.app import command
from translate.cli.options import EngineArgs, InputArgs, engine_options, input_options
from translate.document import translate_document
from translate.formats import open_writer
from translate.readers import Document


@command()
@input_options
@engine_options
def text(
    source: Annotated[str, typer.Argument(help="Arabic text to translate, or - to read standard input.")],
    *,
    reading: InputArgs,
    engine: EngineArgs,
) -> None:
    """Translate Arabic text given on the command line or on standard input."""
    document = (reading.read("-")
                if source == "-" else Document.from_text(source))
    translator = engine.translator()
    with open_writer("-", "txt") as out:
        for pair in translate_document(document, translator, options=engine.decode_options(),
                                       batch_size=engine.batch_size):
            out.write(pair)
