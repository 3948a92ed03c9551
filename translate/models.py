"""The model catalog, and installing models: download, verify, convert to CTranslate2, place atomically."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import platformdirs

from translate.errors import ModelNotFound, TranslateError
from translate.textio import sha256_file

ENV_MODELS_DIR = "TRANSLATE_MODELS_DIR"
ENV_OFFLINE = "TRANSLATE_OFFLINE"
METADATA_FILE = "translate-model.json"
SPM_FILES = ("source.spm", "target.spm")
PREPROCESS = "preprocess.sh"

Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    description: str
    route: str = "opus-mt"
    url: str | None = None
    sha256: str | None = None
    hub_id: str | None = None
    licence: str | None = None
    default: bool = False
    demo: bool = False
    packaged: str | None = None
    published: dict = field(default_factory=dict)


def packaged_models_root() -> Path:
    """Where the models/ folder lives: inside the installed wheel, or beside the package in a checkout."""
    bundled = Path(__file__).parent / "_models"
    return bundled if bundled.is_dir() else Path(__file__).resolve().parent.parent / "models"


def load_catalog() -> dict[str, CatalogEntry]:
    raw = json.loads((packaged_models_root() / "catalog.json").read_text(encoding="utf-8"))
    known = set(CatalogEntry.__dataclass_fields__)
    return {name: CatalogEntry(name=name, **{k: v for k, v in spec.items() if k in known})
            for name, spec in raw.items()}


def default_model_name() -> str:
    return next(name for name, entry in load_catalog().items() if entry.default)


def models_dir(override: str | Path | None = None) -> Path:
    """Installed models: --models-dir, else $TRANSLATE_MODELS_DIR, else the user data directory."""
    if override:
        return Path(override)
    if os.environ.get(ENV_MODELS_DIR):
        return Path(os.environ[ENV_MODELS_DIR])
    return Path(platformdirs.user_data_dir("translate", appauthor=False)) / "models"


def offline_requested(flag: bool = False) -> bool:
    truthy = {"1", "true", "yes", "on"}
    return flag or any(os.environ.get(var, "").lower() in truthy for var in (ENV_OFFLINE, "HF_HUB_OFFLINE"))


def is_model_dir(path: Path) -> bool:
    return (path / "model.bin").is_file()


def max_positions(model_dir: Path) -> int | None:
    """The model's own position limit: the rows of its position-encoding tables (512 for OPUS-MT),
    read from the variable headers of ``model.bin``; None when it has no table (or an unknown layout).
    """
    try:
        with open(Path(model_dir) / "model.bin", "rb") as handle:
            shapes = _variable_shapes(handle)
    except (OSError, struct.error, UnicodeDecodeError, ValueError):
        return None
    rows = [shape[0] for name, shape in shapes.items() if name.endswith("position_encodings/encodings") and shape]
    return min(rows) if rows else None


def _variable_shapes(handle) -> dict[str, tuple[int, ...]]:
    """Name → shape of every variable in a CTranslate2 model.bin (format version 4 and later)."""
    def unpack(fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        data = handle.read(size)
        if len(data) != size:
            raise ValueError("truncated model.bin")
        return struct.unpack(fmt, data)

    def string() -> str:
        (length,) = unpack("<H")
        return handle.read(length).rstrip(b"\0").decode("utf-8")

    (version,) = unpack("<I")
    if version < 4:
        raise ValueError(f"model.bin format {version}")
    string()  # the model spec's name
    unpack("<I")  # its revision
    (count,) = unpack("<I")
    shapes: dict[str, tuple[int, ...]] = {}
    for _ in range(count):
        name = string()
        (rank,) = unpack("<B")
        shapes[name] = unpack(f"<{rank}I")
        _dtype, size = unpack("<BI")
        handle.seek(size, os.SEEK_CUR)
    (aliases,) = unpack("<I")
    for _ in range(aliases):
        alias, name = string(), string()
        if name in shapes:
            shapes[alias] = shapes[name]
    return shapes


def read_metadata(model_dir: Path) -> dict:
    try:
        return json.loads((model_dir / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def installed_path(name: str, directory: str | Path | None = None) -> Path | None:
    """The directory of a model by name: installed copy first, then a copy packaged with the project."""
    candidate = models_dir(directory) / name
    if is_model_dir(candidate):
        return candidate
    entry = load_catalog().get(name)
    if entry and entry.packaged:
        packaged = packaged_models_root() / entry.packaged
        if is_model_dir(packaged):
            return packaged
    return None


def install_hint(name: str, url: str | None = None) -> str:
    """The exact command that installs ``name`` from a file downloaded by hand."""
    entry = load_catalog().get(name)
    url = url or (entry.url if entry else None)
    file = Path(url.split("?")[0]).name if url else "MODEL.zip"
    return f"translate models install {name} --from /path/to/{file}"


def resolve(model: str | Path, directory: str | Path | None = None, *, offline: bool = False,
            progress: Progress | None = None) -> Path:
    """A model directory from a path or a catalog name; catalog models are installed on first use."""
    path = Path(model)
    if path.is_dir():
        if not is_model_dir(path):
            raise TranslateError(f"{path}: not a CTranslate2 model directory (no model.bin)")
        return path
    name = str(model)
    found = installed_path(name, directory)
    if found:
        return found
    catalog = load_catalog()
    if name not in catalog:
        known = ", ".join(sorted(catalog))
        raise ModelNotFound(f"unknown model '{name}' (known: {known}; or give a model directory)")
    if offline_requested(offline):
        raise ModelNotFound(f"model '{name}' is not installed and downloads are off; install it with: "
                            f"{install_hint(name)}")
    return install(name, directory=directory, progress=progress)


def install(name: str, source: str | Path | None = None, *, directory: str | Path | None = None,
            quantization: str = "int8", force: bool = False, progress: Progress | None = None,
            offline: bool = False) -> Path:
    """Install a model under ``name``: from ``source`` (URL, zip, Marian or Hugging Face directory,
    CTranslate2 directory or hub id) or the catalog's own source. Nothing is left behind on failure."""
    entry = load_catalog().get(name)
    if source is None:
        if entry is None:
            raise TranslateError(f"unknown model '{name}': give --from PATH_OR_URL to install it")
        source = _catalog_source(entry)
    root = models_dir(directory)
    target = root / name
    if is_model_dir(target) and not force:
        return target
    root.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(root, name)
    work = Path(tempfile.mkdtemp(prefix=f".{name}.partial-{os.getpid()}-", dir=root))
    try:
        record = _fetch_and_convert(name, str(source), entry, work, quantization, progress, offline)
        record |= {"name": name, "quantization": quantization, "installed": _now(),
                   "model_sha256": sha256_file(work / "model" / "model.bin")}
        (work / "model" / METADATA_FILE).write_text(json.dumps(record, indent=2), encoding="utf-8")
        _replace_dir(work / "model", target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def remove(name: str, directory: str | Path | None = None) -> Path:
    target = models_dir(directory) / name
    if not is_model_dir(target):
        raise ModelNotFound(f"model '{name}' is not installed in {target.parent}")
    shutil.rmtree(target)
    return target


def _remove_abandoned(root: Path, name: str) -> None:
    """Delete work directories of earlier installs of ``name`` whose process is gone (killed)."""
    for work in root.glob(f".{name}.partial-*-*"):
        pid = work.name.rsplit(".partial-", 1)[1].split("-", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            shutil.rmtree(work, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _catalog_source(entry: CatalogEntry) -> str:
    if entry.packaged:
        return str(packaged_models_root() / entry.packaged)
    return entry.url or entry.hub_id or ""


def _fetch_and_convert(name: str, source: str, entry: CatalogEntry | None, work: Path, quantization: str,
                       progress: Progress | None, offline: bool) -> dict:
    record: dict = {"source": source}
    local = Path(source)
    if source.startswith(("http://", "https://", "file://")):
        if offline_requested(offline) and not source.startswith("file://"):
            raise TranslateError(f"downloads are off; download {source} on a machine with network and "
                                 f"install it with: {install_hint(name, source)}")
        local = work / (Path(source.split("?")[0]).name or "download.zip")
        try:
            record["sha256"] = download(source, local, progress)
        except TranslateError as exc:
            raise TranslateError(f"{exc}; download it on a machine with network and install it with: "
                                 f"{install_hint(name, source)}") from None
    elif local.is_file():
        record["sha256"] = sha256_file(local)
    elif not local.exists():
        if "/" in source and not source.startswith((".", "/")) and source.count("/") == 1:
            return record | {"route": "hf", "hub_id": source} | _convert_hub(source, work, quantization, offline)
        raise TranslateError(f"{source}: no such file or directory")
    if entry and entry.sha256 and record.get("sha256") and record["sha256"] != entry.sha256:
        raise TranslateError(f"{source}: sha256 {record['sha256']} does not match the catalog's {entry.sha256} "
                             f"for {entry.name}: wrong or corrupt file")
    if local.is_file():
        local = _extract_zip(local, work / "unpacked")
    route = detect_route(local, source)
    record["route"] = route
    out = work / "model"
    if route == "opus-mt":
        convert_opus_mt(local, out, quantization)
    elif route == "hf":
        convert_hf(local, out, quantization)
    else:
        shutil.copytree(local, out, ignore=shutil.ignore_patterns(METADATA_FILE))
    return record


def detect_route(path: Path, name: str | None = None) -> str:
    """Which converter a model directory needs: OPUS-MT/Marian, Hugging Face, or none (CTranslate2);
    errors name ``name`` (what the user gave) rather than the unpacked directory."""
    if (path / "decoder.yml").is_file():
        return "opus-mt"
    if (path / "config.json").is_file() and not is_model_dir(path):
        return "hf"
    if is_model_dir(path):
        return "ct2"
    raise TranslateError(f"{name or path}: not a Marian/OPUS-MT, Hugging Face or CTranslate2 model")


def convert_opus_mt(src: str | Path, out: str | Path, quantization: str = "int8") -> Path:
    """Convert an unpacked OPUS-MT release (decoder.yml, .npz, vocab .yml, .spm) with CTranslate2."""
    from ctranslate2.converters import OpusMTConverter

    src = Path(src)
    _require_spm(src)
    try:
        OpusMTConverter(str(src)).convert(str(out), quantization=quantization, force=True)
    except (KeyError, ValueError, OSError) as exc:
        raise TranslateError(f"{src}: cannot convert this OPUS-MT model ({exc})") from None
    for file in SPM_FILES:
        shutil.copyfile(src / file, Path(out) / file)
    # The release's own pre-processing script, kept beside the model as the record of what
    # translate.normalize.prepare_source reproduces.
    if (src / PREPROCESS).is_file():
        shutil.copyfile(src / PREPROCESS, Path(out) / PREPROCESS)
    return Path(out)


def convert_hf(src: str | Path, out: str | Path, quantization: str = "int8") -> Path:
    """Convert a Hugging Face MarianMT checkpoint directory (needs the [hf] extra: torch, transformers)."""
    try:
        from ctranslate2.converters import TransformersConverter
        import transformers  # noqa: F401
    except ImportError:
        raise TranslateError("the Hugging Face route needs torch and transformers: "
                             "pip install 'translate-ar-en[hf]'") from None
    src = Path(src)
    _require_spm(src)
    try:
        TransformersConverter(str(src), copy_files=list(SPM_FILES)).convert(
            str(out), quantization=quantization, force=True)
    except (KeyError, ValueError, OSError) as exc:
        raise TranslateError(f"{src}: cannot convert this Hugging Face model ({exc})") from None
    return Path(out)


def _convert_hub(hub_id: str, work: Path, quantization: str, offline: bool) -> dict:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        local = snapshot_download(hub_id, local_files_only=offline_requested(offline),
                                  allow_patterns=["*.json", "*.spm", "*.safetensors", "*.bin", "*.txt"])
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError) as exc:
        raise TranslateError(f"{hub_id}: cannot fetch from the Hugging Face hub ({type(exc).__name__}); "
                             f"download the checkpoint yourself and use --from DIR") from None
    convert_hf(local, work / "model", quantization)
    return {}


def _require_spm(src: Path) -> None:
    missing = [f for f in SPM_FILES if not (src / f).is_file()]
    if missing:
        raise TranslateError(f"{src}: missing {', '.join(missing)} (SentencePiece models)")


def download(url: str, dest: Path, progress: Progress | None = None) -> str:
    """Stream ``url`` to ``dest``; return its sha256. Network errors become one-line TranslateErrors."""
    import urllib.error
    import urllib.request

    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(dest, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            done = 0
            while chunk := response.read(1 << 20):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TranslateError(f"cannot download {url} ({reason}); no network?") from None
    if total is not None and done != total:
        raise TranslateError(f"download of {url} was cut short ({done} of {total} bytes)")
    return digest.hexdigest()


_MAX_INFLATION = 50


def _extract_zip(archive: Path, dest: Path) -> Path:
    import zipfile

    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if info.filename.startswith("/") or ".." in Path(info.filename).parts:
                    raise TranslateError(f"{archive}: unsafe path in zip: {info.filename}")
                # Weights and vocabularies compress little; a member that inflates far more is a bomb
                # (zipfile never inflates past the declared size, so the declared one is what counts).
                if info.file_size > (1 << 20) and info.file_size > _MAX_INFLATION * max(info.compress_size, 1):
                    raise TranslateError(f"{archive}: {info.filename} would inflate from {info.compress_size} "
                                         f"to {info.file_size} bytes: not a model release (a zip bomb?)")
            bad = zf.testzip()
            if bad:
                raise TranslateError(f"{archive}: corrupt zip (bad CRC in {bad})")
            zf.extractall(dest)
    except zipfile.BadZipFile as exc:
        raise TranslateError(f"{archive}: not a valid zip archive ({exc})") from None
    # Some releases put everything in one top-level folder.
    entries = list(dest.iterdir())
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else dest


def _replace_dir(new: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(new, target)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
