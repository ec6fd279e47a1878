"""axe-core on every learner notebook in JupyterLab, run: no critical or serious WCAG 2.1 A/AA violation in
painkit's markup (JupyterLab's own are printed, never hidden). A file of its own so that ``make test``'s two
workers can take the JupyterLab pages and the Voila pages and keyboard journeys side by side."""
from __future__ import annotations

import pytest

from .lab import open_and_run
from .test_accessibility import LEARNER_NOTEBOOKS, axe_violations


@pytest.mark.parametrize("name", LEARNER_NOTEBOOKS)
def test_no_serious_violations_in_jupyterlab(page, lab_server, name):
    open_and_run(page, lab_server, name)
    ours, _host = axe_violations(page)
    assert ours == [], "\n".join(f"{v['impact']} {v['rule']}: {v['target']} {v['html']}" for v in ours)
