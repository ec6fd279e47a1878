"""A patient's current medications: which of them a plan's ``stop`` list names.

A stop entry names current medications by their name as written in the case (case-insensitive), or by a
drug it names (generic or brand name, opioid drug id, catalog intervention id) or a drug class from
``painkit/data/drug_names.yaml`` (e.g. 'nsaid' stops every oral NSAID the patient takes). Used by case
validation, plan review and the trajectory schedules alike, so the three agree on what a stop means.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..errors import PlanError, did_you_mean
from ._names import recognise


def _names_drug(entry: str, med_name: str) -> bool:
    """True when a stop entry names a drug in the medication (drug, opioid or intervention id, or class)."""
    key = entry.strip().lower().replace(" ", "_")
    wanted = {d.generic for d in recognise(entry)}
    return any(d.generic in wanted or key in (d.opioid, d.intervention) or key in d.classes
               for d in recognise(med_name))


def matches(entry: str, medications: Sequence[Any]) -> list[int]:
    """Indices of the medications one stop entry names: an exact name first, else by drug or class."""
    from .._validate import short

    if not isinstance(entry, str):
        raise PlanError(f"stop entry: found {short(entry)} ({type(entry).__name__}); allowed: a medication name")
    text = entry.strip().lower()
    exact = [i for i, m in enumerate(medications) if m.name.strip().lower() == text]
    return exact or [i for i, m in enumerate(medications) if _names_drug(entry, m.name)]


def resolve(stop: Sequence[str], medications: Sequence[Any]) -> list[int]:
    """Indices (in case order) of the medications a plan stops; PlanError for an entry that names none."""
    from .._validate import strings

    stop = strings(stop, "stop", PlanError, example="give a list of current medications, e.g. ['ibuprofen']")
    found: set[int] = set()
    for i, entry in enumerate(stop):
        hits = matches(entry, medications)
        if not hits:
            names = [m.name for m in medications]
            listed = f"this patient's current medications are: {'; '.join(names)}" if names else \
                "this patient has no current medications"
            raise PlanError(f"stop[{i}]: {entry!r} matches none of the current medications"
                            f"{did_you_mean(entry, names)}; {listed}. Give a medication as listed, a drug name "
                            f"(e.g. 'ibuprofen'), an intervention or opioid id, or a drug class (e.g. 'nsaid').")
        found.update(hits)
    return sorted(found)


def stop_problems(case: Any) -> list[str]:
    """Case-file check: each ``key.stop`` entry must name one of the case's medications."""
    if not hasattr(case, "key") or not hasattr(case, "medications"):  # cases sit above the formulary
        from .._validate import kind, short

        raise PlanError(f"stop_problems(): argument 'case': found {short(case)} ({kind(case)}); allowed: a Case")
    try:
        resolve(case.key.stop, case.medications)
    except PlanError as exc:
        return [f"key.{exc}"]
    return []
