"""Plan review: every finding code fires on the smallest case and plan and stays silent on a twin that
differs in the one feature the rule is about; scoring, scope, errors and content consistency over all cases."""
from __future__ import annotations

import pytest

import painkit as pk
from painkit import _yamlio as yamlio
from painkit.cases import Case
from painkit.errors import PlanError
from painkit.plans import Plan, expert_plan, review_plan

NOCI = {"nociceptive": "likely", "neuropathic": "unlikely", "nociplastic": "unlikely"}
NEURO = {"nociceptive": "unlikely", "neuropathic": "probable", "nociplastic": "unlikely"}


def make_case(*, setting="chronic", age=45, comorbidities=(), medications=(), allergies=(), conditions=(),
              mechanisms=None, key_plan=(), inappropriate=(), months=None) -> Case:
    """A minimal valid case: only what the rule under test reads."""
    mechanisms = mechanisms or NOCI
    primary = next(m for m, g in mechanisms.items() if g != "unlikely")
    return Case.model_validate({
        "id": "test-case", "title": "Test case", "setting": setting, "conditions": list(conditions),
        "patient": {"age": age, "sex": "female"}, "presentation": "Test.",
        "comorbidities": [{"id": c} for c in comorbidities],
        "medications": [m if isinstance(m, dict) else {"name": m} for m in medications],
        "allergies": list(allergies), "findings": {"pain_duration_months": months},
        "key": {"mechanisms": mechanisms, "primary": primary, "rationale": "r", "plan": list(key_plan),
                "inappropriate": [{"id": i, "reason": f"{i} is wrong <here>"} for i in inappropriate],
                "teaching_points": ["t"], "sources": ["s"]},
    })


def med(name, dose=None, unit="mg", per_day=None, since=None):
    d = {"name": name}
    if dose is not None:
        d.update(dose=dose, unit=unit)
    if per_day is not None:
        d["per_day"] = per_day
    if since is not None:
        d["since_months"] = since
    return d


def rx(drug, dose, per_day=None, unit="mg", **extra):
    p = {"drug": drug, "dose": dose, "unit": unit, **extra}
    if per_day is not None:
        p["per_day"] = per_day
    return p


def plan(items, opioids=None) -> Plan:
    """A Plan from a CASES entry: ``items`` is a list of ids, or a dict of Plan keywords (items, stop)."""
    return Plan(**items, opioids=opioids) if isinstance(items, dict) else Plan(items, opioids=opioids)


EX = "therapeutic_exercise"
OXY_ER = "oxycodone ER (OxyContin)"
SUBOXONE = "buprenorphine-naloxone (Suboxone)"
# code: (case kwargs, plan items, opioids) for the trigger, then the same for the twin that must not trigger.
CASES = {
    "mechanism_mismatch": (dict(), ["pregabalin", EX], None, dict(mechanisms=NEURO), ["pregabalin", EX], None),
    "mechanism_not_addressed": (dict(mechanisms=NEURO), [EX], None, dict(mechanisms=NEURO), [EX, "duloxetine"], None),
    "not_indicated": (dict(), ["triptan_acute", EX], None, dict(conditions=["migraine"]), ["triptan_acute", EX], None),
    "no_nonpharmacological_component": (dict(), ["nsaid_oral"], None, dict(), ["nsaid_oral", EX], None),
    "single_category_plan": (dict(), [EX, "graded_activity"], None, dict(), [EX, "cbt"], None),
    "opioid_not_preferred_chronic": (dict(), ["oxycodone", EX], None,
                                     dict(medications=[med("oxycodone", 5, per_day=2)]), ["oxycodone", EX], None),
    "opioid_first_line_acute": (dict(setting="acute"), ["oxycodone", EX], None,
                                dict(setting="acute"), ["oxycodone", "acetaminophen", EX], None),
    "long_acting_for_initiation": (dict(), ["fentanyl_transdermal", EX], None,
                                   dict(medications=[med("morphine", 30, per_day=2, since=3)]),
                                   ["fentanyl_transdermal", EX], None),
    # on buprenorphine 16 mg/day for 4 years: a fentanyl patch draws the buprenorphine finding; IR oxycodone does not
    "long_acting_with_buprenorphine": (dict(setting="acute", medications=[med(SUBOXONE, 16, per_day=1, since=48)]),
                                       ["fentanyl_transdermal", "acetaminophen"], None,
                                       dict(setting="acute", medications=[med(SUBOXONE, 16, per_day=1, since=48)]),
                                       ["acetaminophen"], [rx("oxycodone", 5, 4, days=3)]),
    "acute_opioid_duration_long": (dict(setting="acute"), ["acetaminophen"], [rx("oxycodone", 5, 4, days=10)],
                                   dict(setting="acute"), ["acetaminophen"], [rx("oxycodone", 5, 4, days=3)]),
    "acute_opioid_duration_unspecified": (dict(setting="acute"), ["acetaminophen"], [rx("oxycodone", 5, 4)],
                                          dict(setting="acute"), ["acetaminophen"], [rx("oxycodone", 5, 4, days=3)]),
    "mme_at_or_above_50": (dict(), [EX, "naloxone"], [rx("morphine", 25, 2)],          # 50 mg x 1.0 = 50
                           dict(), [EX, "naloxone"], [rx("morphine", 20, 2)]),         # 40 mg x 1.0 = 40
    "mme_at_or_above_90": (dict(), [EX, "naloxone"], [rx("morphine", 45, 2)],          # 90
                           dict(), [EX, "naloxone"], [rx("morphine", 40, 2)]),         # 80
    "no_naloxone_at_high_mme": (dict(), [EX], [rx("morphine", 25, 2)], dict(), [EX, "naloxone"], [rx("morphine", 25, 2)]),
    "no_naloxone_with_risk_factors": (dict(medications=["alprazolam (Xanax)"]), [EX], [rx("oxycodone", 5, 2)],
                                      dict(medications=["alprazolam (Xanax)"]), [EX, "naloxone"], [rx("oxycodone", 5, 2)]),
    "oud_without_moud": (dict(comorbidities=["opioid_use_disorder"]), [EX], None,
                         dict(comorbidities=["opioid_use_disorder"]), [EX, "buprenorphine"], None),
    "not_recommended_for_condition": (dict(conditions=["sciatica"], mechanisms=NEURO), ["gabapentin", EX], None,
                                      dict(conditions=["post_herpetic_neuralgia"], mechanisms=NEURO), ["gabapentin", EX], None),
    "interventional_without_conservative_trial": (dict(mechanisms=NEURO), ["epidural_steroid_injection", "duloxetine"], None,
                                                  dict(mechanisms=NEURO), ["epidural_steroid_injection", EX], None),
    "rfa_without_diagnostic_block": (dict(), ["radiofrequency_ablation", EX], None,
                                     dict(), ["radiofrequency_ablation", "medial_branch_block", EX], None),
    # oxycodone ER 20 mg x 2 = 40 mg/day x 1.5 = 60 MME/day (>= 50) for 12 months (>= 3): stopping it with no
    # opioid prescription fires; the twin prescribes the first step of a taper (15 mg x 2 ER)
    "abrupt_opioid_discontinuation": (dict(medications=[med(OXY_ER, 20, per_day=2, since=12)]),
                                      dict(items=[EX, "naloxone"], stop=[OXY_ER]), None,
                                      dict(medications=[med(OXY_ER, 20, per_day=2, since=12)]),
                                      dict(items=[EX, "naloxone"], stop=[OXY_ER]),
                                      [rx("oxycodone", 15, 2, formulation="ER")]),
    # alprazolam for 48 months (>= 1 month of steady use) fires; the twin's week of use (0.25 months) does not
    "abrupt_benzodiazepine_discontinuation": (dict(medications=[med("alprazolam (Xanax)", 0.5, per_day=3, since=48)]),
                                              dict(items=[EX], stop=["alprazolam"]), None,
                                              dict(medications=[med("alprazolam (Xanax)", 0.5, per_day=3, since=0.25)]),
                                              dict(items=[EX], stop=["alprazolam"]), None),
    "opioid_with_benzodiazepine": (dict(medications=["alprazolam (Xanax)"]), ["oxycodone", EX], None,
                                   dict(medications=["sertraline"]), ["oxycodone", EX], None),
    "gabapentinoid_with_opioid": (dict(mechanisms=NEURO, medications=[med("oxycodone", 5, per_day=2)]), ["gabapentin", EX], None,
                                  dict(mechanisms=NEURO, medications=[med("oxycodone", 5, per_day=2)]), ["duloxetine", EX], None),
    "serotonergic_combination": (dict(medications=["sertraline (Zoloft)"]), ["tramadol", EX], None,
                                 dict(medications=["sertraline (Zoloft)"]), ["acetaminophen", EX], None),
    "serotonergic_with_maoi": (dict(medications=["phenelzine (Nardil)"]), ["tramadol", EX], None,
                               dict(), ["tramadol", EX], None),
    "nsaid_with_anticoagulant": (dict(medications=["apixaban (Eliquis)"]), ["nsaid_oral", EX], None,
                                 dict(medications=["apixaban (Eliquis)"]), ["nsaid_topical", EX], None),
    "nsaid_with_antiplatelet": (dict(medications=["clopidogrel (Plavix)"]), ["nsaid_oral", EX], None,
                                dict(medications=["clopidogrel (Plavix)"]), ["nsaid_topical", EX], None),
    "cyp2d6_inhibitor_with_tamoxifen": (dict(mechanisms=NEURO, medications=["tamoxifen"]), ["duloxetine", EX], None,
                                        dict(mechanisms=NEURO, medications=["tamoxifen"]), ["pregabalin", EX], None),
    "drug_interaction": (dict(medications=["sertraline"]), ["nsaid_oral", EX], None, dict(), ["nsaid_oral", EX], None),
    "therapeutic_duplication": (dict(mechanisms=NEURO), ["gabapentin", "pregabalin", EX], None,
                                dict(mechanisms=NEURO), ["gabapentin", "duloxetine", EX], None),
    "nsaid_in_ckd": (dict(comorbidities=["ckd"]), ["nsaid_oral", EX], None, dict(comorbidities=["ckd"]), ["nsaid_topical", EX], None),
    "nsaid_with_gi_bleed": (dict(comorbidities=["gi_bleed_history"]), ["nsaid_oral", EX], None,
                            dict(comorbidities=["gi_bleed_history"]), ["nsaid_topical", EX], None),
    "nsaid_in_heart_failure": (dict(comorbidities=["heart_failure"]), ["nsaid_oral", EX], None,
                               dict(comorbidities=["heart_failure"]), ["nsaid_topical", EX], None),
    "tca_in_older_adult": (dict(age=70, mechanisms=NEURO), ["amitriptyline", EX], None,
                           dict(age=50, mechanisms=NEURO), ["amitriptyline", EX], None),
    "age_caution": (dict(age=80), ["nsaid_oral", EX], None, dict(age=60), ["nsaid_oral", EX], None),
    "contraindicated_age": (dict(age=8, setting="acute"), ["tramadol", "acetaminophen", EX], None,
                            dict(age=12, setting="acute"), ["tramadol", "acetaminophen", EX], None),
    "cns_active_burden_older_adult": (dict(age=70, mechanisms=NEURO, medications=["sertraline", "zolpidem"]), ["gabapentin", EX], None,
                                      dict(age=60, mechanisms=NEURO, medications=["sertraline", "zolpidem"]), ["gabapentin", EX], None),
    "contraindicated_condition": (dict(comorbidities=["hepatic_impairment"]), ["acetaminophen", EX], None,
                                  dict(), ["acetaminophen", EX], None),
    "contraindicated_medication": (dict(mechanisms=NEURO, medications=["apixaban"]), ["epidural_steroid_injection", EX], None,
                                   dict(mechanisms=NEURO), ["epidural_steroid_injection", EX], None),
    "allergy_conflict": (dict(allergies=["ibuprofen (hives)"]), ["nsaid_topical", EX], None,
                         dict(allergies=["penicillin (rash)"]), ["nsaid_topical", EX], None),
    # ------------------------------------------------------------ issue 14: interaction table and new rules
    "opioid_with_other_cns_depressant": (dict(medications=["carisoprodol (Soma)"]), ["oxycodone", EX], None,
                                         dict(medications=["sertraline"]), ["oxycodone", EX], None),
    "gabapentinoid_with_cns_depressant": (dict(mechanisms=NEURO, medications=["zolpidem (Ambien)"]), ["pregabalin", EX], None,
                                          dict(mechanisms=NEURO, medications=["zolpidem (Ambien)"]), ["duloxetine", EX], None),
    "qt_prolonging_combination": (dict(medications=["citalopram (Celexa)"]), [EX, "ecg_monitoring", "pdmp_check"],
                                  [rx("methadone", 2.5, 2)], dict(medications=["sertraline"]),
                                  [EX, "ecg_monitoring", "pdmp_check"], [rx("methadone", 2.5, 2)]),
    "opioid_with_opioid_antagonist": (dict(medications=["naltrexone (Vivitrol)"]), ["oxycodone", EX], None,
                                      dict(medications=["naltrexone (Vivitrol)"]), ["acetaminophen", EX], None),
    "nsaid_with_corticosteroid": (dict(age=70, medications=["prednisone"]), ["nsaid_oral", EX], None,
                                  dict(age=50, medications=["prednisone"]), ["nsaid_oral", EX], None),
    "nsaid_with_lithium": (dict(medications=["lithium carbonate"]), ["nsaid_oral", EX], None,
                           dict(medications=["lithium carbonate"]), ["acetaminophen", EX], None),
    "nsaid_with_acei_arb_and_diuretic": (dict(medications=["lisinopril", "hydrochlorothiazide"]), ["nsaid_oral", EX], None,
                                         dict(medications=["lisinopril"]), ["nsaid_oral", EX], None),
    "nsaid_in_pregnancy": (dict(comorbidities=["pregnancy"]), ["nsaid_oral", EX], None,
                           dict(comorbidities=["pregnancy"]), ["acetaminophen", EX], None),
    "tca_in_cardiac_disease": (dict(mechanisms=NEURO, comorbidities=["coronary_artery_disease"]), ["nortriptyline", EX], None,
                               dict(mechanisms=NEURO, comorbidities=["coronary_artery_disease"]), ["duloxetine", EX], None),
    "qt_prolonging_in_conduction_disease": (dict(comorbidities=["cardiac_conduction_disease"], medications=["citalopram"]), [EX], None,
                                            dict(comorbidities=["cardiac_conduction_disease"], medications=["sertraline"]), [EX], None),
    "seizure_threshold_in_seizure_disorder": (dict(comorbidities=["seizure_disorder"], medications=["bupropion"]), [EX], None,
                                              dict(comorbidities=["seizure_disorder"], medications=["sertraline"]), [EX], None),
    "benzodiazepine_in_sleep_apnea": (dict(comorbidities=["sleep_apnea"], medications=["lorazepam"]), [EX], None,
                                      dict(medications=["lorazepam"]), [EX], None),
    "beers_benzodiazepine": (dict(age=70, medications=["lorazepam (Ativan)"]), [EX], None,
                             dict(age=60, medications=["lorazepam (Ativan)"]), [EX], None),
    "beers_z_drug": (dict(age=70, medications=["zolpidem (Ambien)"]), [EX], None,
                     dict(age=60, medications=["zolpidem (Ambien)"]), [EX], None),
    "beers_sedating_antihistamine": (dict(age=70, medications=["diphenhydramine (Benadryl)"]), [EX], None,
                                     dict(age=70, medications=["loratadine"]), [EX], None),
    "beers_muscle_relaxant": (dict(age=70, medications=["cyclobenzaprine (Flexeril)"]), [EX], None,
                              dict(age=60, medications=["cyclobenzaprine (Flexeril)"]), [EX], None),
    "beers_falls_history": (dict(age=70, comorbidities=["falls_risk"], medications=["sertraline"]), [EX], None,
                            dict(age=70, medications=["sertraline"]), [EX], None),
    "p2y12_inhibitor_before_neuraxial_procedure": (dict(mechanisms=NEURO, medications=["clopidogrel (Plavix)"]),
                                                   ["epidural_steroid_injection", EX], None,
                                                   dict(mechanisms=NEURO, medications=["aspirin 81 mg"]),
                                                   ["epidural_steroid_injection", EX], None),
    # oxycodone ER 40 mg x 2 = 120 MME/day for 60 months cut to 2.5 mg x 2 IR (7.5 MME): 94% in one step;
    # the twin cuts 40 -> 36 mg x 2 (108 MME, 10%: the CDC 2022 pace after a year or more)
    "rapid_opioid_dose_reduction": (dict(medications=[med(OXY_ER, 40, per_day=2, since=60)]), [EX, "naloxone", "pdmp_check"],
                                    [rx("oxycodone", 2.5, 2)], dict(medications=[med(OXY_ER, 40, per_day=2, since=60)]),
                                    [EX, "naloxone", "pdmp_check"], [rx("oxycodone", 36, 2, formulation="ER")]),
    "moud_stopped_in_oud": (dict(comorbidities=["opioid_use_disorder"], medications=[med(SUBOXONE, 16, per_day=1, since=48)]),
                            dict(items=[EX], stop=["buprenorphine"]), None,
                            dict(comorbidities=["opioid_use_disorder"], medications=[med(SUBOXONE, 16, per_day=1, since=48)]),
                            [EX], None),
    # 1000 mg x 4 = 4000 mg plus Norco 10/325 x 4 = 1300 mg: 5300 mg/day > 4000 (AGS 2009); the twin stops Norco
    "acetaminophen_over_daily_max": (dict(medications=[med("acetaminophen", 1000, per_day=4), med("Norco 10/325", 10, per_day=4)]),
                                     dict(items=[EX]), None,
                                     dict(medications=[med("acetaminophen", 1000, per_day=4), med("Norco 10/325", 10, per_day=4)]),
                                     dict(items=[EX], stop=["Norco 10/325"]), None),
    "acetaminophen_in_several_products": (dict(medications=["Percocet"]), ["acetaminophen", EX], None,
                                          dict(medications=["oxycodone"]), ["acetaminophen", EX], None),
    "methadone_without_ecg": (dict(), [EX, "pdmp_check"], [rx("methadone", 2.5, 2)],
                              dict(), [EX, "pdmp_check", "ecg_monitoring"], [rx("methadone", 2.5, 2)]),
    "methadone_for_pain_start": (dict(), [EX, "ecg_monitoring"], [rx("methadone", 2.5, 2)],
                                 dict(), [EX], [rx("morphine", 5, 2)]),
    "no_pdmp_check": (dict(setting="acute"), ["acetaminophen"], [rx("oxycodone", 5, 4, days=3)],
                      dict(setting="acute"), ["acetaminophen", "pdmp_check"], [rx("oxycodone", 5, 4, days=3)]),
    "no_urine_drug_test": (dict(), [EX, "pdmp_check"], [rx("oxycodone", 5, 2)],
                           dict(), [EX, "pdmp_check", "urine_drug_test"], [rx("oxycodone", 5, 2)]),
    "no_opioid_follow_up": (dict(), [EX, "pdmp_check"], [rx("oxycodone", 5, 2)],
                            dict(), [EX, "pdmp_check", "opioid_follow_up"], [rx("oxycodone", 5, 2)]),
    "no_opioid_agreement": (dict(), [EX, "pdmp_check"], [rx("oxycodone", 5, 2)],
                            dict(), [EX, "pdmp_check", "opioid_agreement"], [rx("oxycodone", 5, 2)]),
    "intolerance_not_allergy": (dict(setting="acute", allergies=["oxycodone (constipation)"]), ["acetaminophen", "pdmp_check"],
                                [rx("oxycodone", 5, 4, days=3)], dict(setting="acute", allergies=["oxycodone (hives)"]),
                                ["acetaminophen", "pdmp_check"], [rx("oxycodone", 5, 4, days=3)]),
    "opioid_dose_unknown": (dict(setting="acute"), ["oxycodone", "acetaminophen"], None,
                            dict(setting="acute"), ["oxycodone", "acetaminophen"], [rx("oxycodone", 5, 4, days=3)]),
    "current_opioid_dose_unknown": (dict(medications=["tramadol"]), [EX], None,
                                    dict(medications=[med("tramadol", 50, per_day=1)]), [EX], None),
    "buprenorphine_not_converted": (dict(), [EX, "naloxone"], [rx("buprenorphine", 8, 2)], dict(), [EX, "naloxone"], [rx("morphine", 5, 2)]),
    "key_inappropriate_included": (dict(inappropriate=["oxycodone"]), ["oxycodone", EX], None,
                                   dict(inappropriate=["oxycodone"]), [EX], None),
    "key_recommended_missing": (dict(key_plan=[EX, "cbt"]), [EX], None, dict(key_plan=[EX, "cbt"]), [EX, "cbt"], None),
}


def test_every_rule_code_has_a_trigger_and_a_twin():
    """Every code of plan_rules.yaml and of the interaction table (interactions.yaml)."""
    assert set(CASES) == set(pk.plans.table()["rules"])


@pytest.mark.parametrize("code", sorted(CASES))
def test_code_fires_on_trigger_and_not_on_twin(code):
    kw, items, ops, twin_kw, twin_items, twin_ops = CASES[code]
    hit = review_plan(make_case(**kw), plan(items, ops))
    assert code in hit.codes, repr(hit)
    f = next(f for f in hit.findings if f.code == code)
    assert f.message and f.source and f.severity in ("error", "warning", "info")
    miss = review_plan(make_case(**twin_kw), plan(twin_items, twin_ops))
    assert code not in miss.codes, repr(miss)


@pytest.mark.parametrize("code,severity", [
    ("opioid_with_benzodiazepine", "error"), ("nsaid_in_ckd", "error"), ("nsaid_with_anticoagulant", "error"),
    ("long_acting_for_initiation", "error"), ("allergy_conflict", "error"), ("serotonergic_with_maoi", "error"),
    ("tca_in_older_adult", "warning"), ("gabapentinoid_with_opioid", "warning"), ("mme_at_or_above_90", "warning"),
    ("long_acting_with_buprenorphine", "error"), ("abrupt_opioid_discontinuation", "warning"),
    ("abrupt_benzodiazepine_discontinuation", "warning"),
])
def test_severity_when_the_plan_introduces_the_problem(code, severity):
    kw, items, ops, *_ = CASES[code]
    f = next(f for f in review_plan(make_case(**kw), plan(items, ops)).findings if f.code == code)
    assert f.severity == severity


def test_a_kept_harm_is_judged_like_a_started_one_and_says_it_is_already_taken():
    """Issue 14: keeping a current opioid and benzodiazepine unchanged is the same error as starting them
    (CDC 2022 Rec 11); a plan that lowers the opioid dose (a taper step) is a warning; a current NSAID kept
    in CKD is the same error as a new one (AGS Beers 2023)."""
    case = make_case(medications=["alprazolam (Xanax)", med("oxycodone", 10, per_day=2, since=24)])
    f = next(f for f in review_plan(case, Plan([EX, "naloxone"])).findings if f.code == "opioid_with_benzodiazepine")
    assert f.severity == "error" and "already taken" in f.message
    # 10 mg x 2 -> 9 mg x 2 oxycodone: a 10% step of a gradual taper
    taper = review_plan(case, Plan([EX, "naloxone", "pdmp_check"], opioids=[rx("oxycodone", 9, 2)]))
    assert next(f for f in taper.findings if f.code == "opioid_with_benzodiazepine").severity == "warning"
    ckd = make_case(comorbidities=["ckd"], medications=[med("ibuprofen", 400, per_day=3)])
    kept = next(f for f in review_plan(ckd, Plan([EX])).findings if f.code == "nsaid_in_ckd")
    new = next(f for f in review_plan(make_case(comorbidities=["ckd"]), Plan([EX, "nsaid_oral"])).findings
               if f.code == "nsaid_in_ckd")
    assert kept.severity == new.severity == "error" and "already taken" in kept.message
    assert "nsaid_in_ckd" not in review_plan(ckd, Plan([EX], stop=["ibuprofen"])).codes


def test_current_opioids_count_toward_mme_and_a_plan_dose_replaces_them():
    case = make_case(medications=[med("oxycodone ER (OxyContin)", 40, per_day=2, since=24)])
    r = review_plan(case, Plan([EX, "naloxone"]))
    assert r.mme.total == 120  # 80 mg/day x 1.5
    assert "mme_at_or_above_90" in r.codes
    tapered = review_plan(case, Plan([EX, "naloxone"], opioids=[rx("oxycodone", 20, 2)]))
    assert tapered.mme.total == 60  # 40 mg/day x 1.5 replaces the current 80 mg/day
    assert "mme_at_or_above_90" not in tapered.codes


def test_cdc_findings_are_informational_in_cancer_and_palliative_care():
    for setting in ("cancer", "palliative"):
        r = review_plan(make_case(setting=setting), Plan([EX], opioids=[rx("morphine", 30, 2)]))
        f = next(f for f in r.findings if f.code == "mme_at_or_above_50")
        assert f.severity == "info" and "does not cover cancer-related pain" in f.message
        assert "opioid_not_preferred_chronic" not in r.codes
    r = review_plan(make_case(setting="cancer"), Plan(["fentanyl_transdermal", EX]))
    assert next(f for f in r.findings if f.code == "long_acting_for_initiation").severity == "warning"


def test_beers_rules_do_not_apply_in_palliative_care():
    r = review_plan(make_case(setting="palliative", age=80, mechanisms=NEURO), Plan(["amitriptyline", EX]))
    assert "tca_in_older_adult" not in r.codes


def test_moud_is_not_an_opioid_started_for_pain():
    case = make_case(comorbidities=["opioid_use_disorder"])
    r = review_plan(case, Plan([EX, "buprenorphine", "naloxone"]))
    assert "opioid_not_preferred_chronic" not in r.codes and "oud_without_moud" not in r.codes


# ---------------------------------------------------------------------- stopping current medications
@pytest.mark.parametrize("entry,expected", [
    ("IBUPROFEN (advil)", [0]),        # the name as listed, any case
    ("ibuprofen", [0]),                # the generic name
    ("Advil", [0]),                    # a brand
    ("nsaid", [0, 1]),                 # a drug class from drug_names.yaml: both oral NSAIDs
    ("nsaid_oral", [0, 1]),            # a catalog intervention id
    ("oxycodone", [2]),                # an opioid drug id
    ("benzodiazepine", [3]),
])
def test_stop_entries_match_by_name_drug_or_class(entry, expected):
    from painkit.formulary import matches

    meds = make_case(medications=["ibuprofen (Advil)", "naproxen", OXY_ER, "alprazolam (Xanax)"]).medications
    assert matches(entry, meds) == expected


def test_stop_entry_matching_no_medication_is_a_plan_error_listing_them():
    case = make_case(medications=["ibuprofen (Advil)", "sertraline"])
    with pytest.raises(PlanError) as exc:
        review_plan(case, Plan([EX], stop=["gabapentin"]))
    text = str(exc.value)
    assert "stop[0]: 'gabapentin'" in text and "ibuprofen (Advil); sertraline" in text


@pytest.mark.parametrize("stop,fragment", [
    ("ibuprofen", "give a list"), (["ibuprofen", "Ibuprofen"], "listed twice"), ([""], "stop[0]"), ([3], "stop[0]"),
])
def test_bad_stop_lists_raise_plan_error(stop, fragment):
    with pytest.raises(PlanError) as exc:
        Plan([EX], stop=stop)
    assert fragment in str(exc.value)


def test_stop_is_kept_in_the_plan_and_a_stop_only_plan_is_valid():
    p = Plan([], stop=["diphenhydramine"])
    assert p.stop == ("diphenhydramine",) and p.to_dict()["stop"] == ["diphenhydramine"]
    assert Plan([EX], stop=["Ibuprofen"]) == Plan([EX], stop=["ibuprofen"]) != Plan([EX])


def test_stopped_medications_leave_interactions_mme_and_contraindications():
    sero = make_case(medications=["sertraline", med("tramadol", 50, per_day=2, since=1)])
    assert "serotonergic_combination" in review_plan(sero, Plan([EX])).codes
    assert "serotonergic_combination" not in review_plan(sero, Plan([EX], stop=["tramadol"])).codes
    # 80 mg/day oxycodone ER x 1.5 = 120 MME/day; stopped and rotated to morphine 15 mg x 2 = 30 MME/day
    mme_case = make_case(medications=[med(OXY_ER, 40, per_day=2, since=24)])
    rotated = review_plan(mme_case, Plan([EX, "naloxone"], opioids=[rx("morphine", 15, 2)], stop=[OXY_ER]))
    assert rotated.mme.total == 30 and "mme_at_or_above_50" not in rotated.codes
    anticoag = make_case(mechanisms=NEURO, medications=["apixaban"])
    assert "contraindicated_medication" in review_plan(anticoag, Plan(["epidural_steroid_injection", EX])).codes
    stopped = review_plan(anticoag, Plan(["epidural_steroid_injection", EX], stop=["apixaban"]))
    assert "contraindicated_medication" not in stopped.codes
    ckd = make_case(comorbidities=["ckd"], medications=[med("ibuprofen", 400, per_day=3)])
    assert "review_current_medication" not in review_plan(ckd, Plan([EX, "acetaminophen"], stop=["ibuprofen"])).codes


def test_stopping_moud_in_opioid_use_disorder_draws_oud_without_moud():
    case = make_case(comorbidities=["opioid_use_disorder"], medications=[med(SUBOXONE, 16, per_day=1, since=48)])
    assert "oud_without_moud" not in review_plan(case, Plan([EX, "naloxone"])).codes
    assert "oud_without_moud" in review_plan(case, Plan([EX, "naloxone"], stop=["buprenorphine"])).codes


def test_a_same_drug_taper_continues_the_existing_combination():
    """Stopping OxyContin and prescribing oxycodone is a new dose of the same drug, not a new opioid: the
    opioid-benzodiazepine combination stays 'existing' (warning) and no opioid is 'started'."""
    case = make_case(medications=[med(OXY_ER, 40, per_day=2, since=24), "alprazolam (Xanax)"])
    r = review_plan(case, Plan([EX, "naloxone"], opioids=[rx("oxycodone", 15, 2)], stop=[OXY_ER]))
    assert next(f for f in r.findings if f.code == "opioid_with_benzodiazepine").severity == "warning"
    assert "opioid_not_preferred_chronic" not in r.codes and "abrupt_opioid_discontinuation" not in r.codes


def test_a_rotation_is_not_starting_opioid_therapy_and_tolerance_counts_the_stopped_opioid():
    on_oxy = make_case(medications=[med(OXY_ER, 40, per_day=2, since=24)])
    r = review_plan(on_oxy, Plan([EX, "naloxone"], opioids=[rx("buprenorphine", 2, 2)], stop=[OXY_ER]))
    assert "opioid_not_preferred_chronic" not in r.codes
    assert "opioid_not_preferred_chronic" in review_plan(make_case(), Plan([EX, "naloxone"],
                                                                           opioids=[rx("buprenorphine", 2, 2)])).codes
    # morphine 30 mg x 2 = 60 mg/day for 3 months meets the FDA opioid-tolerant definition (60 mg/day, >= 1 week)
    on_morphine = make_case(medications=[med("morphine", 30, per_day=2, since=3)])
    patch = review_plan(on_morphine, Plan([EX, "naloxone"], opioids=[rx("fentanyl_transdermal", 25, unit="mcg/h")],
                                          stop=["morphine"]))
    assert "long_acting_for_initiation" not in patch.codes


def test_abrupt_opioid_discontinuation_needs_long_term_use_at_any_dosage():
    # 20 mg x 2 x 1.5 = 60 MME/day but for 2 months (< 3): not long term
    short = make_case(medications=[med(OXY_ER, 20, per_day=2, since=2)])
    assert "abrupt_opioid_discontinuation" not in review_plan(short, Plan([EX], stop=[OXY_ER])).codes
    # issue 14: OxyContin 15 mg x 2 (45 MME/day, below 50) for 60 months, or a 12 mcg/h patch for 5 years:
    # CDC 2022 Rec 5's 'do not discontinue abruptly' has no dose qualifier
    low = make_case(medications=[med(OXY_ER, 15, per_day=2, since=60)])
    assert "abrupt_opioid_discontinuation" in review_plan(low, Plan([EX], stop=[OXY_ER])).codes
    patch = make_case(medications=[med("fentanyl patch (Duragesic)", 12, unit="mcg/h", since=60)])
    assert "abrupt_opioid_discontinuation" in review_plan(patch, Plan([EX], stop=["fentanyl"])).codes
    # CDC 2022 does not cover palliative care: reported as info with the scope note
    pall = make_case(setting="palliative", medications=[med(OXY_ER, 20, per_day=2, since=12)])
    f = next(f for f in review_plan(pall, Plan([EX], stop=[OXY_ER])).findings
             if f.code == "abrupt_opioid_discontinuation")
    assert f.severity == "info" and "does not cover cancer-related pain" in f.message


# ---------------------------------------------------------------------- fixes reported by case authors
def test_an_er_prescription_is_named_by_its_formulation():
    case = make_case(conditions=["chronic_low_back_pain"])
    er = review_plan(case, Plan(["oxycodone", EX, "naloxone"], opioids=[rx("oxycodone", 10, 2, formulation="ER")]))
    f = next(f for f in er.findings if f.code == "not_recommended_for_condition")
    # opioids.yaml: formulation_name "{drug} ({formulation})", ER -> "extended-release"
    assert f.message.startswith("Oxycodone (extended-release) for chronic low back pain")
    assert not any("Oxycodone (immediate-release)" in f.message for f in er.findings)
    ir = review_plan(case, Plan(["oxycodone", EX, "naloxone"], opioids=[rx("oxycodone", 10, 2, formulation="IR")]))
    assert next(f for f in ir.findings if f.code == "not_recommended_for_condition").message.startswith(
        "Oxycodone (immediate-release) for")
    acute = review_plan(make_case(setting="acute"), Plan(["acetaminophen"],
                                                         opioids=[rx("oxycodone", 10, 2, formulation="ER", days=10)]))
    assert next(f for f in acute.findings if f.code == "acute_opioid_duration_long").message.startswith(
        "Oxycodone (extended-release) prescribed for 10 days")


@pytest.mark.parametrize("kw", [
    dict(conditions=["opioid_use_disorder"]),                          # OUD recorded as a case condition tag
    dict(medications=[med(SUBOXONE, 16, per_day=1, since=48)]),        # the patient already takes buprenorphine
])
def test_buprenorphine_maintenance_is_not_an_acute_pain_prescription(kw):
    r = review_plan(make_case(setting="acute", **kw), Plan(["acetaminophen", "naloxone"],
                                                           opioids=[rx("buprenorphine", 8, 3)]))
    assert "acute_opioid_duration_unspecified" not in r.codes
    new = review_plan(make_case(setting="acute"),
                      Plan(["acetaminophen", "naloxone"], opioids=[rx("buprenorphine", 8, 3)]))
    assert "acute_opioid_duration_unspecified" in new.codes  # buprenorphine started for acute pain is an acute supply


def test_a_patch_on_buprenorphine_is_not_called_opioid_naive_but_still_flagged():
    case = pk.load_case("oud-buprenorphine-acute")
    r = review_plan(case, Plan([*case.key.plan, "fentanyl_transdermal"], opioids=case.key.opioids))
    assert "long_acting_for_initiation" not in r.codes
    f = next(f for f in r.findings if f.code == "long_acting_with_buprenorphine")
    assert f.severity == "error" and "fentanyl_transdermal" in f.items


def test_condition_guideline_statements_are_info_in_cancer_and_palliative_care():
    rx_oxy = [rx("oxycodone", 5, 2)]
    chronic = review_plan(make_case(conditions=["knee_osteoarthritis"]), Plan([EX, "naloxone"], opioids=rx_oxy))
    assert next(f for f in chronic.findings if f.code == "not_recommended_for_condition").severity == "warning"
    for setting in ("cancer", "palliative"):
        r = review_plan(make_case(setting=setting, conditions=["knee_osteoarthritis"]),
                        Plan([EX, "naloxone"], opioids=rx_oxy))
        f = next(f for f in r.findings if f.code == "not_recommended_for_condition")
        assert f.severity == "info" and "does not address cancer-related pain or palliative care" in f.message
    # a statement written for cancer care (epidural injection next to a metastasis) stays a warning there
    onc = make_case(setting="cancer", conditions=["malignant_radiculopathy"], mechanisms=NEURO)
    r = review_plan(onc, Plan(["epidural_steroid_injection", EX]))
    assert next(f for f in r.findings if f.code == "not_recommended_for_condition").severity == "warning"


def test_expert_plans_carry_the_key_stop_list():
    assert expert_plan(pk.load_case("palliative-care")).stop == ("tramadol",)
    assert expert_plan(pk.load_case("lbp-chronic")).stop == ("tramadol",)
    assert expert_plan(pk.load_case("ankle-sprain")).stop == ()


def test_a_case_key_stopping_a_medication_she_does_not_take_is_a_case_error():
    from painkit.cases import REPO_CASES, parse_case
    from painkit.errors import CaseError

    data = yamlio.read(REPO_CASES / "palliative-care.yaml")
    data["key"]["stop"] = ["gabapentin"]
    with pytest.raises(CaseError) as exc:
        parse_case(data, "palliative-care.yaml")
    assert "key.stop[0]: 'gabapentin' matches none of the current medications" in str(exc.value)
    assert "duloxetine" in str(exc.value)


# ---------------------------------------------------------------------- scoring
def test_score_of_a_complete_plan_is_100():
    case = make_case(key_plan=[EX, "cbt", "nsaid_topical", "activity_pacing"])
    r = review_plan(case, Plan([EX, "cbt", "nsaid_topical", "activity_pacing"]))
    # 4 categories -> multimodality 100; nociceptive addressed; no penalties; key recall 4/4
    assert r.components == {"mechanism_fit": 100, "multimodality": 100, "guideline": 100, "safety": 100,
                            "key_agreement": 100}
    assert r.score == 100


def test_score_arithmetic_from_the_documented_weights():
    case = make_case(key_plan=[EX, "cbt"])
    r = review_plan(case, Plan([EX]))
    # mechanism 100; multimodality: 1 category = 30 (single_category_plan is info: no penalty);
    # guideline 100; safety 100; key agreement: recall 1/2 = 50.
    assert r.components == {"mechanism_fit": 100, "multimodality": 30, "guideline": 100, "safety": 100,
                            "key_agreement": 50}
    # 0.25*100 + 0.15*30 + 0.20*100 + 0.25*100 + 0.15*50 = 25 + 4.5 + 20 + 25 + 7.5 = 82
    assert r.score == 82


def test_an_error_caps_the_total_at_50():
    r = review_plan(make_case(comorbidities=["ckd"]), Plan(["nsaid_oral", EX, "cbt", "activity_pacing"]))
    assert r.errors and r.score <= 50


def test_key_agreement_loses_points_for_inappropriate_items():
    case = make_case(key_plan=[EX], inappropriate=["kinesiology_taping"])
    r = review_plan(case, Plan([EX, "kinesiology_taping"]))
    assert r.components["key_agreement"] == 70  # recall 1/1 = 100, minus 30 for one inappropriate item
    assert r.expert_comparison.inappropriate == {"kinesiology_taping": "kinesiology_taping is wrong <here>"}
    assert r.expert_comparison.extra == ["kinesiology_taping"]


# ---------------------------------------------------------------------- Plan input errors
@pytest.mark.parametrize("items,opioids,fragment", [
    (["duloxetin"], None, "did you mean 'duloxetine'"),
    (["cbt", "cbt"], None, "listed twice"),
    ([], None, "the plan is empty"),
    ("cbt", None, "give a list"),
    ([EX], [rx("morphine", 10000, 1)], "not a plausible dose"),
    ([EX], [{"drug": "morphine", "dose": 10, "per_day": 1}], "unit: missing"),
    ([EX], {"drug": "morphine", "dose": 10, "unit": "mg", "per_day": 1}, "give a list"),
    ([3], None, "is a string"),
])
def test_bad_plans_raise_plan_error(items, opioids, fragment):
    with pytest.raises(PlanError) as exc:
        Plan(items, opioids=opioids)
    assert fragment in str(exc.value)


def test_plan_with_only_an_opioid_prescription_counts_the_drug_item():
    plan = Plan([], opioids=[rx("oxycodone", 5, 4)])
    assert plan.all_items == ("oxycodone",)
    assert plan.to_dict()["opioids"] == [rx("oxycodone", 5, 4)]


def test_review_accepts_a_list_of_ids():
    assert review_plan(make_case(), [EX, "cbt"]).plan == Plan([EX, "cbt"])


# ---------------------------------------------------------------------- presentation
def test_review_frame_repr_and_escaped_html():
    case = make_case(inappropriate=["oxycodone"])
    r = review_plan(case, Plan(["oxycodone", EX]))
    df = r.to_frame()
    assert list(df.columns) == ["severity", "code", "message", "source", "component", "items"]
    assert len(df) == len(r.findings) and df["severity"].iloc[0] in ("error", "warning")
    assert f"score {r.score}/100" in repr(r)
    html = r._repr_html_()
    assert "&lt;here&gt;" in html and "<here>" not in html
    assert pk.DISCLAIMER in html


# ---------------------------------------------------------------------- content consistency
@pytest.mark.parametrize("case_id", pk.list_cases())
def test_expert_plan_has_no_error(case_id):
    case = pk.load_case(case_id)
    r = review_plan(case, expert_plan(case))
    assert not r.errors, f"{case_id} expert plan:\n{r!r}"


@pytest.mark.parametrize("case_id", pk.list_cases())
def test_expert_plan_warnings_are_explained_by_the_key(case_id):
    """Issue 14: every warning on an expert plan is one the key accepts with a reason (key.accepted_findings),
    and every accepted code still fires (no stale explanation)."""
    case = pk.load_case(case_id)
    r = review_plan(case, expert_plan(case))
    accepted = {a.code for a in case.key.accepted_findings}
    unexplained = [f"{f.code}: {f.message}" for f in r.warnings if f.code not in accepted]
    assert not unexplained, f"{case_id}: warnings the key does not explain:\n" + "\n".join(unexplained)
    assert accepted <= set(r.codes), f"{case_id}: key explains findings that no longer fire: {accepted - set(r.codes)}"


@pytest.mark.parametrize("case_id", pk.list_cases())
def test_each_inappropriate_item_gets_at_least_a_warning(case_id):
    """Adding an item the key marks inappropriate must draw an error or warning from a rule of its own
    (not only the key-agreement finding), so the engine recognises the problem independently."""
    case = pk.load_case(case_id)
    for bad in case.key.inappropriate:
        plan = Plan(list(dict.fromkeys([*case.key.plan, bad.id])), opioids=case.key.opioids or None,
                    stop=case.key.stop or None)
        r = review_plan(case, plan)
        own = [f for f in r.findings if f.severity in ("error", "warning") and bad.id in f.items
               and f.code != "key_inappropriate_included"]
        assert own, f"{case_id}: adding {bad.id} ({bad.reason}) drew no warning:\n{r!r}"


def test_every_code_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "plan-review.md").read_text()
    for code in pk.plans.table()["rules"]:
        assert f"`{code}`" in doc, code


# ---------------------------------------------------------------------- sedative-hypnotics in a plan (issue 17)
# Benzodiazepines and Z-drug hypnotics are catalog entries (not analgesics) so a plan can hold them; review raises
# the published interaction rules: CDC 2022 Rec 11 and the FDA 2016 boxed warning (opioid with a benzodiazepine:
# avoid); FDA 2016 and CDC Rec 11 on other CNS depressants; FDA 2019 (gabapentinoids with CNS depressants); AGS
# Beers 2023 (avoid benzodiazepines and Z-drugs from 65).

BENZODIAZEPINES = ["diazepam", "lorazepam", "alprazolam", "clonazepam"]
Z_DRUGS = ["zolpidem", "eszopiclone", "zopiclone"]
OXY = {"drug": "oxycodone", "dose": 5, "unit": "mg", "per_day": 3}


def with_code(review, code):
    return [f for f in review.findings if f.code == code]


@pytest.mark.parametrize("iid", BENZODIAZEPINES + Z_DRUGS)
def test_each_sedative_is_a_sourced_pharmacological_entry_that_treats_no_mechanism(iid):
    it = pk.load_catalog()[iid]
    assert it.category == "pharmacological"  # a tab the plan builder shows
    assert it.mechanisms == {} and it.line == "not_analgesic"
    assert it.status in ("verified", "partial", "unverified", "teaching_assumption")
    assert it.source.strip() and "Rec 11" in it.source
    assert ("benzodiazepine" if iid in BENZODIAZEPINES else "z_drug") in it.classes


def test_oxycodone_with_alprazolam_gets_the_cdc_rec_11_finding():
    case = make_case()
    review = review_plan(case, Plan(["alprazolam", "therapeutic_exercise"], opioids=[OXY]))
    [f] = with_code(review, "opioid_with_benzodiazepine")
    assert f.severity == "error"  # avoid the combination (Rec 11; FDA boxed warning)
    assert "Rec 11" in f.source and "FDA" in f.source
    assert set(f.items) == {"oxycodone", "alprazolam"}


def test_alprazolam_without_an_opioid_draws_no_opioid_finding():
    review = review_plan(make_case(), Plan(["alprazolam", "therapeutic_exercise"]))
    assert not with_code(review, "opioid_with_benzodiazepine")


def test_a_learner_adding_lorazepam_for_a_patient_on_an_opioid_is_flagged():
    case = make_case(medications=[med("oxycodone", 5, per_day=3, since=12)])
    review = review_plan(case, Plan(["lorazepam", "therapeutic_exercise"]))
    assert with_code(review, "opioid_with_benzodiazepine")


def test_zolpidem_with_an_opioid_is_the_other_cns_depressant_rule():
    review = review_plan(make_case(), Plan(["zolpidem", "therapeutic_exercise"], opioids=[OXY]))
    [f] = with_code(review, "opioid_with_other_cns_depressant")
    assert f.severity == "warning" and "Rec 11" in f.source


def test_a_gabapentinoid_with_a_benzodiazepine_is_the_fda_2019_rule():
    review = review_plan(make_case(), Plan(["pregabalin", "clonazepam", "therapeutic_exercise"]))
    [f] = with_code(review, "gabapentinoid_with_cns_depressant")
    assert "FDA Drug Safety Communication 2019" in f.source


@pytest.mark.parametrize("age, fires", [(64, False), (65, True), (78, True)])  # Beers: adults 65 and older
def test_an_older_adult_with_zolpidem_gets_the_beers_finding(age, fires):
    review = review_plan(make_case(age=age), Plan(["zolpidem", "therapeutic_exercise"]))
    found = with_code(review, "beers_z_drug")
    assert bool(found) is fires
    if fires:
        assert "AGS Beers 2023" in found[0].source


def test_an_older_adult_with_diazepam_gets_the_beers_benzodiazepine_finding():
    review = review_plan(make_case(age=70), Plan(["diazepam", "therapeutic_exercise"]))
    assert with_code(review, "beers_benzodiazepine")


def test_a_plan_continuing_the_patients_own_alprazolam_is_one_drug_not_two():
    # the current 'alprazolam (Xanax)' and the catalog's alprazolam are the same drug: no duplicate finding,
    # and the opioid pair is reported once, as a combination the patient already takes
    case = make_case(medications=[med("alprazolam (Xanax)", 0.5, per_day=2, since=24),
                                  med("oxycodone", 5, per_day=3, since=12)])
    review = review_plan(case, Plan(["alprazolam", "therapeutic_exercise"]))
    pairs = with_code(review, "opioid_with_benzodiazepine")
    assert len(pairs) == 1
    assert not [f for f in review.findings if "duplicate" in f.code]


def test_the_plan_builder_offers_the_sedatives_and_reviews_them():
    from painkit.widgets import PlanBuilder

    b = PlanBuilder(make_case())
    assert all(iid in b.boxes for iid in BENZODIAZEPINES + Z_DRUGS)
    b.select(["alprazolam", "therapeutic_exercise"])
    b.set_opioid("oxycodone", 5, per_day=3)
    assert "opioid_with_benzodiazepine" in b.review().codes
    assert "benzodiazepines" in b.findings.value  # the finding's message is shown in the builder
