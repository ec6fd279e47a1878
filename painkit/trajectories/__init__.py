"""Synthetic trajectories: an educational cohort model (not predictive), outcome scoring, branching visits."""
from __future__ import annotations

from ._simulate import MAX_PATIENTS, MAX_PATIENT_WEEKS, MAX_WEEKS, PlanComparison, branch, compare_plans, simulate
from ._outcomes import NOTE, OUTCOMES, SimulationError, Thresholds, TrajectoryScores, outcome_labels, patient_outcomes, score_trajectories, thresholds, wide
from ._schedules import Change, changes_of, jsonable, plan_parts
from ._revisions import load_revision_rules, review_revision, RevisionReview, visit_summary, with_outcomes
from ._reading import PatientReading, grade_reading, pick_patient, read_patient
from ._trials import PLACEBO, VirtualTrial, virtual_trial
from ._calibration import Target, calibration_targets, check_calibration
from ._params import load_calibration, load_fitted, load_trajectory

__all__ = ['Change', 'MAX_PATIENTS', 'MAX_PATIENT_WEEKS', 'MAX_WEEKS', 'NOTE', 'OUTCOMES', 'PLACEBO', 'PatientReading', 'PlanComparison', 'RevisionReview', 'SimulationError', 'Target', 'Thresholds', 'TrajectoryScores', 'VirtualTrial', 'branch', 'calibration_targets', 'changes_of', 'check_calibration', 'compare_plans', 'grade_reading', 'jsonable', 'load_calibration', 'load_fitted', 'load_revision_rules', 'load_trajectory', 'outcome_labels', 'patient_outcomes', 'pick_patient', 'plan_parts', 'read_patient', 'review_revision', 'score_trajectories', 'simulate', 'thresholds', 'virtual_trial', 'visit_summary', 'wide', 'with_outcomes']

from .._validate import check_public as _check_public

_check_public(globals(), SimulationError)  # arguments of every public function checked (issue 16)
