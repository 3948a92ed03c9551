"""`translate doc`: translate a document into English text, TMX, JSON(L), TSV or Moses files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

import translate
from translate.cli.app import app
from translate.cli.options import CacheOption, EngineArgs, NoCacheOption, engine_options
from translate.cli.progress import count_bar
from translate.document import split, translate_segments
from translate.formats import FORMATS, guess_format, open_writer
from translate.memory import CachedTranslator, open_memory
from translate.textio import read_text

@app.command()
@engine_options
def doc(
    input: Annotated[str, typer.Argument(help="UTF-8 (or UTF-16 with BOM) text file, or - for standard input.")],
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", help="Output file (- or none: standard output); its extension picks the format.")] = None,
    format: Annotated[Optional[str], typer.Option(
        "--format", "-f", help=f"Output format: {', '.join(FORMATS)}.")] = None,
    presegmented: Annotated[bool, typer.Option(
        "--presegmented", help="The input holds one sentence per line: translate each line as it is.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
    *,
    engine: EngineArgs,
) -> None:
    """Translate an Arabic document, keeping its sentences aligned with the English."""
    destination = output or "-"
    fmt = format or (guess_format(destination) if output else "txt")
    text = read_text(input)
    segments = split(text, presegmented)
    translator = engine.translator(quiet)
    meta = {"model": translator.model_name, "model_id": translator.model_id, "tool": "translate",
            "tool_version": translate.__version__, "options": engine.decode_options().as_dict(),
            "compute_type": translator.compute_type, "source": input}
    doc_id = "<stdin>" if input == "-" else Path(input).name
    with open_memory(cache, enabled=not no_cache) as memory, \
            count_bar("translating", len(segments), quiet) as advance, \
            open_writer(destination, fmt, meta=meta, inputs=(input,)) as out:
        cached = CachedTranslator(translator, memory)
        for pair in translate_segments(segments, cached, options=engine.decode_options(), doc=doc_id,
                                       batch_size=engine.batch_size, on_sentence=advance):
            out.write(pair)
