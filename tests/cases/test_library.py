"""The shipped case library covers the curriculum (issue 7) and every case is complete."""
from __future__ import annotations

import copy

import pytest
import yaml

import painkit as pk
from painkit.cases import REPO_CASES, parse_case
from painkit.cases import case_index, coverage

CURRICULUM_CONDITIONS = {
    "chronic low back pain": {"chronic_low_back_pain"},
    "knee osteoarthritis": {"knee_osteoarthritis"},
    "painful diabetic neuropathy": {"painful_diabetic_neuropathy"},
    "lumbar radiculopathy": {"lumbar_radiculopathy", "sciatica"},
    "post-herpetic neuralgia": {"post_herpetic_neuralgia"},
    "fibromyalgia": {"fibromyalgia"},
    "chronic widespread pain": {"chronic_widespread_pain"},
    "chronic headache disorder": {"chronic_headache_disorder", "chronic_migraine", "chronic_tension_type_headache"},
    "acute post-surgical pain": {"acute_postsurgical_pain"},
    "acute injury": {"rib_fracture", "ankle_sprain"},
    "cancer bone pain": {"cancer_bone_pain"},
    "complex regional pain syndrome": {"complex_regional_pain_syndrome"},
    "myofascial pain": {"myofascial_pain"},
    "older adult with polypharmacy": {"older_adult_polypharmacy"},
    "long-term high-dose opioid therapy": {"long_term_opioid_therapy"},
    "opioid use disorder with acute pain": {"opioid_use_disorder"},
    "pain management vs palliative care": {"palliative_care"},
}


@pytest.fixture(scope="module")
def index():
    return case_index(REPO_CASES)


def test_at_least_18_cases(index):
    assert len(index) >= 18


def test_settings_are_covered(index):
    counts = index["setting"].value_counts()
    assert counts.get("acute", 0) >= 4
    assert counts.get("chronic", 0) >= 10
    assert counts.get("cancer", 0) + counts.get("palliative", 0) >= 2


def test_mechanisms_are_covered(index):
    table = coverage(index)
    for mechanism in ("nociceptive", "neuropathic", "nociplastic", "mixed"):
        assert table[mechanism].sum() >= 4, f"fewer than 4 {mechanism} cases:\n{table}"


@pytest.mark.parametrize("condition", sorted(CURRICULUM_CONDITIONS))
def test_curriculum_condition_has_a_case(index, condition):
    tags = set().union(*index["conditions"])
    assert CURRICULUM_CONDITIONS[condition] & tags, f"no case tagged for {condition}"


def test_people_are_varied():
    cases = [pk.load_case(i) for i in pk.list_cases(REPO_CASES)]
    ages = [c.patient.age for c in cases]
    assert {c.patient.sex for c in cases} >= {"female", "male"}
    assert min(ages) < 35 and max(ages) >= 75


@pytest.mark.parametrize("case_id", pk.list_cases(REPO_CASES))
def test_case_is_complete(case_id):
    case = pk.load_case(case_id)
    assert case.key.sources and all(s.strip() for s in case.key.sources), "a case needs its sources"
    assert case.key.teaching_points and all(t.strip() for t in case.key.teaching_points)
    assert case.key.rationale.strip() and case.key.plan
    if case.setting == "chronic":
        assert len({v.week for v in case.instruments}) >= 2, "chronic cases need two visits to score change"


@pytest.mark.parametrize("field", ["sources", "teaching_points"])
def test_a_case_without_sources_or_teaching_points_is_refused(field):
    data = yaml.safe_load((REPO_CASES / "lbp-chronic.yaml").read_text())
    broken = copy.deepcopy(data)
    broken["key"][field] = []
    with pytest.raises(pk.CaseError, match=f"key.{field}"):
        parse_case(broken, "lbp-chronic.yaml")


def test_index_columns_and_coverage_chart(index):
    assert list(index.columns) == ["id", "title", "setting", "mechanisms", "primary", "mixed", "conditions", "topics",
                                   "population", "difficulty"]
    chart = pk.charts.case_coverage(coverage(index))
    assert chart.to_dict()["layer"]


def test_index_follows_a_case_file_edited_after_it_was_read(tmp_path):
    """Rows are cached per file (a notebook asks for the index several times), never past an edit."""
    source = (REPO_CASES / "lbp-chronic.yaml").read_text(encoding="utf-8")
    path = tmp_path / "lbp-chronic.yaml"
    path.write_text(source, encoding="utf-8")
    first = case_index(tmp_path)
    assert first.loc[0, "difficulty"] != "advanced"
    first.loc[0, "topics"].append("edited by the caller")        # a caller's change stays in its own frame
    data = yaml.safe_load(source)
    data["difficulty"] = "advanced"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    again = case_index(tmp_path)
    assert again.loc[0, "difficulty"] == "advanced"
    assert "edited by the caller" not in again.loc[0, "topics"]
