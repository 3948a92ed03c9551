"""What the XML formats (TMX, XLIFF) share: the characters XML allows, and hardened streaming reads.

Reading never loads a DTD, never touches the network and never substitutes entities; a file that
declares entities at all is refused (external-entity and entity-expansion attacks).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterator

from lxml import etree

from translate.errors import TranslateError
from translate.textio import open_input

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_chars(text: str) -> str:
    """``text`` without the characters XML 1.0 does not allow."""
    return _NOT_XML.sub("", text)


def local(tag: Any) -> str | None:
    """Element name without namespace; None for entity references and other non-elements."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else None


def refuse_entities(root: etree._Element, name: str) -> None:
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and next(iter(dtd.iterentities()), None) is not None:
        raise TranslateError(
            f"{name}: refused: the file declares XML entities "
            "(a possible external-entity or entity-expansion attack)"
        )


def iter_elements(path: str | Path, name: str, on_root: Callable[[etree._Element], None],
                  wanted: set[str]) -> Iterator[tuple[str, etree._Element]]:
    """(local name, element) at the end of each element named in ``wanted``, streaming.

    ``on_root`` sees the root element first (after the entity check); a yielded element is
    cleared, with the siblings read before it, once the caller moves on, so memory stays flat.
    """
    with open_input(path) as handle:
        etree.clear_error_log()  # the log is per thread; only this file's errors should be in it
        events = etree.iterparse(
            handle, events=("start", "end"), resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True,
        )
        try:
            for event, element in events:
                if event == "start":
                    if element.getparent() is None:
                        refuse_entities(element, name)
                        on_root(element)
                    continue
                kind = local(element.tag)
                if kind in wanted:
                    yield kind, element
                    if element.getparent() is not None:
                        element.clear()
                        while element.getprevious() is not None:
                            del element.getparent()[0]
        except etree.XMLSyntaxError as exc:
            raise TranslateError(f"{name}: not well-formed XML {_where(exc)}") from None


def _where(exc: etree.XMLSyntaxError) -> str:
    """Line and message of the parser's last error (the exception's own text can be a generic
    'no element found' after a fatal error in the middle of the file)."""
    errors = [e for e in exc.error_log if e.level >= etree.ErrorLevels.ERROR]
    if errors:
        return f"at line {errors[-1].line}: {errors[-1].message}"
    if exc.lineno:
        return f"at line {exc.lineno}: {exc.msg}"
    return "(no XML element found: empty or not XML)"
