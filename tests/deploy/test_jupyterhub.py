"""A real JupyterHub on 127.0.0.1 with the workshop configuration: three learners log in, each runs a
painkit notebook in their own server, and their progress exports arrive in the class folder."""
from __future__ import annotations

import shutil
import socket
import stat
import time
from pathlib import Path

import nbformat
import pytest

from .hub import ROOT, Hub, find_chp, prestart_module

prestart = prestart_module()  # the facilitator's command that starts a class list

LEARNERS = ["ana", "bongani", "chen"]
NOTEBOOK = ROOT / "notebooks" / "03_mechanisms.ipynb"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hub(tmp_path):
    if not find_chp():
        pytest.fail("The JupyterHub test needs configurable-http-proxy: `make test` installs it with npm "
                    "into .venv/node (npm install --prefix .venv/node configurable-http-proxy).")
    cases = tmp_path / "shared-cases"
    shutil.copytree(ROOT / "cases", cases)
    for p in [cases, *cases.iterdir()]:  # the shared case folder is read-only, as on a real hub
        p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    h = Hub(tmp_path, _port(), _port(), cases, class_dir)
    h.class_dir = class_dir
    yield h
    h.stop()


def notebook_cells(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_three_learners_run_a_notebook_and_hand_in(hub):
    t0 = time.monotonic()
    for name in LEARNERS:
        session = hub.login(name)
        assert session.cookies, f"{name} got no login cookie"
    started = prestart.start_class(prestart.HubAPI(hub.url, hub.token), LEARNERS, timeout=180)
    assert [(r.name, r.ok, r.error) for r in started] == [(n, True, "") for n in LEARNERS]
    cells = notebook_cells(NOTEBOOK)
    for name in LEARNERS:
        out = hub.run_code(name, [
            "import os; os.chdir(os.path.expanduser('~'))",
            *cells,
            # the learner answers a quiz, as a click on Submit would; the attempt goes to their own store
            "quiz = pk.widgets.MechanismQuiz(pk.load_case('fibromyalgia'))\n"
            "quiz.select(['nociplastic'], grades={'nociplastic': 'probable'})\n"
            "print('score', quiz.submit().score)",
            "import painkit as pk\n"
            "print('learner', os.environ['PAINKIT_LEARNER'])\n"
            "print('handed in', pk.workshop.hand_in())",
        ])
        assert f"learner {name}" in "".join(out)
        assert "score 100.0" in "".join(out)
    handed = sorted(p.name for p in hub.class_dir.iterdir())
    assert handed == sorted(f"{n}.jsonl" for n in LEARNERS)
    import painkit as pk

    cls = pk.workshop.load_class(hub.class_dir)
    assert sorted(cls.attempts["learner"].unique()) == LEARNERS
    assert set(cls.attempts["case"]) == {"fibromyalgia"} and not cls.problems
    print(f"hub test: 3 learners logged in, ran {NOTEBOOK.name} and handed in in {time.monotonic() - t0:.1f} s")
