"""The mastery-check widget: shows a module's questions, grades on Submit, records each sitting."""
from __future__ import annotations

import pytest

from painkit.curriculum import MASTERY_CASE, MASTERY_STEP
from painkit.widgets import MasteryCheck


def test_submit_grades_and_records_each_sitting():
    got = []
    check = MasteryCheck("opioid_stewardship", on_attempt=got.append)
    assert list(check.panels) == ["m06_mme_oxycodone", "m06_naloxone", "m06_benzodiazepine"]
    assert "Pass mark: 80%" in check.widget.children[0].value
    check.choose("a", question="m06_mme_oxycodone")   # 30 mg/day x 1.5 is 45, not 30: wrong
    check.choose("a", question="m06_naloxone")
    check.choose(True, question="m06_benzodiazepine")
    first = check.submit()
    assert first.score == pytest.approx(66.67) and not first.passed
    check.choose("b", question="m06_mme_oxycodone")   # the retake
    second = check.submit()
    assert second.score == 100 and second.passed
    assert [(a.case, a.step, a.score) for a in got] == [(MASTERY_CASE, MASTERY_STEP, first.score),
                                                         (MASTERY_CASE, MASTERY_STEP, 100.0)]
    assert got[1].answer == {"module": "opioid_stewardship", "correct": sorted(check.panels),
                             "choices": {"m06_mme_oxycodone": "b", "m06_naloxone": "a", "m06_benzodiazepine": "true"}}
    assert "Dowell 2022" in check.panels["m06_naloxone"].feedback.value


def test_nothing_is_recorded_until_every_question_is_answered():
    got = []
    check = MasteryCheck("pain_foundations", on_attempt=got.append)
    check.choose("false", question="m01_nociception")
    assert check.submit() is None and got == []
    assert "Answer every question first (2 left)" in check.result_box.value


def test_unknown_module_or_question_is_a_clear_error():
    with pytest.raises(Exception, match="did you mean 'mechanisms'"):
        MasteryCheck("mechanism")
    with pytest.raises(Exception, match="not shown here"):
        MasteryCheck("mechanisms").choose("a", question="m06_naloxone")
