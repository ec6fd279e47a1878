"""What painkit teaches: the foundations question bank and the competency map (painkit/data)."""
from __future__ import annotations

from ._competencies import CaseTags, Competency, CompetencyError, case_tags, load_competencies, load_map
from ._foundations import (Question, QuestionBank, SelfCheckError, check_self, load_bank, load_foundations, option_id,
                           question_ids)

__all__ = ['CaseTags', 'Competency', 'CompetencyError', 'Question', 'QuestionBank', 'SelfCheckError', 'case_tags',
           'check_self', 'load_bank', 'load_competencies', 'load_foundations', 'load_map', 'option_id',
           'question_ids']
