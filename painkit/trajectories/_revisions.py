"""Revision review: ``review_revision(case, frame, week, new_plan)`` judges a plan change made at a follow-up
visit against what the visit shows (the simulated cohort up to ``week``, scored by ``score_trajectories``).

Non-responders (less than 30% pain relief, the IMMPACT threshold from the instruments' change table) should
see the plan changed, not an ineffective opioid dose raised; a frequent adverse event should lead to stopping
or replacing its cause; 50 MME/day or more should bring naloxone and a reassessment; a responding cohort's
effective plan should be kept. Rule wording, thresholds and sources live in
``painkit/data/revision_rules.yaml``; docs/plan-review.md ("Revision review") lists the codes. The plans
are compared as the simulation runs them (``painkit.trajectories``: a plan plus the current opioids it does not
stop). Education only: not for decisions about real patients.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any, Mapping, Optional

import numpy as np
import pandas as pd

from .. import DISCLAIMER
from .. import _yamlio as yamlio
from ..formulary import recognise
from ..errors import PlanError
from .._findings import Finding, findings_frame, findings_html, render, sort_findings
from ..formulary import table as opioid_table
from ._outcomes import NOTE, SimulationError, checked_frame, score_trajectories, thresholds, wide
from ._regimen import get
from ._schedules import Change, changes_of, compile_schedule
from ._simulate import _catalog, _mme_of, same_case, schedule_of



def load_revision_rules() -> dict[str, Any]:
    """The parsed ``revision_rules.yaml`` (cached, read-only). Its one reader."""
    return yamlio.data_file("revision_rules.yaml")


rules = load_revision_rules


@dataclass
class RevisionReview:
    """The review of one plan revision: ``score`` (0-100), ``findings`` (errors first), a ``message`` (the
    visit and the change in words), and the numbers behind them (``visit``, ``changes``). ``summary`` is a
    one-row DataFrame, as on every painkit result; ``print_summary()`` prints the message."""

    score: int
    findings: list[Finding]
    message: str
    visit: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    case_id: str = ""

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_frame(self) -> pd.DataFrame:
        """Findings as a DataFrame (severity, code, message, source, component, items)."""
        return findings_frame(self.findings)

    @property
    def summary(self) -> pd.DataFrame:
        """One-row DataFrame: case, visit week, score, errors, warnings, responder share, MME before/after."""
        severities = [f.severity for f in self.findings]
        return pd.DataFrame([{"case": self.case_id, "week": self.visit.get("week"), "score": self.score,
                              "errors": severities.count("error"), "warnings": severities.count("warning"),
                              "responder_share": self.visit.get("responder_share"),
                              "mme_before": self.changes.get("mme_before"),
                              "mme_after": self.changes.get("mme_after"), "message": self.message}])

    def print_summary(self) -> None:
        """Print the score and the message a learner reads."""
        print(f"Revision review: {self.score}/100. {self.message}")

    def __repr__(self) -> str:
        lines = [f"RevisionReview({self.case_id or 'case'}, week {self.visit.get('week')}): score {self.score}/100"]
        lines += [f"  [{f.severity}] {f.code}: {f.message}" for f in self.findings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return (f"<div class='pk-review'><p style='color:#666'>{escape(DISCLAIMER)} {escape(NOTE)}</p>"
                f"<h4>Revision review at week {self.visit.get('week')}: {self.score}/100</h4>"
                f"<p>{escape(self.message)}</p>{findings_html(self.findings)}</div>")


# --------------------------------------------------------------------------------------------------
# What the visit shows


def visit_summary(frame: pd.DataFrame, week: int) -> dict[str, Any]:
    """What the week-`week` visit shows: responders (IMMPACT 30%, dropouts count as non-responders, from
    ``score_trajectories``), function MCID, the share with each adverse event so far, MME/day at the visit."""
    from .._validate import whole

    frame = checked_frame(frame, attrs=False)
    week = whole(week, "week", SimulationError, lo=0, hi=520)
    shown = frame[frame["week"] <= week]
    per = score_trajectories(shown).per_patient
    codes = wide(shown, "adverse_event")
    names = list(frame["adverse_event"].cat.categories)
    events = {names[c]: float((codes == c).any(axis=1).mean()) for c in np.unique(codes[codes >= 0])}
    mme = wide(shown, "mme")[:, -1].astype(float)
    mme = mme[~np.isnan(mme)]
    limit = float(opioid_table()["thresholds"][0]["at_least"])
    return {"week": week, "patients": len(per), "in_follow_up": int((~per["dropped_out"]).sum()),
            "responder_share": float(per["responder_30"].mean()), "function_mcid_share": float(per["function_mcid"].mean()),
            "adverse_events": dict(sorted(events.items(), key=lambda kv: -kv[1])), "mme_limit": limit,
            "mme_share": float((mme >= limit).mean()) if mme.size else 0.0,
            "mme_median": float(np.median(mme)) if mme.size else 0.0}


def _plan_at(changes: list[Change], catalog: Mapping[str, Any], case: Any) -> tuple[set[str], dict[str, float]]:
    """Rows the last plan of ``changes`` takes, and the MME/day it prescribes per opioid row (as simulated)."""
    regimen, orders = compile_schedule(changes, catalog, _mme_of, case)
    taken = {k for k, t in zip(regimen.ids, orders.taken[-1]) if t}
    mme = {k: float(v) for k, v in zip(regimen.ids, orders.mme[-1]) if v > 0}
    return taken, mme


def _name(iid: str, catalog: Mapping[str, Any]) -> str:
    return get(catalog.get(iid), "name") or iid.replace("opioid:", "")


def _causes(code: str, rows: set[str], catalog: Mapping[str, Any]) -> list[str]:
    """Rows of a plan whose catalog adverse events include ``code``; an opioid overdose (modelled by the
    engine from the MME/day, trajectory.yaml ``overdose:``) is caused by the plan's opioids. Nocebo events
    have no specific cause."""
    from ._population import params
    from ._regimen import is_opioid_row

    if code == params()["overdose"]["code"]:
        return sorted(r for r in rows if is_opioid_row(r, catalog))
    return sorted(r for r in rows if any(get(ae, "code") == code for ae in
                                         get(get(catalog.get(r), "simulation"), "adverse_events") or []))


# --------------------------------------------------------------------------------------------------
# review_revision


def review_revision(case: Any, frame: pd.DataFrame, week: int, new_plan: Any, *,
                    catalog: Optional[Mapping[str, Any]] = None) -> RevisionReview:
    """Judge ``new_plan`` as a revision, at the week-``week`` visit, of the plan ``frame`` was following:
    score (0-100), findings (code, severity, message, source) and a summary of the visit and the change."""
    frame = checked_frame(frame)  # a DataFrame with the simulate columns (attrs kept)
    case = same_case(frame, case)
    last = int(frame["week"].max()) if len(frame) else 0
    if isinstance(week, bool) or not isinstance(week, (int, np.integer)) or not 1 <= week <= last:
        raise SimulationError(f"week: found {week!r}; allowed: a visit week from 1 to {last}")
    week = int(week)
    catalog = _catalog(catalog)
    before = [c for c in schedule_of(frame) if c.week < week]
    new = changes_of([*((c.week, c.plan()) for c in before), (week, new_plan)], week + 1)
    old_rows, old_mme = _plan_at(before, catalog, case)
    try:
        new_rows, new_mme = _plan_at(new, catalog, case)
    except PlanError as exc:
        raise PlanError(str(exc).replace(f"schedule[{len(before)}]", "new_plan", 1)) from None
    visit = visit_summary(frame, week)
    r = rules()
    share = visit["responder_share"]
    out: list[Finding] = []

    def finding(code: str, severity: Optional[str] = None, items: tuple[str, ...] = (), **params: Any) -> Finding:
        return render(r["rules"][code], code, severity=severity, items=items, **{"week": week, "share": share,
                                                                                 **params})

    added, removed = sorted(new_rows - old_rows), sorted(old_rows - new_rows)
    opioid_rows = set(old_mme) | set(new_mme)
    raised = any(new_mme.get(k, 0.0) > old_mme.get(k, 0.0) for k in opioid_rows)
    lowered = any(new_mme.get(k, 0.0) < old_mme.get(k, 0.0) for k in opioid_rows)
    unchanged = not added and not removed and not raised and not lowered
    before_mme, after_mme = sum(old_mme.values()), sum(new_mme.values())

    harmful: set[str] = set()
    serious = r["serious_adverse_events"]
    for code, seen in visit["adverse_events"].items():
        grave = code in serious["codes"]
        if seen < (serious["share"] if grave else r["adverse_event_share"]):
            continue
        causes = _causes(code, old_rows, catalog)
        harmful.update(causes)
        kept = [c for c in causes if c in new_rows]
        if kept:
            out.append(finding("adverse_event_cause_kept", serious["severity"] if grave else None, tuple(kept),
                               share=seen, event=code.replace("_", " ").capitalize(),
                               causes=", ".join(_name(c, catalog) for c in kept)))

    limit = visit["mme_limit"]
    high_visit = visit["mme_share"] >= r["mme_share"]
    high = high_visit or after_mme >= limit
    reason = (f"{visit['mme_share']:.0%} of patients in follow-up take {limit:g} MME/day or more at week {week}"
              if high_visit else f"The revised plan prescribes {after_mme:g} MME/day")
    naloxone = "naloxone" in new_rows or any("naloxone" in d.classes for m in case.medications
                                             for d in recognise(m.name))
    if high and not naloxone:
        out.append(finding("no_naloxone_at_50_mme", reason=reason))

    assess = week >= r["assess_from_week"]
    responding = share >= r["responding_share"]
    if not assess:
        out.append(finding("early_revision", weeks=r["assess_from_week"]))
    elif not responding:
        if unchanged:
            out.append(finding("plan_unchanged_for_non_responders"))
        elif raised:
            up = tuple(sorted(k for k in opioid_rows if new_mme.get(k, 0.0) > old_mme.get(k, 0.0)))
            out.append(finding("dose_raised_without_response", items=up, before=before_mme, after=after_mme))
        else:
            out.append(finding("plan_changed_for_non_responders", change=_describe(added, removed, before_mme,
                                                                                   after_mme, catalog)))
        if high and after_mme > 0 and not lowered:
            out.append(finding("high_mme_continued_without_benefit", reason=reason))
    else:
        spared = harmful | (opioid_rows if high else set())
        stopped = [k for k in removed if k not in spared]
        if stopped:
            out.append(finding("effective_plan_stopped", items=tuple(stopped),
                               stopped=", ".join(_name(k, catalog) for k in stopped)))
        else:
            out.append(finding("effective_plan_kept"))
    findings = sort_findings(out)
    score = _score(findings)
    changes = {"kept": sorted(old_rows & new_rows), "added": added, "removed": removed,
               "mme_before": before_mme, "mme_after": after_mme}
    message = _message(visit, responding, assess, changes, catalog, score, findings)
    return RevisionReview(score, findings, message, visit, changes, case.id)


def with_outcomes(review: RevisionReview, kept: pd.DataFrame, revised: pd.DataFrame, weeks: int) -> RevisionReview:
    """The review once the same patients have run on to ``weeks`` on the plan kept and on the revision
    (``kept``/``revised``: ``score_trajectories(...).summary``): a revision better on no outcome and worse
    on at least one gets ``revision_did_worse``, rescored, so the score never praises what the table
    shows did harm."""
    r = rules()
    directions = r["outcome_directions"]
    a, b = kept.set_index("outcome"), revised.set_index("outcome")
    better, worse = [], []
    for sign, ids in ((1, directions["higher"]), (-1, directions["lower"])):
        for oid in ids:
            if oid not in a.index or oid not in b.index:
                continue
            diff = sign * (float(b.loc[oid, "estimate"]) - float(a.loc[oid, "estimate"]))
            if diff > 1e-9:
                better.append(oid)
            elif diff < -1e-9:
                worse.append(str(a.loc[oid, "label"]))
    if better or not worse:
        return review
    finding = render(r["rules"]["revision_did_worse"], "revision_did_worse", weeks=weeks, worse=", ".join(worse))
    findings = sort_findings([*review.findings, finding])
    score = _score(findings)
    message = review.message.replace(f"Score {review.score}/100", f"Score {score}/100") + \
        f" At week {weeks} the revision did worse than the plan kept on {', '.join(worse)}."
    return RevisionReview(score, findings, message, review.visit, review.changes, review.case_id)


def _describe(added: list[str], removed: list[str], before: float, after: float, catalog: Mapping[str, Any]) -> str:
    """The change in words: what was added and stopped, and the prescribed MME/day."""
    parts = []
    if added:
        parts.append("adds " + ", ".join(_name(k, catalog) for k in added))
    if removed:
        parts.append("stops " + ", ".join(_name(k, catalog) for k in removed))
    if before != after:
        parts.append(f"takes the prescribed opioids from {before:g} to {after:g} MME/day")
    return "; ".join(parts) or "changes nothing"


def _score(findings: list[Finding]) -> int:
    """100 minus the penalty of each finding (scoring in revision_rules.yaml), capped when there is an error."""
    s = rules()["scoring"]
    total = 100 - sum(s["penalty"][f.severity] for f in findings)
    if any(f.severity == "error" for f in findings):
        total = min(total, s["cap_with_error"])
    return int(max(0, total))


def _message(visit: dict[str, Any], responding: bool, assess: bool, changes: dict[str, Any],
             catalog: Mapping[str, Any], score: int, findings: list[Finding]) -> str:
    """One paragraph: what the visit shows, what the revision changes, and the verdict."""
    th = thresholds()
    events = ", ".join(f"{k.replace('_', ' ')} {v:.0%}" for k, v in list(visit["adverse_events"].items())[:4])
    verdict = ("too early to judge response" if not assess else
               "the cohort is responding" if responding else "the cohort is not responding")
    problems = sum(f.severity != "info" for f in findings)
    return (f"Week {visit['week']} visit: {visit['in_follow_up']} of {visit['patients']} patients in follow-up; "
            f"{visit['responder_share']:.0%} have {th.responder:g}% less pain than at week 0 (IMMPACT) and "
            f"{visit['function_mcid_share']:.0%} function improved by its MCID; adverse events: {events or 'none'}; "
            f"{visit['mme_share']:.0%} take {visit['mme_limit']:g} MME/day or more. So {verdict}. The revision "
            f"{_describe(changes['added'], changes['removed'], changes['mme_before'], changes['mme_after'], catalog)}"
            f". Score {score}/100 with {problems} problem{'s' if problems != 1 else ''} to address. {NOTE}")
