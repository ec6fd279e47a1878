"""Attempts: what a learner answered at a graded step, and where widgets send them.

Every widget takes ``on_attempt=``; when it is not given, the attempt goes to ``default_sink``, which
the progress store replaces (``painkit.progress``). Widgets never compute grades themselves: they pass on
what the pure functions returned.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Attempt:
    """One submitted answer: which case and step, the answer (JSON-able), its score 0-100 and feedback."""

    case: str
    step: str
    answer: Any
    score: Optional[float] = None
    feedback: str = ""
    started: datetime = field(default_factory=now)
    finished: datetime = field(default_factory=now)
    learner: Optional[str] = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["started"], d["finished"] = self.started.isoformat(), self.finished.isoformat()
        return d


AttemptHook = Callable[[Attempt], None]
_SINKS: Optional[list[AttemptHook]] = None  # None: not configured yet -> the progress store on first use
# Opens the learner's progress store and installs it as the sink; registered by the session module when
# painkit.progress is imported (so this module needs no import of the session, which imports it).
_OPEN_STORE: Optional[Callable[[], object]] = None


def set_store_opener(opener: Optional[Callable[[], object]]) -> None:
    """Register the function that opens the progress store on the first attempt (None: do not open one)."""
    global _OPEN_STORE
    _OPEN_STORE = opener


def set_default_sink(hook: Optional[AttemptHook]) -> None:
    """Make ``hook`` receive every attempt from widgets created without ``on_attempt`` (None: nothing)."""
    global _SINKS
    _SINKS = [hook] if hook else []


def _check(attempt: Any) -> None:
    if not isinstance(attempt, Attempt):
        from ..errors import ProgressError
        from .._validate import short

        raise ProgressError(f"attempt: found {short(attempt)} ({type(attempt).__name__}); allowed: an Attempt")


def default_sink(attempt: Attempt) -> None:
    """Send an attempt to the configured sink. Unless told otherwise, attempts are saved in the learner's
    progress store ($PAINKIT_HOME/progress.sqlite), which is opened on the first attempt."""
    _check(attempt)
    if _SINKS is None:
        if _OPEN_STORE is None or _OPEN_STORE() is None:  # no store (or it cannot be opened: warned there)
            set_default_sink(None)
    for hook in _SINKS or []:
        hook(attempt)


DUPLICATE_WINDOW_S = 5.0  # the same answer to the same step again within this time is a double click
_LAST: dict = {}


def _fingerprint(attempt: Attempt) -> str:
    import json

    return json.dumps([attempt.learner, attempt.case, attempt.step, attempt.answer], default=str, sort_keys=True)


def send(attempt: Attempt, hook: Optional[AttemptHook] = None) -> bool:
    """Deliver a widget's attempt: to its ``on_attempt`` hook when given, else to ``default_sink``
    (looked up at call time, so a sink installed later, e.g. by painkit.progress, is honoured).

    Return False, delivering nothing, when it repeats the attempt just sent to the same place (same
    case, step and answer) within ``DUPLICATE_WINDOW_S``: a double click is stored once."""
    import time

    _check(attempt)
    key, stamp = (id(hook), _fingerprint(attempt)), time.monotonic()
    last = _LAST.get("sent")
    if last is not None and last[0] == key and stamp - last[1] < DUPLICATE_WINDOW_S:
        return False
    _LAST["sent"] = (key, stamp)
    try:
        if hook is not None:
            hook(attempt)
        else:
            default_sink(attempt)
    except BaseException:
        _LAST.pop("sent", None)  # not delivered: a retry is not a duplicate
        raise
    return True
