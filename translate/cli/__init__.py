"""Command-line entry point: thin Typer commands over the Python API."""

from __future__ import annotations

import os
import sys

import typer

from translate.cli.app import app
from translate.errors import TranslateError

# Command modules register themselves on `app` when imported (one module per command).
from translate.cli import doc  # noqa: E402,F401
from translate.cli import align  # noqa: E402,F401
from translate.cli import models  # noqa: E402,F401
from translate.cli import text  # noqa: E402,F401
from translate.cli import score  # noqa: E402,F401
from translate.cli import segment  # noqa: E402,F401
from translate.cli import corpus  # noqa: E402,F401
from translate.cli import eval as _eval  # noqa: E402,F401  (the module name shadows a builtin)

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors become one line on stderr and a non-zero exit status."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args or bool(os.environ.get("TRANSLATE_DEBUG"))
    command = typer.main.get_command(app)
    try:
        # Standalone mode: Click reports usage errors itself (exit 2); Typer exits 130 on Ctrl-C.
        command.main(args=args, prog_name="translate", standalone_mode=True)
    except TranslateError as exc:
        if debug:
            raise
        print(f"translate: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except SystemExit as exc:
        if exc.code == 130:
            # Ctrl-C: outputs are already cleaned up; exit without waiting for the model's
            # running batches, which the interpreter would otherwise finish first.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        raise
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
