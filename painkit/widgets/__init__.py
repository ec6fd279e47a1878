"""ipywidgets views over painkit's pure functions: one module per learner step.

Widgets hold no clinical logic: they call painkit's functions and show the results, so everything they
display is unit-testable without a browser. Imported lazily (ipywidgets is heavy).
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "CasePicker": "_case_picker",
    "CaseChoice": "_case_choice",
    "CaseView": "_case_view",
    "HandScore": "_hand_score",
    "InstrumentForm": "_instrument_form",
    "MechanismQuiz": "_mechanism_quiz",
    "PlanBuilder": "_plan_builder",
    "TrajectoryExplorer": "_trajectory_explorer",
    "SelfCheck": "_self_check",
    "MasteryCheck": "_mastery_check",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'painkit.widgets' has no attribute {name!r}")
    value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value
