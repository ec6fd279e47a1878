"""Reading one synthetic patient's course: the visits a clinician would see (weeks 0, 4, 8, 12), whether
the patient is a responder, and the next step the course supports (continue / modify / taper-stop).

Responder status comes from ``score_trajectories`` on the visits shown (IMMPACT 30%, dropouts never count
as responders); the next-step rules and their sources live in ``trajectory.yaml`` (``patient_reading:``).
``grade_reading`` scores a learner's decision and explains it. Educational model, not predictive.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
import pandas as pd

from ._params import params
from ..errors import PainkitError
from .._validate import short, whole
from ._outcomes import NOTE, checked_frame, score_trajectories, thresholds, wide


def rules() -> dict[str, Any]:
    """The ``patient_reading`` block of trajectory.yaml (visit weeks, next steps, rules with sources)."""
    return params()["patient_reading"]


@dataclass
class PatientReading:
    """One patient's visits and what painkit reads from them."""

    patient: int
    visits: pd.DataFrame           # week, pain, function, pcs, mme, adverse events so far, adherence so far
    responder: bool                # >= 30% less pain at the last visit shown
    function_mcid: bool
    pain_change_pct: float
    function_change: float
    on_opioid: bool
    next_step: str                 # continue | modify | taper_stop
    reason: str
    source: str

    def explain(self) -> str:
        """Plain-text account of the reading (used as feedback)."""
        first, last = self.visits.iloc[0], self.visits.iloc[-1]
        th = thresholds()
        resp = "a responder" if self.responder else "not a responder"
        return (f"Pain {first.pain:.1f} -> {last.pain:.1f} ({self.pain_change_pct:+.0f}% change; "
                f"{th.responder:g}% less pain is the IMMPACT moderately important threshold): {resp}. "
                f"Interference {first.function:.1f} -> {last.function:.1f} (MCID {th.function_mcid:g} point: "
                f"{'met' if self.function_mcid else 'not met'}). "
                f"Next step: {rules()['next_steps'][self.next_step]}, because {self.reason} ({self.source}). "
                f"{NOTE}")


def visit_weeks(weeks: int) -> list[int]:
    """The visits shown: trajectory.yaml's weeks (0, 4, 8, 12) when the run is long enough, else four
    evenly spaced weeks ending at the last one."""
    wanted = [int(w) for w in rules()["visit_weeks"]]
    if weeks >= wanted[-1]:
        return wanted
    return sorted({round(weeks * i / (len(wanted) - 1)) for i in range(len(wanted))})


def eligible_patients(frame: pd.DataFrame) -> np.ndarray:
    """Patients still in follow-up at the last visit shown (a course that can be read to the end)."""
    frame = checked_frame(frame, attrs=False)
    last = visit_weeks(int(frame["week"].max()))[-1]
    return np.flatnonzero(~wide(frame, "dropped_out")[:, last])


def read_patient(frame: pd.DataFrame, patient: int) -> PatientReading:
    """Read one patient's visits: responder status and function MCID from ``score_trajectories`` on the
    visits shown, and the next step from the ``patient_reading`` rules."""
    frame = checked_frame(frame, attrs=False)
    patient = whole(patient, "patient", PainkitError, lo=0, hi=2**31)
    weeks = visit_weeks(int(frame["week"].max()))
    rows = frame[(frame["patient"] == patient) & (frame["week"] <= weeks[-1])]
    if rows.empty:
        raise PainkitError(f"patient: {patient!r} is not in this cohort; allowed: 0 to {frame['patient'].max()}")
    scored = score_trajectories(rows).per_patient.iloc[0]
    ae = rows["adverse_event"].astype(object).where(rows["adverse_event"].notna(), None).tolist()
    taken = rows["adherent"].to_numpy()
    shown = []
    for w in weeks:
        r = rows[rows["week"] == w].iloc[0]
        events = sorted({e for e in ae[1:w + 1] if e})
        shown.append({"week": w, "pain": float(r["pain"]), "function": float(r["function"]),
                      "pcs": float(r["pcs"]), "mme": float(r["mme"]),
                      "adverse_events": ", ".join(events) or "none",
                      "weeks_taken": f"{int(taken[1:w + 1].sum())}/{w}" if w else "-"})
    visits = pd.DataFrame(shown)
    on_opioid = bool(visits["mme"].iloc[-1] > 0)
    responder, mcid = bool(scored["responder_30"]), bool(scored["function_mcid"])
    step, rule = _next_step(on_opioid, responder and mcid)
    return PatientReading(int(patient), visits, responder, mcid, -float(scored["pain_reduction_pct"]),
                          -float(scored["function_improvement"]), on_opioid, step, rule["text"], rule["source"])


def _next_step(on_opioid: bool, improved: bool) -> tuple[str, dict]:
    """The first rule that applies (rules are tried in trajectory.yaml's order)."""
    applies = {"opioid_without_benefit": on_opioid and not improved, "pain_and_function_improved": improved,
               "otherwise": True}
    for rule in rules()["rules"]:
        if applies[rule["when"]]:
            return rule["next_step"], rule
    raise PainkitError("trajectory.yaml patient_reading.rules: no rule applies; the last must be 'otherwise'")


def grade_reading(reading: PatientReading, responder: bool, next_step: str) -> tuple[float, str]:
    """Score (0-100) and feedback for a learner's reading of one patient."""
    steps = rules()["next_steps"]
    if not isinstance(reading, PatientReading):
        raise PainkitError(f"reading: found {short(reading)} ({type(reading).__name__}); allowed: a PatientReading "
                           f"from read_patient")
    if not isinstance(responder, (bool, np.bool_)):
        raise PainkitError(f"responder: found {short(responder)}; allowed: True or False")
    if not isinstance(next_step, str) or next_step not in steps:
        from ..errors import did_you_mean

        raise PainkitError(f"next_step: {next_step!r} is not one of {', '.join(steps)}{did_you_mean(next_step, steps)}")
    if not isinstance(responder, (bool, np.bool_)):
        raise PainkitError(f"responder: found {responder!r}; answer True (responder) or False")
    points = rules()["score"]
    score = points["responder"] * (bool(responder) == reading.responder)
    score += points["next_step"] * (next_step == reading.next_step)
    verdicts = [f"Responder status: {'correct' if bool(responder) == reading.responder else 'not correct'}.",
                f"Next step: {'correct' if next_step == reading.next_step else 'not the best choice'}."]
    return float(score), " ".join(verdicts) + " " + reading.explain()


def pick_patient(frame: pd.DataFrame, seed: Optional[int] = 0) -> int:
    """A patient who completed the visits shown, chosen with a seeded generator (None: any)."""
    if seed is not None:
        seed = whole(seed, "seed", PainkitError, lo=0)
    pool = eligible_patients(frame)
    if pool.size == 0:
        raise PainkitError("frame: every patient dropped out before the last visit; run a larger cohort")
    return int(np.random.default_rng(seed).choice(pool))
