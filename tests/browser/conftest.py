"""Real-browser fixtures: JupyterLab (and Voilà) started on 127.0.0.1 by the tests, driven by Debian's
Chromium through Python Playwright. Never ``playwright install``: the browser comes from apt
(``make test`` installs it when it is missing and it runs as root).

A failing test saves a screenshot under ``tests/browser/screenshots/``. With ``PAINKIT_SCREENSHOTS=1`` the
final state of every notebook is also saved under ``docs/img/`` for the README.
"""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).parent / "screenshots"
DOC_IMG = ROOT / "docs" / "img"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def root_flag() -> list[str]:
    return ["--allow-root"] if os.geteuid() == 0 else []


def server_env(home: Path) -> dict:
    env = dict(os.environ, PAINKIT_HOME=str(home), PAINKIT_LEARNER="browser-test",
               JUPYTER_CONFIG_DIR=str(home / "jupyter-config"))
    return env


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail("Browser tests need Debian's Chromium at /usr/bin/chromium: `sudo apt-get install -y "
                    "chromium` (make test does this when run as root). Never `playwright install`.")
    return CHROMIUM


@contextlib.contextmanager
def serve(cmd: list[str], home: Path, ready_url: str, env: Optional[dict] = None):
    """Run a server process from ``home`` until the block ends; its output goes to ``home/server.log``."""
    with open(home / "server.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=home, env={**server_env(home), **(env or {})}, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            wait_http(ready_url)
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


# As `make app`: painkit's Voila template (no CDN) and config (educator/ not listed) from deploy/voila.
VOILA_ENV = {"JUPYTER_PATH": str(ROOT / "deploy" / "voila"), "JUPYTER_CONFIG_PATH": str(ROOT / "deploy" / "voila")}


def served_copy(prefix: str) -> Path:
    """A temporary home holding a copy of notebooks/, so no server ever writes into the repository."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    shutil.copytree(ROOT / "notebooks", home / "notebooks")
    return home


@pytest.fixture(scope="session")
def lab_server():
    """JupyterLab on 127.0.0.1 with a random token; yields (base_url, token).

    It serves a copy of notebooks/ so that JupyterLab's autosave never writes outputs into the repository."""
    port, token = free_port(), secrets.token_hex(16)
    home = served_copy("painkit-lab-")
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", *root_flag()]
    with serve(cmd, home, f"http://127.0.0.1:{port}/api/status?token={token}"):
        yield f"http://127.0.0.1:{port}", token


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


VIEWPORT = {"width": 1400, "height": 1000}


def screenshot_if_failed(pg, request) -> None:
    """Save a screenshot of ``pg`` under tests/browser/screenshots/ when the test that used it failed."""
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        SHOTS.mkdir(exist_ok=True)
        path = SHOTS / (re.sub(r"[^\w.-]+", "_", request.node.name) + ".png")
        pg.screenshot(path=str(path), full_page=True)
        print(f"screenshot of the failure: {path}")


@pytest.fixture
def page(browser, request):
    """A fresh page of its own (a new browser context) for a test that changes what it shows."""
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    yield pg
    screenshot_if_failed(pg, request)
    context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def save_final_state(pg, name: str) -> None:
    """Keep a picture of a notebook's final state for the README (only when asked: PAINKIT_SCREENSHOTS=1)."""
    if os.environ.get("PAINKIT_SCREENSHOTS"):
        DOC_IMG.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(DOC_IMG / f"{name}.png"), full_page=False)


@pytest.fixture(scope="session")
def voila_home() -> Path:
    """The home (``$PAINKIT_HOME``) of the Voila server's kernels: its ``progress.sqlite`` holds what the
    learner's clicks and keys saved."""
    return served_copy("painkit-voila-")


@pytest.fixture(scope="session")
def voila_server(voila_home):
    """Voila serving a copy of notebooks/ as apps (as ``make app`` does); yields the base URL."""
    port = free_port()
    home = voila_home
    cmd = [sys.executable, "-m", "voila", str(home / "notebooks"), "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1"]
    with serve(cmd, home, f"http://127.0.0.1:{port}/", env=VOILA_ENV):
        yield f"http://127.0.0.1:{port}"


def open_voila(page, voila_server: str, name: str) -> None:
    """Open ``notebooks/<name>.ipynb`` in Voila and wait until it is rendered, its widgets drawn."""
    page.goto(f"{voila_server}/voila/render/{name}.ipynb", timeout=180_000)
    page.wait_for_selector(".jp-OutputArea-output, .jp-RenderedMarkdown", timeout=180_000)
    page.wait_for_load_state("networkidle", timeout=180_000)
    if "widgets" in (ROOT / "notebooks" / f"{name}.ipynb").read_text():
        page.wait_for_selector(".jupyter-widgets", timeout=60_000)
    page.wait_for_timeout(500)


# ---------------------------------------------------------------------------------------------------------------
# Shared pages. Loading a notebook is most of a browser test's time (JupyterLab: open, Run All, wait for the
# kernel, 15-35 s; Voila runs the notebook for every page load), so the tests that only read a notebook's page,
# or use it in ways that do not disturb each other, share one page load per notebook: a test names its notebook
# with the ``notebook`` mark and takes ``lab_page`` or ``voila_page``. The root conftest puts the tests of one
# notebook's page in one xdist group, one after the other in collection order (the axe check first, on the page
# as Run All left it); each test then finds the page as the tests before it left it. Tests whose clicks save
# attempts or that need a page of their own from the first request (the keyboard journeys) keep ``page``.

_REQUESTS: dict = {}


def requests_made(pg) -> list[str]:
    """Every URL a shared page requested since it was opened (to check nothing left 127.0.0.1)."""
    return _REQUESTS[pg]


class SharedPage:
    """One notebook's page at a time: kept while consecutive tests ask for the same notebook, closed when a
    test asks for another (so a worker never holds more than one JupyterLab page and its kernel)."""

    def __init__(self, browser, opener) -> None:
        self.browser, self.opener = browser, opener
        self.name: Optional[str] = None
        self.context = self.page = None

    def get(self, name: str):
        if name != self.name:
            self.close()
            self.context = self.browser.new_context(viewport=VIEWPORT)
            pg = self.context.new_page()
            seen: list[str] = []
            pg.on("request", lambda r: seen.append(r.url))
            _REQUESTS[pg] = seen
            self.page = pg
            self.opener(pg, name)  # if this fails, the next test of the notebook opens it again
            self.name = name
        return self.page

    def close(self) -> None:
        if self.context is not None:
            _REQUESTS.pop(self.page, None)
            self.context.close()
        self.name, self.context, self.page = None, None, None


def notebook_of(request) -> str:
    mark = request.node.get_closest_marker("notebook")
    if mark is None:
        pytest.fail(f"{request.node.name} takes a shared page: name its notebook with @pytest.mark.notebook(...)")
    return mark.args[0]


@pytest.fixture(scope="session")
def _lab_pages(browser, lab_server):
    from .lab import open_and_run

    shared = SharedPage(browser, lambda pg, name: open_and_run(pg, lab_server, name))
    yield shared
    shared.close()


def _shared(pages: "SharedPage", request):
    """The test's notebook page from ``pages``; a screenshot of it if the test failed."""
    pg = pages.get(notebook_of(request))
    yield pg
    screenshot_if_failed(pg, request)


@pytest.fixture
def lab_page(_lab_pages, request):
    """The test's notebook (``notebook`` mark) open in JupyterLab with every cell run, shared with the other
    tests of that notebook's JupyterLab page."""
    yield from _shared(_lab_pages, request)


@pytest.fixture(scope="session")
def _voila_pages(browser, voila_server):
    shared = SharedPage(browser, lambda pg, name: open_voila(pg, voila_server, name))
    yield shared
    shared.close()


@pytest.fixture
def voila_page(_voila_pages, request):
    """The test's notebook (``notebook`` mark) rendered by Voila, shared with the other tests of that
    notebook's Voila page."""
    yield from _shared(_voila_pages, request)


def per_notebook(names) -> list:
    """Parameters for a test run once per notebook on its shared page: each value marked with its notebook
    (the stem, so ``00_start_here.ipynb`` and ``00_start_here`` share one page); the test ids stay the names."""
    return [pytest.param(n, marks=pytest.mark.notebook(Path(n).stem), id=n) for n in names]
