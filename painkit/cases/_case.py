"""Case vignettes: the pydantic model of a case file, and loading, listing and validating case folders.

A case file (``cases/<id>.yaml``) is untrusted input: it is read with a safe YAML loader, checked against
one schema (unknown keys are errors), and reported one problem per line naming the file, the field path,
what was found and what is allowed. See ``docs/authoring.md`` for every field with an example.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .. import _yamlio as yamlio
from ..errors import CaseError
from ..formulary import load_conditions

Setting = Literal["acute", "chronic", "cancer", "palliative"]
Mechanism = Literal["nociceptive", "neuropathic", "nociplastic"]
MECHANISMS: tuple[str, ...] = ("nociceptive", "neuropathic", "nociplastic")
# Grade scales of each classification system (NeuPSIG: Finnerup 2016; IASP nociplastic: Kosek 2021).
GRADES: dict[str, tuple[str, ...]] = {
    "nociceptive": ("unlikely", "likely"),
    "neuropathic": ("unlikely", "possible", "probable", "definite"),
    "nociplastic": ("unlikely", "possible", "probable"),
}
CASE_ID = r"^[a-z0-9][a-z0-9_-]{1,63}$"
SNAKE_ID = r"^[a-z][a-z0-9_]*$"
REPO_CASES = Path(__file__).resolve().parents[2] / "cases"


class _Strict(BaseModel):
    """Base for every case section: unknown keys are errors, never silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Patient(_Strict):
    age: int = Field(ge=0, le=120, description="Age in years.")
    sex: Literal["female", "male", "intersex", "unspecified"]
    background: str = Field("", description="Occupation, culture, family: written respectfully.")


class RedFlag(_Strict):
    name: str = Field(min_length=1, description="The red flag screened for, e.g. 'saddle anaesthesia'.")
    present: bool
    note: str = ""


class Comorbidity(_Strict):
    id: str = Field(pattern=SNAKE_ID, description="An id from painkit/data/conditions.yaml.")
    note: str = ""

    @field_validator("id")
    @classmethod
    def _known(cls, v: str) -> str:
        known = load_conditions()["conditions"]
        if v not in known:
            raise ValueError(f"not a known condition id; allowed: {', '.join(sorted(known))}")
        return v


class Medication(_Strict):
    name: str = Field(min_length=1, description="Generic or brand name, e.g. 'alprazolam (Xanax)'.")
    dose: Optional[float] = Field(None, gt=0)
    unit: Optional[Literal["mg", "mcg", "mcg/h", "g", "units", "%", "patch"]] = None
    per_day: Optional[float] = Field(None, gt=0, description="Doses per day (omit for a patch).")
    since_months: Optional[float] = Field(None, ge=0, description="How long it has been taken.")
    note: str = ""


class Visit(_Strict):
    week: int = Field(ge=0, description="Weeks since the first visit (0 = first visit).")
    label: str = ""
    responses: dict[str, Union[list[Any], dict[str, Any]]] = Field(
        default_factory=dict, description="Answers by instrument id, as a list in item order or a mapping."
    )


class Findings(_Strict):
    """Structured clinical features that mechanism classification reads. ``None`` means not assessed."""

    pain_duration_months: Optional[float] = Field(None, ge=0)
    tissue_injury_or_inflammation: Optional[bool] = None
    proportionate_mechanical_or_inflammatory_pattern: Optional[bool] = None
    neurological_lesion_or_disease: Optional[bool] = None
    pain_in_neuroanatomical_distribution: Optional[bool] = None
    sensory_signs_in_same_distribution: Optional[bool] = None
    lesion_confirmed_by_test: Optional[bool] = None
    regional_not_discrete_distribution: Optional[bool] = None
    widespread_pain: Optional[bool] = None
    pain_fully_explained_by_nociception_or_neuropathy: Optional[bool] = None
    hypersensitivity: Optional[bool] = Field(None, description="Evoked pain hypersensitivity on exam.")
    history_of_hypersensitivity: Optional[bool] = None
    comorbid_symptoms: list[
        Literal["sound_light_odour_sensitivity", "sleep_disturbance", "fatigue", "cognitive_problems"]
    ] = Field(default_factory=list)
    notes: dict[str, str] = Field(default_factory=dict, description="Finding id -> the case detail behind it.")


class Inappropriate(_Strict):
    id: str = Field(pattern=SNAKE_ID, description="Intervention id from the catalog.")
    reason: str = Field(min_length=1)


class Key(_Strict):
    """The expert answer. Hidden from learners until asked for."""

    mechanisms: dict[Mechanism, str] = Field(description="Grade per mechanism.")
    primary: Mechanism
    rationale: str = Field(min_length=1)
    plan: list[str] = Field(default_factory=list, description="Recommended intervention ids.")
    opioids: list[dict[str, Any]] = Field(default_factory=list, description="Prescriptions in the plan.")
    stop: list[str] = Field(default_factory=list, description="Current medications the plan discontinues "
                            "(a name as in medications, a drug name or a drug class, e.g. 'ibuprofen').")
    inappropriate: list[Inappropriate] = Field(default_factory=list)
    teaching_points: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)

    @field_validator("mechanisms")
    @classmethod
    def _grades(cls, v: dict[str, str]) -> dict[str, str]:
        for mech, grade in v.items():
            if grade not in GRADES[mech]:
                raise ValueError(f"{mech}: '{grade}' is not one of {', '.join(GRADES[mech])}")
        return v


class Dist(_Strict):
    mean: float
    sd: float = Field(ge=0)


class Trajectory(_Strict):
    """Phenotype of the synthetic cohort drawn around this case (defaults by setting when absent)."""

    pain: Optional[Dist] = None
    function: Optional[Dist] = None
    pcs: Optional[Dist] = None
    adherence: Optional[float] = Field(None, ge=0, le=1)
    mechanism_mix: Optional[dict[Mechanism, float]] = None
    natural_history: Optional[Literal["resolving", "persistent", "progressive"]] = None


class Case(_Strict):
    """One validated case vignette. ``case.show()`` renders it; the key stays hidden unless asked."""

    id: str = Field(pattern=CASE_ID)
    title: str = Field(min_length=1)
    setting: Setting
    conditions: list[str] = Field(default_factory=list, description="Curriculum condition tags.")
    topics: list[str] = Field(default_factory=list, description="Teaching topic tags.")
    patient: Patient
    presentation: str = Field(min_length=1)
    history: str = ""
    exam: str = ""
    red_flags: list[RedFlag] = Field(default_factory=list)
    comorbidities: list[Comorbidity] = Field(default_factory=list)
    medications: list[Medication] = Field(default_factory=list)
    allergies: list[str] = Field(default_factory=list)
    instruments: list[Visit] = Field(default_factory=list)
    findings: Findings = Field(default_factory=Findings)
    key: Key
    trajectory: Optional[Trajectory] = None

    def show(self, key: bool = False):
        """The case as notebook HTML; the expert key only with ``key=True``."""
        from IPython.display import HTML

        from ._render import case_html

        return HTML(case_html(self, key=key))

    def _repr_html_(self) -> str:
        from ._render import case_html

        return case_html(self, key=False)

    def scores(self):
        """Tidy DataFrame (visit, week, instrument, scale, value, band) of the stored answers."""
        from ..instruments import case_scores

        return case_scores(self)


# --------------------------------------------------------------------------------------------------
# Error formatting


def _fmt_value(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_at(loc: tuple) -> list[str]:
    """Field names allowed at a location (for 'unknown field' messages)."""
    model: Any = Case
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        model = _inner_model(field.annotation)
    return sorted(model.model_fields) if model is not None else []


def _inner_model(annotation: Any):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _describe(err: dict) -> str:
    loc = tuple(err["loc"])
    path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")
    kind, found = err["type"], err.get("input")
    if kind == "missing":
        return f"{path}: required field is missing"
    if kind == "extra_forbidden":
        allowed = ", ".join(_fields_at(loc))
        return f"{path}: unknown field (found {_fmt_value(found)}); allowed fields here: {allowed}"
    if kind == "literal_error":
        expected = err["ctx"]["expected"].replace("'", "").replace(" or ", ", ")
        return f"{path}: {_fmt_value(found)} is not one of {expected}"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{path}: found {_fmt_value(found)}; {msg[0].lower() + msg[1:]}"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------------
# Loading


def parse_case(data: Any, source: str = "<case>") -> Case:
    """Validate already-parsed YAML data as a Case; raise CaseError listing every problem."""
    if data is None:
        raise CaseError(f"{source}: the file is empty; a case is a mapping with id, title, setting, ...")
    if not isinstance(data, dict):
        raise CaseError(f"{source}: found a {type(data).__name__}; a case file must be a mapping of fields")
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        from ._checks import raw_answer_problems

        problems = [_describe(e) for e in exc.errors()] + raw_answer_problems(data)
        raise CaseError([f"{source}: {p}" for p in problems]) from None
    problems = [f"{source}: {p}" for p in _cross_check(case)]
    if problems:
        raise CaseError(problems)
    return case


def _cross_check(case: Case) -> list[str]:
    """Checks that need other registries: questionnaire answers and intervention ids."""
    from ._checks import case_cross_checks

    return case_cross_checks(case)


def read_case(path: str | Path) -> Case:
    """Load one case file; the file name must equal the case id."""
    path = Path(path)
    source = _display(path)
    if not path.is_file():
        raise CaseError(f"{source}: no such case file")
    try:
        data = yamlio.read(path)
    except yamlio.YamlError as exc:
        raise CaseError(f"{source}: {exc}") from None
    case = parse_case(data, source)
    if case.id != path.stem:
        raise CaseError(f"{source}: id: '{case.id}' must equal the file name '{path.stem}'")
    return case


def case_folders(folder: str | Path | None = None) -> list[Path]:
    """Where cases are looked for: the argument, else $PAINKIT_CASES (os.pathsep-separated), then the
    shipped library."""
    if folder is not None:
        return [Path(folder)]
    env = os.environ.get("PAINKIT_CASES", "")
    return [Path(p) for p in env.split(os.pathsep) if p] + [REPO_CASES]


def list_cases(folder: str | Path | None = None) -> list[str]:
    """Sorted ids of the case files found (without validating them)."""
    ids = {p.stem for d in case_folders(folder) if d.is_dir() for p in d.glob("*.yaml")}
    return sorted(ids)


def load_case(id_or_path: str | Path, *, folder: str | Path | None = None) -> Case:
    """Load a case by id (searched in ``case_folders``) or by path to a .yaml file."""
    text = str(id_or_path)
    if text.endswith((".yaml", ".yml")) or os.sep in text or Path(text).is_file():
        return read_case(Path(text))
    for d in case_folders(folder):
        candidate = d / f"{text}.yaml"
        if candidate.is_file():
            return read_case(candidate)
    from ..errors import did_you_mean

    raise CaseError(f"{text}: no case with this id{did_you_mean(text, list_cases(folder))}")


def validate_cases(folder: str | Path = REPO_CASES) -> list[str]:
    """Validate every case file in a folder; return all problems (empty when all are valid)."""
    folder = Path(folder)
    if not folder.is_dir():
        return [f"{_display(folder)}: not a folder of case files"]
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.y*ml")):
        try:
            case = read_case(path)
        except CaseError as exc:
            problems.extend(exc.problems)
            continue
        if case.id in seen:
            problems.append(f"{_display(path)}: id: '{case.id}' duplicates {_display(seen[case.id])}")
        seen[case.id] = path
    return problems


def json_schema() -> dict:
    """The JSON Schema of a case file, for editor completion."""
    return Case.model_json_schema()
