"""Monitoring that goes with an opioid prescription: PDMP check (CDC 2022 Rec 9), urine drug testing (Rec 10),
follow-up within 1-4 weeks of starting or raising opioids (Rec 7), a treatment agreement (Rec 2, teaching),
and an ECG before methadone (Krantz 2009; Chou 2014). The monitoring items are catalog entries (category
``monitoring``); item ids and wording live in ``painkit/data/plan_rules.yaml``. Education only.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Optional

from .._findings import Finding

if TYPE_CHECKING:
    from ._rules import Agent, Context


def _names(agents: list["Agent"]) -> str:
    return ", ".join(dict.fromkeys(a.label for a in agents))


def _keys(agents: list["Agent"]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a.key for a in agents))


def prescribed_opioids(ctx: "Context") -> list["Agent"]:
    """Opioids this plan prescribes for pain: new ones, and current ones it writes a new prescription for
    (medication for opioid use disorder is treatment, not a prescription for pain)."""
    drugs = {p.drug for p in ctx.plan.opioids if not ctx.maintenance(p.drug)}
    return [a for a in ctx.opioid_agents() if not ctx.moud(a) and not (a.opioid and ctx.maintenance(a.opioid))
            and (a.new or a.opioid in drugs)]


def monitoring_checks(ctx: "Context") -> Iterator[Optional[Finding]]:
    """Findings for monitoring a plan leaves out when it starts, raises or prescribes opioids."""
    items = ctx.rules["monitoring"]
    prescribed = prescribed_opioids(ctx)
    if not prescribed:
        return
    if items["pdmp"] not in ctx.ids:
        yield ctx.finding("no_pdmp_check", items=_keys(prescribed), names=_names(prescribed))
    starting = [a for a in prescribed if a.new and not a.switch]
    methadone = [a for a in prescribed if a.new and a.opioid == "methadone"]
    if methadone:
        yield ctx.finding("methadone_for_pain_start", items=_keys(methadone), names=_names(methadone))
        if items["ecg"] not in ctx.ids:
            yield ctx.finding("methadone_without_ecg", items=_keys(methadone), names=_names(methadone))
    if ctx.duration not in ("chronic", "subacute"):
        return
    raising = ctx.mme.total > sum(ctx.before_mme.values()) and not starting
    if (starting or raising) and items["follow_up"] not in ctx.ids:
        yield ctx.finding("no_opioid_follow_up", items=_keys(starting or prescribed),
                          names=_names(starting or prescribed), duration=ctx.duration,
                          action="starts" if starting else "raises")
    if starting and items["urine_drug_test"] not in ctx.ids:
        yield ctx.finding("no_urine_drug_test", items=_keys(starting), names=_names(starting), duration=ctx.duration)
    if starting and ctx.duration == "chronic" and items["agreement"] not in ctx.ids:
        yield ctx.finding("no_opioid_agreement", items=_keys(starting), names=_names(starting), duration=ctx.duration)
