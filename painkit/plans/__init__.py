"""Multimodal plans and their review against the case, CDC 2022 and drug safety (rules in painkit/data)."""
from __future__ import annotations

from ._review import ExpertComparison, Plan, PlanReview, expert_plan, review_plan
from ._rules import categories, COMPONENTS, load_plan_rules, table
from .._findings import Finding

__all__ = ['COMPONENTS', 'ExpertComparison', 'Finding', 'Plan', 'PlanReview', 'categories', 'expert_plan', 'load_plan_rules', 'review_plan', 'table']
