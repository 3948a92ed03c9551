"""Moses-style parallel text: ``STEM.ar`` and ``STEM.en``, one segment per line, line-aligned.

The writer takes ``STEM``, ``STEM.ar`` or ``STEM.en`` and writes both files, each atomically;
an error while writing leaves neither. The languages (file suffixes) come from ``meta``
(``srclang``/``tgtlang``, default ar/en). A line break inside a segment becomes a space; lone
surrogates, NUL and U+FEFF are dropped. The reader takes the stem or either file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from translate.errors import TranslateError
from translate.formats._base import Writer as _Writer, read_lines
from translate.formats.txt import flatten
from translate.records import Pair


def stem(path: str | Path, langs: tuple[str, str]) -> Path:
    """``X`` for ``X``, ``X.ar`` or ``X.en`` (with ``langs`` as the two suffixes)."""
    path = Path(path)
    return path.with_suffix("") if path.suffix.lstrip(".") in langs else path


class Writer(_Writer):
    def _open_outputs(self) -> None:
        if str(self.path) == "-":
            raise TranslateError("-: the moses format writes two files; give an output path")
        langs = (self.meta.get("srclang", "ar"), self.meta.get("tgtlang", "en"))
        base = stem(self.path, langs)
        self.handle, self._target = (self._open(f"{base}.{lang}") for lang in langs)

    def write(self, pair: Pair) -> None:
        self.handle.write(flatten(pair.source) + "\n")
        self._target.write(flatten(pair.target) + "\n")


def read(path: str | Path, src_lang: str = "ar", tgt_lang: str = "en") -> Iterator[Pair]:
    base = stem(path, (src_lang, tgt_lang))
    sources = read_lines(f"{base}.{src_lang}")
    targets = read_lines(f"{base}.{tgt_lang}")
    if len(sources) != len(targets):
        raise TranslateError(
            f"{base}.{src_lang}, {base}.{tgt_lang}: not line-aligned "
            f"({len(sources)} and {len(targets)} lines)"
        )
    for number, (source, target) in enumerate(zip(sources, targets, strict=True)):
        yield Pair(source, target, sentence=number)
