"""`translate models list|install|remove|path`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from translate import models
from translate.cli.app import command, models_app
from translate.cli.progress import download_bar, say

ModelsDir = Annotated[Optional[Path], typer.Option(
    "--models-dir", help="Where models are installed (also: TRANSLATE_MODELS_DIR).")]


@command("list", group=models_app)
def list_models(models_dir: ModelsDir = None) -> None:
    """Show catalog models and what is installed."""
    root = models.models_dir(models_dir)
    catalog = models.load_catalog()
    extra = sorted(p.name for p in root.glob("*") if models.is_model_dir(p) and p.name not in catalog) \
        if root.is_dir() else []
    for name in [*catalog, *extra]:
        entry = catalog.get(name)
        path = models.installed_path(name, models_dir)
        flags = [f for f, on in (("default", entry and entry.default), ("demo", entry and entry.demo)) if on]
        where = "installed" if path and path.parent == root else "packaged"
        state = f"{where}  {path}" if path else "not installed"
        description = entry.description if entry else "(installed from a local source)"
        suffix = f" [{', '.join(flags)}]" if flags else ""
        source = entry and (entry.url or (f"https://huggingface.co/{entry.hub_id}" if entry.hub_id else None))
        typer.echo(f"{name:<24} {description}{suffix}\n{'':<24} {state}"
                   + (f"\n{'':<24} download: {source}" if source else ""))
    say(f"models directory: {root}")


@command(group=models_app)
def install(
    name: Annotated[str, typer.Argument(help="Catalog name, or a new name when --from is given.")],
    source: Annotated[Optional[str], typer.Option(
        "--from", help="URL, .zip release, Marian/OPUS-MT, Hugging Face or CTranslate2 directory, or hub id.")] = None,
    quantization: Annotated[str, typer.Option(help="Weight type stored on disk.")] = "int8",
    force: Annotated[bool, typer.Option("--force", help="Reinstall over an installed model.")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Never download (also: TRANSLATE_OFFLINE=1).")] = False,
    models_dir: ModelsDir = None,
) -> None:
    """Download (or read), verify and convert a model with CTranslate2, then install it."""
    with download_bar() as progress:
        path = models.install(name, source, directory=models_dir, quantization=quantization, force=force,
                              progress=progress, offline=offline)
    say(f"installed {name} in {path}")


@command(group=models_app)
def remove(name: str, models_dir: ModelsDir = None) -> None:
    """Delete an installed model."""
    path = models.remove(name, models_dir)
    say(f"removed {name} from {path.parent}")


@command(group=models_app)
def path(name: str, models_dir: ModelsDir = None) -> None:
    """Print the directory of an installed (or packaged) model."""
    found = models.installed_path(name, models_dir)
    if not found:
        raise models.ModelNotFound(f"model '{name}' is not installed; install it with: {models.install_hint(name)}")
    typer.echo(str(found))
