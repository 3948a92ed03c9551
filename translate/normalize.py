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


# The character mapping of the OPUS-MT releases' preprocess.sh (scripts/preprocess-spm.sh in
# OPUS-MT-train), applied to every training sentence before SentencePiece. Kept exactly as the
# models saw it, including its one oddity: the full-width digit one becomes a double quote.
OPUS_MT_MAP = {
    "，": ",", "、": ",", "”": '"', "“": '"', "∶": ":", "：": ":", "？": "?", "《": '"', "》": '"',
    "）": ")", "！": "!", "（": "(", "；": ";", "１": '"', "」": '"', "「": '"', "０": "0", "３": "3",
    "２": "2", "５": "5", "６": "6", "９": "9", "７": "7", "８": "8", "４": "4", "～": "~", "’": "'",
    "…": "...", "━": "-", "〈": "<", "〉": ">", "【": "[", "】": "]", "％": "%",
}
_OPUS_MT_TABLE = str.maketrans(OPUS_MT_MAP)
_SPACED_STOPS = re.compile("[。．] *")  # "。 *" and "． *" become ". "


def _other_to_space(text: str) -> str:
    # As the release's perl step: every "other" character (controls, format characters such as bidi
    # marks and zero-width spaces, unassigned) becomes a space.
    return "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)


def prepare_source(text: str) -> str:
    """Normalise one Arabic sentence for the model as OPUS-MT's preprocess.sh did in training
    (punctuation mapping, "other" characters to spaces, spaces squeezed), plus NFKC on presentation
    forms, NFC elsewhere and no tatweel."""
    text = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = unicodedata.normalize("NFC", text)
    text = _SPACED_STOPS.sub(". ", text).translate(_OPUS_MT_TABLE)
    text = _other_to_space(text).replace(_TATWEEL, "")
    return _SPACES.sub(" ", text).strip()


def clean_target(text: str) -> str:
    """Undo the HTML escaping older OPUS-MT models learned from their data (&apos; &quot; &amp;)."""
    return html.unescape(text) if "&" in text else text


# The Arabic script's blocks (Arabic, its supplements and extended blocks, presentation forms), as a
# regular-expression character range.
ARABIC_SCRIPT = "\u0600-\u06ff\u0750-\u077f\u0870-\u08ff\ufb50-\ufdff\ufe70-\ufefc"
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
