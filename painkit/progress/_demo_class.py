"""A synthetic workshop class, so the facilitator's dashboard can be shown and tested without real learners.

Each synthetic learner has an ability (Beta-distributed) and answers a few library cases: a mechanism answer
that is the expert key or one of the typical mistakes (missing a component of mixed pain, a neighbouring
grade, a wrong mechanism), and a plan that is the expert plan with typical slips (an inappropriate item
added, a non-pharmacological item dropped). Every answer is graded by painkit's real engines
(``check_answer``, ``review_plan``); only the learners' choices are random. One seeded Generator: the same
seed gives the same class. These are teaching data, not a model of real learners.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import numpy as np

from ..cases import GRADES, load_case
from ..mechanisms import check_answer
from ..plans import Plan, review_plan
from ._workshop import ClassData

DEMO_CASES = ("lbp-chronic", "pdn-neuropathy", "lumbar-radiculopathy", "fibromyalgia", "knee-osteoarthritis",
              "opioid-high-dose-benzo")
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a fixed, fictional workshop day


def _key_answer(case) -> list[dict]:
    return [{"mechanism": m, "grade": g} for m, g in case.key.mechanisms.items() if g != "unlikely"]


def _mistake(case, rng: np.random.Generator) -> list[dict]:
    """One of three typical mechanism mistakes."""
    answer = _key_answer(case)
    kind = rng.integers(3)
    if kind == 0 and len(answer) > 1:  # misses a component of mixed pain
        answer.pop(int(rng.integers(len(answer))))
    elif kind <= 1:  # a neighbouring grade
        a = answer[int(rng.integers(len(answer)))]
        scale = GRADES[a["mechanism"]][1:]
        a["grade"] = scale[int(rng.integers(len(scale)))]
    else:  # a mechanism the key grades unlikely, instead of the primary
        others = [m for m in GRADES if case.key.mechanisms.get(m, "unlikely") == "unlikely"]
        if others:
            m = others[int(rng.integers(len(others)))]
            answer = [a for a in answer if a["mechanism"] != case.key.primary] + [{"mechanism": m, "grade": GRADES[m][1]}]
    return answer


def _plan(case, ability: float, rng: np.random.Generator) -> dict:
    items = list(case.key.plan)
    opioids = [dict(rx) for rx in case.key.opioids]
    if case.key.inappropriate and rng.random() > ability:
        bad = case.key.inappropriate[int(rng.integers(len(case.key.inappropriate)))].id
        items.append(bad) if bad not in items else None
    if len(items) > 2 and rng.random() > ability:
        items.pop(int(rng.integers(len(items))))
    return {"items": items, "opioids": opioids}


def _row(rng, learner: str, case: str, step: str, answer, score: float, feedback: str, t: datetime) -> dict:
    minutes = float(rng.uniform(2, 15))
    return {"uid": str(uuid.UUID(int=int(rng.integers(2**62)) << 64 | int(rng.integers(2**62)), version=4)),
            "learner": learner, "case": case, "step": step, "answer": answer, "score": float(score),
            "feedback": feedback, "started": t, "finished": t + timedelta(minutes=minutes)}


def generate(n_learners: int = 30, seed: int = 0):
    """The synthetic class as ``painkit.progress.ClassData``."""
    import pandas as pd


    rng = np.random.default_rng(seed)
    cases = [load_case(c) for c in DEMO_CASES]
    rows = []
    for i in range(n_learners):
        learner, ability = f"learner-{i + 1:02d}", float(rng.beta(4, 2))
        t = START + timedelta(minutes=float(rng.uniform(0, 20)))
        for case in cases:
            answer = _key_answer(case) if rng.random() < ability else _mistake(case, rng)
            fb = check_answer(case, answer)
            rows.append(_row(rng, learner, case.id, "mechanism", answer, fb.score, fb.explanation, t))
            plan = _plan(case, ability, rng)
            review = review_plan(case, Plan(plan["items"], opioids=plan["opioids"] or None))
            rows.append(_row(rng, learner, case.id, "plan", plan, review.score, f"plan score {review.score}", t))
            t += timedelta(minutes=float(rng.uniform(10, 25)))
    attempts = pd.DataFrame(rows).assign(source="demo")
    files = pd.DataFrame([{"file": "demo", "learners": f"{n_learners} synthetic learners", "attempts": len(rows),
                           "version": None, "status": "generated"}])
    return ClassData(attempts, files, [])


def demo_class(n_learners: int = 30, seed: int = 0) -> ClassData:
    """A synthetic class for the dashboard notebook and tests, graded by the real engines."""
    return generate(n_learners=n_learners, seed=seed)
