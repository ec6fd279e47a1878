"""Morphine milligram equivalents (MME/day) with the CDC 2022 conversion factors, and the dose flags.

A prescription is ``{"drug": id, "dose": number, "unit": "mg" | "mcg/h", "per_day": number}`` (a patch
takes "mcg/h" and no ``per_day``); optional keys: ``days`` (days of supply) and ``formulation``
("IR" | "ER"). Factors, units, plausibility bounds and flag wording live in ``painkit/data/opioids.yaml``.
MME is a population risk measure: never a way to convert one opioid into another for a patient.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from numbers import Real
from typing import Any, Iterable, Mapping, Optional, Sequence

from .. import _yamlio as yamlio
from ..errors import PlanError, did_you_mean
from .._findings import Finding, findings_frame, findings_html, render

KEYS = ("drug", "dose", "unit", "per_day", "days", "formulation")
UNITS = ("mg", "mcg/h")


def load_opioids() -> dict[str, Any]:
    """The parsed ``opioids.yaml`` (cached, read-only): CDC 2022 conversion factors and rules. Its one reader."""
    return yamlio.data_file("opioids.yaml")


table = load_opioids  # the name of the first layout (pk.opioids.table)


def drug_ids() -> list[str]:
    """Opioid drug ids accepted in a prescription."""
    return list(table()["drugs"])


@dataclass(frozen=True)
class Prescription:
    """One validated opioid prescription and its MME/day (None when the drug is not converted)."""

    drug: str
    dose: float
    unit: str
    per_day: Optional[float]
    days: Optional[float]
    long_acting: bool
    factor: Optional[float]
    mme: Optional[float]

    @property
    def daily_amount(self) -> float:
        """mg/day, or the patch rate in mcg/h."""
        return self.dose * (self.per_day or 1)


def _number(value: Any, where: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise PlanError(f"{where}: {what} must be a number; found {value!r}")
    return float(value)


def parse_prescription(p: Mapping[str, Any], where: str = "prescription") -> Prescription:
    """Validate one prescription dict; raise PlanError naming the field, what was found and what is allowed."""
    if not isinstance(p, Mapping):
        raise PlanError(f"{where}: found {type(p).__name__}; a prescription is a mapping with keys "
                        f"drug, dose, unit, per_day")
    extra = sorted(set(p) - set(KEYS))
    if extra:
        raise PlanError(f"{where}: unknown key(s) {', '.join(map(repr, extra))}; allowed: {', '.join(KEYS)}")
    drugs = table()["drugs"]
    drug = p.get("drug")
    if drug not in drugs:
        hint = did_you_mean(drug, drugs) or _brand_hint(drug)
        raise PlanError(f"{where}.drug: {drug!r} is not an opioid id{hint}; allowed: {', '.join(drugs)}")
    info = drugs[drug]
    if "dose" not in p or p["dose"] is None:
        raise PlanError(f"{where}.dose: missing; give the dose of one administration (or the patch rate)")
    dose = _number(p["dose"], f"{where}.dose", "dose")
    unit = p.get("unit")
    if unit is None:
        raise PlanError(f"{where}.unit: missing; {drug} takes {' or '.join(info['units'])}")
    if unit not in info["units"]:
        raise PlanError(f"{where}.unit: {unit!r} does not fit {drug}; allowed: {' or '.join(info['units'])}")
    patch = unit == "mcg/h"
    limit = info.get("max_patch_rate", info["max_single_dose"]) if patch else info["max_single_dose"]
    if dose <= 0 or dose > limit:
        raise PlanError(f"{where}.dose: {dose:g} {unit} of {drug} is not a plausible dose; allowed: more than 0 "
                        f"and at most {limit:g} {unit} (check mg against mcg)")
    per_day = p.get("per_day")
    if patch:
        if per_day is not None:
            raise PlanError(f"{where}.per_day: a patch ({unit}) is dosed per hour; omit per_day")
    else:
        if per_day is None:
            raise PlanError(f"{where}.per_day: missing; give the number of doses per day")
        per_day = _number(per_day, f"{where}.per_day", "per_day")
        if per_day <= 0 or per_day > table()["max_per_day"]:
            raise PlanError(f"{where}.per_day: {per_day:g} is not plausible; allowed: more than 0 and at most "
                            f"{table()['max_per_day']} doses per day")
    days = p.get("days")
    if days is not None:
        days = _number(days, f"{where}.days", "days")
        if days <= 0 or days > table()["max_days"]:
            raise PlanError(f"{where}.days: {days:g} is not plausible; allowed: 1 to {table()['max_days']} days")
    formulation = p.get("formulation")
    if formulation not in (None, "IR", "ER"):
        raise PlanError(f"{where}.formulation: {formulation!r} is not one of IR, ER")
    if formulation == "IR" and info["long_acting"]:
        raise PlanError(f"{where}.formulation: {drug} is long-acting by nature; 'IR' does not apply")
    factor = info["factor"]
    daily = dose * (per_day or 1)
    mme_value = None if factor is None else round(daily * factor, 2)
    return Prescription(drug=drug, dose=dose, unit=unit, per_day=per_day, days=days,
                        long_acting=bool(info["long_acting"] or formulation == "ER"), factor=factor, mme=mme_value)


def formulation_name(drug: str, formulations: Iterable[str]) -> str:
    """A drug named by its formulation(s), e.g. 'Oxycodone (extended-release)' for an ER prescription."""
    labels = table()["formulations"]
    name = table()["drugs"][drug]["name"]
    return table()["formulation_name"].format(drug=name[:1].upper() + name[1:],
                                              formulation=" and ".join(labels[f] for f in formulations))


def prescription_name(p: "Prescription") -> str:
    """A prescription's drug name ('oxycodone'), by formulation when an IR drug is prescribed ER."""
    info = table()["drugs"][p.drug]
    return formulation_name(p.drug, ["ER"]) if p.long_acting and not info["long_acting"] else info["name"]


def _brand_hint(text: Any) -> str:
    from ._names import recognise

    ids = [d.opioid for d in recognise(str(text)) if d.opioid]
    return f" (did you mean {ids[0]!r}?)" if ids else ""


@dataclass
class MMEResult:
    """Total MME/day, MME/day per drug, flags (Findings) and the parsed prescriptions."""

    total: float
    per_drug: dict[str, float]
    flags: list[Finding]
    prescriptions: list[Prescription] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.flags]

    def to_frame(self):
        """One row per prescription: drug, dose, unit, per_day, factor, mme."""
        import pandas as pd

        return pd.DataFrame([{"drug": p.drug, "dose": p.dose, "unit": p.unit, "per_day": p.per_day,
                              "factor": p.factor, "mme": p.mme, "long_acting": p.long_acting}
                             for p in self.prescriptions])

    def flags_frame(self):
        return findings_frame(self.flags)

    def __repr__(self) -> str:
        parts = ", ".join(f"{d}={v:g}" for d, v in self.per_drug.items())
        return f"MMEResult(total={self.total:g} MME/day, per_drug={{{parts}}}, flags={self.codes})"

    def _repr_html_(self) -> str:
        from .. import DISCLAIMER

        rows = "".join(f"<tr><td>{escape(p.drug)}</td><td>{p.dose:g} {escape(p.unit)}</td>"
                       f"<td>{'' if p.per_day is None else f'{p.per_day:g}'}</td>"
                       f"<td>{'not converted' if p.mme is None else f'{p.mme:g}'}</td></tr>"
                       for p in self.prescriptions)
        return (f"<div><p style='color:#666'>{escape(DISCLAIMER)}</p><b>Total: {self.total:g} MME/day</b>"
                f"<table><tr><th>drug</th><th>dose</th><th>per day</th><th>MME/day</th></tr>{rows}</table>"
                f"{findings_html(self.flags)}</div>")


def _flag(code: str, **params: Any) -> Finding:
    return render(table()["flags"][code], code, component="safety", **params)


def mme(prescriptions: Iterable[Mapping[str, Any]], *, medications: Sequence[Any] = ()) -> MMEResult:
    """MME/day of a list of prescriptions (CDC 2022 factors) with flags at 50 and 90 MME/day, naloxone,
    buprenorphine (not converted), long-acting opioids and, given the patient's ``medications``,
    a concurrent benzodiazepine."""
    if isinstance(prescriptions, Mapping):
        prescriptions = [prescriptions]
    parsed = [parse_prescription(p, f"opioids[{i}]") for i, p in enumerate(prescriptions)]
    return summarise(parsed, medications=medications)


def summarise(parsed: Sequence[Prescription], *, medications: Sequence[Any] = ()) -> MMEResult:
    """Total and flags for already-parsed prescriptions (used by plan review)."""
    per_drug: dict[str, float] = {}
    flags: list[Finding] = []
    for p in parsed:
        if p.mme is None:
            flags.append(_flag("buprenorphine_not_converted", dose=p.daily_amount, unit=_daily_unit(p),
                               reason=table()["drugs"][p.drug]["not_converted"]))
            continue
        per_drug[p.drug] = round(per_drug.get(p.drug, 0.0) + p.mme, 2)
    total = round(sum(per_drug.values()), 2)
    for rule in table()["thresholds"]:
        if total >= rule["at_least"]:
            flags.append(render(rule, rule["code"], component="guideline", total=total))
    if total >= table()["thresholds"][0]["at_least"]:
        flags.append(_flag("offer_naloxone", total=total))
    for drug in dict.fromkeys(p.drug for p in parsed if p.long_acting):
        flags.append(_flag("long_acting_opioid", drug=table()["drugs"][drug]["name"]))
    benzos = benzodiazepines(medications)
    if parsed and benzos:
        flags.append(_flag("concurrent_benzodiazepine", names=", ".join(benzos)))
    return MMEResult(total=total, per_drug=per_drug, flags=flags, prescriptions=list(parsed),
                     caveats=[c["text"] for c in table()["caveats"]])


def _daily_unit(p: Prescription) -> str:
    return "mcg/h" if p.unit == "mcg/h" else "mg/day"


def _name(med: Any) -> str:
    return med if isinstance(med, str) else getattr(med, "name", None) or med.get("name", "")


def benzodiazepines(medications: Sequence[Any]) -> list[str]:
    """Names of the patient's medications that are benzodiazepines (generic or brand, e.g. 'Xanax')."""
    from ._names import recognise

    return [_name(m) for m in medications if any("benzodiazepine" in d.classes for d in recognise(_name(m)))]


def current_prescriptions(medications: Sequence[Any]) -> tuple[list[Prescription], list[str]]:
    """The patient's current opioids as parsed prescriptions, and the names of opioids whose dose could
    not be read (no dose, unit or doses per day)."""
    from ._names import recognise

    parsed: list[Prescription] = []
    unknown: list[str] = []
    for i, med in enumerate(medications):
        name = _name(med)
        for d in recognise(name):
            if not d.opioid:
                continue
            unit = getattr(med, "unit", None)
            spec = {"drug": d.opioid, "dose": getattr(med, "dose", None), "unit": unit}
            if unit != "mcg/h":
                spec["per_day"] = getattr(med, "per_day", None)
            if d.long_acting and not table()["drugs"][d.opioid]["long_acting"]:
                spec["formulation"] = "ER"
            try:
                parsed.append(parse_prescription(spec, f"medications[{i}]"))
            except PlanError:
                unknown.append(name)
            break
    return parsed, unknown


def is_opioid_tolerant(medications: Sequence[Any]) -> bool:
    """True when the patient's current opioids meet the FDA opioid-tolerant definition (opioids.yaml):
    a listed daily amount (or the MME of another opioid) for at least the stated number of weeks."""
    rule = table()["opioid_tolerant"]
    parsed, _ = current_prescriptions(medications)
    long_enough = [getattr(m, "since_months", None) for m in medications]
    months_needed = rule["weeks"] * 7 / 30.4
    durations = {}
    from ._names import recognise

    for med, since in zip(medications, long_enough):
        for d in recognise(_name(med)):
            if d.opioid:
                durations[d.opioid] = since
    total = 0.0
    for p in parsed:
        since = durations.get(p.drug)
        if since is not None and since < months_needed:
            continue
        if p.drug in rule["daily"] and p.daily_amount >= rule["daily"][p.drug]:
            return True
        total += p.mme or 0.0
    return total >= rule["other_mme"]
