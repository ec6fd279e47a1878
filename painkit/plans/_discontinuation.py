"""Stopping current medications: which of a patient's medications a plan's ``stop`` list names, and the
checks on stopping them (CDC 2022 Rec 5 for long-term opioids; FDA 2020 boxed warning for benzodiazepines).

A stop entry names current medications by their name as written in the case (case-insensitive), or by a
drug it names (generic or brand name, opioid drug id, catalog intervention id) or a drug class from
``painkit/data/drug_names.yaml`` (e.g. 'nsaid' stops every oral NSAID the patient takes). Thresholds and
wording live in ``painkit/data/plan_rules.yaml`` (``discontinuation``). Education only.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Optional, Sequence

from ..formulary import _opioids
from ..formulary._names import recognise
from ..errors import PlanError, did_you_mean
from .._findings import Finding

if TYPE_CHECKING:
    from ._rules import Context


def _names_drug(entry: str, med_name: str) -> bool:
    """True when a stop entry names a drug in the medication (drug, opioid or intervention id, or class)."""
    key = entry.strip().lower().replace(" ", "_")
    wanted = {d.generic for d in recognise(entry)}
    return any(d.generic in wanted or key in (d.opioid, d.intervention) or key in d.classes
               for d in recognise(med_name))


def matches(entry: str, medications: Sequence[Any]) -> list[int]:
    """Indices of the medications one stop entry names: an exact name first, else by drug or class."""
    text = entry.strip().lower()
    exact = [i for i, m in enumerate(medications) if m.name.strip().lower() == text]
    return exact or [i for i, m in enumerate(medications) if _names_drug(entry, m.name)]


def resolve(stop: Sequence[str], medications: Sequence[Any]) -> list[int]:
    """Indices (in case order) of the medications a plan stops; PlanError for an entry that names none."""
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
    try:
        resolve(case.key.stop, case.medications)
    except PlanError as exc:
        return [f"key.{exc}"]
    return []


def _long_term(med: Any, months: float) -> bool:
    return med.since_months is not None and med.since_months >= months


def discontinuation_checks(ctx: "Context") -> Iterator[Optional[Finding]]:
    """Stopping a long-term opioid at a higher dosage without a taper prescription (CDC 2022 Rec 5), and
    stopping a benzodiazepine after steady use (FDA 2020): both must be gradual tapers, not abrupt stops."""
    if not ctx.stopped:
        return
    spec = ctx.rules["discontinuation"]
    drugs = _opioids.table()["drugs"]
    stopped_opioids = [(m, d) for m in ctx.stopped for d in recognise(m.name)
                       if d.opioid and drugs[d.opioid]["factor"] is not None
                       and _long_term(m, spec["opioid_long_term_months"])]
    if stopped_opioids and not ctx.plan.opioids:
        before, _ = _opioids.current_prescriptions(ctx.case.medications)
        total = round(sum(p.mme or 0.0 for p in before), 2)
        if total >= spec["opioid_at_least_mme"]:
            yield ctx.finding("abrupt_opioid_discontinuation", items=tuple(d.intervention or d.opioid
                              for _, d in stopped_opioids), names=", ".join(m.name for m, _ in stopped_opioids),
                              total=total, months=min(m.since_months for m, _ in stopped_opioids))
    benzos = [m for m in ctx.stopped if _long_term(m, spec["benzodiazepine_months"])
              and any("benzodiazepine" in d.classes for d in recognise(m.name))]
    if benzos:
        yield ctx.finding("abrupt_benzodiazepine_discontinuation", items=tuple(m.name for m in benzos),
                          names=", ".join(m.name for m in benzos), months=min(m.since_months for m in benzos))
