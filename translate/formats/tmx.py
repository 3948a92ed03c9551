"""TMX 1.4b translation memory, valid against the LISA OSCAR DTD.

Writing: a ``<header>`` (creationtool "translate", segtype "sentence", srclang from
``meta["srclang"]``, default "ar", creationdate ``YYYYMMDDThhmmssZ``; the other ``meta`` entries
become ``x-`` header props), then one ``<tu tuid="N">`` per pair (N from 1) with the Pair's fields
as ``x-`` props (x-origin from ``meta["origin"]``: machine-translation or alignment; x-doc,
x-paragraph, x-sentence, x-score, x-source-span, and for alignments x-link, x-source-ids,
x-target-ids, x-confidence) and two ``<tuv xml:lang>``/``<seg>``. No DOCTYPE
is written (readers that fetch DTDs would fail on a missing tmx14.dtd).

Text: characters XML 1.0 forbids (C0 controls other than tab, LF and CR; lone surrogates;
U+FFFE/U+FFFF) are dropped. Everything else round-trips exactly: leading and trailing spaces,
line feeds, and carriage returns (written as ``&#13;`` so that XML's line-end normalisation does
not turn them into line feeds).

Reading streams with lxml and refuses hostile input: no DTD loading, no network, no entity
substitution, and any file that declares entities is refused outright. The source variant is the
``<tuv>`` whose language matches the header's srclang (``ar`` matches ``ar-SA``, ``AR``...); the
target is the one matching the header's ``x-tgtlang`` prop, else English, else the first other one.
Inline codes (``<bpt>``, ``<ept>``, ``<ph>``, ``<it>``, ``<ut>``) hold native markup and are left
out of the text; the text inside ``<hi>`` is kept. A ``<tu>`` without both variants is skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

import translate
from translate.errors import TranslateError
from translate.formats._base import Writer as _Writer, display_name
from translate.formats._props import from_props, to_props
from translate.formats._records import dumps
from translate.formats._xml import iter_elements, local as _local, xml_chars
from translate.records import Pair

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_INLINE_CODES = {"bpt", "ept", "ph", "it", "ut"}


def _text(value: str) -> str:
    return escape(xml_chars(value), {"\r": "&#13;"})


def _attr(value: str) -> str:
    return quoteattr(xml_chars(value))


def _prop(kind: str, value: str, indent: str) -> str:
    return f"{indent}<prop type={_attr(kind)}>{_text(value)}</prop>\n"


class Writer(_Writer):
    _count = 0

    def begin(self) -> None:
        self._langs = (str(self.meta.get("srclang", "ar")), str(self.meta.get("tgtlang", "en")))
        header = {
            "creationtool": "translate",
            "creationtoolversion": translate.__version__,
            "segtype": "sentence",
            "o-tmf": "translate",
            "adminlang": "en",
            "srclang": self._langs[0],
            "datatype": "plaintext",
            "creationdate": self.created.strftime("%Y%m%dT%H%M%SZ"),
        }
        attributes = "".join(f" {key}={_attr(value)}" for key, value in header.items())
        props = [_prop("x-tgtlang", self._langs[1], "    ")]
        for key, value in self.meta.items():
            if key not in ("srclang", "tgtlang"):
                props.append(_prop(f"x-{key}", value if isinstance(value, str) else dumps(value), "    "))
        self.handle.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
            f"  <header{attributes}>\n{''.join(props)}  </header>\n  <body>\n"
        )

    def write(self, pair: Pair) -> None:
        self._count += 1
        props = {f"x-{key}": value for key, value in to_props(pair).items()}
        if self.meta.get("origin"):  # machine-translation or alignment: CAT tools can tell MT from human
            props["x-origin"] = str(self.meta["origin"])
        source_lang, target_lang = self._langs
        self.handle.write(
            f'    <tu tuid="{self._count}">\n'
            + "".join(_prop(key, value, "      ") for key, value in props.items())
            + f"      <tuv xml:lang={_attr(source_lang)}><seg>{_text(pair.source)}</seg></tuv>\n"
            f"      <tuv xml:lang={_attr(target_lang)}><seg>{_text(pair.target)}</seg></tuv>\n"
            "    </tu>\n"
        )

    def end(self) -> None:
        self.handle.write("  </body>\n</tmx>\n")


def _seg_text(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element:
        name = _local(child.tag)
        if name is not None and name not in _INLINE_CODES:
            parts.append(_seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _lang_matches(lang: str, wanted: str) -> bool:
    lang, wanted = lang.lower().replace("_", "-"), wanted.lower().replace("_", "-")
    return lang == wanted or lang.split("-")[0] == wanted.split("-")[0]


def _pick(variants: list[tuple[str, str]], wanted: str) -> int | None:
    return next((i for i, (lang, _) in enumerate(variants) if _lang_matches(lang, wanted)), None)


class _Reader:
    """State of one TMX file being read: its name, languages and the number of units seen."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.srclang = "ar"
        self.tgtlang = "en"
        self.units = 0

    def check_root(self, root: etree._Element) -> None:
        if _local(root.tag) != "tmx":
            raise TranslateError(f"{self.name}: not a TMX file (root element <{_local(root.tag)}>)")

    def header(self, element: etree._Element) -> None:
        self.srclang = element.get("srclang") or self.srclang
        for prop in element.iterfind("prop"):
            if prop.get("type") == "x-tgtlang" and prop.text:
                self.tgtlang = prop.text

    def unit(self, element: etree._Element) -> Pair | None:
        index, self.units = self.units, self.units + 1
        variants = [
            (tuv.get(_XML_LANG) or tuv.get("lang") or "", _seg_text(seg))
            for tuv in element.iterfind("tuv")
            for seg in tuv.iterfind("seg")
        ]
        source = _pick(variants, self.srclang)
        if source is None and self.srclang == "*all*" and variants:
            source = 0
        if source is None:
            return None
        others = variants[:source] + variants[source + 1:]
        if not others:
            return None
        target = _pick(others, self.tgtlang)
        if target is None:
            target = _pick(others, "en") or 0
        props = {prop.get("type", "")[2:]: prop.text or "" for prop in element.iterfind("prop")
                 if prop.get("type", "").startswith("x-")}
        return from_props(variants[source][1], others[target][1], props,
                          f"{self.name}: line {element.sourceline}", index)


def read(path: str | Path) -> Iterator[Pair]:
    reader = _Reader(display_name(path))
    for kind, element in iter_elements(path, reader.name, reader.check_root, {"header", "tu"}):
        if kind == "header":
            reader.header(element)
        else:
            pair = reader.unit(element)
            if pair is not None:
                yield pair
