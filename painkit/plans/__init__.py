"""Multimodal plans and their review against the case, CDC 2022 and drug safety (rules in painkit/data)."""
from __future__ import annotations

from ._review import ExpertComparison, Plan, PlanReview, expert_plan, review_plan
from ._rules import categories, COMPONENTS, load_interactions, load_plan_rules, table
from ._scenarios import ScenarioError, ScenarioResult, run_folder, run_scenario
from .._findings import Finding

__all__ = ['COMPONENTS', 'ExpertComparison', 'Finding', 'Plan', 'PlanReview', 'ScenarioError', 'ScenarioResult', 'categories', 'expert_plan', 'load_interactions', 'load_plan_rules', 'review_plan', 'run_folder', 'run_scenario', 'table']

from .._validate import check_public as _check_public
from ..errors import PlanError as _PlanError

_check_public(globals(), _PlanError)  # arguments of every public function checked (issue 16)
