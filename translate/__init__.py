"""Arabic→English translation and bilingual alignment on CTranslate2."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("translate")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

from translate.errors import TranslateError  # noqa: E402

__all__ = ["TranslateError", "__version__"]
