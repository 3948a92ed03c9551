"""`translate align`: sentence-align a document with its translation and write the pairs."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer

from translate.align import METHODS, align, split_document, to_pairs
from translate.cli.app import app
from translate.cli.options import EngineArgs, engine_options
from translate.errors import TranslateError
from translate.formats import guess_format, open_writer
from translate.textio import read_text

_FORMATS = ("tmx", "jsonl", "json", "tsv", "moses", "links", "review", "xliff", "xliff12")


@app.command("align")
@engine_options
def align_command(
    source: Annotated[Path, typer.Argument(help="Source document (Arabic by default), UTF-8 text.")],
    target: Annotated[Path, typer.Argument(help="Its translation (English by default), UTF-8 text.")],
    *,
    output: Annotated[str, typer.Option("--output", "-o", help="Output file, - for standard output.")] = "-",
    fmt: Annotated[Optional[str], typer.Option(
        "--format", help="tmx, jsonl, json, tsv, moses, links, review (HTML page), xliff or xliff12 "
                         "(default: from the output's extension; tsv on standard output).")] = None,
    presegmented: Annotated[bool, typer.Option(
        "--presegmented", help="Both documents hold one sentence per line (line i is sentence i).")] = False,
    source_translation: Annotated[Optional[Path], typer.Option(
        "--source-translation", help="A translation of the source, one line per source sentence, "
                                     "used instead of translating it (any language pair).")] = None,
    source_lang: Annotated[str, typer.Option("--source-lang", help="Source language, for output metadata.")] = "ar",
    target_lang: Annotated[str, typer.Option("--target-lang", help="Target language, for output metadata.")] = "en",
    method: Annotated[str, typer.Option(
        "--method", help="mt: machine translation + length; length: Gale-Church lengths alone.")] = "mt",
    engine: EngineArgs,
) -> None:
    """Align the sentences of SOURCE with those of its translation TARGET (1-1, 2-1, 1-2, ... links)."""
    if method not in METHODS:
        raise TranslateError(f"--method {method}: unknown method, choose from {', '.join(METHODS)}")
    chosen = fmt or ("tsv" if output == "-" else guess_format(output))
    if chosen not in _FORMATS:
        raise TranslateError(f"--format {chosen}: alignment output is one of {', '.join(_FORMATS)}")
    src = split_document(read_text(source), presegmented)
    tgt = split_document(read_text(target), presegmented)
    meta = {"srclang": source_lang, "tgtlang": target_lang, "method": method}
    translation = None
    if method == "mt":
        if source_translation is not None:
            translation = split_document(read_text(source_translation), presegmented=True)
            if len(translation) != len(src):
                raise TranslateError(f"{source_translation}: {len(translation)} lines, but {source} "
                                     f"has {len(src)} sentences (one translation per line is needed)")
            meta["translation"] = str(source_translation)
        else:
            translator = engine.translator()
            print(f"translate align: translating {len(src)} source sentences", file=sys.stderr)
            translation = [t.target for t in translator.translate(
                src, options=engine.decode_options(), batch_size=engine.batch_size)]
            meta["model"] = translator.model_id
    links = align(src, tgt, translation, method=method)
    with open_writer(output, chosen, meta=meta, inputs=(source, target)) as writer:
        for pair in to_pairs(links, src, tgt, doc=source.name):
            writer.write(pair)
    kinds = Counter(link.kind for link in links)
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    print(f"translate align: {len(src)} source and {len(tgt)} target sentences in {len(links)} links "
          f"({summary}); unmatched: {kinds['1-0']} source, {kinds['0-1']} target sentences",
          file=sys.stderr)
