"""Grade return (LTI 1.3 AGS) without a network: which attempts make a module score, what a launch must carry,
which claim names the learner, and that reading a learner's store leaves their files as they were."""
from __future__ import annotations

import re
from pathlib import Path
from datetime import datetime, timedelta, timezone

import nbformat
import pytest

from painkit.progress import Attempt, Launch, LtiError, ProgressStore, learner_name, module_score, remember_launch
from painkit.progress._lti import (AGS_CLAIM, DEPLOYMENT_CLAIM, MODULES, RESOURCE_LINK_CLAIM, SCORE_SCOPE,
                                   launches_of, read_store_copy)

ROOT = Path(__file__).resolve().parent.parent
MODULE = MODULES["03_mechanisms"]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_module_03_lists_the_quizzes_of_notebook_03():
    nb = nbformat.read(ROOT / "notebooks" / "03_mechanisms.ipynb", as_version=4)
    quizzes = re.findall(r'MechanismQuiz\("([^"]+)"\)', "\n".join(c.source for c in nb.cells if c.cell_type == "code"))
    assert set(MODULE.cases) == set(quizzes) and len(MODULE.cases) == 3


def _attempt(case: str, score: float, minutes: int, step: str = "mechanism", learner: str = "Amara") -> Attempt:
    t = T0 + timedelta(minutes=minutes)
    return Attempt(case=case, step=step, answer=[], score=score, started=t, finished=t, learner=learner)


def test_module_score_is_the_mean_of_best_scores_with_unanswered_cases_at_zero(tmp_path):
    with ProgressStore(tmp_path / "progress.sqlite") as store:
        store.record_many([
            _attempt("fibromyalgia", 50, 1), _attempt("fibromyalgia", 100, 2),   # best of two: 100
            _attempt("lumbar-radiculopathy", 80, 3),
            _attempt("phn-postherpetic", 90, 4, step="plan"),                  # another step: not counted
            _attempt("phn-postherpetic", 100, 5, learner="someone else"),      # another learner: not counted
        ])
        s = module_score(store, "Amara", MODULE)
    assert s.score == 60.0 and s.maximum == 100.0      # (100 + 80 + 0) / 3
    assert (s.answered, s.total, s.completed) == (2, 3, False)


def test_module_is_completed_when_every_case_is_answered(tmp_path):
    with ProgressStore(tmp_path / "progress.sqlite") as store:
        store.record_many([_attempt(c, 100, i) for i, c in enumerate(MODULE.cases)])
        s = module_score(store, "Amara", MODULE)
    assert s.completed and s.score == 100.0


def _claims(**over) -> dict:
    claims = {"sub": "u-42", "iss": "https://lms.example", "aud": "client-1", DEPLOYMENT_CLAIM: "dep-1",
              "name": "Amara Osei",
              AGS_CLAIM: {"scope": [SCORE_SCOPE], "lineitem": "https://lms.example/li/1"}}
    claims.update(over)
    return claims


def test_launch_reads_the_grade_endpoint_and_identity():
    launch = Launch.from_claims(_claims(painkit_learner="Amara Osei"), "u-42")
    assert (launch.user_id, launch.issuer, launch.client_id, launch.deployment_id) == \
        ("u-42", "https://lms.example", "client-1", "dep-1")
    assert launch.lineitem == "https://lms.example/li/1" and launch.learner == "Amara Osei"


def test_launch_without_grade_service_is_refused_with_the_claim_named():
    claims = _claims()
    del claims[AGS_CLAIM]
    with pytest.raises(LtiError, match="lti-ags/claim/endpoint"):
        Launch.from_claims(claims, "u-42")


def test_learner_name_comes_from_the_chosen_claim_custom_parameter_or_sub():
    assert learner_name(_claims(), "name") == "Amara Osei"
    custom = _claims(**{"https://purl.imsglobal.org/spec/lti/claim/custom": {"uname": "aosei"}})
    assert learner_name(custom, "custom_uname") == "aosei"
    assert learner_name(_claims(), "email") == "u-42"  # no email claim: the stable sub


def test_reading_a_store_for_grades_leaves_the_learners_folder_unchanged(tmp_path):
    folder = tmp_path / ".painkit"
    store = ProgressStore(folder / "progress.sqlite")
    store.record(_attempt("fibromyalgia", 100, 1))
    def files() -> dict:
        return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}

    before = files()
    s = read_store_copy(folder / "progress.sqlite", "Amara", MODULE)  # while the learner's store is open
    after = files()
    store.close()
    assert s.answered == 1 and s.score == pytest.approx(100 / 3, abs=0.01)  # the attempt in the WAL was read
    assert after == before


def _launch_from(link: str, lineitem: str, **over) -> dict:
    return _claims(**{RESOURCE_LINK_CLAIM: {"id": link}, "painkit_learner": "Amara Osei",
                      AGS_CLAIM: {"scope": [SCORE_SCOPE], "lineitem": lineitem}}, **over)


def test_every_graded_launch_is_kept_one_per_lms_link():
    course_a = _launch_from("link-a", "https://lms.example/courses/1/li/7")
    course_b = _launch_from("link-b", "https://lms.example/courses/2/li/9")
    state = remember_launch(None, course_a)
    state = remember_launch(state, course_b)                       # a second course: both kept
    kept = [Launch.from_claims(c, "u-42") for c in launches_of(state)]
    assert [k.lineitem for k in kept] == ["https://lms.example/courses/1/li/7", "https://lms.example/courses/2/li/9"]
    assert {k.learner for k in kept} == {"Amara Osei"}
    again = _launch_from("link-a", "https://lms.example/courses/1/li/8")  # course 1 again, its line item changed
    state = remember_launch(state, again)
    assert [c[AGS_CLAIM]["lineitem"] for c in launches_of(state)] == \
        ["https://lms.example/courses/2/li/9", "https://lms.example/courses/1/li/8"]


def test_an_ungraded_launch_keeps_the_graded_ones_and_an_old_auth_state_counts_as_one_launch():
    old_state = _launch_from("link-a", "https://lms.example/li/1")  # written before launches were kept
    assert launches_of(old_state) == [old_state]
    ungraded = _claims()
    del ungraded[AGS_CLAIM]
    state = remember_launch(old_state, ungraded)
    assert [c[AGS_CLAIM]["lineitem"] for c in launches_of(state)] == ["https://lms.example/li/1"]
    assert "sub" in state and AGS_CLAIM not in state  # the auth state itself is the new launch's
