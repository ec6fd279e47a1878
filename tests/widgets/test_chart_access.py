"""Charts as shown in a notebook: drawn offline, described in words, with their data as a table."""
from __future__ import annotations

import painkit as pk


def test_a_chart_shows_as_a_described_figure_with_its_data_table():
    review = pk.review_plan(pk.load_case("lbp-chronic"), pk.Plan(["therapeutic_exercise", "cbt"]))
    chart = pk.charts.plan_components(review)
    bundle = chart._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    html = bundle["text/html"]
    assert "<svg" in html and "cdn" not in html.lower()                # drawn here, no script from a CDN
    assert "<figcaption>" in html and "role='img'" in html             # named for a screen reader, in words
    assert "<table" in html and "mechanism fit" in html.replace("_", " ")  # the five components as a table
