"""The intervention catalog: every id in the brief, categories, sources, simulation blocks and vocabulary."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

import painkit as pk
from painkit.formulary import _catalog as catalog
from painkit import _yamlio as yamlio
from painkit.cases import parse_case
from painkit.errors import CaseError, PlanError

BRIEF_IDS = {
    "pharmacological": ["acetaminophen", "nsaid_oral", "nsaid_topical", "gabapentin", "pregabalin", "duloxetine",
                        "amitriptyline", "nortriptyline", "lidocaine_topical", "capsaicin_8_patch", "tramadol",
                        "tapentadol", "oxycodone", "hydrocodone", "morphine", "hydromorphone", "fentanyl_transdermal",
                        "methadone", "buprenorphine", "naloxone", "triptan_acute", "bisphosphonate_or_denosumab",
                        "corticosteroid_oral",
                        # issue 19: trigeminal neuralgia and migraine prevention need their first-line drugs
                        "carbamazepine", "topiramate",
                        # issue 17: sedative-hypnotics a plan can hold (not analgesics), so review shows their harms
                        "diazepam", "lorazepam", "alprazolam", "clonazepam", "zolpidem", "eszopiclone", "zopiclone"],
    "interventional": ["epidural_steroid_injection", "medial_branch_block", "radiofrequency_ablation",
                       "spinal_cord_stimulation", "trigger_point_injection", "peripheral_nerve_block",
                       "palliative_radiotherapy"],
    "physical": ["therapeutic_exercise", "manual_therapy", "kinesiology_taping", "graded_activity",
                 "graded_motor_imagery"],
    "psychological": ["cbt", "act", "mbsr", "pain_neuroscience_education"],
    "complementary": ["acupuncture", "massage", "art_therapy", "music_therapy", "yoga_tai_chi"],
    "self_management": ["sleep_hygiene", "activity_pacing", "stress_regulation"],
    # issue 14: safety checks that go with opioid prescriptions (CDC 2022 Recs 2, 7, 9, 10) and methadone
    "monitoring": ["pdmp_check", "urine_drug_test", "opioid_follow_up", "opioid_agreement", "ecg_monitoring"],
}
ALL_IDS = [i for ids in BRIEF_IDS.values() for i in ids]
ITEMS = catalog.load_catalog()


def test_every_brief_id_is_present_in_its_category():
    for category, ids in BRIEF_IDS.items():
        for iid in ids:
            assert iid in ITEMS, iid
            assert ITEMS[iid].category == category, iid


def test_exactly_the_brief_ids_at_least_35_in_seven_categories():
    assert set(ITEMS) == set(ALL_IDS)
    assert len(ITEMS) >= 35
    assert {it.category for it in ITEMS.values()} == set(catalog.CATEGORIES) and len(catalog.CATEGORIES) == 7


@pytest.mark.parametrize("iid", ALL_IDS)
def test_every_entry_names_its_sources(iid):
    it = ITEMS[iid]
    assert it.source.strip() and it.evidence_source.strip() and it.simulation.source.strip()
    assert it.description.strip() and it.duration.strip()
    for c in it.contraindications:
        if c.kind != "allergy":
            assert c.source.strip() and c.reason.strip(), (iid, c)
    for nr in it.not_recommended:
        assert nr.source.strip()


@pytest.mark.parametrize("iid", ALL_IDS)
def test_simulation_numbers_are_labelled_teaching_assumptions(iid):
    sim = ITEMS[iid].simulation
    assert "teaching assumption" in sim.source
    assert set(sim.effect) == {"nociceptive", "neuropathic", "nociplastic"}


def test_rfa_wears_off_within_6_to_18_months():
    weeks = ITEMS["radiofrequency_ablation"].simulation.durability_weeks
    assert 26 <= weeks <= 78


@pytest.mark.parametrize("iid", ["therapeutic_exercise", "graded_activity"])
def test_exercise_and_graded_activity_improve_function_more_than_pain(iid):
    sim = ITEMS[iid].simulation
    assert sim.function_effect > max(sim.effect.values())


def test_cbt_lowers_catastrophizing_more_than_pain():
    sim = ITEMS["cbt"].simulation
    assert sim.pcs_effect > 0 and sim.pcs_effect > max(sim.effect.values())


def test_only_opioids_have_tolerance():
    for it in ITEMS.values():
        if it.is_opioid:
            assert it.simulation.tolerance_per_week > 0, it.id
        else:
            assert it.simulation.tolerance_per_week == 0, it.id


def test_long_acting_flags_and_opioid_ids():
    assert ITEMS["fentanyl_transdermal"].long_acting and ITEMS["methadone"].long_acting
    for iid in ("oxycodone", "morphine", "hydromorphone", "hydrocodone", "tramadol", "tapentadol"):
        assert not ITEMS[iid].long_acting, iid
    drugs = yamlio.data_file("opioids.yaml")["drugs"]
    for it in ITEMS.values():
        assert (it.opioid is not None) == it.is_opioid
        assert it.opioid is None or it.opioid in drugs


def test_safety_rules_are_data():
    tca = [c for c in ITEMS["amitriptyline"].contraindications if c.age_min is not None][0]
    assert (tca.age_min, tca.code) == (65, "tca_in_older_adult") and "Beers" in tca.source
    # issue 14: NSAID x condition rules live in the interaction table, for every NSAID (any name, new or kept)
    table = {r["code"]: r for r in yamlio.data_file("interactions.yaml")["conditions"]}
    assert table["nsaid_in_ckd"]["class"] == "nsaid" and table["nsaid_in_ckd"]["conditions"] == ["ckd"]
    assert table["nsaid_with_gi_bleed"]["conditions"] == ["gi_bleed_history"]
    assert table["nsaid_in_heart_failure"]["conditions"] == ["heart_failure"]
    assert ITEMS["radiofrequency_ablation"].prerequisites == ["conservative_trial", "diagnostic_block"]


def test_every_contraindication_code_is_a_plan_rule():
    rules = pk.plans.table()["rules"]
    for it in ITEMS.values():
        for c in it.contraindications:
            assert c.code is None or c.code in rules, (it.id, c.code)


def test_interacting_classes_agree_with_the_interaction_rules():
    from painkit.formulary import expand

    pairs = [r for r in yamlio.data_file("interactions.yaml")["pairs"] if len(r["classes"]) == 2
             and all(isinstance(side, str) for side in r["classes"])]
    catalog_classes = {"opioid", "benzodiazepine", "gabapentinoid", "nsaid", "anticoagulant", "antiplatelet", "maoi",
                       "serotonergic", "corticosteroid"}
    for rule in pairs:
        a, b = rule["classes"]
        if not {a, b} <= catalog_classes:
            continue  # classes the catalog entries do not declare (e.g. lithium, tamoxifen): the table alone
        for it in ITEMS.values():
            classes = expand(it.classes)
            if a in classes:
                assert b in it.interacting_classes, (it.id, rule["code"])
            if b in classes:
                assert a in it.interacting_classes, (it.id, rule["code"])


def test_bad_entry_is_rejected():
    entry = {"id": "x", "name": "X", "category": "magic", "description": "d", "evidence_source": "s",
             "line": "first", "duration": "d", "source": "s",
             "simulation": {"effect": {"nociceptive": 0.1}, "onset_weeks": 1, "function_effect": 0,
                            "pcs_effect": 0, "tolerance_per_week": 0, "source": "teaching assumption"}}
    with pytest.raises(ValidationError) as exc:
        catalog.Intervention.model_validate(entry)
    text = str(exc.value)
    assert "category" in text and "neuropathic" in text


def test_contraindication_needs_one_kind_and_a_source():
    with pytest.raises(ValidationError):
        catalog.Contraindication(condition="ckd", age_min=65, reason="r", source="s")
    with pytest.raises(ValidationError):
        catalog.Contraindication(condition="ckd", reason="r")


def test_cross_check_reports_unknown_vocabulary():
    good = ITEMS["acetaminophen"].model_dump()
    good["contraindications"] = [{"condition": "not_a_condition", "reason": "r", "source": "s"}]
    good["classes"] = ["not_a_class"]
    problems = catalog._cross_check({"acetaminophen": catalog.Intervention.model_validate(good)})
    assert any("not_a_condition" in p for p in problems) and any("not_a_class" in p for p in problems)


def test_interventions_frame():
    df = pk.interventions()
    assert len(df) == len(ALL_IDS)
    assert {"id", "name", "category", "description", "mechanisms", "line", "source"} <= set(df.columns)
    assert set(pk.interventions("psychological")["id"]) == set(BRIEF_IDS["psychological"])
    with pytest.raises(PlanError, match="did you mean 'physical'"):
        pk.interventions("physicl")


def test_get_unknown_id_suggests():
    with pytest.raises(PlanError, match="did you mean 'duloxetine'"):
        catalog.get("duloxetin")


def _case_dict(**key):
    return {"id": "x-case", "title": "t", "setting": "chronic", "patient": {"age": 40, "sex": "female"},
            "presentation": "p",
            "key": {"mechanisms": {"nociceptive": "likely"}, "primary": "nociceptive", "rationale": "r",
                    "teaching_points": ["t"], "sources": ["s"], **key}}


def test_case_cross_check_uses_the_catalog_and_mme():
    parse_case(_case_dict(plan=["therapeutic_exercise"]))  # valid: no error
    with pytest.raises(CaseError, match="key.plan\\[0\\]: 'duloxetin' is not an intervention id"):
        parse_case(_case_dict(plan=["duloxetin"]))
    with pytest.raises(CaseError, match="key.opioids: .*not a plausible dose"):
        parse_case(_case_dict(opioids=[{"drug": "morphine", "dose": 10000, "unit": "mg", "per_day": 1}]))
