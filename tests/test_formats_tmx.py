"""TMX specifics: header and DTD validity, hostile files, TMX written by other tools, an
independent reader (translate-toolkit, in its own environment)."""

from __future__ import annotations

import http.server
import io
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from lxml import etree

import translate
from translate.errors import TranslateError
from translate.formats import open_writer, read_pairs
from translate.records import Pair

TESTS = Path(__file__).resolve().parent
DTD = etree.DTD(str(TESTS / "data" / "tmx14.dtd"))
PAIRS = [
    Pair("مَرْحَبًا\u200f", " Hello <&> \"'\r\nworld ", -0.25, "a.txt", 0, 0, (0, 9)),
    Pair("نص\tثانٍ 😀", "second\x00 text\x1f", None, "a.txt", 1, 0, (11, 20)),
    Pair("أ ب", "c", None, "", 0, 2, None, "2-1", (2, 3), (4,), 0.75),
]


def write_tmx(path: Path, pairs=PAIRS, meta=None) -> Path:
    with open_writer(path, meta=meta) as writer:
        for pair in pairs:
            writer.write(pair)
    return path


def test_valid_against_dtd_with_required_header(tmp_path):
    path = write_tmx(tmp_path / "out.tmx", meta={"model": "tiny-ar-en", "options": {"beam_size": 4}})
    tree = etree.parse(str(path))
    assert DTD.validate(tree), DTD.error_log.filter_from_errors()
    header = tree.find("header")
    assert {k: header.get(k) for k in ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang",
                                         "srclang", "datatype")} == {
        "creationtool": "translate", "creationtoolversion": translate.__version__, "segtype": "sentence",
        "o-tmf": "translate", "adminlang": "en", "srclang": "ar", "datatype": "plaintext"}
    assert re.fullmatch(r"\d{8}T\d{6}Z", header.get("creationdate"))
    assert {p.get("type"): p.text for p in header.iterfind("prop")} == {
        "x-tgtlang": "en", "x-model": "tiny-ar-en", "x-options": '{"beam_size": 4}'}
    units = tree.findall("body/tu")
    assert [u.get("tuid") for u in units] == ["1", "2", "3"]
    first = {p.get("type"): p.text for p in units[0].iterfind("prop")}
    assert first == {"x-doc": "a.txt", "x-paragraph": "0", "x-sentence": "0", "x-score": "-0.25",
                     "x-source-span": "[0, 9]"}
    last = {p.get("type"): p.text for p in units[2].iterfind("prop")}
    assert (last["x-link"], last["x-source-ids"], last["x-target-ids"], last["x-confidence"]) == (
        "2-1", "[2, 3]", "[4]", "0.75")
    assert [t.get("{http://www.w3.org/XML/1998/namespace}lang") for t in units[0].iterfind("tuv")] == ["ar", "en"]


def test_forbidden_characters_never_reach_the_file(tmp_path):
    data = write_tmx(tmp_path / "out.tmx").read_bytes()
    assert b"\x00" not in data and b"\x1f" not in data
    assert [p.target for p in read_pairs(tmp_path / "out.tmx")][1] == "second text"


def test_languages_from_meta(tmp_path):
    path = write_tmx(tmp_path / "dev.tmx", [Pair("Haus", "maison")], meta={"srclang": "de", "tgtlang": "fr"})
    tree = etree.parse(str(path))
    assert tree.find("header").get("srclang") == "de"
    assert DTD.validate(tree)
    assert list(read_pairs(path)) == [Pair("Haus", "maison")]


FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tmx SYSTEM "tmx14.dtd">
<tmx version="1.4">
<header creationtool="OtherTool" creationtoolversion="9" segtype="sentence" o-tmf="x" adminlang="EN-US"
        srclang="AR-SA" datatype="html"/>
<body>
<tu tuid="a"><!-- a comment -->
  <tuv xml:lang="en-US"><seg>Click <bpt i="1">&lt;b&gt;</bpt>here<ept i="1">&lt;/b&gt;</ept><ph x="2">{0}</ph> now</seg></tuv>
  <tuv xml:lang="ar-SA"><seg>انقر <bpt i="1">&lt;b&gt;</bpt>هنا<ept i="1">&lt;/b&gt;</ept> <hi type="x">الآن</hi></seg></tuv>
</tu>
<tu><tuv lang="AR"><seg>بدون ترجمة</seg></tuv></tu>
<tu>
  <tuv xml:lang="fr"><seg>Bonjour</seg></tuv>
  <tuv xml:lang="ar"><seg>مرحبا</seg></tuv>
  <tuv xml:lang="EN-GB"><seg>Hello</seg></tuv>
</tu>
</body>
</tmx>
"""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_reads_tmx_from_other_tools(tmp_path, encoding):
    path = tmp_path / "other.tmx"
    text = FOREIGN if encoding == "utf-8" else FOREIGN.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path.write_bytes(text.encode(encoding))
    assert list(read_pairs(path)) == [
        Pair("انقر هنا الآن", "Click here now", sentence=0),
        Pair("مرحبا", "Hello", sentence=2),
    ]


class _Server:
    """A local HTTP server that records every request: proof that nothing was fetched."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.requests.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'<!ENTITY leak "LEAKED">')

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture()
def server():
    srv = _Server()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


BODY = '<tmx version="1.4"><header srclang="ar"/><body><tu><tuv xml:lang="ar"><seg>{}</seg></tuv>' \
       '<tuv xml:lang="en"><seg>x</seg></tuv></tu></body></tmx>'
LAUGHS = "".join(
    f'<!ENTITY lol{i} "{"".join(f"&lol{i - 1};" for _ in range(10))}">' for i in range(1, 10)
)


@pytest.mark.parametrize("doctype, seg", [
    ('<!DOCTYPE tmx [<!ENTITY xxe SYSTEM "{url}/secret">]>', "&xxe;"),
    ('<!DOCTYPE tmx [<!ENTITY % ext SYSTEM "{url}/ext.dtd"> %ext;]>', "&leak;"),
    ('<!DOCTYPE tmx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
    ('<!DOCTYPE tmx [<!ENTITY lol0 "lol">' + LAUGHS + "]>", "&lol9;"),
], ids=["external-entity", "external-parameter-entity", "local-file", "billion-laughs"])
def test_hostile_tmx_refused_without_fetching(tmp_path, server, doctype, seg):
    path = tmp_path / "evil.tmx"
    path.write_text('<?xml version="1.0"?>\n' + doctype.format(url=server.url) + BODY.format(seg), encoding="utf-8")
    with pytest.raises(TranslateError, match=r"evil\.tmx: refused: the file declares XML entities"):
        list(read_pairs(path))
    assert server.requests == []


def test_external_dtd_is_not_fetched(tmp_path, server):
    path = tmp_path / "dtd.tmx"
    path.write_text(f'<!DOCTYPE tmx SYSTEM "{server.url}/tmx14.dtd">' + BODY.format("نص"), encoding="utf-8")
    assert list(read_pairs(path)) == [Pair("نص", "x")]
    assert server.requests == []


@pytest.mark.parametrize("content, message", [
    (BODY.format("a").replace("</tu>", "", 1), r"bad\.tmx: not well-formed XML at line 1"),
    ('<?xml version="1.0"?>\n<tmx>\n<body>\n<tu>&undefined;</tu></body></tmx>',
     r"bad\.tmx: not well-formed XML at line 4: Entity 'undefined' not defined"),
    ('<?xml version="1.0"?>\n<html><body/></html>', r"bad\.tmx: not a TMX file \(root element <html>\)"),
    ("", r"bad\.tmx: not well-formed XML \(no XML element found"),
    (BODY.replace("<tu>", '<tu><prop type="x-score">high</prop>').format("a"),
     r"bad\.tmx: line 1: property value 'high' is not a number"),
])
def test_broken_tmx_is_a_one_line_error(tmp_path, content, message):
    path = tmp_path / "bad.tmx"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TranslateError, match=message):
        list(read_pairs(path))


def test_independent_reader_translate_toolkit(tmp_path):
    """Opens our TMX with translate-toolkit's tmxfile. Set TTK_PYTHON to the Python of a venv that
    has translate-toolkit (e.g. /tmp/ttk-venv/bin/python); skipped otherwise."""
    python = os.environ.get("TTK_PYTHON")
    if not python:
        pytest.skip("TTK_PYTHON is not set (Python of a venv with translate-toolkit)")
    path = write_tmx(tmp_path / "out.tmx")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # keep our `translate` out of its path
    result = subprocess.run([python, str(TESTS / "tools" / "check_tmx_ttk.py"), str(path)], env=env,
                            cwd=tmp_path, capture_output=True, text=True, check=True)
    store = json.loads(result.stdout)
    assert store["srclang"] == "ar"
    assert [(s, t) for s, t, _ in store["units"]] == [(p.source, p.target) for p in read_pairs(path)]
    assert [s for s, _, _ in store["units"]] == [p.source for p in PAIRS]
    assert dict(store["units"][0][2])["x-score"] == "-0.25"


def test_reads_standard_input(tmp_path, monkeypatch):
    path = write_tmx(tmp_path / "out.tmx")
    with path.open("rb") as handle:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(handle))
        assert list(read_pairs("-", "tmx")) == list(read_pairs(path))
