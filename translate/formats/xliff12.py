"""XLIFF 1.2 output (format ``xliff12``) for CAT tools that read no XLIFF 2; see ``translate.formats.xliff``,
whose reader takes either version."""

from translate.formats.xliff import Writer12 as Writer, read

__all__ = ["Writer", "read"]
