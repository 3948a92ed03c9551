"""Source preparation the way OPUS-MT was trained, and target clean-up of what the models emit."""

from __future__ import annotations

import html
import re
import unicodedata

# Arabic Presentation Forms-A and -B: NFKC maps them to base letters; elsewhere NFKC could
# change meaning (superscripts, compatibility digits), so it is applied to these blocks only.
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]+")
_TATWEEL = "\u0640"
_SPACES = re.compile(r"\s+")


def _drop_format_and_control(text: str) -> str:
    # Cc (controls) and Cf (bidi marks, ZWSP, BOM, soft hyphen) carry no meaning for the model.
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf") or ch in "\t\n")


def prepare_source(text: str) -> str:
    """Normalise one Arabic sentence for the model: NFKC on presentation forms, NFC elsewhere,
    no control/format characters or tatweel, whitespace squeezed."""
    text = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = unicodedata.normalize("NFC", text)
    text = _drop_format_and_control(text).replace(_TATWEEL, "")
    return _SPACES.sub(" ", text).strip()


def clean_target(text: str) -> str:
    """Undo the HTML escaping older OPUS-MT models learned from their data (&apos; &quot; &amp;)."""
    return html.unescape(text) if "&" in text else text


# Arabic-script letters (the blocks of Arabic, its supplements and presentation forms).
_ARABIC_LETTER = re.compile("[\u0620-\u064a\u066e-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"
                            "\u0750-\u077f\u08a0-\u08c9\ufb50-\ufdfb\ufe70-\ufefc]")


def arabic_letters(text: str) -> int:
    """How many Arabic-script letters ``text`` holds."""
    return len(_ARABIC_LETTER.findall(text))


def needs_translation(text: str) -> bool:
    """Whether ``text`` holds Arabic script. Text without any (English, numbers, URLs, code) is
    passed through as it is: an Arabic→English model can only garble it."""
    return _ARABIC_LETTER.search(text) is not None
