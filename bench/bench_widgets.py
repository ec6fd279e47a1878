"""Benchmark building the learner widgets (issue 17: part of every cold Voila render); prints figures, not a test.

For each widget, in a fresh Python process (as a new kernel builds it): seconds to construct it the first time
(the imports and data loading done before the clock starts, so the figure is the widgets' own cost), seconds for
a second construction in the same process, and the number of ipywidgets models it creates
(``ipywidgets.Widget.widgets``; each is a comm message to the browser and a view the page draws).

Run: ``.venv/bin/python bench/bench_widgets.py`` (``make bench`` runs every bench script).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

CASE = "lbp-chronic"
WIDGETS = {  # name: the constructor call, run in a fresh process
    "PlanBuilder": f"PlanBuilder({CASE!r}, on_attempt=lambda a: None)",
    "TrajectoryExplorer": f"TrajectoryExplorer({CASE!r}, on_attempt=lambda a: None)",
    "MechanismQuiz": "MechanismQuiz('lumbar-radiculopathy', on_attempt=lambda a: None)",
}
_CHILD = """
import json, sys, time
import ipywidgets
import painkit
from painkit.widgets import {name}
from painkit.formulary import load_catalog
from painkit.cases import load_case
load_catalog(); load_case({case!r})
import painkit.charts, painkit.plans, painkit.trajectories, painkit.mechanisms  # imports outside the clock
before = len(ipywidgets.Widget.widgets)
start = time.perf_counter()
{call}
first = time.perf_counter() - start
count = len(ipywidgets.Widget.widgets) - before
start = time.perf_counter()
{call}
second = time.perf_counter() - start
print(json.dumps({{"first": first, "second": second, "widgets": count}}))
"""


def measure(name: str) -> dict:
    """Construct ``name`` twice in a fresh interpreter; its first and second times and widget count."""
    code = _CHILD.format(name=name, case=CASE, call=WIDGETS[name])
    env = dict(os.environ, PAINKIT_HOME=tempfile.mkdtemp(prefix="painkit-bench-widgets-"), PAINKIT_LEARNER="bench")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    print(f"Widget construction, fresh process per widget (load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs)")
    print(f"{'widget':20} {'first s':>8} {'again s':>8} {'widgets':>8}")
    for name in WIDGETS:
        m = measure(name)
        print(f"{name:20} {m['first']:8.3f} {m['second']:8.3f} {m['widgets']:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
