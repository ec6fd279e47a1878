"""MechanismQuiz: the learner reads a case, ticks the pain mechanism(s), grades each and cites the findings
behind it, then sees teaching feedback and the criteria table.

No clinical logic here: grading is ``painkit.check_answer`` and the table is ``painkit.classify``. Every
submitted answer becomes ``Attempt(case, step="mechanism", ...)`` sent to ``on_attempt`` (default:
``painkit.progress.default_sink``).
"""
from __future__ import annotations

from html import escape
from typing import Optional, Union

from ..progress import Attempt, AttemptHook, now
from ._live import LiveHTML, clock_from_view
from ._saving import record
from ._style import styled
from ..cases import GRADES, MECHANISMS, Case, load_case
from ..errors import MechanismError
from .._validate import short, strings
from ..errors import PainkitError
from ..mechanisms import (FINDINGS, STEP, Feedback, assessment_html, check_answer, classify, feedback_html,
                          finding_label, hints, normalize_answer)

NO_GRADE = "choose a grade"  # value "" (a None value leaves the front-end Dropdown blank)


class _Row:
    """One mechanism: a tick box, a grade dropdown and tick boxes for the findings cited (a CheckGroup: each
    finding a tab stop ticked with Space, where a multi-select list needed Ctrl+Space for findings that are not
    next to each other)."""

    def __init__(self, mechanism: str):
        import ipywidgets as w

        from ._check_group import CheckGroup

        self.mechanism = mechanism
        self.tick = w.Checkbox(value=False, description=mechanism, indent=False, layout=w.Layout(width="9em"))
        self.grade = w.Dropdown(options=[(NO_GRADE, "")] + [(g, g) for g in GRADES[mechanism][1:]],
                                value="", description=f"{mechanism} grade", tooltip=f"{mechanism} grade",
                                style={"description_width": "initial"}, layout=w.Layout(width="18em"))
        self.findings = CheckGroup([(finding_label(f), f) for f in FINDINGS], label=f"{mechanism} findings",
                                   columns=2, layout=w.Layout(width="40em", margin="0 0 0 1.5em"))
        self.box = w.HBox([self.tick, self.grade, self.findings], layout=w.Layout(flex_flow="row wrap"))

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
        self.key_shown = False
        shown = w.Output()
        shown.append_display_data(self.case.show())
        self.rows = {m: _Row(m) for m in MECHANISMS}
        self.button = w.Button(description="Submit", button_style="primary")
        self.button.on_click(lambda _b: self.submit())
        self.key_button = w.Button(description="Show the expert key", layout=w.Layout(width="auto"),
                                   tooltip="Shows the expert answer and the criteria this case meets")
        self.key_button.on_click(lambda _b: self.show_key())
        self.message = w.HTML(value="")
        self.saved = LiveHTML()
        clock_from_view(self, self.saved)
        self.result = w.HTML(value="")
        self.criteria = w.HTML(value="")
        intro = w.HTML(value="<p><b>Which pain mechanism(s)?</b> Tick each one present, choose its grade and "
                             "tick the findings that support it. A wrong answer gets hints first; the expert key shows "
                             "after a right answer or when you ask for it.</p>")
        self.widget = w.VBox([shown, intro, *[r.box for r in self.rows.values()],
                              w.HBox([self.button, self.key_button]), self.message, self.saved, self.result,
                              self.criteria])
        self.widget.add_class("painkit-widget")
        styled(w, self.widget)

    def select(self, mechanisms: list[str], grades: Optional[dict[str, str]] = None,
               findings: Union[list[str], dict[str, list[str]], None] = None) -> None:
        """Tick ``mechanisms`` (others are cleared), with grades {mechanism: grade} and findings either
        {mechanism: [finding, ...]} or one list cited for every ticked mechanism."""
        from collections.abc import Mapping

        mechanisms = strings(mechanisms, "mechanisms", MechanismError,
                             example="give a list of mechanisms, e.g. ['nociceptive']")
        grades = grades or {}
        if not isinstance(grades, Mapping):
            raise MechanismError(f"grades: found {short(grades)} ({type(grades).__name__}); give a mapping "
                                 f"{{mechanism: grade}}, e.g. {{'neuropathic': 'probable'}}")
        if findings is not None and not isinstance(findings, Mapping):
            findings = strings(findings, "findings", MechanismError, example="give a list of finding ids")
        per = findings if isinstance(findings, Mapping) else {m: list(findings or []) for m in mechanisms}
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
        if fb.score >= 100 or self.key_shown:
            self._reveal(fb, table)
        else:
            items = "".join(f"<li>{escape(h)}</li>" for h in hints(fb))
            self.result.value = (f"<p><b>Score {fb.score:.0f}/100: not yet.</b> Hints:</p><ul>{items}</ul>"
                                 "<p>Change your answer and submit again, or press <i>Show the expert "
                                 "key</i>.</p>")
            self.criteria.value = ""
        self._record(answer, fb)
        return fb

    def _reveal(self, fb: Optional[Feedback], table: str) -> None:
        self.result.value = feedback_html(fb) if fb is not None else ""
        self.criteria.value = "<h4>Criteria in this case</h4>" + table

    def show_key(self) -> str:
        """Show the expert key and the criteria the case meets (a deliberate step: after this, feedback on
        later answers is shown in full). Returns the HTML shown."""
        try:
            assessment = classify(self.case)
        except PainkitError as exc:
            self._say(str(exc))
            return ""
        self.key_shown = True
        key = f"<p><b>Expert key:</b> {escape(_key_text(self.case))}</p>"
        explain = "".join(f"<li>{escape(line)}</li>" for line in assessment.explain().split("\n") if line.strip())
        self.result.value = (feedback_html(self.feedback) if self.feedback is not None else "") + key + \
            f"<details><summary>The reasoning, criterion by criterion</summary><ul>{explain}</ul></details>"
        self.criteria.value = "<h4>Criteria in this case</h4>" + assessment_html(assessment)
        return self.result.value

    def _record(self, answer: list[dict], fb: Feedback) -> None:
        attempt = Attempt(case=self.case.id, step=STEP, answer=answer, score=fb.score,
                          feedback=fb.explanation if fb.score >= 100 or self.key_shown else
                          f"score {fb.score:.0f}/100; hints shown",
                          started=self.started, finished=now())
        self.saved.value = record(attempt, self._on_attempt)
        self.started = now()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def _key_text(case: Case) -> str:
    graded = [f"{grade} {mech}" for mech, grade in case.key.mechanisms.items() if grade != "unlikely"] \
        if hasattr(case.key, "mechanisms") else []
    return ", ".join(graded) or "see the criteria below"
