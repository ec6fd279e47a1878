"""Pain mechanism grading (NeuPSIG 2016, IASP 2021 criteria from painkit/data/mechanisms.yaml) and feedback."""
from __future__ import annotations

from ._authoring import key_problems, validate_cases
from ._classify import STEP, Feedback, InsufficientFindings, MechanismAssessment, Reason, classify
from ._criteria import FINDINGS, criteria, load_mechanisms, entry_findings, finding_label, meets, phrase
from ._feedback import check_answer, hints, normalize_answer
from ._tables import assessment_html, criteria_table, feedback_html, grade_table, screening_table

__all__ = ['key_problems', 'validate_cases', 'load_mechanisms', 'FINDINGS', 'Feedback', 'InsufficientFindings', 'MechanismAssessment', 'Reason', 'STEP', 'assessment_html', 'check_answer', 'classify', 'criteria', 'entry_findings', 'meets', 'phrase', 'criteria_table', 'feedback_html', 'finding_label', 'grade_table', 'hints', 'normalize_answer', 'screening_table']

from .._validate import check_public as _check_public
from ..errors import MechanismError as _MechanismError

_check_public(globals(), _MechanismError)  # arguments of every public function checked (issue 16)
