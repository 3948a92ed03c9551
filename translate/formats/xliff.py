"""XLIFF for CAT tools: 2.1 (format ``xliff``, ``.xlf``/``.xliff``) and 1.2 (format ``xliff12``).

Both are valid against the OASIS schemas (XLIFF 2.0 core schema, which 2.1 keeps, and XLIFF 1.2
strict) and written with lxml's incremental writer, one unit at a time. One ``<file>`` per
document (``original`` = the document id), one ``<group>`` per paragraph, one unit per pair
with one segment: the Arabic as source, the machine translation (or aligned sentence) as target.
A pair that ``translate.flags`` flags gets state ``initial`` (1.2: ``needs-review-translation``)
and its flags as notes (category ``translate:flag``), which CAT tools show to the post-editor;
the others state ``translated``. Machine translations carry 1.2's ``state-qualifier="leveraged-mt"``.
A side without a sentence (a 1-0 link) has no target; a 0-1 link has an empty source.

The Pair's fields (score, paragraph, sentence, link, ids, ...) and its stable ``pair-id`` are unit
metadata: XLIFF 2's Metadata module (``<mda:metaGroup category="translate">``), or a 1.2
``<context-group name="translate:N">`` of ``x-`` contexts; the run's meta (model, options) is
file metadata (1.2: header notes). Text is kept exactly (units have ``xml:space="preserve"``), less the
characters XML 1.0 forbids. An empty output holds one empty file (the schemas need one).

Reading (either version, told apart by the root element) takes each unit's current target, so a
post-edited file gives the post-edits; segments of one unit are joined; inline codes are left
out, the text inside ``<pc>``/``<mrk>``/``<g>`` kept. Hostile XML is refused as for TMX.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Iterator

from lxml import etree

import translate
from translate.errors import TranslateError
from translate.flags import Flag, flag_pair
from translate.filters import pair_id
from translate.formats._base import Writer as _Writer, display_name
from translate.formats._props import from_props, to_props
from translate.formats._records import dumps
from translate.formats._xml import iter_elements, local, xml_chars
from translate.records import Pair
from translate.textio import atomic_write

XLIFF2 = "urn:oasis:names:tc:xliff:document:2.0"
XLIFF12 = "urn:oasis:names:tc:xliff:document:1.2"
MDA = "urn:oasis:names:tc:xliff:metadata:2.0"
_XML = "http://www.w3.org/XML/1998/namespace"
_RTL = {"ar", "arc", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi"}
_SKIPPED_CODES = {"ph", "sc", "ec", "sm", "em", "x", "bx", "ex", "bpt", "ept", "it", "sub"}


def _direction(lang: str) -> str:
    return "rtl" if lang.lower().replace("_", "-").split("-")[0] in _RTL else "ltr"


def _meta_text(value: object) -> str:
    return xml_chars(value if isinstance(value, str) else dumps(value))


class _XliffWriter(_Writer):
    """Shared streaming: files per document and groups per paragraph, opened as pairs arrive."""

    def _open_outputs(self) -> None:
        self.handle = (sys.stdout.buffer if str(self.path) == "-"
                       else self._stack.enter_context(atomic_write(self.path, "wb", inputs=self._inputs)))

    def begin(self) -> None:
        self.langs = (str(self.meta.get("srclang", "ar")), str(self.meta.get("tgtlang", "en")))
        self._xml = contextlib.ExitStack()
        self.out = self._xml.enter_context(etree.xmlfile(self.handle, encoding="UTF-8"))
        self.out.write_declaration()
        self._xml.enter_context(self.root())
        self._file: contextlib.ExitStack | None = None
        self._group: contextlib.ExitStack | None = None
        self._where: tuple[str, int] | None = None
        self.files = self.units = 0

    def write(self, pair: Pair) -> None:
        if self._where is None or pair.doc != self._where[0]:
            self._close_file()
            self.files += 1
            self._file = contextlib.ExitStack()
            self.out.write("\n")
            self.open_file(pair.doc, self._file)
        if self._group is None or self._where != (pair.doc, pair.paragraph):
            if self._group is not None:
                self._group.close()
            self._group = contextlib.ExitStack()
            self.out.write("\n")
            self._group.enter_context(self.open_group(pair.paragraph))
        self._where = (pair.doc, pair.paragraph)
        self.units += 1
        self.out.write("\n")
        self.out.write(self.unit(pair, flag_pair(pair)), pretty_print=True)

    def _close_file(self) -> None:
        for stack in (self._group, self._file):
            if stack is not None:
                stack.close()
        self._group = self._file = None

    def end(self) -> None:
        if self.files == 0:
            self.files = 1
            with contextlib.ExitStack() as stack:
                self.open_file("", stack)
                self.empty_file_body()
        self._close_file()
        self.out.write("\n")
        self._xml.close()
        self.handle.write(b"\n")

    def text_element(self, tag: str, text: str, **attrib: str) -> etree._Element:
        element = etree.Element(tag, attrib, nsmap=self.nsmap)
        element.text = xml_chars(text)
        return element

    def run_meta(self) -> dict[str, str]:
        meta = {"tool": "translate", "tool_version": translate.__version__}
        meta.update((key, _meta_text(value)) for key, value in self.meta.items() if key not in ("srclang", "tgtlang"))
        return meta


class Writer(_XliffWriter):
    """XLIFF 2.1, with the Metadata module."""

    nsmap = {None: XLIFF2, "mda": MDA}

    def root(self):
        source, target = self.langs
        return self.out.element(f"{{{XLIFF2}}}xliff", {"version": "2.1", "srcLang": source, "trgLang": target},
                                nsmap=self.nsmap)

    def _metadata(self, category: str, values: dict[str, str]) -> etree._Element:
        metadata = etree.Element(f"{{{MDA}}}metadata", nsmap=self.nsmap)
        group = etree.SubElement(metadata, f"{{{MDA}}}metaGroup", category=category)
        for key, value in values.items():
            group.append(self.text_element(f"{{{MDA}}}meta", value, type=key))
        return metadata

    def open_file(self, doc: str, stack: contextlib.ExitStack) -> None:
        source, target = self.langs
        attrib = {"id": f"f{self.files}", "srcDir": _direction(source), "trgDir": _direction(target)}
        if doc:
            attrib["original"] = xml_chars(doc)
        stack.enter_context(self.out.element(f"{{{XLIFF2}}}file", attrib))
        self.out.write("\n")
        self.out.write(self._metadata("translate-run", self.run_meta()), pretty_print=True)

    def open_group(self, paragraph: int):
        return self.out.element(f"{{{XLIFF2}}}group", {"id": f"f{self.files}-p{paragraph + 1}",
                                                       "name": f"paragraph {paragraph + 1}"})

    def empty_file_body(self) -> None:
        self.out.write(etree.Element(f"{{{XLIFF2}}}group", id="f1-empty", nsmap=self.nsmap))

    def unit(self, pair: Pair, flags: list[Flag]) -> etree._Element:
        unit = etree.Element(f"{{{XLIFF2}}}unit", {"id": f"u{self.units}", f"{{{_XML}}}space": "preserve"},
                             nsmap=self.nsmap)
        unit.append(self._metadata("translate", {"pair-id": pair_id(pair), **to_props(pair)}))
        if flags:
            notes = etree.SubElement(unit, f"{{{XLIFF2}}}notes")
            for flag in flags:
                notes.append(self.text_element(f"{{{XLIFF2}}}note", f"{flag.name}: {flag.reason}",
                                               category="translate:flag"))
        has_target = bool(pair.target) or not pair.source
        state = "translated" if has_target and not flags else "initial"
        segment = etree.SubElement(unit, f"{{{XLIFF2}}}segment", id="s1", state=state)
        segment.append(self.text_element(f"{{{XLIFF2}}}source", pair.source))
        if has_target:
            segment.append(self.text_element(f"{{{XLIFF2}}}target", pair.target))
        return unit


class Writer12(_XliffWriter):
    """XLIFF 1.2 (strict schema), for tools that read no XLIFF 2."""

    nsmap = {None: XLIFF12}

    def root(self):
        return self.out.element(f"{{{XLIFF12}}}xliff", {"version": "1.2"}, nsmap=self.nsmap)

    def open_file(self, doc: str, stack: contextlib.ExitStack) -> None:
        source, target = self.langs
        attrib = {"original": xml_chars(doc) or "translate", "source-language": source,
                  "target-language": target, "datatype": "plaintext", "tool-id": "translate"}
        stack.enter_context(self.out.element(f"{{{XLIFF12}}}file", attrib))
        header = etree.Element(f"{{{XLIFF12}}}header", nsmap=self.nsmap)
        run = self.run_meta()
        etree.SubElement(header, f"{{{XLIFF12}}}tool", {"tool-id": "translate", "tool-name": "translate",
                                                         "tool-version": run.pop("tool_version")})
        run.pop("tool")
        for key, value in run.items():
            header.append(self.text_element(f"{{{XLIFF12}}}note", f"{key}: {value}", {"from": "translate"}))
        self.out.write("\n")
        self.out.write(header, pretty_print=True)
        stack.enter_context(self.out.element(f"{{{XLIFF12}}}body"))

    def open_group(self, paragraph: int):
        return self.out.element(f"{{{XLIFF12}}}group", {"id": f"f{self.files}-p{paragraph + 1}",
                                                        "resname": f"paragraph {paragraph + 1}"})

    def empty_file_body(self) -> None:
        pass

    def text_element(self, tag: str, text: str, attrib: dict[str, str] | None = None, **more: str) -> etree._Element:
        return super().text_element(tag, text, **(attrib or {}), **more)

    def unit(self, pair: Pair, flags: list[Flag]) -> etree._Element:
        unit = etree.Element(f"{{{XLIFF12}}}trans-unit", {"id": str(self.units), f"{{{_XML}}}space": "preserve"},
                             nsmap=self.nsmap)
        unit.append(self.text_element(f"{{{XLIFF12}}}source", pair.source))
        if pair.target or not pair.source:
            state = {"state": "needs-review-translation" if flags else "translated"}
            if pair.link is None:
                state["state-qualifier"] = "leveraged-mt"
            unit.append(self.text_element(f"{{{XLIFF12}}}target", pair.target, state))
        for flag in flags:
            unit.append(self.text_element(f"{{{XLIFF12}}}note", f"{flag.name}: {flag.reason}", {"from": "translate:flag"}))
        # context-group names are unique within a file
        group = etree.SubElement(unit, f"{{{XLIFF12}}}context-group", name=f"translate:{self.units}",
                                 purpose="information")
        for key, value in {"pair-id": pair_id(pair), **to_props(pair)}.items():
            group.append(self.text_element(f"{{{XLIFF12}}}context", value, {"context-type": f"x-{key}"}))
        return unit


def _text(element: etree._Element | None) -> str:
    """The text of a source or target, inline codes left out (their content is native markup)."""
    if element is None:
        return ""
    parts = [element.text or ""]
    for child in element:
        name = local(child.tag)
        if name == "cp":
            try:
                parts.append(chr(int(child.get("hex", ""), 16)))
            except (ValueError, OverflowError):
                pass
        elif name is not None and name not in _SKIPPED_CODES:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ns = XLIFF2
        self.units = 0

    def check_root(self, root: etree._Element) -> None:
        if local(root.tag) != "xliff":
            raise TranslateError(f"{self.name}: not an XLIFF file (root element <{local(root.tag)}>)")
        self.ns = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
        version = root.get("version", "")
        if self.ns not in (XLIFF2, XLIFF12, "urn:oasis:names:tc:xliff:document:1.1") and not version.startswith(("1.", "2.")):
            raise TranslateError(f"{self.name}: unknown XLIFF version {version or self.ns!r}")

    def _q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}" if self.ns else name

    def unit(self, element: etree._Element) -> Pair:
        index, self.units = self.units, self.units + 1
        where = f"{self.name}: line {element.sourceline}"
        file = next(element.iterancestors(self._q("file")), None)
        props = {"doc": file.get("original", "") if file is not None else ""}
        if local(element.tag) == "unit":
            parts = [child for child in element if local(child.tag) in ("segment", "ignorable")]
            source = "".join(_text(part.find(self._q("source"))) for part in parts)
            targets = [part.find(self._q("target")) for part in parts]
            # An ignorable without a target (whitespace between segments) stands for itself.
            target = "".join(_text(found) if found is not None else
                             _text(part.find(self._q("source"))) if local(part.tag) == "ignorable" else ""
                             for part, found in zip(parts, targets)) if any(t is not None for t in targets) else ""
            for group in element.iterfind(f"{{{MDA}}}metadata/{{{MDA}}}metaGroup[@category='translate']"):
                props.update((meta.get("type", ""), meta.text or "") for meta in group.iterfind(f"{{{MDA}}}meta"))
        else:
            source, target = _text(element.find(self._q("source"))), _text(element.find(self._q("target")))
            for group in element.iterfind(self._q("context-group")):
                if group.get("name", "").startswith("translate"):
                    props.update((context.get("context-type", "")[2:], context.text or "")
                                 for context in group.iterfind(self._q("context"))
                                 if context.get("context-type", "").startswith("x-"))
        if props.get("doc") == "translate" and file is not None and file.get("tool-id") == "translate":
            props["doc"] = ""  # the 1.2 writer's stand-in for a document without a name
        return from_props(source, target, props, where, index)


def read(path: str | Path) -> Iterator[Pair]:
    reader = _Reader(display_name(path))
    for _, element in iter_elements(path, reader.name, reader.check_root, {"unit", "trans-unit"}):
        yield reader.unit(element)
