"""The instrument form widget and the scores-over-visits chart: what a learner sees comes from
pk.score / case.scores(), and the page says painkit is for education only."""
from __future__ import annotations

import pytest

import painkit as pk
from painkit import InstrumentError
from painkit.progress import _attempts as attempts
from painkit.widgets import InstrumentForm

PCS_WEEK0 = [3, 3, 2, 3, 2, 3, 2, 3, 3, 2, 3, 3, 2]  # lbp-chronic, first visit


def _text(form: InstrumentForm) -> str:
    return " ".join(getattr(child, "value", "") for child in form.widget.children if isinstance(
        getattr(child, "value", None), str))


def test_one_control_per_item_and_the_disclaimer():
    form = InstrumentForm("pcs")
    assert len(form.controls) == 13
    assert pk.DISCLAIMER in _text(form)
    assert form.score is None and len(form.missing) == 13


def test_score_and_band_update_as_answers_change():
    form = InstrumentForm("pcs")
    form.set_answers(PCS_WEEK0)
    assert form.score.total == 34 and "34/52" in form.result.value and "clinically relevant" in form.result.value
    form.controls[0].value = 0   # the learner changes item 1 from 3 to 0: 34 - 3 = 31
    assert form.score.total == 31 and "31/52" in form.result.value
    assert "All items answered" in form.missing_html.value


def test_form_lists_missing_items_and_shows_the_rule_instead_of_a_traceback():
    form = InstrumentForm("pcs")
    form.set_answers(PCS_WEEK0[:12] + [None])
    assert form.missing == ["q13"] and "13. magnification: serious outcome" in form.missing_html.value
    assert form.score is None and "cannot be scored" in form.result.value


def test_bpi_form_scores_interference_with_four_of_seven():
    form = InstrumentForm("bpi")
    form.set_answers([5, 3, 4, 4, 6, 2, None, None, 8, None, 4])
    assert form.score.subscales["interference"] == (6 + 2 + 8 + 4) / 4
    assert "Still missing (3)" in form.missing_html.value


def test_wording_only_for_public_domain_instruments():
    assert "Little interest or pleasure in doing things" in InstrumentForm("phq9").controls[0].description
    assert "Pfizer" in _text(InstrumentForm("phq9"))
    pcs_item = InstrumentForm("pcs").controls[0].description
    assert "helplessness: whether it ends" in pcs_item  # a painkit topic label, not the copyrighted item
    assert "Short labels only" in _text(InstrumentForm("pcs"))


def test_fill_from_a_case_visit_and_submit_records_an_attempt():
    case = pk.load_case("lbp-chronic")
    got = []
    form = InstrumentForm("pcs", case=case, on_attempt=got.append)
    assert form.submit() is None and got == []        # nothing to submit yet
    form.visit.value = 0                               # week 0
    assert form.answers() == PCS_WEEK0 and form.score.total == 34
    attempt = form.submit()
    assert got == [attempt] and attempt.case == "lbp-chronic" and attempt.step == "instrument:pcs"
    assert attempt.answer == {"instrument": "pcs", "responses": PCS_WEEK0}


def test_submit_without_a_hook_goes_to_the_default_sink():
    got = []
    attempts.set_default_sink(got.append)
    try:
        form = InstrumentForm("gad2")
        form.set_answers([1, 2])
        form.submit()
    finally:
        attempts.set_default_sink(None)
    assert len(got) == 1 and got[0].case == "practice"


def test_ort_form_asks_for_sex_when_there_is_no_case():
    form = InstrumentForm("ort")
    form.set_answers([1, 0, 0, 0, 0, 0, 1, 0, 0, 1])
    assert form.score is None and "sex" in form.result.value
    form.sex.value = "male"   # family alcohol 3 + age 1 + depression 1 (Webster 2005, male)
    assert form.score.total == 3 + 1 + 1 and form.score.band == "moderate risk"


def test_bad_answers_and_unknown_instruments_raise_instrument_errors():
    with pytest.raises(InstrumentError, match="pcs: item 1 'q1'.*found out-of-range answer 9"):
        InstrumentForm("pcs").set_answers([9] + [0] * 12)
    with pytest.raises(InstrumentError, match="did you mean 'phq9'"):
        InstrumentForm("phq-9")


def test_scores_over_visits_draws_scores_and_band_cut_offs():
    chart = pk.charts.scores_over_visits(pk.load_case("lbp-chronic").scores(), instruments=["pcs", "odi"])
    spec = chart.to_dict()
    rows = next(iter(spec["datasets"].values()))
    cuts = {(r["panel"], r["value"]) for r in rows if r["kind"] == "cut-off"}
    # PCS >= 30 (Sullivan); ODI bands start at 21, 41, 61, 81 (Fairbank 2000)
    assert cuts == {("pcs total", 30), ("odi total", 21), ("odi total", 41), ("odi total", 61), ("odi total", 81)}
    scores = {(r["panel"], r["week"], r["value"]) for r in rows if r["kind"] == "score"}
    assert ("pcs total", 0, 34) in scores and ("odi total", 12, 22) in scores
    marks = [layer["mark"]["type"] for layer in spec["spec"]["layer"]]
    assert marks == ["line", "rule", "text"]


def test_form_unanswered_items_read_as_such_and_item_9_is_explained_in_words():
    from painkit.widgets import InstrumentForm

    form = InstrumentForm("phq9", on_attempt=lambda a: None)
    first = form.controls[0]
    assert first.label == "\u2014 not answered \u2014"  # never a blank box
    # the control is named by its question (Kroenke 2001 item 1), not by "Item 1" alone
    assert first.description == "1. Little interest or pleasure in doing things"
    form.set_answers([0, 0, 0, 0, 0, 0, 0, 0, 1])
    shown = form.result.value
    assert "self_harm_risk" not in shown and "FLAGS" not in shown
    assert "<b>Score:</b> total 1/27" in shown  # the total in words, not led by the id "phq9"
    assert "Needs attention" in shown and "ask the patient about these thoughts directly and kindly" in shown
