"""Vega-Lite charts over painkit's DataFrames, drawn offline by the front end (JupyterLab, Voila), with tooltips,
a text description and the data as a table."""
from __future__ import annotations

from ._charts import MAX_ROWS, branches, calibration_forest, case_coverage, class_accuracy, class_findings, class_plan_scores, class_wrong_mechanisms, curriculum_coverage, plan_comparison, plan_components, progress_coverage, progress_scores, progress_time, responders, scores_over_visits, svg, trajectories

__all__ = ['MAX_ROWS', 'branches', 'calibration_forest', 'case_coverage', 'class_accuracy', 'class_findings', 'class_plan_scores', 'class_wrong_mechanisms', 'curriculum_coverage', 'plan_comparison', 'plan_components', 'progress_coverage', 'progress_scores', 'progress_time', 'responders', 'scores_over_visits', 'svg', 'trajectories']

from .._validate import check_public as _check_public
from ..errors import PainkitError as _PainkitError

_check_public(globals(), _PainkitError)  # arguments of every public function checked (issue 16)
