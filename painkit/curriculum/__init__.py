"""What painkit teaches: the foundations question bank and the competency map (painkit/data)."""
from __future__ import annotations

from ._foundations import Question, QuestionBank, SelfCheckError, check_self, load_bank, option_id, question_ids
from ._competencies import CaseTags, Competency, CompetencyError, case_tags, load_map
from ._objectives import (MASTERY_CASE, MASTERY_STEP, MasteryResult, Module, Objectives, ObjectivesError, grade_mastery,
                          load_mastery_bank, load_objectives, module_of)

__all__ = ['CaseTags', 'Competency', 'CompetencyError', 'MASTERY_CASE', 'MASTERY_STEP', 'MasteryResult', 'Module',
           'Objectives', 'ObjectivesError', 'grade_mastery', 'load_mastery_bank', 'load_objectives', 'module_of', 'Question', 'QuestionBank', 'SelfCheckError', 'case_tags', 'check_self', 'load_bank', 'load_map', 'option_id', 'question_ids']
