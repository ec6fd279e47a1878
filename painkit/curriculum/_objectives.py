"""Learning objectives per learner notebook (module) and the mastery check that closes each one.

The objectives live in ``painkit/data/objectives.yaml`` (mapped to competency ids), the questions in
``painkit/data/mastery.yaml`` (the foundations question-bank format, validated by the same models).
``grade_mastery`` grades one sitting of a module's check and is the only grading logic; the widget
``painkit.widgets.MasteryCheck`` shows the questions and records each sitting as one attempt
(case ``mastery``, step ``mastery_check``), so retakes are attempts too. ``module_of`` says which
module an attempt's time counts for (the rule is written in objectives.yaml).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, Mapping, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import _yamlio as yamlio
from ..errors import PainkitError, did_you_mean
from ._competencies import load_map
from ._foundations import ID, QuestionBank, option_id, validate_bank

OBJECTIVES_FILE = "objectives.yaml"
MASTERY_FILE = "mastery.yaml"
MASTERY_CASE = "mastery"          # the attempt's case for every mastery check
MASTERY_STEP = "mastery_check"


class ObjectivesError(PainkitError, ValueError):
    """objectives.yaml or mastery.yaml is malformed, or a module / question id is unknown."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Objective(_Strict):
    id: str = Field(pattern=ID)
    text: str = Field(min_length=1)
    competencies: tuple[str, ...] = Field(min_length=1)


class Evidence(_Strict):
    steps: tuple[str, ...] = Field(min_length=1)
    cases: tuple[str, ...] = ()


class Module(_Strict):
    id: str = Field(pattern=ID)
    notebook: str = Field(pattern=r"^[0-9]{2}_[a-z0-9_]+\.ipynb$")
    title: str = Field(min_length=1)
    objectives: tuple[Objective, ...] = Field(min_length=1)
    evidence: Evidence
    mastery: tuple[str, ...] = Field(min_length=1)


class PassMark(_Strict):
    value: float = Field(gt=0, le=100)
    source: str = Field(min_length=1)
    status: Literal["verified", "partial", "unverified", "teaching_assumption"]
    why: str = Field(min_length=1)


class Objectives(_Strict):
    statement: str = Field(min_length=1)
    pass_mark: PassMark
    modules: tuple[Module, ...] = Field(min_length=1)

    def module(self, module_id: str) -> Module:
        """The module with this id, or an ObjectivesError naming the allowed ids."""
        for m in self.modules:
            if m.id == module_id:
                return m
        ids = [m.id for m in self.modules]
        raise ObjectivesError(f"unknown module {module_id!r}{did_you_mean(module_id, ids)}; allowed: {', '.join(ids)}")


def _problems(exc: ValidationError, where: str) -> str:
    return "\n".join(f"{where}: {'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
                     for e in exc.errors())


def validate_objectives(data: Any, bank: QuestionBank, competency_ids: set[str],
                        where: str = OBJECTIVES_FILE) -> Objectives:
    """Validate raw objectives data against the mastery bank and the competency ids; one line per problem."""
    try:
        obj = Objectives.model_validate(data)
    except ValidationError as exc:
        raise ObjectivesError(_problems(exc, where)) from None
    problems = []
    seen: set[str] = set()
    for m in obj.modules:
        if m.id in seen:
            problems.append(f"{where}: modules: {m.id}: the id is used twice")
        seen.add(m.id)
        for o in m.objectives:
            problems += [f"{where}: modules: {m.id}: objectives: {o.id}: competency {c!r} is not in "
                         f"competencies.yaml{did_you_mean(c, competency_ids)}"
                         for c in o.competencies if c not in competency_ids]
        for qid in m.mastery:
            q = next((q for q in bank.questions if q.id == qid), None)
            if q is None:
                problems.append(f"{where}: modules: {m.id}: mastery: {qid!r} is not a question in {MASTERY_FILE}")
            elif q.section != m.id:
                problems.append(f"{where}: modules: {m.id}: mastery: {qid!r} belongs to section {q.section!r}")
    if problems:
        raise ObjectivesError("\n".join(problems))
    return obj


def load_mastery_file() -> Any:
    """The parsed ``mastery.yaml`` (cached, read-only); ``load_mastery_bank`` validates it. Its one reader."""
    return yamlio.data_file("mastery.yaml")


def load_objectives_file() -> Any:
    """The parsed ``objectives.yaml`` (cached, read-only); ``load_objectives`` validates it. Its one reader."""
    return yamlio.data_file("objectives.yaml")


@lru_cache(maxsize=1)
def load_mastery_bank() -> QuestionBank:
    """The validated mastery questions shipped with painkit (cached)."""
    try:
        return validate_bank(load_mastery_file(), MASTERY_FILE)
    except PainkitError as exc:
        raise ObjectivesError(str(exc)) from None


@lru_cache(maxsize=1)
def load_objectives() -> Objectives:
    """The validated learning objectives shipped with painkit (cached; models are frozen)."""
    ids = {c.id for c in load_map()["competencies"]}
    return validate_objectives(load_objectives_file(), load_mastery_bank(), ids)


@dataclass(frozen=True)
class MasteryResult:
    """One sitting of a module's mastery check: score 0-100, passed (score >= pass mark), per-question
    (correct, feedback) in the module's order."""

    module: str
    score: float
    passed: bool
    pass_mark: float
    results: dict[str, tuple[bool, str]]

    def answer(self, choices: Mapping[str, str]) -> dict:
        """The JSON answer an attempt stores for this sitting."""
        return {"module": self.module, "choices": {q: option_id(c) for q, c in choices.items()},
                "correct": sorted(q for q, (ok, _) in self.results.items() if ok)}


def grade_mastery(module_id: str, choices: Mapping[str, Union[str, bool]]) -> MasteryResult:
    """Grade one sitting: every question of the module must be answered once (unanswered counts wrong)."""
    objectives, bank = load_objectives(), load_mastery_bank()
    module = objectives.module(module_id)
    extra = [q for q in choices if q not in module.mastery]
    if extra:
        raise ObjectivesError(f"mastery check {module_id}: question(s) {', '.join(map(str, extra))} are not in "
                              f"this check; allowed: {', '.join(module.mastery)}")
    results: dict[str, tuple[bool, str]] = {}
    for qid in module.mastery:
        q = next(q for q in bank.questions if q.id == qid)
        if choices.get(qid) is None:
            results[qid] = (False, "Not answered.")
            continue
        option = q.option(option_id(choices[qid]))
        note = "" if q.status == "verified" else f"; status: {q.status}"
        results[qid] = (option.correct, f"{option.feedback} (Source: {q.source}{note}.)")
    score = round(100 * sum(ok for ok, _ in results.values()) / len(results), 2)
    mark = objectives.pass_mark.value
    return MasteryResult(module_id, score, score >= mark, mark, results)


def module_of(case: str, step: str, answer: Any = None) -> Optional[str]:
    """The module an attempt's time counts for (the rule in objectives.yaml), or None."""
    modules = load_objectives().modules
    if case == MASTERY_CASE:
        if isinstance(answer, str):
            try:
                answer = json.loads(answer)
            except ValueError:
                return None
        found = answer.get("module") if isinstance(answer, dict) else None
        return found if any(m.id == found for m in modules) else None
    for m in modules:
        if case in m.evidence.cases and step in m.evidence.steps:
            return m.id
    return next((m.id for m in modules if not m.evidence.cases and step in m.evidence.steps), None)
