"""The word table learned from a document pair (translate.lexicon) on a real TICO-19 document."""

from __future__ import annotations

from conftest import shared_file
from translate.lexicon import glosses, words


def test_words_drop_arabic_clitics_and_marks_only():
    assert words("والكتاب بالمدرسةِ Bergsteiger Ä") == ["كتاب", "مدرسة", "bergsteiger", "ä"]
    assert words("في من") == ["في", "من"]  # short words keep their first letter


def test_glosses_learn_the_documents_own_words():
    ar = shared_file("tico19-test", "src.ar").read_text(encoding="utf-8").split("\n")[:104]
    en = shared_file("tico19-test", "ref.en").read_text(encoding="utf-8").split("\n")[:104]
    gloss = glosses(ar, en, [((i,), (i,)) for i in range(104)])  # the doctor-patient conversation CMU_1
    assert len(gloss) == 104
    assert "chest" in gloss[1].split() and "fever" in gloss[2].split()
    assert {"blood", "pressure"} <= set(gloss[3].split())
    with_chest = [k for k, a in enumerate(ar) if "الصدر" in a]
    assert sum("chest" in gloss[k].split() for k in with_chest) >= 0.8 * len(with_chest)


def test_glosses_without_links_or_words():
    assert glosses(["أ", "ب"], ["a"], []) == ["", ""]
    assert glosses(["", ""], ["", ""], [((0,), (0,)), ((1,), (1,))]) == ["", ""]


def test_a_huge_link_is_left_out_of_training():
    # One link of 60,000 words a side would pair 3.6e9 words: it is skipped, not trained on.
    source, target = " ".join(["كلمة"] * 60_000), " ".join(["word"] * 60_000)
    assert glosses([source, "كتاب كتاب"], [target, "book book"], [((0,), (0,)), ((1,), (1,))]) == ["", "book book"]
