"""What painkit teaches: the foundations question bank, the competency map and the curriculum topic map
(painkit/data)."""
from __future__ import annotations

from ._competencies import CaseTags, Competency, CompetencyError, case_tags, load_competencies, load_map
from ._foundations import (Question, QuestionBank, SelfCheckError, check_self, load_bank, load_foundations, option_id,
                           question_ids)
from ..cases import (PREFIX, CurriculumError, curriculum_map, curriculum_topics, populations_for, topic_coverage,
                     topic_ids, topics)

__all__ = ['CaseTags', 'Competency', 'CompetencyError', 'CurriculumError', 'PREFIX', 'Question', 'QuestionBank',
           'SelfCheckError', 'case_tags', 'check_self', 'curriculum_map', 'curriculum_topics', 'load_bank',
           'load_competencies', 'load_foundations', 'load_map', 'option_id', 'populations_for', 'question_ids',
           'topic_coverage', 'topic_ids', 'topics']
