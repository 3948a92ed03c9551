"""Every command that reads files, against hostile inputs: a correct result or one clear error line.

Each row states the expected outcome. Every run also checks: no traceback, an error is exactly one
line on stderr naming the file, no partial output is left behind, and the input is never modified.
"""

from __future__ import annotations

import functools
import hashlib
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT, SAMPLE

ARABIC = SAMPLE.read_text(encoding="utf-8").split("\n")[2] + "\n"
DTD = etree.DTD(str(ROOT / "tests" / "data" / "tmx14.dtd"))


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b"")


def _long_line() -> bytes:
    words = ARABIC.replace(".", " ").replace("،", " ").split()
    line = " ".join(words[i % len(words)] for i in range(800_000))
    return line.encode()[: 5 * 2**20].decode(errors="ignore").rsplit(" ", 1)[0].encode()


_XXE = b"""<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>
<tmx version="1.4"><header creationtool="x" creationtoolversion="1" segtype="sentence" o-tmf="x"
adminlang="en" srclang="ar" datatype="plaintext"/><body><tu><tuv xml:lang="ar"><seg>&xxe;</seg></tuv>
<tuv xml:lang="en"><seg>&xxe;</seg></tuv></tu></body></tmx>"""
_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<tmx version="1.4"><header creationtool="x" creationtoolversion="1" segtype="sentence" o-tmf="x"
adminlang="en" srclang="ar" datatype="plaintext"/><body><tu><tuv xml:lang="ar"><seg>&d;</seg></tuv>
<tuv xml:lang="en"><seg>&d;</seg></tuv></tu></body></tmx>"""

@functools.cache
def _docx(replace: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    """A real .docx (python-docx), with some parts replaced."""
    import io

    import docx

    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph(ARABIC.strip())
    document.save(buffer)
    out = io.BytesIO()
    parts = dict(replace)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename in parts:
                continue
            target.writestr(entry.filename, source.read(entry.filename))
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


@functools.cache
def _docx_bomb() -> bytes:
    """A .docx whose document.xml inflates to 1 GiB (4.7 MB on disk)."""
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for entry in zipfile.ZipFile(io.BytesIO(_docx())).infolist():
            if entry.filename != "word/document.xml":
                archive.writestr(entry.filename, zipfile.ZipFile(io.BytesIO(_docx())).read(entry.filename))
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"<w:t>" + b"a" * (2**20 - 5)
            for _ in range(1024):
                part.write(chunk)
    return out.getvalue()


_DOCX_XXE = (b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
             b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
             b'<w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>')

# name -> file content (None: the path does not exist; "dir": a directory).
INPUTS = {
    "missing": None,
    "directory": "dir",
    "empty": b"",
    "whitespace": b"  \n\t\n \r\n",
    "bad-utf8": ARABIC.encode()[:20] + b"\xc3\x28" + ARABIC.encode()[20:],
    "utf16-bom": ARABIC.encode("utf-16"),
    "utf16-no-bom": ARABIC.encode("utf-16-le"),
    "crlf": ARABIC.replace("\n", "\r\n").encode() * 2,
    "nul": ARABIC.encode() + b"\0" + ARABIC.encode(),
    "png": _png(),
    "long-line": None,  # built lazily: 5 MB
    "latin": b"The meeting was held in Dakar. It ended at 10:30.\n",
    "noisy-arabic": "\u200fمَرْحَبًا بِكُمْ فـــي \ufe8e\ufedf\ufe92\ufbfe\ufe96 \u202aالعالم\u202c.\n".encode(),
    "xml-controls": ("مرحبا\x01 \x0b بالعالم\x1f.\n" * 2).encode(),
    "html": b"<html><body><p>\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 <b>&amp;</b></p><script>x()</script></body></html>\n",
    "tmx-xxe": _XXE,
    "tmx-bomb": _BOMB,
    "tmx-broken": b"<?xml version='1.0'?><tmx version='1.4'><body><tu>\n<tuv></tmx>",
    "jsonl-broken": b'{"source": "a", "target": "b"}\n{"source": "c", "target":\n{"source": "e", "target": "f"}\n',
    "docx-not-zip": ARABIC.encode(),
    "docx-truncated": None,  # built lazily: half of a real .docx
    "docx-bomb": None,  # built lazily: document.xml inflates to 1 GiB
    "docx-xxe": None,  # built lazily: an entity with an external reference in document.xml
    "html-deep": ("<html><body>" + "<div>" * 5000 + ARABIC + "</div>" * 5000 + "</body></html>").encode(),
}
_LAZY = {"long-line": _long_line, "docx-truncated": lambda: _docx()[:len(_docx()) // 2], "docx-bomb": _docx_bomb,
         "docx-xxe": lambda: _docx((("word/document.xml", _DOCX_XXE),))}
SUFFIX = {"tmx-xxe": ".tmx", "tmx-bomb": ".tmx", "tmx-broken": ".tmx", "jsonl-broken": ".jsonl",
          "docx-not-zip": ".docx", "docx-truncated": ".docx", "docx-bomb": ".docx", "docx-xxe": ".docx",
          "html-deep": ".html"}

OK = "ok"
NO_FILE, IS_DIR, OFFSET = "no such file", "is a directory", "not valid UTF-8 at byte offset"
BINARY, NUL = "not valid UTF-8 at byte offset 0", "NUL byte at byte offset"

NOT_WORD, BOMB = "not a Word document", "a decompression bomb?); refused unread"
DOCTYPE, DEEP = "declares a DOCTYPE (XML entities or external references); refused", "nested deeper than 255"
DOCUMENTS = {"docx-not-zip": NOT_WORD, "docx-truncated": NOT_WORD, "docx-bomb": BOMB, "docx-xxe": DOCTYPE,
             "html-deep": DEEP}

# What each command must do with each input. Commands read IN (and write under OUT).
EXPECTED = {
    "segment": {"missing": NO_FILE, "directory": IS_DIR, "bad-utf8": OFFSET, "utf16-no-bom": NUL,
                "nul": NUL, "png": BINARY, **DOCUMENTS},
    "doc": {"missing": NO_FILE, "directory": IS_DIR, "bad-utf8": OFFSET, "utf16-no-bom": NUL,
            "nul": NUL, "png": BINARY, **DOCUMENTS},
    "score": {"missing": NO_FILE, "directory": IS_DIR, "empty": "no segments", "bad-utf8": OFFSET,
              "utf16-no-bom": NUL, "nul": NUL, "png": BINARY, "tmx-xxe": "declares XML entities",
              "tmx-bomb": "declares XML entities", "tmx-broken": "line", "jsonl-broken": "line 2",
              # score reads hypotheses as text or pair files, never as Word documents
              "docx-truncated": OFFSET, "docx-bomb": OFFSET, "docx-xxe": OFFSET},
    # A directory given to align is a collection of documents (here an empty one).
    "align": {"missing": NO_FILE, "directory": "no Arabic documents", "bad-utf8": OFFSET, "utf16-no-bom": NUL,
              "nul": NUL, "png": BINARY, **DOCUMENTS},
    # A corpus job skips a document it cannot read (listed in the manifest and on stderr) and goes on;
    # with nothing left to translate it stops before creating anything.
    "corpus": {"missing": "no such file or directory", "directory": "no documents", "bad-utf8": OFFSET,
               "utf16-no-bom": NUL, "nul": NUL, "png": BINARY, "tmx-xxe": "no documents",
               "tmx-bomb": "no documents", "tmx-broken": "no documents", "jsonl-broken": "no documents",
               **DOCUMENTS},
    "models install": {"missing": "no such file", "directory": "not a Marian/OPUS-MT",
                       "docx-bomb": "a zip bomb?", "docx-xxe": "not a Marian/OPUS-MT"},
}
NOT_A_ZIP = "not a valid zip archive"


def command_args(command: str, src: Path, out: Path, model: Path) -> list[str]:
    fast = ["--model", str(model), "--max-length", "2", "--beam-size", "1", "--quiet"]
    return {
        "segment": ["segment", src],
        "doc": ["doc", src, "-o", out / "out.tmx", *fast],
        "score": ["score", src, "--ref", src],
        # Pre-segmented, so the file can serve as its own line-by-line "translation".
        "align": ["align", src, src, "--presegmented", "--source-translation", src, "-o", out / "out.tmx"],
        "corpus": ["corpus", src, "-o", out / "corpus", *fast],
        "models install": ["models", "install", "hostile", "--from", src, "--models-dir", out / "models"],
    }[command]


def expectation(command: str, name: str) -> str:
    if command == "models install" and name not in EXPECTED[command]:
        return NOT_A_ZIP
    return EXPECTED[command].get(name, OK)


def make_input(tmp: Path, name: str) -> Path:
    path = tmp / f"input-{name}{SUFFIX.get(name, '.txt')}"
    content = _LAZY[name]() if name in _LAZY else INPUTS[name]
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    return path


def snapshot(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


CASES = [(command, name) for command in EXPECTED for name in INPUTS]


@pytest.mark.parametrize("command, name", CASES)
def test_hostile_input(cli, toy_model, tmp_path, command, name):
    src = make_input(tmp_path, name)
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(src)
    result = cli(*command_args(command, src, out, toy_model.ct2))
    expected = expectation(command, name)
    assert "Traceback" not in result.stderr
    assert snapshot(src) == before, "the input file was modified"
    # A corpus job keeps its state (.state) for the next run; anything else hidden is a leftover.
    leftovers = [p.name for p in out.rglob("*")
                 if (p.name.startswith(".") and p.name != ".state" and ".state" not in p.parts) or p.suffix == ".part"]
    assert leftovers == [], f"partial files left: {leftovers}"
    if expected == OK:
        assert result.exit_code == 0, result.stderr
        for tmx in out.rglob("*.tmx"):
            assert DTD.validate(etree.parse(str(tmx))), DTD.error_log
    else:
        assert result.exit_code != 0
        assert result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith("translate: error: ") and expected in result.stderr, result.stderr
        assert str(src) in result.stderr
        assert [p for p in out.iterdir() if p.name != "models"] == []


def test_unreadable_file_is_one_line(cli, tmp_path, monkeypatch):
    # CI runs as root, which ignores permission bits, so the refusal is injected where the OS gives it.
    import builtins

    src = tmp_path / "secret.txt"
    src.write_text(ARABIC, encoding="utf-8")
    real_open = builtins.open

    def guarded(file, *args, **kwargs):
        if str(file) == str(src):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)
    for args in (["segment", src], ["score", src, "--ref", src]):
        result = cli(*args)
        assert result.exit_code != 0 and result.stderr == f"translate: error: {src}: permission denied\n"


@pytest.mark.parametrize("where", ["missing-dir", "read-only-dir", "same-as-input"])
def test_bad_output_paths(cli, toy_model, tmp_path, where):
    src = tmp_path / "in.txt"
    src.write_text(ARABIC, encoding="utf-8")
    if where == "missing-dir":
        out, message = tmp_path / "nope" / "out.tmx", "does not exist"
    elif where == "same-as-input":
        out, message = src, "overwrite the input"
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)],
                          capture_output=True).returncode != 0:
            pytest.skip("cannot mount a read-only file system here")
        out, message = ro / "out.tmx", "cannot write"
    try:
        for args in (["doc", src, "-o", out, "--model", toy_model.ct2, "--max-length", "2", "--quiet"],
                     ["align", src, src, "--presegmented", "--source-translation", src, "-o", out,
                      "--format", "tmx"]):
            result = cli(*args)
            assert result.exit_code != 0 and result.stderr.count("\n") == 1, result.stderr
            assert message in result.stderr, result.stderr
        assert src.read_text(encoding="utf-8") == ARABIC
    finally:
        if where == "read-only-dir":
            subprocess.run(["umount", str(out.parent)], check=False)


def test_full_disk_keeps_previous_output(toy_model, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text(ARABIC * 400, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    limit = "import resource, signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); " \
            "resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000)); "
    code = limit + "from translate.cli import main; main()"
    proc = subprocess.run([sys.executable, "-c", code, "doc", str(src), "-o", str(out), "--model",
                           str(toy_model.ct2), "--max-length", "2", "--beam-size", "1", "--quiet", "--no-cache"],
                          env=env, capture_output=True, text=True)
    assert proc.returncode != 0
    assert proc.stderr.count("\n") == 1 and "write failed" in proc.stderr, proc.stderr
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "out.jsonl"]


def test_ctrl_c_during_doc_stops_at_once_without_output(toy_model, tmp_path):
    import signal
    import time

    from conftest import shared_file

    src = shared_file("tico19-test", "src.ar")
    out = tmp_path / "out.jsonl"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "translate", "doc", str(src), "-o", str(out), "--model",
                             str(toy_model.ct2), "--no-cache", "--quiet"], env=env, stderr=subprocess.PIPE,
                            text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(2.5)  # loaded and translating: the whole file takes far longer
    assert proc.poll() is None
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=10)
    # Not a timing assertion on speed: "within a second" is the documented promise for Ctrl-C.
    assert time.monotonic() - sent < 1.0
    assert proc.returncode == 130
    assert list(tmp_path.iterdir()) == []
