"""Mechanism grading (NeuPSIG, Finnerup 2016; IASP nociplastic, Kosek 2021; nociceptive teaching rule),
answer feedback, bad answers, and the consistency of every shipped case with its expert key.

Expected grades come from the published rules as written in /work/shared/clinical_reference.md (sections 17
and 18) and the teaching rule in painkit/data/mechanisms.yaml; each test states the rule it applies.
"""
from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import painkit as pk
from painkit.cases import GRADES, MECHANISMS, Case
from painkit.mechanisms import FINDINGS, InsufficientFindings, classify, check_answer, criteria

UNLIKELY = {"nociceptive": "unlikely", "neuropathic": "unlikely", "nociplastic": "unlikely"}


def make_case(findings: dict, key: dict | None = None, responses: dict | None = None, notes: dict | None = None) -> Case:
    """A minimal valid case around the given findings (the key defaults to 'unlikely' everywhere)."""
    data = {
        "id": "test-case", "title": "Test case", "setting": "chronic",
        "patient": {"age": 50, "sex": "female"}, "presentation": "A test vignette.",
        "findings": {**findings, "notes": notes or {}},
        "key": {"mechanisms": key or UNLIKELY, "primary": next((m for m, g in (key or {}).items()
                                                                 if g != "unlikely"), "nociceptive"),
                "rationale": "test", "teaching_points": ["test"], "sources": ["test"]},
    }
    if responses:
        data["instruments"] = [{"week": 0, "responses": responses}]
    return Case.model_validate(data)


def rank(mech: str, grade: str) -> int:
    return GRADES[mech].index(grade)


# Minimal findings that reach each grade, by the published rule:
NEURO_POSSIBLE = {"neurological_lesion_or_disease": True, "pain_in_neuroanatomical_distribution": True}
NOCIPLASTIC_POSSIBLE = {"pain_duration_months": 3, "regional_not_discrete_distribution": True,
                        "pain_fully_explained_by_nociception_or_neuropathy": False, "hypersensitivity": True}
MINIMAL = [
    # NeuPSIG possible = relevant lesion/disease AND neuroanatomically plausible distribution
    ("neuropathic", "possible", NEURO_POSSIBLE),
    # NeuPSIG probable = possible + sensory signs in the same distribution ...
    ("neuropathic", "probable", {**NEURO_POSSIBLE, "sensory_signs_in_same_distribution": True}),
    # ... or possible + a confirmatory test (Finnerup 2016 figure legend)
    ("neuropathic", "probable", {**NEURO_POSSIBLE, "lesion_confirmed_by_test": True}),
    # NeuPSIG definite = possible + sensory signs + confirmatory test
    ("neuropathic", "definite", {**NEURO_POSSIBLE, "sensory_signs_in_same_distribution": True,
                                 "lesion_confirmed_by_test": True}),
    # IASP possible = >= 3 months AND regional AND not fully explained AND evoked hypersensitivity
    ("nociplastic", "possible", NOCIPLASTIC_POSSIBLE),
    # criterion 2 is also met by widespread pain ("may be multifocal or widespread")
    ("nociplastic", "possible", {**NOCIPLASTIC_POSSIBLE, "regional_not_discrete_distribution": None,
                                 "widespread_pain": True}),
    # IASP probable = possible + history of hypersensitivity + at least one comorbidity (unverified detail)
    ("nociplastic", "probable", {**NOCIPLASTIC_POSSIBLE, "history_of_hypersensitivity": True,
                                 "comorbid_symptoms": ["fatigue"]}),
    # teaching rule: likely = tissue injury/inflammation AND proportionate mechanical/inflammatory pattern
    ("nociceptive", "likely", {"tissue_injury_or_inflammation": True,
                               "proportionate_mechanical_or_inflammatory_pattern": True}),
]


def _without(findings: dict, name: str) -> dict:
    out = {k: v for k, v in findings.items() if k != name}
    return {k: v for k, v in out.items() if v is not None}


@pytest.mark.parametrize("mech,grade,findings", MINIMAL, ids=[f"{m}-{g}-{i}" for i, (m, g, _) in enumerate(MINIMAL)])
def test_minimal_findings_reach_the_grade(mech, grade, findings):
    assert classify(make_case({k: v for k, v in findings.items() if v is not None})).grades[mech] == grade


@pytest.mark.parametrize("mech,grade,findings,removed",
                         [(m, g, f, n) for m, g, f in MINIMAL for n, v in f.items() if v is not None],
                         ids=lambda x: x if isinstance(x, str) else "")
def test_grade_not_reached_when_a_required_finding_is_removed(mech, grade, findings, removed):
    reduced = _without(findings, removed)
    reached = classify(make_case(reduced)).grades[mech]
    assert rank(mech, reached) < rank(mech, grade), f"{mech} still '{reached}' without {removed}"


@pytest.mark.parametrize("mech,grade,findings", MINIMAL, ids=[f"{m}-{g}-{i}" for i, (m, g, _) in enumerate(MINIMAL)])
def test_grade_not_reached_when_a_required_finding_is_negative(mech, grade, findings):
    for name, value in findings.items():
        if value is None:
            continue
        negative = {**findings, name: (not value) if isinstance(value, bool) else ([] if isinstance(value, list)
                                                                                    else 2.9)}
        reached = classify(make_case({k: v for k, v in negative.items() if v is not None})).grades[mech]
        assert rank(mech, reached) < rank(mech, grade), f"{mech} still '{reached}' with {name}={negative[name]}"


def test_nociplastic_needs_three_months_boundary():
    # Kosek 2021 criterion 1: pain for at least 3 months; 2.9 months is not enough, 3 is.
    assert classify(make_case({**NOCIPLASTIC_POSSIBLE, "pain_duration_months": 2.9})).grades["nociplastic"] == "unlikely"
    assert classify(make_case({**NOCIPLASTIC_POSSIBLE, "pain_duration_months": 3})).grades["nociplastic"] == "possible"


def test_definite_minus_sensory_signs_is_probable_by_test_alone():
    # NeuPSIG: definite needs signs AND test; with the test alone the grade is probable (signs OR test).
    f = {**NEURO_POSSIBLE, "sensory_signs_in_same_distribution": False, "lesion_confirmed_by_test": True}
    assert classify(make_case(f)).grades["neuropathic"] == "probable"


def test_reasons_name_criterion_value_note_and_source():
    f = {**NEURO_POSSIBLE, "sensory_signs_in_same_distribution": True}
    a = classify(make_case(f, notes={"sensory_signs_in_same_distribution": "reduced pinprick over the L5 dermatome"}))
    r = a.reason("neuropathic", "sensory_signs")
    assert r.finding == "sensory_signs_in_same_distribution" and r.value is True and r.met is True
    assert r.note == "reduced pinprick over the L5 dermatome"
    assert "Finnerup 2016" in r.source
    assert "L5 dermatome" in r.text() and r.text().startswith("met:")
    assert a.reason("neuropathic", "confirmatory_test").met is None  # not assessed, not guessed
    assert "not assessed" in a.reason("neuropathic", "confirmatory_test").text()


def test_primary_and_mixed_follow_the_documented_order():
    noci = MINIMAL[-1][2]
    # probable neuropathic outranks likely nociceptive (radicular pain with sensory signs plus back pain)
    a = classify(make_case({**noci, **MINIMAL[1][2]}))
    assert (a.grades["neuropathic"], a.grades["nociceptive"], a.primary, a.mixed) == ("probable", "likely", "neuropathic", True)
    # likely nociceptive outranks possible neuropathic and possible nociplastic
    assert classify(make_case({**noci, **NEURO_POSSIBLE})).primary == "nociceptive"
    assert classify(make_case({**noci, **NOCIPLASTIC_POSSIBLE})).primary == "nociceptive"
    # probable nociplastic outranks likely nociceptive
    assert classify(make_case({**noci, **MINIMAL[6][2]})).primary == "nociplastic"
    # one mechanism only: not mixed
    single = classify(make_case(noci))
    assert single.primary == "nociceptive" and single.mixed is False


def test_all_unlikely_has_no_primary():
    a = classify(make_case({"tissue_injury_or_inflammation": False, "neurological_lesion_or_disease": False,
                            "hypersensitivity": False}))
    assert a.grades == UNLIKELY and a.primary is None and a.mixed is False


def test_sparse_findings_raise_insufficient_findings():
    with pytest.raises(InsufficientFindings) as info:
        classify(make_case({}))
    message = str(info.value)
    assert message.startswith("insufficient findings:")
    assert "neurological_lesion_or_disease" in message and "tissue_injury_or_inflammation" in message
    assert isinstance(info.value, pk.MechanismError)


def test_a_system_without_entry_findings_is_flagged_unassessed():
    a = classify(make_case(MINIMAL[-1][2]))
    assert a.unassessed == ("neuropathic", "nociplastic")
    assert "(no entry finding assessed)" in a.explain()


# --------------------------------------------------------------------------------------------------
# Screening supports but never decides (needs painkit.instruments)

DN4_ALL_YES = [1] * 10      # 10/10 >= 4: positive (Bouhassira 2005)
CSI_ALL_ALWAYS = [4] * 25   # 25 x 4 = 100 >= 40: positive (Neblett 2013)


def test_positive_screens_alone_do_not_raise_a_grade():
    pytest.importorskip("painkit.instruments")
    plain = {"tissue_injury_or_inflammation": True, "proportionate_mechanical_or_inflammatory_pattern": True}
    a = classify(make_case(plain, responses={"dn4": DN4_ALL_YES, "csi": CSI_ALL_ALWAYS}))
    assert a.grades == {"nociceptive": "likely", "neuropathic": "unlikely", "nociplastic": "unlikely"}
    screens = {r.criterion: r for r in a.reasons if r.kind == "screening"}
    assert screens["dn4"].value == 10 and screens["dn4"].met is True and screens["dn4"].mechanism == "neuropathic"
    assert screens["csi"].value == 100 and screens["csi"].met is True and screens["csi"].mechanism == "nociplastic"
    assert "screening supports but does not diagnose" in screens["dn4"].text()


@settings(max_examples=60, deadline=None)
@given(st.fixed_dictionaries({n: st.sampled_from([None, True, False]) for n in FINDINGS
                              if n not in ("pain_duration_months", "comorbid_symptoms")}),
       st.sampled_from([None, 1, 3, 12]), st.sampled_from([[], ["fatigue"]]))
def test_screening_never_changes_any_grade(flags, months, comorbid):
    pytest.importorskip("painkit.instruments")
    findings = {**flags, "pain_duration_months": months, "comorbid_symptoms": comorbid}
    try:
        without = classify(make_case(findings))
    except InsufficientFindings:
        return
    with_screens = classify(make_case(findings, responses={"dn4": DN4_ALL_YES, "csi": CSI_ALL_ALWAYS}))
    negative = classify(make_case(findings, responses={"dn4": [0] * 10, "csi": [0] * 25}))
    assert with_screens.grades == without.grades == negative.grades
    assert with_screens.primary == without.primary


# --------------------------------------------------------------------------------------------------
# Feedback against the key

RADICULAR = {"tissue_injury_or_inflammation": True, "proportionate_mechanical_or_inflammatory_pattern": True,
             "neurological_lesion_or_disease": True, "pain_in_neuroanatomical_distribution": True,
             "sensory_signs_in_same_distribution": True, "lesion_confirmed_by_test": False,
             "pain_duration_months": 2, "regional_not_discrete_distribution": False, "widespread_pain": False,
             "pain_fully_explained_by_nociception_or_neuropathy": True, "hypersensitivity": False}
RADICULAR_NOTES = {"pain_in_neuroanatomical_distribution": "leg pain confined to the L5 dermatome",
                   "sensory_signs_in_same_distribution": "reduced pinprick over the L5 dermatome"}
MIXED_KEY = {"nociceptive": "likely", "neuropathic": "probable", "nociplastic": "unlikely"}


@pytest.fixture
def mixed_case() -> Case:
    return make_case(RADICULAR, key=MIXED_KEY, notes=RADICULAR_NOTES)


@pytest.fixture
def neuro_case() -> Case:
    f = {**RADICULAR, "tissue_injury_or_inflammation": False}
    return make_case(f, key={**MIXED_KEY, "nociceptive": "unlikely"}, notes=RADICULAR_NOTES)


def test_correct_answer(mixed_case):
    fb = check_answer(mixed_case, [{"mechanism": "nociceptive", "grade": "likely"},
                                   {"mechanism": "neuropathic", "grade": "probable"}])
    assert (fb.correct, fb.missed, fb.extra, fb.grade_errors) == (["nociceptive", "neuropathic"], [], [], {})
    assert fb.score == 100  # 2 correct of 2 named
    assert fb.explanation.startswith("Correct")
    assert "NeuPSIG 'probable neuropathic'" in fb.explanation


def test_missed_mechanism_in_mixed_pain_gets_partial_credit(mixed_case):
    fb = check_answer(mixed_case, ["neuropathic"])
    assert fb.missed == ["nociceptive"] and fb.correct == ["neuropathic"] and fb.extra == []
    assert fb.score == 50.0  # 1 correct of {nociceptive, neuropathic}: 100 x 1/2
    assert "You missed nociceptive" in fb.explanation and "Pain can be mixed" in fb.explanation


def test_extra_mechanism_costs_credit_and_says_which_criteria_fail(mixed_case):
    fb = check_answer(mixed_case, ["nociceptive", "neuropathic", "nociplastic"])
    assert fb.extra == ["nociplastic"] and fb.missed == []
    assert fb.score == 66.7  # 2 correct of 3 named: 100 x 2/3 = 66.67 -> 66.7
    assert "does not meet the IASP criteria for 'possible nociplastic'" in fb.explanation
    assert "pain fully explained by nociceptive or neuropathic mechanisms" in fb.explanation


def test_wrong_grade_too_high(mixed_case):
    fb = check_answer(mixed_case, [{"mechanism": "nociceptive", "grade": "likely"},
                                   {"mechanism": "neuropathic", "grade": "definite"}])
    assert fb.grade_errors == {"neuropathic": ("definite", "probable")}
    assert fb.score == 75.0  # (1 + 0.5 for a wrong grade) / 2 x 100
    assert "also needs diagnostic test confirming" in fb.explanation


def test_wrong_grade_too_low_names_the_case_detail(mixed_case):
    fb = check_answer(mixed_case, [{"mechanism": "nociceptive", "grade": "likely"},
                                   {"mechanism": "neuropathic", "grade": "possible"}])
    assert fb.grade_errors == {"neuropathic": ("possible", "probable")}
    assert "reduced pinprick over the L5 dermatome" in fb.explanation


def test_nociplastic_called_for_dermatomal_pain_teaches_neupsig(neuro_case):
    fb = check_answer(neuro_case, [{"mechanism": "nociplastic", "grade": "possible"}])
    assert fb.score == 0 and fb.missed == ["neuropathic"] and fb.extra == ["nociplastic"]
    assert "You called this nociplastic, but the case shows" in fb.explanation
    assert "leg pain confined to the L5 dermatome" in fb.explanation
    assert "that meets NeuPSIG 'probable neuropathic'" in fb.explanation


def test_cited_findings_get_feedback_but_do_not_change_the_score(mixed_case):
    fb = check_answer(mixed_case, [{"mechanism": "nociceptive", "grade": "likely"},
                                   {"mechanism": "neuropathic", "grade": "probable",
                                    "findings": ["sensory_signs_in_same_distribution", "widespread_pain",
                                                 "lesion_confirmed_by_test"]}])
    assert fb.score == 100
    assert "Good evidence: 'Sensory signs in the same distribution' supports neuropathic" in fb.explanation
    assert "'Widespread pain' for neuropathic, but it is not a criterion for neuropathic pain" in fb.explanation
    assert "'Lesion confirmed by a diagnostic test' for neuropathic, but in this case: no diagnostic test" in fb.explanation


@pytest.mark.parametrize("answer,words", [
    (["neuropathc"], ["'neuropathc' is not a mechanism", "did you mean 'neuropathic'",
                      "allowed: nociceptive, neuropathic, nociplastic"]),
    ([{"mechanism": "neuropathic", "grade": "likely"}], ["'likely' is not a grade for neuropathic",
                                                        "allowed: possible, probable, definite"]),
    ([{"mechanism": "nociplastic", "grade": "unlikely"}], ["leave out a mechanism you judge unlikely",
                                                          "allowed: possible, probable"]),
    ([{"mechanism": "nociceptive", "findings": ["swelling"]}], ["'swelling' is not a finding",
                                                               "allowed: pain_duration_months"]),
    ([{"mechanism": "nociceptive", "confidence": 1}], ["unknown key 'confidence'", "allowed: mechanism, grade"]),
    (["nociceptive", "nociceptive"], ["named twice"]),
    ([], ["names no mechanism", "nociceptive, neuropathic, nociplastic"]),
    (42, ["expected a list of mechanism names"]),
])
def test_bad_answers_raise_with_the_allowed_values(mixed_case, answer, words):
    with pytest.raises(pk.MechanismError) as info:
        check_answer(mixed_case, answer)
    for w in words:
        assert w in str(info.value)


# --------------------------------------------------------------------------------------------------
# The criteria file


def test_criteria_file_names_sources_and_statuses():
    data = criteria()
    assert set(data["findings"]) == set(FINDINGS)  # a phrase for every finding of the case model
    for mech in MECHANISMS:
        system = data["systems"][mech]
        assert system["source"] and system["status"]
        for crit in system["criteria"].values():
            assert crit["label"] and crit["finding"] and crit["source"]
        for grade in system["grades"].values():
            assert grade["label"] and grade["source"] and grade["status"]
    assert data["systems"]["nociplastic"]["grades"]["probable"]["status"] == "unverified"
    assert data["systems"]["nociceptive"]["grades"]["likely"]["status"] == "teaching_assumption"
    assert {o["mechanism"] for o in data["primary_order"]["order"]} == set(MECHANISMS)
    assert data["screening"]["note"] == "screening supports but does not diagnose"


def test_criteria_tables_render_from_the_yaml():
    table = pk.mechanisms.criteria_table("neuropathic")
    # the finding each criterion reads, as words (the yaml's ids with spaces, so a learner can read them)
    assert list(table["finding"]) == ["neurological lesion or disease", "pain in neuroanatomical distribution",
                                      "sensory signs in same distribution", "lesion confirmed by test"]
    assert list(pk.mechanisms.grade_table("nociplastic")["grade"]) == ["possible", "probable"]


# --------------------------------------------------------------------------------------------------
# Every shipped case agrees with its expert key


@pytest.mark.parametrize("case_id", pk.list_cases())
def test_case_key_agrees_with_the_criteria(case_id):
    case = pk.load_case(case_id)
    a = classify(case)
    expected = {m: case.key.mechanisms.get(m, "unlikely") for m in MECHANISMS}
    why = (f"\n--- painkit.classify says ---\n{a.explain()}\n--- the case key says ---\n{expected}, "
           f"primary {case.key.primary}\n{case.key.rationale}")
    assert a.grades == expected, f"{case_id}: grades disagree with the key{why}"
    assert a.primary == case.key.primary, f"{case_id}: primary {a.primary} != key {case.key.primary}{why}"
