"""Teaching feedback on a learner's mechanism answer, checked against the case's expert key.

The key decides what is right; ``classify`` supplies the case details that explain why (so a library case
whose findings disagree with its key fails the content-consistency test, not the learner).
Scoring (``scoring`` in mechanisms.yaml, a painkit teaching rule): 100 x credit / number of mechanisms
named by the key or the answer; a correct mechanism earns 1 (``wrong_grade_credit`` if its grade is wrong),
missed and extra ones 0. E.g. a mixed key {nociceptive, neuropathic} answered "neuropathic" scores 50.
"""
from __future__ import annotations

from typing import Any, Optional

from ..cases import GRADES, MECHANISMS, Case
from ..errors import MechanismError, did_you_mean
from ._classify import Feedback, MechanismAssessment, classify
from ._criteria import FINDINGS, _meets, criteria, finding_label, meets, phrase

_KEYS = ("mechanism", "grade", "findings")


def normalize_answer(answer: Any) -> list[dict]:
    """The answer as ``[{"mechanism", "grade" (or None), "findings"}]``; MechanismError names what is wrong
    and what is allowed."""
    if isinstance(answer, (str, dict)):
        answer = [answer]
    if not isinstance(answer, (list, tuple)):
        raise MechanismError(f"answer: found {type(answer).__name__}; expected a list of mechanism names "
                             f"or of mappings with keys {', '.join(_KEYS)}")
    out: list[dict] = []
    for i, item in enumerate(answer):
        where = f"answer[{i}]"
        item = {"mechanism": item} if isinstance(item, str) else item
        if not isinstance(item, dict):
            raise MechanismError(f"{where}: found {item!r}; expected a mechanism name or a mapping")
        unknown = sorted(set(item) - set(_KEYS))
        if unknown:
            raise MechanismError(f"{where}: unknown key '{unknown[0]}'; allowed: {', '.join(_KEYS)}")
        mech = item.get("mechanism")
        if mech not in MECHANISMS:
            raise MechanismError(f"{where}: {mech!r} is not a mechanism{did_you_mean(mech, MECHANISMS)}; "
                                 f"allowed: {', '.join(MECHANISMS)}")
        if any(a["mechanism"] == mech for a in out):
            raise MechanismError(f"{where}: {mech} is named twice; name each mechanism once")
        grade, allowed = item.get("grade"), GRADES[mech][1:]
        if grade is not None and grade not in allowed:
            hint = " (leave out a mechanism you judge unlikely)" if grade == GRADES[mech][0] \
                else did_you_mean(grade, allowed)
            raise MechanismError(f"{where}: {grade!r} is not a grade for {mech}{hint}; "
                                 f"allowed: {', '.join(allowed)}")
        cited = item.get("findings") or []
        if not isinstance(cited, (list, tuple)):
            raise MechanismError(f"{where}.findings: found {cited!r}; expected a list of finding names")
        for f in cited:
            if f not in FINDINGS:
                raise MechanismError(f"{where}.findings: {f!r} is not a finding{did_you_mean(f, FINDINGS)}; "
                                     f"allowed: {', '.join(FINDINGS)}")
        out.append({"mechanism": mech, "grade": grade, "findings": list(dict.fromkeys(cited))})
    if not out:
        raise MechanismError(f"answer names no mechanism; choose at least one of {', '.join(MECHANISMS)}")
    return out


def _evidence(reasons) -> str:
    return "; ".join(r.evidence for r in reasons)


def _first_grade(mech: str) -> str:
    return GRADES[mech][1]


def _extra_line(a: MechanismAssessment, mech: str, lead: Optional[tuple[str, str]]) -> str:
    gaps = a.gaps(mech, _first_grade(mech))
    why = f"this case does not meet {meets(mech, _first_grade(mech))}: {_evidence(gaps)}." if gaps else \
        "the expert key grades it 'unlikely' (see the key's rationale)."
    if lead and (basis := a.basis(*lead)):
        return (f"You called this {mech}, but the case shows {_evidence(basis)}: that meets {meets(*lead)}. "
                f"For {mech}, {why}")
    return f"You called this {mech}, but {why}"


def _missed_line(a: MechanismAssessment, mech: str, grade: str) -> str:
    basis = a.basis(mech, grade)
    if not basis:
        return f"You missed {mech}: the expert key grades it '{grade}' (see the key's rationale)."
    return f"You missed {mech}: the case shows {_evidence(basis)}: that meets {meets(mech, grade)}."


def _correct_line(a: MechanismAssessment, mech: str, given: Optional[str], expected: str) -> str:
    if given is None or given == expected:
        head = f"Right: {mech}" + ("" if given else f" (expert grade '{expected}')")
        return f"{head}: {_evidence(a.basis(mech, expected))}: that meets {meets(mech, expected)}."
    order = GRADES[mech]
    if order.index(given) > order.index(expected):
        needs = "; ".join(f"{r.label.lower()} (here: {r.evidence})" for r in a.gaps(mech, given))
        return (f"You graded {mech} '{given}', but the expert grade is '{expected}': {meets(mech, given)} "
                f"also needs {needs}.")
    had = set(criteria()["systems"][mech]["grades"][given].get("requires", []))
    new = [r for r in a.basis(mech, expected) if r.criterion not in had] or a.basis(mech, expected)
    return (f"You graded {mech} '{given}', but the case reaches '{expected}': {_evidence(new)}: that meets "
            f"{meets(mech, expected)}.")


def _finding_line(case: Case, a: MechanismAssessment, mech: str, name: str) -> str:
    system = criteria()["systems"][mech]
    label = finding_label(name)
    reading = [r for r in a.reasons if r.mechanism == mech and r.kind == "criterion"
               and name in r.finding.split(" or ")]
    if not reading:
        return f"You cited '{label}' for {mech}, but it is not a criterion for {mech} pain ({system['short']})."
    value = getattr(case.findings, name)
    rule = system["criteria"][reading[0].criterion]["rule"]
    if _meets(rule, value):
        return f"Good evidence: '{label}' supports {mech} (criterion: {reading[0].label.lower()})."
    note = case.findings.notes.get(name)
    return f"You cited '{label}' for {mech}, but in this case: {phrase(name, value)}{f' ({note})' if note else ''}."


def _score(correct: list[str], missed: list[str], extra: list[str], grade_errors: dict) -> float:
    credit = criteria()["scoring"]["wrong_grade_credit"]
    earned = sum(credit if m in grade_errors else 1.0 for m in correct)
    return round(100 * earned / (len(correct) + len(missed) + len(extra)), 1)


def _describe(grades: dict[str, str]) -> str:
    return " and ".join(f"{g} {m}" for m, g in grades.items()) or "no mechanism above 'unlikely'"


def check_answer(case: Case, answer: Any) -> Feedback:
    """Check mechanism names, or ``{"mechanism", "grade", "findings"}`` mappings, against the case's key, and
    explain each difference with the case's own details. Unknown mechanisms, grades or findings raise
    MechanismError listing the allowed ones."""
    given = {a["mechanism"]: a for a in normalize_answer(answer)}
    key = {m: g for m in MECHANISMS if (g := case.key.mechanisms.get(m, GRADES[m][0])) != GRADES[m][0]}
    a = classify(case)
    correct = [m for m in MECHANISMS if m in given and m in key]
    missed = [m for m in MECHANISMS if m in key and m not in given]
    extra = [m for m in MECHANISMS if m in given and m not in key]
    grade_errors = {m: (given[m]["grade"], key[m]) for m in correct if given[m]["grade"] not in (None, key[m])}
    score = _score(correct, missed, extra, grade_errors)

    if not (missed or extra or grade_errors):
        lines = [f"Correct ({score:g}/100): {_describe(key)}."]
    else:
        parts = [f"Score {score:g}/100. Expert key: {_describe(key)} (primary {case.key.primary})."]
        parts += [f"{title}: {', '.join(ms)}." for title, ms in
                  (("Right", correct), ("Missed", missed), ("Not in the key", extra)) if ms]
        lines = [" ".join(parts)]
    lead_mech = case.key.primary if case.key.primary in missed else (missed[0] if missed else None)
    lead = (lead_mech, key[lead_mech]) if lead_mech and extra else None
    lines += [_extra_line(a, m, lead) for m in extra]
    lines += [_missed_line(a, m, key[m]) for m in missed if not lead or m != lead[0]]
    if missed and len(key) >= 2:
        lines.append("Pain can be mixed: name every mechanism whose criteria the case meets.")
    lines += [_correct_line(a, m, given[m]["grade"], key[m]) for m in correct]
    lines += [_finding_line(case, a, m, f) for m in given for f in given[m]["findings"]]
    lines += [f"Screening: {r.text()}" for r in a.reasons
              if r.kind == "screening" and (r.mechanism in given or r.mechanism in key)]
    return Feedback(correct, missed, extra, grade_errors, "\n".join(lines), score, list(given.values()))
