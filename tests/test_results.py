"""One meaning per name on result objects (issue 13, lifelines' convention): on every painkit result,
``.summary`` is a DataFrame, ``.to_frame()`` gives its table as a DataFrame and ``.print_summary()`` prints.
Each result is built from a shipped case by its public function, so a new result type added to this list
must follow the same contract."""
from __future__ import annotations

import pandas as pd
import pytest

import painkit as pk

CASE = "lbp-chronic"


def _score():
    return pk.score("phq9", [1] * 9)


def _assessment():
    return pk.classify(pk.load_case(CASE))


def _feedback():
    return pk.check_answer(pk.load_case(CASE), ["nociceptive"])


def _plan_review():
    return pk.review_plan(pk.load_case(CASE), pk.expert_plan(CASE))


def _trajectory_scores():
    return pk.score_trajectories(pk.simulate(CASE, pk.expert_plan(CASE), n_patients=40, weeks=8, seed=1))


def _comparison():
    return pk.compare_plans(CASE, {"expert": pk.expert_plan(CASE), "exercise": ["therapeutic_exercise"]},
                            n_patients=40, weeks=8, seed=1)


def _trial():
    return pk.virtual_trial(CASE, {"control": [], "exercise": ["therapeutic_exercise"]}, n_patients=60, weeks=8)


def _revision():
    frame = pk.simulate(CASE, pk.expert_plan(CASE), n_patients=40, weeks=8, seed=1)
    return pk.review_revision(CASE, frame, 4, ["therapeutic_exercise", "cbt"])


def _report(tmp_path):
    from painkit.progress import Attempt, build_report

    with pk.ProgressStore(tmp_path / "p.sqlite") as store:
        store.record(Attempt(case=CASE, step="mechanism", score=80.0, learner="ana", answer=["nociceptive"]))
        return build_report(store.attempts(answers=False), "ana")


RESULTS = {"Score": _score, "MechanismAssessment": _assessment, "Feedback": _feedback, "PlanReview": _plan_review,
           "TrajectoryScores": _trajectory_scores, "PlanComparison": _comparison, "VirtualTrial": _trial,
           "RevisionReview": _revision, "Report": _report}


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_summary_is_a_frame_to_frame_is_a_frame_and_print_summary_prints(name, tmp_path, capsys):
    build = RESULTS[name]
    result = build(tmp_path) if name == "Report" else build()
    assert type(result).__name__ == name
    assert isinstance(result.summary, pd.DataFrame) and len(result.summary) >= 1
    assert isinstance(result.to_frame(), pd.DataFrame)
    assert result.print_summary() is None
    assert capsys.readouterr().out.strip()
