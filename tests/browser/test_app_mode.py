"""App mode (Voilà): the learner notebooks render with code hidden and their widgets respond."""
from __future__ import annotations

import pytest

from .conftest import ROOT, per_notebook, save_final_state


def test_foundations_self_check_answers_in_app_mode(page, voila_server):
    page.goto(f"{voila_server}/voila/render/01_pain_foundations.ipynb", timeout=120_000)
    page.wait_for_selector(".painkit-radio-group", timeout=120_000)
    assert "import painkit" not in page.inner_text("body")  # code hidden
    page.locator(".painkit-radio-group label").first.click()
    page.locator("button.jupyter-button", has_text="Check").first.click()
    feedback = page.locator(".painkit-live", has_text="Source:").first  # the self-check's status region
    feedback.wait_for(timeout=20_000)
    assert "\u2713" in feedback.inner_text()  # the first option is the IASP 2020 wording: correct
    assert "education" in page.inner_text("body").lower()
    save_final_state(page, "app_mode_01_pain_foundations")


LEARNER_NOTEBOOKS = sorted(p.name for p in ROOT.joinpath("notebooks").glob("0*.ipynb"))


@pytest.mark.parametrize("notebook", per_notebook(LEARNER_NOTEBOOKS))
def test_every_learner_notebook_renders_in_app_mode(voila_page, notebook):
    """Voila runs the whole notebook before it shows the page: no cell may fail, and every widget shows (on the
    notebook's shared Voila page, which the axe and focus-ring check of test_accessibility.py has read)."""
    page = voila_page
    body = page.inner_text("body")
    assert "Traceback" not in body and "There was an error when executing" not in body
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert "education only" in body.lower()
    if "widgets" in (ROOT / "notebooks" / notebook).read_text():
        page.wait_for_selector(".jupyter-widgets", timeout=60_000)


def test_app_mode_makes_no_request_off_this_machine_and_hides_the_educator_folder(page, voila_server):
    """Offline use (a hospital network that blocks CDNs): every request of a learner page stays on
    127.0.0.1; the file list offers the learner notebooks, not educator/."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{voila_server}/", timeout=120_000)
    page.wait_for_selector("text=01_pain_foundations.ipynb", timeout=60_000)
    listing = page.inner_text("body")
    assert "educator" not in listing and "03_mechanisms.ipynb" in listing
    page.goto(f"{voila_server}/voila/render/03_mechanisms.ipynb", timeout=180_000)
    page.wait_for_selector(".jupyter-widgets button", timeout=180_000)
    page.wait_for_load_state("networkidle", timeout=120_000)
    outside = [u for u in requests if not u.startswith(("http://127.0.0.1", "data:", "blob:"))]
    assert outside == []
