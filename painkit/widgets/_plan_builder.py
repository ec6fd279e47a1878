"""PlanBuilder: the learner builds a multimodal plan for a case, with live MME and a live review.

A tab per catalog category (a CheckGroup: tick boxes with one-line descriptions), an opioid row (drug, dose, doses per
day, unit) whose MME/day comes from ``painkit.mme``, tick boxes to stop the patient's current medications
(``Plan(stop=...)``), and a review panel (score, component chart, findings by severity) from
``painkit.review_plan``. No clinical logic here: the engine reviews, this module displays. Submit sends
``Attempt(case, step="plan", answer={"items": [...], "opioids": [...], "stop": [...]}, score, feedback)``
to ``on_attempt`` (default: ``painkit.progress.default_sink``). Every text shown is HTML-escaped (the tick
boxes' labels and descriptions are drawn as plain text, never as HTML).
"""
from __future__ import annotations

from contextlib import contextmanager
from html import escape
from typing import Any, Iterable, Iterator, Optional, Union

from .. import DISCLAIMER
from ..progress import Attempt, AttemptHook, now
from ._live import LiveHTML, clock_from_view
from ._saving import record
from ._style import styled
from ..cases import Case, load_case
from ..formulary import CATEGORIES, load_catalog
from ..errors import PainkitError, PlanError
from .._findings import SEVERITIES, findings_html
from .._validate import number, strings
from ..formulary import mme, table

STEP = "plan"
KEY_QUOTES = frozenset({"key_recommended_missing"})  # findings that name items of the expert plan
NO_OPIOID = "no opioid"
_ERROR = "<p style='color:#b00020'><b>{}</b></p>"


def _label(category: str) -> str:
    return category.replace("_", " ")


class _OpioidRow:
    """Drug dropdown, dose, doses per day and unit; ``spec()`` is the prescription the engine validates."""

    def __init__(self, on_change):
        import ipywidgets as w

        drugs = table()["drugs"]
        # "" (not None) for no opioid: a None value leaves the browser's dropdown blank
        self.drug = w.Dropdown(options=[(NO_OPIOID, "")] + [(d["name"], i) for i, d in drugs.items()],
                               value="", description="Opioid", layout=w.Layout(width="20em"))
        self.dose = w.FloatText(value=0, description="dose", layout=w.Layout(width="11em"))
        self.per_day = w.FloatText(value=0, description="per day", layout=w.Layout(width="11em"))
        self.unit = w.Dropdown(options=["mg", "mcg/h"], value="mg", description="unit",
                               layout=w.Layout(width="11em"))
        self.mme = w.HTML(value="")
        self.box = w.VBox([w.HBox([self.drug, self.dose, self.per_day, self.unit]), self.mme])
        self.drug.observe(self._drug_changed, names="value")
        self.unit.observe(self._unit_changed, names="value")
        for field in (self.dose, self.per_day, self.unit):
            field.observe(lambda _c: on_change(), names="value")
        self._on_change = on_change

    def _drug_changed(self, _change) -> None:
        if self.drug.value:  # the units a drug accepts come from opioids.yaml
            self.unit.value = table()["drugs"][self.drug.value]["units"][0]
        self._on_change()

    def _unit_changed(self, _change) -> None:
        self.per_day.disabled = self.unit.value == "mcg/h"  # a patch rate is per hour

    def incomplete(self) -> bool:
        """A drug is chosen but the dose (or doses per day) has not been typed yet (still 0)."""
        rx = self.spec()
        return rx is not None and (rx["dose"] == 0 or rx.get("per_day") == 0)

    def spec(self) -> Optional[dict[str, Any]]:
        """The prescription as typed (None: no opioid); a patch (mcg/h) has no doses per day."""
        if not self.drug.value:
            return None
        rx: dict[str, Any] = {"drug": self.drug.value, "dose": self.dose.value, "unit": self.unit.value}
        if self.unit.value != "mcg/h":
            rx["per_day"] = self.per_day.value
        return rx


class PlanBuilder:
    """Build a plan for a case: tick interventions, optionally prescribe an opioid, read the live review,
    compare with the expert plan and submit. ``select()``, ``set_opioid()``, ``clear_opioid()``,
    ``review()``, ``compare()`` and ``submit()`` do what a learner's clicks do."""

    def __init__(self, case: Union[Case, str], *, on_attempt: Optional[AttemptHook] = None):
        import ipywidgets as w

        self.case = case if isinstance(case, Case) else load_case(case)
        self._on_attempt = on_attempt
        self.started = now()
        self.plan = None
        self._review = None
        self._hold = False
        self._comparing = False  # once shown, the comparison follows the plan
        self.catalog = load_catalog()
        from ._check_group import CheckGroup, Ticks

        groups = []  # one CheckGroup per category tab (not a Checkbox, an HTML and an HBox per item)
        for category in CATEGORIES:
            items = [it for it in self.catalog.values() if it.category == category]
            groups.append(CheckGroup([(it.name, it.id) for it in items], label=f"{_label(category)} interventions",
                                     descriptions=[it.description for it in items],
                                     layout=w.Layout(max_height="24em", overflow="auto")))
        self.tabs = w.Tab(children=groups, titles=[_label(c) for c in CATEGORIES])
        self.boxes = Ticks(groups)  # {item id: tick}, in catalog order
        self.opioid = _OpioidRow(self._refresh)
        meds = list(dict.fromkeys(med.name for med in self.case.medications))
        # the plan may stop current medications (the engine checks how)
        stop_group = CheckGroup([(f"stop {name}", name) for name in meds], columns=2,
                                label="Current medications: tick any your plan stops") if meds else None
        self.stops = Ticks([stop_group] if stop_group else [])  # {medication name: tick}
        for group in [*groups, *self.stops.groups]:
            group.observe(lambda _c: self._refresh(), names="value")
        stop_row = [stop_group] if stop_group else []
        self.message = w.HTML(value="")
        self.saved = LiveHTML()
        clock_from_view(self, self.saved)
        self.score = w.HTML(value="")
        self.chart = w.Output()
        self.findings = w.HTML(value="")
        self.comparison = w.HTML(value="")
        self.compare_button = w.Button(description="Compare with the expert plan", layout=w.Layout(width="auto"))
        self.compare_button.on_click(lambda _b: self.compare())
        self.submit_button = w.Button(description="Submit", button_style="primary")
        self.submit_button.on_click(lambda _b: self.submit())
        notice = w.HTML(value=f"<p><small>{escape(DISCLAIMER)}</small></p>")
        intro = w.HTML(value=f"<h4>Build a plan for: {escape(self.case.title)}</h4><p>Tick the interventions "
                             "in each tab; add an opioid only if you would prescribe one. The review updates "
                             "as you go.</p>")
        self.widget = w.VBox([notice, intro, self.tabs, self.opioid.box, *stop_row,
                              w.HBox([self.compare_button, self.submit_button]), self.message, self.saved, self.score,
                              self.chart, self.findings, self.comparison])
        styled(w, self.widget)
        self._refresh()

    # ------------------------------------------------------------------ learner actions
    @contextmanager
    def _batch(self) -> Iterator[None]:
        """Change several controls with one review at the end (the caller refreshes)."""
        self._hold = True
        try:
            yield
        finally:
            self._hold = False

    def select(self, items: Iterable[str]) -> None:
        """Tick exactly ``items`` (others are cleared). Unknown ids are shown as a message, not raised; a value
        that is not a list of ids is a PlanError."""
        items = strings(items, "items", PlanError, example="give a list of intervention ids, e.g. ['cbt']")
        unknown = [i for i in items if i not in self.boxes]
        with self._batch():
            self.boxes.choose(items)
        self._refresh(extra_items=unknown)

    def set_opioid(self, drug: str, dose: float, per_day: Optional[float] = None, unit: str = "mg") -> None:
        """Fill the opioid row as a learner would; an unknown drug or unit is shown as the engine's message."""
        row = self.opioid
        drugs = table()["drugs"]
        if not isinstance(drug, str) or not isinstance(unit, str) or drug not in drugs \
                or unit not in row.unit.options:
            rx = {"drug": drug, "dose": dose, "unit": unit, **({} if per_day is None else {"per_day": per_day})}
            self._show_error(self._engine_message(rx))
            return
        try:  # the same finite-number checks as the engine; the message is shown, not raised
            dose = number(dose, "dose", PlanError, allowed="dose as a finite number")
            per_day = 0.0 if per_day is None else number(per_day, "per_day", PlanError,
                                                          allowed="per_day as a finite number")
        except PlanError as exc:
            self._show_error(str(exc))
            return
        with self._batch():
            row.drug.value = drug
            row.unit.value = unit
            row.dose.value = dose
            row.per_day.value = per_day
        self._refresh()

    def stop(self, medications: Iterable[str]) -> None:
        """Tick exactly these current medications (names as in the case) to stop; others are kept. Names
        the case does not list are passed to the engine, whose message says what is allowed."""
        names = strings(medications, "stop", PlanError, example="give a list of current medications, e.g. "
                        "['ibuprofen']")
        with self._batch():
            self.stops.choose(names)
        self._refresh(extra_stops=[n for n in names if n not in self.stops])

    def clear_opioid(self) -> None:
        """Remove the opioid prescription."""
        self.opioid.drug.value = ""

    def review(self):
        """The PlanReview shown now (None when the plan cannot be reviewed; the message says why)."""
        return self._review

    def answer(self) -> dict[str, list]:
        """The current answer: ticked item ids, the opioid prescription(s) and current medications stopped."""
        rx = self.opioid.spec()
        return {"items": self.boxes.chosen(), "opioids": [rx] if rx else [], "stop": self.stops.chosen()}

    # ------------------------------------------------------------------ engine calls
    def _engine_message(self, rx: dict) -> str:
        try:
            mme([rx])
        except PainkitError as exc:
            return str(exc)
        return ""

    def _show_error(self, text: str) -> None:
        self.message.value = _ERROR.format(escape(text)) if text else ""

    def _refresh(self, extra_items: Iterable[str] = (), extra_stops: Iterable[str] = ()) -> None:
        """Rebuild the Plan from the controls, recompute MME and the review, and redraw the panel."""
        if self._hold:
            return
        from ..plans import Plan, review_plan

        answer = self.answer()
        self.plan, self._review = None, None
        self.score.value, self.findings.value = "", ""
        self.chart.outputs = ()
        if self.opioid.incomplete():
            self._show_error("")
            self.opioid.mme.value = "<p><i>Enter the dose and the number of doses per day to see MME/day.</i></p>"
            return
        self._show_mme(answer["opioids"])
        extra_items, stop = list(extra_items), [*answer["stop"], *extra_stops]
        if not answer["items"] and not answer["opioids"] and not extra_items and not stop:
            self._show_error("")
            self.score.value = "<p><i>Tick at least one intervention to see the review.</i></p>"
            return
        try:
            self.plan = Plan([*answer["items"], *extra_items], opioids=answer["opioids"] or None,
                             **({"stop": stop} if stop else {}))
            self._review = review_plan(self.case, self.plan)
        except PainkitError as exc:
            self._show_error(str(exc))
            return
        self._show_error("")
        self._show_review(self._review)
        if self._comparing:
            self.compare()
        total = getattr(getattr(self._review, "mme", None), "total", None)
        if answer["opioids"] and total is not None:
            self.opioid.mme.value += (f"<p>All opioid sources in the review, including current medications: "
                                      f"<b>{total:g} MME/day</b></p>")

    def _show_mme(self, opioids: list[dict]) -> None:
        if not opioids:
            self.opioid.mme.value = ""
            return
        try:
            result = mme(opioids)
        except PainkitError as exc:
            self.opioid.mme.value = _ERROR.format(escape(str(exc)))
            return
        # the flags (thresholds, naloxone...) appear once, among the review's findings below
        self.opioid.mme.value = f"<p><b>{result.total:g} MME/day</b> (CDC 2022 conversion factors)</p>"

    def _show_review(self, review) -> None:
        from ..charts import plan_components

        self.score.value = f"<h4>Review score: {float(review.score):.0f}/100</h4>"
        self.chart.outputs = plan_components(review).outputs()  # the drawing, then its description and data
        shown = list(review.findings)
        if not self._comparing:  # the expert plan is quoted only after "Compare with the expert plan"
            hidden = [f for f in shown if f.code in KEY_QUOTES]
            shown = [f for f in shown if f.code not in KEY_QUOTES]
            if hidden:
                self.score.value += ("<p>Part of the expert plan is not in yours yet. Think again about each "
                                     "mechanism and each domain, or press <i>Compare with the expert plan</i>.</p>")
        groups = []
        for severity in SEVERITIES:
            found = [f for f in shown if f.severity == severity]
            if found:
                groups.append(f"<h5>{escape(severity)} ({len(found)})</h5>{findings_html(found)}")
        self.findings.value = "".join(groups) or "<p>No findings.</p>"

    def compare(self) -> str:
        """Show the expert plan for this case next to the learner's: what matches, what is missing, what
        the key marks inappropriate (the comparison is the engine's ``expert_comparison``)."""
        from ..plans import expert_plan

        first = not self._comparing
        self._comparing = True
        if first and self._review is not None:
            self._show_review(self._review)  # now the review may name what the expert plan adds
        try:
            expert = expert_plan(self.case)
        except PainkitError as exc:
            self._show_error(str(exc))
            return ""
        mine = set(self.answer()["items"]) if self.plan is None else set(self.plan.all_items)
        rows = "".join(f"<li>{escape(self._name(i))}{' &#10003;' if i in mine else ''}</li>"
                       for i in expert.all_items)
        opioids = "".join(f"<li>{escape(p.drug)} {p.dose:g} {escape(p.unit)}"
                          f"{'' if p.per_day is None else f' x {p.per_day:g}/day'}</li>" for p in expert.opioids)
        parts = [f"<h4>Expert plan</h4><ul>{rows}</ul>",
                 f"<p>Expert opioid prescription:</p><ul>{opioids}</ul>" if opioids else "",
                 "<p><small>&#10003; = also in your plan.</small></p>"]
        cmp = self._review.expert_comparison if self._review is not None else None
        if cmp is not None:
            if cmp.extra:
                parts.append(f"<p>In your plan, not in the expert's: {escape(self._names(cmp.extra))}</p>")
            if cmp.inappropriate:
                parts.append("<p>Marked inappropriate for this patient by the key:</p><ul>" + "".join(
                    f"<li>{escape(self._name(i))}: {escape(why)}</li>" for i, why in cmp.inappropriate.items())
                    + "</ul>")
        self.comparison.value = "".join(parts)
        return self.comparison.value

    def _names(self, ids: Iterable[str]) -> str:
        return ", ".join(self._name(i) for i in ids)

    def _name(self, item_id: str) -> str:
        item = self.catalog.get(item_id)
        return item.name if item else item_id

    def submit(self):
        """Record the current plan and its review as an attempt; returns the review (None if invalid)."""
        review = self._review
        if review is None:
            if not self.message.value:
                self._show_error("Build a plan before submitting.")
            return None
        codes = [f.code for f in review.findings if f.severity != "info"]
        feedback = f"score {float(review.score):.0f}/100" + (f"; {', '.join(codes)}" if codes else "")
        attempt = Attempt(case=self.case.id, step=STEP, answer=self.answer(), score=float(review.score),
                          feedback=feedback, started=self.started, finished=now())
        self.saved.value = record(attempt, self._on_attempt)
        self.started = now()
        return review

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
