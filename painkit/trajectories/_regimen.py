"""A plan compiled against the intervention catalog: the arrays the cohort engine reads each week.

Each catalog entry's ``simulation:`` block gives its effect by mechanism, onset, durability, function and
PCS effects, tolerance and adverse events (see ``painkit/data/interventions.yaml``); an entry with
``opioid: <drug id>`` is an opioid whose MME comes from the plan's prescription (``painkit.formulary``).
Catalog entries may be objects (``entry.simulation.effect``) or plain mappings (small fake catalogs).
``plan_rows`` lists a plan's rows and their MME/day, ``compile_rows`` builds the arrays: ``compile_plan`` does
both for one plan, ``painkit.trajectories`` for the union of a schedule's plans.
"""
from __future__ import annotations

from collections.abc import Mapping as _MappingABC
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..errors import PlanError, did_you_mean
from ._params import load_trajectory

F32 = np.float32
MECHS: tuple[str, ...] = ("nociceptive", "neuropathic", "nociplastic")


def get(obj: Any, name: str, default: Any = None) -> Any:
    """A field of a catalog object or of a plain mapping (None-safe)."""
    if obj is None:
        return default
    if isinstance(obj, _MappingABC):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _num(sim: Any, name: str, default: float) -> float:
    value = get(sim, name, default)
    return float(default if value is None else value)


@dataclass
class Regimen:
    """One plan as arrays over its K interventions and S adverse-event slots."""

    ids: tuple[str, ...]
    effect: np.ndarray          # (K, 3) fraction of pain relieved at full effect, by mechanism
    onset: np.ndarray           # (K,) weeks to full effect (>= 1: the ramp is 1/onset per week)
    durability: np.ndarray      # (K,) weeks a one-off course lasts after onset (inf: lasts while taken)
    function_effect: np.ndarray  # (K,) fraction of interference relieved at full effect
    pcs_effect: np.ndarray      # (K,) fraction of PCS relieved at full effect
    tolerance: np.ndarray       # (K,) loss of effect per week of use
    mme0: np.ndarray            # (K,) MME/day when first prescribed (0: non-opioid, unconverted or never prescribed)
    opioid: np.ndarray          # (K,) bool: an opioid (catalog entry with ``opioid:``)
    ae_item: np.ndarray         # (S,) row of each adverse-event slot
    ae_rate: np.ndarray         # (S,) weekly rate
    ae_stops: np.ndarray        # (S,) bool: the event stops its treatment
    ae_code: np.ndarray         # (S,) index into ``codes``
    codes: tuple[str, ...]      # adverse-event codes of this plan
    warnings: list[str] = field(default_factory=list)
    drug: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # (K,) a pharmacological row (nocebo)
    nocebo_codes: tuple[int, int] = (-1, -1)   # codes of the nocebo symptom and withdrawal (-1: no drug row)
    overdose_code: int = -1                    # code of an opioid overdose (-1: no opioid row)

    @cached_property
    def one_off(self) -> np.ndarray:
        """One-off courses (procedures, patches): their effect lasts ``durability`` weeks whatever adherence."""
        return np.isfinite(self.durability)

    @cached_property
    def outcomes(self) -> list[tuple[int, ...]]:
        """For each intervention, the outcomes it acts on: 0 pain, 1 function, 2 PCS."""
        acts = (self.effect.any(axis=1), self.function_effect > 0, self.pcs_effect > 0)
        return [tuple(j for j in range(3) if acts[j][k]) for k in range(len(self.ids))]

    @cached_property
    def escalates(self) -> np.ndarray:
        """Opioids with an MME (dose creep applies to them)."""
        return self.opioid & (self.mme0 > 0)


def plan_rows(items: Sequence[str], prescriptions: Sequence[Mapping[str, Any]], catalog: Mapping[str, Any],
              mme_of: Callable[[Mapping[str, Any]], float], where: str = "plan",
              carried: Mapping[str, float] | None = None) -> tuple[list[str], dict[str, float], list[str]]:
    """A plan's rows (intervention ids, in plan order, then opioid prescriptions not already listed), the
    MME/day of each opioid row, and warnings. An opioid prescription brings in its catalog intervention (the
    entry whose ``opioid`` is the drug); an opioid item without a prescription keeps ``carried[id]`` (the dose
    the patient already takes) or starts at trajectory.yaml's ``default_start_mme``."""
    ids = list(dict.fromkeys(items))
    for i, iid in enumerate(ids):
        if iid not in catalog:
            raise PlanError(f"{where}.items[{i}]: '{iid}' is not an intervention id{did_you_mean(iid, catalog)}")
    by_drug = opioid_rows(catalog)
    mme: dict[str, float] = {}
    prescribed: set[str] = set()
    warnings: list[str] = []
    for j, rx in enumerate(prescriptions):
        drug = get(rx, "drug")
        if not isinstance(drug, str):  # checked before it is used as a key (issue 16; found by make fuzz)
            from .._validate import kind, short

            raise PlanError(f"{where}.opioids[{j}].drug: found {short(drug)} ({kind(drug)}); allowed: an opioid "
                            f"name such as 'oxycodone'")
        iid = by_drug.get(drug)
        if iid is None:
            warnings.append(f"{where}.opioids[{j}]: no catalog intervention models '{drug}'; its MME is counted "
                            f"but it has no effect in the simulation")
            iid = f"opioid:{drug}"
        if iid not in ids:
            ids.append(iid)
        mme[iid] = mme.get(iid, 0.0) + float(mme_of(rx))
        prescribed.add(iid)
    default_mme = float(load_trajectory()["opioids"]["default_start_mme"])
    for iid in ids:
        if iid not in prescribed and is_opioid_row(iid, catalog):
            mme[iid] = float((carried or {}).get(iid) or default_mme)
    return ids, mme, warnings


def opioid_rows(catalog: Mapping[str, Any]) -> dict[str, str]:
    """Opioid drug id -> the catalog intervention that models it."""
    return {get(entry, "opioid"): iid for iid, entry in catalog.items() if get(entry, "opioid")}


def is_opioid_row(iid: str, catalog: Mapping[str, Any]) -> bool:
    """A row that carries MME: a catalog opioid or an opioid the catalog does not model ('opioid:<drug>')."""
    return iid.startswith("opioid:") or bool(get(catalog.get(iid), "opioid"))


def _trajectory() -> Any:
    from ._params import params

    return params()


def _fitted() -> Any:
    from ._params import fitted

    return fitted()


@dataclass(frozen=True)
class Overrides:
    """Parameters that replace catalog values in the simulation: effects fitted to the calibration targets
    (``painkit/data/fitted.yaml``) and condition-specific effects (trajectory.yaml ``condition_effects``)."""

    effect: Mapping[str, Mapping[str, float]] = field(default_factory=dict)     # id -> mechanism -> effect
    stopping_rate: Mapping[str, float] = field(default_factory=dict)            # id -> summed stopping rate
    ae_rate: Mapping[str, Mapping[str, float]] = field(default_factory=dict)    # id -> code -> weekly rate

    @classmethod
    def for_conditions(cls, conditions: Sequence[str]) -> "Overrides":
        """The fitted parameters, then the condition-specific effects of these conditions (which win)."""
        fit = _fitted()
        effect: dict[str, dict[str, float]] = {}
        for iid, mechs in (fit.get("effect") or {}).items():
            effect[iid] = {m: float(v["value"]) for m, v in mechs.items()}
        for entry in _trajectory().get("condition_effects") or []:
            if set(entry["conditions"]) & set(conditions):
                effect.setdefault(entry["intervention"], {}).update(
                    {m: float(v) for m, v in entry["effect"].items()})
        stopping = {iid: float(v["value"]) for iid, v in (fit.get("stopping_rate") or {}).items()}
        ae = {iid: {c: float(v["value"]) for c, v in codes.items()} for iid, codes in (fit.get("ae_rate") or {}).items()}
        for source, sharing in (_trajectory().get("fitted_shared_by") or {}).items():
            for table in (effect, stopping, ae):
                if source in table:
                    for iid in sharing:
                        table.setdefault(iid, table[source])
        return cls(effect, stopping, ae)


def compile_rows(ids: Sequence[str], mme0: Mapping[str, float], catalog: Mapping[str, Any],
                 warnings: Sequence[str] = (), mme_only: frozenset[str] = frozenset(),
                 overrides: Overrides | None = None) -> Regimen:
    """Arrays over ``ids``: each row's catalog simulation block (none for 'opioid:<drug>' rows and for the
    ``mme_only`` rows: current opioids whose effect is already in the patient's baseline) and its MME/day.
    ``overrides`` (painkit's own catalog only) replaces fitted and condition-specific values."""
    K = len(ids)
    effect = np.zeros((K, 3), F32)
    onset, durab = np.ones(K, F32), np.full(K, np.inf, F32)
    fx, px, tol, mme = (np.zeros(K, F32) for _ in range(4))
    opioid = np.array([is_opioid_row(i, catalog) for i in ids], bool)
    drug = np.zeros(K, bool)
    ae_item: list[int] = []
    ae_rate: list[float] = []
    ae_stops: list[bool] = []
    ae_code: list[int] = []
    codes: dict[str, int] = {}
    for k, iid in enumerate(ids):
        mme[k] = mme0.get(iid, 0.0) if opioid[k] else 0.0
        sim = None if iid in mme_only else get(catalog.get(iid), "simulation")
        if sim is None:
            continue
        drug[k] = get(catalog.get(iid), "category") == "pharmacological"
        eff = get(sim, "effect") or {}
        effect[k] = [float(get(eff, m, 0.0) or 0.0) for m in MECHS]
        if overrides is not None and iid in overrides.effect:
            effect[k] = [overrides.effect[iid].get(m, float(effect[k][j])) for j, m in enumerate(MECHS)]
        onset[k] = max(1.0, _num(sim, "onset_weeks", 1.0))
        d = get(sim, "durability_weeks")
        durab[k] = np.inf if d is None else float(d)
        fx[k], px[k] = _num(sim, "function_effect", 0.0), _num(sim, "pcs_effect", 0.0)
        tol[k] = _num(sim, "tolerance_per_week", 0.0)
        events = list(get(sim, "adverse_events") or [])
        rates = [_num(ae, "weekly_rate", 0.0) for ae in events]
        stops = [bool(get(ae, "stops_treatment", False)) for ae in events]
        if overrides is not None:
            fixed = overrides.ae_rate.get(iid, {})
            rates = [fixed.get(str(get(ae, "code")), r) for ae, r in zip(events, rates)]
            if iid in overrides.stopping_rate and any(stops):
                total = sum(r for r, st in zip(rates, stops) if st)
                share = [(r / total if total > 0 else 1 / sum(stops)) for r in rates]
                rates = [overrides.stopping_rate[iid] * sh if st else r for r, sh, st in zip(rates, share, stops)]
        for ae, rate, stop in zip(events, rates, stops):
            ae_item.append(k)
            ae_rate.append(rate)
            ae_stops.append(stop)
            ae_code.append(codes.setdefault(str(get(ae, "code")), len(codes)))
    nocebo = (-1, -1)
    if drug.any():
        nc = _trajectory()["nocebo"]
        nocebo = (codes.setdefault(nc["symptom_code"], len(codes)), codes.setdefault(nc["withdrawal_code"], len(codes)))
    overdose = codes.setdefault(_trajectory()["overdose"]["code"], len(codes)) if opioid.any() else -1
    if len(codes) > 127:
        raise PlanError(f"plan: {len(codes)} distinct adverse-event codes; at most 127 are supported")
    return Regimen(tuple(ids), effect, onset, durab, fx, px, tol, mme, opioid, np.array(ae_item, np.intp),
                   np.array(ae_rate, F32), np.array(ae_stops, bool), np.array(ae_code, np.int8),
                   tuple(codes), list(warnings), drug, nocebo, overdose)


def compile_plan(items: Sequence[str], prescriptions: Sequence[Mapping[str, Any]], catalog: Mapping[str, Any],
                 mme_of: Callable[[Mapping[str, Any]], float], overrides: Overrides | None = None) -> Regimen:
    """Arrays for one plan's interventions (``plan_rows`` then ``compile_rows``); ``mme_of(prescription)``
    gives MME/day. Plan schedules compile the union of their plans' rows (``painkit.trajectories``)."""
    ids, mme, warnings = plan_rows(items, prescriptions, catalog, mme_of)
    return compile_rows(ids, mme, catalog, warnings, overrides=overrides)
