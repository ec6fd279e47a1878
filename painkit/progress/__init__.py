"""Learner progress: attempts, the SQLite store, the session's learner, exports, xAPI, reports, workshops."""
from __future__ import annotations

from ._attempts import Attempt, AttemptHook, default_sink, now, send, set_default_sink
from ._rows import SCHEMA_VERSION
from ._store import ProgressStore, default_path
from ._session import (ProgressWarning, current_learner, current_store, default_learner, disable, enable, saved_note,
                       set_learner)
from ._exports import FORMATS, file_version, read_export, to_frame, write_export
from ._report import Report, build_report, report
from ._workshop import ClassData, ClassSummary, class_summary, hand_in, load_class
from ._demo_class import demo_class
from ._outbox import LrsConfig, lrs_config
from ._credit import CreditRecord, ModuleCredit, credit_record
from ._certificate import certificate, verify as verify_certificate
from ._lti import (Launch, LtiError, LtiModule, ModuleScore, learner_name, module_score, remember_launch, send_grade,
                   send_grades)

__all__ = sorted(['Attempt', 'AttemptHook', 'ClassData', 'ClassSummary', 'CreditRecord', 'FORMATS', 'Launch', 'LrsConfig', 'LtiError', 'LtiModule', 'ModuleCredit', 'ModuleScore', 'ProgressStore', 'ProgressWarning', 'Report', 'SCHEMA_VERSION', 'build_report', 'certificate', 'class_summary', 'credit_record', 'current_learner', 'current_store', 'default_learner', 'default_path', 'default_sink', 'demo_class', 'disable', 'enable', 'file_version', 'hand_in', 'learner_name', 'load_class', 'lrs_config', 'module_score', 'now', 'read_export', 'remember_launch', 'report', 'saved_note', 'send', 'send_grade', 'send_grades', 'set_default_sink', 'set_learner', 'to_frame', 'verify_certificate', 'write_export'])

from .._validate import check_public as _check_public
from ..errors import ProgressError as _ProgressError

_check_public(globals(), _ProgressError)  # arguments of every public function checked (issue 16)
