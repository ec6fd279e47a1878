"""Review scenarios as data: a case (or an edit of one), a plan, and the finding codes that must and must not
appear, with the source that says why. ``python -m painkit check-scenarios [folder]`` runs every
``*.yaml`` file in the folder (default ``tests/scenarios``) so an educator or clinical reviewer can add a
regression without writing Python. Education only: not for decisions about real patients.

A scenario file holds ``scenarios:``, a list of mappings:

    - id: stop-oxycontin-below-50-mme          # unique within the folder
      case: lbp-chronic                        # a shipped case id
      edit: {age: 70, add_comorbidities: [ckd], medications: [{name: "OxyContin", dose: 15, ...}]}
      plan: {items: [therapeutic_exercise], opioids: [...], stop: [OxyContin]}
      expect: [abrupt_opioid_discontinuation]  # codes that must appear
      severity: {abrupt_opioid_discontinuation: warning}   # optional: the severity each must have
      forbid: [rapid_opioid_dose_reduction]    # codes that must not appear
      forbid_severities: [error]               # optional: no finding of these severities at all
      source: "Dowell 2022 (CDC) Rec 5"

``edit`` keys: age, setting, conditions, comorbidities / add_comorbidities (condition ids),
medications / add_medications (case medication mappings), allergies / add_allergies.
A scenario with no ``expect`` is a control: it must stay quiet on the codes it forbids.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .. import _yamlio as yamlio
from ..errors import PainkitError, PlanError

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "tests" / "scenarios"  # the repository checkout
KEYS = {"id", "case", "edit", "plan", "expect", "severity", "forbid", "forbid_severities", "source", "note"}
EDIT_KEYS = {"age", "setting", "conditions", "comorbidities", "add_comorbidities", "medications", "add_medications",
             "allergies", "add_allergies"}
SEVERITIES = ("error", "warning", "info")


class ScenarioError(PainkitError, ValueError):
    """A scenario file or entry is malformed (names the file, the scenario and the field)."""


@dataclass
class ScenarioResult:
    """One scenario's outcome: ``failures`` lists each unmet expectation (empty when it passed)."""

    file: str
    id: str
    failures: list[str]
    control: bool


def _list(value: Any, where: str, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ScenarioError(f"{where}.{what}: found {type(value).__name__}; give a list")
    return value


def _edited_case(entry: dict, where: str):
    """The scenario's case: a shipped case with the ``edit`` applied (validated like any case file)."""
    from ..cases import Case, load_case

    case_id = entry.get("case")
    if not isinstance(case_id, str):
        raise ScenarioError(f"{where}.case: found {case_id!r}; give a shipped case id, e.g. 'lbp-chronic'")
    try:
        case = load_case(case_id)
    except PainkitError as exc:
        raise ScenarioError(f"{where}.case: {exc}") from None
    edit = entry.get("edit") or {}
    if not isinstance(edit, dict):
        raise ScenarioError(f"{where}.edit: found {type(edit).__name__}; give a mapping of edits")
    unknown = sorted(set(edit) - EDIT_KEYS)
    if unknown:
        raise ScenarioError(f"{where}.edit: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(EDIT_KEYS))}")
    if not edit:
        return case
    data = case.model_dump()
    if "age" in edit:
        data["patient"]["age"] = edit["age"]
    if "setting" in edit:
        data["setting"] = edit["setting"]
    if "conditions" in edit:
        data["conditions"] = _list(edit["conditions"], where, "edit.conditions")
    for field, key in (("comorbidities", "comorbidities"), ("medications", "medications"), ("allergies", "allergies")):
        if key in edit:
            data[field] = _list(edit[key], where, f"edit.{key}")
        data[field] = data[field] + _list(edit.get(f"add_{key}"), where, f"edit.add_{key}")
    data["comorbidities"] = [{"id": c} if isinstance(c, str) else c for c in data["comorbidities"]]
    data["medications"] = [{"name": m} if isinstance(m, str) else m for m in data["medications"]]
    try:
        return Case.model_validate(data)
    except Exception as exc:  # pydantic ValidationError: report the first problem briefly
        first = str(exc).splitlines()[:3]
        raise ScenarioError(f"{where}.edit: the edited case is not valid: {' '.join(first)[:300]}") from None


def run_scenario(entry: Any, where: str) -> ScenarioResult:
    """Run one scenario entry; ScenarioError when the entry itself is malformed."""
    from ._review import Plan, review_plan

    if not isinstance(entry, dict):
        raise ScenarioError(f"{where}: found {type(entry).__name__}; a scenario is a mapping")
    sid = entry.get("id")
    if not isinstance(sid, str) or not sid:
        raise ScenarioError(f"{where}.id: missing; give each scenario a short unique id")
    where = f"{where} ({sid})"
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(KEYS))}")
    if not isinstance(entry.get("source"), str) or not entry["source"].strip():
        raise ScenarioError(f"{where}.source: missing; say which guideline or rule the expectation comes from")
    expect = _list(entry.get("expect"), where, "expect")
    forbid = _list(entry.get("forbid"), where, "forbid")
    bad_sev = _list(entry.get("forbid_severities"), where, "forbid_severities")
    severity = entry.get("severity") or {}
    if not isinstance(severity, dict) or any(v not in SEVERITIES for v in severity.values()) \
            or any(s not in SEVERITIES for s in bad_sev):
        raise ScenarioError(f"{where}: severities must be one of {', '.join(SEVERITIES)}")
    if not (expect or forbid or bad_sev):
        raise ScenarioError(f"{where}: give expect, forbid or forbid_severities (a scenario must check something)")
    case = _edited_case(entry, where)
    spec = entry.get("plan")
    if not isinstance(spec, dict):
        raise ScenarioError(f"{where}.plan: give a mapping with items (and optional opioids, stop)")
    extra = sorted(set(spec) - {"items", "opioids", "stop"})
    if extra:
        raise ScenarioError(f"{where}.plan: unknown key(s) {', '.join(extra)}; allowed: items, opioids, stop")
    try:
        review = review_plan(case, Plan(spec.get("items") or [], opioids=spec.get("opioids"), stop=spec.get("stop")))
    except PlanError as exc:
        raise ScenarioError(f"{where}.plan: {exc}") from None
    found = {f.code: f for f in review.findings}
    failures = [f"expected {code}, not found (found: {', '.join(found) or 'nothing'})"
                for code in expect if code not in found]
    failures += [f"{code} is {found[code].severity}, expected {sev}" for code, sev in severity.items()
                 if code in found and found[code].severity != sev]
    failures += [f"{code} must not fire: {found[code].message[:160]}" for code in forbid if code in found]
    failures += [f"no {f.severity} expected, found {f.code}" for f in review.findings if f.severity in bad_sev]
    return ScenarioResult(file="", id=sid, failures=failures, control=not expect)


def run_folder(folder: Optional[Path] = None) -> list[ScenarioResult]:
    """Run every scenario in ``folder`` (default tests/scenarios); ScenarioError for a malformed file."""
    folder = Path(folder) if folder else DEFAULT_FOLDER
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: not a folder of scenario files")
    results: list[ScenarioResult] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.y*ml")):
        try:
            data = yamlio.read(path)
        except Exception as exc:
            raise ScenarioError(f"{path.name}: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("scenarios"), list):
            raise ScenarioError(f"{path.name}: give a mapping with a 'scenarios' list")
        for i, entry in enumerate(data["scenarios"]):
            result = run_scenario(entry, f"{path.name} scenarios[{i}]")
            if result.id in seen:
                raise ScenarioError(f"{path.name} scenarios[{i}].id: {result.id!r} is also used in {seen[result.id]}")
            seen[result.id] = path.name
            result.file = path.name
            results.append(result)
    return results


def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", nargs="?", default=None, help="scenario folder (default: tests/scenarios)")


def cmd_check_scenarios(args: argparse.Namespace) -> int:
    """Print one line per failing expectation; exit 1 when any scenario fails or a file is malformed."""
    try:
        results = run_folder(Path(args.folder) if args.folder else None)
    except ScenarioError as exc:
        print(f"error: {exc}")
        return 1
    failed = 0
    for r in results:
        for line in r.failures:
            print(f"{r.file} {r.id}: {line}")
        failed += bool(r.failures)
    controls = sum(r.control for r in results)
    print(f"{len(results)} scenario(s) ({controls} control(s)), {failed} failing", file=sys.stderr)
    return 1 if failed else 0
