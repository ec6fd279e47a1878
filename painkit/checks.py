"""Checks of a case against painkit's other registries (instruments, intervention catalog, opioids).

Kept apart from the case schema so that ``cases`` does not import the engines at module load.
"""
from __future__ import annotations

from importlib.util import find_spec
from typing import TYPE_CHECKING

from .errors import PainkitError

if TYPE_CHECKING:
    from .cases import Case


def case_cross_checks(case: "Case") -> list[str]:
    """Problems as 'field.path: message' lines; empty when the case agrees with every registry."""
    problems: list[str] = []
    if find_spec("painkit.instruments"):
        from .instruments import score

        for i, visit in enumerate(case.instruments):
            for inst, answers in visit.responses.items():
                try:
                    score(inst, answers, sex=case.patient.sex, age=case.patient.age)
                except PainkitError as exc:
                    problems.append(f"instruments[{i}].responses.{inst}: {exc}")
    if find_spec("painkit.catalog"):
        from .catalog import load_catalog
        from .errors import did_you_mean

        known = load_catalog()
        for field, ids in (("key.plan", case.key.plan), ("key.inappropriate", [x.id for x in case.key.inappropriate])):
            for j, iid in enumerate(ids):
                if iid not in known:
                    problems.append(f"{field}[{j}]: '{iid}' is not an intervention id{did_you_mean(iid, known)}")
    if find_spec("painkit.opioids") and case.key.opioids:
        from .opioids import mme

        try:
            mme(case.key.opioids)
        except PainkitError as exc:
            problems.append(f"key.opioids: {exc}")
    return problems
