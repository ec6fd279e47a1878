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
    """Stopping a long-term opioid at any dose with no opioid left (CDC 2022 Rec 5; FDA 2019), cutting the
    total opioid dose faster than a documented taper pace in one step, stopping medication for opioid use
    disorder (Kohan 2021), and stopping a benzodiazepine after steady use (FDA 2020)."""
    spec = ctx.rules["discontinuation"]
    drugs = _opioids.table()["drugs"]
    if ctx.oud:
        moud = [m for m in ctx.stopped if any(d.opioid in ctx.rules["moud"] for d in recognise(m.name))]
        if moud:
            yield ctx.finding("moud_stopped_in_oud", items=tuple(m.name for m in moud),
                              names=", ".join(m.name for m in moud))
    stopped_opioids = [(m, d) for m in ctx.stopped for d in recognise(m.name)
                       if d.opioid and drugs[d.opioid]["factor"] is not None
                       and _long_term(m, spec["opioid_long_term_months"])
                       and not (ctx.oud and d.opioid in ctx.rules["moud"])]
    before = round(sum(ctx.before_mme.values()), 2)
    after = ctx.mme.total
    if stopped_opioids and not [a for a in ctx.opioid_agents() if not ctx.moud(a)]:
        yield ctx.finding("abrupt_opioid_discontinuation", items=tuple(d.intervention or d.opioid
                          for _, d in stopped_opioids), names=", ".join(m.name for m, _ in stopped_opioids),
                          dose=f"{before:g} MME/day from all opioids before this plan" if before else
                          "dose not recorded", months=min(m.since_months for m, _ in stopped_opioids))
    elif before > 0 and 0 < after < before and not any(a.switch for a in ctx.opioid_agents()):
        yield from _rapid_reduction(ctx, spec, before, after)
    benzos = [m for m in ctx.stopped if _long_term(m, spec["benzodiazepine_months"])
              and any("benzodiazepine" in d.classes for d in recognise(m.name))]
    if benzos:
        yield ctx.finding("abrupt_benzodiazepine_discontinuation", items=tuple(m.name for m in benzos),
                          names=", ".join(m.name for m in benzos), months=min(m.since_months for m in benzos))


def _rapid_reduction(ctx: "Context", spec: dict, before: float, after: float) -> Iterator[Optional[Finding]]:
    """One plan is one taper step: a cut larger than the documented pace (10% after a year or more of use,
    else 25%: FDA 2019's 10-25% every 2-4 weeks) is too fast. Use shorter than 'long term' is not judged."""
    months = [m.since_months for m in ctx.case.medications if m.since_months is not None
              and any(d.opioid for d in recognise(m.name))]
    if not months or max(months) < spec["opioid_long_term_months"]:
        return
    longest = max(months)
    year = longest >= spec["opioid_year_months"]
    limit = spec["max_step_fraction_long_term"] if year else spec["max_step_fraction"]
    cut = (before - after) / before
    if cut > limit + 1e-9:
        pace = ("about 10% a month or slower after a year or more of opioids (CDC 2022 Rec 5)" if year else
                "no more than 10-25% every 2-4 weeks (FDA 2019)")
        reduced = tuple(dict.fromkeys(p.drug for p in ctx.plan.opioids)) or \
            tuple(dict.fromkeys(a.key for a in ctx.opioid_agents()))
        yield ctx.finding("rapid_opioid_dose_reduction", items=reduced, before=before, after=round(after, 2),
                          pct=round(100 * cut), months=longest, limit=round(100 * limit), pace=pace)
