"""PlanBuilder: ticks and the opioid row become a Plan reviewed by the engine, the MME shown is pk.mme's
(CDC 2022 factors), bad input is a message and never a traceback, compare shows the key's plan, submit
records one Attempt, and every string shown is HTML-escaped."""
from __future__ import annotations

from html import unescape

import pytest

import painkit as pk
from painkit.progress import _attempts as attempts
from painkit.cases import Case
from painkit.widgets import _plan_builder as plan_builder
from painkit.widgets import PlanBuilder

OXY = {"drug": "oxycodone", "dose": 10, "unit": "mg", "per_day": 3}


def _case(**changes) -> Case:
    data = pk.load_case("lbp-chronic").model_dump()
    data.update(changes)
    return Case.model_validate(data)


def _text(html: str) -> str:
    return unescape(html)


@pytest.fixture
def seen():
    return []


def test_selecting_items_updates_plan_and_review(seen):
    b = PlanBuilder("lbp-chronic", on_attempt=seen.append)
    assert b.plan is None and b.review() is None
    assert "Tick at least one intervention" in b.score.value

    b.select(["therapeutic_exercise", "cbt"])
    assert b.plan.items == ("therapeutic_exercise", "cbt")
    assert b.boxes["cbt"].value and not b.boxes["oxycodone"].value
    expected = pk.review_plan(b.case, pk.Plan(["therapeutic_exercise", "cbt"]))
    assert b.review().score == expected.score and b.review().codes == expected.codes
    assert f"{expected.score}/100" in b.score.value
    drawing, text = b.chart.outputs  # the spec for the front end to draw, then its description and data table
    assert drawing["data"]["application/vnd.vegalite.v5+json"]["datasets"] and "<table" in text["data"]["text/html"]

    b.boxes["nsaid_oral"].value = True  # a click, not select(): the review follows it
    assert set(b.plan.items) == {"nsaid_oral", "therapeutic_exercise", "cbt"}
    again = pk.review_plan(b.case, pk.Plan(list(b.plan.items)))
    assert b.review().score == again.score


def test_findings_are_grouped_by_severity():
    b = PlanBuilder("lbp-chronic")
    b.select(["nsaid_oral"])
    b.set_opioid(**OXY)
    b.compare()  # before Compare, findings quoting the expert plan are kept back (tested below)
    review = b.review()
    shown = _text(b.findings.value)
    for severity in ("error", "warning", "info"):
        found = review.by_severity(severity)
        if found:
            assert f"{severity} ({len(found)})" in shown
        for f in found:  # each finding in words; its snake_case code is not part of the text
            assert f.message in shown and f">{f.code}<" not in shown
    # each group is in severity order: warnings are listed before information
    assert shown.index("warning (") < shown.index("info (")


def test_opioid_row_mme_is_pk_mme_with_cdc_2022_factors():
    b = PlanBuilder("lbp-chronic")
    b.select(["therapeutic_exercise"])
    b.set_opioid("oxycodone", 10, 3)
    # CDC 2022 factor for oxycodone is 1.5: 10 mg x 3/day = 30 mg/day x 1.5 = 45 MME/day
    assert pk.mme([OXY]).total == 45
    assert "45 MME/day" in b.opioid.mme.value
    assert b.plan.opioids[0].drug == "oxycodone"

    # transdermal fentanyl 25 mcg/h x 2.4 = 60 MME/day (a patch has no doses per day)
    b.set_opioid("fentanyl_transdermal", 25, unit="mcg/h")
    patch = {"drug": "fentanyl_transdermal", "dose": 25, "unit": "mcg/h"}
    assert pk.mme([patch]).total == 60
    assert "<b>60 MME/day</b>" in b.opioid.mme.value
    assert b.answer()["opioids"] == [{"drug": "fentanyl_transdermal", "dose": 25.0, "unit": "mcg/h"}]

    # methadone: one 2022 factor, 4.7: 10 mg x 3/day = 30 mg/day x 4.7 = 141 MME/day
    b.set_opioid("methadone", 10, 3)
    assert "<b>141 MME/day</b>" in b.opioid.mme.value

    b.clear_opioid()
    assert b.opioid.mme.value == "" and b.plan.opioids == ()


def test_absurd_dose_and_unknown_drug_are_messages_not_tracebacks(seen):
    b = PlanBuilder("lbp-chronic", on_attempt=seen.append)
    b.select(["therapeutic_exercise"])
    b.set_opioid("oxycodone", 10000, 3)  # must not raise
    with pytest.raises(pk.PlanError) as exc:
        pk.Plan(["therapeutic_exercise"], opioids=[{**OXY, "dose": 10000}])
    assert str(exc.value) in _text(b.message.value)
    assert "not a plausible dose" in _text(b.message.value)
    assert "Traceback" not in b.message.value
    assert b.review() is None and b.plan is None and b.findings.value == ""
    assert b.submit() is None and seen == []

    b.set_opioid("oxycontin", 10, 3)
    assert "did you mean 'oxycodone'" in _text(b.message.value)
    assert "Traceback" not in b.message.value

    b.set_opioid("oxycodone", 10, 3)  # corrected: the message goes, the review comes back
    assert b.message.value == "" and b.review() is not None


def test_compare_shows_the_expert_plan():
    b = PlanBuilder("lbp-chronic")
    b.select(["nsaid_oral", "oxycodone"])
    shown = _text(b.compare())
    catalog = pk.load_catalog()
    for item in pk.load_case("lbp-chronic").key.plan:
        assert catalog[item].name in shown
    assert "Oral NSAID (e.g. ibuprofen, naproxen) \u2713" in shown  # in both plans
    # the key marks oxycodone inappropriate for this patient, with its reason
    assert "Nonopioid therapies are preferred for chronic pain (CDC 2022, Rec 2)." in shown


def test_compare_lists_the_expert_opioid_prescription():
    b = PlanBuilder("opioid-high-dose-benzo")
    shown = _text(b.compare())
    assert "oxycodone 36 mg x 2/day" in shown  # key.opioids of that case (first 10% taper step)


def test_submit_sends_one_attempt_with_the_plan(seen):
    b = PlanBuilder("lbp-chronic", on_attempt=seen.append)
    b.select(["nsaid_oral", "therapeutic_exercise"])
    b.set_opioid(**OXY)
    review = b.submit()
    assert len(seen) == 1
    a = seen[0]
    assert (a.case, a.step) == ("lbp-chronic", "plan")
    assert a.answer == {"items": ["nsaid_oral", "therapeutic_exercise"],
                        "opioids": [{"drug": "oxycodone", "dose": 10.0, "unit": "mg", "per_day": 3.0}],
                        "stop": []}
    assert a.score == review.score
    assert a.feedback.startswith(f"score {review.score}/100")
    for f in review.findings:
        if f.severity != "info":
            assert f.code in a.feedback


def test_submit_without_on_attempt_uses_default_sink(seen):
    attempts.set_default_sink(seen.append)
    try:
        b = PlanBuilder("lbp-chronic")
        b.select(["therapeutic_exercise"])
        b.submit()
        b.submit()                             # a double click: stored once, and the page says so
        assert "Already saved" in b.saved.value
        b.select(["therapeutic_exercise", "cbt"])
        b.submit()                             # a changed plan is a new attempt
    finally:
        attempts.set_default_sink(None)
    assert [a.step for a in seen] == ["plan", "plan"]


def test_unknown_item_in_select_is_a_message():
    b = PlanBuilder("lbp-chronic")
    b.select(["therapeutic_excercise"])
    assert "did you mean 'therapeutic_exercise'" in _text(b.message.value)
    assert b.review() is None


def test_descriptions_titles_and_names_are_html_escaped(monkeypatch):
    real = pk.load_catalog()
    evil = real["cbt"].model_copy(update={"description": "<script>alert('x')</script> & more",
                                          "name": "<b>CBT</b>"})
    monkeypatch.setattr(plan_builder, "load_catalog", lambda: {**real, "cbt": evil})
    b = PlanBuilder(_case(title="<img src=x onerror=alert(1)>"))
    # tick box labels and descriptions travel as plain strings and are drawn as text (textContent), never parsed
    # as HTML: the learner reads the markup literally
    group = next(g for g in b.tabs.children if "cbt" in g.values)
    at = group.values.index("cbt")
    assert group.labels[at] == "<b>CBT</b>" and group.descriptions[at] == "<script>alert('x')</script> & more"
    assert "textContent" in group._esm and "innerHTML" not in group._esm and "insertAdjacentHTML" not in group._esm
    assert "<img" not in b.widget.children[1].value and "&lt;img" in b.widget.children[1].value
    assert b.boxes["cbt"].description == "<b>CBT</b>"
    b.select(["cbt"])
    assert "<b>CBT</b>" not in b.compare()


def test_disclaimer_is_shown():
    b = PlanBuilder("lbp-chronic")
    assert pk.DISCLAIMER in b.widget.children[0].value


def test_component_chart_has_one_bar_per_component():
    from painkit.charts import plan_components

    case = pk.load_case("lbp-chronic")
    review = pk.review_plan(case, pk.Plan(["nsaid_oral"]))
    chart = plan_components(review)
    rows = chart.data.to_dict("records")
    assert [r["component"] for r in rows] == [c.replace("_", " ") for c in review.components]
    assert [r["score"] for r in rows] == [float(s) for s in review.components.values()]
    assert f"{review.score}/100" in chart.to_dict()["title"]


def test_comparison_follows_the_plan_once_shown():
    b = PlanBuilder("lbp-chronic")
    b.select(["nsaid_oral"])
    b.compare()
    assert "Cognitive behavioural therapy for pain \u2713" not in _text(b.comparison.value)
    b.boxes["cbt"].value = True
    assert "Cognitive behavioural therapy for pain \u2713" in _text(b.comparison.value)


def test_choosing_a_drug_before_its_dose_asks_for_the_dose():
    b = PlanBuilder("lbp-chronic")
    b.select(["therapeutic_exercise"])
    b.opioid.drug.value = "oxycodone"  # dose and per day still 0
    assert "Enter the dose" in b.opioid.mme.value and b.message.value == "" and b.review() is None
    b.opioid.drug.value = "fentanyl_transdermal"
    assert b.opioid.unit.value == "mcg/h" and b.opioid.per_day.disabled  # units from opioids.yaml
    b.opioid.dose.value = 12
    assert "<b>28.8 MME/day</b>" in b.opioid.mme.value  # 12 mcg/h x 2.4 = 28.8 MME/day


def test_stopping_current_medications_goes_to_the_engine():
    b = PlanBuilder("lbp-chronic")
    b.select(["therapeutic_exercise", "cbt"])
    # she takes tramadol as needed: NICE NG59 advises against opioids for chronic low back pain (kept drug)
    assert "not_recommended_for_condition" in b.review().codes
    b.stop(["tramadol"])
    assert b.plan.stop == ("tramadol",) and b.answer()["stop"] == ["tramadol"]
    assert "not_recommended_for_condition" not in b.review().codes

    heavy = PlanBuilder("opioid-high-dose-benzo")
    heavy.select(["naloxone", "therapeutic_exercise", "cbt"])
    heavy.stop(["oxycodone ER (OxyContin)"])  # after 7 years: CDC 2022 Rec 5, do not stop abruptly
    assert "abrupt_opioid_discontinuation" in heavy.review().codes
    heavy.stop(["aspirin"])  # not one of his medications: the engine's message, no traceback
    assert "matches none of the current medications" in _text(heavy.message.value)
    assert heavy.review() is None


def test_the_live_review_does_not_quote_the_expert_plan_before_compare():
    b = PlanBuilder("lbp-chronic", on_attempt=lambda a: None)
    b.select(["therapeutic_exercise"])
    assert "key_recommended_missing" in [f.code for f in b.review().findings]  # the engine finds it...
    assert "also includes" not in b.findings.value                              # ...the page keeps it back
    assert "Part of the expert plan is not in yours" in b.score.value
    b.compare()
    assert "also includes" in b.findings.value and len(b.chart.outputs) == 2  # the chart and its data table
