"""HandScore and CaseChoice: exercises usable without editing code (Voila)."""
from __future__ import annotations

import pytest

import painkit as pk
from painkit.widgets import CaseChoice, HandScore, PlanBuilder

# lbp-chronic, first visit: BPI items 3-6 are 8, 5, 7, 7 (worked in notebook 02: severity = 27/4 = 6.75)
SCALES = {"bpi severity": "bpi severity", "pcs total": "pcs total"}


def test_right_wrong_and_empty_boxes_get_ticks_and_hints_never_the_value():
    seen = []
    hs = HandScore("lbp-chronic", SCALES, hints={"pcs total": "add all thirteen answers"}, on_attempt=seen.append)
    assert hs.check() == {"bpi severity": "empty", "pcs total": "empty"} and seen == []  # nothing typed: no attempt
    hs.enter({"bpi severity": "27/4", "pcs total": "1"})
    marks = hs.check()
    assert marks == {"bpi severity": "right", "pcs total": "wrong"}
    assert "add all thirteen answers" in hs.result.value
    truth = pk.score("pcs", pk.load_case("lbp-chronic").instruments[0].responses["pcs"]).total
    assert f"{truth:g}" not in hs.result.value.replace("1 is not right", "")
    assert (seen[0].step, seen[0].score) == ("assessment", 50.0) and "Submitted" in hs.saved.value
    hs.enter({"pcs total": "abc"})
    assert hs.check()["pcs total"] == "not a number"


def test_an_unknown_scale_is_a_clear_error():
    with pytest.raises(pk.PainkitError, match="allowed: total"):
        HandScore("lbp-chronic", {"x": "bpi rumination"})


def test_case_choice_rebuilds_the_widget_for_the_picked_case():
    choice = CaseChoice(lambda cid: PlanBuilder(cid, on_attempt=lambda a: None), "lbp-chronic")
    assert choice.current.case.id == "lbp-chronic" and choice.picker.description == "Case"
    choice.choose("pdn-neuropathy")
    assert choice.current.case.id == "pdn-neuropathy" and choice.area.children == (choice.current.widget,)


def test_radio_group_value_follows_the_browser_index_and_back():
    from painkit.widgets._radio_group import RadioGroup

    group = RadioGroup([("responder", True), ("not a responder", False)], label="Status")
    assert group.value is None and group.index is None and group.label == "Status"
    group.index = 1                   # the learner picks the second option in the browser
    assert group.value is False
    group.value = True                # code (or a test) chooses
    assert group.index == 0
    group.value = None
    assert group.index is None
    with pytest.raises(Exception, match="not an option"):
        group.value = "maybe"
