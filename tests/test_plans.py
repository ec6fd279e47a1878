"""Plan review: every finding code fires on the smallest case and plan and stays silent on a twin that
differs in the one feature the rule is about; scoring, scope, errors and content consistency over all cases."""
from __future__ import annotations

import pytest

import painkit as pk
from painkit import yamlio
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


EX = "therapeutic_exercise"
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
    "cns_active_burden_older_adult": (dict(age=70, mechanisms=NEURO, medications=["sertraline", "zolpidem"]), ["gabapentin", EX], None,
                                      dict(age=60, mechanisms=NEURO, medications=["sertraline", "zolpidem"]), ["gabapentin", EX], None),
    "contraindicated_condition": (dict(comorbidities=["hepatic_impairment"]), ["acetaminophen", EX], None,
                                  dict(), ["acetaminophen", EX], None),
    "contraindicated_medication": (dict(mechanisms=NEURO, medications=["apixaban"]), ["epidural_steroid_injection", EX], None,
                                   dict(mechanisms=NEURO), ["epidural_steroid_injection", EX], None),
    "allergy_conflict": (dict(allergies=["ibuprofen (hives)"]), ["nsaid_topical", EX], None,
                         dict(allergies=["penicillin (rash)"]), ["nsaid_topical", EX], None),
    "review_current_medication": (dict(comorbidities=["ckd"], medications=[med("ibuprofen", 400, per_day=3)]), [EX, "acetaminophen"], None,
                                  dict(medications=[med("ibuprofen", 400, per_day=3)]), [EX, "acetaminophen"], None),
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
    assert set(CASES) == set(yamlio.data_file("plan_rules.yaml")["rules"])


@pytest.mark.parametrize("code", sorted(CASES))
def test_code_fires_on_trigger_and_not_on_twin(code):
    kw, items, ops, twin_kw, twin_items, twin_ops = CASES[code]
    hit = review_plan(make_case(**kw), Plan(items, opioids=ops))
    assert code in hit.codes, repr(hit)
    f = next(f for f in hit.findings if f.code == code)
    assert f.message and f.source and f.severity in ("error", "warning", "info")
    miss = review_plan(make_case(**twin_kw), Plan(twin_items, opioids=twin_ops))
    assert code not in miss.codes, repr(miss)


@pytest.mark.parametrize("code,severity", [
    ("opioid_with_benzodiazepine", "error"), ("nsaid_in_ckd", "error"), ("nsaid_with_anticoagulant", "error"),
    ("long_acting_for_initiation", "error"), ("allergy_conflict", "error"), ("serotonergic_with_maoi", "error"),
    ("tca_in_older_adult", "warning"), ("gabapentinoid_with_opioid", "warning"), ("mme_at_or_above_90", "warning"),
])
def test_severity_when_the_plan_introduces_the_problem(code, severity):
    kw, items, ops, *_ = CASES[code]
    f = next(f for f in review_plan(make_case(**kw), Plan(items, opioids=ops)).findings if f.code == code)
    assert f.severity == severity


def test_inherited_combination_is_a_warning_not_an_error():
    case = make_case(medications=["alprazolam (Xanax)", med("oxycodone", 5, per_day=2)])
    f = next(f for f in review_plan(case, Plan([EX, "naloxone"])).findings if f.code == "opioid_with_benzodiazepine")
    assert f.severity == "warning"


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
def test_each_inappropriate_item_gets_at_least_a_warning(case_id):
    """Adding an item the key marks inappropriate must draw an error or warning from a rule of its own
    (not only the key-agreement finding), so the engine recognises the problem independently."""
    case = pk.load_case(case_id)
    for bad in case.key.inappropriate:
        plan = Plan(list(dict.fromkeys([*case.key.plan, bad.id])), opioids=case.key.opioids or None)
        r = review_plan(case, plan)
        own = [f for f in r.findings if f.severity in ("error", "warning") and bad.id in f.items
               and f.code != "key_inappropriate_included"]
        assert own, f"{case_id}: adding {bad.id} ({bad.reason}) drew no warning:\n{r!r}"


def test_every_code_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "plan-review.md").read_text()
    for code in yamlio.data_file("plan_rules.yaml")["rules"]:
        assert f"`{code}`" in doc, code
