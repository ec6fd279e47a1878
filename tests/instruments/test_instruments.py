"""Instrument scoring: ranges, bands, subscales, reverse items, missing-item rules, bad input, score_many.

Expected values come from the published rules (shared/clinical_reference.md), written out here as
arithmetic; they are never read back from painkit's own YAML. Rule-based instruments (fibromyalgia,
STarT Back, ORT, LANSS weights) are in test_instrument_rules.py; change() is in test_instrument_change.py.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painkit._yamlio import STATUSES
import painkit as pk
from painkit import InstrumentError
from painkit.instruments import _registry as instrument_registry
from painkit.instruments import _score as instruments

# Item counts in list order (the contract in the common brief).
ITEM_COUNTS = {"bpi": 11, "peg": 3, "pcs": 13, "dn4": 10, "dn4_interview": 7, "odi": 10, "rmdq": 24,
               "phq9": 9, "phq2": 2, "gad7": 7, "gad2": 2, "start_back": 9, "csi": 25, "tsk11": 11,
               "fibromyalgia_2016": 26, "ort": 10, "tsk17": 17, "lanss": 7}
RANGES = {"bpi": (0, 10), "peg": (0, 10), "pcs": (0, 4), "dn4": (0, 1), "dn4_interview": (0, 1), "odi": (0, 5),
          "rmdq": (0, 1), "phq9": (0, 3), "phq2": (0, 3), "gad7": (0, 3), "gad2": (0, 3), "start_back": (0, 1),
          "csi": (0, 4), "tsk11": (1, 4), "tsk17": (1, 4)}
TSK17_REVERSED = {4, 8, 12, 16}  # Kori 1990: items 4, 8, 12, 16 reversed (5 - answer)


def ctx(inst: str) -> dict:
    return {"sex": "female"} if inst == "ort" else {}


def items(inst: str) -> list[dict]:
    return instruments.info(inst)["items"]


def sheet_for(inst: str, target: int) -> list[int]:
    """Answers (uniform 0..hi or 1..hi items, no weights) whose scored sum is ``target``; TSK-17
    reversed items are answered so that their scored value (5 - answer) carries the sum."""
    lo, hi = RANGES[inst]
    n = ITEM_COUNTS[inst]
    scored, left = [], target - lo * n
    for _ in range(n):
        add = min(hi - lo, left)
        scored.append(lo + add)
        left -= add
    assert left == 0, "target out of range"
    if inst == "tsk17":
        return [(lo + hi - v) if k in TSK17_REVERSED else v for k, v in enumerate(scored, start=1)]
    return scored


# --------------------------------------------------------------------------------------------------
# The registry


def test_every_contract_instrument_has_its_item_count():
    assert set(ITEM_COUNTS) <= set(instruments.list())
    for inst, n in ITEM_COUNTS.items():
        assert len(items(inst)) == n, inst


def test_list_names_every_instrument_in_registry_order():
    ids = pk.instruments.list()
    assert isinstance(ids, list) and ids[:3] == ["bpi", "peg", "pcs"] and len(ids) == len(set(ids)) == 18


def test_every_rule_and_cut_off_names_a_source_and_a_known_status():
    allowed_status = set(STATUSES)
    year = re.compile(r"\b(19|20)\d\d\b")
    for inst in instruments.list():
        info = instruments.info(inst)
        assert year.search(info["source"]), inst
        assert info["licence"] in {"ship-items", "logic-only", "ask"}, inst
        blocks = [info.get("total"), *(info.get("subscales") or {}).values(), info.get("bands"),
                  info.get("positive")]
        for block in filter(None, blocks):
            assert "source" in block, (inst, block)
            assert block["status"] in allowed_status, (inst, block)
            assert year.search(block["source"]), (inst, block["source"])
        assert "source" in info["missing"] and info["missing"]["status"], inst
    for measure, spec in instrument_registry.measure_specs().items():
        for key in ("categories_source", "mcid"):
            if key in spec:
                text = spec[key] if isinstance(spec[key], str) else spec[key]["source"]
                assert year.search(text), (measure, key)


def test_item_wording_ships_only_for_public_domain_instruments():
    shipped = {inst for inst in instruments.list() if any("text" in it for it in items(inst))}
    assert shipped == {"phq9", "phq2", "gad7", "gad2", "peg"}
    for inst in ("phq9", "phq2", "gad7", "gad2"):
        assert "Pfizer" in instruments.info(inst)["attribution"]
    assert items("phq9")[0]["text"] == "Little interest or pleasure in doing things"


def test_unverified_peg_bands_are_kept_out_of_the_verdict():
    s = pk.score("peg", [9, 9, 9])
    assert s.band is None and s.positive is None
    assert instruments.info("peg")["bands"] is None


def test_info_is_a_copy():
    info = instruments.info("pcs")
    info["items"][0]["label"] = "changed"
    assert instruments.info("pcs")["items"][0]["label"] != "changed"


# --------------------------------------------------------------------------------------------------
# Minimum and maximum of every instrument (published ranges)

MIN_MAX = {  # inst: (expected min total, expected max total), from the published item count x range
    "peg": (0, 10),            # mean of three 0-10 items
    "pcs": (0, 13 * 4),        # 52
    "dn4": (0, 10), "dn4_interview": (0, 7),
    "odi": (0, 50 / 50 * 100),  # percent
    "rmdq": (0, 24),
    "phq9": (0, 9 * 3), "phq2": (0, 6), "gad7": (0, 7 * 3), "gad2": (0, 6),
    "start_back": (0, 9),
    "csi": (0, 25 * 4),        # 100
    "tsk11": (11 * 1, 11 * 4),  # 11-44
    "tsk17": (17 * 1, 17 * 4),  # 17-68 after reversing
}


@pytest.mark.parametrize("inst", sorted(MIN_MAX))
def test_min_and_max_totals(inst):
    lo_total, hi_total = MIN_MAX[inst]
    assert pk.score(inst, sheet_for(inst, lo_total) if inst != "odi" else [0] * 10).total == lo_total
    top = sheet_for(inst, hi_total) if inst not in ("odi", "peg") else [RANGES[inst][1]] * ITEM_COUNTS[inst]
    s = pk.score(inst, top)
    assert s.total == hi_total and s.max_total == hi_total


def test_bpi_min_and_max():
    assert pk.score("bpi", [0] * 11).subscales == {"severity": 0, "interference": 0}
    s = pk.score("bpi", [10] * 11)
    assert s.subscales == {"severity": 10, "interference": 10} and s.total is None


# --------------------------------------------------------------------------------------------------
# Band boundaries, both sides (published tables written out here)

BANDS = {
    "pcs": [(0, "below clinical threshold"), (30, "clinically relevant")],          # Sullivan: >= 30
    "phq9": [(0, "minimal"), (5, "mild"), (10, "moderate"), (15, "moderately severe"), (20, "severe")],
    "gad7": [(0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")],
    "phq2": [(0, "negative screen"), (3, "positive screen")],
    "gad2": [(0, "negative screen"), (3, "positive screen")],
    "dn4": [(0, "below cut-off"), (4, "neuropathic pain likely")],
    "dn4_interview": [(0, "below cut-off"), (3, "neuropathic pain likely")],
    "csi": [(0, "subclinical"), (30, "mild"), (40, "moderate"), (50, "severe"), (60, "extreme")],
    "tsk17": [(17, "below cut-off"), (38, "high kinesiophobia")],                  # Vlaeyen: > 37
}
BOUNDARIES = [(inst, lower, upper) for inst, bands in BANDS.items() for lower, upper in zip(bands, bands[1:])]


@pytest.mark.parametrize("inst, below, at", BOUNDARIES, ids=[f"{b[0]}-{b[2][0]}" for b in BOUNDARIES])
def test_band_boundary_both_sides(inst, below, at):
    cut = at[0]
    assert pk.score(inst, sheet_for(inst, cut - 1)).band == below[1]
    assert pk.score(inst, sheet_for(inst, cut)).band == at[1]


POSITIVE = {"pcs": 30, "dn4": 4, "dn4_interview": 3, "phq2": 3, "gad2": 3, "gad7": 10, "csi": 40, "tsk17": 38}


@pytest.mark.parametrize("inst", sorted(POSITIVE))
def test_screening_cut_off_both_sides(inst):
    cut = POSITIVE[inst]  # first positive total (TSK-17 > 37 means 38)
    assert pk.score(inst, sheet_for(inst, cut - 1)).positive is False
    assert pk.score(inst, sheet_for(inst, cut)).positive is True


@pytest.mark.parametrize("inst", ["phq9", "odi", "rmdq", "tsk11", "bpi", "peg", "start_back"])
def test_instruments_without_a_screening_cut_off_say_none(inst):
    answers = [RANGES.get(inst, (0, 1))[0]] * ITEM_COUNTS[inst]
    assert pk.score(inst, answers).positive is None


@pytest.mark.parametrize("sections_sum, band", [(10, "minimal disability"), (11, "moderate disability"),
                                                (20, "moderate disability"), (21, "severe disability"),
                                                (30, "severe disability"), (31, "crippled"),
                                                (40, "crippled"), (41, "bed-bound or exaggerating symptoms")])
def test_odi_band_boundaries(sections_sum, band):
    # Fairbank 2000: 0-20 minimal, 21-40 moderate, 41-60 severe, 61-80 crippled, 81-100 bed-bound.
    # All sections answered: percent = sum / 50 x 100 = 2 x sum, so 10 -> 20%, 11 -> 22%, ...
    answers = sheet_for("odi", sections_sum)
    s = pk.score("odi", answers)
    assert s.total == sections_sum * 2 and s.band == band


@pytest.mark.parametrize("severity_items, mean, band", [
    ([4, 4, 4, 4], 4, "mild"), ([5, 5, 5, 5], 5, "moderate"), ([6, 6, 6, 6], 6, "moderate"),
    ([7, 7, 7, 7], 7, "severe"),
    ([4, 4, 4, 5], 4.25, "mild"), ([4, 4, 5, 5], 4.5, "moderate"),   # mean rounded half up before banding
    ([6, 6, 6, 7], 6.25, "moderate"), ([6, 6, 7, 7], 6.5, "severe"),
])
def test_bpi_severity_bands_serlin_with_rounding(severity_items, mean, band):
    # Serlin 1995: 1-4 mild, 5-6 moderate, 7-10 severe; painkit rounds a mean half up first.
    s = pk.score("bpi", severity_items + [0] * 7)
    assert s.subscales["severity"] == mean and s.band == band


# --------------------------------------------------------------------------------------------------
# Subscales and reverse items

PCS_SUBSCALE_OF_ITEM = {1: "helplessness", 2: "helplessness", 3: "helplessness", 4: "helplessness",
                        5: "helplessness", 12: "helplessness", 6: "magnification", 7: "magnification",
                        13: "magnification", 8: "rumination", 9: "rumination", 10: "rumination", 11: "rumination"}


@pytest.mark.parametrize("item", range(1, 14))
def test_pcs_each_item_counts_in_its_published_subscale(item):
    answers = [0] * 13
    answers[item - 1] = 4
    s = pk.score("pcs", answers)
    expected = {"rumination": 0, "magnification": 0, "helplessness": 0}
    expected[PCS_SUBSCALE_OF_ITEM[item]] = 4
    assert s.subscales == expected and s.total == 4


def test_pcs_worked_sheet():
    answers = [1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3]
    s = pk.score("pcs", answers)
    assert s.subscales == {"rumination": 3 + 4 + 0 + 1,                 # items 8-11
                           "magnification": 1 + 2 + 3,                   # items 6, 7, 13
                           "helplessness": 1 + 2 + 3 + 4 + 0 + 2}         # items 1-5, 12
    assert s.total == 26


def test_bpi_severity_and_interference_are_means():
    s = pk.score("bpi", [8, 5, 7, 7, 7, 6, 6, 8, 5, 6, 7])
    assert s.subscales["severity"] == (8 + 5 + 7 + 7) / 4
    assert s.subscales["interference"] == pytest.approx((7 + 6 + 6 + 8 + 5 + 6 + 7) / 7)


@pytest.mark.parametrize("item", range(1, 18))
def test_tsk17_reverse_items(item):
    # Kori 1990: items 4, 8, 12, 16 are scored 5 - answer. From all-1 answers (13 x 1 + 4 x 4 = 29),
    # answering 4 on a reversed item lowers the total by 3; on any other item it raises it by 3.
    answers = [1] * 17
    assert pk.score("tsk17", answers).total == 13 * 1 + 4 * 4
    answers[item - 1] = 4
    assert pk.score("tsk17", answers).total == 29 + (-3 if item in TSK17_REVERSED else 3)


def test_tsk11_has_no_reversed_items():
    assert pk.score("tsk11", [1] * 11).total == 11  # Woby 2005 dropped every reversed item


def test_phq9_item_9_flags_risk_whatever_the_total():
    assert pk.score("phq9", [0] * 8 + [1]).flags == ("self_harm_risk",)
    assert pk.score("phq9", [3] * 8 + [0]).flags == ()


def test_mapping_input_equals_list_input():
    ids = [it["id"] for it in items("pcs")]
    answers = [1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3]
    assert pk.score("pcs", dict(zip(ids, answers))) == pk.score("pcs", answers)


# --------------------------------------------------------------------------------------------------
# Missing-item rules


def test_bpi_interference_with_four_of_seven_answered_is_the_mean_of_those():
    s = pk.score("bpi", [5, 3, 4, 4, 6, 2, None, None, 8, None, 4])
    assert s.subscales["interference"] == (6 + 2 + 8 + 4) / 4
    assert s.answered == 8 and s.missing == ("walking", "work", "sleep")


def test_bpi_interference_with_three_answered_is_not_scored_but_severity_is():
    s = pk.score("bpi", [5, 3, 4, 4, 6, 2, None, None, 8, None, None])
    assert s.subscales["interference"] is None
    assert s.subscales["severity"] == (5 + 3 + 4 + 4) / 4


def test_bpi_severity_needs_all_four_items():
    s = pk.score("bpi", [5, None, 4, 4, 1, 1, 1, 1, 1, 1, 1])
    assert s.subscales["severity"] is None and s.band is None
    assert s.subscales["interference"] == 1


def test_bpi_with_nothing_scorable_is_refused():
    with pytest.raises(InstrumentError, match="bpi: cannot be scored"):
        pk.score("bpi", [5, None, 4, 4, 1, 1, 1, None, None, None, None])


def test_odi_official_examples():
    # Fairbank 2000 form: 16 points with all 10 sections = 16/50 x 100 = 32%.
    full = [3, 3, 2, 2, 2, 1, 1, 1, 1, 0]
    assert pk.score("odi", full).total == 16 / 50 * 100 == 32
    # One section unanswered: 16/45 x 100 = 35.55...% (the form prints 35.5).
    one_missing = [3, 3, 2, 2, 2, 1, 1, 1, 1, None]
    s = pk.score("odi", one_missing)
    assert s.total == pytest.approx(16 / 45 * 100) and s.answered == 9 and s.band == "moderate disability"


def test_odi_refuses_two_missing_sections():
    with pytest.raises(InstrumentError, match="odi: cannot be scored: unanswered sex_life, travelling"):
        pk.score("odi", [3, 3, 2, 2, 2, 1, 1, None, 1, None])


def test_odi_band_of_a_non_whole_percent_rounds_half_up():
    # One section missing: 9/45 x 100 = 20.0% (minimal); 10/45 x 100 = 22.2% (moderate).
    assert pk.score("odi", sheet_for("odi", 9)[:9] + [None]).band == "minimal disability"
    assert pk.score("odi", sheet_for("odi", 10)[:9] + [None]).band == "moderate disability"


ALL_REQUIRED = ["peg", "pcs", "dn4", "dn4_interview", "rmdq", "phq9", "phq2", "gad7", "gad2", "start_back",
                "csi", "tsk11", "tsk17", "lanss"]


@pytest.mark.parametrize("inst", ALL_REQUIRED)
def test_one_missing_item_refuses_instruments_without_a_published_missing_rule(inst):
    answers = [1] * ITEM_COUNTS[inst]
    answers[-1] = None
    with pytest.raises(InstrumentError, match=rf"{inst}: cannot be scored: unanswered {items(inst)[-1]['id']}"):
        pk.score(inst, answers)


def test_a_key_left_out_of_a_mapping_counts_as_unanswered():
    with pytest.raises(InstrumentError, match="unanswered q13"):
        pk.score("pcs", {f"q{k}": 1 for k in range(1, 13)})


# --------------------------------------------------------------------------------------------------
# Bad input: each names the instrument, the item and what is allowed


@pytest.mark.parametrize("value, found", [(5, "out-of-range"), (-1, "out-of-range"), ("3", "non-numeric"),
                                          (float("nan"), "NaN"), (True, "bool"), (np.bool_(False), "bool"),
                                          (2.5, "non-whole"), ([1], "non-numeric")])
def test_bad_answer_names_instrument_item_and_range(value, found):
    answers = [1] * 13
    answers[6] = value
    with pytest.raises(InstrumentError) as exc:
        pk.score("pcs", answers)
    msg = str(exc.value)
    assert msg.startswith("pcs: item 7 'q7'") and found in msg and "from 0 to 4" in msg


def test_numpy_numbers_and_whole_floats_are_accepted():
    answers = [np.int64(1)] * 6 + [np.float64(2.0)] * 6 + [3.0]
    assert pk.score("pcs", answers).total == 6 * 1 + 6 * 2 + 3


@pytest.mark.parametrize("answers", [[1] * 12, [1] * 14, []])
def test_wrong_item_count(answers):
    with pytest.raises(InstrumentError, match=rf"pcs: found {len(answers)} answers; allowed: exactly 13"):
        pk.score("pcs", answers)


def test_unknown_item_id_suggests_the_closest():
    with pytest.raises(InstrumentError, match=r"bpi: unknown item id 'worts' \(did you mean 'worst'"):
        pk.score("bpi", {"worts": 3})


def test_unknown_instrument_suggests_the_closest():
    with pytest.raises(InstrumentError, match=r"'pcss' is not a painkit instrument \(did you mean 'pcs'"):
        pk.score("pcss", [0] * 13)


@pytest.mark.parametrize("responses", ["1234567890123", 42, None])
def test_responses_must_be_a_list_or_mapping(responses):
    with pytest.raises(InstrumentError, match="pcs: found .*allowed: a list of 13 answers"):
        pk.score("pcs", responses)


def test_unused_context_is_accepted_and_ignored():
    assert pk.score("pcs", [1] * 13, sex="male", age=70, visit="x").total == 13


# --------------------------------------------------------------------------------------------------
# Property tests


@st.composite
def valid_sheet(draw):
    inst = draw(st.sampled_from(instruments.list()))
    info = instruments.info(inst)
    answers = [draw(st.integers(*it["range"])) for it in info["items"]]
    return inst, answers, draw(st.sampled_from(["female", "male"]))


@settings(max_examples=300, deadline=None)
@given(valid_sheet())
def test_any_valid_sheet_scores_within_its_range(case):
    inst, answers, sex = case
    s = pk.score(inst, answers, sex=sex, age=40)
    info = instruments.info(inst)
    if s.total is not None:
        assert 0 <= s.total <= s.max_total
    for value in s.subscales.values():
        assert value is None or value >= 0
    assert s.band is None or s.band in _band_labels(info)
    assert s.answered == len(answers) and s.missing == ()


def _band_labels(info: dict) -> list[str]:
    bands = info.get("bands") or {}
    return bands.get("labels") or [b["label"] for b in bands.get("list", [])]


@settings(max_examples=300, deadline=None)
@given(valid_sheet(), st.data())
def test_any_out_of_range_value_raises(case, data):
    inst, answers, sex = case
    info = instruments.info(inst)
    k = data.draw(st.integers(0, len(answers) - 1))
    lo, hi = info["items"][k]["range"]
    answers[k] = data.draw(st.one_of(st.integers(max_value=lo - 1), st.integers(min_value=hi + 1)))
    with pytest.raises(InstrumentError, match=rf"item {k + 1} '{info['items'][k]['id']}'"):
        pk.score(inst, answers, sex=sex)


# --------------------------------------------------------------------------------------------------
# score_many


def _random_frame(inst: str, n: int, rng: np.random.Generator, missing: float) -> pd.DataFrame:
    frame = pd.DataFrame({it["id"]: rng.integers(it["range"][0], it["range"][1] + 1, n) for it in items(inst)})
    if missing:
        frame = frame.astype(float).mask(rng.random(frame.shape) < missing)
    if inst == "ort":
        frame["sex"] = rng.choice(["female", "male"], n)
    return frame


@pytest.mark.parametrize("missing", [0.0, 0.04])
@pytest.mark.parametrize("inst", instruments.list())
def test_score_many_agrees_with_score_row_by_row(inst, missing):
    rng = np.random.default_rng(7)
    frame = _random_frame(inst, 300, rng, missing)
    out = pk.score_many(inst, frame)
    ids = [it["id"] for it in items(inst)]
    assert list(out.index) == list(frame.index)
    for r in range(len(frame)):
        row = frame.iloc[r]
        answers = [None if pd.isna(v) else int(v) for v in row[ids]]
        got = out.iloc[r]
        try:
            s = pk.score(inst, answers, sex=row.get("sex"))
        except InstrumentError:  # refused sheet: every scale is NaN in the frame
            assert math.isnan(got["total"]) and all(math.isnan(got[k]) for k in out.columns
                                                    if k not in ("band", "positive", "answered")
                                                    and not k.startswith("flag_")), (inst, answers)
            continue
        assert _same(s.total, got["total"]), (inst, answers)
        for k, v in s.subscales.items():
            assert _same(v, got[k]), (inst, k, answers)
        assert s.band == (None if pd.isna(got["band"]) else got["band"]), (inst, answers)
        assert s.positive == (None if pd.isna(got["positive"]) else bool(got["positive"])), (inst, answers)
        assert s.answered == got["answered"]
        for flag in s.flags:
            assert bool(got[f"flag_{flag}"])


def _same(a, b) -> bool:
    return (a is None and math.isnan(b)) or (a is not None and abs(a - b) < 1e-9)


def test_score_many_columns_and_example_values():
    frame = pd.DataFrame([[3, 3, 2, 3, 2, 3, 2, 3, 3, 2, 3, 3, 2], [0] * 13],
                         columns=[f"q{k}" for k in range(1, 14)], index=["ms_r", "zero"])
    out = pk.score_many("pcs", frame)
    assert list(out.columns) == ["total", "rumination", "magnification", "helplessness", "band", "positive",
                                 "answered"]
    assert out.loc["ms_r", "total"] == 3 + 3 + 2 + 3 + 2 + 3 + 2 + 3 + 3 + 2 + 3 + 3 + 2  # 34
    assert out.loc["ms_r", "band"] == "clinically relevant" and bool(out.loc["ms_r", "positive"])
    assert out.loc["zero", "band"] == "below clinical threshold"


def test_score_many_bad_value_names_row_and_item():
    frame = pd.DataFrame({f"q{k}": [1, 1] for k in range(1, 14)}, index=["a", "b"])
    frame.loc["b", "q4"] = 7
    with pytest.raises(InstrumentError, match=r"pcs: row 'b', item 4 'q4' .* 7; allowed: a whole number from 0 to 4"):
        pk.score_many("pcs", frame)


@pytest.mark.parametrize("column, found", [([True, False], "bool"), (["x", 1], "non-numeric"),
                                           ([1.5, 1.0], "non-whole")])
def test_score_many_rejects_bool_text_and_fractions(column, found):
    frame = pd.DataFrame({f"q{k}": [1, 1] for k in range(1, 14)})
    frame["q2"] = column
    with pytest.raises(InstrumentError, match=rf"pcs: row 0, item 2 'q2'.*{found}"):
        pk.score_many("pcs", frame)


def test_score_many_needs_every_item_column():
    with pytest.raises(InstrumentError, match="no column for items q13"):
        pk.score_many("pcs", pd.DataFrame({f"q{k}": [1] for k in range(1, 13)}))


def test_score_many_nullable_integers_mean_unanswered():
    frame = pd.DataFrame({f"q{k}": pd.array([1, None], dtype="Int64") for k in range(1, 14)})
    out = pk.score_many("pcs", frame)
    assert out["total"].iloc[0] == 13 and math.isnan(out["total"].iloc[1])


# --------------------------------------------------------------------------------------------------
# Case scores


def test_case_scores_for_the_example_case():
    df = pk.load_case("lbp-chronic").scores()
    assert list(df.columns) == ["visit", "week", "instrument", "scale", "value", "band"]

    def row(week, inst, scale):
        hit = df[(df.week == week) & (df.instrument == inst) & (df.scale == scale)]
        assert len(hit) == 1
        return hit.iloc[0]

    sev = row(0, "bpi", "severity")
    assert sev.value == (8 + 5 + 7 + 7) / 4 and sev.band == "severe"   # 6.75 rounds to 7
    assert row(0, "pcs", "total").value == 34 and row(0, "pcs", "total").band == "clinically relevant"
    odi0 = row(0, "odi", "total")  # (3+1+3+2+3+2+2+1+2+2) = 21 of 50 -> 42%
    assert odi0.value == 21 / 50 * 100 and odi0.band == "severe disability"
    odi12 = row(12, "odi", "total")  # 11 of 50 -> 22%
    assert odi12.value == 11 / 50 * 100 and odi12.band == "moderate disability"
    assert row(0, "start_back", "total").band == "high risk"  # psychosocial 5 >= 4


def test_a_case_with_an_out_of_range_answer_is_a_case_error(cases_dir):
    bad = cases_dir.parent / "tests" / "fixtures" / "bad_cases" / "bad-answer.yaml"
    with pytest.raises(pk.CaseError, match=r"responses\.phq9: phq9: item 5 'q5'.*from 0 to 3"):
        pk.load_case(bad)
