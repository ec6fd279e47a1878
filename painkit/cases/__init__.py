"""Case vignettes: the validated Case model, loading and listing, the case index, rendering and the CLI."""
from __future__ import annotations

from ._case import CASE_ID, GRADES, MECHANISMS, REPO_CASES, Case, Findings, Medication, as_case, case_files, case_folders, json_schema, list_cases, load_case, parse_case, read_case, validate_cases
from ._library import case_index, coverage, filter_index
from ._render import case_html, text_html
from ._template import template_text, write_template
from ._topics import (PREFIX, CurriculumError, curriculum_map, curriculum_topics, populations_for, topic_coverage,
                      topic_ids, topics)

__all__ = ['CASE_ID', 'Case', 'as_case', 'case_files', 'CurriculumError', 'Findings', 'GRADES', 'MECHANISMS', 'Medication', 'PREFIX', 'REPO_CASES',
           'case_folders', 'case_html', 'case_index', 'coverage', 'curriculum_map', 'curriculum_topics', 'filter_index',
           'json_schema', 'list_cases', 'load_case', 'parse_case', 'populations_for', 'read_case', 'template_text',
           'text_html', 'topic_coverage', 'topic_ids', 'topics', 'validate_cases', 'write_template']

from .._validate import check_public as _check_public
from ..errors import CaseError as _CaseError

_check_public(globals(), _CaseError)  # arguments of every public function checked (issue 16)
