"""Time on task starts when a widget is first drawn in a browser (LiveHTML's "shown" message), not when its
cell ran: with Voila's preheated kernels a page can be built long before a learner opens it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

pytest.importorskip("ipywidgets")

from painkit.widgets import _live  # noqa: E402
from painkit.widgets import MechanismQuiz, PlanBuilder  # noqa: E402

OPENED = datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)


def _shown(live) -> None:
    """What the browser sends when it draws the region (see _live._ESM)."""
    live._message(live, {"event": "shown"}, [])


@pytest.fixture
def page_opened_later(monkeypatch):
    monkeypatch.setattr(_live, "now", lambda: OPENED)


def test_clock_starts_when_the_page_is_shown(page_opened_later):
    builder = PlanBuilder("lbp-chronic")
    assert builder.started < OPENED
    _shown(builder.saved)
    assert builder.started == OPENED


def test_a_second_view_does_not_restart_the_clock(page_opened_later, monkeypatch):
    quiz = MechanismQuiz("lbp-chronic")
    _shown(quiz.saved)
    monkeypatch.setattr(_live, "now", lambda: OPENED + timedelta(minutes=30))
    _shown(quiz.saved)  # the page reloaded, or the output drawn twice
    assert quiz.started == OPENED


def test_an_answer_given_before_the_view_keeps_its_own_clock(page_opened_later, tmp_path):
    attempts = []
    builder = PlanBuilder("lbp-chronic", on_attempt=attempts.append)
    builder.select(["cbt", "therapeutic_exercise"])
    builder.submit()  # answered in code, before any browser drew the widget
    after_submit = builder.started
    _shown(builder.saved)
    assert builder.started == after_submit
    assert len(attempts) == 1

