"""The plan-review checks: they read the rule table (``painkit/data/plan_rules.yaml``), the catalog and the
case, and yield Findings. No wording, threshold or source lives here; ``painkit.plans`` scores the result.

A review sees the whole regimen: the plan's items and opioid prescriptions plus the patient's current
medications (assumed to continue unless the plan stops them, see ``painkit.plans``, or prescribes the
same drug, which then replaces the dose).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Iterator, Optional

from ..formulary import _opioids
from .. import _yamlio as yamlio
from ..formulary import Intervention, expand, load_catalog, load_conditions, load_drug_names, recognise, resolve
from .._findings import Finding, render
from ._discontinuation import discontinuation_checks
from ._monitoring import monitoring_checks
from ._safety import acetaminophen_checks, class_checks, contraindication_checks, duplication_checks, pair_checks

if TYPE_CHECKING:
    from ..cases import Case
    from ._review import Plan

COMPONENTS: tuple[str, ...] = ("mechanism_fit", "multimodality", "guideline", "safety", "key_agreement")


_TABLE_SECTIONS = ("pairs", "conditions", "older_adult", "procedures")


def load_plan_rules() -> dict[str, Any]:
    """The parsed ``plan_rules.yaml`` (cached, read-only): review rules with their sources. Its one reader."""
    return yamlio.data_file("plan_rules.yaml")


def load_interactions() -> dict[str, Any]:
    """The parsed ``interactions.yaml`` (cached, read-only): the interaction and contraindication table.
    Its one reader."""
    return yamlio.data_file("interactions.yaml")


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    """The rule table the review reads: ``plan_rules.yaml`` with the interaction table's codes merged into
    ``rules`` (the table itself kept under ``interaction_table``)."""
    base, inter = load_plan_rules(), load_interactions()
    rules = dict(base["rules"])
    for section in _TABLE_SECTIONS:
        for entry in inter.get(section, []):
            if entry["code"] in rules:
                raise ValueError(f"interactions.yaml {section}: code {entry['code']!r} is defined twice")
            rules[entry["code"]] = {"component": "safety", **entry}
    return {**base, "rules": rules, "interaction_table": inter}


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
    med: Any = None  # the case medication this agent comes from (None for a plan drug)

    @cached_property
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
        before, _ = _opioids.current_prescriptions(case.medications)
        self.before_mme: dict[str, float] = {}
        for p in before:
            self.before_mme[p.drug] = self.before_mme.get(p.drug, 0.0) + (p.mme or 0.0)
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
        agents = [Agent(m.name, d.classes, d.intervention, d.opioid, new=False, in_plan=False, med=m)
                  for m in self.medications for d in recognise(m.name)]
        stopped = [d for m in self.stopped for d in recognise(m.name)]
        replaced = {x for d in stopped for x in (d.intervention, d.opioid) if x}
        rotation = any(d.opioid for d in stopped)
        # a plan item continues a current single-ingredient product; acetaminophen added next to Percocet is a
        # second product, not the same one
        by_item = {a.intervention: a for a in agents if a.intervention and len(recognise(a.label)) == 1}
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
                add(self.item_name(it), expand(it.classes) | _drug_classes(it.name), it.id, it.opioid)
        for p in self.plan.opioids:
            if p.drug in by_opioid:
                by_opioid[p.drug].in_plan = True
            else:
                add(_opioids.prescription_name(p), expand(["opioid"]) | _drug_classes(p.drug.split("_")[0]), None, p.drug)
        return agents

    def finding(self, code: str, *, already: str = "", tapering: bool = False, items: tuple[str, ...] = (),
                source: str = "", **params: Any) -> Optional[Finding]:
        """Render rule ``code``, applying out-of-scope (cancer, palliative) severities; None when the rule does
        not apply in this setting. ``already`` names drugs the patient already takes: the severity stays (a
        kept harm is judged like a started one) and the message says so; ``tapering`` (the plan lowers the
        dose of one drug involved) applies the rule's ``severity_if_tapering``."""
        rule = self.rules["rules"][code]
        if self.case.setting in rule.get("skip_settings", ()) or \
                ("settings" in rule and self.case.setting not in rule["settings"]):
            return None
        severity = rule.get("severity_if_tapering", rule["severity"]) if tapering else rule["severity"]
        note = " " + self.rules["existing_note"].format(names=already) if already else ""
        if not self.in_scope:
            if rule.get("scope") == "cdc2022":
                if rule.get("skip_in_scope_settings"):
                    return None
                severity, note = "info", note + " " + self.rules["scope_note"]
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


def _drug_classes(name: str) -> frozenset[str]:
    """Classes of the drugs a catalog name or opioid id names (drug_names.yaml: methadone is also
    serotonergic and QT-prolonging), so plan drugs carry the same classes as the same current medication."""
    return frozenset(c for d in recognise(name) for c in d.classes)


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
        options = [it.name for it in ctx.catalog.values()
                   if it.mechanisms.get(mech) == "strong" and not it.indications][:3]
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
    """Treatment categories in the plan (monitoring items are safety checks, not a treatment category)."""
    skip = set(ctx.rules.get("not_treatment_categories", []))
    return {it.category for it in ctx.items if it.category not in skip}


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
    kept = {a.intervention: a.label for a in ctx.agents if a.intervention and not a.new}
    judged = list(ctx.items) + [ctx.catalog[i] for i in kept if i not in ctx.ids]
    for it in judged:
        for nr in it.not_recommended:
            hit = [t for t in nr.conditions if t in ctx.tags]
            if not hit or (ctx.in_scope and ctx.case.setting not in nr.settings):
                continue
            f = ctx.finding("not_recommended_for_condition", already=kept.get(it.id, ""), items=(it.id,),
                            source=nr.source, item=ctx.item_name(it), condition=hit[0].replace("_", " "),
                            reason=nr.reason)
            if ctx.case.setting not in nr.settings:  # cancer or palliative care: outside the guideline's scope
                f = Finding(f.code, "info", f"{f.message} {ctx.rules['condition_scope_note']}", f.source,
                            f.component, f.items)
            yield f
        for pre in (it.prerequisites if it.id in ctx.ids else ()):
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
    if ctx.age >= ctx.rules["overdose_risk_age"]:
        risks.append(f"age {ctx.age} (>= {ctx.rules['overdose_risk_age']})")
    if risks:
        yield ctx.finding("no_naloxone_with_risk_factors", risks=" and ".join(risks))


def _long_acting(ctx: Context, agent: Agent) -> bool:
    if agent.intervention and ctx.catalog[agent.intervention].long_acting:
        return True
    return any(p.long_acting for p in ctx.plan.opioids if p.drug == agent.opioid)


# ---------------------------------------------------------------------- safety for this patient
def safety_checks(ctx: Context) -> Iterator[Optional[Finding]]:
    """Stopping and tapering, the interaction and contraindication table, the catalog's contraindications,
    acetaminophen totals, monitoring, CNS-active burden and unknown opioid doses."""
    yield from discontinuation_checks(ctx)
    yield from pair_checks(ctx)
    yield from duplication_checks(ctx)
    yield from class_checks(ctx)
    yield from contraindication_checks(ctx)
    yield from acetaminophen_checks(ctx)
    yield from monitoring_checks(ctx)
    if ctx.age >= ctx.rules["beers_age"]:
        cns = [a for a in ctx.agents if "cns_active" in a.classes]
        if len({a.key for a in cns}) >= ctx.rules["cns_active_limit"]:
            yield ctx.finding("cns_active_burden_older_adult", already=", ".join(a.label for a in cns)
                              if not any(a.new for a in cns) else "", items=_ids(cns), n=len({a.key for a in cns}),
                              age=ctx.age, names=_names(cns))
    untitrated = [ctx.catalog[i] for i in ctx.plan.items if ctx.catalog[i].is_opioid]
    untitrated = [it for it in untitrated if it.opioid not in {p.drug for p in ctx.plan.opioids}
                  and it.opioid not in {p.drug for p in ctx.mme.prescriptions}]
    if untitrated:
        yield ctx.finding("opioid_dose_unknown", items=tuple(i.id for i in untitrated),
                          names=", ".join(i.name for i in untitrated))
    if ctx.unknown_opioids:
        yield ctx.finding("current_opioid_dose_unknown", names=", ".join(ctx.unknown_opioids))


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
    out: list[Finding] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for check in CHECKS:
        for f in check(ctx):
            if f is not None and (f.code, f.items) not in seen:
                seen.add((f.code, f.items))
                out.append(f)
    return out
