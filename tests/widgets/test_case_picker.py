"""CasePicker filters the case index by what the learner wants to practise and opens the chosen case."""
from __future__ import annotations

import painkit as pk
from painkit.cases import REPO_CASES, case_index, filter_index
from painkit.widgets import CasePicker


def test_starts_with_every_case_listed():
    picker = CasePicker(REPO_CASES)
    assert len(picker.results.options) == len(pk.list_cases(REPO_CASES))
    assert picker.selection() == dict.fromkeys(["setting", "mechanism", "population", "topic", "difficulty"])


def test_dropdowns_filter_the_list_like_case_index():
    picker = CasePicker(REPO_CASES)
    picker.filters["population"].value = "child"
    assert [v for _, v in picker.results.options] == list(case_index(REPO_CASES, population="child")["id"])
    picker.filters["topic"].value = "iasp.conditions.headache_orofacial"
    assert picker.results.options == ()   # no child case teaches headache: the list says so
    assert "No case matches" in picker.count.value
    picker.filters["population"].value = "any"
    assert {v for _, v in picker.results.options} == set(
        case_index(REPO_CASES, topic="iasp.conditions.headache_orofacial")["id"])


def test_topic_dropdown_offers_only_topics_some_case_teaches():
    picker = CasePicker(REPO_CASES)
    offered = {v for _, v in picker.filters["topic"].options} - {"any"}
    assert offered == {t for ts in picker.index["topics"] for t in ts if t.startswith("iasp.")}


def test_open_shows_the_case_with_the_key_hidden():
    picker = CasePicker(REPO_CASES)
    assert picker.open() is None   # nothing chosen yet
    picker.results.value = "trigeminal-neuralgia"
    view = picker.open()
    assert view.case.id == "trigeminal-neuralgia" and "Expert key" not in view.page.value


def test_filter_index_matches_case_index_without_reloading():
    index = case_index(REPO_CASES)
    assert list(filter_index(index, setting="acute", difficulty="introductory")["id"]) == list(
        case_index(REPO_CASES, setting="acute", difficulty="introductory")["id"])
