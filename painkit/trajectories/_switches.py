"""Plan changes inside a running cohort: which rows the new plan takes, and opioid doses that change.

``switch`` applies one change of a schedule to the engine's ``State`` (``painkit.trajectories``) at its visit week:
rows the new plan takes start (a one-off procedure is done again), rows it drops fade at their own pace in
``cohort`` (a drug over its onset time, a procedure already done over its durability), and an opioid whose
prescription changes goes up at once or is tapered down: each week by ``percent_of_start`` % of the dose when
the taper began, over ``every_weeks`` weeks, at the long-term pace after ``long_term_months`` of use and the
faster pace before (``tapers:`` in ``painkit/data/trajectory.yaml``, with sources). Educational model.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._params import params
from ._population import F32
from ._regimen import Regimen
from ._schedules import WEEKS_PER_MONTH, Orders

if TYPE_CHECKING:
    from ._step import State


def weekly_fraction(weeks_of_use: float) -> float:
    """Share of the dose at the start of a taper removed each week, after ``weeks_of_use`` weeks of use."""
    t = params()["tapers"]
    pace = t["long_term"] if weeks_of_use >= t["long_term_months"] * WEEKS_PER_MONTH else t["shorter_term"]
    return float(pace["percent_of_start"]) / 100 / float(pace["every_weeks"])


def switch(state: "State", regimen: Regimen, orders: Orders, s: int) -> None:
    """Apply change ``s`` of the schedule at its visit week (before the step to the next week)."""
    week = int(orders.weeks[s])
    taken = orders.taken[s]
    state.start_week[taken & ~state.taken] = week
    state.taken = taken.copy()
    state.live |= taken
    goal = orders.mme[s]
    for k in np.flatnonzero(regimen.opioid):
        if goal[k] == state.goal[k]:
            continue                                  # same prescription: carry on (dose creep, a taper under way)
        dose = state.mme[k]
        if not np.isfinite(state.since[k]) and goal[k] > 0:
            state.since[k] = week
        down = dose > goal[k]
        dose[~down] = goal[k]                         # a new or higher dose applies at once
        step, start = state.taper_arrays()
        start[k] = np.where(down, dose, 0)
        step[k] = start[k] * F32(weekly_fraction(week - float(state.since[k])))
        state.tapering[k] = bool(down.any())
        state.live[k] |= state.tapering[k]
        state.goal[k] = goal[k]


def advance(state: "State") -> None:
    """One week of every taper under way: the dose falls by its weekly step, never below the new prescription."""
    step, _ = state.taper_arrays()
    for k in np.flatnonzero(state.tapering):
        dose = state.mme[k]
        dose -= step[k]
        np.maximum(dose, state.goal[k], out=dose)
        if not (dose > state.goal[k]).any():
            state.tapering[k] = False


def fade_target(state: "State", k: int, taking: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Effect target of an opioid the plan stopped while it is tapered: the share of the dose left."""
    _, start = state.taper_arrays()
    out[:] = 0
    np.divide(state.mme[k], start[k], out=out, where=start[k] > 0)
    out *= taking
    return out
