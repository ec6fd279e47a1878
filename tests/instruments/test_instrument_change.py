"""pk.change: IMMPACT categories, published MCIDs and direction. Thresholds written out from the sources:
IMMPACT (Dworkin 2008) pain: 10% minimally, 30% moderately, 50% substantially important; BPI interference
1 point. Ostelo 2008: NRS 2 points, ODI 10 points, RMDQ 5 points, or 30%. Woby 2005: TSK 4 points."""
from __future__ import annotations

import pytest

import painkit as pk
from painkit import InstrumentError
from painkit.instruments import _registry as instrument_registry
from painkit.instruments import _score as instruments


@pytest.mark.parametrize("before, after, percent, category", [
    (10, 5, -50, "substantially important"),
    (10, 6, -40, "moderately important"),
    (10, 7, -30, "moderately important"),    # exactly 30% (float 29.999...) counts
    (10, 8, -20, "minimally important"),
    (10, 9, -10, "minimally important"),
    (10, 9.5, -5, "no important change"),
    (4, 3, -25, "minimally important"),      # 20-30%: painkit counts it as minimally important
])
def test_pain_categories_immpact(before, after, percent, category):
    c = pk.change(before, after, measure="pain")
    assert c.absolute == after - before and c.percent == pytest.approx(percent)
    assert c.category == category and c.improved is True


@pytest.mark.parametrize("before, after, met", [
    (10, 8, True),    # 2 points (Ostelo NRS)
    (4, 3, False),    # 1 point and 25%
    (3, 2, True),     # 1 point but 33% >= 30%
    (7, 5.5, False),  # 1.5 points, 21%
])
def test_pain_mcid_two_points_or_30_percent(before, after, met):
    assert pk.change(before, after, measure="pain").mcid_met is met


def test_worsening_is_not_an_improvement_and_never_meets_an_mcid():
    c = pk.change(4, 7, measure="pain")
    assert c.absolute == 3 and c.percent == pytest.approx(75)
    assert c.improved is False and c.mcid_met is False
    assert c.category == "substantially important"  # the size of the change, in either direction


def test_no_change():
    c = pk.change(6, 6, measure="pain")
    assert (c.absolute, c.percent, c.improved, c.category, c.mcid_met) == (0, 0, False, "no important change",
                                                                            False)


def test_percent_is_undefined_from_a_zero_baseline():
    c = pk.change(0, 3, measure="pain")
    assert c.percent is None and c.category is None and c.improved is False
    c = pk.change(0, 2, measure="bpi_interference")   # points-based: still categorised
    assert c.percent is None and c.category == "minimally important" and c.mcid_met is False


@pytest.mark.parametrize("measure, before, after, met", [
    ("bpi_interference", 5, 4, True), ("bpi_interference", 5, 4.5, False),
    ("odi", 40, 30, True),     # 10 points
    ("odi", 20, 15, False),    # 5 points, 25%
    ("odi", 12, 8, True),      # 4 points but 33%
    ("rmdq", 10, 5, True),     # 5 points
    ("rmdq", 6, 4, True),      # 2 points but 33%
    ("rmdq", 20, 16, False),   # 4 points, 20%
    ("tsk11", 30, 26, True), ("tsk11", 30, 27, False),
    ("tsk17", 40, 36, True), ("tsk17", 40, 37, False),
    ("peg", 7, 4.9, True), ("peg", 7, 5, False),   # 30%: CDC 2022 (partial)
])
def test_instrument_mcids(measure, before, after, met):
    c = pk.change(before, after, measure=measure)
    assert c.mcid_met is met
    assert c.category == ("no important change" if not met else
                          "moderately important" if measure == "peg" else "minimally important")


@pytest.mark.parametrize("measure", ["pcs", "phq9", "gad7", "csi", "bpi_severity"])
def test_measures_without_a_published_threshold_give_direction_only(measure):
    c = pk.change(20 if measure != "bpi_severity" else 8, 5, measure=measure)
    assert c.improved is True and c.category is None and c.mcid_met is None and c.basis


def test_every_measure_says_which_way_is_better():
    for measure, spec in instrument_registry.measure_specs().items():
        assert spec["better"] in ("lower", "higher"), measure
    assert set(instruments.change_measures()) >= {"pain", "bpi_interference", "odi", "rmdq", "tsk11", "peg"}


def test_higher_is_better_measures_improve_upwards(monkeypatch):
    # No shipped measure is higher-is-better yet; the direction rule must still hold when one is added.
    measures = dict(instrument_registry.measure_specs())
    measures["function"] = {"label": "test function scale", "better": "higher", "range": [0, 10],
                            "categories": [{"category": "minimally important", "points": 1}],
                            "categories_source": "test", "mcid": {"points": 1, "source": "test"}}
    monkeypatch.setattr(instrument_registry, "measure_specs", lambda: measures)
    up, down = pk.change(4, 6, measure="function"), pk.change(6, 4, measure="function")
    assert up.improved is True and up.mcid_met is True
    assert down.improved is False and down.mcid_met is False and down.category == "minimally important"


def test_scores_can_be_compared_directly():
    odi0 = pk.score("odi", [3, 1, 3, 2, 3, 2, 2, 1, 2, 2])   # 21/50 = 42%
    odi12 = pk.score("odi", [2, 0, 2, 1, 2, 1, 1, 0, 1, 1])  # 11/50 = 22%
    c = pk.change(odi0, odi12)
    assert c.measure == "odi" and c.absolute == 22 - 42 and c.mcid_met is True
    bpi0 = pk.score("bpi", [8, 5, 7, 7, 7, 6, 6, 8, 5, 6, 7])
    bpi12 = pk.score("bpi", [6, 3, 4, 4, 4, 3, 3, 4, 2, 3, 4])
    c = pk.change(bpi0, bpi12, measure="bpi_interference")
    assert c.absolute == pytest.approx(23 / 7 - 45 / 7) and c.category == "minimally important"


def test_a_score_of_another_instrument_is_refused():
    with pytest.raises(InstrumentError, match="measure 'odi' cannot be read from a pcs Score"):
        pk.change(pk.score("pcs", [1] * 13), pk.score("pcs", [0] * 13), measure="odi")


@pytest.mark.parametrize("before, match", [(11, "from 0 to 10"), (-1, "from 0 to 10"), (True, "before=True"),
                                           (float("nan"), "before=nan"), ("7", "before='7'")])
def test_bad_values(before, match):
    with pytest.raises(InstrumentError, match=match):
        pk.change(before, 4, measure="pain")


def test_unknown_measure_suggests_the_closest():
    with pytest.raises(InstrumentError, match=r"measure 'pian' is not known \(did you mean 'pain'"):
        pk.change(7, 4, measure="pian")
    with pytest.raises(InstrumentError, match="measure None is not known"):
        pk.change(7, 4)
