"""Learning objectives and mastery questions (painkit/data/objectives.yaml, mastery.yaml) and their grading.

Expected answers come from the published sources each question cites (CDC 2022 MME factors, ICD-11
chronic pain threshold), never from running the code.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from painkit.curriculum import (MASTERY_CASE, MASTERY_STEP, ObjectivesError, grade_mastery, load_map,
                                load_mastery_bank, load_objectives, load_objectives_file, module_of)

ROOT = Path(__file__).resolve().parents[2]
ALL_RIGHT = {"pain_foundations": {"m01_nociception": "false", "m01_chronic_duration": "b", "m01_biopsychosocial": "a"}}


# ------------------------------------------------------------------------------------------ data files
def test_every_module_is_a_learner_notebook_with_three_sourced_questions():
    objectives, bank = load_objectives(), load_mastery_bank()
    assert [m.notebook for m in objectives.modules] == sorted(p.name for p in (ROOT / "notebooks").glob("0[1-7]_*.ipynb"))
    for m in objectives.modules:
        questions = [q for q in bank.questions if q.section == m.id]
        assert [q.id for q in questions] == list(m.mastery) and len(questions) == 3
        assert all(q.status in ("verified", "partial") and q.source_keys() for q in questions)


def test_objectives_reach_every_competency_and_name_only_real_ones():
    used = {c for m in load_objectives().modules for o in m.objectives for c in o.competencies}
    assert used == {c.id for c in load_map()["competencies"]}


def test_pass_mark_is_stated_with_its_status():
    mark = load_objectives().pass_mark
    assert mark.value == 80 and mark.status == "teaching_assumption" and mark.why


def test_a_question_in_the_wrong_module_is_an_error():
    from painkit.curriculum._objectives import validate_objectives

    data = load_objectives_file()
    broken = {**data, "modules": [{**data["modules"][0], "mastery": ["m03_definite_neuropathic"]}]}
    with pytest.raises(ObjectivesError, match="belongs to section 'mechanisms'"):
        validate_objectives(broken, load_mastery_bank(), {c.id for c in load_map()["competencies"]})


# ------------------------------------------------------------------------------------------ grading
def test_mastery_answers_follow_the_cited_sources():
    # CDC 2022 factor for oxycodone is 1.5: 10 mg three times a day = 45 MME/day (option b)
    result = grade_mastery("opioid_stewardship", {"m06_mme_oxycodone": "b", "m06_naloxone": "a",
                                                   "m06_benzodiazepine": True})
    assert result.score == 100 and result.passed
    # ICD-11 chronic pain: longer than 3 months (b), not 6 months (c): 2 of 3 = 66.67% < 80% pass mark
    result = grade_mastery("pain_foundations", {**ALL_RIGHT["pain_foundations"], "m01_chronic_duration": "c"})
    assert result.score == pytest.approx(66.67) and not result.passed
    assert "Source: Treede 2019" in result.results["m01_chronic_duration"][1]


def test_unanswered_counts_wrong_and_foreign_questions_are_refused():
    assert grade_mastery("mechanisms", {"m03_definite_neuropathic": "a"}).score == pytest.approx(33.33)
    with pytest.raises(ObjectivesError, match="not in this check"):
        grade_mastery("mechanisms", {"m06_naloxone": "a"})
    with pytest.raises(ObjectivesError, match="did you mean"):
        grade_mastery("mechanism", {})


def test_attempts_count_for_one_module():
    assert module_of("opioid-high-dose-benzo", "plan") == "opioid_stewardship"   # its cases list it
    assert module_of("lbp-chronic", "plan") == "multimodal_plan"                 # first module naming the step
    assert module_of("post-mastectomy-pain", "mechanism") == "capstone"
    assert module_of(MASTERY_CASE, MASTERY_STEP, '{"module": "trajectories"}') == "trajectories"
    assert module_of("lbp-chronic", "unknown_step") is None
