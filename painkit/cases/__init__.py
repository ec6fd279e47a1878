"""Case vignettes: the validated Case model, loading and listing, the case index, rendering and the CLI."""
from __future__ import annotations

from ._case import CASE_ID, GRADES, MECHANISMS, REPO_CASES, Case, Findings, Medication, case_folders, json_schema, list_cases, load_case, parse_case, read_case, validate_cases
from ._library import case_index, coverage
from ._render import case_html, text_html
from ._template import template_text, write_template

__all__ = ['CASE_ID', 'Case', 'Findings', 'GRADES', 'MECHANISMS', 'Medication', 'REPO_CASES', 'case_folders', 'case_html', 'case_index', 'coverage', 'json_schema', 'list_cases', 'load_case', 'parse_case', 'read_case', 'template_text', 'text_html', 'validate_cases', 'write_template']
