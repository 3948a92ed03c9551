"""The Typer application objects; each command registers itself from its own module.

``command`` registers a command with the options every command takes: ``--quiet/-q`` and
``--debug`` (also after the subcommand's name), and ``-h`` beside ``--help``.
"""

from typing import Optional

import typer

from translate.cli.options import with_common_options
from translate.cli.progress import set_quiet

_CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="translate",
    help="Arabic→English translation, segmentation, alignment and scoring on CTranslate2.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=_CONTEXT,
)
models_app = typer.Typer(help="List, install, remove and locate translation models.", no_args_is_help=True,
                         context_settings=_CONTEXT)
app.add_typer(models_app, name="models")


def command(name: Optional[str] = None, *, group: typer.Typer = app, **kwargs):
    """Register a command on ``group`` with the common options."""
    def register(function):
        return group.command(name, **kwargs)(with_common_options(function))
    return register


def _version(value: bool) -> None:
    if value:
        import translate

        typer.echo(f"translate {translate.__version__} ({translate.__distribution__})")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks for errors."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or messages."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Arabic→English translation, segmentation, alignment and scoring on CTranslate2."""
    # --debug is read by translate.cli.main before the command runs.
    if quiet:
        set_quiet()
