"""WCAG 2.1 AA for painkit's own pages and widgets: axe-core on every learner notebook in Voila and in
JupyterLab, and keyboard-only journeys.

axe-core (npm, installed into .venv/node by `make test`) is injected into the page. A violation counts
against painkit when its element sits in painkit's markup (a notebook's outputs or its Markdown); the
rest belongs to Voila or JupyterLab and is printed as a separate list, never hidden.
"""
from __future__ import annotations

import re

import pytest

from .conftest import ROOT, open_voila as _open_voila, per_notebook, save_final_state

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


@pytest.mark.parametrize("name", per_notebook(LEARNER_NOTEBOOKS))
def test_no_serious_violations_and_a_visible_focus_ring_in_app_mode(voila_page, name):
    """axe-core finds no serious or critical violation in painkit's markup, and every focus stop painkit
    draws shows a visible ring (one page load for both, the notebook's shared Voila page, first)."""
    ours, _host = axe_violations(voila_page)
    assert ours == [], "\n".join(f"{v['impact']} {v['rule']}: {v['target']} {v['html']}" for v in ours)
    _check_own_labels(voila_page)
    _check_focus_rings(voila_page)


def _check_own_labels(page) -> None:
    """Every tick box and radio button painkit draws, shown or in a tab not yet opened, has an id no other
    element has and exactly one label with words (axe-core looks only at what is shown, and no longer at
    duplicate ids: a repeated id gives the second input no name, WCAG 1.3.1 and 4.1.2)."""
    found = page.evaluate("""() => {
      const counts = {};
      document.querySelectorAll('[id]').forEach(e => counts[e.id] = (counts[e.id] || 0) + 1);
      const inputs = Array.from(document.querySelectorAll('.painkit-choice-group input'));
      return {inputs: inputs.length,
              repeated: Object.keys(counts).filter(id => counts[id] > 1 && id.startsWith('painkit-')),
              unnamed: inputs.filter(i => i.labels.length !== 1 || !i.labels[0].textContent.trim())
                             .map(i => i.id)};
    }""")
    assert found["repeated"] == [] and found["unnamed"] == [], found


def _tab_until(page, js_test: str, limit: int = 80, key: str = "Tab") -> None:
    """Press ``key`` (Tab, or Shift+Tab to go back) until the focused element passes ``js_test`` (a function
    of document.activeElement)."""
    path = []
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(f"() => ({js_test})(document.activeElement)"):
            return
        path.append(page.evaluate("el => `${el.tagName}:${(el.labels && el.labels[0] ? el.labels[0].innerText "
                                  ": el.innerText || el.value || '').slice(0, 30)}`", page.evaluate_handle(
                                      "() => document.activeElement")))
    raise AssertionError(f"{key} never reached an element where {js_test}; focus went through {path}")


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
    # the feedback and the save are in a status region a screen reader reads out (role=status, polite)
    page.locator("[role='status'][aria-live='polite']", has_text="Source:").first.wait_for(timeout=20_000)
    page.locator("[role='status']", has_text="saved for").first.wait_for(timeout=20_000)
    save_final_state(page, "keyboard_01_pain_foundations")


def test_keyboard_only_mechanism_quiz(page, voila_server, voila_home):
    """03 with the keyboard alone: tick a mechanism, choose its grade, tick two findings that are not next to
    each other with Tab and Space (no Ctrl+Space), submit, read hints, show the key."""
    from painkit.mechanisms import FINDINGS, finding_label

    since = _now()
    _open_voila(page, voila_server, "03_mechanisms")
    page.locator("body").focus()
    _tab_until(page, _mechanism_tick("nociceptive"))
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # the grade of the same mechanism
    assert page.evaluate("() => document.activeElement.tagName") == "SELECT"
    page.keyboard.press("ArrowDown")  # 'likely'
    assert page.evaluate("() => document.activeElement.value") == "likely"
    _tab_until(page, _mechanism_tick("neuropathic"))
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # 'possible'
    assert page.evaluate("() => document.activeElement.value") == "possible"
    for index, finding in enumerate(FINDINGS):  # each finding is its own tab stop, in list order
        page.keyboard.press("Tab")
        assert _focused(page)["type"] == "checkbox" and _focused(page)["text"] == finding_label(finding)
        if index in (3, 5):  # a lesion and sensory signs, skipping the distribution between them
            page.keyboard.press("Space")
            ring = _focused(page)["ring"]
            assert ring.startswith("solid") and not ring.endswith(" 1px")  # WCAG 2.4.7: a visible focus ring
        if index == 5:
            break
    _tab_until(page, "el => el.tagName === 'BUTTON' && el.innerText.trim() === 'Submit'")
    page.keyboard.press("Enter")
    result = page.locator(".widget-html", has_text="/100").first
    result.wait_for(timeout=20_000)
    assert "Hints" in result.inner_text() and "Expert key" not in result.inner_text()  # sciatica is mixed
    page.keyboard.press("Tab")
    assert "expert key" in page.evaluate("() => document.activeElement.innerText").lower()
    page.keyboard.press("Enter")
    page.locator(".widget-html", has_text="Expert key").first.wait_for(timeout=20_000)
    [attempt] = _saved(voila_home, "mechanism", since)
    assert attempt["answer"] == [{"mechanism": "nociceptive", "grade": "likely", "findings": []},
                                 {"mechanism": "neuropathic", "grade": "possible", "findings": [FINDINGS[3], FINDINGS[5]]}]
    save_final_state(page, "keyboard_03_mechanisms")


def _mechanism_tick(mechanism: str) -> str:
    """A JS test: the focused element is the tick box of ``mechanism`` (its label is the mechanism alone; the
    finding 'Pain fully explained by nociceptive or neuropathic mechanisms' also names it)."""
    return f"el => el.type === 'checkbox' && el.labels && el.labels[0] && el.labels[0].innerText.trim() === {mechanism!r}"


# ---------------------------------------------------------------------------------------------------------------
# Keyboard-only journeys through 02, 04 and 05 in Voila: Tab, Shift+Tab, the arrow keys, Space, Enter and typed
# text only (no mouse, no filling of elements found by selector). Each completes the notebook's exercise, reads
# the attempt back from the learner's progress store and checks the confirmation is in a status region.

FOCUSED = """() => { const el = document.activeElement;
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  return {tag: el.tagName, type: el.type || '', text: (label || el.innerText || '').trim(),
          ring: getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth}; }"""


def _focused(page) -> dict:
    return page.evaluate(FOCUSED)


def _labelled(kind: str, text: str) -> str:
    """A JS test: the focused element is ``kind`` ('checkbox', 'text', 'SELECT', 'BUTTON'...) named ``text``."""
    return (f"el => (el.type === {kind!r} || el.tagName === {kind!r}) && "
            f"((el.labels && el.labels[0] ? el.labels[0].innerText : el.innerText) || '').includes({text!r})")


def _saved(voila_home, step: str, since) -> list[dict]:
    """Attempts of ``step`` the Voila kernels saved for the test learner since ``since``."""
    from painkit.progress import ProgressStore

    with ProgressStore(voila_home / "progress.sqlite") as store:
        frame = store.attempts("browser-test")
    frame = frame[(frame["step"] == step) & (frame["finished"] >= since)]
    return frame.to_dict("records")


def _confirmed(page, within: str = "body") -> str:
    """The text of the status region (role=status, read out by screen readers) that confirms a save."""
    status = page.locator(f"{within} [role='status']", has_text="saved for").last
    status.wait_for(timeout=20_000)
    return status.inner_text()


def _now():
    import pandas as pd

    return pd.Timestamp.now(tz="UTC")


def test_keyboard_only_hand_scoring_and_questionnaire(page, voila_server, voila_home):
    """02 with the keyboard alone: type the hand-scored values and check them; fill the PHQ-9 form item by
    item with the arrow keys and submit it. Expected values from the manuals applied to the case's
    first-visit sheet (cases/lbp-chronic.yaml): BPI interference = (7+6+6+8+5+6+7)/7 = 45/7; PCS total = 34;
    PCS rumination (items 8-11) = 3+3+2+3 = 11, so 12 is wrong; severity 27/4 is filled in by the notebook."""
    since = _now()
    _open_voila(page, voila_server, "02_assessment")
    page.locator("body").focus()
    _tab_until(page, _labelled("text", "bpi interference"))
    page.keyboard.type("45/7")
    page.keyboard.press("Tab")
    page.keyboard.type("34")
    page.keyboard.press("Tab")
    page.keyboard.type("12")
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Check my arithmetic"
    page.keyboard.press("Enter")
    assert "saved for" in _confirmed(page, ".painkit-widget")
    assert _focused(page)["text"] == "Check my arithmetic"  # focus stays where the learner was
    hand = page.locator(".painkit-widget").first.inner_text()
    assert "pcs rumination: 12 is not right" in hand and "add items 8, 9, 10 and 11" in hand
    [attempt] = _saved(voila_home, "assessment", since)
    assert attempt["score"] == 75.0 and attempt["feedback"] == "3 of 4 right"
    assert attempt["answer"]["entries"]["pcs total"] == 34

    # the PHQ-9 form: each dropdown named by its question, answered with ArrowDown (0, then 1: "several days")
    _tab_until(page, _labelled("SELECT", "1. Little interest or pleasure in doing things"))
    for item in range(1, 10):
        assert _focused(page)["tag"] == "SELECT" and _focused(page)["text"].startswith(f"{item}. ")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Tab")
    form = page.locator(".widget-vbox", has_text="Patient Health Questionnaire-9").last
    # nine answers of 1: total 9, and Kroenke 2001 bands 5-9 as mild
    page.wait_for_function("el => el.innerText.includes('total 9/27 (mild)')", arg=form.element_handle(),
                           timeout=20_000)
    text = form.inner_text()
    assert "All items answered" in text
    # item 9 above 0: a clear instruction in words, never the raw flag code
    assert "ask the patient about these thoughts directly and kindly" in text
    assert "self_harm_risk" not in page.inner_text("body") and "FLAGS" not in page.inner_text("body")
    assert _focused(page)["text"] == "Submit"
    page.keyboard.press("Enter")
    _confirmed(page, ".widget-vbox:has-text('Patient Health Questionnaire-9')")
    [sheet] = _saved(voila_home, "instrument:phq9", since)
    assert sheet["answer"]["responses"] == [1] * 9
    save_final_state(page, "keyboard_02_assessment")


def test_keyboard_only_plan_builder(page, voila_server, voila_home):
    """04 with the keyboard alone: tick interventions in three category tabs (arrow keys move between tabs),
    read the live review (it does not quote the expert plan yet), compare with the expert plan, submit."""
    since = _now()
    _open_voila(page, voila_server, "04_multimodal_plan")
    page.locator("body").focus()
    _tab_until(page, _labelled("checkbox", "Oral NSAID"))
    page.keyboard.press("Space")
    builder = page.locator(".widget-vbox", has_text="Build a plan for").last
    page.wait_for_function("el => el.innerText.includes('Review score')", arg=builder.element_handle(),
                           timeout=20_000)
    assert _focused(page)["text"].startswith("Oral NSAID")  # focus kept while the review redraws
    for tab, item in (("physical", "Therapeutic exercise"), ("psychological", "Cognitive behavioural")):
        _tab_until(page, "el => el.classList.contains('lm-TabBar-tab')", key="Shift+Tab")
        for _ in range(8):
            if _focused(page)["text"] == tab:
                break
            page.keyboard.press("ArrowRight")
        assert _focused(page)["text"] == tab
        page.keyboard.press("Enter")
        # the panel is drawn when first shown: Tab before it is drawn would pass it by
        builder.locator(".painkit-choice-option", has_text=item).first.wait_for(state="visible", timeout=20_000)
        _tab_until(page, _labelled("checkbox", item), limit=12)
        page.keyboard.press("Space")
        page.wait_for_timeout(300)
    assert "The expert plan also includes" not in builder.inner_text()  # not before Compare
    _tab_until(page, _labelled("BUTTON", "Compare with the expert plan"))
    ring = _focused(page)["ring"]
    assert ring.startswith("solid") and not ring.endswith(" 1px")  # WCAG 2.4.7: a visible focus ring
    page.keyboard.press("Enter")
    builder.locator("h4", has_text="Expert plan").wait_for(timeout=20_000)
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Submit"
    page.keyboard.press("Enter")
    assert "saved for" in _confirmed(page, ".widget-vbox:has-text('Build a plan for')")
    assert _focused(page)["text"] == "Submit"
    [attempt] = _saved(voila_home, "plan", since)
    assert set(attempt["answer"]["items"]) == {"nsaid_oral", "therapeutic_exercise", "cbt"}
    # time on task starts when the widget is drawn in the browser, after the page arrived; the kernel built
    # the widget before Voila sent the page's last byte (browser and kernel share this machine's clock)
    page_arrived = _now().fromtimestamp(page.evaluate(
        "() => (performance.timeOrigin + performance.getEntriesByType('navigation')[0].responseEnd) / 1000"),
        tz="UTC")
    assert page_arrived < attempt["started"] < attempt["finished"]
    save_final_state(page, "keyboard_04_multimodal_plan")


def test_keyboard_only_trajectory_reading_and_revision(page, voila_server, voila_home):
    """05 with the keyboard alone: tick a plan in the category tabs and Run; read the patient shown (the arrow
    keys stay inside each radio group), submit the reading; show another patient (the week-4 panel follows);
    revise the plan at the week-4 visit and continue to week 12."""
    since = _now()
    _open_voila(page, voila_server, "05_trajectories")
    page.locator("body").focus()
    explorer = page.locator(".widget-vbox", has_text="Synthetic patients like").last
    _tab_until(page, _labelled("checkbox", "Oral NSAID"))
    page.keyboard.press("Space")
    _tab_until(page, _labelled("BUTTON", "Run"), limit=30)
    page.keyboard.press("Enter")
    explorer.locator("text=/Patient \\d+ up to week 4/").wait_for(timeout=60_000)
    assert _focused(page)["text"] == "Run"
    _tab_until(page, "el => el.type === 'radio'", limit=10)
    responder = page.evaluate("() => document.activeElement.name")
    for _ in range(3):  # two options: the third ArrowDown wraps inside the group
        page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.name") == responder
    assert "not a responder" in _focused(page)["text"]
    page.keyboard.press("Tab")  # one tab stop per group: on to the next step, still unanswered
    assert _focused(page)["type"] == "radio" and page.evaluate("() => document.activeElement.name") != responder
    assert explorer.locator("fieldset.painkit-radio-group").nth(1).locator("input:checked").count() == 0
    page.keyboard.press("ArrowDown")  # 'modify the plan'
    assert _focused(page)["text"].startswith("modify the plan")
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Submit reading"
    page.keyboard.press("Enter")
    assert "saved for" in _confirmed(page, ".widget-vbox:has-text('Synthetic patients like')")
    [reading] = _saved(voila_home, "trajectory", since)
    assert reading["answer"]["responder"] is False and reading["answer"]["next_step"] == "modify"
    assert reading["answer"]["plan"] == ["nsaid_oral"]

    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Another patient"
    page.keyboard.press("Enter")
    other = reading["answer"]["patient"]
    page.wait_for_function(f"el => !el.innerText.includes('Patient {other} up to week 4')",
                           arg=explorer.element_handle(), timeout=20_000)
    shown = explorer.inner_text()
    new = int(shown.split(" up to week 4")[0].rsplit("Patient ", 1)[1])
    assert new != other and f"Patient {new}\n" in shown  # the reading and the week-4 panel show the same patient

    _tab_until(page, _labelled("checkbox", "Cognitive behavioural therapy"), limit=80)
    page.keyboard.press("Space")
    _tab_until(page, _labelled("BUTTON", "Continue to week 12"), limit=40)
    page.keyboard.press("Enter")
    explorer.locator("text=Revision review").wait_for(timeout=120_000)
    assert "saved for" in _confirmed(page, ".widget-vbox:has-text('Synthetic patients like')")
    [revision] = _saved(voila_home, "revision", since)
    assert set(revision["answer"]["revised"]["items"]) == {"nsaid_oral", "cbt"}
    outcomes = explorer.locator("table", has_text="plan revised").inner_text()
    assert "%" in outcomes and not re.search(r"(?<![\d.])0\.\d{2,}", outcomes)  # percent, never a raw 0.528
    save_final_state(page, "keyboard_05_trajectories")


RING = """() => { const el = document.activeElement; const s = getComputedStyle(el);
  return {tag: el.tagName, type: el.type || '', cls: String(el.className).slice(0, 40),
          style: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0,
          inside: !!el.closest('.jp-OutputArea-output')}; }"""


def _check_focus_rings(page) -> None:
    """WCAG 2.4.7: Tab through the whole page; every control painkit draws (text and number boxes, dropdowns,
    tick boxes, radio buttons, buttons, tabs, a chart's data table) shows a solid outline at least 2 px wide."""
    page.locator("body").focus()
    kinds, faint = set(), []
    for _ in range(300):
        page.keyboard.press("Tab")
        el = page.evaluate(RING)
        if el["tag"] == "BODY":  # back at the start: every stop visited
            break
        if not el["inside"]:
            continue
        kinds.add(f"{el['tag']}:{el['type']}")
        if el["style"] in ("none", "hidden") or el["width"] < 2:
            faint.append(el)
    assert faint == [], faint
    assert "BUTTON:submit" in kinds and len(kinds) >= 2, kinds  # the check did visit painkit's controls
