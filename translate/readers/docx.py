"""Word documents (.docx): every paragraph, of the body, tables, text boxes, footnotes, endnotes,
comments, headers and footers, as a block with its inline formatting.

The package is checked before anything parses it: a zip archive that holds a Word document, its
XML parts no larger in all than the size limit (declared sizes, checked before inflating: a
decompression bomb is refused unread), and no DOCTYPE in any part (no XML entities, no external
references). python-docx then opens it.

Each paragraph becomes a ``Run``: its text (tabs and line breaks included), one span per stretch
of runs formatted unlike most of the paragraph (bold, italics, colour...), spans for hyperlinks and
tracked insertions (holding their own runs), and opaque spans for what is not text (drawings,
fields, footnote references, bookmarks), written back as they were.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree

from translate.errors import TranslateError
from translate.inline import Run, Span
from translate.readers import Document, close, lay_out, read_limited, size_limit

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def qn(tag: str) -> str:
    return f"{{{W}}}{tag}"


# Parts with paragraphs, in the order their blocks come.
_STORIES = ("document", "footnotes", "endnotes", "comments", "header", "footer")
_TEXT = {qn("t"): None, qn("tab"): "\t", qn("br"): "\n", qn("cr"): "\n", qn("noBreakHyphen"): "\u2011"}
# Inline containers whose runs are translated with the paragraph (sdt: through its sdtContent).
_CONTAINERS = {qn("hyperlink"), qn("ins"), qn("smartTag"), qn("customXml"), qn("sdt")}
# Run properties that say nothing about how text looks (or only about Arabic text).
_NEUTRAL = {qn("lang"), qn("noProof"), qn("rtl"), qn("cs"), qn("webHidden"), qn("specVanish")}


@dataclass
class DocxRef:
    """What a span stands for: a stretch of formatted runs (``rpr``), a container element, or an
    opaque element kept as it is."""

    kind: str  # format, container, opaque
    element: Any = None
    rpr: Any = None


@dataclass
class Paragraph:
    element: Any
    run: Run
    base: Any  # run properties of most of the text (None: plain)
    kind: str


@dataclass
class DocxSource:
    """The opened document and its paragraphs, for the writer."""

    document: Any  # docx.Document
    paragraphs: list[Paragraph]
    generic: dict[Any, Any] = field(default_factory=dict)  # parts python-docx keeps as bytes -> their root


def check_package(data: bytes, name: str) -> None:
    """Refuse what is not a sound .docx before any part is inflated or parsed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise TranslateError(f"{name}: not a Word document (not a valid zip archive: {exc})") from None
    names = {entry.filename for entry in entries}
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise TranslateError(f"{name}: not a Word document (no word/document.xml in the archive)")
    limit = size_limit()
    xml = [entry for entry in entries if entry.filename.endswith((".xml", ".rels"))]
    inflated = sum(entry.file_size for entry in xml)
    if inflated > limit:
        raise TranslateError(f"{name}: its XML inflates to {inflated / 2**20:.0f} MB, over the "
                             f"{limit / 2**20:g} MB limit (a decompression bomb?); refused unread")
    try:
        for entry in xml:
            with archive.open(entry) as part:
                if b"<!DOCTYPE" in part.read(limit + 1).upper():
                    raise TranslateError(f"{name}: {entry.filename} declares a DOCTYPE (XML entities or "
                                         "external references); refused")
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise TranslateError(f"{name}: damaged Word document ({exc})") from None


def _signature(rpr: Any) -> bytes:
    if rpr is None:
        return b""
    copy = etree.Element(rpr.tag)
    for child in rpr:
        if child.tag not in _NEUTRAL and isinstance(child.tag, str):
            copy.append(etree.fromstring(etree.tostring(child)))
    for element in copy.iter():
        for key in [k for k in element.attrib if "rsid" in k]:
            del element.attrib[key]
    return etree.tostring(copy, method="c14n")


def _is_text_child(child: Any) -> bool:
    return child.tag in _TEXT or child.tag == qn("softHyphen")


def split_runs(paragraph: Any) -> None:
    """Cut each run that mixes text with other content (a drawing, a field character, a footnote
    reference) into runs of one kind each, with the same properties."""
    for run in list(paragraph.iter(qn("r"))):
        rpr = run.find(qn("rPr"))
        content = [child for child in run if child is not rpr]
        kinds = [_is_text_child(child) for child in content]
        if all(kinds) or not any(kinds):
            continue
        parent, position = run.getparent(), run.getparent().index(run)
        groups: list[list[Any]] = []
        for child, is_text in zip(content, kinds):
            if groups and is_text and _is_text_child(groups[-1][-1]):
                groups[-1].append(child)
            else:
                groups.append([child])
        parent.remove(run)
        for offset, group in enumerate(groups):
            new = etree.SubElement(parent, qn("r"))
            parent.remove(new)
            new.attrib.update(run.attrib)
            if rpr is not None:
                new.append(etree.fromstring(etree.tostring(rpr)))
            for child in group:
                new.append(child)
            parent.insert(position + offset, new)


def _run_text(run: Any) -> str | None:
    """A run's text, or None if it holds anything else."""
    parts = []
    for child in run:
        if child.tag == qn("rPr"):
            continue
        if child.tag == qn("t"):
            parts.append(child.text or "")
        elif child.tag in _TEXT:
            parts.append(_TEXT[child.tag])
        elif child.tag == qn("softHyphen"):
            continue
        else:
            return None
    return "".join(parts)


def _runs_of(container: Any) -> list[Any]:
    if container.tag == qn("sdt"):
        content = container.find(qn("sdtContent"))
        return list(content) if content is not None else []
    return list(container)


class _Builder:
    def __init__(self, base: bytes) -> None:
        self.base = base
        self.parts: list[str] = []
        self.length = 0

    def spans(self, children: list[Any]) -> list[Span]:
        spans: list[Span] = []
        for child in children:
            if child.tag in (qn("pPr"), qn("rPr")):
                continue
            if child.tag == qn("r") and (text := _run_text(child)) is not None:
                rpr = child.find(qn("rPr"))
                start = self.length
                self.parts.append(text)
                self.length += len(text)
                if _signature(rpr) == self.base:
                    continue
                previous = spans[-1] if spans else None
                if (previous is not None and previous.ref.kind == "format" and previous.end == start
                        and _signature(previous.ref.rpr) == _signature(rpr)):
                    previous.end = self.length
                else:
                    spans.append(Span(start, self.length, DocxRef("format", child, rpr)))
            elif child.tag in _CONTAINERS:
                start = self.length
                inner = self.spans(_runs_of(child))
                first = next((r for r in child.iter(qn("r")) if _run_text(r) is not None), None)
                rpr = first.find(qn("rPr")) if first is not None else None
                spans.append(Span(start, self.length, DocxRef("container", child, rpr), children=inner))
            else:
                spans.append(Span(self.length, self.length, DocxRef("opaque", child), opaque=True))
        return spans


def _all_runs(children: list[Any]) -> list[Any]:
    out = []
    for child in children:
        if child.tag == qn("r"):
            out.append(child)
        elif child.tag in _CONTAINERS:
            out.extend(_all_runs(_runs_of(child)))
    return out


def paragraph_run(element: Any) -> tuple[Run, Any]:
    """A paragraph's Run and the run properties of most of its text."""
    weights: Counter[bytes] = Counter()
    props: dict[bytes, Any] = {}
    for run in _all_runs(list(element)):
        text = _run_text(run)
        if text:
            rpr = run.find(qn("rPr"))
            weights[_signature(rpr)] += len(text)
            props.setdefault(_signature(rpr), rpr)
    base = weights.most_common(1)[0][0] if weights else b""
    builder = _Builder(base)
    spans = builder.spans(list(element))
    return Run("".join(builder.parts), spans), props.get(base)


def _kind(element: Any) -> str:
    style = element.find(f"{qn('pPr')}/{qn('pStyle')}")
    name = (style.get(qn("val")) or "").lower() if style is not None else ""
    if name.startswith(("heading", "title", "subtitle")):
        return "heading"
    if any(ancestor.tag == qn("tc") for ancestor in element.iterancestors()):
        return "cell"
    if element.find(f"{qn('pPr')}/{qn('numPr')}") is not None or name.startswith("list"):
        return "item"
    return "paragraph"


def story_roots(document: Any) -> tuple[list[Any], dict[Any, Any]]:
    """The roots of every part with paragraphs, in ``_STORIES`` order, and the parts kept as bytes
    (footnotes, endnotes) with the root parsed from them."""
    from docx.oxml.parser import parse_xml

    found: list[tuple[int, str, Any]] = []
    generic: dict[Any, Any] = {}
    for part in document.part.package.iter_parts():
        stem = str(part.partname).rsplit("/", 1)[-1].split(".")[0].rstrip("0123456789")
        if not str(part.partname).startswith("/word/") or stem not in _STORIES:
            continue
        root = getattr(part, "_element", None)
        if root is None:
            root = parse_xml(part.blob)
            generic[part] = root
        found.append((_STORIES.index(stem), str(part.partname), root))
    return [root for _, _, root in sorted(found, key=lambda f: (f[0], f[1]))], generic


def read(handle: IO[bytes], name: str, encoding: str | None) -> Document:
    try:
        data = read_limited(handle, name)
    finally:
        close(handle)
    check_package(data, name)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        roots, generic = story_roots(document)
    except TranslateError:
        raise
    except Exception as exc:  # python-docx raises many kinds for a damaged package
        raise TranslateError(f"{name}: damaged Word document ({type(exc).__name__}: {exc})") from None
    paragraphs = []
    for root in roots:
        for element in root.iter(qn("p")):
            split_runs(element)
        for element in root.iter(qn("p")):
            run, base = paragraph_run(element)
            if run.text.strip():
                paragraphs.append(Paragraph(element, run, base, _kind(element)))
    core = document.core_properties
    meta = {"title": core.title, "author": core.author,
            "date": core.created.date().isoformat() if core.created else None}
    blocks = lay_out((p.run.text, p.kind, index) for index, p in enumerate(paragraphs))
    return Document(name=name, format="docx", blocks=blocks, meta={k: v for k, v in meta.items() if v},
                    tree=DocxSource(document, paragraphs, generic))
