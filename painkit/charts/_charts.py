"""Chart builders. Each takes a tidy DataFrame (or a result object) and returns a Vega-Lite chart
(``painkit.charts._vegalite``: altair's names, without altair's weight in the kernel).

Charts draw with no network and no drawing in the kernel: a chart shown in a notebook is two outputs, the
Vega-Lite spec (``application/vnd.vegalite.v5+json``, drawn by JupyterLab's and Voila's bundled Vega, with
tooltips, named for screen readers by a text description) and that description with the chart's data as a
table. Charts aggregate or sample so none embeds more than ``MAX_ROWS`` rows. Plotting is never needed for
computing: every number a chart shows comes from a function elsewhere.
"""
from __future__ import annotations

from . import _vegalite as a

MAX_ROWS = 5000


def _limit(frame, n: int = MAX_ROWS, seed: int = 0):
    """At most ``n`` rows: a seeded sample when larger (callers aggregate first where they can)."""
    return frame if len(frame) <= n else frame.sample(n=n, random_state=seed)


# --------------------------------------------------------------------------------------------------
# Progress report charts (painkit.progress): each takes one of the Report's tables as it is.


def progress_coverage(coverage: "pd.DataFrame"):
    """Horizontal bar per competency: the share covered (0-100%), coloured by domain, in map order."""
    data = coverage[["title", "domain_title", "coverage", "status", "cases_done", "target"]].assign(
        label=[t if len(t) <= 64 else t[:63].rstrip() + "\u2026" for t in coverage["title"]])
    # labelLimit=0: no in-renderer truncation (measuring text makes vl-convert ~10x slower); cut above
    return a.Chart(data).mark_bar().encode(
        x=a.X("coverage:Q", scale=a.Scale(domain=[0, 1]), axis=a.Axis(format="%"), title="covered"),
        y=a.Y("label:N", sort=list(data["label"]), title=None, axis=a.Axis(labelLimit=0)),
        color=a.Color("domain_title:N", title="domain", sort=list(dict.fromkeys(data["domain_title"]))),
        tooltip=["title", "status", "cases_done", "target", a.Tooltip("coverage:Q", format=".0%")],
    ).properties(title="Competency coverage", width=240, height=a.Step(16))


def curriculum_coverage(table: "pd.DataFrame"):
    """Horizontal bar per curriculum topic: cases in the library that teach it (pale), and the cases a
    learner has done (solid) when ``table`` has a ``done`` column; coloured by IASP domain, in map order.

    ``table`` is ``painkit.curriculum.topic_coverage(index)`` (or the self-study report's curriculum
    table); a required clinical-condition topic with no case is where the library needs one."""
    cols = ["title", "domain_title", "cases", "required"] + (["done"] if "done" in table else [])
    data = table[cols].assign(label=[("* " if r else "") + (t if len(t) <= 60 else t[:59].rstrip() + "\u2026")
                                     for t, r in zip(table["title"], table["required"])])
    y = a.Y("label:N", sort=list(data["label"]), title=None, axis=a.Axis(labelLimit=0))
    color = a.Color("domain_title:N", title="domain", sort=list(dict.fromkeys(data["domain_title"])))
    library = a.Chart(data).mark_bar(opacity=0.35 if "done" in table else 1).encode(
        x=a.X("cases:Q", title="cases (* = clinical condition every library must cover)"), y=y, color=color,
        tooltip=["title", "domain_title", "cases"] + (["done"] if "done" in table else []))
    chart = library
    if "done" in table:
        chart = library + a.Chart(data).mark_bar().encode(x="done:Q", y=y, color=color)
    return chart.properties(title="Curriculum topics taught by the cases", width=240, height=a.Step(14))


def progress_scores(trend: "pd.DataFrame"):
    """Mean score per day and step (0-100), one line per step: the learner's scores over time."""
    data = _limit(trend[["date", "step", "score", "attempts"]])
    return a.Chart(data).mark_line(point=True).encode(
        x=a.X("date:T", title="day (UTC)"),
        y=a.Y("score:Q", scale=a.Scale(domain=[0, 100]), title="mean score"),
        color=a.Color("step:N", title="step"),
        tooltip=["date:T", "step", a.Tooltip("score:Q", format=".0f"), "attempts"],
    ).properties(title="Scores over time", width=420, height=180)


def progress_time(time_on_task: "pd.DataFrame"):
    """Minutes on task per day, stacked by step."""
    data = _limit(time_on_task[["date", "step", "minutes", "attempts"]])
    return a.Chart(data).mark_bar().encode(
        x=a.X("monthdate(date):O", title="day (UTC)"),
        y=a.Y("sum(minutes):Q", title="minutes"),
        color=a.Color("step:N", title="step"),
        tooltip=["date:T", "step", a.Tooltip("minutes:Q", format=".0f"), "attempts"],
    ).properties(title="Time on task", width=420, height=160)


# --------------------------------------------------------------------------------------------------
# Plan review chart (painkit.widgets.plan_builder, notebooks 04 and 06).


def plan_components(review: "PlanReview"):
    """One horizontal bar per review component (0-100), in the review's order, labelled with its score:
    where a plan loses marks (mechanism fit, multimodality, guideline, safety, key agreement)."""
    import pandas as pd

    names = list(review.components)
    data = pd.DataFrame({"component": [n.replace("_", " ") for n in names],
                         "score": [float(review.components[n]) for n in names]})
    base = a.Chart(data).encode(
        y=a.Y("component:N", sort=list(data["component"]), title=None, axis=a.Axis(labelLimit=200)),
        x=a.X("score:Q", scale=a.Scale(domain=[0, 100]), title="component score (0-100)"),
        tooltip=["component", a.Tooltip("score:Q", format=".0f")],
    )
    bars = base.mark_bar(color="#4c78a8")
    labels = base.mark_text(align="left", dx=3).encode(text=a.Text("score:Q", format=".0f"))
    return (bars + labels).properties(title=f"Plan review: {float(review.score):.0f}/100", width=300,
                                      height=a.Step(22))


def scores_over_visits(frame: "pd.DataFrame", *, instruments=None):
    """Questionnaire scores across visits (x = week), one panel per instrument scale, with each published
    band cut-off drawn as a dashed rule. ``frame`` is ``case.scores()`` (visit, week, instrument, scale,
    value, band); ``instruments`` limits the panels to those ids."""
    import pandas as pd

    from ..instruments import band_cutoffs

    data = frame.dropna(subset=["value"])
    if instruments is not None:
        data = data[data["instrument"].isin(list(instruments))]
    data = data.assign(panel=data["instrument"] + " " + data["scale"], kind="score", label=data["band"])
    cuts = [{"panel": f"{inst} {scale}", "value": cut, "label": f"{label} ({cut}+)", "kind": "cut-off"}
            for inst in data["instrument"].unique() for scale, cut, label in band_cutoffs(inst)
            if f"{inst} {scale}" in set(data["panel"])]
    combined = _limit(pd.concat([data, pd.DataFrame(cuts, columns=["panel", "value", "label", "kind"])],
                                ignore_index=True))
    base = a.Chart(combined)
    y = a.Y("value:Q", title="score")
    line = base.transform_filter("datum.kind == 'score'").mark_line(point=True).encode(
        x=a.X("week:Q", title="week"), y=y, tooltip=["visit:N", "week:Q", "value:Q", "band:N"])
    rule = base.transform_filter("datum.kind == 'cut-off'").mark_rule(strokeDash=[4, 3], color="gray").encode(
        y=y, tooltip=["label:N", "value:Q"])
    text = base.transform_filter("datum.kind == 'cut-off'").mark_text(
        align="left", dx=2, dy=-5, fontSize=9, color="gray").encode(y=y, x=a.value(0), text="label:N")
    return (a.layer(line, rule, text).properties(width=240, height=120)
            .facet(facet=a.Facet("panel:N", title=None), columns=3).resolve_scale(y="independent")
            .properties(title="Scores over visits (dashed: published band cut-offs)"))


# --------------------------------------------------------------------------------------------------
# Trajectory charts (painkit.trajectories, painkit.widgets.trajectory_explorer, notebook 05). Each
# aggregates (weekly median and quartiles) or samples patients, so no chart embeds more than MAX_ROWS rows
# whatever the cohort size.

_MEASURES = {"pain": ("pain (0-10 NRS)", [0, 10]), "peg": ("PEG (0-10)", [0, 10]),
             "function": ("interference (BPI, 0-10)", [0, 10]), "pcs": ("PCS (0-52)", [0, 52]),
             "mme": ("MME/day", None)}
_SHARES = ("responder_30", "responder_50", "function_mcid", "functional_restoration", "adverse_event", "dropout")


def _weekly_quartiles(frame, measure: str):
    """Median and interquartile range of ``measure`` per week (patients still in follow-up)."""
    import warnings

    import numpy as np
    import pandas as pd

    from ..trajectories import wide

    values = wide(frame, measure).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a week where everyone has dropped out
        q = np.nanpercentile(values, [25, 50, 75], axis=0)
    return pd.DataFrame({"week": np.arange(values.shape[1]), "q25": q[0], "median": q[1], "q75": q[2],
                         "n": (~np.isnan(values)).sum(axis=0)})


def _patient_lines(values, patients, x, y):
    """Thin grey line per sampled patient (``values``: patients x weeks); hovering one shows the patient's
    number and every weekly value, so a learner can read one patient's course."""
    import numpy as np
    import pandas as pd

    n, w1 = values.shape
    course = ["; ".join(f"w{w} {round(float(v), 1):g}" for w, v in enumerate(row) if not np.isnan(v)) for row in values]
    lines = pd.DataFrame({"patient": np.repeat(patients, w1), "week": np.tile(np.arange(w1), n),
                          "value": values.reshape(-1), "course": np.repeat(course, w1)}).dropna()
    return a.Chart(_limit(lines, MAX_ROWS - w1)).mark_line(strokeWidth=1, opacity=0.35, color="#7f7f7f").encode(
        x=x, y=y, detail="patient:N",
        tooltip=[a.Tooltip("patient:N", title="patient"), a.Tooltip("course:N", title="value by week")])


def _median_band(summary, x):
    """The cohort's interquartile band and its weekly median as a line with points; hovering a point shows
    that week's median, quartiles and patients still in follow-up."""
    band = a.Chart(summary).mark_area(opacity=0.3, color="#4c78a8").encode(x=x, y="q25:Q", y2="q75:Q")
    median = a.Chart(summary).mark_line(strokeWidth=3, color="#1f4e79", point={"size": 40, "color": "#1f4e79"}).encode(
        x=x, y="median:Q", tooltip=["week:Q", a.Tooltip("median:Q", format=".1f", title="median"),
                                    a.Tooltip("q25:Q", format=".1f", title="lower quartile"),
                                    a.Tooltip("q75:Q", format=".1f", title="upper quartile"),
                                    a.Tooltip("n:Q", title="patients in follow-up")])
    return band, median


def trajectories(frame: "pd.DataFrame", measure: str = "pain", *, patients: int = 40, seed: int = 0):
    """A sample of patients as thin lines, with the cohort's weekly median (thick line) and interquartile
    band: what a plan tends to do, and how much patients differ. ``measure``: pain, peg, function, pcs, mme."""
    import numpy as np

    from ..trajectories import wide

    if measure not in _MEASURES:
        from ..errors import PainkitError, did_you_mean

        raise PainkitError(f"measure: {measure!r} is not charted{did_you_mean(measure, _MEASURES)}; "
                           f"allowed: {', '.join(_MEASURES)}")
    title, domain = _MEASURES[measure]
    summary = _weekly_quartiles(frame, measure)
    w1 = len(summary)
    values = wide(frame, measure)
    k = max(0, min(patients, values.shape[0], (MAX_ROWS - w1) // w1))
    chosen = np.sort(np.random.default_rng(seed).choice(values.shape[0], size=k, replace=False))
    scale = a.Scale(domain=domain) if domain else a.Undefined
    x = a.X("week:Q", title="week", scale=a.Scale(domain=[0, w1 - 1]))
    thin = _patient_lines(values[chosen].astype(float), chosen, x, a.Y("value:Q", title=title, scale=scale))
    band, median = _median_band(summary, x)
    n_all = values.shape[0]
    return (thin + band + median).properties(
        title=[f"{title} over {w1 - 1} weeks: median (line) and IQR (band) of {n_all:,} synthetic patients",
               f"thin lines: {k} sampled patients. Educational model, not predictive."], width=460, height=220)


def _share_rows(result):
    """(plan, outcome, label, estimate, lower, upper) rows of the share outcomes of TrajectoryScores or a
    PlanComparison."""
    import pandas as pd

    scores = result.scores if hasattr(result, "scores") else {"cohort": result}
    rows = [s.summary.assign(plan=name) for name, s in scores.items()]
    data = pd.concat(rows, ignore_index=True)
    return data[data["outcome"].isin(_SHARES)][["plan", "outcome", "label", "estimate", "lower", "upper"]]


def responders(result: "TrajectoryScores | PlanComparison"):
    """Share of patients reaching each outcome (30% and 50% pain responders, function MCID, functional
    restoration, adverse events, dropout) with 95% Wilson intervals; one colour per plan for a comparison."""
    data = _limit(_share_rows(result))
    order = list(dict.fromkeys(data["label"]))
    y = a.Y("label:N", sort=order, title=None, axis=a.Axis(labelLimit=260))
    many = data["plan"].nunique() > 1
    offset = {"yOffset": a.YOffset("plan:N")} if many else {}
    color = a.Color("plan:N", title="plan") if many else a.value("#4c78a8")
    base = a.Chart(data).encode(y=y, **offset)
    bars = base.mark_bar().encode(
        x=a.X("estimate:Q", scale=a.Scale(domain=[0, 1]), axis=a.Axis(format="%", tickCount=5),
              title="share of patients"),
        color=color, tooltip=["plan", "label", a.Tooltip("estimate:Q", format=".1%"),
                              a.Tooltip("lower:Q", format=".1%"), a.Tooltip("upper:Q", format=".1%")])
    whiskers = base.mark_rule(color="black").encode(x="lower:Q", x2="upper:Q")
    return (bars + whiskers).properties(
        title=["Outcomes at the last week (bars) with 95% intervals (lines)", "Educational model, not predictive."],
        width=360, height=a.Step(28 if many else 20))


def plan_comparison(result: "PlanComparison"):
    """Two plans on the same synthetic patients: weekly median pain per plan (left) and the paired
    difference of each outcome against the reference plan with its 95% interval (right)."""
    import pandas as pd

    medians = pd.concat([_weekly_quartiles(f, "pain").assign(plan=name) for name, f in result.frames.items()],
                        ignore_index=True)
    left = (a.Chart(_limit(medians)).mark_area(opacity=0.15).encode(
                x=a.X("week:Q", title="week"), y=a.Y("q25:Q", title="pain (0-10): median and IQR",
                                                     scale=a.Scale(domain=[0, 10])), y2="q75:Q",
                color=a.Color("plan:N", title="plan"))
            + a.Chart(_limit(medians)).mark_line(strokeWidth=3, point={"size": 30}).encode(
                x="week:Q", y="median:Q", color="plan:N",
                tooltip=["plan", "week:Q", a.Tooltip("median:Q", format=".1f", title="median pain"),
                         a.Tooltip("q25:Q", format=".1f", title="lower quartile"),
                         a.Tooltip("q75:Q", format=".1f", title="upper quartile")])).properties(width=260, height=220)
    diff = result.differences[result.differences["outcome"].isin(_SHARES)]
    diff = _limit(diff.assign(contrast=diff["plan"] + " - " + diff["reference"]))
    y = a.Y("label:N", sort=list(dict.fromkeys(diff["label"])), title=None, axis=a.Axis(labelLimit=260))
    x = a.X("difference:Q", axis=a.Axis(format="+%"), title="difference in share (95% CI)")
    base = a.Chart(diff).encode(y=y, color=a.Color("contrast:N", title="paired difference"))
    right = (base.mark_rule(strokeWidth=2).encode(x="lower:Q", x2="upper:Q")
             + base.mark_point(filled=True, size=60).encode(
                 x=x, tooltip=["contrast", "label", a.Tooltip("difference:Q", format="+.1%"),
                               a.Tooltip("lower:Q", format="+.1%"), a.Tooltip("upper:Q", format="+.1%")])
             + a.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="gray", strokeDash=[4, 3]).encode(x="zero:Q")
             ).properties(width=220, height=a.Step(22))
    # at most ~870 px wide: wider charts scroll inside JupyterLab's output area, a region keyboards cannot reach
    return a.hconcat(left, right).resolve_scale(color="independent").properties(
        title=["Same synthetic patients on each plan (paired)", "Educational model, not predictive."])


def case_coverage(table: "pd.DataFrame"):
    """Heatmap of the case library: cases per setting (rows) and mechanism class (columns).

    ``table`` is ``painkit.cases.coverage()``; empty cells show where the curriculum has no case yet."""
    long = table.reset_index().melt(id_vars="setting", var_name="mechanism", value_name="cases")
    base = a.Chart(long).encode(
        x=a.X("mechanism:N", sort=list(table.columns), title=None, axis=a.Axis(labelAngle=0)),
        y=a.Y("setting:N", sort=list(table.index), title=None),
    )
    cells = base.mark_rect().encode(
        color=a.Color("cases:Q", scale=a.Scale(scheme="blues"), legend=None), tooltip=["setting", "mechanism", "cases"])
    text = base.mark_text(fontSize=14).encode(
        text="cases:Q", color=a.condition("datum.cases > 3", a.value("white"), a.value("black")))
    return (cells + text).properties(width=360, height=160, title="Cases in the library")


def class_accuracy(accuracy: "pd.DataFrame"):
    """Workshop: share of learners at or above the pass score, per case (rows) and step (columns)."""
    base = a.Chart(accuracy).encode(x=a.X("step:N", title=None, axis=a.Axis(labelAngle=0)), y=a.Y("case:N", title=None))
    cells = base.mark_rect().encode(color=a.Color("passed:Q", title="passed", scale=a.Scale(domain=[0, 1], scheme="redyellowgreen")),
                                    tooltip=["case", "step", "attempts", a.Tooltip("mean_score:Q", format=".0f")])
    text = base.mark_text().encode(text=a.Text("passed:Q", format=".0%"))
    return (cells + text).properties(width=220, height=22 * accuracy["case"].nunique(), title="Passed, by case and step")


def class_wrong_mechanisms(wrong: "pd.DataFrame", top: int = 10):
    """Workshop: the most common wrong mechanism answers."""
    data = wrong.head(top).assign(label=lambda d: d["case"] + ": " + d["answer_label"])
    return a.Chart(data).mark_bar().encode(
        x=a.X("learners:Q", title="learners"), y=a.Y("label:N", sort="-x", title=None),
        tooltip=["case", "answer_label", "learners"]).properties(width=320, title="Most common wrong mechanism answers")


def class_plan_scores(plan_scores: "pd.DataFrame"):
    """Workshop: distribution of plan-review scores per case."""
    return a.Chart(_limit(plan_scores)).mark_boxplot(extent="min-max").encode(
        x=a.X("score:Q", scale=a.Scale(domain=[0, 100]), title="plan score"), y=a.Y("case:N", title=None),
    ).properties(width=320, title="Plan scores")


def class_findings(findings: "pd.DataFrame", top: int = 10):
    """Workshop: the plan-review findings triggered most often, coloured by severity."""
    return a.Chart(findings.head(top)).mark_bar().encode(
        x=a.X("times:Q", title="times triggered"), y=a.Y("code:N", sort="-x", title=None),
        color=a.Color("severity:N", scale=a.Scale(domain=["error", "warning", "info"], range=["#c0392b", "#e67e22", "#7f8c8d"])),
        tooltip=["code", "severity", "times", "learners"]).properties(width=320, title="Plan-review findings")


# --------------------------------------------------------------------------------------------------
# Branching visits (painkit.trajectories.branch, the TrajectoryExplorer's week-4 visit, the capstone).


def branches(kept: "pd.DataFrame", revised: "pd.DataFrame", measure: str = "pain", *, week=None, patients: int = 20, seed: int = 0):
    """Two branches of the same synthetic patients side by side: the plan kept (left) and the plan revised
    at the visit (right). Each panel: weekly median (thick line) and IQR (band) of ``measure``, the same
    sampled patients as thin lines, and a dashed rule at the visit week where the branches part (default:
    ``revised.attrs['branched_at']``). Aggregated and sampled: at most MAX_ROWS rows whatever the cohort."""
    import numpy as np
    import pandas as pd

    from ..errors import PainkitError, did_you_mean
    from ..trajectories import wide

    if measure not in _MEASURES:
        raise PainkitError(f"measure: {measure!r} is not charted{did_you_mean(measure, _MEASURES)}; "
                           f"allowed: {', '.join(_MEASURES)}")
    frames = {"plan kept": kept, "plan revised": revised}
    values = {name: wide(f, measure).astype(float) for name, f in frames.items()}
    if values["plan kept"].shape != values["plan revised"].shape:
        raise PainkitError("kept, revised: the two branches must hold the same patients and weeks "
                           "(give frames from pk.simulate and pk.branch with the same cohort)")
    n, w1 = values["plan kept"].shape
    week = revised.attrs.get("branched_at", 0) if week is None else week
    k = max(0, min(patients, n, (MAX_ROWS - 2 * w1 - 1) // (2 * w1)))
    chosen = np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))
    title, domain = _MEASURES[measure]
    scale = a.Scale(domain=domain) if domain else a.Undefined
    x = a.X("week:Q", title="week", scale=a.Scale(domain=[0, w1 - 1]))
    panels = []
    for name, f in frames.items():
        summary = _weekly_quartiles(f, measure)
        thin = _patient_lines(values[name][chosen], chosen, x, a.Y("value:Q", title=title, scale=scale))
        band, median = _median_band(summary, x)
        rule = a.Chart(pd.DataFrame({"week": [week]})).mark_rule(strokeDash=[4, 3], color="#c0392b").encode(x="week:Q")
        panels.append((thin + band + median + rule).properties(title=name, width=300, height=220))
    return a.hconcat(*panels).resolve_scale(y="shared").properties(
        title=[f"{title}: the same {n:,} synthetic patients, plan kept vs revised at week {week} (dashed)",
               f"median (line), IQR (band), {k} sampled patients (thin). Educational model, not predictive."])


# --------------------------------------------------------------------------------------------------
# Model vs evidence (issue 15): the calibration targets as a forest plot


_FOREST_KINDS = {  # statistic -> (panel title, axis format, log scale)
    "nnt_50": ("number needed to treat (>= 50% relief) or to harm (withdrawal for adverse events)", ".1f", True),
    "nnh_ae_dropout": ("number needed to treat (>= 50% relief) or to harm (withdrawal for adverse events)", ".1f",
                       True),
    "responder_50": ("share of patients", "%", False), "ae_share": ("share of patients", "%", False),
    "ae_code_share": ("share of patients", "%", False), "ae_dropout": ("share of patients", "%", False),
    "dropout": ("share of patients", "%", False), "risk_difference_mid": ("share of patients", "%", False),
    "mean_change": ("pain, NRS points (negative: less pain)", "+.2f", False),
    "mean_difference": ("pain, NRS points (negative: less pain)", "+.2f", False),
    "overdose_rate": ("opioid overdoses per person-year", ".2%", False),
    "overdose_rate_ratio": ("overdose rate ratio", ".1f", True),
    "middle_band_excess": ("bimodal response: middle band minus the smaller tail (<= 0: bimodal)", "+.0%", False),
}


def calibration_forest(table: "pd.DataFrame"):
    """Forest plot of model vs evidence: for every calibration target (``pk.check_calibration()``) the
    published figure (black diamond) with its tolerance (grey bar: the published 95% CI, or +/-50% when none
    was published) and painkit's estimate (blue dot inside the tolerance, red cross outside), one panel per
    kind of figure so each has its own scale."""
    data = table.reset_index() if "target" not in table.columns else table.copy()
    data["kind"] = [_FOREST_KINDS.get(s, (s, ".3g", False))[0] for s in data["statistic"]]
    data["label"] = data["target"] + " (" + data["use"] + ")"
    data["verdict"] = data["within"].map({True: "within tolerance", False: "outside tolerance"})
    panels = []
    for kind in dict.fromkeys(data["kind"]):
        part = _limit(data[data["kind"] == kind])
        stat = part["statistic"].iloc[0]
        _, fmt, log = _FOREST_KINDS.get(stat, (kind, ".3g", False))
        scale = a.Scale(type="log") if log else a.Scale(zero=False)
        y = a.Y("label:N", sort=list(part["label"]), title=None, axis=a.Axis(labelLimit=300))
        base = a.Chart(part).encode(y=y)
        tips = ["figure", "source", a.Tooltip("published:Q", format=fmt), a.Tooltip("model:Q", format=fmt),
                a.Tooltip("tolerance_low:Q", format=fmt), a.Tooltip("tolerance_high:Q", format=fmt), "verdict"]
        evidence = base.mark_rule(strokeWidth=7, opacity=0.35, color="gray").encode(
            x=a.X("tolerance_low:Q", scale=scale, axis=a.Axis(format=fmt), title=kind), x2="tolerance_high:Q")
        published = base.mark_point(shape="diamond", filled=True, size=70, color="black").encode(
            x="published:Q", tooltip=tips)
        model = base.mark_point(filled=True, size=60).encode(
            x="model:Q", tooltip=tips,
            color=a.Color("verdict:N", title="painkit model",
                          scale=a.Scale(domain=["within tolerance", "outside tolerance"], range=["#1f77b4", "#d62728"])),
            shape=a.Shape("verdict:N", title="painkit model",
                          scale=a.Scale(domain=["within tolerance", "outside tolerance"], range=["circle", "cross"])))
        panels.append((evidence + published + model).properties(width=360, height=a.Step(16)))
    return a.vconcat(*panels).resolve_scale(x="independent").properties(
        title=["How far can you trust the model? Published figure (diamond) and its tolerance (grey) beside "
               "painkit's virtual trial (dot)", "Educational model, not predictive."])


def svg(chart: "Chart | LayerChart | FacetChart | ConcatChart") -> str:
    """A chart as standalone SVG text (vl-convert, offline), for HTML pages saved to disk (the progress
    report page), where no front end draws Vega-Lite. Loads vl-convert (a browser engine, ~90 MB) on first use."""
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.to_json(), vl_version="5.20")
