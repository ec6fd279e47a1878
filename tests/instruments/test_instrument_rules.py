"""Instruments whose verdict a table cannot express: ACR 2016 fibromyalgia, STarT Back, ORT (by sex),
LANSS (weighted items). Expected values are the published rules, written out as arithmetic here."""
from __future__ import annotations

import pandas as pd
import pytest

import painkit as pk
from painkit import InstrumentError
from painkit.instruments import _score as instruments

# --------------------------------------------------------------------------------------------------
# STarT Back (Hill 2008): overall = items 1-9; psychosocial = items 5-9;
# overall <= 3 low; psychosocial >= 4 high; otherwise medium.


@pytest.mark.parametrize("answers, overall, psychosocial, risk", [
    ([0] * 9, 0, 0, "low risk"),
    ([1, 1, 1, 0, 0, 0, 0, 0, 0], 3, 0, "low risk"),
    ([0, 0, 0, 0, 1, 1, 1, 0, 0], 3, 3, "low risk"),       # overall 3: low even with psychosocial 3
    ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, 0, "medium risk"),    # overall 4, psychosocial 0
    ([1, 0, 0, 0, 1, 1, 1, 0, 0], 4, 3, "medium risk"),    # psychosocial 3 is still below 4
    ([0, 0, 0, 0, 1, 1, 1, 1, 0], 4, 4, "high risk"),      # psychosocial 4
    ([1] * 9, 9, 5, "high risk"),
])
def test_start_back_risk_groups(answers, overall, psychosocial, risk):
    s = pk.score("start_back", answers)
    assert s.total == overall == sum(answers)
    assert s.subscales["psychosocial"] == psychosocial == sum(answers[4:9])
    assert s.band == risk


@pytest.mark.parametrize("item", range(1, 10))
def test_start_back_psychosocial_items_are_5_to_9(item):
    answers = [0] * 9
    answers[item - 1] = 1
    assert pk.score("start_back", answers).subscales["psychosocial"] == (1 if item >= 5 else 0)


# --------------------------------------------------------------------------------------------------
# ACR 2016 fibromyalgia (Wolfe 2016)

AREAS = ["jaw_left", "shoulder_girdle_left", "upper_arm_left", "lower_arm_left", "jaw_right",
         "shoulder_girdle_right", "upper_arm_right", "lower_arm_right", "hip_left", "upper_leg_left",
         "lower_leg_left", "hip_right", "upper_leg_right", "lower_leg_right", "neck", "upper_back", "lower_back",
         "chest", "abdomen"]
SSS_0_3 = ["fatigue", "waking_unrefreshed", "cognitive_symptoms"]
SSS_0_1 = ["headaches", "lower_abdominal_pain", "depression"]


def fm(areas, sss3=(0, 0, 0), sss1=(0, 0, 0), months3=1) -> dict:
    sheet = {a: int(a in areas) for a in AREAS}
    sheet |= dict(zip(SSS_0_3, sss3)) | dict(zip(SSS_0_1, sss1))
    sheet["symptoms_3_months"] = months3
    return sheet


# one painful area in each of the 5 regions (none of them jaw, chest or abdomen)
FIVE_REGIONS = ["shoulder_girdle_left", "shoulder_girdle_right", "hip_left", "hip_right", "neck"]


def test_fibromyalgia_item_list_is_the_19_areas_then_the_sss_and_duration():
    ids = [it["id"] for it in instruments.info("fibromyalgia_2016")["items"]]
    assert ids == AREAS + SSS_0_3 + SSS_0_1 + ["symptoms_3_months"]


def test_fibromyalgia_wpi_and_sss_are_counts_and_sums():
    s = pk.score("fibromyalgia_2016", fm(FIVE_REGIONS + ["upper_back", "chest"], (3, 2, 1), (1, 0, 1)))
    assert s.subscales["wpi"] == 7
    assert s.subscales["sss"] == 3 + 2 + 1 + 1 + 0 + 1
    assert s.subscales["regions"] == 5
    assert s.total == 7 + 8  # fibromyalgia severity = WPI + SSS (unverified; not used for the verdict)


def test_fibromyalgia_min_and_max():
    low = pk.score("fibromyalgia_2016", fm([], months3=0))
    assert (low.subscales["wpi"], low.subscales["sss"], low.positive) == (0, 0, False)
    high = pk.score("fibromyalgia_2016", fm(AREAS, (3, 3, 3), (1, 1, 1)))
    assert (high.subscales["wpi"], high.subscales["sss"], high.total) == (19, 12, 31)
    assert high.positive is True and high.band == "criteria met"


@pytest.mark.parametrize("areas, sss3, sss1, met", [
    # criterion 1, first arm: WPI >= 7 and SSS >= 5
    (FIVE_REGIONS + ["upper_back", "lower_back"], (2, 2, 1), (0, 0, 0), True),    # WPI 7, SSS 5
    (FIVE_REGIONS + ["upper_back", "lower_back"], (2, 1, 1), (0, 0, 0), False),   # WPI 7, SSS 4
    (FIVE_REGIONS + ["upper_back"], (2, 2, 1), (0, 0, 0), False),                 # WPI 6, SSS 5
    # second arm: WPI 4-6 and SSS >= 9
    (FIVE_REGIONS + ["upper_back"], (3, 3, 2), (1, 0, 0), True),                  # WPI 6, SSS 9
    (FIVE_REGIONS + ["upper_back"], (3, 3, 2), (0, 0, 0), False),                 # WPI 6, SSS 8
    (FIVE_REGIONS[:4], (3, 3, 3), (0, 0, 0), True),                               # WPI 4, SSS 9
    # WPI 3 with SSS 12 met the 2010/2011 criteria (3-6), not 2016 (4-6)
    (FIVE_REGIONS[:3], (3, 3, 3), (1, 1, 1), False),
])
def test_fibromyalgia_criterion_1_boundaries(areas, sss3, sss1, met):
    s = pk.score("fibromyalgia_2016", fm(areas, sss3, sss1))
    assert s.positive is met and s.band == ("criteria met" if met else "criteria not met")


def test_fibromyalgia_generalized_pain_needs_4_of_5_regions():
    three_regions = ["shoulder_girdle_left", "upper_arm_left", "lower_arm_left", "hip_left", "upper_leg_left",
                     "lower_leg_left", "neck"]   # WPI 7 but only left upper, left lower and axial
    s = pk.score("fibromyalgia_2016", fm(three_regions, (3, 3, 3)))
    assert s.subscales["wpi"] == 7 and s.subscales["regions"] == 3 and s.positive is False
    s = pk.score("fibromyalgia_2016", fm(three_regions + ["hip_right"], (3, 3, 3)))
    assert s.subscales["regions"] == 4 and s.positive is True


def test_fibromyalgia_jaw_chest_abdomen_do_not_count_for_regions():
    areas = ["jaw_right", "chest", "abdomen", "jaw_left", "shoulder_girdle_left", "hip_left", "hip_right"]
    s = pk.score("fibromyalgia_2016", fm(areas, (3, 3, 3), (1, 1, 1)))
    # right upper holds only the (excluded) right jaw; axial only chest and abdomen (excluded)
    assert s.subscales["wpi"] == 7 and s.subscales["regions"] == 3 and s.positive is False


def test_fibromyalgia_needs_three_months():
    assert pk.score("fibromyalgia_2016", fm(AREAS, (3, 3, 3), months3=0)).positive is False


def test_fibromyalgia_refuses_an_unanswered_duration():
    sheet = fm(AREAS, (3, 3, 3))
    sheet["symptoms_3_months"] = None
    with pytest.raises(InstrumentError, match="unanswered symptoms_3_months"):
        pk.score("fibromyalgia_2016", sheet)


# --------------------------------------------------------------------------------------------------
# ORT (Webster 2005): weights by sex

ORT_WEIGHTS = {  # item: (female, male), the published table
    "family_alcohol": (1, 3), "family_illegal_drugs": (2, 3), "family_prescription_drugs": (4, 4),
    "personal_alcohol": (3, 3), "personal_illegal_drugs": (4, 4), "personal_prescription_drugs": (5, 5),
    "age_16_45": (1, 1), "preadolescent_sexual_abuse": (3, 0), "psychological_disease": (2, 2),
    "depression": (1, 1),
}


def ort(*yes: str) -> dict:
    return {k: int(k in yes) for k in ORT_WEIGHTS}


@pytest.mark.parametrize("item", sorted(ORT_WEIGHTS))
@pytest.mark.parametrize("sex, col", [("female", 0), ("male", 1)])
def test_ort_item_weight_by_sex(item, sex, col):
    assert pk.score("ort", ort(item), sex=sex).total == ORT_WEIGHTS[item][col]


@pytest.mark.parametrize("sex", ["female", "male"])
def test_ort_maximum_is_26_for_both_sexes(sex):
    s = pk.score("ort", ort(*ORT_WEIGHTS), sex=sex)
    assert s.total == 26 == s.max_total and s.band == "high risk"


@pytest.mark.parametrize("yes, total, band", [
    (["personal_alcohol"], 3, "low risk"),                                   # 0-3 low
    (["personal_illegal_drugs"], 4, "moderate risk"),                        # 4-7 moderate
    (["personal_illegal_drugs", "personal_alcohol"], 4 + 3, "moderate risk"),
    (["personal_prescription_drugs", "personal_alcohol"], 5 + 3, "high risk"),  # >= 8 high
])
def test_ort_band_boundaries_female(yes, total, band):
    s = pk.score("ort", ort(*yes), sex="female")
    assert s.total == total and s.band == band


@pytest.mark.parametrize("sex", [None, "unspecified", "intersex", "F"])
def test_ort_needs_a_published_sex(sex):
    with pytest.raises(InstrumentError, match=r"ort: sex=.*allowed: 'female' or 'male'"):
        pk.score("ort", ort(), **({} if sex is None else {"sex": sex}))


def test_ort_score_many_by_sex_column_and_by_keyword():
    frame = pd.DataFrame([ort("family_alcohol", "preadolescent_sexual_abuse")] * 2)
    frame["sex"] = ["female", "male"]
    out = pk.score_many("ort", frame)
    assert list(out["total"]) == [1 + 3, 3 + 0]
    assert list(pk.score_many("ort", frame.drop(columns="sex"), sex="male")["total"]) == [3, 3]
    frame.loc[1, "sex"] = "unknown"
    with pytest.raises(InstrumentError, match="ort: sex='unknown'"):
        pk.score_many("ort", frame)


# --------------------------------------------------------------------------------------------------
# LANSS (Bennett 2001): weighted yes/no items, >= 12 neuropathic mechanisms likely

LANSS = {"dysaesthesia": 5, "autonomic": 5, "evoked_pain": 3, "paroxysmal": 2, "thermal": 1, "allodynia": 5,
         "altered_pinprick": 3}


def lanss(*yes: str) -> dict:
    return {k: int(k in yes) for k in LANSS}


@pytest.mark.parametrize("item", sorted(LANSS))
def test_lanss_item_weights(item):
    assert pk.score("lanss", lanss(item)).total == LANSS[item]


def test_lanss_cut_off_both_sides_and_maximum():
    below = pk.score("lanss", lanss("dysaesthesia", "autonomic", "thermal"))       # 5 + 5 + 1 = 11
    at = pk.score("lanss", lanss("dysaesthesia", "autonomic", "paroxysmal"))       # 5 + 5 + 2 = 12
    assert (below.total, below.positive, at.total, at.positive) == (11, False, 12, True)
    assert pk.score("lanss", lanss(*LANSS)).total == 5 + 5 + 3 + 2 + 1 + 5 + 3 == 24
