"""The self-check widget for the foundations notebook; grading is ``painkit.curriculum.check_self``."""
from __future__ import annotations

import html
from typing import Callable, Iterable, Optional, Union

from .. import DISCLAIMER
from ..progress import Attempt, AttemptHook, now
from ._live import LiveHTML, clock_from_view
from ._saving import record
from ._style import styled
from ..errors import PainkitError, did_you_mean
from ..curriculum._foundations import CASE, STEP, Question, SelfCheckError, check_self, load_bank, option_id


class _Panel:
    """One question: prompt, radio buttons, a Check button and the feedback line."""

    def __init__(self, question: Question, record: Callable[[str, str, bool, str], str]):
        import ipywidgets as w

        self.question, self._record = question, record
        self.started = now()
        from ._radio_group import RadioGroup

        # One named radio group per question: its legend is the prompt, its labels the full option texts
        labels = [(o.text if question.kind == "true_false" else f"{o.id}. {o.text}", o.id) for o in question.options]
        self.radio = RadioGroup(labels, label=question.prompt)
        self.button = w.Button(description="Check", button_style="primary",
                               tooltip=f"Check your answer: {question.prompt[:80]}")
        self.feedback = LiveHTML()
        clock_from_view(self, self.feedback)
        self.button.on_click(lambda _b: self.check())
        self.box = w.VBox([self.radio, self.button, self.feedback])

    def check(self) -> Optional[tuple[bool, str]]:
        choice = self.radio.value
        if choice is None:
            self.feedback.value = "<p><i>Choose an answer first.</i></p>"
            return None
        try:
            correct, text = check_self(self.question.id, choice)
        except PainkitError as exc:  # shown, never a traceback
            self.feedback.value = f"<p>{html.escape(str(exc))}</p>"
            return None
        mark, colour = ("\u2713", "green") if correct else ("\u2717", "darkorange")
        self.feedback.value = (f'<p><b style="color:{colour}">{mark}</b> {html.escape(text)}</p>')
        self.feedback.value += self._record(self.question.id, choice, correct, text)
        return correct, text


class SelfCheck:
    """Short self-check questions with radio buttons, a Check button and feedback per question.

    Every checked answer becomes ``Attempt(case="foundations", step="self_check", ...)`` sent to
    ``on_attempt`` (default: ``painkit.progress.default_sink``).
    """

    def __init__(self, question_id_or_ids: Union[str, Iterable[str]], *,
                 on_attempt: Optional[AttemptHook] = None):
        import ipywidgets as w

        from .._validate import strings

        ids = [question_id_or_ids] if isinstance(question_id_or_ids, str) else strings(
            question_id_or_ids, "question ids", SelfCheckError, example="give a question id or a list of them")
        if not ids:
            raise SelfCheckError("SelfCheck needs at least one question id")
        bank = load_bank()
        self._on_attempt = on_attempt
        self.panels = {qid: _Panel(bank.question(qid), self._record) for qid in ids}
        footer = w.HTML(value=f"<p><small>{html.escape(DISCLAIMER)}</small></p>")
        self.widget = styled(w, w.VBox([p.box for p in self.panels.values()] + [footer]))

    def _panel(self, question: Optional[str]) -> _Panel:
        if question is None:
            if len(self.panels) == 1:
                return next(iter(self.panels.values()))
            raise SelfCheckError(f"this SelfCheck shows {len(self.panels)} questions; name one with "
                                 f"question=...: {', '.join(self.panels)}")
        if question not in self.panels:
            raise SelfCheckError(f"question {question!r} is not shown here"
                                 f"{did_you_mean(question, self.panels)}; shown: {', '.join(self.panels)}")
        return self.panels[question]

    def choose(self, option: Union[str, bool], *, question: Optional[str] = None) -> None:
        """Select an option, as a learner clicking a radio button would."""
        panel = self._panel(question)
        panel.question.option(option_id(option))  # clear error for an unknown option
        panel.radio.value = option_id(option)

    def check(self, *, question: Optional[str] = None) -> Optional[tuple[bool, str]]:
        """Press Check: show the feedback and record the attempt; None if nothing was chosen."""
        return self._panel(question).check()

    def _record(self, question_id: str, choice: str, correct: bool, feedback: str) -> str:
        panel = self.panels[question_id]
        attempt = Attempt(case=CASE, step=STEP, answer={"question": question_id, "choice": choice},
                          score=100 if correct else 0, feedback=feedback, started=panel.started,
                          finished=now())
        panel.started = now()
        return record(attempt, self._on_attempt)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
