"""Every learner notebook opened in real JupyterLab in Chromium, run, and used as a learner would. Each test
takes its notebook's shared page (``lab_page``: opened and run once, after the axe check of
test_accessibility_lab.py has read it)."""
from __future__ import annotations

import pytest

from .conftest import save_final_state
from .lab import drawn_charts, errors_in_outputs, wait_for_charts


@pytest.mark.notebook("00_start_here")
def test_start_here_shows_the_case_and_disclaimer(lab_page):
    page = lab_page
    # the notebook shows several case pages (the opened case, the picker's): find the opened one by its title
    case = page.locator(".pk-case", has=page.locator("h3", has_text="Chronic low back pain")).first
    case.wait_for(timeout=20_000)
    # text_content, not inner_text: JupyterLab does not lay out cells far outside the viewport
    assert "education only" in case.locator(".pk-note").first.text_content()
    wait_for_charts(page, page.locator(".jp-Notebook"))  # the library coverage chart, offline
    assert not errors_in_outputs(page)
    save_final_state(page, "00_start_here")


def _output_with(page, text: str):
    """The notebook output area whose content contains ``text`` (e.g. a case title)."""
    return page.locator(".jp-OutputArea-output", has_text=text).first


@pytest.mark.notebook("01_pain_foundations")
def test_foundations_self_check_gives_feedback(lab_page):
    page = lab_page
    page.locator(".painkit-radio-group label").first.click()
    page.locator("button.jupyter-button", has_text="Check").first.click()
    feedback = page.locator(".painkit-live", has_text="Source:").first  # the self-check's status region
    feedback.wait_for(timeout=20_000)
    assert not errors_in_outputs(page)
    save_final_state(page, "01_pain_foundations")


@pytest.mark.notebook("02_assessment")
def test_assessment_form_scores_a_visit(lab_page):
    page = lab_page
    form = page.locator(".widget-vbox", has_text="Fill from").last
    form.locator(".widget-dropdown", has_text="Fill from").locator("select").select_option(index=1)
    score = form.locator(".widget-html", has_text="Score:").first
    score.wait_for(timeout=20_000)
    # lbp-chronic, week 0, PHQ-9 answers 2,2,2,1,1,1,1,0,0: the sum is 10, "moderate" (Kroenke 2001: 10-14)
    assert "10" in score.inner_text() and "moderate" in score.inner_text().lower()
    wait_for_charts(page, page.locator(".jp-Notebook"))  # the visits chart drew offline
    assert not errors_in_outputs(page)
    save_final_state(page, "02_assessment")


@pytest.mark.notebook("03_mechanisms")
def test_mechanism_quiz_feedback(lab_page):
    page = lab_page
    quiz = _output_with(page, "Sciatica from an L4-5 disc extrusion")
    for mechanism, grade in (("nociceptive", "likely"), ("neuropathic", "definite")):
        row = quiz.locator(".widget-hbox", has=page.locator(".widget-checkbox", has_text=mechanism)).first
        row.locator(".widget-checkbox input").check()
        row.locator("select").first.select_option(grade)
    quiz.locator("button.jupyter-button", has_text="Submit").click()
    result = quiz.locator(".widget-html", has_text="/100").first
    result.wait_for(timeout=20_000)
    assert "100/100" in result.inner_text()  # the key: likely nociceptive + definite neuropathic
    assert not errors_in_outputs(page)
    save_final_state(page, "03_mechanisms")


@pytest.mark.notebook("05_trajectories")
def test_trajectory_explorer_runs_and_draws(lab_page):
    page = lab_page
    explorer = page.locator(".jp-OutputArea-output", has=page.locator("button.jupyter-button", has_text="Run")).last
    before = drawn_charts(explorer)
    explorer.locator("button.jupyter-button", has_text="Run").click()
    wait_for_charts(page, explorer, before + 1, timeout_ms=60_000)
    assert "not predictive" in explorer.inner_text().lower() or "educational" in explorer.inner_text().lower()
    assert not errors_in_outputs(page)
    save_final_state(page, "05_trajectories")


def _plan_builder(page, title_words: str):
    return page.locator(".jp-OutputArea-output", has=page.locator(".widget-html", has_text=f"Build a plan for: {title_words}")).last


def _set_number(widget, value: str) -> None:
    box = widget.locator("input").first
    box.fill(value)
    box.press("Enter")


@pytest.mark.notebook("04_multimodal_plan")
def test_plan_builder_reviews_and_counts_mme(lab_page):
    page = lab_page
    builder = _plan_builder(page, "Chronic low back pain")
    builder.locator(".lm-TabBar-tab", has_text="hysical").first.click()
    builder.get_by_role("checkbox", name="Therapeutic exercise programme", exact=True).check()
    builder.locator(".widget-html", has_text="Review score").first.wait_for(timeout=20_000)
    row = builder.locator(".widget-hbox", has=page.locator(".widget-dropdown", has_text="Opioid")).first
    row.locator(".widget-dropdown", has_text="Opioid").locator("select").select_option("oxycodone")
    _set_number(row.locator(".widget-text", has_text="dose"), "10")
    _set_number(row.locator(".widget-text", has_text="per day"), "3")
    mme = builder.locator(".widget-html", has_text="MME/day").first
    # CDC 2022: oxycodone factor 1.5; 10 mg x 3 a day = 30 mg/day -> 45 MME/day
    page.wait_for_function("el => el.innerText.includes('45 MME/day')", arg=mme.element_handle(), timeout=20_000)
    _set_number(row.locator(".widget-text", has_text="dose"), "20")  # 20 x 3 x 1.5 = 90 MME/day
    page.wait_for_function("el => el.innerText.includes('90 MME/day')", arg=mme.element_handle(), timeout=20_000)
    # the component chart (drawn after the review updates, as an SVG image)
    wait_for_charts(page, builder)
    assert not errors_in_outputs(page)
    save_final_state(page, "04_multimodal_plan")


@pytest.mark.notebook("06_opioid_stewardship")
def test_opioid_stewardship_notebook_runs(lab_page):
    page = lab_page
    builder = _plan_builder(page, "Long-term high-dose opioid")
    builder.locator("button.jupyter-button", has_text="Compare with the expert plan").click()
    builder.locator(".widget-html", has_text="xpert").last.wait_for(timeout=20_000)
    assert not errors_in_outputs(page)
    save_final_state(page, "06_opioid_stewardship")


@pytest.mark.notebook("07_capstone")
def test_capstone_runs_end_to_end(lab_page):
    page = lab_page
    wait_for_charts(page, page.locator(".jp-Notebook"), at_least=2)  # plan comparison and branches
    # JupyterLab renders only the cells in view: scroll to the end to see the summary
    page.locator(".jp-WindowedPanel-outer").first.evaluate("el => el.scrollTop = el.scrollHeight")
    summary = page.locator(".jp-OutputArea-output", has_text="mean of the best scores").first
    summary.wait_for(timeout=20_000)
    summary.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    assert not errors_in_outputs(page)
    save_final_state(page, "07_capstone")
