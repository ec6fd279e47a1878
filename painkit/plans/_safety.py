"""Safety for this patient: the interaction and contraindication table (``painkit/data/interactions.yaml``)
and the catalog's contraindications, applied to the whole regimen.

Every rule sees the plan's new drugs AND the current medications the plan keeps: a harm the patient already
has is judged like one the plan starts (same severity; the message says the drug is already taken). No
wording, threshold or source lives here. Education only: not for decisions about real patients.
"""
from __future__ import annotations

import re
from itertools import combinations
from typing import TYPE_CHECKING, Any, Iterator, Optional, Sequence

from .._findings import Finding
from ..formulary import Intervention, allergy_groups, intolerance_groups, load_drug_names, recognise

if TYPE_CHECKING:
    from ._rules import Agent, Context

_STRENGTH = re.compile(r"(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)")
_DEFAULT_CODE = {"condition": "contraindicated_condition", "allergy": "allergy_conflict", "age_min": "age_caution",
                 "age_below": "contraindicated_age",
                 "medication_class": "contraindicated_medication"}


def _side(spec: Any) -> frozenset[str]:
    """A rule side: one class or a list of classes."""
    return frozenset([spec] if isinstance(spec, str) else spec)


def _already(agents: Sequence["Agent"]) -> str:
    """Names of the current medications among ``agents`` when none of them is new (else '')."""
    if any(a.new for a in agents):
        return ""
    return ", ".join(dict.fromkeys(a.label for a in agents))


def _tapering(ctx: "Context", agents: Sequence["Agent"]) -> bool:
    """The plan prescribes a lower daily dose of one of these opioids than the patient takes now."""
    drugs = {a.opioid for a in agents if a.opioid}
    return any(p.drug in drugs and p.mme is not None and ctx.before_mme.get(p.drug, 0.0) > p.mme
               for p in ctx.plan.opioids)


def pair_checks(ctx: "Context") -> Iterator[Optional[Finding]]:
    """Drug class x drug class (and one triple). A rule's ``unless`` names rules that, when they fired for the
    same pair, make it redundant (an MAOI pair is not also reported as a plain serotonergic pair)."""
    rules = ctx.rules["interaction_table"].get("pairs", [])
    fired: dict[frozenset[str], set[str]] = {}
    for rule in rules:
        sides = [_side(s) for s in rule["classes"]]
        except_classes = set(rule.get("except_classes", ()))
        unless = set(rule.get("unless", ()))
        agents = [a for a in ctx.agents if not a.classes & except_classes] if except_classes else ctx.agents
        if rule.get("age_min") is not None and ctx.age < rule["age_min"]:
            continue
        if len(sides) == 2:
            firsts = [a for a in agents if sides[0] & a.classes]
            seconds = [b for b in agents if sides[1] & b.classes] if firsts else []
            done: set[frozenset[str]] = set()
            for first in firsts:
                for second in seconds:
                    pair = frozenset((first.key, second.key))
                    if first.key == second.key or pair in done or fired.get(pair, set()) & unless:
                        continue
                    done.add(pair)
                    fired.setdefault(pair, set()).add(rule["code"])
                    yield ctx.finding(rule["code"], already=_already((first, second)),
                                      tapering=_tapering(ctx, (first, second)), items=(first.key, second.key),
                                      a=first.label, b=second.label, age=ctx.age)
        else:
            chosen: list["Agent"] = []
            for side in sides:
                hit = next((x for x in agents if side & x.classes and x.key not in {c.key for c in chosen}), None)
                if hit is None:
                    break
                chosen.append(hit)
            else:
                names = dict(zip("abc", (x.label for x in chosen)))
                yield ctx.finding(rule["code"], already=_already(chosen), items=tuple(x.key for x in chosen),
                                  age=ctx.age, **names)
    yield from _declared_interactions(ctx, fired)


def _declared_interactions(ctx: "Context", fired: dict[frozenset[str], set[str]]) -> Iterator[Optional[Finding]]:
    """Pairs no table rule covers but a catalog entry declares (``interacting_classes``): information."""
    for a, b in combinations(ctx.agents, 2):
        if a.key == b.key or frozenset((a.key, b.key)) in fired or not (a.new or b.new):
            continue
        for first, second in ((a, b), (b, a)):
            declared = ctx.catalog[first.intervention].interacting_classes if first.intervention else []
            shared = [c for c in declared if c in second.classes]
            if shared:
                yield ctx.finding("drug_interaction", items=(first.key, second.key), a=first.label,
                                  b=second.label, cls=shared[0].replace("_", " "))
                break


def _catalog_conditions(ctx: "Context", agent: "Agent") -> set[str]:
    it = ctx.catalog.get(agent.intervention) if agent.intervention else None
    return {c.condition for c in it.contraindications if c.condition} if it else set()


def class_checks(ctx: "Context") -> Iterator[Optional[Finding]]:
    """Drug class x condition, x older age (AGS Beers 2023) and x planned procedure, for every drug in the
    regimen. A drug whose catalog entry lists the same condition is judged by the catalog entry instead."""
    table = ctx.rules["interaction_table"]
    for rule in table.get("conditions", []):
        cls = _side(rule["class"])
        hits = [c for c in rule["conditions"] if c in ctx.comorbidities]
        if not hits:
            continue
        for a in ctx.agents:
            if cls & a.classes and hits[0] not in _catalog_conditions(ctx, a):
                yield ctx.finding(rule["code"], already=_already((a,)), items=(a.key,), drug=a.label,
                                  condition=ctx.condition_label(hits[0]))
    for rule in table.get("older_adult", []):
        if ctx.age < rule["age_min"] or ("conditions" in rule and not set(rule["conditions"]) & ctx.comorbidities):
            continue
        cls = _side(rule["class"])
        exempt = {c for c, tags in rule.get("exempt_class_with_tags", {}).items() if set(tags) & ctx.tags}
        for a in ctx.agents:
            if cls & a.classes and not (a.classes & exempt and not (cls - exempt) & a.classes):
                yield ctx.finding(rule["code"], already=_already((a,)), items=(a.key,), drug=a.label, age=ctx.age)
    for rule in table.get("procedures", []):
        procedures = [i for i in rule["items"] if i in ctx.ids]
        if not procedures:
            continue
        cls = _side(rule["class"])
        for a in ctx.agents:
            if cls & a.classes:
                yield ctx.finding(rule["code"], already=_already((a,)), items=(a.key, procedures[0]), drug=a.label,
                                  procedure=ctx.catalog[procedures[0]].name)


def duplication_checks(ctx: "Context") -> Iterator[Optional[Finding]]:
    for cls in ctx.rules["duplication_classes"]:
        group = [a for a in ctx.agents if cls in a.classes]
        if len({a.key for a in group}) >= 2 and any(a.new for a in group):
            label = load_drug_names()["classes"][cls]["label"]
            yield ctx.finding("therapeutic_duplication", items=tuple(a.key for a in group[:2]), a=group[0].label,
                              b=group[1].label, cls=label + "s")


def _hits(ctx: "Context", it: Intervention, current_classes: set[str],
          allergies: frozenset[str]) -> Iterator[tuple[Any, dict]]:
    """(contraindication, message params) for each catalog contraindication this patient meets."""
    for c in it.contraindications:
        if c.settings and ctx.case.setting not in c.settings:
            continue
        if c.condition and c.condition in ctx.comorbidities:
            yield c, {"condition": ctx.condition_label(c.condition)}
        elif c.allergy and c.allergy in allergies:
            yield c, {"allergies": "; ".join(ctx.case.allergies)}
        elif c.age_min is not None and ctx.age >= c.age_min:
            yield c, {"age": ctx.age}
        elif c.age_below is not None and ctx.age < c.age_below:
            yield c, {"age": ctx.age}
        elif c.medication_class and c.medication_class in current_classes:
            names = [a.label for a in ctx.agents if c.medication_class in a.classes]
            yield c, {"names": ", ".join(names)}


def contraindication_checks(ctx: "Context") -> Iterator[Optional[Finding]]:
    """The catalog's contraindications for every plan item and every current medication the plan keeps
    (same severity; a kept medication's message says it is already taken)."""
    allergies = allergy_groups(ctx.case.allergies)
    current = {c for a in ctx.agents if not a.new for c in a.classes}
    seen: set[str] = set()
    kept = {a.intervention: a for a in ctx.agents if a.intervention and not a.new}
    judged = [(it, kept.get(it.id)) for it in ctx.items]
    judged += [(ctx.catalog[iid], a) for iid, a in kept.items() if iid not in ctx.ids]
    for it, agent in judged:
        if it.id in seen:
            continue
        seen.add(it.id)
        already = agent.label if agent is not None else ""
        for c, params in _hits(ctx, it, current, allergies):
            if agent is not None and c.allergy:
                continue  # an allergy to a drug the patient takes is a record to clarify, not this plan's choice
            code = c.code or _DEFAULT_CODE[c.kind]
            f = ctx.finding(code, already=already, items=(it.id,), source=c.source, item=ctx.item_name(it),
                            reason=c.reason, **params)
            yield Finding(f.code, c.severity, f.message, f.source, f.component, f.items) if f and c.severity else f
    intolerant = intolerance_groups(ctx.case.allergies)
    for it in ctx.items:
        groups = [c.allergy for c in it.contraindications if c.allergy and c.allergy in intolerant]
        if groups and not any(c.allergy in allergies for c in it.contraindications if c.allergy):
            yield ctx.finding("intolerance_not_allergy", items=(it.id,), item=ctx.item_name(it),
                              entries="; ".join(intolerant[groups[0]]))


def acetaminophen_checks(ctx: "Context") -> Iterator[Optional[Finding]]:
    """Daily acetaminophen summed over every product that contains it (AGS 2009 maximum; lower in liver
    disease or heavy alcohol use); several products of unknown strength draw a counting reminder."""
    spec = ctx.rules["acetaminophen"]
    sources = [a for a in ctx.agents if "acetaminophen" in a.classes]
    if not sources:
        return
    liver = [c for c in spec["liver_conditions"] if c in ctx.comorbidities]
    limit = spec["max_mg_per_day_liver"] if liver else spec["max_mg_per_day"]
    amounts = [_acetaminophen_mg(a) for a in sources]
    names = ", ".join(dict.fromkeys(a.label for a in sources))
    known = sum(x for x in amounts if x is not None)
    # at the maximum already, any further product of unknown strength takes the total over it
    if known > limit or (known >= limit and None in amounts):
        why = f" ({ctx.condition_label(liver[0])})" if liver else ""
        yield ctx.finding("acetaminophen_over_daily_max", already=_already(sources),
                          items=tuple(dict.fromkeys(a.key for a in sources)), total=known, names=names, limit=limit,
                          why=why)
    elif len({a.label for a in sources}) >= 2 and None in amounts:
        yield ctx.finding("acetaminophen_in_several_products", items=tuple(dict.fromkeys(a.key for a in sources)),
                          names=names, limit=limit)


def _acetaminophen_mg(agent: "Agent") -> Optional[float]:
    """mg/day of acetaminophen in one current medication; None when the plan adds it or the dose is unknown.
    A combination product's acetaminophen strength is the second number of 'opioid/acetaminophen' in its
    name (e.g. 'Norco 10/325' -> 325 mg a tablet; ``per_day`` counts tablets)."""
    med = agent.med
    if med is None:
        return None
    per_day = med.per_day or 1
    if len(recognise(med.name)) > 1:
        pair = _STRENGTH.search(med.name)
        return float(pair.group(2)) * per_day if pair else None
    factor = {"mg": 1.0, "g": 1000.0}.get(med.unit or "")
    return med.dose * factor * per_day if med.dose and factor else None
