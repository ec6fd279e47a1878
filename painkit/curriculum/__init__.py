"""What painkit teaches: the foundations question bank, the competency map, the curriculum topic map,
and the learning objectives with their mastery checks (painkit/data)."""
from __future__ import annotations

from ._competencies import CaseTags, Competency, CompetencyError, case_tags, load_competencies, load_map
from ._foundations import (Question, QuestionBank, SelfCheckError, check_self, load_bank, load_foundations, option_id,
                           question_ids)
from ..cases import (PREFIX, CurriculumError, curriculum_map, curriculum_topics, populations_for, topic_coverage,
                     topic_ids, topics)
from ._objectives import (MASTERY_CASE, MASTERY_STEP, MasteryResult, Module, Objectives, ObjectivesError, grade_mastery,
                          load_mastery_bank, load_mastery_file, load_objectives, load_objectives_file, module_of)

__all__ = ['CaseTags', 'Competency', 'CompetencyError', 'CurriculumError', 'MASTERY_CASE', 'MASTERY_STEP', 'MasteryResult', 'Module', 'Objectives', 'ObjectivesError', 'PREFIX', 'Question', 'QuestionBank', 'SelfCheckError', 'case_tags', 'check_self', 'curriculum_map', 'curriculum_topics', 'grade_mastery', 'load_bank', 'load_competencies', 'load_foundations', 'load_map', 'load_mastery_bank', 'load_mastery_file', 'load_objectives', 'load_objectives_file', 'module_of', 'option_id', 'populations_for', 'question_ids', 'topic_coverage', 'topic_ids', 'topics']

from .._validate import check_public as _check_public

_check_public(globals(), CurriculumError)  # arguments of every public function checked (issue 16)
