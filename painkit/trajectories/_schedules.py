"""Plan schedules: one plan, or a list of ``(week, plan)`` changes, compiled into the rows and weekly orders the
cohort engine follows (``pk.simulate(case, [(0, plan_a), (4, plan_b)])``, ``pk.branch``).

A change at week ``w`` is made at the week-``w`` visit: the rows of weeks 0..w are those of the plans before
it, and the new plan acts from week ``w + 1``. A plan is its items and opioid prescriptions plus the case's
current opioids, which continue at their dose unless the plan stops them (``Plan.stop``, matched as in plan
review by ``painkit.plans``) or prescribes the same drug (a new dose). ``None`` at week 0 is the untreated
natural history (current medications left out); ``None`` later stops the whole plan. Non-opioid current
medications are not simulated (their effect is in the patient's baseline). Educational model, not predictive.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy as np

from ..formulary import _current as stopping
from ..formulary import recognise
from ..errors import PlanError
from ._outcomes import SimulationError
from ._regimen import F32, Regimen, compile_rows, opioid_rows, plan_rows

WEEKS_PER_MONTH = 365.25 / 12 / 7   # a unit conversion, not a clinical constant


# --------------------------------------------------------------------------------------------------
# Plans and changes


def plan_parts(plan: Any) -> tuple[list[str], list[Mapping[str, Any]]]:
    """(intervention ids, opioid prescriptions) of a Plan, a list of ids, a mapping or None (no treatment)."""
    if plan is None:
        return [], []
    if isinstance(plan, str):
        raise PlanError(f"plan: found the string {plan!r}; give pk.Plan([...]) or a list of intervention ids")
    if isinstance(plan, Mapping):
        items, rx = plan.get("items", []), plan.get("opioids") or []
    elif hasattr(plan, "items") and not callable(plan.items):
        items, rx = plan.items, getattr(plan, "opioids", None) or []
    else:
        items, rx = plan, []
    items = list(items)
    for i, iid in enumerate(items):
        if not isinstance(iid, str):
            hint = ("; for a plan schedule give (week, plan) pairs, e.g. [(0, plan_a), (4, plan_b)]"
                    if isinstance(iid, Mapping) or hasattr(iid, "items") else "")
            raise PlanError(f"plan.items[{i}]: found {iid!r}; an item is an intervention id string{hint}")
    return items, list(rx)


def plan_stop(plan: Any) -> tuple[str, ...]:
    """The current medications a plan stops (``Plan.stop`` or a mapping's ``stop``; none for a list)."""
    stop = plan.get("stop") if isinstance(plan, Mapping) else getattr(plan, "stop", None)
    if stop is None:
        return ()
    if isinstance(stop, str) or not isinstance(stop, Sequence):
        raise PlanError(f"plan.stop: found {stop!r}; give a list of current medications, e.g. ['tramadol']")
    return tuple(str(s) for s in stop)


def jsonable(prescription: Any) -> dict[str, Any]:
    """A prescription mapping or parsed ``opioids.Prescription`` as a plain dict (for ``frame.attrs``)."""
    if isinstance(prescription, Mapping):
        return dict(prescription)
    return {k: getattr(prescription, k) for k in ("drug", "dose", "unit", "per_day") if hasattr(prescription, k)}


@dataclass(frozen=True)
class Change:
    """One plan of a schedule and the visit week it starts at (it acts from the next week on)."""

    week: int
    items: tuple[str, ...]
    prescriptions: tuple[Any, ...]
    stop: tuple[str, ...]
    untreated: bool               # the plan is None: no treatment

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, kept in ``frame.attrs['schedule']`` so a cohort can be continued (``pk.branch``)."""
        return {"week": self.week, "items": list(self.items), "opioids": [jsonable(r) for r in self.prescriptions],
                "stop": list(self.stop), "untreated": self.untreated}

    def plan(self) -> Optional[dict[str, Any]]:
        """The plan as a mapping (None when untreated)."""
        return None if self.untreated else {"items": list(self.items), "opioids": [jsonable(r) for r in
                                                                                  self.prescriptions],
                                             "stop": list(self.stop)}


def is_schedule(obj: Any) -> bool:
    """True for a list of (week, plan) changes (a plan given as a list holds id strings, not pairs)."""
    return isinstance(obj, (list, tuple)) and any(isinstance(e, (list, tuple)) for e in obj)


def _change(week: int, plan: Any, where: str) -> Change:
    try:
        items, rx = plan_parts(plan)
        stop = plan_stop(plan)
    except PlanError as exc:
        raise PlanError(f"{where}: {exc}" if where else str(exc)) from None
    return Change(week, tuple(items), tuple(rx), stop, plan is None)


def changes_of(schedule: Any, weeks: int) -> list[Change]:
    """Validate a plan or a schedule of (week, plan) changes for a run of ``weeks`` weeks: the first change at
    week 0, weeks increasing, each change before the last week (a change at week w acts from week w + 1)."""
    if not is_schedule(schedule):
        return [_change(0, schedule, "")]
    out: list[Change] = []
    for i, entry in enumerate(schedule):
        where = f"schedule[{i}]"
        if not isinstance(entry, (list, tuple)) or len(entry) != 2:
            text = repr(entry) if len(repr(entry)) < 60 else repr(entry)[:57] + "..."
            raise SimulationError(f"{where}: found {text}; each change is a (week, plan) pair, e.g. "
                                  f"[(0, plan_a), (4, plan_b)]")
        week, plan = entry
        if isinstance(week, bool) or not isinstance(week, (int, np.integer)):
            raise SimulationError(f"{where}: week {week!r} is not a whole number of weeks")
        if i == 0 and week != 0:
            raise SimulationError(f"{where}: the first change is at week {week}; a schedule starts at week 0 "
                                  f"with the plan the cohort starts on, e.g. [(0, plan_a), ({max(int(week), 1)}, "
                                  f"plan_b)]")
        if out and week <= out[-1].week:
            raise SimulationError(f"{where}: week {week} does not come after the previous change (week "
                                  f"{out[-1].week}); weeks must increase")
        if week >= weeks:
            raise SimulationError(f"{where}: week {week} is outside the run (weeks={weeks}); a change at week w "
                                  f"acts from week w + 1, so allowed: 1 to {weeks - 1}")
        out.append(_change(int(week), plan, where))
    if not out:
        raise SimulationError("schedule: empty; give a plan or a list of (week, plan) changes starting at week 0")
    return out


# --------------------------------------------------------------------------------------------------
# The case's current opioids


@dataclass(frozen=True)
class CurrentOpioid:
    """A current opioid of the case: its MME/day, months of use (None: not recorded) and medication indices."""

    drug: str
    mme: float
    months: Optional[float]
    indices: tuple[int, ...]


def current_opioids(case: Any) -> dict[str, CurrentOpioid]:
    """The case's current opioids with a known MME/day, by drug (two medications of one drug add up)."""
    from ..formulary import current_prescriptions

    out: dict[str, CurrentOpioid] = {}
    for i, med in enumerate(case.medications):
        parsed, _ = current_prescriptions([med])
        if not parsed or not parsed[0].mme:
            continue
        p, since = parsed[0], getattr(med, "since_months", None)
        old = out.get(p.drug)
        if old is not None:
            since = None if since is None or old.months is None else max(since, old.months)
            out[p.drug] = CurrentOpioid(p.drug, old.mme + p.mme, since, old.indices + (i,))
        else:
            out[p.drug] = CurrentOpioid(p.drug, float(p.mme), since, (i,))
    return out


def _names_row(entry: str, rows: set[str], catalog: Mapping[str, Any]) -> bool:
    """True when a stop entry names one of the previous plan's rows (id, opioid id or a drug name)."""
    key = entry.strip().lower().replace(" ", "_")
    by_drug = opioid_rows(catalog)
    named = {key, f"opioid:{key}", by_drug.get(key)}
    for d in recognise(entry):
        named |= {d.intervention, f"opioid:{d.opioid}", by_drug.get(d.opioid)}
    return bool(named & rows)


def stopped_medications(stop: Sequence[str], case: Any, previous: set[str], catalog: Mapping[str, Any],
                        where: str) -> set[int]:
    """Indices of the case's medications a plan stops. An entry may also name a row of the previous plan of
    the schedule (dropped anyway); one that names neither is a PlanError (as in plan review)."""
    found: set[int] = set()
    for j, entry in enumerate(stop):
        hits = stopping.matches(entry, case.medications)
        if hits or _names_row(entry, previous, catalog):
            found.update(hits)
            continue
        try:
            stopping.resolve([entry], case.medications)
        except PlanError as exc:
            text = str(exc).split(":", 1)[1]
            raise PlanError(f"{where + '.' if where else ''}stop[{j}]:{text}") from None
    return found


# --------------------------------------------------------------------------------------------------
# Compiling a schedule


@dataclass
class Orders:
    """What each plan of a schedule asks of every row of the compiled regimen."""

    weeks: np.ndarray          # (S,) visit week of each change
    taken: np.ndarray          # (S, K) bool: the row is part of the plan (its effect is sought)
    mme: np.ndarray            # (S, K) prescribed MME/day of each opioid row (current opioids included)
    initial_mme: np.ndarray    # (K,) MME/day a row carries at week 0 (the case's current opioids)
    since_weeks: np.ndarray    # (K,) weeks of use before week 0 (inf: not recorded)

    @classmethod
    def single(cls, regimen: Regimen) -> "Orders":
        """One plan taken from week 0, no current opioids (``compile_plan`` regimens)."""
        K = len(regimen.ids)
        return cls(np.zeros(1, np.int32), np.ones((1, K), bool), regimen.mme0[None].astype(F32), np.zeros(K, F32),
                   np.zeros(K, F32))


def compile_schedule(changes: Sequence[Change], catalog: Mapping[str, Any], mme_of: Callable[[Any], float],
                     case: Any) -> tuple[Regimen, Orders]:
    """One regimen over every row any plan of the schedule uses (first plan's rows first, so a schedule's
    first weeks compute exactly what its first plan alone computes), and the orders of each plan."""
    by_drug = opioid_rows(catalog)
    current = {} if changes[0].untreated else current_opioids(case)
    row_of = {drug: by_drug.get(drug) or f"opioid:{drug}" for drug in current}
    alive = {row_of[d]: c for d, c in current.items()}          # current opioids still continued
    order: list[str] = []
    taken_by: list[set[str]] = []
    mme_by: list[dict[str, float]] = []
    warnings: list[str] = []
    prev_mme: dict[str, float] = {k: c.mme for k, c in alive.items()}
    prev_rows: set[str] = set(alive)
    single = len(changes) == 1
    for s, ch in enumerate(changes):
        where = "plan" if single else f"schedule[{s}]"
        if ch.untreated:
            rows, mme, alive = [], {}, {}
        else:
            rows, mme, notes = plan_rows(ch.items, ch.prescriptions, catalog, mme_of, where,
                                         carried={k: v for k, v in prev_mme.items() if v > 0})
            warnings += [w for w in notes if w not in warnings]
            stopped = stopped_medications(ch.stop, case, prev_rows, catalog, "" if single else where)
            alive = {k: c for k, c in alive.items() if k not in rows and not set(c.indices) & stopped}
            mme = {**{k: c.mme for k, c in alive.items()}, **mme}
        for k in [*rows, *alive, *(row_of.values() if s == 0 else ())]:   # a stopped current opioid tapers
            if k not in order:
                order.append(k)
        taken_by.append(set(rows))
        mme_by.append(mme)
        prev_mme, prev_rows = mme, set(rows) | set(alive)
    S, K = len(changes), len(order)
    taken = np.array([[k in t for k in order] for t in taken_by], bool).reshape(S, K)
    mme = np.array([[m.get(k, 0.0) for k in order] for m in mme_by], F32).reshape(S, K)
    first = {k: float(next((mme[s, i] for s in range(S) if taken[s, i] and mme[s, i] > 0), 0.0))
             for i, k in enumerate(order)}
    start = {row_of[d]: c for d, c in current.items()}
    initial = np.array([start[k].mme if k in start else 0.0 for k in order], F32)
    since = np.array([np.inf if k in start and start[k].months is None else
                      (start[k].months * WEEKS_PER_MONTH if k in start else 0.0) for k in order], F32)
    never_taken = frozenset(k for i, k in enumerate(order) if not taken[:, i].any())
    regimen = compile_rows(order, first, catalog, warnings, mme_only=never_taken)
    weeks = np.array([c.week for c in changes], np.int32)
    return regimen, Orders(weeks, taken, mme, initial, since)
