"""XLIFF 2.1 and 1.2: valid against the OASIS schemas, round trips, post-edits read back, hostile
input refused, and translate-toolkit (in its own environment) reads and post-edits our files.

The schemas are the OASIS files Debian ships in php-symfony-translation (XLIFF 2.0 core, which
XLIFF 2.1 keeps; XLIFF 1.2 strict; W3C xml.xsd): .ci/run unpacks the package into
build/xliff-schemas (XLIFF_SCHEMAS points elsewhere). The Metadata module is checked against
what its specification requires, below, since no package ships its schema.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT, SAMPLE
from test_formats_tmx import LAUGHS, server  # noqa: F401  (server is a fixture)
from translate.errors import TranslateError
from translate.filters import pair_id
from translate.flags import flag_pair
from translate.formats import open_writer, read_pairs
from translate.formats.xliff import MDA, XLIFF2, XLIFF12
from translate.records import Pair

SCHEMA_DIR = Path(os.environ.get("XLIFF_SCHEMAS") or ROOT / "build" / "xliff-schemas" / "usr" / "share" / "php"
                  / "Symfony" / "Component" / "Translation" / "Resources" / "schemas")
TINY = ("--model", "tiny-ar-en", "--quiet")
ALIGNED = [
    Pair("أ ب", "a b", 0.9, "doc.ar", 0, 0, None, "1-1", (0,), (0,), 0.9),
    Pair("ج د. ه و.", "c d e f", 0.5, "doc.ar", 0, 1, None, "2-1", (1, 2), (1,), 0.5),
    Pair("", "Only English.", 0.0, "doc.ar", 0, 2, None, "0-1", (), (2,), 0.0),
    Pair("عربي فقط", "", 0.0, "doc.ar", 0, 3, None, "1-0", (3,), (), 0.0),
]


@pytest.fixture(scope="module")
def schemas(tmp_path_factory) -> dict[str, etree.XMLSchema]:
    """The OASIS schemas, their xml.xsd imports pointed at the local copy (no network)."""
    if not (SCHEMA_DIR / "xliff-core-2.0.xsd").exists():
        pytest.skip(f"no XLIFF schemas in {SCHEMA_DIR} (.ci/run unpacks Debian's php-symfony-translation there)")
    local = tmp_path_factory.mktemp("xsd")
    (local / "xml.xsd").write_bytes((SCHEMA_DIR / "xml.xsd").read_bytes())
    loaded = {}
    for version, name in (("2", "xliff-core-2.0.xsd"), ("1.2", "xliff-core-1.2-strict.xsd")):
        text = (SCHEMA_DIR / name).read_text(encoding="utf-8")
        text = text.replace('schemaLocation="informativeCopiesOf3rdPartySchemas/w3c/xml.xsd"', 'schemaLocation="xml.xsd"')
        text = text.replace('schemaLocation="http://www.w3.org/2001/xml.xsd"', 'schemaLocation="xml.xsd"')
        assert 'schemaLocation="xml.xsd"' in text
        (local / name).write_text(text, encoding="utf-8")
        loaded[version] = etree.XMLSchema(etree.parse(str(local / name)))
    return loaded


def validate(schemas, path: Path, fmt: str) -> etree._ElementTree:
    tree = etree.parse(str(path))
    schema = schemas["2" if fmt == "xliff" else "1.2"]
    assert schema.validate(tree), schema.error_log.filter_from_errors()
    if fmt == "xliff":
        check_xliff2_rules(tree)
    return tree


def check_xliff2_rules(tree: etree._ElementTree) -> None:
    """What XLIFF 2.1 requires beyond its core schema, for the parts we write."""
    root = tree.getroot()
    assert root.get("version") == "2.1" and root.get("srcLang") == "ar"
    ns = {"x": XLIFF2, "mda": MDA}
    if root.xpath("//x:target", namespaces=ns):
        assert root.get("trgLang") == "en"  # a target needs trgLang
    for file in root.iterfind(f"{{{XLIFF2}}}file"):
        ids = [e.get("id") for e in file.xpath(".//x:unit | .//x:group", namespaces=ns)]
        assert len(ids) == len(set(ids))  # unit and group ids unique within the file
    for unit in root.iter(f"{{{XLIFF2}}}unit"):
        children = [etree.QName(child).localname for child in unit]
        assert children[0] == "metadata" and children[-1] == "segment"
        for segment in unit.iterfind(f"{{{XLIFF2}}}segment"):
            assert segment.get("state") in ("initial", "translated")
            if segment.find(f"{{{XLIFF2}}}target") is None:
                assert segment.get("state") == "initial"
    # Metadata module: <mda:metadata> holds metaGroups, each holding <mda:meta type="..."> with text only.
    for metadata in root.iter(f"{{{MDA}}}metadata"):
        assert len(metadata) >= 1 and all(etree.QName(g).localname == "metaGroup" for g in metadata)
        for group in metadata:
            assert group.get("category") and len(group) >= 1
            for meta in group:
                assert etree.QName(meta).localname == "meta" and meta.get("type") and len(meta) == 0


@pytest.mark.parametrize("fmt", ["xliff", "xliff12"])
def test_doc_output_is_valid_and_reads_back(cli, schemas, tmp_path, fmt):
    out, jsonl = tmp_path / f"article.{fmt}.xlf", tmp_path / "article.jsonl"
    for path, extra in ((out, ("--format", fmt)), (jsonl, ())):
        result = cli("doc", SAMPLE, "-o", path, *extra, *TINY)
        assert result.exit_code == 0, result.stderr
    pairs = list(read_pairs(jsonl))
    tree = validate(schemas, out, fmt)
    assert list(read_pairs(out, "xliff")) == pairs
    ns = XLIFF2 if fmt == "xliff" else XLIFF12
    units = list(tree.iter(f"{{{ns}}}unit" if fmt == "xliff" else f"{{{ns}}}trans-unit"))
    paragraphs = {(p.doc, p.paragraph) for p in pairs}
    assert len(units) == len(pairs) and len(list(tree.iter(f"{{{ns}}}group"))) == len(paragraphs)
    # Flagged pairs wait for review; the flags are notes the post-editor sees.
    for unit, pair in zip(units, pairs):
        flags = flag_pair(pair)
        if fmt == "xliff":
            assert unit.find(f"{{{ns}}}segment").get("state") == ("initial" if flags else "translated")
            meta = {m.get("type"): m.text for m in unit.iter(f"{{{MDA}}}meta")}
            assert meta["pair-id"] == pair_id(pair) and float(meta["score"]) == pair.score
        else:
            assert unit.find(f"{{{ns}}}target").get("state") == ("needs-review-translation" if flags else "translated")
        assert [n.text for n in unit.iter(f"{{{ns}}}note")] == [f"{f.name}: {f.reason}" for f in flags]


@pytest.mark.parametrize("fmt", ["xliff", "xliff12"])
def test_alignments_several_documents_and_empty_output_are_valid(schemas, tmp_path, fmt):
    other = [Pair("نص آخر", "Another text.", -0.3, "b.txt", 2, 0, (0, 6))]
    for name, pairs in (("aligned", ALIGNED), ("two-docs", ALIGNED[:2] + other), ("empty", [])):
        path = tmp_path / f"{name}.xlf"
        with open_writer(path, fmt, meta={"srclang": "ar", "tgtlang": "en", "model": "x"}) as writer:
            for pair in pairs:
                writer.write(pair)
        tree = validate(schemas, path, fmt)
        assert list(read_pairs(path)) == pairs
        files = tree.getroot().findall(f"{{{XLIFF2 if fmt == 'xliff' else XLIFF12}}}file")
        assert len(files) == max(1, len({p.doc for p in pairs}))


def test_post_edits_are_read_back_and_scored_against_the_mt(cli, tmp_path):
    mt = tmp_path / "mt.xlf"
    assert cli("doc", SAMPLE, "-o", mt, *TINY).exit_code == 0
    tree = etree.parse(str(mt))
    targets = list(tree.iter(f"{{{XLIFF2}}}target"))
    targets[0].text = "The United Nations: cooperation with the OIC is essential for peace."
    for segment in tree.iter(f"{{{XLIFF2}}}segment"):
        segment.set("state", "final")
    edited = tmp_path / "edited.xlf"
    tree.write(str(edited), encoding="UTF-8", xml_declaration=True)
    pairs, post = list(read_pairs(mt)), list(read_pairs(edited))
    assert post[0].target == targets[0].text and [p.target for p in post[1:]] == [p.target for p in pairs[1:]]
    result = cli("score", mt, "--ref", edited, "--json")
    assert result.exit_code == 0, result.stderr
    scores = {s["name"]: s["score"] for s in json.loads(result.stdout)["systems"][0]["scores"]}
    assert 50 < scores["BLEU"] < 100 and 50 < scores["chrF2"] < 100


def test_reads_xliff_from_other_tools(tmp_path):
    path = tmp_path / "cat.xlf"
    path.write_text(
        '<?xml version="1.0"?>\n<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="ar" '
        'trgLang="en"><file id="f1" original="a.txt"><unit id="1"><segment><source>أ<ph id="1"/>ب</source>'
        '<target>A<pc id="2">B</pc><cp hex="263A"/></target></segment><ignorable><source> </source></ignorable>'
        '<segment><source>ج</source></segment></unit>'
        '<unit id="2"><segment><source>د</source></segment></unit></file></xliff>', encoding="utf-8")
    assert list(read_pairs(path)) == [Pair("أب ج", "AB☺ ", doc="a.txt"), Pair("د", "", doc="a.txt", sentence=1)]
    path.write_text(
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="x" source-language="ar" '
        'datatype="plaintext"><body><trans-unit id="a"><source>نص <g id="1">عربي</g></source>'
        '<target>Arabic <x id="2"/>text</target></trans-unit></body></file></xliff>', encoding="utf-8")
    assert list(read_pairs(path)) == [Pair("نص عربي", "Arabic text", doc="x")]


@pytest.mark.parametrize("doctype, text", [
    ('<!DOCTYPE xliff [<!ENTITY xxe SYSTEM "{url}/secret">]>', "&xxe;"),
    ('<!DOCTYPE xliff [<!ENTITY % ext SYSTEM "{url}/ext.dtd"> %ext;]>', "&leak;"),
    ('<!DOCTYPE xliff [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
    ('<!DOCTYPE xliff [<!ENTITY lol0 "lol">' + LAUGHS + "]>", "&lol9;"),
])
def test_hostile_xliff_refused_without_fetching(tmp_path, server, doctype, text):  # noqa: F811
    path = tmp_path / "evil.xlf"
    path.write_text('<?xml version="1.0"?>\n' + doctype.format(url=server.url)
                    + f'<xliff xmlns="{XLIFF2}" version="2.1" srcLang="ar"><file id="f"><unit id="u"><segment>'
                    f"<source>{text}</source></segment></unit></file></xliff>", encoding="utf-8")
    with pytest.raises(TranslateError, match=r"evil\.xlf: refused: the file declares XML entities"):
        list(read_pairs(path))
    assert server.requests == []


@pytest.mark.parametrize("content, message", [
    ('<html><body/></html>', r"not an XLIFF file \(root element <html>\)"),
    (f'<xliff xmlns="{XLIFF2}" version="2.1"><file id="f"><unit id="u"><segment><source>a</source>',
     "not well-formed XML"),
    (f'<xliff xmlns="{XLIFF2}" version="2.1" xmlns:mda="{MDA}"><file id="f"><unit id="u"><mda:metadata>'
     '<mda:metaGroup category="translate"><mda:meta type="score">high</mda:meta></mda:metaGroup></mda:metadata>'
     "<segment><source>a</source></segment></unit></file></xliff>", r"line 1: property value 'high' is not a number"),
])
def test_broken_xliff_is_a_one_line_error(tmp_path, content, message):
    path = tmp_path / "bad.xlf"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TranslateError, match=rf"bad\.xlf: .*{message}"):
        list(read_pairs(path))


@pytest.mark.parametrize("fmt", ["xliff", "xliff12"])
def test_translate_toolkit_reads_and_post_edits_our_xliff(cli, tmp_path, fmt):
    """translate-toolkit's XLIFF stores, run from TTK_PYTHON (a venv with translate-toolkit: .ci/run
    makes build/ttk-venv); skipped without it."""
    python = os.environ.get("TTK_PYTHON")
    if not python:
        pytest.skip("TTK_PYTHON is not set (Python of a venv with translate-toolkit)")
    out, edited = tmp_path / "article.xlf", tmp_path / "post-edited.xlf"
    assert cli("doc", SAMPLE, "-o", out, "--format", fmt, *TINY).exit_code == 0
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # keep our `translate` out of its path
    result = subprocess.run([python, str(ROOT / "tests" / "tools" / "check_xliff_ttk.py"), str(out), str(edited)],
                            env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    store = json.loads(result.stdout)
    pairs = list(read_pairs(out))
    assert store["class"] == ("Xliff2File" if fmt == "xliff" else "Xliff1File")
    assert (store["srclang"], store["tgtlang"]) == ("ar", "en")
    assert [(u["source"], u["target"]) for u in store["units"]] == [(p.source, p.target) for p in pairs]
    # Flagged units come out as needing work (fuzzy), the others as translated.
    assert [u["fuzzy"] for u in store["units"]] == [bool(flag_pair(p)) for p in pairs]
    assert [u["translated"] for u in store["units"]] == [not flag_pair(p) for p in pairs]
    if fmt == "xliff12":  # translate-toolkit looks for XLIFF 2 notes in the segment; ours are on the unit
        assert [u["notes"] for u in store["units"]] == [
            "\n".join(f"{f.name}: {f.reason}" for f in flag_pair(p)) for p in pairs]
    post = list(read_pairs(edited))
    assert [p.target for p in post] == ["PE: " + p.target for p in pairs]
    assert Counter(p.source for p in post) == Counter(p.source for p in pairs)
