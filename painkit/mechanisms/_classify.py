"""Pain mechanisms: grade nociceptive, neuropathic and nociplastic pain from a case's findings, and give
learners teaching feedback on their answer.

The criteria are data (``painkit/data/mechanisms.yaml``: NeuPSIG, Finnerup 2016; IASP nociplastic, Kosek
2021; a nociceptive teaching rule built on the IASP definition); this module only evaluates them.
Decisions (see also ``docs/mechanisms.md``):

- **Grades.** Each system gets the strongest grade whose required criteria are met; a finding left empty
  (``None``) counts as not met and its reason says "not assessed".
- **Primary.** The first (mechanism, grade) of the yaml's ``primary_order`` that the case reaches:
  definite > probable neuropathic > probable nociplastic > likely nociceptive > possible nociplastic >
  possible neuropathic (a teaching rule: grades backed by examination signs or tests first). ``None`` when
  every mechanism is 'unlikely'. ``mixed`` = two or more mechanisms graded above 'unlikely'.
- **Sparse cases.** When none of the entry findings of any system is assessed, ``classify`` raises
  ``InsufficientFindings`` ("insufficient findings: ..."); a system whose own entry findings are all empty
  is graded 'unlikely' and listed in ``MechanismAssessment.unassessed``.
- **Screening** (DN4, painDETECT, LANSS, CSI) is read from the latest visit that answered each instrument,
  reported as supporting reasons ("screening supports but does not diagnose"), and never changes a grade.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib.util import find_spec
from typing import Any, Optional

from ..cases import MECHANISMS, Case, Findings
from ..errors import MechanismError
from ._criteria import _meets, _names, _rule, criteria, entry_findings, finding_label, meets, phrase

STEP = "mechanism"


class InsufficientFindings(MechanismError):
    """The case records too few findings to grade any mechanism."""


# --------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Reason:
    """One criterion (or screening result) checked against the case: what, the case's value and note,
    whether it is met (``None`` = not assessed), and its source."""

    mechanism: str
    criterion: str
    label: str
    finding: str
    value: Any
    note: str
    met: Optional[bool]
    source: str
    kind: str = "criterion"  # or "screening"
    rule: Any = None  # the criterion's rule from mechanisms.yaml (e.g. False: met when the finding is no)

    def _values(self) -> dict[str, Any]:
        names = self.finding.split(" or ")
        return self.value if isinstance(self.value, dict) else {names[0]: self.value}

    @property
    def evidence(self) -> str:
        """What the case shows for this criterion, in words, with the case's own note."""
        if self.kind == "screening":
            return f"{self.label}: {self.value:g}"
        values = self._values()
        shown = [n for n in values if values[n]] or list(values)  # any-of: show the finding(s) that hold
        if self.note and all(values[n] is True for n in shown):  # the note says it; the label names it
            return "; ".join(finding_label(n).lower() for n in shown) + f" ({self.note})"
        text = "; ".join(phrase(n, values[n]) for n in shown)
        return f"{text} ({self.note})" if self.note else text

    @property
    def value_text(self) -> str:
        """The case's value(s) in a few words: yes / no / not assessed / 8 months / the symptoms listed."""
        if self.kind == "screening":
            return f"{self.value:g}"

        def one(name: str, v: Any) -> str:
            if v is None or isinstance(v, bool):
                return {None: "not assessed", True: "yes", False: "no"}[v]
            return phrase(name, v) if isinstance(v, list) else f"{v:g} months"

        values = self._values()
        if len(values) == 1 and self.rule is not False:
            return one(*next(iter(values.items())))
        return "; ".join(f"{finding_label(n)}: {one(n, v)}" for n, v in values.items())

    def text(self) -> str:
        status = {True: "met", False: "not met", None: "not assessed"}[self.met]
        if self.kind == "screening":
            verdict = {True: "positive", False: "negative", None: "no cut-off"}[self.met]
            return (f"{self.evidence} ({verdict}; {self.note}): {criteria()['screening']['note']} "
                    f"{self.mechanism} pain [{self.source}]")
        return f"{status}: {self.label}: {self.evidence} [{self.source}]"


@dataclass(frozen=True, repr=False)
class MechanismAssessment:
    """Grades per mechanism, the primary one, whether pain is mixed, and every reason behind them."""

    grades: dict[str, str]
    primary: Optional[str]
    mixed: bool
    reasons: tuple[Reason, ...]
    case: str = ""
    unassessed: tuple[str, ...] = ()

    def reason(self, mechanism: str, criterion: str) -> Reason:
        return next(r for r in self.reasons if r.mechanism == mechanism and r.criterion == criterion)

    def basis(self, mechanism: str, grade: Optional[str] = None) -> list[Reason]:
        """The met criteria that earn ``grade`` (default: the grade reached)."""
        rule = _rule(mechanism, grade or self.grades[mechanism])
        if rule is None:
            return []
        ids = [*rule.get("requires", []), *rule.get("requires_one_of", [])]
        return [r for cid in dict.fromkeys(ids) if (r := self.reason(mechanism, cid)).met]

    def gaps(self, mechanism: str, grade: str) -> list[Reason]:
        """The criteria of ``grade`` this case does not meet (empty when the grade is reached)."""
        rule = _rule(mechanism, grade) or {}
        missing = [self.reason(mechanism, c) for c in rule.get("requires", [])]
        one_of = [self.reason(mechanism, c) for c in rule.get("requires_one_of", [])]
        out = [r for r in missing if not r.met]
        return out + (one_of if one_of and not any(r.met for r in one_of) else [])

    def grade_sentence(self, mechanism: str) -> str:
        """One sentence: the grade and the case details that earn it (or what is missing)."""
        grade, system = self.grades[mechanism], criteria()["systems"][mechanism]
        if grade == system["none"]:
            first = next(iter(system["grades"]))
            gaps = "; ".join(r.evidence for r in self.gaps(mechanism, first))
            return f"{mechanism} {grade}: does not meet {meets(mechanism, first)}: {gaps}."
        return f"{mechanism} {grade}: {'; '.join(r.evidence for r in self.basis(mechanism))}: that meets " \
               f"{meets(mechanism, grade)}."

    def explain(self) -> str:
        """Every grade with its reasons and the screening results, as plain text."""
        lines = [f"Case {self.case}: primary {self.primary}; mixed: {'yes' if self.mixed else 'no'}"]
        for mech in MECHANISMS:
            lines.append(self.grade_sentence(mech) + (" (no entry finding assessed)" if mech in self.unassessed else ""))
            lines += [f"  - {r.text()}" for r in self.reasons if r.mechanism == mech]
        return "\n".join(lines)

    def to_frame(self):
        """Tidy DataFrame: one row per criterion or screening result."""
        import pandas as pd

        return pd.DataFrame([{"mechanism": r.mechanism, "kind": r.kind, "criterion": r.label,
                              "finding": r.finding, "value": r.value, "met": r.met, "note": r.note,
                              "source": r.source} for r in self.reasons])

    @property
    def summary(self):
        """DataFrame, one row per mechanism: its grade, whether it is the primary one, and the sentence why."""
        import pandas as pd

        return pd.DataFrame([{"mechanism": m, "grade": g, "primary": m == self.primary,
                              "why": self.grade_sentence(m)} for m, g in self.grades.items()])

    def print_summary(self) -> None:
        """Print every grade with its reasons (``explain()``)."""
        print(self.explain())

    def __str__(self) -> str:
        grades = ", ".join(f"{m} {g}" for m, g in self.grades.items())
        return f"MechanismAssessment({self.case}: {grades}; primary {self.primary}; mixed {self.mixed})"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        from ._tables import assessment_html

        return assessment_html(self)


# --------------------------------------------------------------------------------------------------
# classify


def _criterion_reason(mech: str, cid: str, crit: dict, findings: Findings) -> Reason:
    names = _names(crit)
    values = {n: getattr(findings, n) for n in names}
    results = [_meets(crit["rule"], v) for v in values.values()]
    met = True if True in results else (None if None in results else False)
    note = "; ".join(findings.notes[n] for n in names if findings.notes.get(n))
    status = crit.get("status")
    source = crit["source"] + (f" ({status.replace('_', ' ')})" if status and status != "verified" else "")
    value = values if len(names) > 1 else values[names[0]]
    return Reason(mech, cid, crit["label"], " or ".join(names), value, note, met, source, rule=crit["rule"])


def _grade(system: dict, met: dict[str, Optional[bool]]) -> str:
    grade = system["none"]
    for name, rule in system["grades"].items():  # weakest first: keep the strongest reached
        one_of = rule.get("requires_one_of")
        if all(met[c] for c in rule.get("requires", [])) and (not one_of or any(met[c] for c in one_of)):
            grade = name
    return grade


def _screening(case: Case) -> list[Reason]:
    """Positive/negative screens from the latest visit answering each screening instrument."""
    spec = criteria()["screening"]["instruments"]
    latest: dict[str, tuple[Any, Any]] = {}
    for visit in sorted(case.instruments, key=lambda v: v.week):
        latest.update({i: (visit, a) for i, a in visit.responses.items() if i in spec})
    if not latest or find_spec("painkit.instruments") is None:  # instruments are optional to classification
        return []
    from ..instruments import score

    out = []
    for inst, (visit, answers) in latest.items():
        s = score(inst, answers, sex=case.patient.sex, age=case.patient.age)
        where = f"week {visit.week}" + (f", {visit.label}" if visit.label else "")
        out.append(Reason(spec[inst]["supports"], inst, f"{spec[inst]['label']} ({spec[inst]['cutoff']})", inst,
                          s.total, where, s.positive, spec[inst]["source"], kind="screening"))
    return out


def classify(case: Case) -> MechanismAssessment:
    """Grade each mechanism from ``case.findings`` by the criteria in mechanisms.yaml; screening is reported
    but never decides. Raises ``InsufficientFindings`` when no system can be graded."""
    data = criteria()
    f = case.findings
    unassessed = tuple(m for m in MECHANISMS if all(getattr(f, n) is None for n in entry_findings(m)))
    if len(unassessed) == len(MECHANISMS):
        need = "; ".join(f"{m}: {', '.join(entry_findings(m))}" for m in MECHANISMS)
        raise InsufficientFindings(f"insufficient findings: case '{case.id}' records none of the findings "
                                   f"needed to grade any mechanism; add them under findings: ({need})")
    reasons: list[Reason] = []
    grades: dict[str, str] = {}
    for mech in MECHANISMS:
        system = data["systems"][mech]
        mine = [_criterion_reason(mech, cid, crit, f) for cid, crit in system["criteria"].items()]
        grades[mech] = _grade(system, {r.criterion: r.met for r in mine})
        reasons += mine
    reasons += _screening(case)
    primary = next((o["mechanism"] for o in data["primary_order"]["order"]
                    if grades[o["mechanism"]] == o["grade"]), None)
    mixed = sum(g != "unlikely" for g in grades.values()) >= 2
    return MechanismAssessment(grades, primary, mixed, tuple(reasons), case.id, unassessed)


# --------------------------------------------------------------------------------------------------
# check_answer (the feedback logic lives in mechanism_feedback, to keep modules small)


@dataclass(frozen=True)
class Feedback:
    """A learner's answer checked against the case's expert key: mechanisms right, missed and extra;
    wrong grades as {mechanism: (given, expected)}; a teaching explanation; a score 0-100."""

    correct: list[str]
    missed: list[str]
    extra: list[str]
    grade_errors: dict[str, tuple[str, str]]
    explanation: str
    score: float
    answer: list[dict] = field(default_factory=list)

    def __str__(self) -> str:
        return self.explanation

    def to_frame(self):
        """DataFrame, one row per mechanism in the answer or the key: how the learner's answer fared."""
        import pandas as pd

        wrong = self.grade_errors
        rows = [{"mechanism": m, "verdict": v, "given": wrong.get(m, (None, None))[0],
                 "expected": wrong.get(m, (None, None))[1]}
                for v, ms in (("correct", self.correct), ("missed", self.missed), ("extra", self.extra)) for m in ms]
        return pd.DataFrame(rows, columns=["mechanism", "verdict", "given", "expected"])

    @property
    def summary(self):
        """One-row DataFrame: the score and the counts of mechanisms right, missed and extra."""
        import pandas as pd

        return pd.DataFrame([{"score": self.score, "correct": len(self.correct), "missed": len(self.missed),
                              "extra": len(self.extra), "wrong_grades": len(self.grade_errors)}])

    def print_summary(self) -> None:
        """Print the teaching explanation."""
        print(self.explanation)
