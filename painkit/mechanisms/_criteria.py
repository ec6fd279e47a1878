"""The mechanism criteria as data: the single reader of ``painkit/data/mechanisms.yaml`` (NeuPSIG, Finnerup
2016; IASP nociplastic, Kosek 2021; a nociceptive teaching rule), checked against the case model, and the
words used to state a finding or a grade. Grading (``_classify``), feedback and tables read them here."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

from .. import _yamlio as yamlio
from ..cases import GRADES, MECHANISMS, Findings
from .._validate import key
from ..errors import MechanismError

FINDINGS: tuple[str, ...] = tuple(f for f in Findings.model_fields if f != "notes")


FINDINGS: tuple[str, ...] = tuple(f for f in Findings.model_fields if f != "notes")


def criteria() -> dict:
    """The parsed ``mechanisms.yaml`` (cached, read-only), checked against ``cases.GRADES`` and ``Findings``."""
    return _checked_criteria()


def load_mechanisms() -> dict[str, Any]:
    """The parsed ``mechanisms.yaml`` (cached, read-only); ``criteria`` checks it. Its one reader."""
    return yamlio.data_file("mechanisms.yaml")


@lru_cache(maxsize=1)
def _checked_criteria() -> dict:
    data = load_mechanisms()
    for mech in MECHANISMS:
        system = data["systems"][mech]
        if (system["none"], *system["grades"]) != GRADES[mech]:
            raise MechanismError(f"mechanisms.yaml: {mech} grades {list(system['grades'])} disagree with "
                                 f"cases.GRADES {GRADES[mech]}")
        for cid, crit in system["criteria"].items():
            for name in _names(crit):
                if name not in FINDINGS:
                    raise MechanismError(f"mechanisms.yaml: {mech}.{cid} reads unknown finding '{name}'")
    return data


def _names(crit: dict) -> list[str]:
    f = crit["finding"]
    return [f] if isinstance(f, str) else list(f)


def _finding(name: Any) -> str:
    return key(name, "finding", criteria()["findings"], MechanismError)


def _mechanism(name: Any) -> str:
    return key(name, "mechanism", criteria()["systems"], MechanismError)


def finding_label(name: str) -> str:
    """A clinician's label for a finding id (e.g. 'Sensory signs in the same distribution')."""
    return criteria()["findings"][_finding(name)]["label"]


def phrase(name: str, value: Any) -> str:
    """A readable statement of one finding's value in a case, for reasons and feedback."""
    spec = criteria()["findings"][_finding(name)]
    if value is None:
        return f"{spec['label'].lower()}: not assessed"
    if isinstance(value, list):
        labels = criteria()["comorbid_symptom_labels"]
        return spec["present"].format(value="; ".join(labels.get(v, v) for v in value)) if value else spec["absent"]
    if isinstance(value, bool):
        return spec["present"] if value else spec["absent"]
    return spec["present"].format(value=f"{value:g}")


def _meets(rule: Any, value: Any) -> Optional[bool]:
    if value is None:
        return None
    if isinstance(rule, bool):
        return value is rule
    if "at_least" in rule:
        return value >= rule["at_least"]
    if "min_items" in rule:
        return len(value) >= rule["min_items"]
    raise MechanismError(f"mechanisms.yaml: unknown rule {rule!r}; allowed: true, false, at_least, min_items")


def _rule(mechanism: str, grade: str) -> Optional[dict]:
    return criteria()["systems"][mechanism]["grades"].get(grade)


def meets(mechanism: str, grade: str) -> str:
    """How a grade is named in feedback, e.g. "NeuPSIG 'probable neuropathic'"."""
    system = criteria()["systems"][_mechanism(mechanism)]
    key(grade, "grade", system["grades"], MechanismError)
    return system["meets"].format(grade=grade)


def entry_findings(mechanism: str) -> list[str]:
    """The findings the weakest grade of a system reads: without any of them the system cannot be graded."""
    system = criteria()["systems"][_mechanism(mechanism)]
    rule = next(iter(system["grades"].values()))
    ids = [*rule.get("requires", []), *rule.get("requires_one_of", [])]
    return [n for c in ids for n in _names(system["criteria"][c])]
