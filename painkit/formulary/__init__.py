"""The formulary: the intervention catalog, drug names and classes, opioid prescriptions and MME (CDC 2022).

Everything that knows what a drug is lives here, at the bottom of painkit: plans, trajectories and cases ask
this package. Clinical constants come from painkit/data (interventions.yaml, drug_names.yaml, opioids.yaml)."""
from __future__ import annotations

from ._catalog import CATEGORIES, CatalogError, Intervention, interventions, load_catalog
from ._names import Drug, allergy_groups, classes_of, expand, recognise
from ._opioids import UNITS, MMEResult, Prescription, benzodiazepines, current_prescriptions, drug_ids, formulation_name, is_opioid_tolerant, mme, parse_prescription, prescription_name, summarise, table

__all__ = ['CATEGORIES', 'CatalogError', 'Drug', 'Intervention', 'MMEResult', 'Prescription', 'UNITS', 'allergy_groups', 'benzodiazepines', 'classes_of', 'current_prescriptions', 'drug_ids', 'expand', 'formulation_name', 'interventions', 'is_opioid_tolerant', 'load_catalog', 'mme', 'parse_prescription', 'prescription_name', 'recognise', 'summarise', 'table']
