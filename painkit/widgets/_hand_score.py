"""HandScore: the learner scores a case's questionnaires by hand, in number boxes, and checks the arithmetic.

No scoring here: the right values come from ``painkit.instruments.score`` of the same sheets. Check says
which boxes are right and gives the hint for the others; it never shows the value. Each check sends
``Attempt(case, step="assessment", answer={"visit", "entries"}, score=% right)``. Works in Voila: nothing to
edit in code.
"""
from __future__ import annotations

import html
from typing import Mapping, Optional, Union

from ..cases import Case, load_case
from ..errors import PainkitError
from ..instruments import score as score_sheet
from ..progress import Attempt, AttemptHook, now
from ._live import LiveHTML, clock_from_view
from ._saving import record
from ._style import styled

STEP = "assessment"
TOLERANCE = 0.005  # answers are compared to 2 decimals


def _parse(text: str) -> Optional[float]:
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    if "/" in text:  # "27/4" is arithmetic a learner may type
        num, _, den = text.partition("/")
        return float(num) / float(den)
    return float(text)


class HandScore:
    """Number boxes, one per scale (``scales``: {label: "instrument scale"}, scale "total" or a subscale),
    for the answers a case recorded at one visit; ``hints`` give the rule for a box that is wrong or
    empty. ``enter()`` and ``check()`` do what typing and the Check button do."""

    def __init__(self, case: Union[Case, str], scales: Mapping[str, str], *, visit: int = 0,
                 hints: Optional[Mapping[str, str]] = None, on_attempt: Optional[AttemptHook] = None):
        import ipywidgets as w

        self.case = case if isinstance(case, Case) else load_case(case)
        self.visit, self.hints, self._on_attempt = visit, dict(hints or {}), on_attempt
        self.started = now()
        sheet = self.case.instruments[visit].responses
        self.truth: dict[str, float] = {}
        for label, spec in scales.items():
            name, _, scale = spec.partition(" ")
            if name not in sheet:
                raise PainkitError(f"HandScore: scales[{label!r}]: instrument {name!r} is not recorded at visit "
                                   f"{visit} of {self.case.id}; recorded: {', '.join(sheet)}")
            s = score_sheet(name, sheet[name])
            value = s.total if scale in ("", "total") else s.subscales.get(scale)
            if value is None:
                raise PainkitError(f"HandScore: scales[{label!r}]: {name} has no scale {scale!r}; allowed: total, "
                                   f"{', '.join(s.subscales)}")
            self.truth[label] = float(value)
        # continuous_update=False: a box sends its value once, when the learner leaves it (Tab) or presses
        # Enter, not per keystroke, so the value is in the kernel before a quick Tab-Enter on Check
        self.boxes = {label: w.Text(value="", placeholder="your number", description=label,
                                    continuous_update=False, style={"description_width": "12em"},
                                    layout=w.Layout(width="26em"))
                      for label in self.truth}
        self.button = w.Button(description="Check my arithmetic", button_style="primary",
                               layout=w.Layout(width="auto"))
        self.button.on_click(lambda _b: self.check())
        self.result, self.saved = w.HTML(), LiveHTML()
        clock_from_view(self, self.saved)
        intro = w.HTML("<p>Type each score (a fraction such as <code>27/4</code> is fine), then press "
                       "<b>Check my arithmetic</b>. Right answers get a tick; the others get a hint, "
                       "never the value.</p>")
        self.widget = styled(w, w.VBox([intro, *self.boxes.values(), self.button, self.result, self.saved]))
        self.widget.add_class("painkit-widget")

    def enter(self, values: Mapping[str, Union[float, str, None]]) -> None:
        """Type values into the boxes, as a learner would."""
        for label, value in values.items():
            if label not in self.boxes:
                raise PainkitError(f"HandScore: no box {label!r}; boxes: {', '.join(self.boxes)}")
            self.boxes[label].value = "" if value is None else str(value)

    def check(self) -> dict[str, str]:
        """Mark each box right, wrong, empty or unreadable; show it with hints and record the attempt.
        Returns {label: "right" | "wrong" | "empty" | "not a number"}."""
        marks, lines, entries = {}, [], {}
        for label, box in self.boxes.items():
            try:
                value = _parse(box.value)
            except (ValueError, ZeroDivisionError):
                value, marks[label] = None, "not a number"
            else:
                marks[label] = ("empty" if value is None else
                                "right" if abs(value - self.truth[label]) < TOLERANCE else "wrong")
            entries[label] = value
            hint = self.hints.get(label, "")
            text = {"right": f"\u2713 {label}: correct.",
                    "wrong": f"\u2717 {label}: {box.value.strip()} is not right." + (f" Hint: {hint}." if hint else ""),
                    "empty": f"- {label}: not answered yet." + (f" Hint: {hint}." if hint else ""),
                    "not a number": f"- {label}: {box.value.strip()!r} is not a number (type e.g. 6.75 or 27/4)."
                    }[marks[label]]
            lines.append(f"<li>{html.escape(text)}</li>")
        self.result.value = "<ul>" + "".join(lines) + "</ul>"
        answered = [k for k, m in marks.items() if m in ("right", "wrong")]
        if answered:
            right = sum(m == "right" for m in marks.values())
            attempt = Attempt(case=self.case.id, step=STEP, answer={"visit": self.visit, "entries": entries},
                              score=100 * right / len(marks), feedback=f"{right} of {len(marks)} right",
                              started=self.started, finished=now())
            self.saved.value = record(attempt, self._on_attempt)
            self.started = now()
        return marks

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
