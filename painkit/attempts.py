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
_SINKS: list[AttemptHook] = []


def set_default_sink(hook: Optional[AttemptHook]) -> None:
    """Make ``hook`` receive every attempt from widgets created without ``on_attempt`` (None: nothing)."""
    _SINKS[:] = [hook] if hook else []


def default_sink(attempt: Attempt) -> None:
    """Send an attempt to the configured sink, if any."""
    for hook in _SINKS:
        hook(attempt)
