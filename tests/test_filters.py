"""The corpus filters: each rule on its own, first failing rule wins, each one can be switched off."""

from __future__ import annotations

import pytest

from translate.errors import TranslateError, flag_style
from translate.filters import FILTERS, FilterConfig, PairFilter, arabic_share, has_runaway_repetition, length_ratio
from translate.records import Pair

GOOD = Pair("تضم منظمة التعاون الإسلامي 57 دولة عضوا.", "The OIC has 57 member states.", score=-0.4)
CASES = {
    "failed": Pair("قال إن الوضع خطير.", "", error="No position encodings are defined for positions >= 512"),
    "empty": Pair(" \u200f\u0640 ", "", score=0.0),
    "arabic": Pair("The meeting was held in Geneva.", "The meeting was held in Geneva .", score=-0.2),
    "ratio": Pair("السلام عليكم ورحمة الله وبركاته", "Peace be upon you, and the mercy of God and His blessings, "
                  "said the speaker before he opened the session of the general assembly.", score=-0.5),
    "identical": Pair("كوفيد-19", "كوفيد-19", score=-0.3),
    "repetition": Pair("قال إن الوضع خطير.", "He said the the the the situation is serious.", score=-0.9),
    "score": Pair("قال إن الوضع خطير.", "He said the situation is serious.", score=-4.2),
}


def test_each_rule_rejects_its_case_and_keeps_a_good_pair():
    pair_filter = PairFilter()
    assert pair_filter.reason(GOOD) is None
    for reason, pair in CASES.items():
        assert pair_filter.reason(pair) == reason
    assert pair_filter.reason(GOOD) == "duplicate"
    assert dict(pair_filter.rejected) == {name: 1 for name in FILTERS}


def test_switched_off_rules_let_pairs_through():
    for reason, pair in CASES.items():
        if reason == "failed":
            continue
        # An empty source has no Arabic either: the next rule catches it.
        assert PairFilter(FilterConfig.without({reason})).reason(pair) == ("arabic" if reason == "empty" else None)
    keep_all = PairFilter(FilterConfig.without({"duplicate"}))
    assert [keep_all.reason(GOOD) for _ in range(3)] == [None, None, None]
    with pytest.raises(TranslateError, match="skip_filter='spelling': unknown filter") as error:
        FilterConfig.without({"spelling"})
    assert error.value.render(flag_style).startswith("--skip-filter spelling: unknown filter")
    # A pair the model could not translate has nothing to keep: that rule cannot be switched off.
    with pytest.raises(TranslateError, match="unknown filter"):
        FilterConfig.without({"failed"})


def test_thresholds():
    assert arabic_share("abc دولة") == pytest.approx(4 / 7)
    assert arabic_share("2020 !") == 0.0
    assert PairFilter(FilterConfig(min_arabic=0.5)).reason(Pair("WHO منظمة الصحة", "WHO health org", -1)) is None
    assert length_ratio("قصير", "a much longer English sentence") > 3
    assert length_ratio("نعم", "Yes, indeed") == 1.0  # too short to judge
    assert PairFilter(FilterConfig(min_score=-5.0)).reason(CASES["score"]) is None


@pytest.mark.parametrize("text, runaway", [
    ("the the the the", True), ("we will, we will, we will, we will rock", True), ("rororororo", True),
    ("He said no, no, no.", False), ("1000000 people", False), ("Mississippi banana", False),
])
def test_runaway_repetition(text, runaway):
    assert has_runaway_repetition(text) is runaway
