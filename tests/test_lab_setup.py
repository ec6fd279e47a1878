"""``make lab`` never lets a learner's Run All write outputs into the git-tracked notebooks: learners work on
copies in my-notebooks/ (git-ignored, never overwritten) in a JupyterLab rooted there with autosave off
(deploy/lab/overrides.json, read only by that command)."""
from __future__ import annotations

import importlib.util
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("lab_setup", ROOT / "tools" / "lab_setup.py")
lab_setup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lab_setup)

AUTOSAVE = "@jupyterlab/docmanager-extension:plugin"


def test_the_overrides_turn_off_autosave():
    overrides = json.loads((ROOT / "deploy" / "lab" / "overrides.json").read_text())
    assert overrides == {AUTOSAVE: {"autosave": False}}


def test_learner_copies_are_made_once_and_never_overwritten(tmp_path):
    source, dest = tmp_path / "notebooks", tmp_path / "my-notebooks"
    (source / "educator").mkdir(parents=True)
    (source / "01.ipynb").write_text("course v1")
    (source / "educator" / "e.ipynb").write_text("educator")
    copied, changed = lab_setup.learner_copies(source, dest)
    assert sorted(p.relative_to(dest).as_posix() for p in copied) == ["01.ipynb", "educator/e.ipynb"]
    assert changed == []

    (dest / "01.ipynb").write_text("my answers and outputs")
    later = time.time() + 10
    (source / "01.ipynb").write_text("course v2")
    os.utime(source / "01.ipynb", (later, later))
    copied, changed = lab_setup.learner_copies(source, dest)
    assert copied == [] and changed == [dest / "01.ipynb"]
    assert (dest / "01.ipynb").read_text() == "my answers and outputs"  # the learner's work is kept


def test_lab_setup_copies_the_course_notebooks(tmp_path):
    dest = tmp_path / "copies"
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "lab_setup.py"), "--dest", str(dest)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for original in (ROOT / "notebooks").rglob("*.ipynb"):
        copy = dest / original.relative_to(ROOT / "notebooks")
        assert copy.read_bytes() == original.read_bytes()


def test_make_lab_serves_the_copies_with_the_overrides():
    result = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    commands = result.stdout
    assert commands.index("tools/lab_setup.py") < commands.index("jupyter lab")  # copies exist before the start
    assert f"--LabApp.app_settings_dir={ROOT}/deploy/lab" in commands
    assert f"--ServerApp.root_dir={ROOT}/my-notebooks" in commands
    assert "jupyter lab notebooks/" not in commands


def test_the_copies_are_ignored_by_git():
    result = subprocess.run(["git", "check-ignore", "-q", "my-notebooks/00_start_here.ipynb"], cwd=ROOT)
    assert result.returncode == 0


def test_jupyterlab_started_as_make_lab_does_has_autosave_off(tmp_path):
    """A real JupyterLab with make lab's settings flag reports autosave off (its schema default becomes the
    override), so a renamed setting or a flag JupyterLab ignores fails here."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(8)
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           f"--IdentityProvider.token={token}", f"--LabApp.app_settings_dir={ROOT / 'deploy' / 'lab'}",
           f"--ServerApp.root_dir={tmp_path}", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           *(["--allow-root"] if os.geteuid() == 0 else [])]
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "user"))
    with open(tmp_path / "server.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/lab/api/settings/{AUTOSAVE}?token={token}"
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    plugin = json.load(r)
                break
            except OSError:
                assert time.time() < deadline, (tmp_path / "server.log").read_text()[-2000:]
                time.sleep(0.5)
        assert plugin["schema"]["properties"]["autosave"]["default"] is False
        assert plugin["settings"].get("autosave", False) is False
    finally:
        proc.terminate()
        proc.wait(timeout=30)
