"""A questionnaire form: one control per item, the live score and band, and the items still missing.

No scoring happens here: every number shown comes from ``painkit.instruments.score``. Item wording is
shown only where it may ship (PHQ-9, GAD-7, PEG); other instruments show short labels.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Optional, Sequence

from .. import DISCLAIMER
from ..instruments import _score as instruments
from ..progress import Attempt, AttemptHook, now
from ._live import LiveHTML, clock_from_view
from ._saving import record
from ._style import styled
from ..errors import PainkitError

if TYPE_CHECKING:
    from ..cases import Case

UNANSWERED = "\u2014 not answered \u2014"


def _options(item: dict) -> list[tuple[str, Optional[int]]]:
    lo, hi = item["range"]
    anchors = {int(k): v for k, v in (item.get("anchors") or {}).items()}
    # "" (not None) for an unanswered item: a None value leaves the browser's dropdown blank
    return [(UNANSWERED, "")] + [(f"{v} \u2013 {anchors[v]}" if v in anchors else str(v), v)
                                 for v in range(lo, hi + 1)]


class InstrumentForm:
    """Fill in an instrument item by item; the score, band and missing items update as answers change.

    ``case`` supplies context (sex and age, e.g. for the ORT) and a menu to fill in the answers stored
    at one of its visits. Submit sends ``Attempt(case, step="instrument:<id>", answer, feedback)`` to
    ``on_attempt`` (default: ``painkit.progress.default_sink``); a form is practice, so ``score`` is None.
    """

    def __init__(self, instrument_id: str, *, case: Optional["Case"] = None,
                 on_attempt: Optional[AttemptHook] = None):
        import ipywidgets as w

        self.info = instruments.info(instrument_id)  # InstrumentError for an unknown id
        self.instrument, self.case, self._on_attempt = self.info["id"], case, on_attempt
        self.score: Optional[instruments.Score] = None
        self.missing: list[str] = []
        self.started, self._hold = now(), False
        # the item itself is each dropdown's label, so a screen reader names the question ("1. Little interest
        # or pleasure in doing things"), not just "Item 1"; the label wraps (painkit's style) instead of clipping
        self.controls = [w.Dropdown(options=_options(it), value="", layout=w.Layout(width="52em"),
                                    description=self._item_text(n, it), tooltip=f"item {n}: {it['label']}",
                                    style={"description_width": "30em"})
                         for n, it in enumerate(self.info["items"], start=1)]
        rows = list(self.controls)
        self.sex = None
        if "sex" in self.info.get("context", []) and case is None:
            self.sex = w.Dropdown(options=[(UNANSWERED, ""), ("female", "female"), ("male", "male")],
                                  value="", description="sex")
            rows.insert(0, self.sex)
        self.visit = None
        if case is not None:
            visits = [(f"week {v.week}: {v.label or 'visit'}", n) for n, v in enumerate(case.instruments)
                      if self.instrument in v.responses]
            if visits:
                # "" (not None) before a visit is chosen: a None value leaves the dropdown blank
                self.visit = w.Dropdown(options=[("\u2014 choose a visit \u2014", "")] + visits, value="",
                                        description="Fill from", layout=w.Layout(width="32em"))
                self.visit.observe(self._fill_from_visit, names="value")
                rows.insert(0, self.visit)
        self.result, self.missing_html, self.feedback = w.HTML(), w.HTML(), LiveHTML()
        clock_from_view(self, self.feedback)
        self.button = w.Button(description="Submit", button_style="primary")
        self.button.on_click(lambda _b: self.submit())
        for c in [*self.controls, *([self.sex] if self.sex else [])]:
            c.observe(self._update, names="value")
        self.widget = w.VBox([w.HTML(self._header_html()), *rows, self.result, self.missing_html,
                              self.button, self.feedback,
                              w.HTML(f"<p><small>{html.escape(DISCLAIMER)}</small></p>")])
        styled(w, self.widget)
        self._update()

    # -- presentation -------------------------------------------------------------------------------
    @staticmethod
    def _item_text(n: int, item: dict) -> str:
        """An item as its control's label: number and wording (or the short label where wording may not ship)."""
        return f"{n}. {item.get('text') or item['label']}"

    def _header_html(self) -> str:
        info = self.info
        lines = [f"<h4>{html.escape(info['name'])}</h4>"]
        if info.get("stem"):
            lines.append(f"<p><i>{html.escape(info['stem'])}</i></p>")
        note = info.get("attribution") or ("Short labels only: the item wording is not redistributed."
                                           if not any("text" in it for it in info["items"]) else "")
        lines.append(f"<p><small>Source: {html.escape(info['source'])}. {html.escape(note)}</small></p>")
        return "".join(lines)

    # -- behaviour ----------------------------------------------------------------------------------
    def answers(self) -> list[Optional[int]]:
        """The current answers in item order (None = unanswered)."""
        return [None if c.value == "" else c.value for c in self.controls]

    def _context(self) -> dict[str, Any]:
        if self.case is not None:
            return {"sex": self.case.patient.sex, "age": self.case.patient.age}
        return {"sex": self.sex.value or None} if self.sex is not None else {}

    def _update(self, *_: Any) -> None:
        if self._hold:
            return
        answers = self.answers()
        ids = [it["id"] for it in self.info["items"]]
        self.missing = [ids[i] for i, v in enumerate(answers) if v is None]
        try:
            self.score = instruments.score(self.instrument, answers, **self._context())
            # the form's heading names the instrument: the line starts at the total, not at its id ("phq9, ...");
            # flags are shown below in words, never as their codes
            line = str(self.score).split("; FLAGS:")[0].removeprefix(f"{self.instrument}, ")
            self.result.value = f"<p><b>Score:</b> {html.escape(line)}</p>"
            self.result.value += self._flags_html(self.score.flags)
        except PainkitError as exc:  # shown, never a traceback
            self.score = None
            text = "Answer the items to see the score." if len(self.missing) == len(ids) else str(exc)
            self.result.value = f"<p><i>{html.escape(text)}</i></p>"
        if self.missing:
            labels = {it["id"]: f"{n}. {it['label']}" for n, it in enumerate(self.info["items"], start=1)}
            listed = "; ".join(html.escape(labels[k]) for k in self.missing)
            self.missing_html.value = f"<p>Still missing ({len(self.missing)}): {listed}</p>"
        else:
            self.missing_html.value = "<p>All items answered.</p>"

    def _flags_html(self, flags: Sequence[str]) -> str:
        """Each flag raised, in words (its message from instruments.yaml), in a box that stands out."""
        messages = {f["id"]: f for f in self.info.get("flags", [])}
        rows = []
        for code in flags:
            f = messages.get(code, {})
            rows.append(f"<p role='alert' style='border-left:4px solid #8a1c00;padding:4px 8px;background:#fff4f0'>"
                        f"<b>Needs attention:</b> {html.escape(f.get('message', code))} "
                        f"<small>({html.escape(f.get('source', ''))})</small></p>")
        return "".join(rows)

    def set_answers(self, answers: Sequence[Optional[int]] | dict) -> None:
        """Set every control at once (list in item order or {item id: answer}); validated first."""
        values = instruments.validate(self.instrument, answers)
        self._hold = True
        try:
            for control, value in zip(self.controls, values):
                control.value = "" if value is None else value
        finally:
            self._hold = False
        self._update()

    def _fill_from_visit(self, change: dict) -> None:
        if change["new"] != "" and self.case is not None:
            self.set_answers(self.case.instruments[change["new"]].responses[self.instrument])

    def submit(self) -> Optional[Attempt]:
        """Record the sheet as an attempt (only when it can be scored); return it."""
        if self.score is None:
            self.feedback.value = "<p><i>Not submitted: the sheet cannot be scored yet (see above).</i></p>"
            return None
        attempt = Attempt(case=self.case.id if self.case else "practice", step=f"instrument:{self.instrument}",
                          answer={"instrument": self.instrument, "responses": self.answers()},
                          feedback=str(self.score), started=self.started, finished=now())
        self.feedback.value = record(attempt, self._on_attempt)
        self.started = now()
        return attempt

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
