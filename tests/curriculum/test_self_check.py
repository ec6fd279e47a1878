"""Self-check questions (painkit/data/foundations.yaml), check_self, the SelfCheck widget, notebook 01."""
from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

import pytest

import painkit
from painkit.progress import _attempts as attempts
from painkit import _yamlio as yamlio
from painkit.progress import Attempt
from painkit.errors import PainkitError
from painkit.widgets import SelfCheck
from painkit.curriculum._foundations import (
    QuestionBank, SelfCheckError, check_self, load_bank, question_ids, validate_bank,
)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "01_pain_foundations.ipynb"
AUTHOR_YEAR = re.compile(r"^\S.* (\d{4}|n\.d\.)$")   # "Raja 2020", "ASPE n.d."


@pytest.fixture
def raw() -> dict:
    """A private copy of the shipped file's data (the cached original must stay untouched)."""
    return copy.deepcopy(yamlio.data_file("foundations.yaml"))


def _option_with(question_id: str, text: str) -> str:
    """The id of the option whose text contains ``text`` (so tests name answers by content)."""
    matches = [o.id for o in load_bank().question(question_id).options if text in o.text]
    assert len(matches) == 1, (question_id, text, matches)
    return matches[0]


# ------------------------------------------------------------------------------------------ the file
def test_shipped_file_validates_with_every_section_used(raw):
    bank = validate_bank(raw)
    assert isinstance(bank, QuestionBank)
    used = {q.section for q in bank.questions}
    assert used == set(bank.sections), "every section of the notebook has at least one question"


def test_every_question_has_a_known_author_year_source_and_one_correct_option():
    bank = load_bank()
    for q in bank.questions:
        keys = q.source_keys()
        assert keys, q.id
        for key in keys:
            assert key in bank.references, (q.id, key)
            assert AUTHOR_YEAR.match(key), (q.id, key)
        assert sum(o.correct for o in q.options) == 1, q.id
        assert all(o.feedback for o in q.options), q.id


def test_unknown_key_is_an_error(raw):
    raw["questions"][0]["hint"] = "extra"
    with pytest.raises(SelfCheckError, match=r"questions\.0\.hint"):
        validate_bank(raw)


def test_question_without_source_is_an_error(raw):
    del raw["questions"][0]["source"]
    with pytest.raises(SelfCheckError, match=r"questions\.0\.source"):
        validate_bank(raw)


def test_source_missing_from_references_is_an_error(raw):
    raw["questions"][0]["source"] = "Nobody 1999"
    with pytest.raises(SelfCheckError, match="Nobody 1999"):
        validate_bank(raw)


def test_two_correct_options_is_an_error(raw):
    q = raw["questions"][0]
    for option in q["options"]:
        option["correct"] = True
    with pytest.raises(SelfCheckError, match="exactly one option must be correct"):
        validate_bank(raw)


def test_true_false_question_needs_true_and_false_options(raw):
    q = next(q for q in raw["questions"] if q["kind"] == "true_false")
    q["options"][0]["id"] = "yes"
    with pytest.raises(SelfCheckError, match="'true' and 'false'"):
        validate_bank(raw)


def test_question_ids_by_section_and_unknown_section():
    assert question_ids("careers") == ["pain_medicine_boards", "cpe_credential", "abpp_route"]
    with pytest.raises(SelfCheckError, match="did you mean 'careers'"):
        question_ids("carers")


# ---------------------------------------------------------------------------------------- check_self
def test_chronic_pain_is_more_than_3_months():
    # IASP classification for ICD-11 (Treede 2019): chronic = persists or recurs > 3 months.
    correct, feedback = check_self("chronic_duration", _option_with("chronic_duration", "3 months"))
    assert correct is True
    assert "Treede 2019" in feedback
    for wrong in ("1 month", "6 months", "12 months"):
        correct, feedback = check_self("chronic_duration", _option_with("chronic_duration", wrong))
        assert correct is False, wrong


def test_cdc_2022_prefers_nonopioid_therapy_for_chronic_pain():
    # Dowell 2022, recommendation 2: nonopioid therapies are preferred for subacute and chronic pain.
    assert check_self("cdc2022_first_line", _option_with("cdc2022_first_line", "Nonopioid"))[0] is True
    assert check_self("cdc2022_first_line", _option_with("cdc2022_first_line", "Extended-release"))[0] is False


def test_true_false_accepts_booleans_and_names_partial_status():
    # Dowell 2022 sets no hard 90 MME/day cap, so "the 2016 threshold is kept" is false.
    assert check_self("cdc_dose_threshold", False)[0] is True
    correct, feedback = check_self("cdc_dose_threshold", "TRUE")
    assert correct is False
    assert feedback.endswith("(Source: Dowell 2016; Dowell 2022; Houck 2022; status: partial.)")


def test_feedback_is_the_chosen_options_feedback_plus_source(raw):
    q = next(q for q in raw["questions"] if q["id"] == "pain_definition")
    for option in q["options"]:
        _, feedback = check_self("pain_definition", option["id"])
        assert feedback == f"{' '.join(option['feedback'].split())} (Source: Raja 2020.)"


def test_unknown_question_id_suggests_the_closest():
    with pytest.raises(SelfCheckError, match=r"unknown self-check question 'chronic_duratoin' "
                                             r"\(did you mean 'chronic_duration'"):
        check_self("chronic_duratoin", "a")


def test_unknown_option_names_the_allowed_ones():
    with pytest.raises(SelfCheckError, match=r"'e' is not an option; allowed: a, b, c, d"):
        check_self("chronic_duration", "e")


def test_selfcheck_error_is_a_painkit_error():
    assert issubclass(SelfCheckError, PainkitError)


# -------------------------------------------------------------------------------------------- widget
def test_widget_choose_check_records_one_attempt_with_escaped_feedback():
    got: list[Attempt] = []
    sc = SelfCheck("chronic_duration", on_attempt=got.append)
    one_month = _option_with("chronic_duration", "1 month")
    sc.choose(one_month)
    correct, feedback = sc.check()
    assert correct is False and len(got) == 1
    a = got[0]
    assert (a.case, a.step, a.answer, a.score, a.feedback) == (
        "foundations", "self_check", {"question": "chronic_duration", "choice": one_month}, 0, feedback)
    shown = sc.panels["chronic_duration"].feedback.value
    assert html.escape(feedback) in shown
    assert "&lt;1 month" in shown and "<1 month" not in shown   # the feedback text contains "<1 month"


def test_widget_right_answer_scores_100_and_uses_the_default_sink():
    saved = attempts._SINKS  # None (not configured) or a list: restored as it was
    got: list[Attempt] = []
    attempts.set_default_sink(got.append)
    try:
        sc = SelfCheck(["pain_definition", "chronic_duration"])
        sc.choose(_option_with("chronic_duration", "3 months"), question="chronic_duration")
        sc.check(question="chronic_duration")
    finally:
        attempts._SINKS = saved
    assert [(a.answer["question"], a.score) for a in got] == [("chronic_duration", 100)]


def test_widget_check_without_a_choice_records_nothing():
    got: list[Attempt] = []
    sc = SelfCheck("pcs_measures", on_attempt=got.append)
    assert sc.check() is None
    assert got == []
    assert "Choose an answer first" in sc.panels["pcs_measures"].feedback.value


def test_widget_errors_name_the_problem():
    with pytest.raises(SelfCheckError, match="did you mean 'pcs_measures'"):
        SelfCheck("pcs_measure")
    sc = SelfCheck(["pcs_measures", "bpi_interference"], on_attempt=lambda a: None)
    with pytest.raises(SelfCheckError, match="name one with question="):
        sc.choose("a")
    with pytest.raises(SelfCheckError, match="allowed: a, b, c"):
        sc.choose("z", question="pcs_measures")


def test_widget_shows_the_disclaimer():
    sc = SelfCheck("pcs_measures", on_attempt=lambda a: None)
    texts = [getattr(c, "value", "") for c in sc.widget.children]
    assert sum(html.escape(painkit.DISCLAIMER) in t for t in texts if isinstance(t, str)) == 1


# ------------------------------------------------------------------------------------------ notebook
def _notebook() -> dict:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))


def test_notebook_starts_with_the_disclaimer_and_is_small():
    nb = _notebook()
    assert painkit.DISCLAIMER in "".join(nb["cells"][0]["source"])
    assert NOTEBOOK.stat().st_size < 300_000


def test_notebook_stores_output_only_for_its_one_checked_cell():
    code = [c for c in _notebook()["cells"] if c["cell_type"] == "code"]
    checked = [c for c in code if "# NBVAL_CHECK_OUTPUT" in "".join(c["source"])]
    assert len(checked) == 1 and checked[0]["outputs"]
    assert all(not c["outputs"] for c in code if c not in checked)


def test_notebook_asks_every_question_and_lists_every_reference():
    nb = _notebook()
    text = "\n".join("".join(c["source"]) for c in nb["cells"])
    bank = load_bank()
    asked = set(re.findall(r'question_ids\("(\w+)"\)', text))
    assert asked == set(bank.sections)
    references = "".join(nb["cells"][-1]["source"])
    for key in bank.references:
        assert f"**{key}**" in references, key
