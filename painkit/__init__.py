"""painkit: a Jupyter-based training toolkit for pain-management clinicians.

painkit is for education only. It is not for clinical decisions about real patients.

The public API is re-exported here and loaded lazily (PEP 562): ``import painkit`` stays fast, and
altair or ipywidgets are imported only when a chart or widget is first used.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from .errors import CaseError, InstrumentError, MechanismError, PainkitError, PlanError, ProgressError

__version__ = "0.1.0"
DISCLAIMER = "painkit is for education only. It is not for clinical decisions about real patients."

# public name -> subpackage that exports it
_LAZY: dict[str, str] = {
    "Case": "cases", "load_case": "cases", "list_cases": "cases", "validate_cases": "mechanisms",
    "case_index": "cases",
    "score": "instruments", "score_many": "instruments", "change": "instruments", "Score": "instruments",
    "Change": "instruments",
    "classify": "mechanisms", "check_answer": "mechanisms", "MechanismAssessment": "mechanisms",
    "Feedback": "mechanisms",
    "mme": "formulary", "interventions": "formulary", "load_catalog": "formulary",
    "Plan": "plans", "expert_plan": "plans", "review_plan": "plans", "PlanReview": "plans", "Finding": "plans",
    "simulate": "trajectories", "score_trajectories": "trajectories", "compare_plans": "trajectories",
    "branch": "trajectories", "review_revision": "trajectories", "virtual_trial": "trajectories",
    "check_calibration": "trajectories", "calibration_targets": "trajectories",
    "ProgressStore": "progress",
}
# subpackages, and the module names of the first (flat) layout kept as aliases so that code written for it
# (``pk.opioids.table``, ``pk.workshop.load_class``) keeps working
_SUBMODULES: dict[str, str] = {
    name: name for name in ("cases", "instruments", "mechanisms", "formulary", "plans", "trajectories",
                            "charts", "widgets", "progress", "curriculum")
}
_SUBMODULES.update({"opioids": "formulary", "catalog": "formulary", "library": "cases",
                    "revisions": "trajectories", "workshop": "progress", "foundations": "curriculum",
                    "xapi": "progress._xapi", "report": "progress._report"})

__all__ = sorted([*_LAZY, *_SUBMODULES, "PainkitError", "CaseError", "InstrumentError", "MechanismError",
                  "PlanError", "ProgressError", "DISCLAIMER", "__version__"])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = import_module(f".{_SUBMODULES[name]}", __name__)
    else:
        raise AttributeError(f"module 'painkit' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
