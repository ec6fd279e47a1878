"""The mastery check at the end of each learner notebook; grading is ``painkit.curriculum.grade_mastery``.

Each question is shown as the self-check widget shows it (``_self_check._Panel``: prompt, options, radio
buttons), without its per-question Check button: the learner answers every question and presses
Submit. Each submission is one sitting, recorded as one attempt (case ``mastery``, step
``mastery_check``, answer ``{module, choices, correct}``, score 0-100), so retakes are attempts too and
the credit record can show the best score and the number of sittings.
"""
from __future__ import annotations

import html
from typing import Optional, Union

from .. import DISCLAIMER
from ..curriculum import (MASTERY_CASE, MASTERY_STEP, MasteryResult, grade_mastery, load_mastery_bank, load_objectives,
                          option_id)
from ..errors import PainkitError, did_you_mean
from ..progress import Attempt, AttemptHook, now
from ._live import LiveHTML, clock_from_view
from ._saving import record
from ._style import styled
from ._self_check import _Panel


class MasteryCheck:
    """A module's mastery questions with one Submit button; the pass mark is stated above the questions."""

    def __init__(self, module: str, *, on_attempt: Optional[AttemptHook] = None):
        import ipywidgets as w

        objectives = load_objectives()
        self.module = objectives.module(module)
        self.pass_mark = objectives.pass_mark.value
        self._on_attempt = on_attempt
        bank = load_mastery_bank()
        self.panels = {qid: _Panel(bank.question(qid), lambda *a: None) for qid in self.module.mastery}
        for panel in self.panels.values():
            panel.button.layout.display = "none"  # one Submit for the whole check
        self.started = now()
        self.submit_button = w.Button(description="Submit", button_style="primary")
        self.submit_button.on_click(lambda _b: self.submit())
        self.result_box = LiveHTML()
        clock_from_view(self, self.result_box)
        header = w.HTML(value=(f"<h3>Mastery check: {html.escape(self.module.title)}</h3><p>Answer all "
                               f"{len(self.panels)} questions, then Submit. Pass mark: {self.pass_mark:g}% (set by "
                               "painkit for self-study; not an accredited assessment). You may retake it; every "
                               "submission is recorded.</p>"))
        footer = w.HTML(value=f"<p><small>{html.escape(DISCLAIMER)}</small></p>")
        self.widget = styled(w, w.VBox([header, *(p.box for p in self.panels.values()), self.submit_button,
                                        self.result_box, footer]))

    def choose(self, option: Union[str, bool], *, question: str) -> None:
        """Select an option, as a learner clicking a radio button would."""
        if question not in self.panels:
            raise PainkitError(f"mastery check {self.module.id}: question {question!r} is not shown here"
                               f"{did_you_mean(question, self.panels)}; shown: {', '.join(self.panels)}")
        panel = self.panels[question]
        panel.question.option(option_id(option))  # clear error for an unknown option
        panel.radio.value = option_id(option)

    def submit(self) -> Optional[MasteryResult]:
        """Press Submit: grade every answer, show feedback, record the sitting; None if any is unanswered."""
        choices = {qid: p.radio.value for qid, p in self.panels.items()}
        missing = [qid for qid, c in choices.items() if c is None]
        if missing:
            self.result_box.value = f"<p><i>Answer every question first ({len(missing)} left).</i></p>"
            return None
        result = grade_mastery(self.module.id, choices)
        for qid, (correct, text) in result.results.items():
            mark, colour = ("\u2713", "green") if correct else ("\u2717", "darkorange")
            self.panels[qid].feedback.value = f'<p><b style="color:{colour}">{mark}</b> {html.escape(text)}</p>'
        verdict = "passed" if result.passed else f"not passed yet (pass mark {result.pass_mark:g}%): retake it any time"
        self.result_box.value = f"<p><b>Score {result.score:g}%: {verdict}.</b></p>"
        # the sitting is saved and the learner is told so (or why not) in the same status region
        self.result_box.value += record(Attempt(case=MASTERY_CASE, step=MASTERY_STEP, answer=result.answer(choices),
                                                score=result.score, feedback=verdict, started=self.started,
                                                finished=now()), self._on_attempt)
        self.started = now()  # a retake's time starts now
        return result

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
