"""Charts learners can explore (issue 17): drawn by the front end's bundled Vega in JupyterLab and in Voila,
a tooltip on hover (a week's median), a text name on the drawing and its data as a table, and not one
request off 127.0.0.1 (a hospital network that blocks CDNs). Both use notebook 05's shared pages (``lab_page``,
``voila_page``), which record every request from the moment they are opened."""
from __future__ import annotations

import pytest

from .conftest import requests_made

# Vega draws each chart as an SVG with class "marks"; vega-tooltip shows one element for the whole page
CHART = ".jp-RenderedVegaLite svg.marks"
TOOLTIP = "#vg-tooltip-element.visible"
LOCAL = ("http://127.0.0.1", "data:", "blob:")


def _median_point(page):
    """The first point of a weekly-median line (its tooltip names the week's median)."""
    return page.locator(f"{CHART} g.mark-symbol path").first


def _hover_shows_median(page) -> str:
    point = _median_point(page)
    point.scroll_into_view_if_needed()
    point.hover(force=True)
    page.wait_for_selector(TOOLTIP, timeout=10_000)
    return page.inner_text(TOOLTIP)


def _check_named_with_table(page) -> None:
    chart = page.locator(".jp-RenderedVegaLite .vega-embed").first  # vega-embed names the drawing's container
    name = chart.get_attribute("aria-label") or ""
    assert chart.get_attribute("role") == "graphics-document"
    assert "pain" in name and "table below" in name                  # the drawing says what it shows
    text = page.locator(".pk-chart-text").first
    assert "Show the chart's data as a table" in text.inner_text()
    assert text.locator("table").count() >= 1                        # its data, one click away


@pytest.mark.notebook("05_trajectories")
def test_trajectory_chart_shows_a_weeks_median_on_hover_in_jupyterlab(lab_page):
    page = lab_page  # every request since the page was opened is in requests_made(page)
    page.wait_for_selector(CHART, timeout=60_000)
    tip = _hover_shows_median(page)
    assert "median" in tip and "week" in tip and "patients in follow-up" in tip
    _check_named_with_table(page)
    assert [u for u in requests_made(page) if not u.startswith(LOCAL)] == []


@pytest.mark.notebook("05_trajectories")
def test_trajectory_chart_shows_a_weeks_median_on_hover_in_app_mode(voila_page):
    page = voila_page  # every request since the page was opened is in requests_made(page)
    page.wait_for_selector(CHART, timeout=180_000)
    page.wait_for_load_state("networkidle", timeout=120_000)
    tip = _hover_shows_median(page)
    assert "median" in tip and "week" in tip
    _check_named_with_table(page)
    # the Vega renderer ran to its end (it once failed after drawing: "Javascript Error: e.setData ...")
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert [u for u in requests_made(page) if not u.startswith(LOCAL)] == []
