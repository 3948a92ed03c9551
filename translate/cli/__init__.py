"""Command-line entry point: thin Typer commands over the Python API."""

from __future__ import annotations

import os
import signal
import sys
import threading


def _foreign_package(detail: str = "") -> None:
    """Another distribution's ``translate`` package (the PyPI project of that name, translate-toolkit)
    shares this environment and hides parts of this one: say so in one line and how to fix it."""
    from importlib.metadata import packages_distributions

    others = sorted(set(packages_distributions().get("translate", [])) - {"translate-ar-en"})
    names = ", ".join(others) or "another package"
    print(f"translate: error: {names} also installs a Python package named 'translate', which hides this "
          f"tool's in this environment{detail}; install translate-ar-en in an environment of its own: "
          "pipx install translate-ar-en (or: uv tool install translate-ar-en)", file=sys.stderr)
    sys.exit(1)


import translate  # noqa: E402

if getattr(translate, "__distribution__", None) != "translate-ar-en":
    _foreign_package()
try:
    import typer

    from translate.cli.app import app
    from translate.cli.progress import set_quiet
    from translate.errors import TranslateError, flag_style
    # Command modules register themselves on `app` when imported (one module per command).
    from translate.cli import doc, align, models, text, score, segment, corpus, serve  # noqa: F401
    from translate.cli import eval as _eval  # noqa: F401  (the module name shadows a builtin)
except ImportError as exc:  # a module of the other package stands where one of ours should be
    _foreign_package(f" ({exc})")

__all__ = ["app", "main"]


_terminated: list[int] = []


def exit_interrupted() -> None:
    """End the process after Ctrl-C or SIGTERM (outputs already cleaned up), without waiting for
    the model's running batches, which the interpreter would otherwise finish first."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(128 + signal.SIGTERM if _terminated else 130)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors become one line on stderr and a non-zero exit status."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args or bool(os.environ.get("TRANSLATE_DEBUG"))
    command = typer.main.get_command(app)
    set_quiet(False)  # until the options say otherwise (main may run several times in one process)
    _terminated.clear()

    def on_sigterm(signum, frame) -> None:
        # Handled like Ctrl-C: outputs being written are removed, a corpus job commits what it has.
        _terminated.append(signum)
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_sigterm)
    try:
        # Standalone mode: Click reports usage errors itself (exit 2); Typer exits 130 on Ctrl-C.
        command.main(args=args, prog_name="translate", standalone_mode=True)
    except TranslateError as exc:
        if debug:
            raise
        print(f"translate: error: {exc.render(flag_style)}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except SystemExit as exc:
        if exc.code == 130:
            exit_interrupted()
        raise
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
