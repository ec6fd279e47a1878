"""altair chart builders. Each takes a tidy DataFrame (or a result object) and returns an altair Chart.

Charts must draw with no network: painkit switches altair to its ``svg`` renderer (vl-convert, no CDN)
the first time a chart is built, and aggregates or samples so no chart embeds more than ``MAX_ROWS`` rows.
Plotting is never needed for computing: every number a chart shows comes from a function elsewhere.
"""
from __future__ import annotations

from typing import Any

MAX_ROWS = 5000
_READY = False


def alt() -> Any:
    """altair, with an offline renderer enabled once (svg via vl-convert; no CDN script needed)."""
    global _READY
    import altair

    if not _READY:
        if altair.renderers.active in ("default", "html", "jupyterlab", "mimetype"):
            altair.renderers.enable("svg")
        _READY = True
    return altair


def _limit(frame, n: int = MAX_ROWS, seed: int = 0):
    """At most ``n`` rows: a seeded sample when larger (callers aggregate first where they can)."""
    return frame if len(frame) <= n else frame.sample(n=n, random_state=seed)
