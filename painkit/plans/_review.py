"""Treatment plans and their review: ``Plan``, ``expert_plan(case)`` and ``review_plan(case, plan)``.

A review scores five components 0-100 (mechanism fit, multimodality, guideline concordance, safety for this
patient, agreement with the case key) and explains itself with Findings. The checks live in
``painkit.plans``; rule wording, weights and sources in ``painkit/data/plan_rules.yaml``;
docs/plan-review.md lists every finding code. Education only: not for decisions about real patients.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional, Sequence, Union

from ..formulary import load_catalog
from ..errors import PlanError, did_you_mean
from .._findings import Finding, findings_frame, findings_html, sort_findings
from ..formulary import MMEResult, Prescription, parse_prescription
from .._validate import listed, short, text
from ._rules import COMPONENTS, Context, categories, evaluate, mechanism_coverage, table

if TYPE_CHECKING:
    from ..cases import Case



class Plan:
    """A learner's plan: intervention ids from the catalog, optional opioid prescriptions (see
    ``painkit.formulary``), free-text notes, and ``stop``: the patient's current medications it discontinues
    (matched against the case at review, see ``painkit.plans``). Invalid input raises PlanError."""

    def __init__(self, items: Iterable[str], opioids: Optional[Sequence[Mapping[str, Any]]] = None,
                 notes: Optional[str] = None, stop: Optional[Sequence[str]] = None) -> None:
        # Materialise every iterable once (a generator would otherwise be used up by validation and the
        # saved attempt would lose it).
        items = listed(items, "items", PlanError, limit=500,
                       example="give a list of intervention ids, e.g. ['duloxetine', 'therapeutic_exercise']")
        catalog = load_catalog()
        seen: set[str] = set()
        for i, iid in enumerate(items):
            if not isinstance(iid, str):
                raise PlanError(f"items[{i}]: found {short(iid)} ({type(iid).__name__}); an intervention id is a string")
            if iid not in catalog:
                raise PlanError(f"items[{i}]: {short(iid)} is not an intervention id{did_you_mean(iid, catalog)}; "
                                f"see painkit.interventions() for the catalog")
            if iid in seen:
                raise PlanError(f"items[{i}]: {iid!r} is listed twice; list each intervention once")
            seen.add(iid)
        if opioids is not None:
            opioids = listed(opioids, "opioids", PlanError, limit=100, example="give a list of prescriptions, e.g. "
                             "[{'drug': 'oxycodone', 'dose': 5, 'unit': 'mg', 'per_day': 4}]")
        parsed = [parse_prescription(p, f"opioids[{j}]") for j, p in enumerate(opioids or [])]
        stop = _stop_list(stop)
        if not items and not parsed and not stop:
            raise PlanError("items: the plan is empty; choose at least one intervention from painkit.interventions()")
        if notes is not None and not (isinstance(notes, str) and not notes.strip()):  # "" is no notes
            notes = text(notes, "notes", PlanError, max_len=20_000, allowed="free text up to 20,000 characters")
        self.items: tuple[str, ...] = tuple(items)
        self.opioids: tuple[Prescription, ...] = tuple(parsed)
        self.notes = notes
        self.stop: tuple[str, ...] = stop
        self._raw_opioids = [dict(p) for p in opioids or []]
        by_drug = {it.opioid: it.id for it in catalog.values() if it.opioid}
        extra = [by_drug[p.drug] for p in parsed if p.drug in by_drug and by_drug[p.drug] not in seen]
        self.all_items: tuple[str, ...] = self.items + tuple(dict.fromkeys(extra))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (for attempts and storage)."""
        return {"items": list(self.items), "opioids": self._raw_opioids, "notes": self.notes, "stop": list(self.stop)}

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Plan) and set(self.items) == set(other.items) and self.opioids == other.opioids
                and {s.lower() for s in self.stop} == {s.lower() for s in other.stop})

    def __repr__(self) -> str:
        ops = f", opioids={self._raw_opioids!r}" if self._raw_opioids else ""
        stop = f", stop={list(self.stop)!r}" if self.stop else ""
        return f"Plan({list(self.items)!r}{ops}{stop})"


def _stop_list(stop: Optional[Sequence[str]]) -> tuple[str, ...]:
    """Validate the shape of ``stop`` (names are matched against the case's medications at review)."""
    if stop is None:
        return ()
    stop = listed(stop, "stop", PlanError, limit=200,
                  example="give a list of current medications to stop, e.g. ['ibuprofen']")
    out: list[str] = []
    for i, name in enumerate(stop):
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise PlanError(f"stop[{i}]: found {short(name)}; name a current medication, e.g. 'ibuprofen'")
        if name.strip().lower() in {s.lower() for s in out}:
            raise PlanError(f"stop[{i}]: {short(name)} is listed twice; list each medication once")
        out.append(name.strip())
    return tuple(out)


def expert_plan(case: "Case | str") -> Plan:
    """The plan in the case's key (recommended items, ``key.opioids`` and the medications ``key.stop``s)."""
    case = _as_case(case)
    return Plan(case.key.plan, opioids=case.key.opioids or None, notes="expert plan", stop=case.key.stop or None)


@dataclass
class ExpertComparison:
    """How a plan compares with the key: recommended items matched and missing, extras, inappropriate ones."""

    matched: list[str]
    missing: list[str]
    extra: list[str]
    inappropriate: dict[str, str]

    @property
    def recall(self) -> float:
        total = len(self.matched) + len(self.missing)
        return len(self.matched) / total if total else 1.0


@dataclass
class PlanReview:
    """The review of one plan for one case: total ``score`` (0-100), ``components`` (0-100 each),
    ``findings`` (errors first) and ``expert_comparison``."""

    score: int
    components: dict[str, int]
    findings: list[Finding]
    expert_comparison: ExpertComparison
    mme: Optional[MMEResult] = None
    case_id: str = ""
    plan: Optional[Plan] = field(default=None, repr=False)

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def by_severity(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]

    @property
    def errors(self) -> list[Finding]:
        return self.by_severity("error")

    @property
    def warnings(self) -> list[Finding]:
        return self.by_severity("warning")

    def to_frame(self):
        """Findings as a DataFrame (severity, code, message, source, component, items)."""
        return findings_frame(self.findings)

    @property
    def summary(self):
        """One-row DataFrame: case, score, each component's score, errors, warnings, MME/day."""
        import pandas as pd

        return pd.DataFrame([{"case": self.case_id, "score": self.score, **self.components,
                              "errors": len(self.errors), "warnings": len(self.warnings),
                              "mme": self.mme.total if self.mme is not None else None}])

    def print_summary(self) -> None:
        """Print the review as a learner reads it (score, components, findings)."""
        print(repr(self))

    def components_frame(self):
        """Components as a DataFrame (component, score, weight) for charts."""
        import pandas as pd

        weights = table()["scoring"]["weights"]
        return pd.DataFrame([{"component": c, "score": s, "weight": weights[c]} for c, s in self.components.items()])

    def __repr__(self) -> str:
        lines = [f"PlanReview({self.case_id or 'case'}): score {self.score}/100",
                 "  " + ", ".join(f"{c} {s}" for c, s in self.components.items())]
        lines += [f"  [{f.severity}] {f.code}: {f.message}" for f in self.findings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from .. import DISCLAIMER

        bars = "".join(f"<tr><td>{escape(c.replace('_', ' '))}</td><td>{s}</td><td><div style='background:#4a7bb7;"
                       f"height:10px;width:{s}px'></div></td></tr>" for c, s in self.components.items())
        return (f"<div class='pk-review'><p style='color:#666'>{escape(DISCLAIMER)}</p>"
                f"<h4>Plan review{': ' + escape(self.case_id) if self.case_id else ''}: {self.score}/100</h4>"
                f"<table>{bars}</table>{findings_html(self.findings)}</div>")


def _score(ctx: Context, findings: list[Finding], comparison: ExpertComparison) -> tuple[int, dict[str, int]]:
    """Component scores and the weighted total (rules in plan_rules.yaml 'scoring'; docs/plan-review.md)."""
    s = table()["scoring"]
    penalty = {c: 0.0 for c in COMPONENTS}
    for f in findings:
        penalty[f.component] = penalty.get(f.component, 0.0) + s["penalty"][f.severity]
    n_cats = min(len(categories(ctx)), len(s["categories_score"]) - 1)
    base = {"mechanism_fit": 100 * mechanism_coverage(ctx), "multimodality": s["categories_score"][n_cats],
            "guideline": 100, "safety": 100,
            "key_agreement": 100 * comparison.recall - s["inappropriate_penalty"] * len(comparison.inappropriate)}
    penalty["key_agreement"] = 0.0  # the key's findings are already counted in its base score
    penalty["mechanism_fit"] -= sum(s["penalty"][f.severity] for f in findings if f.code == "mechanism_not_addressed")
    components = {c: int(round(max(0.0, min(100.0, base[c] - penalty[c])))) for c in COMPONENTS}
    total = sum(s["weights"][c] * components[c] for c in COMPONENTS)
    if any(f.severity == "error" for f in findings):
        total = min(total, s["cap_with_error"])
    return int(round(total)), components


def _as_case(case: Any) -> "Case":
    """A Case object, or the case loaded from an id or path; PlanError for anything else."""
    from ..cases import as_case

    return as_case(case, PlanError)


def review_plan(case: Union["Case", str], plan: Union[Plan, Sequence[str]]) -> PlanReview:
    """Review a plan for a case (a Case or a case id, as ``simulate`` takes): score (0-100), components,
    findings and the comparison with the key."""
    case = _as_case(case)
    if not isinstance(plan, Plan):
        plan = Plan(plan)
    ctx = Context(case, plan)
    findings = sort_findings(evaluate(ctx))
    key = case.key
    comparison = ExpertComparison(
        matched=[i for i in key.plan if i in ctx.ids], missing=[i for i in key.plan if i not in ctx.ids],
        extra=[i for i in plan.all_items if i not in key.plan],
        inappropriate={x.id: x.reason for x in key.inappropriate if x.id in ctx.ids})
    score, components = _score(ctx, findings, comparison)
    return PlanReview(score=score, components=components, findings=findings, expert_comparison=comparison,
                      mme=ctx.mme, case_id=case.id, plan=plan)
