"""Engine options shared by every command that translates, declared once.

No `from __future__ import annotations` here: Typer reads these annotations at run time.
"""


import functools
import inspect
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Optional

import typer

from translate.engine import DecodeOptions, Translator


# The translation memory options of `translate doc` and `translate corpus`.
CacheOption = Annotated[Optional[Path], typer.Option(
    "--cache", help="Translation memory file (default: memory.sqlite in the user cache directory).")]
NoCacheOption = Annotated[bool, typer.Option(
    "--no-cache", help="Neither read nor add to the translation memory.")]



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

    def translator(self, quiet: bool = False) -> Translator:
        from translate.cli.progress import download_bar

        with download_bar(quiet) as progress:
            return Translator(self.model, device=self.device, compute_type=self.compute_type, threads=self.threads,
                              models_dir=self.models_dir, offline=self.offline, progress=progress,
                              shortlist=self.shortlist)


def engine_options(command):
    """Add the EngineArgs options to a Typer command and pass them to it as ``engine``."""
    names = [f.name for f in fields(EngineArgs)]
    hints = {f.name: f.type for f in fields(EngineArgs)}
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=getattr(EngineArgs, name),
                               annotation=EngineArgs.__annotations__[name]) for name in names]
    signature = inspect.signature(command)
    resolved = typing.get_type_hints(command, include_extras=True)  # the command may use string annotations
    kept = [p.replace(annotation=resolved.get(p.name, p.annotation))
            for p in signature.parameters.values() if p.name != "engine"]

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        engine = EngineArgs(**{name: kwargs.pop(name) for name in names})
        return command(*args, engine=engine, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=kept + extra)
    wrapper.__annotations__ = {k: v for k, v in resolved.items() if k != "engine"} | hints
    return wrapper
