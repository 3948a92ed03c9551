"""`translate models list|install|remove|path|shortlist`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from translate import models
from translate import shortlist as shortlists
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


@command(group=models_app)
def shortlist(
    name: Annotated[str, typer.Argument(help="Installed (or packaged) model name, or a model directory.")],
    texts: Annotated[Optional[list[Path]], typer.Option(
        "--from", help="Arabic text files to build from, one sentence per line (repeat for several); "
                       "default: the UN v1.0 dev/test and TICO-19 build documents of the shared data.")] = None,
    per_source: Annotated[int, typer.Option(
        "--per-source", min=1, help="Target tokens kept per source token.")] = shortlists.PER_SOURCE,
    frequent: Annotated[float, typer.Option(
        "--frequent", min=0.0, max=1.0, help="Share of the target tokens always allowed, most frequent first "
                                             "(by the model's target SentencePiece model).")] = shortlists.FREQUENT,
    beam_size: Annotated[int, typer.Option("--beam-size", min=1, help="Beam size of the translations.")] = 4,
    models_dir: ModelsDir = None,
) -> None:
    """Build a vocabulary shortlist (vmap.txt) for a model from its own translations, and check it.

    The model translates the texts; each source token keeps the target tokens most often in its
    sentences' translations. Held-back lines are translated again with the shortlist, greedy and at
    --beam-size: at a beam where at least 98% come out identical, translating uses it by default
    (--shortlist/--no-shortlist decide instead).
    """
    from translate.cli.progress import Counter
    from translate.engine import Translator
    from translate.textio import read_text

    model_dir = _writable_model(name, models_dir)
    if texts:
        lines = [line for path in texts for line in read_text(str(path)).splitlines()]
        sources = [str(path) for path in texts]
    else:
        lines, sources = shortlists.default_texts()
    unique = len(set(line.strip() for line in lines if line.strip()))
    checked = min(unique // shortlists.CHECK_EVERY, shortlists.CHECK_MAX)
    with Counter("translating", unique + checked) as advance:
        info = shortlists.build(model_dir, lines, load=lambda on: Translator(model_dir, shortlist=on),
                                beam_size=beam_size, per_source=per_source, frequent=frequent, sources=sources,
                                on_progress=advance)
    check = info["check"]
    beams = ", ".join(f"beam {beam}: {100 * c['identical']:.1f}%" for beam, c in check["beams"].items())
    on = [beam for beam, c in check["beams"].items() if c["lossless"]]
    verdict = (f"used by default at beam {', '.join(on)}" if on else "off by default") + " (--shortlist forces it)"
    if check["sentences"] < shortlists.CHECK_MIN:
        verdict = (f"too few lines held back to check ({check['sentences']} < {shortlists.CHECK_MIN}: give at least "
                   f"{shortlists.CHECK_MIN * shortlists.CHECK_EVERY:,} lines): off by default")
    say(f"shortlist of {name}: {info['source_pieces']} source tokens from {info['sentences']} sentences; "
        f"held-back translations identical ({check['sentences']} lines) {beams}: {verdict}")
    typer.echo(str(model_dir / shortlists.VMAP_FILE))  # like `models path`: the file, for scripts


def _writable_model(name: str, models_dir: Path | None) -> Path:
    """The model's own directory: a given one, the installed copy, or a new copy of a packaged model."""
    path = Path(name)
    if path.is_dir():
        return models.resolve(path)
    installed = models.models_dir(models_dir) / name
    if models.is_model_dir(installed):
        return installed
    if models.installed_path(name, models_dir):  # packaged with the project: shortlist a copy
        installed = models.install(name, directory=models_dir, offline=True)
        say(f"installed a copy of the packaged {name} in {installed}")
        return installed
    raise models.ModelNotFound(f"model '{name}' is not installed; install it with: {models.install_hint(name)}")
