"""Assessment instruments: scoring from sourced rules (painkit/data/instruments.yaml), batch scoring, change."""
from __future__ import annotations

from ._score import Change, Score, band_cutoffs, case_scores, change, change_measures, info, list, score, score_many, validate
from ._registry import Spec, load_instruments


__all__ = ['Change', 'Score', 'Spec', 'band_cutoffs', 'case_scores', 'change', 'change_measures', 'info', 'list',
           'load_instruments', 'score', 'score_many', 'validate']

from .._validate import check_public as _check_public
from ..errors import InstrumentError as _InstrumentError

_check_public(globals(), _InstrumentError)  # arguments of every public function checked (issue 16)
