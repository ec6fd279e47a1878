"""Charts as shown in a notebook: drawn by the front end (no drawing engine in the kernel, no CDN), named by
a text description, followed by their data as a table, with tooltips where a learner explores values."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd

import painkit as pk
from painkit.charts import _vegalite

VEGALITE = "application/vnd.vegalite.v5+json"


def _tooltip_fields(spec: dict) -> set[str]:
    """Every field named in a tooltip anywhere in a spec (layers, concatenations, facets)."""
    found: set[str] = set()
    stack = [spec]
    while stack:
        part = stack.pop()
        if isinstance(part, dict):
            tips = (part.get("encoding") or {}).get("tooltip")
            for tip in tips if isinstance(tips, list) else [tips] if tips else []:
                found.add(tip["field"])
            stack.extend(part.values())
        elif isinstance(part, list):
            stack.extend(part)
    return found


def test_a_chart_is_a_vegalite_spec_then_its_description_and_data_table():
    review = pk.review_plan(pk.load_case("lbp-chronic"), pk.Plan(["therapeutic_exercise", "cbt"]))
    drawing, text = pk.charts.plan_components(review).outputs()
    spec = drawing["data"][VEGALITE]
    assert spec["$schema"].endswith("/vega-lite/v5.json")                  # the version JupyterLab 4 and Voila draw
    assert drawing["metadata"][VEGALITE]["embed_options"]["actions"] is False  # no menu linking off the machine
    assert spec["description"].startswith("Plan review:")                # names the drawing for a screen reader
    assert "text/html" not in drawing["data"]                            # else JupyterLab would show HTML instead
    assert drawing["data"]["image/png"]        # so the Vega renderer stores no PNG of its own (Voila's fails)
    html = text["data"]["text/html"]
    assert spec["description"] in html.replace("&#x27;", "'") and "<table" in html
    assert "mechanism fit" in html                                      # the five components as table rows
    assert "<script" not in html and "cdn" not in html.lower()


def test_notebook_display_shows_both_outputs():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shown = []
    shell.display_pub.publish = lambda data, metadata=None, **kw: shown.append(data)  # type: ignore[method-assign]
    review = pk.review_plan(pk.load_case("lbp-chronic"), pk.Plan(["therapeutic_exercise"]))
    pk.charts.plan_components(review)._ipython_display_()
    assert VEGALITE in shown[0] and "<table" in shown[1]["text/html"]


def test_shorthands_follow_vegalite_field_definitions():
    frame = pd.DataFrame({"week": [0, 1], "step": ["a", "b"], "date": pd.to_datetime(["2026-01-01", "2026-01-02"])})
    enc = _vegalite.Chart(frame).mark_line().encode(
        x="week", y="sum(week):Q", color="step", detail="monthdate(date):O", tooltip=["date"]).to_dict()["encoding"]
    assert enc["x"] == {"field": "week", "type": "quantitative"}       # typed from the DataFrame's dtype
    assert enc["y"] == {"field": "week", "aggregate": "sum", "type": "quantitative"}
    assert enc["color"] == {"field": "step", "type": "nominal"}
    assert enc["detail"] == {"field": "date", "timeUnit": "monthdate", "type": "ordinal"}
    assert enc["tooltip"] == [{"field": "date", "type": "temporal"}]


def test_layers_share_their_data_once_and_facets_carry_it():
    frame = pd.DataFrame({"panel": ["a", "b"], "week": [0, 1], "value": [1.0, None]})
    base = _vegalite.Chart(frame)
    spec = (base.mark_line() + base.mark_point()).facet(facet=_vegalite.Facet("panel:N"), columns=2).to_dict()
    assert list(spec["datasets"].values()) == [[{"panel": "a", "week": 0, "value": 1.0},
                                                {"panel": "b", "week": 1, "value": None}]]  # NaN is null
    assert spec["data"] == {"name": next(iter(spec["datasets"]))} and "data" not in spec["spec"]
    assert [layer["mark"]["type"] for layer in spec["spec"]["layer"]] == ["line", "point"]


def test_trajectory_charts_tooltip_a_patients_course_and_each_weeks_median():
    frame = pk.simulate("lbp-chronic", pk.Plan(["therapeutic_exercise"]), n_patients=50, weeks=4, seed=0)
    spec = pk.charts.trajectories(frame, patients=3).to_dict()
    assert {"patient", "course", "median", "q25", "q75", "n"} <= _tooltip_fields(spec)
    lines = next(rows for rows in spec["datasets"].values() if "course" in rows[0])
    first = [r for r in lines if r["patient"] == lines[0]["patient"]]
    # the course names every week's value of that patient, in order
    assert first[0]["course"] == "; ".join(f"w{r['week']} {round(r['value'], 1):g}" for r in first)
    kept = frame
    revised = pk.branch(frame, 2, pk.Plan(["therapeutic_exercise", "cbt"]), weeks=4, case=pk.load_case("lbp-chronic"))
    assert {"course", "median"} <= _tooltip_fields(pk.charts.branches(kept, revised, patients=3).to_dict())


def test_drawing_a_chart_loads_neither_altair_nor_a_browser_engine():
    code = ("import sys, painkit as pk; r = pk.review_plan(pk.load_case('lbp-chronic'), pk.Plan(['cbt'])); "
            "pk.charts.plan_components(r).outputs(); "
            "print([m for m in ('altair', 'vl_convert', 'jsonschema') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_data_table_has_named_columns_escaped_text_and_missing_values_as_dashes():
    from painkit.charts._access import TABLE_ROWS, _table_html

    records = [{"drug_name": "<b>x</b>", "share": 0.52812, "weeks": 12, "_hidden": 1, "note": None},
               {"drug_name": "y", "share": float("nan"), "weeks": 4, "_hidden": 2, "note": "ok"}]
    html = _table_html({"datasets": {"d": records}})
    assert "<th scope='col'>drug name</th>" in html and "_hidden" not in html and "hidden" not in html
    assert "<td>&lt;b&gt;x&lt;/b&gt;</td><td>0.528</td><td>12</td><td>-</td>" in html
    assert "<td>y</td><td>-</td><td>4</td><td>ok</td>" in html
    many = _table_html({"datasets": {"d": [{"v": i} for i in range(TABLE_ROWS + 5)]}})
    assert many.count("<tr>") == TABLE_ROWS + 1 and f"First {TABLE_ROWS} of {TABLE_ROWS + 5} rows." in many
