"""The Typer application objects; each command registers itself from its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="translate",
    help="Arabic→English translation, segmentation, alignment and scoring on CTranslate2.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="List, install, remove and locate translation models.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks for errors."),
) -> None:
    """Arabic→English translation, segmentation, alignment and scoring on CTranslate2."""
    # --debug is read by translate.cli.main before the command runs; declared here for --help.
