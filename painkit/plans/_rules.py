"""The plan-review checks: they read the rule table (``painkit/data/plan_rules.yaml``), the catalog and the
case, and yield Findings. No wording, threshold or source lives here; ``painkit.plans`` scores the result.

A review sees the whole regimen: the plan's items and opioid prescriptions plus the patient's current
medications (assumed to continue unless the plan stops them, see ``painkit.plans``, or prescribes the
same drug, which then replaces the dose).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any, Iterator, Optional

from ..formulary import _opioids
from .. import _yamlio as yamlio
from ..formulary import Intervention, load_catalog
from ..formulary import allergy_groups, expand, recognise
from .._findings import Finding, render
from ..formulary import load_conditions, load_drug_names
from ..formulary import resolve
from ._discontinuation import discontinuation_checks

if TYPE_CHECKING:
    from ..cases import Case
    from ._review import Plan

COMPONENTS: tuple[str, ...] = ("mechanism_fit", "multimodality", "guideline", "safety", "key_agreement")


def load_plan_rules() -> dict[str, Any]:
    """The parsed ``plan_rules.yaml`` (cached, read-only): review rules with their sources. Its one reader."""
    return yamlio.data_file("plan_rules.yaml")


table = load_plan_rules


@dataclass
class Agent:
    """One drug in the regimen: from the plan (new or continued) or a current medication."""

    label: str
    classes: frozenset[str]
    intervention: Optional[str] = None
    opioid: Optional[str] = None
    new: bool = True
    in_plan: bool = True
    switch: bool = False  # a new opioid replacing one the plan stops (rotation), not a start of opioid therapy

    @property
    def key(self) -> str:
        return self.intervention or self.opioid or self.label


class Context:
    """Everything the checks need about one case and one plan, computed once per review."""

    def __init__(self, case: "Case", plan: "Plan") -> None:
        self.case, self.plan, self.rules = case, plan, table()
        self.catalog = load_catalog()
        self.items: list[Intervention] = [self.catalog[i] for i in plan.all_items]
        self.ids = set(plan.all_items)
        self.age = case.patient.age
        self.comorbidities = {c.id for c in case.comorbidities}
        self.tags = self.comorbidities | set(case.conditions)
        self.in_scope = case.setting not in self.rules["scope_settings"]
        months = case.findings.pain_duration_months
        self.duration = ("subacute" if case.setting == "acute" and months is not None and months >= 1
                         else case.setting)
        self.active = {m: g for m, g in case.key.mechanisms.items() if g != "unlikely"}
        self.oud = "opioid_use_disorder" in self.tags
        stopped = set(resolve(plan.stop, case.medications))
        self.stopped = [m for i, m in enumerate(case.medications) if i in stopped]
        self.medications = [m for i, m in enumerate(case.medications) if i not in stopped]
        current, self.unknown_opioids = _opioids.current_prescriptions(self.medications)
        plan_drugs = {p.drug for p in plan.opioids}
        self.mme = _opioids.summarise([p for p in current if p.drug not in plan_drugs] + list(plan.opioids))
        # Tolerance is the patient's history: an opioid the plan stops (a rotation) still counts.
        self.tolerant = _opioids.is_opioid_tolerant(case.medications)
        self.agents = self._agents()
        self.naloxone = any("naloxone" in a.classes for a in self.agents)
        self.on_buprenorphine = any(a.opioid == "buprenorphine" and not a.new for a in self.agents)

    def item_name(self, it: Intervention) -> str:
        """The catalog name, or the drug named by its formulation when the regimen's prescription of an
        immediate-release catalog entry is extended-release (e.g. 'Oxycodone (extended-release)')."""
        if not it.opioid or it.long_acting:
            return it.name
        forms = {"ER" if p.long_acting else "IR" for p in self.mme.prescriptions if p.drug == it.opioid}
        return _opioids.formulation_name(it.opioid, sorted(forms)) if "ER" in forms else it.name

    def _agents(self) -> list[Agent]:
        """Current medications (minus stopped ones) and the plan's new drugs. A plan drug that is the same
        drug or intervention as a stopped medication continues it (new=False: a taper or a new dose)."""
        agents = [Agent(m.name, d.classes, d.intervention, d.opioid, new=False, in_plan=False)
                  for m in self.medications for d in recognise(m.name)]
        stopped = [d for m in self.stopped for d in recognise(m.name)]
        replaced = {x for d in stopped for x in (d.intervention, d.opioid) if x}
        rotation = any(d.opioid for d in stopped)
        by_item = {a.intervention: a for a in agents if a.intervention}
        by_opioid = {a.opioid: a for a in agents if a.opioid}

        def add(label: str, classes: frozenset[str], iid: Optional[str], opioid: Optional[str]) -> None:
            new = not ({iid, opioid} & replaced)
            agents.append(Agent(label, classes, iid, opioid, new=new, switch=new and rotation and "opioid" in classes))
            by_item.update({iid: agents[-1]} if iid else {})
            by_opioid.update({opioid: agents[-1]} if opioid else {})

        for it in self.items:
            known = by_item.get(it.id) or (by_opioid.get(it.opioid) if it.opioid else None)
            if known:
                known.in_plan = True
            elif it.classes:
                add(self.item_name(it), expand(it.classes), it.id, it.opioid)
        for p in self.plan.opioids:
            if p.drug in by_opioid:
                by_opioid[p.drug].in_plan = True
            else:
                add(_opioids.prescription_name(p), expand(["opioid"]), None, p.drug)
        return agents

    def finding(self, code: str, *, existing: bool = False, items: tuple[str, ...] = (), source: str = "",
                **params: Any) -> Optional[Finding]:
        """Render rule ``code``, applying 'already existing' and out-of-scope (cancer, palliative) severities;
        None when the rule does not apply in this setting."""
        rule = self.rules["rules"][code]
        if self.case.setting in rule.get("skip_settings", ()):
            return None
        severity = rule.get("severity_if_existing", rule["severity"]) if existing else rule["severity"]
        note = ""
        if not self.in_scope:
            if rule.get("scope") == "cdc2022":
                if rule.get("skip_in_scope_settings"):
                    return None
                severity, note = "info", " " + self.rules["scope_note"]
            elif "severity_in_scope_settings" in rule:
                severity = rule["severity_in_scope_settings"]
        f = render(rule, code, severity=severity, items=items, **params)
        if note or source:
            f = Finding(f.code, f.severity, f.message + note, source or f.source, f.component, f.items)
        return f

    def opioid_agents(self) -> list[Agent]:
        return [a for a in self.agents if "opioid" in a.classes]

    def moud(self, agent: Agent) -> bool:
        """Buprenorphine or methadone in opioid use disorder is treatment (CDC Rec 12), not an opioid for pain."""
        return self.oud and agent.opioid in self.rules["moud"]

    def maintenance(self, drug: str) -> bool:
        """A buprenorphine or methadone prescription that continues treatment (opioid use disorder recorded,
        or the patient already takes the drug): not an acute-pain prescription (CDC Rec 6 does not apply)."""
        return drug in self.rules["moud"] and (self.oud or any(a.opioid == drug and not a.new for a in self.agents))

    def condition_label(self, cid: str) -> str:
        return load_conditions()["conditions"].get(cid, cid.replace("_", " "))


def _names(agents: list[Agent]) -> str:
    return ", ".join(a.label for a in agents)


def _ids(agents: list[Agent]) -> tuple[str, ...]:
    return tuple(a.key for a in agents)


# ---------------------------------------------------------------------- mechanism fit
def mechanism_checks(ctx: Context) -> Iterator[Optional[Finding]]:
    """Items that target none of the patient's mechanisms; mechanisms no item addresses; unmet indications."""
    for it in ctx.items:
        if it.indications:
            if not set(it.indications) & ctx.tags:
                yield ctx.finding("not_indicated", items=(it.id,), item=ctx.item_name(it),
                                  indications=" or ".join(i.replace("_", " ") for i in it.indications))
        elif it.mechanisms and ctx.active and not set(it.mechanisms) & set(ctx.active):
            yield ctx.finding("mechanism_mismatch", items=(it.id,), item=ctx.item_name(it),
                              targets=", ".join(it.mechanisms),
                              mechanisms=", ".join(f"{m} {g}" for m, g in ctx.active.items()))
    enough = set(ctx.rules["addresses_at"])
    for mech, grade in ctx.active.items():
        if any(it.mechanisms.get(mech) in enough for it in ctx.items):
            continue
        options = [it.name for it in ctx.catalog.values() if it.mechanisms.get(mech) == "strong"][:3]
        f = ctx.finding("mechanism_not_addressed", mechanism=mech, grade=grade, suggestions=", ".join(options))
        minor = ctx.rules["scoring"]["grade_weight"].get(grade, 1) < 1
        yield Finding(f.code, "info", f.message, f.source, f.component) if minor else f


def mechanism_coverage(ctx: Context) -> float:
    """Weighted share (0-1) of the patient's active mechanisms addressed with moderate or strong evidence."""
    weights, enough = ctx.rules["scoring"]["grade_weight"], set(ctx.rules["addresses_at"])
    total = sum(weights.get(g, 1) for g in ctx.active.values())
    covered = sum(weights.get(g, 1) for m, g in ctx.active.items()
                  if any(it.mechanisms.get(m) in enough for it in ctx.items))
    return covered / total if total else 1.0


# ---------------------------------------------------------------------- multimodality
def categories(ctx: Context) -> set[str]:
    return {it.category for it in ctx.items}


def multimodality_checks(ctx: Context) -> Iterator[Optional[Finding]]:
    cats = categories(ctx)
    if ctx.duration != "acute" and not cats & set(ctx.rules["nonpharmacological"]):
        yield ctx.finding("no_nonpharmacological_component", setting=ctx.duration)
    if len(cats) == 1:
        yield ctx.finding("single_category_plan", category=next(iter(cats)).replace("_", "-"))


# ---------------------------------------------------------------------- guideline concordance
def guideline_checks(ctx: Context) -> Iterator[Optional[Finding]]:
    """CDC 2022 Rec 1-3, 6, 8 and 12; condition-specific guideline statements; procedure prerequisites."""
    added = [a for a in ctx.opioid_agents() if a.new and not ctx.moud(a)]
    starting = [a for a in added if not a.switch]
    if starting and ctx.duration in ("chronic", "subacute"):
        yield ctx.finding("opioid_not_preferred_chronic", items=_ids(starting), names=_names(starting),
                          duration=ctx.duration)
    nonopioid = set(ctx.rules["nonopioid_analgesics"])
    if starting and ctx.duration == "acute" and not any(a.intervention in nonopioid for a in ctx.agents) \
            and not ctx.ids & nonopioid:
        yield ctx.finding("opioid_first_line_acute", items=_ids(starting), names=_names(starting))
    long_acting = [a for a in added if _long_acting(ctx, a)]
    if long_acting and not ctx.tolerant:
        code = "long_acting_with_buprenorphine" if ctx.on_buprenorphine else "long_acting_for_initiation"
        yield ctx.finding(code, items=_ids(long_acting), names=_names(long_acting))
    if ctx.duration == "acute":
        for p in ctx.plan.opioids:
            if ctx.maintenance(p.drug):
                continue
            drug = _opioids.prescription_name(p)
            if p.days is None:
                yield ctx.finding("acute_opioid_duration_unspecified", items=(p.drug,), drug=drug)
            elif p.days > ctx.rules["acute_days_limit"]:
                yield ctx.finding("acute_opioid_duration_long", items=(p.drug,), drug=drug, days=p.days,
                                  limit=ctx.rules["acute_days_limit"])
    yield from _mme_findings(ctx)
    if ctx.oud and not any(a.opioid in ctx.rules["moud"] for a in ctx.agents):
        yield ctx.finding("oud_without_moud")
    for it in ctx.items:
        for nr in it.not_recommended:
            hit = [t for t in nr.conditions if t in ctx.tags]
            if not hit or (ctx.in_scope and ctx.case.setting not in nr.settings):
                continue
            f = ctx.finding("not_recommended_for_condition", items=(it.id,), source=nr.source, item=ctx.item_name(it),
                            condition=hit[0].replace("_", " "), reason=nr.reason)
            if ctx.case.setting not in nr.settings:  # cancer or palliative care: outside the guideline's scope
                f = Finding(f.code, "info", f"{f.message} {ctx.rules['condition_scope_note']}", f.source,
                            f.component, f.items)
            yield f
        for pre in it.prerequisites:
            spec = ctx.rules["prerequisites"][pre]
            if ctx.case.setting in spec.get("exempt_settings", []):
                continue
            if not (categories(ctx) & set(spec.get("satisfied_by_categories", []))
                    or ctx.ids & set(spec.get("satisfied_by_items", []))):
                yield ctx.finding(spec["code"], items=(it.id,), item=ctx.item_name(it))


def _mme_findings(ctx: Context) -> Iterator[Optional[Finding]]:
    """MME thresholds (all sources), buprenorphine note, and naloxone (CDC 2022 Rec 4 and 8)."""
    for flag in ctx.mme.flags:
        if flag.code in ("mme_at_or_above_50", "mme_at_or_above_90", "buprenorphine_not_converted"):
            f = ctx.finding(flag.code)
            yield Finding(flag.code, f.severity, flag.message + f.message.removeprefix("(from opioids.yaml)"),
                          flag.source, f.component)
    if ctx.naloxone or not ctx.opioid_agents():
        return
    if ctx.mme.total >= _opioids.table()["thresholds"][0]["at_least"]:
        yield ctx.finding("no_naloxone_at_high_mme", total=ctx.mme.total)
        return
    risks = [f"a benzodiazepine ({a.label})" for a in ctx.agents if "benzodiazepine" in a.classes][:1]
    risks += [ctx.condition_label(c) for c in ctx.rules["overdose_risk_conditions"] if c in ctx.comorbidities]
    if risks:
        yield ctx.finding("no_naloxone_with_risk_factors", risks=" and ".join(risks))


def _long_acting(ctx: Context, agent: Agent) -> bool:
    if agent.intervention and ctx.catalog[agent.intervention].long_acting:
        return True
    return any(p.long_acting for p in ctx.plan.opioids if p.drug == agent.opioid)


# ---------------------------------------------------------------------- safety for this patient
def safety_checks(ctx: Context) -> Iterator[Optional[Finding]]:
    yield from discontinuation_checks(ctx)
    yield from _interactions(ctx)
    yield from _duplication(ctx)
    yield from _contraindications(ctx)
    yield from _current_medications(ctx)
    if ctx.age >= ctx.rules["beers_age"]:
        cns = [a for a in ctx.agents if "cns_active" in a.classes]
        if len(cns) >= ctx.rules["cns_active_limit"]:
            yield ctx.finding("cns_active_burden_older_adult", existing=not any(a.new for a in cns),
                              items=_ids(cns), n=len(cns), age=ctx.age, names=_names(cns))
    untitrated = [ctx.catalog[i] for i in ctx.plan.items if ctx.catalog[i].is_opioid]
    untitrated = [it for it in untitrated if it.opioid not in {p.drug for p in ctx.plan.opioids}
                  and it.opioid not in {p.drug for p in ctx.mme.prescriptions}]
    if untitrated:
        yield ctx.finding("opioid_dose_unknown", items=tuple(i.id for i in untitrated),
                          names=", ".join(i.name for i in untitrated))
    if ctx.unknown_opioids:
        yield ctx.finding("current_opioid_dose_unknown", names=", ".join(ctx.unknown_opioids))


def _interactions(ctx: Context) -> Iterator[Optional[Finding]]:
    pairs = ctx.rules["interactions"]
    for a, b in combinations(ctx.agents, 2):
        if a.key == b.key:
            continue
        existing = not (a.new or b.new)
        for rule in pairs:
            x, y = rule["classes"]
            first, second = (a, b) if x in a.classes and y in b.classes else \
                (b, a) if x in b.classes and y in a.classes else (None, None)
            if first is not None:
                yield ctx.finding(rule["code"], existing=existing, items=(first.key, second.key),
                                  a=first.label, b=second.label)
                break
        else:
            for first, second in ((a, b), (b, a)):
                declared = ctx.catalog[first.intervention].interacting_classes if first.intervention else []
                shared = [c for c in declared if c in second.classes]
                if shared and (a.new or b.new):
                    yield ctx.finding("drug_interaction", items=(first.key, second.key), a=first.label,
                                      b=second.label, cls=shared[0].replace("_", " "))
                    break


def _duplication(ctx: Context) -> Iterator[Optional[Finding]]:
    for cls in ctx.rules["duplication_classes"]:
        group = [a for a in ctx.agents if cls in a.classes]
        if len(group) >= 2 and any(a.new for a in group):
            label = load_drug_names()["classes"][cls]["label"]
            yield ctx.finding("therapeutic_duplication", items=_ids(group[:2]), a=group[0].label, b=group[1].label,
                              cls=label + "s")


def _contraindication_hits(ctx: Context, it: Intervention, current_classes: set[str],
                           allergies: frozenset[str]) -> Iterator[tuple[Any, dict]]:
    """(contraindication, message params) for each contraindication this patient meets."""
    for c in it.contraindications:
        if c.condition and c.condition in ctx.comorbidities:
            yield c, {"condition": ctx.condition_label(c.condition)}
        elif c.allergy and c.allergy in allergies:
            yield c, {"allergies": "; ".join(ctx.case.allergies)}
        elif c.age_min is not None and ctx.age >= c.age_min:
            yield c, {"age": ctx.age}
        elif c.medication_class and c.medication_class in current_classes:
            names = [a.label for a in ctx.agents if c.medication_class in a.classes]
            yield c, {"names": ", ".join(names)}


_DEFAULT_CODE = {"condition": "contraindicated_condition", "allergy": "allergy_conflict", "age_min": "age_caution",
                 "medication_class": "contraindicated_medication"}


def _contraindications(ctx: Context) -> Iterator[Optional[Finding]]:
    allergies = allergy_groups(ctx.case.allergies)
    current = {c for a in ctx.agents if not a.new for c in a.classes}
    for it in ctx.items:
        for c, params in _contraindication_hits(ctx, it, current, allergies):
            code = c.code or _DEFAULT_CODE[c.kind]
            f = ctx.finding(code, items=(it.id,), source=c.source, item=ctx.item_name(it), reason=c.reason, **params)
            yield Finding(f.code, c.severity, f.message, f.source, f.component, f.items) if c.severity else f


def _current_medications(ctx: Context) -> Iterator[Optional[Finding]]:
    """Current medications the plan does not name but that this patient should not be on (deprescribing)."""
    for a in ctx.agents:
        if a.new or a.in_plan or not a.intervention:
            continue
        it = ctx.catalog[a.intervention]
        problems = [c.reason[:1].upper() + c.reason[1:] for c, _ in _contraindication_hits(ctx, it, set(), frozenset())
                    if (c.severity or ctx.rules["rules"][c.code or _DEFAULT_CODE[c.kind]]["severity"]) != "info"]
        problems += [nr.reason[:1].upper() + nr.reason[1:] for nr in it.not_recommended
                     if set(nr.conditions) & ctx.tags and ctx.case.setting in nr.settings]
        if problems:
            yield ctx.finding("review_current_medication", items=(it.id,), name=a.label, problem=" ".join(problems))


# ---------------------------------------------------------------------- agreement with the key
def key_checks(ctx: Context) -> Iterator[Optional[Finding]]:
    key = ctx.case.key
    for bad in key.inappropriate:
        if bad.id in ctx.ids:
            yield ctx.finding("key_inappropriate_included", items=(bad.id,), item=ctx.item_name(ctx.catalog[bad.id]),
                              reason=bad.reason)
    missing = [i for i in key.plan if i not in ctx.ids]
    if missing:
        yield ctx.finding("key_recommended_missing", items=tuple(missing),
                          names=", ".join(ctx.catalog[i].name for i in missing))


CHECKS = (mechanism_checks, multimodality_checks, guideline_checks, safety_checks, key_checks)


def evaluate(ctx: Context) -> list[Finding]:
    """Every finding for one case and plan, in check order (mechanism, multimodality, guideline, safety, key)."""
    return [f for check in CHECKS for f in check(ctx) if f is not None]
