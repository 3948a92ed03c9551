"""Arabic→English translation and bilingual alignment on CTranslate2.

    from translate import Translator
    print(Translator("tiny-ar-en").translate_text("الجو بارد اليوم. أنا أقرأ كتابا."))

The names below are imported on first use, so ``import translate`` stays cheap (the command line
starts without loading numpy, sacrebleu or the model libraries it does not need).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The command line checks this marker: another distribution's ``translate`` package (the PyPI
# project of that name, translate-toolkit) can overwrite this file in a shared environment.
__distribution__ = "translate-ar-en"

from translate.errors import TranslateError  # noqa: E402

_EXPORTS = {
    "Translator": "translate.engine",
    "DecodeOptions": "translate.engine",
    "Translation": "translate.engine",
    "Pair": "translate.records",
    "segment": "translate.segmenter",
    "Segment": "translate.segmenter",
    "read_document": "translate.readers",
    "translate_document": "translate.document",
    "align": "translate.aligner",
    "open_writer": "translate.formats",
    "read_pairs": "translate.formats",
    "score": "translate.scoring",
}

__all__ = ["TranslateError", "__version__", *_EXPORTS]

if TYPE_CHECKING:
    from translate.aligner import align
    from translate.document import translate_document
    from translate.engine import DecodeOptions, Translation, Translator
    from translate.formats import open_writer, read_pairs
    from translate.readers import read_document
    from translate.records import Pair
    from translate.scoring import score
    from translate.segmenter import Segment, segment


def __getattr__(name: str) -> Any:
    if name == "__version__":  # looked up on first use: reading the installed metadata costs start-up time
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version(__distribution__)
        except PackageNotFoundError:  # running from a source tree that was never installed
            value = "0.0.0+source"
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module 'translate' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
