"""The curriculum map (painkit/data/curriculum.yaml), case topic tags, populations and the case-index filters
(issue 19)."""
from __future__ import annotations

import copy
import typing

import pytest
import yaml

import painkit as pk
from painkit.cases._case import REPO_CASES, Population, parse_case
from painkit.cases._library import case_index
from painkit.curriculum import (CurriculumError, curriculum_map, populations_for, topic_coverage, topic_ids,
                                topics)
from painkit.cases import _topics as _map


@pytest.fixture(scope="module")
def index():
    return case_index(REPO_CASES)


def test_map_has_the_four_iasp_components_in_order_and_says_it_is_not_official():
    m = curriculum_map()
    assert [d["iasp_component"] for d in m["domains"].values()] == [1, 2, 3, 4]
    assert list(m["domains"]) == list(pk.curriculum.load_map()["domains"])  # same domains as the competency map
    assert "not an official syllabus" in m["statement"]
    assert m["source"] and m["status"] in ("verified", "partial", "unverified", "teaching_assumption")


def test_every_topic_id_is_namespaced_by_its_domain():
    for t in topics():
        assert t["id"].startswith(f"iasp.{t['domain']}.")
    assert len(topic_ids()) == len(topics())


def test_only_clinical_condition_topics_are_required():
    required = [t for t in topics() if t["required"]]
    assert required and {t["domain"] for t in required} == {"conditions"}


@pytest.mark.parametrize("topic", [t["id"] for t in topics() if t["required"]])
def test_every_clinical_condition_topic_has_a_case(index, topic):
    """Issue 19: every clinical-condition topic of the outline is taught by at least one shipped case."""
    row = topic_coverage(index).set_index("id").loc[topic]
    assert row["cases"] >= 1, f"no case in the library is tagged {topic} ({row['title']})"


def test_coverage_counts_the_cases_tagged_with_each_topic(index):
    table = topic_coverage(index).set_index("id")
    tagged = [cid for cid, tags in zip(index["id"], index["topics"]) if "iasp.conditions.children" in tags]
    assert table.loc["iasp.conditions.children", "case_ids"] == tagged
    assert table.loc["iasp.conditions.children", "cases"] == len(tagged) >= 2


def test_every_shipped_case_teaches_at_least_one_clinical_condition_topic(index):
    untagged = [cid for cid, tags in zip(index["id"], index["topics"])
                if not any(t.startswith("iasp.conditions.") for t in tags)]
    assert untagged == []


def _case_data() -> dict:
    return yaml.safe_load((REPO_CASES / "lbp-chronic.yaml").read_text())


def test_an_unknown_curriculum_topic_is_refused_naming_the_field_and_a_suggestion():
    data = _case_data()
    data["topics"] = ["iasp.conditions.musculoskeletall", "catastrophizing"]
    with pytest.raises(pk.CaseError, match=r"topics.*'iasp.conditions.musculoskeletall'.*did you mean.*"
                                           r"iasp.conditions.musculoskeletal"):
        parse_case(data, "lbp-chronic.yaml")


def test_free_teaching_tags_stay_free():
    data = _case_data()
    data["topics"] = ["any_free_tag", "iasp.conditions.musculoskeletal"]
    assert parse_case(data, "lbp-chronic.yaml").topics == data["topics"]


def test_a_broken_map_is_refused_naming_the_topic(monkeypatch):
    broken = copy.deepcopy(curriculum_map())
    broken["domains"]["assessment"]["topics"][0]["id"] = "iasp.management.history_exam"
    _map.curriculum_map.cache_clear()
    monkeypatch.setattr(_map.yamlio, "data_file", lambda name: broken)
    try:
        with pytest.raises(CurriculumError, match="assessment: topic id 'iasp.management.history_exam'"):
            _map.curriculum_map()
    finally:
        monkeypatch.undo()
        _map.curriculum_map.cache_clear()


# ------------------------------------------------------------------------------------------- populations
def test_population_vocabulary_matches_the_case_schema():
    assert curriculum_map()["populations"]["ids"] == list(typing.get_args(Population))


@pytest.mark.parametrize("age, comorbidities, expected", [
    (7, [], ["child"]),
    (11.9, [], ["child"]),
    (12, [], ["adolescent"]),
    (17, [], ["adolescent"]),
    (18, [], ["adult"]),
    (64, ["pregnancy"], ["adult", "pregnancy_postpartum"]),
    (65, ["cognitive_impairment"], ["older_adult", "cognitive_impairment"]),
    (40, ["opioid_use_disorder", "breastfeeding"], ["adult", "pregnancy_postpartum", "substance_use"]),
])
def test_populations_follow_the_documented_age_bands_and_comorbidities(age, comorbidities, expected):
    # bands documented in curriculum.yaml: child < 12 (FDA 2017 codeine/tramadol limit), adolescent < 18,
    # older adult >= 65 (AGS Beers age)
    assert populations_for(age, comorbidities) == expected


def test_a_case_can_declare_a_population_it_teaches(index):
    row = index.set_index("id").loc["dementia-painad"]
    assert row["population"] == ["older_adult", "cognitive_impairment", "cannot_self_report"]


# ------------------------------------------------------------------------------------------------ filters
def test_filters_select_by_setting_mechanism_population_topic_and_difficulty(index):
    assert set(case_index(REPO_CASES, setting="palliative")["setting"]) == {"palliative"}
    mixed = case_index(REPO_CASES, mechanism="mixed")
    assert len(mixed) and mixed["mixed"].all()
    neuro = case_index(REPO_CASES, mechanism="neuropathic")
    assert len(neuro) and all("neuropathic" in m for m in neuro["mechanisms"])
    assert "child-forearm-fracture" in set(case_index(REPO_CASES, population="child")["id"])
    headache = case_index(REPO_CASES, topic="iasp.conditions.headache_orofacial")
    assert {"migraine-medication-overuse", "trigeminal-neuralgia"} <= set(headache["id"])
    assert set(case_index(REPO_CASES, difficulty="advanced")["difficulty"]) == {"advanced"}


def test_filters_combine_with_and_and_values_with_or(index):
    both = case_index(REPO_CASES, setting=["cancer", "palliative"], population="older_adult")
    expected = index[index["setting"].isin(["cancer", "palliative"])
                     & index["population"].apply(lambda p: "older_adult" in p)]
    assert list(both["id"]) == list(expected["id"]) and len(both) >= 1


def test_a_free_tag_is_a_valid_topic_filter(index):
    assert "crps" in set(case_index(REPO_CASES, topic="budapest_criteria")["id"])


@pytest.mark.parametrize("kw, fragment", [
    ({"setting": "ward"}, "setting='ward' is not known"),
    ({"mechanism": "neuropathc"}, "did you mean 'neuropathic'"),
    ({"population": "kids"}, "population='kids'"),
    ({"topic": "iasp.conditions.child"}, "topic='iasp.conditions.child'"),
    ({"difficulty": "hard"}, "allowed: advanced, intermediate, introductory"),
])
def test_unknown_filter_values_are_refused_naming_them(kw, fragment):
    with pytest.raises(pk.CaseError, match=fragment.replace("(", r"\(")):
        case_index(REPO_CASES, **kw)
