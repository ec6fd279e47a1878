"""Pain mechanism grading (NeuPSIG 2016, IASP 2021 criteria from painkit/data/mechanisms.yaml) and feedback."""
from __future__ import annotations

from ._classify import FINDINGS, STEP, Feedback, InsufficientFindings, MechanismAssessment, Reason, check_answer, classify, criteria, criteria_table, finding_label, grade_table
from ._feedback import hints, normalize_answer
from ._tables import assessment_html, feedback_html, screening_table

__all__ = ['FINDINGS', 'Feedback', 'InsufficientFindings', 'MechanismAssessment', 'Reason', 'STEP', 'assessment_html', 'check_answer', 'classify', 'criteria', 'criteria_table', 'feedback_html', 'finding_label', 'grade_table', 'hints', 'normalize_answer', 'screening_table']
