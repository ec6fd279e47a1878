"""The checks on stopping a patient's current medications (CDC 2022 Rec 5 for long-term opioids; FDA 2020
boxed warning for benzodiazepines). Which medications a ``stop`` list names is ``painkit.formulary``'s
``resolve``. Thresholds and wording live in ``painkit/data/plan_rules.yaml`` (``discontinuation``).
Education only.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Optional

from ..formulary import _opioids
from ..formulary import recognise
from .._findings import Finding

if TYPE_CHECKING:
    from ._rules import Context


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
