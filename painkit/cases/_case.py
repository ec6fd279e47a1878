"""Case vignettes: the pydantic model of a case file, and loading, listing and validating case folders.

A case file (``cases/<id>.yaml``) is untrusted input: it is read with a safe YAML loader, checked against
one schema (unknown keys are errors), and reported one problem per line naming the file, the field path,
what was found and what is allowed. See ``docs/authoring.md`` for every field with an example.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable, Literal, Optional, Sequence, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .. import _yamlio as yamlio
from ..errors import CaseError, did_you_mean
from ..formulary import load_conditions

Setting = Literal["acute", "chronic", "cancer", "palliative"]
Mechanism = Literal["nociceptive", "neuropathic", "nociplastic"]
# Population vocabulary: the derivation rules (age bands, comorbidities) live in painkit/data/curriculum.yaml.
Population = Literal["child", "adolescent", "adult", "older_adult", "pregnancy_postpartum", "cognitive_impairment",
                     "substance_use", "cannot_self_report"]
Difficulty = Literal["introductory", "intermediate", "advanced"]
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

    # strict: ``age: true`` is not 1 and ``"5"`` is not 5; allow_inf_nan=False: ``.nan`` and ``.inf`` are refused.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True, allow_inf_nan=False)


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
    dose: Optional[float] = Field(None, gt=0, le=100_000)
    unit: Optional[Literal["mg", "mcg", "mcg/h", "g", "units", "%", "patch"]] = None
    per_day: Optional[float] = Field(None, gt=0, le=100, description="Doses per day (omit for a patch).")
    since_months: Optional[float] = Field(None, ge=0, le=1200, description="How long it has been taken.")
    note: str = ""


class Visit(_Strict):
    week: int = Field(ge=0, le=520, description="Weeks since the first visit (0 = first visit).")
    label: str = ""
    responses: dict[str, Union[list[Any], dict[str, Any]]] = Field(
        default_factory=dict, description="Answers by instrument id, as a list in item order or a mapping."
    )


class Findings(_Strict):
    """Structured clinical features that mechanism classification reads. ``None`` means not assessed."""

    pain_duration_months: Optional[float] = Field(None, ge=0, le=1200)
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


class AcceptedFinding(_Strict):
    """A plan-review warning the expert plan knowingly accepts, and why (e.g. a high dose being tapered)."""

    code: str = Field(pattern=SNAKE_ID, description="Finding code (docs/plan-review.md).")
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
    accepted_findings: list[AcceptedFinding] = Field(
        default_factory=list, description="Warnings the expert plan's review shows on purpose, each with the reason.")
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
    mean: float = Field(ge=0, le=52, description="On the measure's own scale (pain and function 0-10, PCS 0-52).")
    sd: float = Field(ge=0, le=52)


# The scale each trajectory measure is drawn on (NRS and BPI interference 0-10; PCS 0-52).
_SCALE_TOP = {"pain": 10, "function": 10, "pcs": 52}


class Trajectory(_Strict):
    """Phenotype of the synthetic cohort drawn around this case (defaults by setting when absent)."""

    pain: Optional[Dist] = None
    function: Optional[Dist] = None
    pcs: Optional[Dist] = None
    adherence: Optional[float] = Field(None, ge=0, le=1)
    mechanism_mix: Optional[dict[Mechanism, float]] = Field(None, description="Weight of each mechanism, "
                                                            "0 to 1 each, at least one above 0.")
    natural_history: Optional[Literal["resolving", "persistent", "progressive"]] = None

    @field_validator("pain", "function", "pcs")
    @classmethod
    def _on_scale(cls, v: Optional[Dist], info: Any) -> Optional[Dist]:
        top = _SCALE_TOP[info.field_name]
        if v is not None and v.mean > top:
            raise ValueError(f"mean {v.mean:g} is off the scale; allowed: 0 to {top}")
        return v

    @field_validator("mechanism_mix")
    @classmethod
    def _mix(cls, v: Optional[dict[str, float]]) -> Optional[dict[str, float]]:
        if v is None:
            return v
        bad = {m: w for m, w in v.items() if not 0 <= w <= 1}
        if bad:
            m, w = next(iter(bad.items()))
            raise ValueError(f"{m} weight {w:g}; allowed: 0 to 1 for each mechanism")
        if not any(w > 0 for w in v.values()):
            raise ValueError("every weight is 0; allowed: at least one mechanism weight above 0")
        return v


class Case(_Strict):
    """One validated case vignette. ``case.show()`` renders it; the key stays hidden unless asked."""

    id: str = Field(pattern=CASE_ID)
    title: str = Field(min_length=1)
    setting: Setting
    conditions: list[str] = Field(default_factory=list, description="Curriculum condition tags.")
    topics: list[str] = Field(default_factory=list, description="Teaching topic tags; tags starting with "
                              "'iasp.' are curriculum topic ids from painkit/data/curriculum.yaml.")
    population: list[Population] = Field(default_factory=list, description="Populations the case teaches "
                                         "beyond those derived from age and comorbidities (see case_index).")
    difficulty: Difficulty = Field("intermediate", description="introductory, intermediate or advanced.")
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

    @field_validator("topics")
    @classmethod
    def _curriculum_topics(cls, v: list[str]) -> list[str]:
        from ._topics import PREFIX, topic_ids

        known = topic_ids()
        for tag in v:
            if tag.startswith(PREFIX) and tag not in known:
                raise ValueError(f"{tag!r:.60} is not a curriculum topic id{did_you_mean(tag, sorted(known))}; "
                                 f"allowed: the ids in painkit/data/curriculum.yaml (or a free tag without "
                                 f"the '{PREFIX}' prefix)")
        return v

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
    from .._validate import short

    return short(v)


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
        return f"{path}: unknown field; allowed fields here: {allowed}"  # never echo the value (could be a secret)
    if kind == "literal_error":
        expected = err["ctx"]["expected"].replace("'", "").replace(" or ", ", ")
        return f"{path}: {_fmt_value(found)} is not one of {expected}"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{path}: found {_fmt_value(found)}; {msg[0].lower() + msg[1:]}"


def _display(path: Path) -> str:
    """The path as shown in messages: relative to the current folder when inside it, at most ~150 characters."""
    try:
        text = str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        text = str(path)
    return text if len(text) <= 150 else text[:70] + "..." + text[-77:]


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


def as_case(case: Any, error: type = CaseError) -> Case:
    """A Case object, or the case loaded from an id or a path; ``error`` (a PainkitError) for anything else.
    Every function that takes a case checks it here, so ``None`` or a number never reaches an attribute."""
    if isinstance(case, Case):
        return case
    if isinstance(case, (str, Path)):
        return load_case(case)
    from .._validate import short

    raise error(f"case: found {short(case)} ({type(case).__name__}); allowed: a Case (pk.load_case) or a case "
                f"id such as 'lbp-chronic'")


def read_case(path: str | Path) -> Case:
    """Load one case file; the file name must equal the case id."""
    path = _path(path)
    source = _display(path)
    try:
        is_file = path.is_file()
    except (OSError, ValueError):
        is_file = False
    if not is_file:
        raise CaseError(f"{source}: no such case file")
    try:
        data = yamlio.read(path)
    except yamlio.YamlError as exc:
        raise CaseError(f"{source}: {exc}") from None
    case = parse_case(data, source)
    if case.id != path.stem:
        raise CaseError(f"{source}: id: '{case.id}' must equal the file name '{path.stem}'")
    return case


def _path(path: Any) -> Path:
    from .._validate import path_arg

    return path_arg(path, "case file", CaseError)


def _folder(folder: Any) -> Path:
    """A folder argument as a Path; CaseError for anything that is not a path."""
    if not isinstance(folder, (str, os.PathLike)) or (isinstance(folder, str) and ("\x00" in folder or
                                                                                   len(folder) > 4096)):
        from .._validate import short

        raise CaseError(f"folder: found {short(folder)} ({type(folder).__name__}); allowed: the path of a folder "
                        f"of case files")
    return Path(folder)


def case_folders(folder: str | Path | None = None) -> list[Path]:
    """Where cases are looked for: the argument, else $PAINKIT_CASES (os.pathsep-separated), then the
    shipped library."""
    if folder is not None:
        return [_folder(folder)]
    env = os.environ.get("PAINKIT_CASES", "")
    return [Path(p) for p in env.split(os.pathsep) if p] + [REPO_CASES]


CASE_SUFFIXES = (".yaml", ".yml")  # compared case-insensitively: .YAML and .Yml are case files too


def case_files(folder: str | Path) -> list[Path]:
    """The case files in one folder (``*.yaml``/``*.yml`` in any letter case), sorted; none if not a folder."""
    folder = Path(folder)
    try:
        return sorted(p for p in folder.iterdir() if p.suffix.lower() in CASE_SUFFIXES and not p.is_dir())
    except OSError:
        return []


def _inside(path: Path, folder: Path) -> Path:
    """``path`` when it (after following links) stays inside ``folder``; CaseError otherwise, so a link to a
    file elsewhere (a credentials file...) is never read as a case."""
    try:
        real = path.resolve()
        real.relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):
        raise CaseError(f"{_display(path)}: is a link to a file outside the case folder; refused (copy the case "
                        f"into the folder instead)") from None
    return path


def list_cases(folder: str | Path | None = None) -> list[str]:
    """Sorted ids of the case files found (without validating them)."""
    ids = {p.stem for d in case_folders(folder) for p in case_files(d)}
    return sorted(ids)


def find_case(case_id: str, folder: str | Path | None = None) -> Path:
    """The file of a case id in ``case_folders`` (first folder wins; .yaml or .yml); CaseError if none."""
    from .._validate import short

    if not isinstance(case_id, str) or not re.match(CASE_ID, case_id):
        raise CaseError(f"case id: found {short(case_id)}; allowed: 2-64 lower-case letters, digits, '-' or '_'")
    for d in case_folders(folder):
        for path in case_files(d):
            if path.stem == case_id:
                return _inside(path, d)
    from ..errors import did_you_mean

    raise CaseError(f"{case_id}: no case with this id{did_you_mean(case_id, list_cases(folder))}")


def load_case(id_or_path: str | Path, *, folder: str | Path | None = None) -> Case:
    """Load a case by id (searched in ``case_folders``) or by path to a .yaml/.yml file."""
    from .._validate import short

    if not isinstance(id_or_path, (str, Path)):
        raise CaseError(f"case: found {short(id_or_path)} ({type(id_or_path).__name__}); allowed: a case id such "
                        f"as 'lbp-chronic' or the path of a case file")
    text = str(id_or_path)
    if len(text) > 4096 or "\x00" in text:
        raise CaseError(f"case: found {short(text)}; allowed: a case id or the path of a case file")
    if isinstance(id_or_path, Path) or text.lower().endswith(CASE_SUFFIXES) or os.sep in text:
        return read_case(Path(text))
    return read_case(find_case(text, folder))


def safe_read_case(path: Path, folder: Path) -> Case:
    """``read_case`` for a file found while scanning a folder: links out of the folder are refused and any
    unexpected failure becomes a CaseError naming the file, so one bad file never hides the others."""
    _inside(path, folder)
    try:
        return read_case(path)
    except CaseError:
        raise
    except Exception as exc:  # noqa: BLE001 - a hostile file must not stop the scan of the others
        raise CaseError(f"{_display(path)}: could not be checked ({type(exc).__name__}); fix the values "
                        f"this file's other problems point to") from None


def validate_cases(folder: str | Path = REPO_CASES, *,
                   checks: Sequence[Callable[[Case], list[str]]] = ()) -> list[str]:
    """Validate every case file in a folder; return all problems (empty when all are valid).

    Each file is checked against the schema and painkit's registries, and a case must not still hold the
    new-case template's placeholder text. ``checks`` are more checks run on every case that loads, one
    'field: message' line per problem: ``painkit.validate_cases`` (and ``python -m painkit validate``) adds
    the check of the key against the mechanism criteria, which lives in ``painkit.mechanisms``, above cases."""
    from ._checks import template_leftovers

    folder = _folder(folder)
    if not folder.is_dir():
        return [f"{_display(folder)}: not a folder of case files"]
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in case_files(folder):
        try:
            case = safe_read_case(path, folder)
        except CaseError as exc:
            problems.extend(exc.problems)
            continue
        if case.id in seen:
            problems.append(f"{_display(path)}: id: '{case.id}' duplicates {_display(seen[case.id])}")
        seen[case.id] = path
        for check in (template_leftovers, *checks):
            problems.extend(f"{_display(path)}: {p}" for p in check(case))
    return problems


def json_schema() -> dict:
    """The JSON Schema of a case file, for editor completion."""
    return Case.model_json_schema()
