"""axe-core on every learner notebook in JupyterLab, run: no critical or serious WCAG 2.1 A/AA violation in
painkit's markup (JupyterLab's own are printed, never hidden). A file of its own so that ``make test``'s two
workers can take the JupyterLab pages and the Voila pages and keyboard journeys side by side. Each check runs on
the notebook's shared JupyterLab page (``lab_page``), first, as Run All left it; the learner's checks of
test_notebooks_in_lab.py then use the same page."""
from __future__ import annotations

import pytest

from .conftest import per_notebook
from .test_accessibility import LEARNER_NOTEBOOKS, _check_own_labels, axe_violations


@pytest.mark.parametrize("name", per_notebook(LEARNER_NOTEBOOKS))
def test_no_serious_violations_in_jupyterlab(lab_page, name):
    ours, _host = axe_violations(lab_page)
    assert ours == [], "\n".join(f"{v['impact']} {v['rule']}: {v['target']} {v['html']}" for v in ours)
    _check_own_labels(lab_page)
