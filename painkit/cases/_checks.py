"""Checks of a case against painkit's other registries (instruments, intervention catalog, opioids), and
against the new-case template (placeholder text left in).

Kept apart from the case schema so that ``cases`` does not import the engines at module load. The
questionnaire check also runs on raw YAML data, so a file with schema errors still has its answers checked
and an author sees every problem in one run.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from ..errors import PainkitError, did_you_mean

if TYPE_CHECKING:
    from ._case import Case

TEMPLATE = Path(__file__).resolve().parent.parent / "data" / "case_template.yaml"  # ``new-case`` writes it
PLACEHOLDER = "Replace with"  # how the template's must-edit texts begin


def answer_problems(visits: Any, sex: Any = None, age: Any = None) -> list[str]:
    """Score every visit's answers (raw data or validated); one line per answer sheet that fails."""
    from ..instruments import score

    problems: list[str] = []
    for i, visit in enumerate(visits if isinstance(visits, list) else []):
        responses = visit.get("responses") if isinstance(visit, dict) else getattr(visit, "responses", None)
        for inst, answers in (responses.items() if isinstance(responses, dict) else []):
            try:
                score(inst, answers, sex=sex, age=age)
            except PainkitError as exc:
                problems.append(f"instruments[{i}].responses.{inst}: {exc}")
    return problems


def raw_answer_problems(data: dict) -> list[str]:
    """``answer_problems`` for a case that failed schema validation (best effort on raw data)."""
    patient = data.get("patient") if isinstance(data.get("patient"), dict) else {}
    return answer_problems(data.get("instruments"), patient.get("sex"), patient.get("age"))


def case_cross_checks(case: "Case") -> list[str]:
    """Problems as 'field.path: message' lines; empty when the case agrees with every registry."""
    from ..formulary import load_catalog
    from ..formulary import mme

    problems = answer_problems(case.instruments, case.patient.sex, case.patient.age)
    known = load_catalog()
    for field, ids in (("key.plan", case.key.plan), ("key.inappropriate", [x.id for x in case.key.inappropriate])):
        for j, iid in enumerate(ids):
            if iid not in known:
                problems.append(f"{field}[{j}]: '{iid}' is not an intervention id{did_you_mean(iid, known)}")
    if case.key.opioids:
        try:
            mme(case.key.opioids)
        except PainkitError as exc:
            problems.append(f"key.opioids: {exc}")
    if case.key.stop:
        from ..formulary import stop_problems

        problems += stop_problems(case)
    return problems


_EXAMPLE_SECTIONS = ("red_flags",)  # the template's red flag is a real one an author may keep


def _prose(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, text) for every sentence-like string of the template: the placeholders an author must
    replace (ids, enum values and the example red flag are not placeholders)."""
    if isinstance(data, dict):
        for k, v in data.items():
            if path == "" and k in _EXAMPLE_SECTIONS:
                continue
            yield from _prose(v, f"{path}.{k}" if path else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _prose(v, f"{path}[{i}]")
    elif isinstance(data, str) and len(data.split()) >= 3:
        yield path, " ".join(data.split())


@lru_cache(maxsize=1)
def _placeholders() -> dict[str, str]:
    from .. import _yamlio as yamlio

    return dict(_prose(yamlio.loads(TEMPLATE.read_text(encoding="utf-8").replace("{id}", "template"))))


def template_leftovers(case: "Case") -> list[str]:
    """One 'field: ...' line per field of ``case`` that still holds the new-case template's placeholder text
    (unchanged, or still saying "Replace with ..."), so an unedited template never passes ``validate``."""
    from .._validate import short

    placeholders = _placeholders()
    problems = []
    for path, text in _prose(case.model_dump(mode="json", exclude_none=True)):
        if placeholders.get(path) == text or text.startswith(PLACEHOLDER):
            problems.append(f"{path}: still the template's placeholder text ({short(text)}); write this "
                            f"case's own")
    return problems
