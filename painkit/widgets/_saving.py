"""One way for every widget to hand an attempt on and tell the learner, in the widget, what happened.

Each submit confirms visibly: "Saved at 10:31:02 for ana in ~/.painkit/progress.sqlite", or why it was not
saved, or that a repeated click was ignored (``send`` stores a double click once).
"""
from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Optional

from ..progress import Attempt, AttemptHook, saved_note, send

DUPLICATE_NOTE = "Already saved: the same answer submitted twice is stored once."


def record(attempt: Attempt, hook: Optional[AttemptHook] = None) -> str:
    """Send ``attempt`` (to ``hook`` or the progress store) and return the HTML line that confirms it."""
    try:
        delivered = send(attempt, hook)
    except Exception as exc:  # noqa: BLE001 - the learner keeps the feedback; saving problems are shown
        return _line(f"Checked, but not saved: {exc}", ok=False)
    if not delivered:
        return _line(DUPLICATE_NOTE, ok=True)
    stamp = datetime.now().strftime("%H:%M:%S")
    if hook is not None:
        return _line(f"Submitted at {stamp}.", ok=True)
    note = saved_note()
    ok = note.startswith("saved")
    return _line(f"{'Submitted' if ok else 'Checked'} at {stamp}: {note}.", ok=ok)


def _line(text: str, ok: bool) -> str:
    colour = "#1b5e20" if ok else "#8a1c00"
    mark = "&#10003; " if ok else "&#9888; "
    return f"<p style='color:{colour}'>{mark}{escape(text)}</p>"  # widgets show it in a LiveHTML status region
