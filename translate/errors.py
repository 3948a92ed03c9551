"""Errors a user can cause. The CLI prints them as one line and exits non-zero."""


class TranslateError(Exception):
    """A problem with the user's input, files, models or network: shown without a traceback."""

    exit_code = 1


class ModelNotFound(TranslateError):
    exit_code = 3
