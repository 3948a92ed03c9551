"""Language identification for a server that knows two languages: Arabic in, English out.

The answer is by script, not by a statistical model: the share of the text's letters that are
Arabic script (Persian or Urdu would count as Arabic; this model cannot translate them well) and
the share in Latin script (reported as English, the only Latin-script language here). LibreTranslate
clients expect ``[{"language": code, "confidence": 0-100}]``, best first.
"""

from __future__ import annotations

from translate.normalize import arabic_letters


def detect_languages(text: str, html: bool = False) -> list[dict]:
    """``[{"language": "ar" | "en", "confidence": percent}]``, the likelier first (Arabic on a tie).
    With ``html`` only the text of the markup counts, not its tags and URLs."""
    if html and text.strip():
        from lxml import html as lxml_html

        text = lxml_html.fragment_fromstring(text, create_parent="div").text_content()
    arabic = arabic_letters(text)
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    total = arabic + latin
    shares = {"ar": 100.0 * arabic / total if total else 0.0, "en": 100.0 * latin / total if total else 0.0}
    ranked = sorted(shares.items(), key=lambda item: -item[1])
    return [{"language": code, "confidence": round(share, 1)} for code, share in ranked]
