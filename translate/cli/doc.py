"""`translate doc`: translate a document into English text, TMX, JSON(L), TSV or Moses files, or
into the same web page, Word file or Markdown in English (html, docx, md)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from translate.cli.app import command
from translate.cli.options import (CacheOption, EngineArgs, InputArgs, LangArgs, NoCacheOption, check_choice,
                                   engine_options, input_options, lang_options)
from translate.cli.progress import Counter, say
from translate.document import translate_document
from translate.errors import TranslateError
from translate.formats import IN_PLACE, guess_format, open_writer, whole_document, writable_formats
from translate.memory import open_memory
from translate.textio import check_output


@command()
@input_options
@lang_options
@engine_options
def doc(
    input: Annotated[str, typer.Argument(help="Document to translate: plain text, a web page (file or http(s) "
                                              "URL), .docx, .md, or - for standard input.")],
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", help="Output file (- or none: standard output); its extension picks the format.")] = None,
    format: Annotated[Optional[str], typer.Option(
        "--format", "-f", help=f"Output format: {', '.join(writable_formats('doc'))}.")] = None,
    presegmented: Annotated[bool, typer.Option(
        "--presegmented", help="The input holds one sentence per line: translate each line as it is.")] = False,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
    *,
    reading: InputArgs,
    langs: LangArgs,
    engine: EngineArgs,
) -> None:
    """Translate an Arabic document, keeping its sentences aligned with the English."""
    destination = output or "-"
    fmt = check_choice("format", format or (guess_format(destination) if output else "txt"),
                       writable_formats("doc"), "the output format of doc")
    if destination != "-":
        check_output(destination, (input,))
    document = reading.read(input)
    in_place = fmt in IN_PLACE
    if in_place:  # the whole document, not only its article
        document = whole_document(document, fmt)
    with open_memory(cache, enabled=not no_cache) as memory:
        translator = engine.translator()
        with Counter("translating") as advance:
            result = translate_document(document, translator, options=engine.decode_options(),
                                        presegmented=presegmented, memory=memory, batch_size=engine.batch_size,
                                        on_sentence=advance)
            rebuild = {"document": result.document, "aligner": translator.attention} if in_place else {}
            with open_writer(destination, fmt, meta=result.meta | langs.meta(), inputs=(input,), **rebuild) as out:
                for pair in result:
                    if pair.error:
                        raise TranslateError(f"{input}: the model failed on the sentence at characters "
                                             f"{pair.source_span[0]}-{pair.source_span[1]} ({pair.error})")
                    out.write(pair)
    if not advance.done:
        say(f"{document.name}: no text to translate")
    notes = out.meta.get("notes")
    if notes and notes["inline_elements"]:
        say(f"{document.name}: {notes['inline_elements']} inline elements kept: {notes['placed_exactly']} in place, "
            f"{notes['placed_by_attention']} by attention, {notes['placed_by_fallback']} by position (no alignment)")
