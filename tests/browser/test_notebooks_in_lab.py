"""Every learner notebook opened in real JupyterLab in Chromium, run, and used as a learner would."""
from __future__ import annotations

from .conftest import save_final_state
from .lab import errors_in_outputs, open_notebook, run_all


def test_start_here_shows_the_case_and_disclaimer(page, lab_server):
    base, token = lab_server
    open_notebook(page, base, token, "notebooks/00_start_here.ipynb")
    run_all(page)
    page.wait_for_selector(".pk-case h3")
    assert "Chronic low back pain" in page.locator(".pk-case h3").first.inner_text()
    assert "education only" in page.locator(".pk-case .pk-note").first.inner_text()
    assert not errors_in_outputs(page)
    save_final_state(page, "00_start_here")
