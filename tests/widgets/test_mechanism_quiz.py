"""MechanismQuiz: selections become answers, feedback and the criteria table are shown escaped, every
submit records an Attempt, and bad input is a message, not a traceback."""
from __future__ import annotations

import pytest

import painkit as pk
from painkit.progress import _attempts as attempts
from painkit.cases import Case
from painkit.widgets import MechanismQuiz


def _case(**changes) -> Case:
    data = pk.load_case("lbp-chronic").model_dump()
    data.update(changes)
    return Case.model_validate(data)


@pytest.fixture
def seen():
    return []


def test_correct_submit_records_an_attempt(seen):
    quiz = MechanismQuiz("lbp-chronic", on_attempt=seen.append)
    quiz.select(["nociceptive"], grades={"nociceptive": "likely"}, findings=["tissue_injury_or_inflammation"])
    fb = quiz.submit()
    assert fb is not None and fb.score == 100  # lbp-chronic key: likely nociceptive only
    assert len(seen) == 1
    a = seen[0]
    assert (a.case, a.step, a.score) == ("lbp-chronic", "mechanism", 100)
    assert a.answer == [{"mechanism": "nociceptive", "grade": "likely",
                         "findings": ["tissue_injury_or_inflammation"]}]
    assert a.feedback == fb.explanation
    assert "Correct" in quiz.result.value and "Criteria in this case" in quiz.criteria.value
    assert quiz.message.value == ""


def test_each_submit_is_an_attempt_and_default_sink_is_used(seen):
    attempts.set_default_sink(seen.append)
    try:
        quiz = MechanismQuiz(pk.load_case("lbp-chronic"))
        quiz.select(["nociplastic"], grades={"nociplastic": "possible"})
        assert quiz.submit().score == 0  # wrong mechanism: 0 of {nociceptive, nociplastic}
        quiz.select(["nociceptive", "nociplastic"], grades={"nociceptive": "likely", "nociplastic": "possible"})
        assert quiz.submit().score == 50.0  # 1 correct of 2 named
    finally:
        attempts.set_default_sink(None)
    assert [a.score for a in seen] == [0, 50.0]
    shown = quiz.result.value + quiz.criteria.value
    assert "Hints" in shown and "nociplastic: the key does not grade" in shown
    assert "Expert key" not in shown and "likely nociceptive" not in shown and "Criteria in this case" not in shown


def test_a_wrong_answer_gets_hints_and_the_key_waits_to_be_asked_for(seen):
    quiz = MechanismQuiz("fibromyalgia", on_attempt=seen.append)  # key: probable nociplastic only
    quiz.select(["nociplastic"], grades={"nociplastic": "possible"})
    assert quiz.submit().score == 50.0
    assert "reaches a higher grade than" in quiz.result.value and "probable" not in quiz.result.value
    assert "score 50/100; hints shown" == seen[0].feedback  # the stored feedback does not hold the key either
    quiz.show_key()
    assert "Expert key:</b> probable nociplastic" in quiz.result.value
    assert "Criteria in this case" in quiz.criteria.value


def test_a_double_click_on_submit_is_stored_once(seen):
    quiz = MechanismQuiz("lbp-chronic", on_attempt=seen.append)
    quiz.select(["nociceptive"], grades={"nociceptive": "likely"})
    quiz.button.click()
    quiz.button.click()
    assert len(seen) == 1 and "Already saved" in quiz.saved.value


def test_select_clears_previous_ticks():
    quiz = MechanismQuiz("lbp-chronic", on_attempt=lambda a: None)
    quiz.select(["neuropathic", "nociceptive"], grades={"neuropathic": "possible", "nociceptive": "likely"})
    quiz.select(["nociceptive"], grades={"nociceptive": "likely"})
    assert quiz.answer() == [{"mechanism": "nociceptive", "grade": "likely", "findings": []}]


def test_bad_selection_raises_with_allowed_values():
    quiz = MechanismQuiz("lbp-chronic", on_attempt=lambda a: None)
    with pytest.raises(pk.MechanismError, match="allowed: possible, probable, definite"):
        quiz.select(["neuropathic"], grades={"neuropathic": "likely"})
    with pytest.raises(pk.MechanismError, match="allowed: nociceptive, neuropathic, nociplastic"):
        quiz.select(["visceral"])


def test_problems_are_messages_not_tracebacks(seen):
    quiz = MechanismQuiz("lbp-chronic", on_attempt=seen.append)
    assert quiz.submit() is None and "Tick at least one mechanism" in quiz.message.value
    quiz.rows["neuropathic"].tick.value = True
    assert quiz.submit() is None and "Choose a grade for neuropathic" in quiz.message.value
    sparse = MechanismQuiz(_case(findings={}), on_attempt=seen.append)
    sparse.select(["nociceptive"], grades={"nociceptive": "likely"})
    assert sparse.submit() is None and "insufficient findings" in sparse.message.value
    assert seen == []


def test_case_text_is_escaped_in_feedback_and_table():
    data = pk.load_case("lbp-chronic").model_dump()
    data["findings"]["notes"]["tissue_injury_or_inflammation"] = "<script>alert(1)</script>"
    quiz = MechanismQuiz(Case.model_validate(data), on_attempt=lambda a: None)
    quiz.select(["nociceptive"], grades={"nociceptive": "likely"})
    quiz.submit()
    for html in (quiz.result.value, quiz.criteria.value):
        assert "<script>" not in html
    assert "&lt;script&gt;" in quiz.criteria.value


def test_disclaimer_is_shown():
    quiz = MechanismQuiz("lbp-chronic", on_attempt=lambda a: None)
    shown = str(quiz.widget.children[0].outputs)
    assert shown.count(pk.DISCLAIMER) == 1  # once per widget, in the case page


def test_findings_ticked_in_the_browser_are_the_answer_in_list_order():
    from painkit.mechanisms import FINDINGS

    quiz = MechanismQuiz("lbp-chronic", on_attempt=lambda a: None)
    row = quiz.rows["neuropathic"]
    row.tick.value, row.grade.value = True, "possible"
    row.findings.indices = [5, 1]  # two findings not next to each other, ticked with Tab and Space
    assert quiz.answer() == [{"mechanism": "neuropathic", "grade": "possible",
                              "findings": [FINDINGS[1], FINDINGS[5]]}]
    quiz.select(["neuropathic"], grades={"neuropathic": "possible"}, findings=[FINDINGS[2]])
    assert row.findings.indices == [2]
