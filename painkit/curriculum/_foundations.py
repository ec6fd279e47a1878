"""Self-check questions for the foundations notebook: the question bank and its grading.

The questions live in ``painkit/data/foundations.yaml``: each has options with feedback, exactly one
correct option and a ``source`` whose "Author Year" keys must be listed under ``references``. The file
is validated by the pydantic models below (unknown keys are errors). ``check_self`` grades one answer
and is the only grading logic; ``painkit.widgets.SelfCheck`` just shows questions and passes answers to it.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .. import _yamlio as yamlio
from ..errors import PainkitError, did_you_mean

DATA_FILE = "foundations.yaml"
CASE = "foundations"  # the question bank's id; competencies.yaml counts self-checks under it
STEP = "self_check"
ID = r"^[a-z][a-z0-9_]*$"
SOURCE_SEPARATOR = ";"


class SelfCheckError(PainkitError, ValueError):
    """A self-check question id or answer is unknown, or the question file is malformed."""


def _find(items: Iterable[Any], wanted: str, problem: str) -> Any:
    """The item whose ``id`` is ``wanted``; else SelfCheckError: problem, closest ids, allowed ids."""
    items = list(items)
    for item in items:
        if item.id == wanted:
            return item
    ids = [item.id for item in items]
    raise SelfCheckError(f"{problem}{did_you_mean(wanted, ids)}; allowed: {', '.join(ids)}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Option(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$", description="a, b, c... or true / false")
    text: str = Field(min_length=1)
    correct: bool = False
    feedback: str = Field(min_length=1, description="Why this option is right or wrong.")


class Question(_Strict):
    id: str = Field(pattern=ID)
    section: str = Field(pattern=ID)
    kind: Literal["multiple_choice", "true_false"]
    prompt: str = Field(min_length=1)
    source: str = Field(min_length=1, description="'Author Year' keys from references, joined by ';'.")
    status: Literal["verified", "partial"] = "verified"
    options: list[Option] = Field(min_length=2)

    @model_validator(mode="after")
    def _one_correct_and_unique(self) -> "Question":
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"option ids repeat: {ids}")
        n_correct = sum(o.correct for o in self.options)
        if n_correct != 1:
            raise ValueError(f"exactly one option must be correct; found {n_correct}")
        if self.kind == "true_false" and sorted(ids) != ["false", "true"]:
            raise ValueError(f"a true_false question has options 'true' and 'false'; found {ids}")
        return self

    def source_keys(self) -> list[str]:
        """The 'Author Year' keys this question cites."""
        return [k.strip() for k in self.source.split(SOURCE_SEPARATOR) if k.strip()]

    def option(self, option_id: str) -> Option:
        """The option with this id, or a SelfCheckError naming the allowed ids."""
        return _find(self.options, option_id, f"question {self.id!r}: {option_id!r} is not an option")


class QuestionBank(_Strict):
    sections: dict[str, str] = Field(min_length=1, description="Section id -> title.")
    references: dict[str, str] = Field(min_length=1, description="'Author Year' -> full citation.")
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _links(self) -> "QuestionBank":
        seen: set[str] = set()
        for q in self.questions:
            if q.id in seen:
                raise ValueError(f"question id {q.id!r} is used twice")
            seen.add(q.id)
            if q.section not in self.sections:
                raise ValueError(f"question {q.id!r}: section {q.section!r} is not listed under sections"
                                 f"{did_you_mean(q.section, self.sections)}")
            for key in q.source_keys():
                if key not in self.references:
                    raise ValueError(f"question {q.id!r}: source {key!r} is not listed under references"
                                     f"{did_you_mean(key, self.references)}")
        return self

    def question(self, question_id: str) -> Question:
        """The question with this id, or a SelfCheckError suggesting the closest ids."""
        return _find(self.questions, question_id, f"unknown self-check question {question_id!r}")


def validate_bank(data: Any, where: str = DATA_FILE) -> QuestionBank:
    """Validate raw question-bank data; raise SelfCheckError with one line per problem."""
    try:
        return QuestionBank.model_validate(data)
    except ValidationError as exc:
        lines = [f"{where}: {'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
                 for err in exc.errors()]
        raise SelfCheckError("\n".join(lines)) from None


def load_foundations() -> Any:
    """The parsed ``foundations.yaml`` (cached, read-only); ``load_bank`` validates it. Its one reader."""
    return yamlio.data_file(DATA_FILE)


@lru_cache(maxsize=1)
def load_bank() -> QuestionBank:
    """The validated question bank shipped with painkit (cached; models are frozen)."""
    return validate_bank(load_foundations())


def question_ids(section: Optional[str] = None) -> list[str]:
    """Question ids in file order, optionally only those of one section."""
    bank = load_bank()
    if section is not None and section not in bank.sections:
        raise SelfCheckError(f"unknown section {section!r}{did_you_mean(section, bank.sections)}; "
                             f"allowed: {', '.join(bank.sections)}")
    return [q.id for q in bank.questions if section is None or q.section == section]


def option_id(choice: Union[str, bool]) -> str:
    if isinstance(choice, bool):  # True/False answers to true_false questions
        return "true" if choice else "false"
    return str(choice).strip().lower()


def check_self(question_id: str, choice: Union[str, bool]) -> tuple[bool, str]:
    """Grade one answer: (correct, feedback), the feedback naming the question's sources."""
    question = load_bank().question(question_id)
    option = question.option(option_id(choice))
    note = "" if question.status == "verified" else f"; status: {question.status}"
    return option.correct, f"{option.feedback} (Source: {question.source}{note}.)"
