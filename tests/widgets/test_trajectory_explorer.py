"""TrajectoryExplorer and the "read one patient" grading: runs show charts and a summary, a reading is graded
from score_trajectories and the patient_reading rules, every submit is an Attempt(step="trajectory"), and
bad input is a message, not a traceback."""
from __future__ import annotations

import pandas as pd
import pytest

import painkit as pk
from painkit.progress import _attempts as attempts
from painkit.trajectories import _reading as patient_reading
from painkit.widgets import TrajectoryExplorer

OXY = [{"drug": "oxycodone", "dose": 5, "unit": "mg", "per_day": 3}]


def test_run_shows_charts_summary_and_a_patient():
    x = TrajectoryExplorer("pdn-neuropathy", plan=pk.Plan(["duloxetine", "pregabalin"]), on_attempt=lambda a: None)
    assert "education" in x.widget.children[0].value and "not predictive" in x.widget.children[0].value
    scores = x.run()
    assert scores is not None and len(x.frame) == 1000 * 13          # default cohort: 1000 x (weeks 0..12)
    assert len(x.charts.outputs) == 4 and "pain reduced by" in x.summary.value  # two charts, each with its table
    assert x.reading is not None and x.reading.visits["week"].tolist() == [0, 4, 8, 12]
    assert f"Patient {x.reading.patient}" in x.patient_table.value


def test_correct_reading_scores_100_and_records_an_attempt():
    seen = []
    x = TrajectoryExplorer("lbp-chronic", plan=pk.Plan(["therapeutic_exercise"], opioids=OXY), on_attempt=seen.append)
    x.run()
    r = x.reading
    a = x.answer(responder=r.responder, next_step=r.next_step)
    assert a is not None and a.score == 100 and a.step == "trajectory" and a.case == "lbp-chronic"
    assert a.answer["patient"] == r.patient and seen == [a]
    wrong_step = next(s for s in ("continue", "modify", "taper_stop") if s != r.next_step)
    b = x.answer(responder=not r.responder, next_step=wrong_step)
    assert b.score == 0 and "not correct" in b.feedback
    assert len(seen) == 2


def test_default_sink_receives_attempts_when_no_hook():
    seen = []
    attempts.set_default_sink(seen.append)
    try:
        x = TrajectoryExplorer("lbp-chronic")
        x.run()
        x.answer(responder=True, next_step="continue")
    finally:
        attempts.set_default_sink(None)
    assert len(seen) == 1 and seen[0].step == "trajectory"


def test_missing_or_bad_answers_are_messages():
    x = TrajectoryExplorer("lbp-chronic", on_attempt=lambda a: pytest.fail("no attempt expected"))
    assert x.answer(responder=True, next_step="continue") is None and "Run the simulation" in x.message.value
    x.run()
    assert x.answer(responder=None, next_step="continue") is None and "Choose" in x.message.value
    assert x.answer(responder=True, next_step="escalate") is None
    assert "escalate" in x.message.value and "taper_stop" in x.message.value


def test_controls_choose_plan_size_and_weeks():
    x = TrajectoryExplorer("lbp-chronic", on_attempt=lambda a: None)
    x.items.value = ("nsaid_oral", "cbt")
    x.size.value, x.weeks.value = 200, 8
    x.run()
    assert x.frame.attrs["plan"] == ["nsaid_oral", "cbt"] and len(x.frame) == 200 * 9
    assert x.reading.visits["week"].tolist() == [0, 3, 5, 8]  # a shorter run: four evenly spaced visits
    first = x.reading.patient
    x.next_patient()
    assert x.reading.patient != first or len(patient_reading.eligible_patients(x.frame)) == 1


def _one_patient(pain, function, mme):
    weeks = len(pain)
    return pd.DataFrame({"patient": 0, "week": range(weeks), "pain": pain, "function": function, "pcs": 20.0,
                         "peg": 0.0, "mme": mme, "adherent": True, "dropped_out": False,
                         "adverse_event": pd.Categorical([None] * weeks, categories=["nausea"])})


@pytest.mark.parametrize("pain_end, function_end, mme, expected", [
    (5.6, 5.0, 0.0, "continue"),      # 30% less pain (8 -> 5.6) and interference 1 point lower: keep the plan
    (5.6, 5.0, 30.0, "continue"),     # the same benefit on an opioid: continue (CDC 2022 Rec 7)
    (7.0, 5.0, 30.0, "taper_stop"),   # an opioid without 30% pain relief: taper (CDC 2022 Rec 5)
    (7.0, 5.0, 0.0, "modify"),        # no opioid, no 30% relief: change the plan
    (5.6, 5.8, 0.0, "modify"),        # pain better but function not by its MCID
])
def test_next_step_rules(pain_end, function_end, mme, expected):
    pain = [8.0] + [7.5] * 11 + [pain_end]
    function = [6.0] + [6.0] * 11 + [function_end]
    reading = patient_reading.read_patient(_one_patient(pain, function, [0.0] + [mme] * 12), 0)
    assert reading.next_step == expected
    score, feedback = patient_reading.grade_reading(reading, reading.responder, expected)
    assert score == 100 and "Dowell" in feedback


# ------------------------------------------------------------------ the week-4 visit (issue 10)


def test_run_opens_the_week4_visit_with_the_plan_ticked():
    x = TrajectoryExplorer("lbp-chronic", plan=pk.Plan(["nsaid_oral", "cbt"]), on_attempt=lambda a: None)
    assert x.visit_week == 4
    x.run()
    assert "The cohort at week 4" in x.visit_table.value and "30% lower" in x.visit_table.value
    assert f"Patient {x.reading.patient} up to week 4" in x.visit_patient.value
    assert {i for i, b in x.revision_boxes.items() if b.value} == {"nsaid_oral", "cbt"}
    assert x.opioid_dose.layout.display == "none"                 # no opioid prescription in this plan


def test_revise_and_continue_show_both_branches_and_record_the_review():
    seen = []
    x = TrajectoryExplorer("lbp-chronic", plan=pk.Plan(["nsaid_oral"], opioids=OXY), on_attempt=seen.append)
    x.run()
    revised = x.revise(["nsaid_oral", "therapeutic_exercise", "cbt"], opioid_dose="stop")
    assert revised == {"items": ["nsaid_oral", "therapeutic_exercise", "cbt"], "opioids": []}
    review = x.continue_to(12)
    expected = pk.review_revision(x.case, x.frame, 4, revised)
    assert review is not None and review.score == expected.score and review.codes == expected.codes
    a = seen[-1]
    assert a.step == "revision" and a.score == review.score and a.answer["revised"] == revised
    assert a.answer["kept"]["opioids"][0]["drug"] == "oxycodone" and a.answer["week"] == 4
    assert x.kept is x.frame                                       # the run already reached week 12
    head = lambda f: f[f["week"] <= 4].reset_index(drop=True).astype({"adverse_event": object})  # noqa: E731
    pd.testing.assert_frame_equal(head(x.kept), head(x.revised))   # the same patients up to the visit
    assert len(x.branch_charts.outputs) == 2 and "plan kept" in x.branch_summary.value
    assert f"Revision review: {review.score}/100" in x.revision_feedback.value


def test_opioid_dose_choices_scale_the_prescription():
    x = TrajectoryExplorer("lbp-chronic", plan=pk.Plan([], opioids=OXY), on_attempt=lambda a: None)
    x.run()
    assert x.opioid_dose.layout.display != "none"
    assert x.revise([], opioid_dose="raise")["opioids"][0]["dose"] == 5 * 1.5
    assert x.revise([], opioid_dose="halve")["opioids"][0]["dose"] == 5 * 0.5
    assert x.revise([], opioid_dose="keep")["opioids"][0]["dose"] == 5


def test_continuing_past_a_shorter_run():
    x = TrajectoryExplorer("lbp-chronic", on_attempt=lambda a: None)
    x.items.value = ("nsaid_oral",)
    x.weeks.value = 6
    x.run()
    x.revise(["nsaid_oral", "graded_activity"])
    assert x.continue_to(12) is not None
    assert x.kept["week"].max() == 12 and x.revised["week"].max() == 12


def test_visit_step_mistakes_are_messages():
    x = TrajectoryExplorer("lbp-chronic", on_attempt=lambda a: pytest.fail("no attempt expected"))
    assert x.continue_to(12) is None and "Run the simulation first" in x.message.value
    x.run()
    assert x.revise(["duloxetin"]) is None and "did you mean &#x27;duloxetine&#x27;" in x.message.value  # escaped
    assert x.revise(["cbt"], opioid_dose="double") is None and "keep, raise, halve, stop" in x.message.value


def test_the_page_shows_the_current_medications_the_reading_is_graded_with():
    from painkit.widgets import TrajectoryExplorer

    x = TrajectoryExplorer("lbp-chronic", on_attempt=lambda a: None, n_patients=100)
    header = x.widget.children[0].value
    assert "Current medications" in header and "tramadol 50 mg x 1/day" in header


def test_cohort_shares_read_as_percentages():
    import pandas as pd

    from painkit.widgets._trajectory_explorer import _summary_html

    table = pd.DataFrame([{"label": "pain reduced by >= 30%", "estimate": 0.528, "lower": 0.497, "upper": 0.559,
                           "unit": "share"},
                          {"label": "median weeks to a 30% response", "estimate": 4.0, "lower": 4.0, "upper": 5.0,
                           "unit": "weeks"}])
    html = _summary_html(table)
    assert "53%" in html and "50% to 56%" in html and "0.528" not in html
    assert "4.0 weeks" in html
