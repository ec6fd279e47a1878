"""TrajectoryExplorer: see what a plan tends to do to synthetic patients like the case, then read one
patient's course and decide responder status and the next step.

The learner picks plan items (or the explorer takes a given plan, e.g. the PlanBuilder's), a cohort size
and a number of weeks, and presses Run: charts and a summary from ``painkit.simulate`` and
``painkit.score_trajectories``. Then "read one patient": the visits at weeks 0, 4, 8 and 12, a responder
choice and a next step (continue / modify / taper-stop), graded by ``painkit.patient_reading`` and sent as
``Attempt(step="trajectory")``. No clinical logic here; errors are shown as messages. Educational model,
not predictive.
"""
from __future__ import annotations

from html import escape
from typing import Any, Optional, Union

from .. import DISCLAIMER
from ..attempts import Attempt, AttemptHook, default_sink, now
from ..cases import Case, load_case
from ..errors import PainkitError

STEP = "trajectory"
SIZES = (200, 1000, 5000, 20000)
MEASURES = ("pain", "function", "pcs", "peg", "mme")
_ERROR = "<p style='color:#b00020'><b>{}</b></p>"


class TrajectoryExplorer:
    """Explore simulated outcomes of a plan for a case. ``run()`` and ``answer(responder=..., next_step=...)``
    do what the Run and Submit buttons do; ``next_patient()`` shows another patient."""

    def __init__(self, case: Union[Case, str], *, plan: Any = None, on_attempt: Optional[AttemptHook] = None,
                 n_patients: int = 1000, weeks: int = 12, seed: int = 0):
        import ipywidgets as w

        from ..catalog import load_catalog
        from ..patient_reading import rules
        from ..trajectories import NOTE, plan_parts

        self.case = case if isinstance(case, Case) else load_case(case)
        self._on_attempt = on_attempt
        self.seed = seed
        self.frame = self.scores = self.reading = None
        self.started = now()
        self._patient_draw = 0
        items, self._opioids = plan_parts(plan)
        catalog = load_catalog()
        options = sorted(((it.name, iid) for iid, it in catalog.items()), key=lambda t: t[0].lower())
        self.items = w.SelectMultiple(options=options, value=tuple(i for i in items if i in catalog), rows=8,
                                      description="Plan", layout=w.Layout(width="30em"))
        self.size = w.Dropdown(options=list(SIZES), value=n_patients if n_patients in SIZES else 1000,
                               description="Patients")
        self.weeks = w.IntSlider(value=weeks, min=4, max=52, step=1, description="Weeks")
        self.measure = w.Dropdown(options=list(MEASURES), value="pain", description="Chart")
        self.run_button = w.Button(description="Run", button_style="primary")
        self.run_button.on_click(lambda _b: self.run())
        self.measure.observe(lambda _c: self._draw_trajectory(), names="value")
        self.message = w.HTML(value="")
        self.charts = w.Output()
        self.summary = w.HTML(value="")
        self.patient_table = w.HTML(value="")
        self.responder = w.RadioButtons(options=[("responder (>= 30% less pain)", True), ("not a responder", False)],
                                        value=None, description="Status")
        self.next_step = w.RadioButtons(options=[(text, key) for key, text in rules()["next_steps"].items()],
                                        value=None, description="Next step", layout=w.Layout(width="40em"))
        self.submit_button = w.Button(description="Submit reading", button_style="success")
        self.submit_button.on_click(lambda _b: self._submit_clicked())
        self.other_button = w.Button(description="Another patient")
        self.other_button.on_click(lambda _b: self.next_patient())
        self.feedback = w.HTML(value="")
        fixed = "" if not self._opioids else (
            f"<p><small>Opioid prescription(s) from the given plan are kept: "
            f"{escape(', '.join(str(getattr(r, 'drug', r)) for r in self._opioids))}.</small></p>")
        header = w.HTML(value=f"<p><small>{escape(DISCLAIMER)}</small></p><p><b>{escape(NOTE)}</b></p>"
                              f"<h4>Synthetic patients like: {escape(self.case.title)}</h4>"
                              "<p>Choose the plan (none selected = natural history), the cohort size and the "
                              f"number of weeks, then Run.</p>{fixed}")
        exercise = w.HTML(value="<h4>Read one patient</h4><p>The patient's visits are below. Is the patient a "
                                "responder at the last visit, and what would you do next?</p>")
        self.widget = w.VBox([header, self.items, w.HBox([self.size, self.weeks]),
                              w.HBox([self.run_button, self.measure]), self.message, self.charts, self.summary,
                              exercise, self.patient_table, w.HBox([self.responder, self.next_step]),
                              w.HBox([self.submit_button, self.other_button]), self.feedback])

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
        self._draw_trajectory()
        table = self.scores.summary[["label", "estimate", "lower", "upper", "unit"]]
        self.summary.value = table.to_html(index=False, float_format=lambda v: f"{v:.3g}", border=0)
        self._patient_draw = 0
        self.next_patient()
        return self.scores

    def next_patient(self) -> Optional[int]:
        """Show another patient who completed the visits (seeded, so a class sees the same sequence)."""
        from ..patient_reading import pick_patient, read_patient

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
        visits = self.reading.visits.rename(columns={"function": "interference (BPI)", "pcs": "PCS",
                                                     "mme": "MME/day", "adverse_events": "adverse events",
                                                     "weeks_taken": "weeks plan taken"})
        self.patient_table.value = (f"<p>Patient {patient}</p>"
                                    + visits.to_html(index=False, float_format=lambda v: f"{v:.1f}", border=0))
        return patient

    def answer(self, responder: Optional[bool] = None, next_step: Optional[str] = None) -> Optional[Attempt]:
        """Grade a reading of the shown patient (what Submit does) and send the Attempt; None with a message
        when there is no patient or an answer is missing or invalid."""
        from ..patient_reading import grade_reading

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
        self.feedback.value = f"<p><b>{score:.0f}/100</b> {escape(feedback)}</p>"
        attempt = Attempt(case=self.case.id, step=STEP, score=score, feedback=feedback, started=self.started,
                          answer={"patient": self.reading.patient, "responder": bool(responder),
                                  "next_step": next_step, "plan": list(self.items.value),
                                  "n_patients": int(self.size.value), "weeks": int(self.weeks.value),
                                  "seed": self.seed})
        (self._on_attempt or default_sink)(attempt)
        return attempt

    # ------------------------------------------------------------------ display helpers
    def _submit_clicked(self) -> None:
        self.answer(responder=self.responder.value, next_step=self.next_step.value)

    def _show_error(self, text: str) -> None:
        self.message.value = _ERROR.format(escape(text)) if text else ""

    def _draw_trajectory(self) -> None:
        if self.frame is None:
            return
        from .. import charts

        self.charts.outputs = ()
        self.charts.append_display_data(charts.trajectories(self.frame, self.measure.value))
        self.charts.append_display_data(charts.responders(self.scores))
