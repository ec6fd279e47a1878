"""Authoring check of a case's expert key against the published criteria, and the ``validate`` command.

A case's ``key.mechanisms`` and ``key.primary`` are what learners are marked against; they must be what the
case's own ``findings`` give under the criteria painkit teaches (NeuPSIG grading, Finnerup 2016; IASP clinical
criteria for nociplastic pain, Kosek 2021; painkit's nociceptive teaching rule: ``painkit/data/mechanisms.yaml``).
The schema checks live in ``painkit.cases``, below this layer, so the full check is composed here:
``validate_cases`` = ``cases.validate_cases`` + ``key_problems`` on every case that loads.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..cases import GRADES, MECHANISMS, REPO_CASES, Case, case_files
from ..cases import validate_cases as _schema_problems
from ._classify import InsufficientFindings, Reason, classify
from ._criteria import entry_findings, meets


def _word(value: Any) -> str:
    if value is None:
        return "not assessed"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return f"{value:g}"


def _said(reasons: list[Reason]) -> str:
    """The findings behind criteria as 'finding_field: value', the names an author edits under ``findings:``
    (short: the case's notes and the criteria's wording are left out)."""
    parts = [f"{name}: {_word(v)}" for r in reasons
             for name, v in (r.value.items() if isinstance(r.value, dict) else [(r.finding, r.value)])]
    return "; ".join(dict.fromkeys(parts))


def key_problems(case: Case) -> list[str]:
    """One 'key.field: ...' line per place where the expert key contradicts what the case's findings give
    under the published criteria (a grade per mechanism, then the primary mechanism); empty when they agree.
    A case whose findings record nothing the criteria read cannot be checked, and says so."""
    try:
        assessment = classify(case)
    except InsufficientFindings:
        need = ", ".join(dict.fromkeys(n for m in MECHANISMS for n in entry_findings(m)))
        return [f"findings: none of the findings the criteria read is recorded, so key.mechanisms cannot be "
                f"checked; record them under findings: ({need})"]
    problems: list[str] = []
    for mech in MECHANISMS:
        said = case.key.mechanisms.get(mech, GRADES[mech][0])
        got = assessment.grades[mech]
        if said == got:
            continue
        if GRADES[mech].index(said) > GRADES[mech].index(got):
            why = f"{meets(mech, said)} is not met: {_said(assessment.gaps(mech, said))}"
        else:
            why = f"the findings meet {meets(mech, got)}: {_said(assessment.basis(mech))}"
        problems.append(f"key.mechanisms.{mech}: the key says '{said}' but the findings give '{got}' ({why}); "
                        f"correct the key, or the findings if they misstate the case")
    if not problems and case.key.primary != assessment.primary:
        got = f"'{assessment.primary}'" if assessment.primary else "none (every mechanism unlikely)"
        problems.append(f"key.primary: the key says '{case.key.primary}' but the graded findings make {got} "
                        f"primary (painkit's order: grades backed by examination signs or tests first, "
                        f"docs/mechanisms.md); correct key.primary")
    return problems


def validate_cases(folder: str | Path = REPO_CASES) -> list[str]:
    """Every problem of every case file in a folder (empty when all are valid): the schema, painkit's
    registries, leftover template text, and the expert key against the published mechanism criteria."""
    return _schema_problems(folder, checks=(key_problems,))


# --------------------------------------------------------------------------------------------------
# CLI: python -m painkit validate [FOLDER]


def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", nargs="?", default=None, help="case folder (default: the shipped cases/)")


def cmd_validate(args: argparse.Namespace) -> int:
    """Print one line per problem and a count; exit 1 when any case file has a problem."""
    folder = Path(args.folder) if args.folder else REPO_CASES
    problems = validate_cases(folder)
    for line in problems:
        print(line)
    n = len(case_files(folder))
    print(f"{n} case file(s) checked, {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0
