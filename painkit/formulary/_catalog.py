"""The intervention catalog: ``painkit/data/interventions.yaml`` validated by the ``Intervention`` model.

``load_catalog()`` returns ``{id: Intervention}`` (cached; treat it as read-only); ``interventions()`` returns
the catalog as a DataFrame for browsing. Plan review (``painkit.plans``) and the trajectory engine read the
same entries, so an unsafe or unsourced entry fails here, when the catalog loads, not in front of a learner.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .. import _yamlio as yamlio
from ..errors import PainkitError
from ._conditions import load_conditions
from ._names import load_drug_names
from ._opioids import load_opioids

Status = Literal["verified", "partial", "unverified", "teaching_assumption"]  # _yamlio.STATUSES (a test checks)
Category = Literal["pharmacological", "interventional", "physical", "psychological", "complementary",
                   "self_management", "monitoring"]
# 'monitoring': safety checks that go with a prescription (PDMP, urine drug test, follow-up, ECG); not treatments.
CATEGORIES: tuple[str, ...] = ("pharmacological", "interventional", "physical", "psychological", "complementary",
                               "self_management", "monitoring")
Evidence = Literal["strong", "moderate", "weak"]
Mechanism = Literal["nociceptive", "neuropathic", "nociplastic"]
Severity = Literal["error", "warning", "info"]
ID = r"^[a-z][a-z0-9_]*$"


class CatalogError(PainkitError):
    """The shipped catalog file does not match its schema (a packaging bug, not a learner error)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AdverseEvent(_Strict):
    code: str = Field(pattern=ID)
    weekly_rate: float = Field(ge=0, le=1, description="Probability per patient-week.")
    stops_treatment: bool


class Simulation(_Strict):
    """Parameters the trajectory engine reads (teaching assumptions unless the source says otherwise)."""

    effect: dict[Mechanism, float] = Field(description="Fraction of pain removed at full effect, by mechanism.")
    onset_weeks: float = Field(gt=0)
    durability_weeks: Optional[float] = Field(None, gt=0, description="None: lasts while taken.")
    function_effect: float = Field(ge=0, le=1)
    pcs_effect: float = Field(ge=0, le=1)
    tolerance_per_week: float = Field(ge=0, le=1)
    adverse_events: list[AdverseEvent] = Field(default_factory=list)
    source: str = Field(min_length=1)
    status: Status = Field(description="How the effect sizes were checked (one vocabulary, _yamlio.STATUSES).")

    @field_validator("effect")
    @classmethod
    def _all_mechanisms(cls, v: dict[str, float]) -> dict[str, float]:
        missing = {"nociceptive", "neuropathic", "nociplastic"} - set(v)
        if missing:
            raise ValueError(f"effect needs every mechanism; missing {', '.join(sorted(missing))}")
        if any(not 0 <= x <= 1 for x in v.values()):
            raise ValueError("effects are fractions between 0 and 1")
        return v


class Contraindication(_Strict):
    """One of condition / allergy / age_min (at or above) / age_below / medication_class, and the review rule it raises."""

    condition: Optional[str] = None
    allergy: Optional[str] = None
    age_min: Optional[int] = Field(None, ge=0, le=120)
    age_below: Optional[int] = Field(None, ge=1, le=120)
    medication_class: Optional[str] = None
    settings: list[Literal["acute", "chronic", "cancer", "palliative"]] = Field(
        default_factory=list, description="Case settings where it applies (empty: all).")
    code: Optional[str] = Field(None, pattern=ID)
    severity: Optional[Severity] = None
    reason: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> "Contraindication":
        kinds = [k for k in ("condition", "allergy", "age_min", "age_below", "medication_class") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("give exactly one of condition, allergy, age_min, age_below, medication_class")
        if kinds[0] != "allergy" and not (self.reason and self.source):
            raise ValueError(f"a {kinds[0]} contraindication needs a reason and a source")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("condition", "allergy", "age_min", "age_below", "medication_class") if getattr(self, k) is not None)


class NotRecommended(_Strict):
    conditions: list[str] = Field(min_length=1)
    settings: list[Literal["acute", "chronic", "cancer", "palliative"]] = Field(default_factory=lambda: ["acute", "chronic"])
    reason: str = Field(min_length=1)
    source: str = Field(min_length=1)


class Intervention(_Strict):
    """One catalog entry: what it is, what it helps and how strongly, for whom it is unsafe, and how it is
    simulated. Every claim carries its source."""

    id: str = Field(pattern=ID)
    name: str = Field(min_length=1)
    category: Category
    description: str = Field(min_length=1, max_length=240, description="One line for learners.")
    classes: list[str] = Field(default_factory=list, description="Drug classes (drug_names.yaml).")
    mechanisms: dict[Mechanism, Evidence] = Field(default_factory=dict)
    evidence_source: str = Field(min_length=1)
    line: Literal["first", "second", "third", "specialist", "adjunct", "co_prescription", "not_analgesic"]
    indications: list[str] = Field(default_factory=list)
    contraindications: list[Contraindication] = Field(default_factory=list)
    not_recommended: list[NotRecommended] = Field(default_factory=list)
    interacting_classes: list[str] = Field(default_factory=list)
    prerequisites: list[Literal["conservative_trial", "diagnostic_block"]] = Field(default_factory=list)
    duration: str = Field(min_length=1)
    opioid: Optional[str] = Field(None, description="Drug id in opioids.yaml for an opioid.")
    long_acting: bool = False
    simulation: Simulation
    source: str = Field(min_length=1)
    status: Status = Field(description="How the entry's claims were checked against its sources.")

    @property
    def is_opioid(self) -> bool:
        return "opioid" in self.classes


def _cross_check(items: dict[str, Intervention]) -> list[str]:
    """Vocabulary checks against the other data files (condition ids, drug classes, opioid ids)."""
    conditions = set(load_conditions()["conditions"])
    classes = set(load_drug_names()["classes"])
    opioids = set(load_opioids()["drugs"])
    allergy_groups = {e.get("allergy") for e in load_drug_names()["names"].values()}
    problems = []
    for iid, it in items.items():
        for c in it.contraindications:
            if c.condition and c.condition not in conditions:
                problems.append(f"{iid}.contraindications: unknown condition '{c.condition}'")
            if c.allergy and c.allergy not in allergy_groups:
                problems.append(f"{iid}.contraindications: unknown allergy group '{c.allergy}'")
            if c.medication_class and c.medication_class not in classes:
                problems.append(f"{iid}.contraindications: unknown drug class '{c.medication_class}'")
        for cls in [*it.classes, *it.interacting_classes]:
            if cls not in classes:
                problems.append(f"{iid}: unknown drug class '{cls}'")
        if it.opioid is not None and it.opioid not in opioids:
            problems.append(f"{iid}.opioid: '{it.opioid}' is not an opioid id in opioids.yaml")
        if it.is_opioid != (it.opioid is not None):
            problems.append(f"{iid}: an opioid entry needs `opioid:` and only opioids may have it")
    return problems


def load_interventions() -> dict[str, Any]:
    """The parsed ``interventions.yaml`` (cached, read-only); ``load_catalog`` validates it. Its one reader."""
    return yamlio.data_file("interventions.yaml")


@lru_cache(maxsize=1)
def load_catalog() -> dict[str, Intervention]:
    """All interventions by id, validated (cached: treat the result as read-only)."""
    raw = load_interventions()["interventions"]
    items: dict[str, Intervention] = {}
    problems: list[str] = []
    for i, entry in enumerate(raw):
        try:
            item = Intervention.model_validate(entry)
        except ValidationError as exc:
            where = entry.get("id", f"[{i}]") if isinstance(entry, dict) else f"[{i}]"
            problems += [f"interventions.yaml {where}.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
            continue
        if item.id in items:
            problems.append(f"interventions.yaml: duplicate id '{item.id}'")
        items[item.id] = item
    problems += [f"interventions.yaml {p}" for p in _cross_check(items)]
    if problems:
        raise CatalogError("\n".join(problems))
    return items


def get(intervention_id: str) -> Intervention:
    """One intervention by id; PlanError with suggestions when unknown."""
    from ..errors import PlanError, did_you_mean

    catalog = load_catalog()
    if intervention_id not in catalog:
        raise PlanError(f"{intervention_id!r} is not an intervention id{did_you_mean(intervention_id, catalog)}")
    return catalog[intervention_id]


def interventions(category: Optional[str] = None):
    """The catalog as a DataFrame (id, name, category, description, mechanisms, line, duration, source,
    status), optionally one category."""
    import pandas as pd

    if category is not None and category not in CATEGORIES:
        from ..errors import PlanError, did_you_mean

        raise PlanError(f"category {category!r} is not one of {', '.join(CATEGORIES)}{did_you_mean(category, CATEGORIES)}")
    rows = [{"id": it.id, "name": it.name, "category": it.category, "description": it.description,
             "mechanisms": ", ".join(f"{m}: {lvl}" for m, lvl in it.mechanisms.items()), "line": it.line,
             "opioid": it.is_opioid, "long_acting": it.long_acting, "duration": it.duration, "source": it.source,
             "status": it.status}
            for it in load_catalog().values() if category in (None, it.category)]
    return pd.DataFrame(rows)
