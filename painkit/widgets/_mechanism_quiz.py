"""MechanismQuiz: the learner reads a case, ticks the pain mechanism(s), grades each and cites the findings
behind it, then sees teaching feedback and the criteria table.

No clinical logic here: grading is ``painkit.check_answer`` and the table is ``painkit.classify``. Every
submitted answer becomes ``Attempt(case, step="mechanism", ...)`` sent to ``on_attempt`` (default:
``painkit.progress.default_sink``).
"""
from __future__ import annotations

from html import escape
from typing import Optional, Union

from .. import DISCLAIMER
from ..progress import Attempt, AttemptHook, now, send
from ..cases import GRADES, MECHANISMS, Case, load_case
from ..errors import PainkitError
from ..mechanisms import (FINDINGS, STEP, Feedback, assessment_html, check_answer, classify, feedback_html,
                          finding_label, normalize_answer)

NO_GRADE = "choose a grade"  # value "" (a None value leaves the front-end Dropdown blank)


class _Row:
    """One mechanism: a tick box, a grade dropdown and a multi-select of the findings cited."""

    def __init__(self, mechanism: str):
        import ipywidgets as w

        self.mechanism = mechanism
        self.tick = w.Checkbox(value=False, description=mechanism, indent=False, layout=w.Layout(width="9em"))
        self.grade = w.Dropdown(options=[(NO_GRADE, "")] + [(g, g) for g in GRADES[mechanism][1:]],
                                value="", layout=w.Layout(width="11em"))
        self.findings = w.SelectMultiple(options=[(finding_label(f), f) for f in FINDINGS], value=(), rows=4,
                                         layout=w.Layout(width="32em"))
        self.box = w.HBox([self.tick, self.grade, self.findings])

    def set(self, ticked: bool, grade: Optional[str] = None, findings: tuple = ()) -> None:
        self.tick.value, self.grade.value, self.findings.value = ticked, grade or "", tuple(findings)


class MechanismQuiz:
    """Classify a case's pain: mechanism(s), grade and supporting findings; Submit shows the feedback and
    the criteria met by the case. ``select()`` and ``submit()`` do what a learner's clicks do."""

    def __init__(self, case: Union[Case, str], *, on_attempt: Optional[AttemptHook] = None):
        import ipywidgets as w

        self.case = case if isinstance(case, Case) else load_case(case)
        self._on_attempt = on_attempt
        self.started = now()
        self.feedback: Optional[Feedback] = None
        shown = w.Output()
        shown.append_display_data(self.case.show())
        self.rows = {m: _Row(m) for m in MECHANISMS}
        self.button = w.Button(description="Submit", button_style="primary")
        self.button.on_click(lambda _b: self.submit())
        self.message = w.HTML(value="")
        self.result = w.HTML(value="")
        self.criteria = w.HTML(value="")
        intro = w.HTML(value="<p><b>Which pain mechanism(s)?</b> Tick each one present, choose its grade and "
                             "select the findings that support it (Ctrl/Cmd-click for several).</p>")
        notice = w.HTML(value=f"<p><small>{escape(DISCLAIMER)}</small></p>")
        self.widget = w.VBox([notice, shown, intro, *[r.box for r in self.rows.values()], self.button,
                              self.message, self.result, self.criteria])

    def select(self, mechanisms: list[str], grades: Optional[dict[str, str]] = None,
               findings: Union[list[str], dict[str, list[str]], None] = None) -> None:
        """Tick ``mechanisms`` (others are cleared), with grades {mechanism: grade} and findings either
        {mechanism: [finding, ...]} or one list cited for every ticked mechanism."""
        grades = grades or {}
        per = findings if isinstance(findings, dict) else {m: list(findings or []) for m in mechanisms}
        answer = normalize_answer([{"mechanism": m, "grade": grades.get(m), "findings": per.get(m, [])}
                                   for m in mechanisms])  # clear MechanismError for unknown names
        chosen = {a["mechanism"]: a for a in answer}
        for m, row in self.rows.items():
            a = chosen.get(m)
            row.set(bool(a), a["grade"] if a else None, tuple(a["findings"]) if a else ())

    def answer(self) -> list[dict]:
        """The current selection as check_answer's answer: [{mechanism, grade, findings}]."""
        return [{"mechanism": m, "grade": r.grade.value or None, "findings": list(r.findings.value)}
                for m, r in self.rows.items() if r.tick.value]

    def _say(self, text: str) -> None:
        self.message.value = f"<p style='color:#a40'>{escape(text)}</p>" if text else ""

    def submit(self) -> Optional[Feedback]:
        """Check the answer, show feedback and the criteria table, record the attempt. Problems with the
        answer are shown as a message (never a traceback) and return None."""
        answer = self.answer()
        ungraded = [a["mechanism"] for a in answer if a["grade"] is None]
        if not answer:
            self._say("Tick at least one mechanism before submitting.")
            return None
        if ungraded:
            self._say(f"Choose a grade for {', '.join(ungraded)}.")
            return None
        try:
            fb = check_answer(self.case, answer)
            table = assessment_html(classify(self.case))
        except PainkitError as exc:
            self._say(str(exc))
            return None
        self._say("")
        self.feedback = fb
        self.result.value = feedback_html(fb)
        self.criteria.value = "<h4>Criteria in this case</h4>" + table
        self._record(answer, fb)
        return fb

    def _record(self, answer: list[dict], fb: Feedback) -> None:
        attempt = Attempt(case=self.case.id, step=STEP, answer=answer, score=fb.score, feedback=fb.explanation,
                          started=self.started, finished=now())
        try:
            send(attempt, self._on_attempt)
        except Exception as exc:  # noqa: BLE001 - the learner sees the feedback; saving is reported
            self._say(f"Your answer was checked but could not be saved: {exc}")
        self.started = now()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
