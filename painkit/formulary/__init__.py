"""The formulary: the intervention catalog, drug names and classes, opioid prescriptions and MME (CDC 2022).

Everything that knows what a drug is lives here, at the bottom of painkit: plans, trajectories and cases ask
this package. Clinical constants come from painkit/data (interventions.yaml, drug_names.yaml, opioids.yaml)."""
from __future__ import annotations

from ._catalog import CatalogError, CATEGORIES, Intervention, interventions, load_catalog, load_interventions
from ._current import matches, resolve, stop_problems
from ._conditions import load_conditions
from ._names import allergy_groups, classes_of, Drug, expand, intolerance_groups, is_intolerance, load_drug_names, recognise
from ._opioids import benzodiazepines, current_prescriptions, drug_ids, formulation_name, is_opioid_tolerant, load_opioids, mme, MMEResult, parse_prescription, Prescription, prescription_name, summarise, table, UNITS

__all__ = ['CATEGORIES', 'CatalogError', 'Drug', 'Intervention', 'MMEResult', 'Prescription', 'UNITS', 'allergy_groups', 'benzodiazepines', 'classes_of', 'current_prescriptions', 'drug_ids', 'expand', 'intolerance_groups', 'is_intolerance', 'formulation_name', 'interventions', 'is_opioid_tolerant', 'load_catalog', 'load_conditions', 'load_drug_names', 'load_interventions', 'load_opioids', 'matches', 'mme', 'parse_prescription', 'prescription_name', 'recognise', 'resolve', 'stop_problems', 'summarise', 'table']

from .._validate import check_public as _check_public
from ..errors import PlanError as _PlanError

_check_public(globals(), _PlanError)  # arguments of every public function checked (issue 16)
