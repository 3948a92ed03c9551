"""`translate align`: sentence-align a document with its translation and write the pairs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer

from translate.cli.app import command
from translate.cli.jobs import JobArgs, job_options, run_job, summary
from translate.cli.options import (EngineArgs, InputArgs, LangArgs, check_choice, engine_options, input_options,
                                   lang_options)
from translate.cli.progress import say
from translate.document import lines, run_metadata, segments
from translate.errors import TranslateError, param
from translate.formats import guess_format, open_writer, writable_formats
from translate.readers import read_document
from translate.segmenter import Segment
from translate.textio import check_output


@command("align")
@job_options
@input_options
@lang_options
@engine_options
def align_command(
    source: Annotated[str, typer.Argument(help="Source document (Arabic by default), or a folder of them.")],
    target: Annotated[str, typer.Argument(help="Its translation (English by default), or a folder of them.")],
    *,
    output: Annotated[str, typer.Option(
        "--output", "-o", help="Output file, - for standard output (two folders: the output directory).")] = "-",
    fmt: Annotated[Optional[str], typer.Option(
        "--format", "-f", help=f"{', '.join(writable_formats('align'))} (default: from the output's "
                         "extension; tsv on standard output).")] = None,
    presegmented: Annotated[bool, typer.Option(
        "--presegmented", help="Both documents hold one sentence per line (line i is sentence i).")] = False,
    source_translation: Annotated[Optional[str], typer.Option(
        "--source-translation", help="A translation of the source, one line per source sentence, "
                                     "used instead of translating it (any language pair).")] = None,
    method: Annotated[str, typer.Option(
        "--method", help="mt: machine translation + length; length: Gale-Church lengths alone.")] = "mt",
    drop_unmatched: Annotated[bool, typer.Option(
        "--drop-unmatched", help="Leave out links with an empty side (1-0, 0-1).")] = False,
    threshold: Annotated[Optional[float], typer.Option(
        "--threshold", min=0.0, max=1.0, help="Two folders: the least similarity at which documents whose "
                                              "names differ are paired (default 0.15).")] = None,
    job: JobArgs,
    reading: InputArgs,
    langs: LangArgs,
    engine: EngineArgs,
) -> None:
    """Align the sentences of SOURCE with those of its translation TARGET (1-1, 2-1, 1-2, ... links).

    With two folders: pair their documents (by name, else by translation similarity), align each
    pair and write one corpus into the --output directory, with the --formats, filters and
    manifest.json of `translate corpus`; resumable like it.
    """
    from translate.aligner import METHODS, align, to_pairs  # numpy: loaded by the commands that align

    if Path(source).is_dir() or Path(target).is_dir():
        _align_folders(source, target, output, presegmented, source_translation, threshold, job, langs, engine)
        return
    check_choice("method", method, METHODS, "the alignment method")
    chosen = check_choice("format", fmt or ("tsv" if output == "-" else guess_format(output)),
                          writable_formats("align"), "the output format of align")
    if output != "-":
        check_output(output, (source, target))
    src, src_doc = _sentences(source, presegmented, reading)
    tgt, tgt_doc = _sentences(target, presegmented, reading)
    translation = None
    meta = langs.meta() | {"method": method, "source": src_doc.name, "target": tgt_doc.name, "origin": "alignment"}
    if method == "mt":
        if source_translation is not None:
            given = read_document(source_translation, encoding=reading.encoding)
            translation = [line.text for line in lines(given.blocks)]
            if len(translation) != len(src):
                raise TranslateError(f"{source_translation}: {len(translation)} lines, but {source} "
                                     f"has {len(src)} sentences (one translation per line is needed)")
            meta["translation"] = given.name
        else:
            translator = engine.translator()
            say(f"translate align: translating {len(src)} source sentences")
            options = engine.decode_options()
            translation = [t.target for t in translator.translate(
                (s.text for s in src), options=options, batch_size=engine.batch_size)]
            meta = run_metadata(translator, options, src_doc) | meta
    links = align([s.text for s in src], [t.text for t in tgt], translation, method=method)
    with open_writer(output, chosen, meta=meta, inputs=(source, target)) as writer:
        for pair in to_pairs(links, src, tgt, doc=src_doc.name):
            if not (drop_unmatched and pair.link in ("1-0", "0-1")):
                writer.write(pair)
    kinds = Counter(link.kind for link in links)
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    dropped = " (left out)" if drop_unmatched else ""
    say(f"translate align: {len(src)} source and {len(tgt)} target sentences in {len(links)} links "
        f"({summary}); unmatched: {kinds['1-0']} source, {kinds['0-1']} target sentences{dropped}")


def _sentences(path: str, presegmented: bool, reading: InputArgs):
    """A document's sentences (one per line, blank lines included, when pre-segmented)."""
    document = reading.read(path)
    found: list[Segment] = list(lines(document.blocks) if presegmented else segments(document))
    return found, document


def _align_folders(source: str, target: str, output: str, presegmented: bool, translations: str | None,
                   threshold: float | None, job: JobArgs, langs: LangArgs, engine: EngineArgs) -> None:
    from translate.align_collection import run_align_collection
    from translate.memory import open_memory

    if output == "-":
        raise TranslateError(f"{param('output')}: give the output directory for the aligned corpus of two folders")
    settings = job.settings(engine.decode_options(), engine.batch_size, presegmented,
                            (langs.source_lang, langs.target_lang))
    extra = {"translations": translations} | ({"threshold": threshold} if threshold is not None else {})
    with open_memory(job.cache, enabled=not job.no_cache) as memory:
        translator = engine.translator() if translations is None else None
        manifest = run_job(lambda **report: run_align_collection(source, target, output, translator, memory,
                                                                 settings, **extra, **report))
    unpaired = manifest["unpaired"]
    say(f"{len(manifest['pairs'])} document pairs, {len(unpaired['arabic'])} Arabic and {len(unpaired['english'])} "
        f"English documents unpaired; {summary(manifest, not job.no_cache)} → {output}")
