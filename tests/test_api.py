"""The Python API as a user meets it: top-level names, the CLI's equal, the package's name and contents."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import translate
from translate import DecodeOptions, Pair, Translator, segment, translate_document

from conftest import ROOT, SAMPLE

TEXT = "الجو بارد اليوم. أنا أقرأ كتابا.\n\nأين محطة القطار؟ شكرا جزيلا."


def test_every_exported_name_resolves():
    for name in translate.__all__:
        assert getattr(translate, name) is not None, name
    assert callable(translate.segment) and callable(translate.align) and callable(translate.score)
    with pytest.raises(AttributeError):
        translate.no_such_name  # noqa: B018


def test_translate_text_equals_the_command(cli):
    translator = Translator("tiny-ar-en")
    text = translator.translate_text(TEXT)
    command = cli("text", TEXT, "--model", "tiny-ar-en", "-q")
    assert command.exit_code == 0, command.stderr
    assert text == command.stdout.rstrip("\n")
    # Every sentence is translated (a first version returned the first one only), paragraphs kept.
    assert text.count("\n\n") == 1 and all(part.count(".") + part.count("?") >= 2 for part in text.split("\n\n"))
    single = translator.translate_sentence("أين محطة القطار؟")
    assert single.target and single.score < 0 and single.tokens > 0


def test_translate_document_from_text_path_and_document(tmp_path):
    translator = Translator("tiny-ar-en")
    options = DecodeOptions(beam_size=1)
    from_text = list(translate_document(SAMPLE.read_text(encoding="utf-8"), translator, options=options))
    result = translate_document(SAMPLE, translator, options=options)
    from_path = list(result)
    assert [(p.source, p.target, p.source_span) for p in from_text] == \
           [(p.source, p.target, p.source_span) for p in from_path]
    assert all(isinstance(p, Pair) for p in from_path) and len(from_path) == len(segment(SAMPLE.read_text("utf-8")))
    assert result.meta["source"] == SAMPLE.name and result.meta["model"] == "tiny-ar-en"
    assert result.meta["options"]["beam_size"] == 1


def test_align_and_score_work_from_the_top_level():
    translator = Translator("tiny-ar-en")
    source = ["أين محطة القطار؟", "الجو بارد اليوم."]
    target = ["Where is the train station?", "It is cold today."]
    links = translate.align(source, target, translator=translator)
    assert [(link.source_ids, link.target_ids) for link in links] == [((0,), (0,)), ((1,), (1,))]
    bleu, chrf = translate.score(target, target)
    assert (bleu.score, chrf.score) == pytest.approx((100.0, 100.0)) and bleu.signature.startswith("nrefs:1")


def test_the_distribution_has_its_own_name():
    # PyPI's `translate` is another project: installing ours must not claim that name.
    assert translate.__distribution__ == "translate-ar-en"
    assert translate.__version__ == metadata.version("translate-ar-en")
    with pytest.raises(metadata.PackageNotFoundError):
        metadata.distribution("translate")


def test_wheel_ships_the_runtime_only(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("translate_ar_en-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "translate/_models/catalog.json" in names and "translate/_models/tiny-ar-en/model.bin" in names
    for unwanted in ("recipes", "toymodels", "marian.py", "tests/", "bench/", "conftest"):
        assert not [n for n in names if unwanted in n], unwanted


@pytest.mark.parametrize("other", ["overwritten-init", "shadowing-module"])
def test_another_translate_package_is_one_line_not_a_traceback(tmp_path, other):
    """translate-toolkit (or PyPI's `translate`) installed in the same environment shares the import
    package: its files overwrite ours or stand beside them. The command says so in one line."""
    site = tmp_path / "site"
    package = site / "translate"
    import shutil

    shutil.copytree(Path(translate.__file__).parent, package, ignore=shutil.ignore_patterns("_models", "__pycache__"))
    if other == "overwritten-init":
        (package / "__init__.py").write_text('"""translate-toolkit"""\n__version__ = "3.16.1"\n')
    else:  # a package of the other distribution where one of our modules is
        (package / "filters").mkdir()
        (package / "filters" / "__init__.py").write_text('"""checks"""\n')
    info = site / "translate_toolkit-3.16.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: translate-toolkit\nVersion: 3.16.1\n")
    (info / "top_level.txt").write_text("translate\n")
    (info / "RECORD").write_text("translate/__init__.py,,\n")
    code = f"import sys; sys.path.insert(0, {str(site)!r}); from translate.cli import main; main(['--help'])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("translate: error: translate-toolkit")
    assert "pipx install translate-ar-en" in proc.stderr


def test_the_command_line_starts_without_the_heavy_libraries():
    """Start-up time (bench/results/startup.md): a command imports sacrebleu, numpy, lxml, rich and the
    web and document libraries only when it uses them. `segment` uses none of them."""
    heavy = ("sacrebleu", "numpy", "lxml", "rich", "torch", "trafilatura", "docx", "starlette", "uvicorn",
             "pydantic", "ctranslate2", "urllib.request")
    code = ("import sys\nfrom translate.cli import main\ntry:\n    main(['segment', '-'])\nexcept SystemExit:\n"
            f"    pass\nprint([m for m in {heavy!r} if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], input="مرحبا. كيف حالك؟\n", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "[]"
