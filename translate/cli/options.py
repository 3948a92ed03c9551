"""Options shared by several commands, declared once.

No `from __future__ import annotations` here: Typer reads these annotations at run time.
"""


import functools
import inspect
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Optional

import typer

from translate.cli import progress
from translate.engine import DecodeOptions, Translator
from translate.errors import TranslateError, param


# The translation memory options of `translate doc` and `translate corpus`.
CacheOption = Annotated[Optional[Path], typer.Option(
    "--cache", help="Translation memory file (default: memory.sqlite in the user cache directory).")]
NoCacheOption = Annotated[bool, typer.Option(
    "--no-cache", help="Neither read nor add to the translation memory.")]


@dataclass
class CommonArgs:
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or messages.")] = False
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks for errors.")] = False

    def apply(self) -> None:
        # --debug is read by translate.cli.main before the command runs.
        if self.quiet:
            progress.set_quiet()


@dataclass
class InputArgs:
    encoding: Annotated[Optional[str], typer.Option(
        "--encoding", help="Text encoding of the input, e.g. cp1256 (default: UTF-8, or UTF-16 with a "
                           "byte-order mark).")] = None
    input_format: Annotated[Optional[str], typer.Option(
        "--input-format", help="Read the input as this kind of document: text, html, docx, markdown "
                               "(default: from its name or content).")] = None
    max_input_mb: Annotated[Optional[float], typer.Option(
        "--max-input-mb", min=0.001, help="Largest web page, Word file or Markdown read (MB; default 32, "
                                          "or TRANSLATE_MAX_INPUT_MB).")] = None

    def read(self, source: str):
        """The document at ``source`` (a path, URL or -) as these options say to read it."""
        from translate.readers import read_document

        limit = None if self.max_input_mb is None else int(self.max_input_mb * 2**20)
        return read_document(source, input_format=self.input_format, encoding=self.encoding, max_bytes=limit)


@dataclass
class LangArgs:
    source_lang: Annotated[str, typer.Option(
        "--source-lang", help="Language code of the source in the outputs (TMX xml:lang), e.g. ar-SA.")] = "ar"
    target_lang: Annotated[str, typer.Option(
        "--target-lang", help="Language code of the target in the outputs, e.g. en-GB.")] = "en"

    def meta(self) -> dict:
        return {"srclang": self.source_lang, "tgtlang": self.target_lang}


@dataclass
class EngineArgs:
    model: Annotated[Optional[str], typer.Option(
        "--model", "-m", help="Catalog name (see `translate models list`) or a model directory.")] = None
    beam_size: Annotated[int, typer.Option("--beam-size", min=1, help="Beam size (1: greedy).")] = 4
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Tokens per batch.")] = 1024
    threads: Annotated[Optional[int], typer.Option(
        "--threads", min=1, help="CPU threads in all (default: every core).")] = None
    compute_type: Annotated[Optional[str], typer.Option(
        "--compute-type", help="int8, int8_float32, int16, float32; on GPU also float16, int8_float16 "
                               "(default: int8 on CPU, int8_float16 on GPU).")] = None
    device: Annotated[str, typer.Option(
        "--device", help="auto (a CUDA GPU if CTranslate2 sees one), cpu or cuda.")] = "auto"
    shortlist: Annotated[Optional[bool], typer.Option(
        "--shortlist/--no-shortlist", help="Restrict the output vocabulary with the model's shortlist "
                                           "(default: where it has one that measured lossless; see "
                                           "`translate models shortlist`).", show_default=False)] = None
    max_length: Annotated[Optional[int], typer.Option(
        "--max-length", min=1, help="Fixed cap on generated tokens per sentence.")] = None
    repetition_penalty: Annotated[float, typer.Option(
        "--repetition-penalty", min=1.0, help="Penalise tokens already generated (> 1; default off).")] = 1.0
    no_repeat_ngram_size: Annotated[int, typer.Option(
        "--no-repeat-ngram-size", min=0, help="Forbid repeating any n-gram of this size (0: off).")] = 0
    offline: Annotated[bool, typer.Option(
        "--offline", help="Never download a model (also: TRANSLATE_OFFLINE=1).")] = False
    models_dir: Annotated[Optional[Path], typer.Option(
        "--models-dir", help="Where models are installed (also: TRANSLATE_MODELS_DIR).")] = None

    def decode_options(self) -> DecodeOptions:
        return DecodeOptions(beam_size=self.beam_size, max_length=self.max_length,
                             repetition_penalty=self.repetition_penalty,
                             no_repeat_ngram_size=self.no_repeat_ngram_size)

    def translator(self) -> Translator:
        with progress.download_bar() as report:
            return Translator(self.model, device=self.device, compute_type=self.compute_type, threads=self.threads,
                              models_dir=self.models_dir, offline=self.offline, progress=report,
                              shortlist=self.shortlist)


def check_choice(name: str, value: str, choices: typing.Iterable[str], what: str) -> str:
    """Refuse ``value`` unless it is one of ``choices`` (before any work starts)."""
    choices = tuple(choices)
    if value not in choices:
        raise TranslateError(f"{param(name, value)}: {what} is one of {', '.join(choices)}")
    return value


def inject(cls, keyword: typing.Optional[str]):
    """A decorator that adds the options of dataclass ``cls`` to a Typer command and passes them to
    it as one ``keyword`` argument (or, with ``keyword`` None, applies them and passes nothing)."""
    names = [f.name for f in fields(cls)]
    hints = {f.name: f.type for f in fields(cls)}

    def decorate(command):
        signature = inspect.signature(command)
        resolved = typing.get_type_hints(command, include_extras=True)  # commands may use string annotations
        kept = [p.replace(annotation=resolved.get(p.name, p.annotation))
                for p in signature.parameters.values() if p.name != keyword]
        extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=getattr(cls, name),
                                   annotation=cls.__annotations__[name]) for name in names]

        @functools.wraps(command)
        def wrapper(*args, **kwargs):
            value = cls(**{name: kwargs.pop(name) for name in names})
            if keyword is None:
                value.apply()
                return command(*args, **kwargs)
            return command(*args, **{keyword: value}, **kwargs)

        wrapper.__signature__ = signature.replace(parameters=kept + extra)
        wrapper.__annotations__ = {k: v for k, v in resolved.items() if k != keyword} | hints
        return wrapper

    return decorate


engine_options = inject(EngineArgs, "engine")
input_options = inject(InputArgs, "reading")
lang_options = inject(LangArgs, "langs")
with_common_options = inject(CommonArgs, None)
