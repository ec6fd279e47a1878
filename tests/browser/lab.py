"""Driving JupyterLab in Chromium: open a notebook, run all cells, wait until the kernel is done."""
from __future__ import annotations

import re

KERNEL_IDLE = "#jp-main-statusbar >> text=/Idle/"


def dismiss_popups(pg) -> None:
    """Answer JupyterLab's 'get notified about news?' toast if it shows."""
    for label in ("No", "Dismiss"):
        btn = pg.locator(f".jp-toast-button >> text={label}")
        if btn.count():
            btn.first.click()


def open_notebook(pg, base: str, token: str, path: str) -> None:
    pg.goto(f"{base}/lab/tree/{path}?reset&token={token}")
    pg.wait_for_selector(".jp-Notebook", timeout=60_000)
    pg.wait_for_selector(KERNEL_IDLE, timeout=60_000)
    pg.wait_for_timeout(1000)
    dismiss_popups(pg)


def run_all(pg, timeout_ms: int = 180_000) -> None:
    """Run All from the Run menu, then wait until every code cell shows an execution count."""
    pg.locator(".jp-Notebook").first.click()
    pg.keyboard.press("Escape")
    pg.locator("div.lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    pg.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
    pg.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=timeout_ms,
    )
    pg.wait_for_selector(KERNEL_IDLE, timeout=timeout_ms)
    pg.wait_for_timeout(500)


def errors_in_outputs(pg) -> list[str]:
    """Text of any error output (tracebacks) on the page."""
    return pg.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()


CHARTS_JS = """el => [...el.querySelectorAll("svg.marks, img[src^='data:image/svg+xml'], img[src^='data:image/png'], canvas.marks")]
    .filter(c => c.tagName !== 'IMG' || (c.complete && c.naturalWidth > 0)).length"""


def drawn_charts(locator) -> int:
    """Charts that really drew inside ``locator`` with no network: Vega's SVG (drawn by the front end, inline, or as an image
    as JupyterLab shows the image/svg+xml output), a PNG, or a canvas."""
    return locator.evaluate(CHARTS_JS)


def wait_for_charts(page, locator, at_least: int = 1, timeout_ms: int = 20_000) -> None:
    """Wait until ``at_least`` charts have drawn inside ``locator`` (images decode asynchronously)."""
    page.wait_for_function(f"([el, n]) => ({CHARTS_JS})(el) >= n", arg=[locator.element_handle(), at_least],
                           timeout=timeout_ms)


def open_and_run(page, lab_server, name: str) -> None:
    """Open ``notebooks/<name>.ipynb`` in the test's JupyterLab and run every cell."""
    base, token = lab_server
    open_notebook(page, base, token, f"notebooks/{name}.ipynb")
    run_all(page)
