"""The trajectory engine's weekly step, vectorised over patients (numpy; the Python loops run over weeks
and over the plan's few interventions, never over patients).

An educational model, not a predictive one. Every parameter is read from ``painkit/data/trajectory.yaml``
(with its source or the label "teaching assumption") and from the catalog's ``simulation:`` blocks
(compiled by ``painkit.trajectories``); the patients come from ``painkit.trajectories``.

Plan schedules (``pk.simulate(case, [(0, a), (4, b)])``, ``pk.branch``): the regimen holds every row any
plan of the schedule uses, and ``State`` everything that carries from one week to the next (effect levels,
tolerance, MME, stops, fluctuation, current PCS, dropout) as (K, n) arrays over those rows. At a change
(``painkit.trajectories.switch``) kept rows carry on, dropped ones fade at their own pace (an opioid is tapered),
new ones start from level 0 at their ``start_week``. Rows no plan has started yet are skipped, so a
schedule's weeks before a change compute exactly what its earlier plans alone compute; the weekly random
numbers never depend on the plan.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from . import _switches as taper
from ._params import params
from ._population import F32, Cohort, weekly_draws
from ._regimen import Regimen
from ._schedules import Orders

SCALE_MAX = np.array([[10], [10], [52]], F32)  # pain, function (BPI interference), PCS


# --------------------------------------------------------------------------------------------------
# State and the weekly step


@dataclass
class State:
    """What carries from week to week. Rows of the (K, n) arrays follow ``ids``."""

    week: int
    ids: tuple[str, ...]
    start_week: np.ndarray      # (K,) week each intervention started
    gain: np.ndarray            # (3, K, n) full effect on pain, function, PCS for this patient (capped)
    level: np.ndarray           # (K, n) attained fraction of full effect
    tolerance: np.ndarray       # (K, n) fraction of effect lost to tolerance
    mme: np.ndarray             # (K, n) MME/day taken of each opioid row (prescription, dose creep, taper)
    escalations: np.ndarray     # (K, n) int8 number of dose increases
    stopped: np.ndarray         # (K, n) bool: stopped after an adverse event
    noise: np.ndarray           # (3, n) current fluctuation of pain, function, PCS
    pain0: np.ndarray           # (n,) observed pain at week 0 (what the clinician compares against)
    pcs: np.ndarray             # (n,) current PCS (blunts next week's response)
    dropped: np.ndarray         # (n,) bool
    taken: np.ndarray           # (K,) bool: the row is part of the plan in force
    live: np.ndarray            # (K,) bool: the row may act (started, fading or tapering); others are skipped
    goal: np.ndarray            # (K,) prescribed MME/day of each row under the plan in force
    since: np.ndarray           # (K,) week an opioid row's use began (negative: before week 0; inf: not yet)
    tapering: np.ndarray        # (K,) bool: a taper of this row is under way
    nonspecific: float = 0.0    # attained fraction of the nonspecific response (same for every patient)
    work: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # reusable scratch buffers

    def buffer(self, name: str, shape: tuple[int, ...], dtype: Any = F32) -> np.ndarray:
        """A scratch array kept between weeks (big temporaries are not reallocated every week)."""
        buf = self.work.get(name)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = self.work[name] = np.empty(shape, dtype)
        return buf

    def taper_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(K, n) weekly MME step of each taper and the dose it started from (allocated on first use)."""
        if "taper_step" not in self.work:
            self.work["taper_step"], self.work["taper_start"] = np.zeros_like(self.mme), np.zeros_like(self.mme)
        return self.work["taper_step"], self.work["taper_start"]


@dataclass
class Visit:
    """One week's observations for every patient (scores NaN after dropout; ae = -1 when none)."""

    pain: np.ndarray
    function: np.ndarray
    pcs: np.ndarray
    mme: np.ndarray
    adherent: np.ndarray
    ae: np.ndarray
    dropped: np.ndarray


def gains(cohort: Cohort, regimen: Regimen) -> np.ndarray:
    """(3, K, n): each patient's full effect of each intervention on pain (catalog effect weighted by the
    patient's mechanism mix), function and PCS, times the patient's responsiveness; capped."""
    K, n = len(regimen.ids), cohort.n
    rows = {cid: i for i, cid in enumerate(cohort.catalog_ids)}
    response = np.empty((K, n), F32)
    for k, iid in enumerate(regimen.ids):
        response[k] = cohort.specific[rows[iid]] if iid in rows else 1
    response *= cohort.general
    out = np.empty((3, K, n), F32)
    out[0] = (regimen.effect @ cohort.mix) * response
    out[1] = regimen.function_effect[:, None] * response
    out[2] = regimen.pcs_effect[:, None] * response
    return np.minimum(out, F32(params()["combination"]["max_effect"]), out=out)


def start(cohort: Cohort, regimen: Regimen, orders: Orders | None = None) -> tuple[State, Visit]:
    """The week-0 state and the baseline visit (before any plan acts; the case's current opioids carry
    ``orders.initial_mme``)."""
    n, K = cohort.n, len(regimen.ids)
    orders = orders if orders is not None else Orders.single(regimen)
    noise = cohort.noise0.copy()
    obs = np.stack([cohort.usual_pain, cohort.function0, cohort.pcs0]) + noise
    np.clip(obs, 0, SCALE_MAX, out=obs)
    initial = orders.initial_mme.astype(F32)
    state = State(0, regimen.ids, np.zeros(K, np.int32), gains(cohort, regimen), np.zeros((K, n), F32),
                  np.zeros((K, n), F32), np.repeat(initial[:, None], n, axis=1), np.zeros((K, n), np.int8),
                  np.zeros((K, n), bool), noise, obs[0].copy(), obs[2].copy(), np.zeros(n, bool),
                  taken=np.zeros(K, bool), live=np.zeros(K, bool), goal=initial.copy(),
                  since=np.where(initial > 0, -orders.since_weeks, np.inf).astype(F32), tapering=np.zeros(K, bool))
    visit = Visit(obs[0], obs[1], obs[2], np.full(n, cohort.baseline_mme, F32), np.ones(n, bool),
                  np.full(n, -1, np.int8), np.zeros(n, bool))
    return state, visit


def natural_course(cohort: Cohort, week: int) -> np.ndarray:
    """Untreated underlying pain at ``week``: resolving (exponential recovery to a residual), persistent
    (flat) or progressive (growing, capped at 10)."""
    p = params()["natural_history"]
    kind = cohort.phenotype.natural_history
    if kind == "resolving":
        r = F32(p["resolving"]["residual_fraction"])
        return cohort.usual_pain * (r + (1 - r) * np.exp(F32(-week) / cohort.recovery_weeks))
    drift = F32(p[kind]["drift_per_week"]) * F32(week)
    return np.minimum(cohort.usual_pain * (1 + drift), F32(10))


def _advance_levels(regimen: Regimen, state: State, adherent: np.ndarray, week: int) -> np.ndarray:
    """Move each effect level toward its target (1 while taken or within a one-off course, the share of the
    dose left while a stopped opioid is tapered, else 0) by at most 1/onset per week; grow tolerance while
    taken. Row by row (cache-sized vectors); rows no plan has started are skipped. Returns the (K, n) bool
    target (who takes what this week)."""
    K, n = state.level.shape
    target = state.buffer("target", (K, n), bool)
    diff = state.buffer("diff", (n,))
    course = (week - state.start_week) <= regimen.onset + regimen.durability
    for k in range(K):
        row = target[k]
        if not state.live[k]:
            row[:] = False
            continue
        if regimen.one_off[k]:
            row[:] = course[k]
            row &= ~state.stopped[k]
        elif state.taken[k] or state.tapering[k]:
            np.logical_and(adherent, ~state.stopped[k], out=row)
        else:
            row[:] = False
        rate = F32(1 / regimen.onset[k])
        aim = row if state.taken[k] or not state.tapering[k] else taper.fade_target(
            state, k, row, state.buffer("fade", (n,)))
        np.subtract(aim, state.level[k], out=diff, dtype=F32)
        if rate < 1:
            np.clip(diff, -rate, rate, out=diff)
        state.level[k] += diff
        if regimen.tolerance[k] > 0:
            tol = state.tolerance[k]
            tol += regimen.tolerance[k] * (1 - tol) * row
        if not (state.taken[k] or state.tapering[k] or (regimen.one_off[k] and course[k]) or state.level[k].any()):
            state.live[k] = False                          # stopped and faded: skip it from now on
    return target


def _combine(regimen: Regimen, state: State, blunt: np.ndarray, kept: np.ndarray) -> None:
    """Independent action: multiply ``kept`` (3, n) by (1 - gain x active level) of every intervention with an
    effect on that outcome; catastrophizing blunts the pain and function effects. Row by row, so each pass
    works on cache-sized vectors."""
    n = blunt.shape[0]
    tmp, blunted = state.buffer("tmp", (n,)), state.buffer("blunted", (n,))
    for k, outcomes in enumerate(regimen.outcomes):
        if not outcomes or not state.live[k]:
            continue
        active = state.level[k]
        if regimen.tolerance[k] > 0:
            active = active * (1 - state.tolerance[k])
        np.multiply(active, blunt, out=blunted)
        for j in outcomes:
            np.multiply(state.gain[j, k], blunted if j < 2 else active, out=tmp)
            tmp *= kept[j]
            kept[j] -= tmp                                 # kept *= 1 - gain * active


def _nonspecific(cohort: Cohort, regimen: Regimen, state: State, blunt: np.ndarray, kept: np.ndarray,
                 week: int) -> None:
    """The nonspecific (placebo/contextual) response: builds up by 1/onset_weeks per week while the plan in
    force gives any treatment (a one-off course until it wears off), fades at that pace otherwise;
    multiplies ``kept`` pain by 1 - response."""
    ns = params()["nonspecific_response"]
    rate = 1 / float(ns["onset_weeks"])
    course = (week - state.start_week) <= regimen.onset + regimen.durability
    aim = 1.0 if (state.taken & (~regimen.one_off | course)).any() else 0.0
    state.nonspecific += max(-rate, min(rate, aim - state.nonspecific))
    if state.nonspecific <= 0:
        return
    tmp = state.buffer("tmp", kept.shape)
    np.multiply(cohort.nonspecific, blunt, out=tmp)
    tmp *= F32(state.nonspecific)
    tmp *= kept
    kept -= tmp                                            # kept *= 1 - response x level x blunt


def step(cohort: Cohort, regimen: Regimen, state: State, rng: np.random.Generator,
         responder_fraction: float) -> Visit:
    """Advance every patient by one week (in place on ``state``) and return that week's visit.
    ``responder_fraction`` (0.30: IMMPACT, from painkit.instruments) marks who is "not responding"."""
    p = params()
    t = state.week + 1
    n = cohort.n
    z, u = weekly_draws(rng, n, state)
    adherent = u[0] < cohort.adherence

    fl = p["fluctuation"]
    rho = F32(fl["autocorrelation"])
    z *= np.array([[fl["pain_sd"]], [fl["function_sd"]], [fl["pcs_sd"]]], F32) * F32(np.sqrt(1 - rho * rho))
    state.noise *= rho
    state.noise += z

    kept = np.ones((3, n), F32)                          # share of pain, function, PCS left by treatment
    target = np.zeros((0, n), bool)
    if state.tapering.any():
        taper.advance(state)
    if regimen.ids:
        target = _advance_levels(regimen, state, adherent, t)
        blunt = 1 - F32(p["catastrophizing"]["blunting"]) * state.pcs / F32(52)
        _combine(regimen, state, blunt, kept)
        _nonspecific(cohort, regimen, state, blunt, kept[0], t)
        np.maximum(kept, 1 - F32(p["combination"]["max_effect"]), out=kept)

    det = np.empty((3, n), F32)
    det[0] = natural_course(cohort, t) * kept[0]
    relief = 1 - det[0] / cohort.usual_pain
    np.clip(relief, -1, 1, out=relief)
    cat, fc = p["catastrophizing"], p["function"]
    det[2] = cohort.pcs0 * kept[2] * (1 - F32(cat["pain_coupling"]) * relief)
    pcs_relief = 1 - det[2] / np.maximum(cohort.pcs0, F32(1e-3))
    det[1] = (cohort.function0 * kept[1] * (1 - F32(fc["pain_coupling"]) * relief)
              * (1 - F32(fc["pcs_coupling"]) * pcs_relief))
    det += state.noise
    obs = np.clip(det, 0, SCALE_MAX, out=det)
    state.pcs = obs[2].copy()
    responding = obs[0] <= state.pain0 * F32(1 - responder_fraction)

    ae, stopping = _adverse_events(regimen, state, target, t, u[1])
    state.week = t
    if regimen.escalates.any():
        _escalate(regimen, state, target, responding, u[3])
    op = np.flatnonzero(regimen.opioid)
    mme = ((state.mme[op] * ~state.stopped[op]).sum(axis=0, dtype=F32) if op.size else np.zeros(n, F32))

    d = p["dropout"]
    hazard = np.full(n, F32(d["weekly_base_rate"]), F32)
    if t > d["lack_of_efficacy_after_week"]:
        hazard += F32(d["weekly_lack_of_efficacy_rate"]) * ~responding
    hazard += F32(d["after_stopping_adverse_event"]) * stopping
    ae[np.flatnonzero(state.dropped)] = -1
    state.dropped = state.dropped | (u[2] < hazard)
    gone = state.dropped
    idx = np.flatnonzero(gone)
    obs[:, idx] = np.nan
    mme[idx] = np.nan
    return Visit(obs[0], obs[1], obs[2], mme, adherent & ~gone, ae, gone)


def _adverse_events(regimen: Regimen, state: State, target: np.ndarray, week: int,
                    u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most one adverse event per patient-week: one uniform split among the exposed slots' weekly rates
    (competing risks). A one-off course (procedure, patch, course with durability_weeks) is exposed only
    while it is delivered (its first onset_weeks weeks). Marks the treatments an event stops."""
    n = u.shape[0]
    ae = np.full(n, -1, np.int8)
    stopping = np.zeros(n, bool)
    if not regimen.ae_rate.size:
        return ae, stopping
    candidates = np.flatnonzero(u < regimen.ae_rate.sum())      # nobody else can have an event this week
    if not candidates.size:
        return ae, stopping
    delivering = (week - state.start_week) <= regimen.onset          # a one-off course is being delivered
    exposed = np.where(regimen.one_off, delivering, True)[regimen.ae_item]                    # (S,)
    exposure = target[regimen.ae_item[:, None], candidates[None, :]] & exposed[:, None]      # (S, c)
    hit = u[candidates] < np.cumsum(exposure * regimen.ae_rate[:, None], axis=0)
    has = hit[-1]
    slot = np.argmax(hit, axis=0)[has]
    who = candidates[has]
    ae[who] = regimen.ae_code[slot]
    stops = regimen.ae_stops[slot]
    state.stopped[regimen.ae_item[slot[stops]], who[stops]] = True
    stopping[who[stops]] = True
    return ae, stopping


def _escalate(regimen: Regimen, state: State, target: np.ndarray, responding: np.ndarray,
              u: np.ndarray) -> None:
    """Dose creep: an opioid the plan prescribes, taken by a patient who is not responding, may be increased
    this week (the increase wins back part of the tolerance); never during a taper."""
    o = params()["opioids"]
    chance = u < F32(o["escalation_weekly_probability"])
    chance &= ~responding
    for k in np.flatnonzero(regimen.escalates):
        if not state.taken[k] or state.tapering[k] or state.week - state.start_week[k] <= o["escalation_after_week"]:
            continue
        up = chance & target[k] & (state.escalations[k] < o["max_escalations"])
        np.multiply(state.mme[k], F32(o["escalation_step"]), out=state.mme[k], where=up)
        np.multiply(state.tolerance[k], F32(1 - o["tolerance_restored"]), out=state.tolerance[k], where=up)
        state.escalations[k] += up


@dataclass
class Record(Visit):
    """Every visit of a run, week-major: the Visit fields as arrays of shape (weeks + 1, n)."""

    @classmethod
    def empty(cls, n: int, weeks: int) -> "Record":
        shape = (weeks + 1, n)
        return cls(*(np.empty(shape, F32) for _ in range(4)), np.empty(shape, bool), np.empty(shape, np.int8),
                   np.empty(shape, bool))

    def put(self, week: int, visit: Visit) -> None:
        for f in fields(Visit):
            getattr(self, f.name)[week] = getattr(visit, f.name)


def run(cohort: Cohort, regimen: Regimen, weeks: int, rng: np.random.Generator,
        responder_fraction: float, orders: Orders | None = None) -> tuple[State, Record]:
    """Week 0 plus ``weeks`` weekly steps, each plan of ``orders`` applied at its visit week (default: the
    regimen as one plan from week 0): the final state and the record of every visit."""
    orders = orders if orders is not None else Orders.single(regimen)
    state, visit = start(cohort, regimen, orders)
    record = Record.empty(cohort.n, weeks)
    record.put(0, visit)
    s = 0
    for week in range(1, weeks + 1):
        while s < len(orders.weeks) and orders.weeks[s] == week - 1:
            taper.switch(state, regimen, orders, s)
            s += 1
        record.put(week, step(cohort, regimen, state, rng, responder_fraction))
    return state, record
