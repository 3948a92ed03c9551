"""Errors a user can cause. The CLI prints them as one line and exits non-zero.

Library messages name a parameter with ``param("beam_size", 0)``: Python callers read
``beam_size=0``, the command line shows the flag, ``--beam-size 0`` (see ``TranslateError.render``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A parameter reference inside a message: private-use characters that never occur in user text.
_OPEN, _SEP, _CLOSE = "\ue000", "\ue001", "\ue002"
_PARAM = re.compile(f"{_OPEN}([^{_SEP}{_CLOSE}]*)(?:{_SEP}([^{_CLOSE}]*))?{_CLOSE}")


def param(name: str, value: object = None) -> str:
    """Mark parameter ``name`` (with ``value`` if given) in an error message."""
    return f"{_OPEN}{name}{_CLOSE}" if value is None else f"{_OPEN}{name}{_SEP}{value}{_CLOSE}"


def python_style(name: str, value: str | None) -> str:
    return name if value is None else f"{name}={value!r}"


def flag_style(name: str, value: str | None) -> str:
    flag = "--" + name.replace("_", "-")
    return flag if value is None else f"{flag} {value}"


class TranslateError(Exception):
    """A problem with the user's input, files, models or network: shown without a traceback."""

    exit_code = 1

    def render(self, style: Callable[[str, str | None], str] = python_style) -> str:
        """The message with each parameter reference written by ``style(name, value)``."""
        return _PARAM.sub(lambda m: style(m.group(1), m.group(2)), super().__str__())

    def __str__(self) -> str:
        return self.render()


class ModelNotFound(TranslateError):
    exit_code = 3
