"""WCAG 2.1 AA for painkit's own pages and widgets: axe-core on every learner notebook in Voila and in
JupyterLab, and keyboard-only journeys.

axe-core (npm, installed into .venv/node by `make test`) is injected into the page. A violation counts
against painkit when its element sits in painkit's markup (a notebook's outputs or its Markdown); the
rest belongs to Voila or JupyterLab and is printed as a separate list, never hidden.
"""
from __future__ import annotations

import pytest

from .conftest import ROOT, save_final_state
from .lab import open_and_run

AXE = ROOT / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
LEARNER_NOTEBOOKS = sorted(p.stem for p in ROOT.joinpath("notebooks").glob("0*.ipynb"))
OURS = ".jp-OutputArea-output, .jp-RenderedMarkdown, .jp-MarkdownOutput, .jp-RenderedHTMLCommon"
RUN_AXE = """async (ours) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                          resultTypes: ['violations']});
  const out = [];
  for (const v of result.violations) {
    if (!['critical', 'serious'].includes(v.impact)) continue;
    for (const node of v.nodes) {
      const sel = Array.isArray(node.target) ? node.target.flat(Infinity)[0] : node.target;
      const el = document.querySelector(sel);
      out.push({rule: v.id, impact: v.impact, target: String(sel), html: node.html.slice(0, 160),
                painkit: !!(el && el.closest(ours))});
    }
  }
  return {checked: result.passes.length + result.violations.length, found: out};
}"""


def axe_violations(page) -> tuple[list[dict], list[dict]]:
    """(painkit's, the host's) critical and serious WCAG 2.1 A/AA violations on the page."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make test` (it installs it) or "
                    "`npm install --prefix .venv/node axe-core`")
    page.add_script_tag(path=str(AXE))
    run = page.evaluate(RUN_AXE, OURS)
    assert run["checked"] > 10, "axe-core did not run its rules on the page"
    found = run["found"]
    ours = [v for v in found if v["painkit"]]
    host = [v for v in found if not v["painkit"]]
    for v in host:  # listed, not hidden: the host application's own markup
        print(f"host (not painkit) {v['impact']} {v['rule']}: {v['target']} {v['html']}")
    return ours, host


def _open_voila(page, voila_server, name: str) -> None:
    page.goto(f"{voila_server}/voila/render/{name}.ipynb", timeout=180_000)
    page.wait_for_selector(".jp-OutputArea-output, .jp-RenderedMarkdown", timeout=180_000)
    page.wait_for_load_state("networkidle", timeout=180_000)
    if "widgets" in (ROOT / "notebooks" / f"{name}.ipynb").read_text():
        page.wait_for_selector(".jupyter-widgets", timeout=60_000)
    page.wait_for_timeout(500)


@pytest.mark.parametrize("name", LEARNER_NOTEBOOKS)
def test_no_serious_violations_in_app_mode(page, voila_server, name):
    _open_voila(page, voila_server, name)
    ours, _host = axe_violations(page)
    assert ours == [], "\n".join(f"{v['impact']} {v['rule']}: {v['target']} {v['html']}" for v in ours)


@pytest.mark.parametrize("name", LEARNER_NOTEBOOKS)
def test_no_serious_violations_in_jupyterlab(page, lab_server, name):
    open_and_run(page, lab_server, name)
    ours, _host = axe_violations(page)
    assert ours == [], "\n".join(f"{v['impact']} {v['rule']}: {v['target']} {v['html']}" for v in ours)


def _tab_until(page, js_test: str, limit: int = 80) -> None:
    """Press Tab until the focused element passes ``js_test`` (a function of document.activeElement)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => ({js_test})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {js_test}")


def test_keyboard_only_foundations_self_check(page, voila_server):
    """01 with the keyboard alone: one tab stop per question, the arrows stay inside the question, Enter
    on Check gives the feedback and saves the attempt."""
    _open_voila(page, voila_server, "01_pain_foundations")
    page.locator("body").focus()
    _tab_until(page, "el => el.type === 'radio'")
    name = page.evaluate("() => document.activeElement.name")
    groups = page.locator("fieldset.painkit-radio-group")
    first_group_size = groups.first.locator("input").count()
    for _ in range(first_group_size + 2):  # past the last option: wraps inside the group
        page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.name") == name
    assert groups.nth(1).locator("input:checked").count() == 0  # the next question is untouched
    page.keyboard.press("Tab")  # one tab stop per group: straight on to Check
    assert page.evaluate("() => document.activeElement.tagName") == "BUTTON"
    assert "Check" in page.evaluate("() => document.activeElement.innerText")
    ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineWidth")
    assert ring == "3px"  # a visible focus ring
    page.keyboard.press("Enter")
    page.locator(".widget-html", has_text="Source:").first.wait_for(timeout=20_000)
    page.locator(".widget-html", has_text="saved for").first.wait_for(timeout=20_000)
    save_final_state(page, "keyboard_01_pain_foundations")


def test_keyboard_only_mechanism_quiz(page, voila_server):
    """03 with the keyboard alone: tick a mechanism, choose its grade, submit, read hints, show the key."""
    _open_voila(page, voila_server, "03_mechanisms")
    page.locator("body").focus()
    _tab_until(page, "el => el.type === 'checkbox' && el.closest('.widget-checkbox').innerText.includes('nociceptive')")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # the grade of the same mechanism
    assert page.evaluate("() => document.activeElement.tagName") == "SELECT"
    page.keyboard.press("ArrowDown")  # 'likely'
    assert page.evaluate("() => document.activeElement.value") == "likely"
    _tab_until(page, "el => el.tagName === 'BUTTON' && el.innerText.trim() === 'Submit'")
    page.keyboard.press("Enter")
    result = page.locator(".widget-html", has_text="/100").first
    result.wait_for(timeout=20_000)
    assert "Hints" in result.inner_text() and "Expert key" not in result.inner_text()  # sciatica is mixed
    page.keyboard.press("Tab")
    assert "expert key" in page.evaluate("() => document.activeElement.innerText").lower()
    page.keyboard.press("Enter")
    page.locator(".widget-html", has_text="Expert key").first.wait_for(timeout=20_000)
    save_final_state(page, "keyboard_03_mechanisms")
