"""TrajectoryExplorer: see what a plan tends to do to synthetic patients like the case, then read one
patient's course and decide responder status and the next step.

The learner picks plan items (or the explorer takes a given plan, e.g. the PlanBuilder's), a cohort size
and a number of weeks, and presses Run: charts and a summary from ``painkit.simulate`` and
``painkit.score_trajectories``. Then "read one patient": the visits at weeks 0, 4, 8 and 12, a responder
choice and a next step (continue / modify / taper-stop), graded by ``painkit.trajectories`` and sent as
``Attempt(step="trajectory")``. Then the week-4 visit: the cohort and the patient at week 4, a revised plan
(checkboxes, and the opioid dose when the plan has one), "Continue to week 12": both branches of the same
patients (``painkit.branch``) side by side and the ``painkit.review_revision`` verdict, sent as
``Attempt(step="revision")``. No clinical logic here; errors are shown as messages. Educational model, not
predictive.
"""
from __future__ import annotations

from html import escape
from typing import Any, Optional, Union

from .. import DISCLAIMER
from ..progress import Attempt, AttemptHook, now
from ._live import LiveHTML, clock_from_view
from ._saving import record
from ._style import styled
from ..cases import Case, load_case
from ..errors import PainkitError, PlanError

STEP = "trajectory"
REVISION_STEP = "revision"
OPIOID_CHOICES = (("keep the prescription", "keep"), ("raise the dose by half", "raise"),
                  ("halve the dose (tapered)", "halve"), ("stop (tapered)", "stop"))
_DOSE_FACTOR = {"keep": 1.0, "raise": 1.5, "halve": 0.5}
SIZES = (200, 1000, 5000, 20000)
MEASURES = ("pain", "function", "pcs", "peg", "mme")
_ERROR = "<p style='color:#b00020'><b>{}</b></p>"


class TrajectoryExplorer:
    """Explore simulated outcomes of a plan for a case. ``run()`` and ``answer(responder=..., next_step=...)``
    do what the Run and Submit buttons do; ``next_patient()`` shows another patient; ``revise(items)`` ticks
    the week-4 revision and ``continue_to(weeks=12)`` does what "Continue to week 12" does."""

    def __init__(self, case: Union[Case, str], *, plan: Any = None, on_attempt: Optional[AttemptHook] = None,
                 n_patients: int = 1000, weeks: int = 12, seed: int = 0):
        import ipywidgets as w

        from ..formulary import load_catalog
        from ..trajectories._reading import rules
        from ..trajectories._revisions import rules as revision_rules
        from ..trajectories import NOTE, plan_parts

        self.case = case if isinstance(case, Case) else load_case(case)
        self._on_attempt = on_attempt
        self.seed = seed
        self.frame = self.scores = self.reading = self.review = self.kept = self.revised = None
        self._run_plan: Any = None
        self.visit_week = int(revision_rules()["visit_week"])
        self.started = now()
        self._patient_draw = 0
        items, self._opioids = plan_parts(plan)
        catalog = load_catalog()
        # tick boxes in a tab per category, not a multi-select list: choosing items that are not next to each
        # other in a list needs Ctrl+Space on the keyboard, which few keyboard users know
        self.items = _PlanChoices(w, catalog, items)
        self.size = w.Dropdown(options=list(SIZES), value=n_patients if n_patients in SIZES else 1000,
                               description="Patients")
        # a number box (labelled, typed or stepped with the arrow keys) rather than a slider whose handle
        # has no accessible name
        self.weeks = w.BoundedIntText(value=weeks, min=4, max=52, step=1, description="Weeks",
                                      layout=w.Layout(width="12em"))
        self.measure = w.Dropdown(options=list(MEASURES), value="pain", description="Chart")
        self.run_button = w.Button(description="Run", button_style="primary")
        self.run_button.on_click(lambda _b: self.run())
        self.measure.observe(lambda _c: self._draw_trajectory(), names="value")
        self.message = w.HTML(value="")
        self.charts = w.Output()
        self.summary = w.HTML(value="")
        self.patient_table = w.HTML(value="")
        from ._radio_group import RadioGroup

        self.responder = RadioGroup([("responder (>= 30% less pain)", True), ("not a responder", False)],
                                    label="Status at the last visit", layout=w.Layout(width="20em"))
        self.next_step = RadioGroup([(text, key) for key, text in rules()["next_steps"].items()],
                                    label="Next step", layout=w.Layout(width="36em"))
        self.submit_button = w.Button(description="Submit reading", button_style="success")
        self.submit_button.on_click(lambda _b: self._submit_clicked())
        self.other_button = w.Button(description="Another patient")
        self.other_button.on_click(lambda _b: self.next_patient())
        self.feedback = LiveHTML()
        clock_from_view(self, self.feedback)
        visit = self._visit_controls(w, catalog, items)
        fixed = "" if not self._opioids else (
            f"<p><small>Opioid prescription(s) from the given plan are kept: "
            f"{escape(', '.join(str(getattr(r, 'drug', r)) for r in self._opioids))}.</small></p>")
        meds = "; ".join(escape(_med_text(m)) for m in self.case.medications)
        current = (f"<p><b>Current medications</b> (every synthetic patient keeps taking them, and they count in "
                   f"MME/day, unless a revision stops them): {meds}.</p>" if meds else "")
        header = w.HTML(value=f"<p><small>{escape(DISCLAIMER)}</small></p><p><b>{escape(NOTE)}</b></p>"
                              f"<h4>Synthetic patients like: {escape(self.case.title)}</h4>{current}"
                              "<p>Choose the plan (tick the interventions in each tab; none ticked = natural "
                              f"history), the cohort size and the number of weeks, then Run.</p>{fixed}")
        exercise = w.HTML(value="<h4>Read one patient</h4><p>The patient's visits are below. Is the patient a "
                                "responder at the last visit, and what would you do next?</p>")
        self.widget = w.VBox([header, self.items.widget, w.HBox([self.size, self.weeks]),
                              w.HBox([self.run_button, self.measure]), self.message, self.charts, self.summary,
                              exercise, self.patient_table, w.HBox([self.responder, self.next_step]),
                              w.HBox([self.submit_button, self.other_button]), self.feedback, *visit])
        styled(w, self.widget)

    def _visit_controls(self, w: Any, catalog: Any, items: list[str]) -> list[Any]:
        """The week-4 visit: cohort and patient tables, revision tick boxes by category, opioid dose, button."""
        from ._check_group import Ticks

        groups = _category_groups(catalog, items)
        self.revision_boxes = Ticks(groups, order=catalog)  # {item id: tick}, in catalog order
        self.opioid_dose = w.Dropdown(options=list(OPIOID_CHOICES), value="keep", description="Opioids",
                                      layout=w.Layout(width="24em", display="" if self._opioids else "none"))
        self.continue_button = w.Button(description="Continue to week 12", button_style="primary")
        self.continue_button.on_click(lambda _b: self.continue_to(12))
        self.visit_table, self.visit_patient = w.HTML(value=""), w.HTML(value="")
        self.branch_charts, self.branch_summary, self.revision_feedback = w.Output(), w.HTML(value=""), LiveHTML()
        header = w.HTML(value=f"<h4>Week {self.visit_week} visit: revise the plan</h4><p>After Run, the cohort "
                              f"and the patient above as they are at week {self.visit_week}. Tick the plan you "
                              "would continue with (untick to stop; opioids are tapered, not stopped at once), "
                              "then continue: the same patients on the plan kept and on your revision.</p>")
        return [header, self.visit_table, self.visit_patient, *groups, self.opioid_dose, self.continue_button,
                self.branch_charts, self.branch_summary, self.revision_feedback]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    # ------------------------------------------------------------------ learner actions
    def plan(self) -> Any:
        """The plan the controls describe (None: no treatment, the natural history)."""
        items = list(self.items.value)
        if not items and not self._opioids:
            return None
        return {"items": items, "opioids": list(self._opioids)}

    def run(self) -> Optional[Any]:
        """Simulate the cohort, draw the charts and the summary, and show a first patient to read.
        Returns the TrajectoryScores (None when the input is not valid: the message says why)."""
        from ..trajectories import score_trajectories, simulate

        self._show_error("")
        try:
            self.frame = simulate(self.case, self.plan(), int(self.size.value), int(self.weeks.value), self.seed)
            self.scores = score_trajectories(self.frame)
        except PainkitError as exc:
            self.frame = self.scores = None
            self._show_error(str(exc))
            return None
        self._run_plan = self.plan()
        self._draw_trajectory()
        table = self.scores.summary[["label", "estimate", "lower", "upper", "unit"]]
        self.summary.value = _summary_html(table)
        self._patient_draw = 0
        self.next_patient()
        self._show_visit()
        return self.scores

    def next_patient(self) -> Optional[int]:
        """Show another patient who completed the visits (seeded, so a class sees the same sequence)."""
        from ..trajectories import pick_patient, read_patient

        if self.frame is None:
            self._show_error("Run the simulation first.")
            return None
        try:
            patient = pick_patient(self.frame, self.seed + self._patient_draw)
        except PainkitError as exc:
            self._show_error(str(exc))
            return None
        self._patient_draw += 1
        self.reading = read_patient(self.frame, patient)
        self.responder.value = self.next_step.value = None
        self.feedback.value = ""
        self.started = now()
        self.patient_table.value = f"<p>Patient {patient}</p>" + _visits_html(self.reading.visits)
        self._show_visit_patient()
        return patient

    def answer(self, responder: Optional[bool] = None, next_step: Optional[str] = None) -> Optional[Attempt]:
        """Grade a reading of the shown patient (what Submit does) and send the Attempt; None with a message
        when there is no patient or an answer is missing or invalid."""
        from ..trajectories import grade_reading

        if self.reading is None:
            self._show_error("Run the simulation first, then read the patient shown.")
            return None
        if responder is None or next_step is None:
            self._show_error("Choose the responder status and the next step.")
            return None
        try:
            score, feedback = grade_reading(self.reading, responder, next_step)
        except PainkitError as exc:
            self._show_error(str(exc))
            return None
        self._show_error("")
        current = self._current_opioids()
        if self.reading.on_opioid and current and not self._opioids:
            feedback += (f" This patient still takes {', '.join(current)} (a current medication the plan did not "
                         "stop), so the opioid rules apply.")
        self.feedback.value = f"<p><b>{score:.0f}/100</b> {escape(feedback)}</p>"
        attempt = Attempt(case=self.case.id, step=STEP, score=score, feedback=feedback, started=self.started,
                          answer={"patient": self.reading.patient, "responder": bool(responder),
                                  "next_step": next_step, "plan": list(self.items.value),
                                  "n_patients": int(self.size.value), "weeks": int(self.weeks.value),
                                  "seed": self.seed})
        self.feedback.value += record(attempt, self._on_attempt)
        self.started = now()
        return attempt

    def _current_opioids(self) -> list[str]:
        """The case's current medications that are opioids (shown in the header, counted in MME/day)."""
        from ..formulary import recognise

        return [m.name for m in self.case.medications if any("opioid" in d.classes for d in recognise(m.name))]

    def revise(self, items: list[str], opioid_dose: Optional[str] = None) -> Optional[dict]:
        """Tick exactly ``items`` for the week-4 revision (and choose keep / raise / halve / stop for the plan's
        opioid prescriptions); returns the revised plan, or None with a message for an unknown id."""
        from ..errors import did_you_mean
        from .._validate import strings

        try:
            items = strings(items, "revision", PlanError, example="give a list of intervention ids")
        except PlanError as exc:
            self._show_error(str(exc))
            return None
        unknown = [i for i in items if i not in self.revision_boxes]
        doses = [value for _, value in OPIOID_CHOICES]
        if unknown:
            self._show_error(f"revision: {unknown[0]!r} is not an intervention id"
                             f"{did_you_mean(unknown[0], self.revision_boxes)}; see painkit.interventions()")
            return None
        if opioid_dose is not None and (not isinstance(opioid_dose, str) or opioid_dose not in doses):
            from .._validate import short

            self._show_error(f"opioid_dose: {short(opioid_dose)} is not one of {', '.join(doses)}")
            return None
        self.revision_boxes.choose(items)
        if opioid_dose is not None:
            self.opioid_dose.value = opioid_dose
        self._show_error("")
        return self.revised_plan()

    def revised_plan(self) -> dict:
        """The plan the revision controls describe: ticked items and the plan's opioids at the chosen dose."""
        from ..trajectories import jsonable

        rx = [jsonable(r) for r in self._opioids]
        factor = _DOSE_FACTOR.get(self.opioid_dose.value)
        rx = [] if factor is None else [{**r, "dose": r["dose"] * factor} for r in rx]
        return {"items": self.revision_boxes.chosen(), "opioids": rx}

    def continue_to(self, weeks: int = 12) -> Optional[Any]:
        """Continue the same patients to ``weeks`` on the plan kept and on the revision (both branch at the
        week-4 visit), chart them side by side, review the revision and send ``Attempt(step="revision")``.
        Returns the RevisionReview (None with a message when there is nothing to continue or input is bad)."""
        from ..charts import _charts as charts
        from .._findings import findings_html
        from ..trajectories import review_revision, with_outcomes
        from ..trajectories import branch, score_trajectories

        if self.frame is None:
            self._show_error("Run the simulation first, then revise the plan at the week-4 visit.")
            return None
        revised_plan = self.revised_plan()
        try:
            kept = self.frame if self.frame.attrs["weeks"] == weeks else branch(
                self.frame, self.visit_week, self._run_plan, weeks=weeks, case=self.case)
            revised = branch(self.frame, self.visit_week, revised_plan, weeks=weeks, case=self.case)
            review = review_revision(self.case, self.frame, self.visit_week, revised_plan)
        except PainkitError as exc:
            self._show_error(str(exc))
            return None
        self._show_error("")
        self.kept, self.revised, self.review = kept, revised, review
        self.branch_charts.outputs = charts.branches(kept, revised, self.measure.value).outputs()
        kept_summary, revised_summary = (score_trajectories(f).summary for f in (kept, revised))
        review = self.review = with_outcomes(review, kept_summary, revised_summary, weeks)
        a, b = (t.set_index("label") for t in (kept_summary, revised_summary))
        table = "".join(f"<tr><td>{escape(label)}</td><td>{_fmt(a.loc[label])}</td><td>{_fmt(b.loc[label])}</td></tr>"
                        for label in a.index)
        self.branch_summary.value = (f"<p>At week {weeks}, the same patients:</p><table><tr><th>outcome</th>"
                                     f"<th>plan kept</th><th>plan revised</th></tr>{table}</table>")
        self.revision_feedback.value = (f"<p><b>Revision review: {review.score}/100</b> {escape(review.message)}</p>"
                                        + findings_html(review.findings))
        attempt = Attempt(case=self.case.id, step=REVISION_STEP, score=float(review.score), feedback=review.message,
                          started=self.started, answer={"week": self.visit_week, "kept": self._plan_dict(self._run_plan),
                                                        "revised": revised_plan, "codes": review.codes, "weeks": weeks,
                                                        "n_patients": int(self.size.value), "seed": self.seed})
        self.revision_feedback.value += record(attempt, self._on_attempt)
        return review

    # ------------------------------------------------------------------ display helpers
    @staticmethod
    def _plan_dict(plan: Any) -> Optional[dict]:
        from ..trajectories import jsonable

        return None if plan is None else {"items": list(plan["items"]), "opioids": [jsonable(r) for r in plan["opioids"]]}

    def _show_visit(self) -> None:
        """The cohort and the patient being read, as they are at the week-4 visit; the revision starts from
        the plan that was run."""
        from ..trajectories import read_patient
        from ..trajectories import visit_summary

        self.revision_boxes.choose((self._run_plan or {}).get("items", []))
        self.opioid_dose.value = "keep"
        self.branch_charts.outputs = ()
        self.branch_summary.value = self.revision_feedback.value = ""
        vw = self.visit_week
        v = visit_summary(self.frame, vw)
        events = ", ".join(f"{k.replace('_', ' ')} {_share(x)}" for k, x in v["adverse_events"].items()) or "none"
        rows = [("patients in follow-up", f"{v['in_follow_up']} of {v['patients']}"),
                ("pain at least 30% lower than at week 0 (IMMPACT)", f"{v['responder_share']:.0%}"),
                ("interference improved by its MCID", f"{v['function_mcid_share']:.0%}"),
                ("adverse events so far (share of patients)", events),
                (f"taking {v['mme_limit']:g} MME/day or more", f"{v['mme_share']:.0%}")]
        self.visit_table.value = (f"<p><b>The cohort at week {vw}</b></p><table>"
                                  + "".join(f"<tr><td>{escape(a)}</td><td>{escape(b)}</td></tr>" for a, b in rows)
                                  + "</table>")
        self._show_visit_patient()

    def _show_visit_patient(self) -> None:
        """The patient being read, up to the week-4 visit (follows "Another patient")."""
        from ..trajectories._reading import read_patient

        vw = self.visit_week
        if self.reading is None or self.frame is None:
            self.visit_patient.value = ""
            return
        early = read_patient(self.frame[self.frame["week"] <= vw], self.reading.patient).visits
        self.visit_patient.value = f"<p><b>Patient {self.reading.patient} up to week {vw}</b></p>" + _visits_html(early)

    def _submit_clicked(self) -> None:
        self.answer(responder=self.responder.value, next_step=self.next_step.value)

    def _show_error(self, text: str) -> None:
        self.message.value = _ERROR.format(escape(text)) if text else ""

    def _draw_trajectory(self) -> None:
        if self.frame is None:
            return
        from ..charts import _charts as charts

        # each chart is two outputs: the drawing (front end) and its description with the data as a table
        self.charts.outputs = (*charts.trajectories(self.frame, self.measure.value).outputs(),
                               *charts.responders(self.scores).outputs())


class _PlanChoices:
    """The plan to run as tick boxes, one tab per catalog category; ``value`` is the tuple of ticked ids in
    the order they were ticked (settable, as a multi-select's) and ``widget`` the tabs."""

    def __init__(self, w: Any, catalog: Any, selected: Any):
        from ._check_group import Ticks

        self._order = [i for i in selected if i in catalog]
        groups = _category_groups(catalog, self._order)
        self.ticks = Ticks(groups)
        for group in groups:
            group.observe(self._ticked, names="value")
        titles = [group.label for group in groups]
        self.widget = w.VBox([w.HTML("<b>Plan</b>"), w.Tab(children=groups, titles=titles)])

    def _ticked(self, change: dict) -> None:
        old, new = set(change["old"]), set(change["new"])
        self._order = [i for i in self._order if i not in old - new]
        self._order += [i for i in change["new"] if i not in old and i not in self._order]

    @property
    def value(self) -> tuple[str, ...]:
        return tuple(self._order)

    @value.setter
    def value(self, ids: Any) -> None:
        from ..errors import did_you_mean

        ids = tuple(ids)
        unknown = [i for i in ids if i not in self.ticks]
        if unknown:
            raise PlanError(f"plan: {unknown[0]!r} is not an intervention id{did_you_mean(unknown[0], self.ticks)}; "
                            "see painkit.interventions()")
        self.ticks.choose(ids)
        self._order = list(dict.fromkeys(ids))


def _category_groups(catalog: Any, selected: Any) -> list[Any]:
    """A CheckGroup per catalog category (those with items), named by the category, options sorted by name in
    three columns, ``selected`` ticked."""
    from ..formulary import CATEGORIES
    from ._check_group import CheckGroup

    groups = []
    for category in CATEGORIES:
        items = sorted((it for it in catalog.values() if it.category == category), key=lambda it: it.name.lower())
        if items:
            groups.append(CheckGroup([(it.name, it.id) for it in items], label=category.replace("_", " "),
                                     value=[it.id for it in items if it.id in selected], columns=3))
    return groups


def _share(x: float) -> str:
    """A share as a whole percent ('<1%' for a few patients, so a rare event does not read as none)."""
    return f"{x:.0%}" if x >= 0.005 or x == 0 else "<1%"


def _fmt(row: Any) -> str:
    """A summary estimate as the learner reads it: a share in percent, weeks or points as a number."""
    return _share(row["estimate"]) if row["unit"] == "share" else f"{row['estimate']:.1f} {row['unit']}"


def _visits_html(visits: Any) -> str:
    """A patient's visits as an HTML table with the learner's column names and adverse events in words."""
    if "adverse_events" in visits:
        visits = visits.assign(adverse_events=visits["adverse_events"].astype(str).str.replace("_", " "))
    named = visits.rename(columns={"function": "interference (BPI)", "pcs": "PCS", "mme": "MME/day (all opioids)",
                                   "adverse_events": "adverse events", "weeks_taken": "weeks plan taken"})
    return named.to_html(index=False, float_format=lambda v: f"{v:.1f}", border=0)


def _med_text(med: Any) -> str:
    """A current medication as the page shows it: name, dose, unit and doses per day when recorded."""
    text = med.name
    if med.dose is not None:
        text += f" {med.dose:g} {med.unit or ''}".rstrip()
    if med.per_day is not None:
        text += f" x {med.per_day:g}/day"
    return text


def _summary_html(table: Any) -> str:
    """The cohort's outcomes as the learner reads them: shares in percent, others with their unit, and the
    95% interval in words (never a raw 0.528)."""
    rows = []
    for r in table.itertuples():
        share = r.unit == "share"
        fmt = (lambda v: _share(v)) if share else (lambda v: f"{v:.1f}")
        unit = "" if share else f" {r.unit}"
        rows.append(f"<tr><td>{escape(str(r.label))}</td><td>{fmt(r.estimate)}{escape(unit)}</td>"
                    f"<td>{fmt(r.lower)} to {fmt(r.upper)}{escape(unit)}</td></tr>")
    return ("<table><thead><tr><th scope='col'>outcome</th><th scope='col'>estimate</th>"
            "<th scope='col'>95% interval</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
