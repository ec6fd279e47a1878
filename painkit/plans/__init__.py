"""Multimodal plans and their review against the case, CDC 2022 and drug safety (rules in painkit/data)."""
from __future__ import annotations

from ._review import ExpertComparison, Plan, PlanReview, expert_plan, review_plan
from ._rules import COMPONENTS, categories, table
from ._discontinuation import matches, resolve, stop_problems
from .._findings import Finding

__all__ = ['COMPONENTS', 'ExpertComparison', 'Finding', 'Plan', 'PlanReview', 'categories', 'expert_plan', 'matches', 'resolve', 'review_plan', 'stop_problems', 'table']
