"""MME with the CDC 2022 factors (Dowell 2022, MMWR RR-3, MME table), dose flags and the drug-name recogniser.

Expected values are the published factors times the daily dose; the arithmetic is written next to each.
"""
from __future__ import annotations

import pytest

import painkit as pk
from painkit.formulary import _opioids as opioids
from painkit.cases import Medication
from painkit.formulary import allergy_groups, recognise
from painkit.errors import PlanError

# CDC 2022 MME conversion factors (clinical reference section 15; VERIFIED). Fentanyl is per mcg/h.
CDC_2022 = {"codeine": 0.15, "fentanyl_transdermal": 2.4, "hydrocodone": 1.0, "hydromorphone": 5.0,
            "methadone": 4.7, "morphine": 1.0, "oxycodone": 1.5, "oxymorphone": 3.0, "tapentadol": 0.4,
            "tramadol": 0.2}


def rx(drug, dose, per_day=None, unit="mg", **extra):
    p = {"drug": drug, "dose": dose, "unit": unit, **extra}
    if per_day is not None:
        p["per_day"] = per_day
    return p


@pytest.mark.parametrize("drug,factor", sorted(CDC_2022.items()))
def test_factor_is_the_cdc_2022_value(drug, factor):
    assert opioids.table()["drugs"][drug]["factor"] == factor


def test_every_factor_is_a_single_number_no_dose_tiers():
    # The superseded table used dose-tiered methadone; the 2022 table has one factor per drug.
    for drug, info in opioids.table()["drugs"].items():
        assert info["factor"] is None or isinstance(info["factor"], (int, float)), drug
        assert not any("tier" in k for k in info), drug


def test_cdc_footnote_examples():
    # Table footnote: hydrocodone 5 mg four times a day = 20 mg/day x 1.0 = 20 MME;
    # oxycodone ER 10 mg twice a day = 20 mg/day x 1.5 = 30 MME.
    assert pk.mme([rx("hydrocodone", 5, 4)]).total == 20
    assert pk.mme([rx("oxycodone", 10, 2, formulation="ER")]).total == 30


def test_multi_drug_total_and_per_drug():
    # oxycodone 10 mg x3 = 30 mg x 1.5 = 45; hydromorphone 2 mg x4 = 8 mg x 5.0 = 40;
    # tramadol 50 mg x4 = 200 mg x 0.2 = 40; total 125 MME/day.
    m = pk.mme([rx("oxycodone", 10, 3), rx("hydromorphone", 2, 4), rx("tramadol", 50, 4)])
    assert m.per_drug == {"oxycodone": 45, "hydromorphone": 40, "tramadol": 40}
    assert m.total == 125


def test_same_drug_twice_adds_up():
    # morphine 15 mg x2 (30) + morphine 10 mg x1 (10) = 40 MME/day
    assert pk.mme([rx("morphine", 15, 2), rx("morphine", 10, 1)]).per_drug == {"morphine": 40}


def test_other_factors():
    # codeine 30 mg x4 = 120 x 0.15 = 18; tapentadol 50 x4 = 200 x 0.4 = 80; oxymorphone 10 x2 = 20 x 3.0 = 60
    assert pk.mme([rx("codeine", 30, 4)]).total == 18
    assert pk.mme([rx("tapentadol", 50, 4)]).total == 80
    assert pk.mme([rx("oxymorphone", 10, 2)]).total == 60


def test_fentanyl_patch_is_per_mcg_per_hour():
    # 25 mcg/h x 2.4 = 60 MME/day; 50 mcg/h x 2.4 = 120 MME/day (no per_day for a patch)
    assert pk.mme([rx("fentanyl_transdermal", 25, unit="mcg/h")]).total == 60
    assert pk.mme([rx("fentanyl_transdermal", 50, unit="mcg/h")]).total == 120


def test_methadone_uses_one_factor_at_every_dose():
    # 5 mg x2 = 10 mg x 4.7 = 47; 20 mg x3 = 60 mg x 4.7 = 282; 50 mg x2 = 100 mg x 4.7 = 470
    assert pk.mme([rx("methadone", 5, 2)]).total == 47
    assert pk.mme([rx("methadone", 20, 3)]).total == 282
    assert pk.mme([rx("methadone", 50, 2)]).total == 470


def test_buprenorphine_is_not_converted_and_says_why():
    m = pk.mme([rx("buprenorphine", 8, 2), rx("morphine", 15, 2)])
    assert m.total == 30  # morphine 30 mg x 1.0; buprenorphine left out
    assert "buprenorphine" not in m.per_drug
    flag = next(f for f in m.flags if f.code == "buprenorphine_not_converted")
    assert "16 mg/day" in flag.message and "ceiling" in flag.message and "opioid use disorder" in flag.message


def test_buprenorphine_patch_takes_mcg_per_hour():
    m = pk.mme([rx("buprenorphine", 10, unit="mcg/h")])
    assert m.total == 0 and m.codes[0] == "buprenorphine_not_converted"


def test_threshold_50_in_2022_wording():
    # oxycodone 11 mg x3 = 33 mg x 1.5 = 49.5: below 50
    assert "mme_at_or_above_50" not in pk.mme([rx("oxycodone", 11, 3)]).codes
    # morphine 25 mg x2 = 50: at 50, not at 90
    m = pk.mme([rx("morphine", 25, 2)])
    assert {"mme_at_or_above_50", "offer_naloxone"} <= set(m.codes)
    assert "mme_at_or_above_90" not in m.codes
    f50 = next(f for f in m.flags if f.code == "mme_at_or_above_50")
    assert "pause and carefully reassess evidence of individual benefits and risks" in f50.message
    assert "Dowell 2022" in f50.source


def test_threshold_90_marks_2016_verified_and_2022_phrase_unverified():
    # morphine 45 mg x2 = 90 MME/day: both thresholds reached
    m = pk.mme([rx("morphine", 45, 2)])
    assert {"mme_at_or_above_50", "mme_at_or_above_90"} <= set(m.codes)
    f90 = next(f for f in m.flags if f.code == "mme_at_or_above_90")
    assert "avoid increasing dosage to >= 90 MME/day or carefully justify" in f90.message
    assert "2016 Rec 5 (verified)" in f90.source and "unverified" in f90.source
    # morphine 44 mg x2 = 88: below 90
    assert "mme_at_or_above_90" not in pk.mme([rx("morphine", 44, 2)]).codes


def test_long_acting_flags():
    assert "long_acting_opioid" in pk.mme([rx("fentanyl_transdermal", 12, unit="mcg/h")]).codes
    assert "long_acting_opioid" in pk.mme([rx("methadone", 5, 2)]).codes
    assert "long_acting_opioid" in pk.mme([rx("morphine", 15, 2, formulation="ER")]).codes
    assert "long_acting_opioid" not in pk.mme([rx("morphine", 15, 2)]).codes  # IR by default


@pytest.mark.parametrize("name", ["alprazolam (Xanax)", "Ativan 1 mg", "clonazepam", "Klonopin", "diazepam (Valium)",
                                  "temazepam"])
def test_concurrent_benzodiazepine_flag(name):
    m = pk.mme([rx("oxycodone", 5, 2)], medications=[name])
    assert "concurrent_benzodiazepine" in m.codes
    assert name in next(f for f in m.flags if f.code == "concurrent_benzodiazepine").message


def test_no_benzodiazepine_flag_without_one():
    assert "concurrent_benzodiazepine" not in pk.mme([rx("oxycodone", 5, 2)], medications=["sertraline"]).codes


def test_benzodiazepine_helper_reads_case_medications():
    meds = [Medication(name="alprazolam (Xanax)", dose=0.5, unit="mg", per_day=3), Medication(name="lisinopril")]
    assert opioids.benzodiazepines(meds) == ["alprazolam (Xanax)"]


@pytest.mark.parametrize("bad,fragment", [
    (rx("oxycodon", 5, 2), "did you mean 'oxycodone'"),
    (rx("OxyContin", 5, 2), "did you mean 'oxycodone'"),
    (rx("oxycodone", 10000, 2), "not a plausible dose"),
    (rx("oxycodone", -5, 2), "not a plausible dose"),
    (rx("oxycodone", 0, 2), "not a plausible dose"),
    ({"drug": "oxycodone", "dose": 10, "per_day": 2}, "unit: missing"),
    ({"drug": "oxycodone", "unit": "mg", "per_day": 2}, "dose: missing"),
    (rx("morphine", 10, unit="mcg/h"), "does not fit morphine"),
    (rx("fentanyl_transdermal", 25, 1, unit="mg"), "does not fit fentanyl_transdermal"),
    (rx("fentanyl_transdermal", 25, 1, unit="mcg/h"), "omit per_day"),
    (rx("oxycodone", 10), "per_day: missing"),
    (rx("oxycodone", 10, 100), "per_day"),
    (rx("oxycodone", "ten", 2), "must be a number"),
    (rx("oxycodone", True, 2), "must be a number"),
    (rx("oxycodone", 10, 2, route="oral"), "unknown key"),
    (rx("methadone", 10, 2, formulation="IR"), "long-acting"),
    (rx("oxycodone", 10, 2, days=0), "days"),
])
def test_bad_prescriptions_raise_plan_error(bad, fragment):
    with pytest.raises(PlanError) as exc:
        pk.mme([bad])
    assert fragment in str(exc.value)


# ---------------------------------------------------------------------- name recogniser
@pytest.mark.parametrize("text,generic,cls", [
    ("alprazolam (Xanax)", "alprazolam", "benzodiazepine"),
    ("Xanax 0.5 mg", "alprazolam", "benzodiazepine"),
    ("Eliquis", "apixaban", "anticoagulant"),
    ("warfarin (Coumadin)", "warfarin", "anticoagulant"),
    ("Plavix", "clopidogrel", "antiplatelet"),
    ("Lyrica", "pregabalin", "gabapentinoid"),
    ("Zoloft", "sertraline", "serotonergic"),
    ("Cymbalta", "duloxetine", "serotonergic"),
    ("Elavil", "amitriptyline", "tca"),
    ("Imitrex", "sumatriptan", "serotonergic"),
    ("Nardil", "phenelzine", "maoi"),
    ("Norco 5/325", "hydrocodone", "opioid"),
])
def test_recognise_generic_and_brand_names(text, generic, cls):
    drug = recognise(text)[0]
    assert drug.generic == generic and cls in drug.classes


def test_recognise_opioid_ids_and_long_acting_products():
    assert recognise("OxyContin 20 mg")[0].opioid == "oxycodone"
    assert recognise("OxyContin 20 mg")[0].long_acting
    assert recognise("oxycodone ER")[0].long_acting
    assert not recognise("oxycodone immediate-release")[0].long_acting
    assert recognise("Duragesic patch")[0].opioid == "fentanyl_transdermal"


def test_suboxone_naloxone_is_not_a_rescue_kit():
    assert [d.generic for d in recognise("buprenorphine/naloxone (Suboxone)")] == ["buprenorphine"]
    assert [d.generic for d in recognise("Narcan nasal spray")] == ["naloxone"]


def test_topical_nsaid_is_told_apart():
    assert recognise("diclofenac gel")[0].intervention == "nsaid_topical"
    assert recognise("diclofenac 50 mg")[0].intervention == "nsaid_oral"


def test_unknown_text_recognises_nothing():
    assert recognise("metformin 500 mg") == ()


def test_allergy_groups():
    assert allergy_groups(["ibuprofen (hives)"]) == {"nsaid"}
    assert allergy_groups(["penicillin (rash)"]) == frozenset()


# ---------------------------------------------------------------------- current medications
def test_current_prescriptions_from_case_medications():
    meds = [Medication(name="oxycodone ER (OxyContin)", dose=40, unit="mg", per_day=2), Medication(name="tramadol")]
    parsed, unknown = opioids.current_prescriptions(meds)
    assert [(p.drug, p.mme, p.long_acting) for p in parsed] == [("oxycodone", 120, True)]  # 80 mg x 1.5
    assert unknown == ["tramadol"]


@pytest.mark.parametrize("med,tolerant", [
    (Medication(name="morphine", dose=30, unit="mg", per_day=2, since_months=3), True),       # 60 mg/day
    (Medication(name="oxycodone", dose=10, unit="mg", per_day=2, since_months=3), False),     # 20 mg/day < 30
    (Medication(name="oxycodone", dose=10, unit="mg", per_day=3, since_months=0), False),     # 30 mg/day, < 1 week
    (Medication(name="fentanyl patch", dose=25, unit="mcg/h", since_months=2), True),         # 25 mcg/h
])
def test_opioid_tolerance_follows_the_fda_definition(med, tolerant):
    assert opioids.is_opioid_tolerant([med]) is tolerant
