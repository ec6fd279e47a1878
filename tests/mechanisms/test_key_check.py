"""``validate`` checks a case's expert key against what its own findings give under the published criteria
(NeuPSIG, Finnerup 2016; IASP nociplastic, Kosek 2021; painkit's nociceptive teaching rule and primary order,
painkit/data/mechanisms.yaml). Each expected grade below is stated from the rule it applies."""
from __future__ import annotations

import subprocess
import sys

import yaml

import painkit as pk
from painkit.cases import Case
from painkit.mechanisms import key_problems

# NeuPSIG step 1 (possible): a relevant lesion or disease AND a neuroanatomically plausible distribution.
POSSIBLE_NEUROPATHIC = {"neurological_lesion_or_disease": True, "pain_in_neuroanatomical_distribution": True,
                        "sensory_signs_in_same_distribution": False, "lesion_confirmed_by_test": False}
# NeuPSIG step 3 (definite): possible + sensory signs in the same distribution + a confirmatory test.
DEFINITE_NEUROPATHIC = {**POSSIBLE_NEUROPATHIC, "sensory_signs_in_same_distribution": True,
                        "lesion_confirmed_by_test": True}
# IASP possible nociplastic: >= 3 months, regional, not fully explained by other mechanisms, evoked
# hypersensitivity on examination (all four).
POSSIBLE_NOCIPLASTIC = {"pain_duration_months": 12, "regional_not_discrete_distribution": True,
                        "pain_fully_explained_by_nociception_or_neuropathy": False, "hypersensitivity": True}
# painkit's nociceptive teaching rule (likely): tissue injury AND a proportionate mechanical pattern.
LIKELY_NOCICEPTIVE = {"tissue_injury_or_inflammation": True, "proportionate_mechanical_or_inflammatory_pattern": True}
NOT_NOCICEPTIVE = {"tissue_injury_or_inflammation": False, "proportionate_mechanical_or_inflammatory_pattern": False}


def case(findings: dict, grades: dict, primary: str) -> Case:
    return Case.model_validate({
        "id": "key-check", "title": "Key check", "setting": "chronic", "patient": {"age": 50, "sex": "female"},
        "presentation": "A test vignette.", "findings": findings,
        "key": {"mechanisms": grades, "primary": primary, "rationale": "test", "teaching_points": ["test"],
                "sources": ["test"]}})


def test_a_key_that_agrees_with_its_findings_has_no_problem():
    c = case({**POSSIBLE_NEUROPATHIC, **NOT_NOCICEPTIVE},
             {"neuropathic": "possible", "nociceptive": "unlikely", "nociplastic": "unlikely"}, "neuropathic")
    assert key_problems(c) == []


def test_a_grade_above_what_the_findings_meet_names_the_unmet_criterion():
    # 'probable' needs sensory signs (or a confirmatory test); the findings record neither: NeuPSIG 'possible'
    c = case({**POSSIBLE_NEUROPATHIC, **NOT_NOCICEPTIVE}, {"neuropathic": "probable"}, "neuropathic")
    problems = key_problems(c)
    assert len(problems) == 1
    line = problems[0]
    assert line.startswith("key.mechanisms.neuropathic: the key says 'probable' but the findings give 'possible'")
    assert "sensory_signs_in_same_distribution: no; lesion_confirmed_by_test: no" in line  # the fields to edit
    assert "NeuPSIG 'probable neuropathic' is not met" in line


def test_a_grade_below_what_the_findings_meet_is_flagged():
    # signs AND a confirmatory test: NeuPSIG 'definite', though the key says 'probable'
    c = case({**DEFINITE_NEUROPATHIC, **NOT_NOCICEPTIVE}, {"neuropathic": "probable"}, "neuropathic")
    [line] = key_problems(c)
    assert "the key says 'probable' but the findings give 'definite'" in line
    assert "the findings meet NeuPSIG 'definite neuropathic'" in line


def test_a_mechanism_the_key_leaves_out_but_the_findings_meet_is_flagged():
    # the four IASP criteria are met, so nociplastic is at least 'possible'; the key omits it ('unlikely')
    c = case({**POSSIBLE_NOCIPLASTIC, **LIKELY_NOCICEPTIVE}, {"nociceptive": "likely"}, "nociceptive")
    [line] = key_problems(c)
    assert line.startswith("key.mechanisms.nociplastic: the key says 'unlikely' but the findings give 'possible'")


def test_a_wrong_primary_is_flagged_when_the_grades_agree():
    # painkit's primary order (teaching rule): probable neuropathic ranks before likely nociceptive
    findings = {**POSSIBLE_NEUROPATHIC, "sensory_signs_in_same_distribution": True, **LIKELY_NOCICEPTIVE}
    c = case(findings, {"neuropathic": "probable", "nociceptive": "likely"}, "nociceptive")
    [line] = key_problems(c)
    assert line.startswith("key.primary:")
    assert "the key says 'nociceptive' but the graded findings make 'neuropathic' primary" in line


def test_a_case_without_findings_cannot_be_checked_and_says_what_to_record():
    c = case({}, {"nociceptive": "likely"}, "nociceptive")
    [line] = key_problems(c)
    assert line.startswith("findings: none of the findings the criteria read is recorded")
    assert "neurological_lesion_or_disease" in line and "tissue_injury_or_inflammation" in line


def test_every_shipped_case_key_agrees_with_its_findings():
    assert pk.validate_cases() == []


def test_validate_command_reports_a_contradicting_key(tmp_path):
    data = yaml.safe_load((pk.cases.REPO_CASES / "phn-postherpetic.yaml").read_text())
    assert data["key"]["mechanisms"]["neuropathic"] in ("probable", "definite")  # the shipped key, from its findings
    data["findings"]["neurological_lesion_or_disease"] = False  # NeuPSIG step 1 no longer met
    (tmp_path / "phn-postherpetic.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    result = subprocess.run([sys.executable, "-m", "painkit", "validate", str(tmp_path)], capture_output=True,
                            text=True)
    assert result.returncode == 1
    assert "phn-postherpetic.yaml: key.mechanisms.neuropathic: the key says" in result.stdout
    assert "but the findings give 'unlikely'" in result.stdout
    assert "Traceback" not in result.stderr
