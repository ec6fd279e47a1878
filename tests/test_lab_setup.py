"""``make lab`` never lets a learner's Run All write outputs into the git-tracked notebooks: learners work on
copies in my-notebooks/ (git-ignored, never overwritten) in a JupyterLab with autosave off."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("lab_setup", ROOT / "tools" / "lab_setup.py")
lab_setup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lab_setup)

AUTOSAVE = "@jupyterlab/docmanager-extension:plugin"


def test_the_overrides_turn_off_a_setting_this_jupyterlab_has():
    overrides = json.loads((ROOT / "deploy" / "lab" / "overrides.json").read_text())
    assert overrides == {AUTOSAVE: {"autosave": False}}
    # the setting exists in the installed JupyterLab's schema (a renamed setting would be silently ignored)
    from jupyterlab.commands import get_app_dir

    schema = Path(get_app_dir()) / "schemas" / "@jupyterlab" / "docmanager-extension" / "plugin.json"
    assert json.loads(schema.read_text())["properties"]["autosave"]["type"] == "boolean"


def test_install_overrides_merges_into_the_environments_settings(tmp_path):
    target = lab_setup.overrides_path(tmp_path)
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
                                  AUTOSAVE: {"autosaveInterval": 60}}))
    assert lab_setup.install_overrides(tmp_path) == target
    settings = json.loads(target.read_text())
    assert settings[AUTOSAVE] == {"autosaveInterval": 60, "autosave": False}
    assert settings["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}  # kept


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


def test_make_lab_serves_the_copies_and_installs_the_overrides():
    result = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    commands = result.stdout
    assert "tools/lab_setup.py" in commands
    setup, lab = commands.index("tools/lab_setup.py"), commands.index("jupyter lab")
    assert setup < lab  # the copies and the overrides exist before JupyterLab starts
    assert f"--ServerApp.root_dir={ROOT}/my-notebooks" in commands
    assert "jupyter lab notebooks/" not in commands


def test_the_copies_are_ignored_by_git():
    result = subprocess.run(["git", "check-ignore", "-q", "my-notebooks/00_start_here.ipynb"], cwd=ROOT)
    assert result.returncode == 0


def test_lab_setup_runs_in_this_environment(tmp_path):
    dest = tmp_path / "copies"
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "lab_setup.py"), "--prefix", str(tmp_path),
                             "--dest", str(dest)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (dest / "00_start_here.ipynb").read_bytes() == (ROOT / "notebooks" / "00_start_here.ipynb").read_bytes()
    assert json.loads(lab_setup.overrides_path(tmp_path).read_text())[AUTOSAVE]["autosave"] is False
