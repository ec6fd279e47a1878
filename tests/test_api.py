"""The public names that notebooks, docs and other people's code call keep working across layouts
(docs/design.md, "Public API"); notebooks use only these, never painkit's private modules."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import painkit as pk

ROOT = Path(__file__).resolve().parents[1]

# name -> the package that owns it (a public name is the owner's object, not a copy)
TOP_LEVEL = {
    "Case": "cases", "load_case": "cases", "list_cases": "cases", "validate_cases": "mechanisms", "case_index": "cases",
    "score": "instruments", "score_many": "instruments", "change": "instruments", "Score": "instruments",
    "Change": "instruments",
    "classify": "mechanisms", "check_answer": "mechanisms", "MechanismAssessment": "mechanisms",
    "Feedback": "mechanisms",
    "mme": "formulary", "interventions": "formulary", "load_catalog": "formulary",
    "Plan": "plans", "expert_plan": "plans", "review_plan": "plans", "PlanReview": "plans", "Finding": "plans",
    "simulate": "trajectories", "score_trajectories": "trajectories", "compare_plans": "trajectories",
    "branch": "trajectories", "review_revision": "trajectories",
    "ProgressStore": "progress",
}
# names of the first (flat) layout that notebooks and docs use: module alias -> attributes
FLAT_LAYOUT = {
    "opioids": ["table", "mme"], "catalog": ["load_catalog", "CATEGORIES"], "library": ["case_index", "coverage"],
    "revisions": ["visit_summary", "review_revision"], "workshop": ["load_class", "demo_class", "class_summary",
                                                                    "hand_in", "ClassData"],
    "foundations": ["check_self", "question_ids"], "xapi": ["statements", "validate", "write"],
    "report": ["report"],
    "instruments": ["info", "list", "change_measures"], "progress": ["enable", "current_learner", "report"],
    "mechanisms": ["FINDINGS", "criteria_table", "grade_table"],
    "charts": ["trajectories", "responders", "branches", "plan_comparison", "plan_components",
               "scores_over_visits", "case_coverage"],
    "widgets": ["CaseView", "InstrumentForm", "MechanismQuiz", "PlanBuilder", "TrajectoryExplorer", "SelfCheck"],
}
COMMANDS = ["validate", "schema", "new-case", "report", "export"]
PACKAGES = ["cases", "instruments", "mechanisms", "formulary", "plans", "trajectories", "progress", "curriculum",
            "charts", "widgets"]


@pytest.mark.parametrize("name", sorted(TOP_LEVEL))
def test_top_level_names_are_their_owners_objects(name):
    owner = getattr(pk, TOP_LEVEL[name])
    assert getattr(pk, name) is getattr(owner, name)


@pytest.mark.parametrize("module, names", sorted(FLAT_LAYOUT.items()))
def test_names_of_the_flat_layout_keep_working(module, names):
    mod = getattr(pk, module)
    for name in names:
        assert callable(getattr(mod, name)) or getattr(mod, name) is not None, f"pk.{module}.{name}"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_declares_its_public_names(package):
    mod = getattr(pk, package)
    assert mod.__all__, package
    assert not [n for n in mod.__all__ if n.startswith("_")], "private names are not API"
    for name in mod.__all__:
        assert getattr(mod, name) is not None


def test_every_command_is_listed_in_help():
    out = subprocess.run([sys.executable, "-m", "painkit", "--help"], capture_output=True, text=True, check=True)
    for command in COMMANDS:
        assert command in out.stdout


def test_notebooks_and_docs_use_the_public_api_only():
    private = re.compile(r"painkit(\.\w+)*\._\w+")
    offenders = []
    for path in [*ROOT.glob("notebooks/**/*.ipynb"), *ROOT.glob("docs/*.md"), ROOT / "README.md"]:
        if path.suffix == ".ipynb":
            text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
        else:
            text = path.read_text()
        offenders += [f"{path.name}: {m.group(0)}" for m in private.finditer(text)
                      if m.group(0) not in ("painkit._yamlio.STATUSES",)]
    assert offenders == []


def test_import_painkit_loads_no_heavy_library():
    code = ("import sys, painkit; heavy = [m for m in ('altair', 'ipywidgets', 'pandas', 'numpy') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
