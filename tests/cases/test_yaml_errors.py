"""YAML syntax errors are translated wherever painkit reads a YAML file an author or facilitator wrote (case
files, scenario files, the LRS configuration): the line and column of the mistake and what to do, never a
raw parser message or a traceback; and one broken case file in $PAINKIT_CASES is reported and skipped,
never breaking the library for learners (case index, case picker, load by id)."""
from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import painkit as pk
from painkit.cases import REPO_CASES, read_case

MINIMAL = (Path(__file__).resolve().parents[1] / "fixtures" / "minimal-case.yaml").read_text()

# name -> (text of the broken file, where the mistake is, words of the advice). Positions are 1-based, counted
# in the text as written (line 1 is the fixture's comment): the tab opens line 6, under 'patient:'; the quote
# opens line 3 at column 8, after 'title: '; 'patient' on line 5 lacks its ':'.
BROKEN = {
    "tab-indent": (MINIMAL.replace("patient: {age: 30, sex: female}", "patient:\n\tage: 30"),
                   "line 6, column 1", "a tab character; indent with spaces only"),
    "open-quote": (MINIMAL.replace("title: Minimal valid case", 'title: "Minimal valid case'),
                   "line 3, column 8", "this quote is never closed; add the closing quote"),
    "no-colon": (MINIMAL.replace("patient: {age: 30, sex: female}", "patient {age 30}"),
                 "line 5, column 1", "add the missing ':' after the field name"),
}


def _write(folder: Path, name: str) -> Path:
    text = BROKEN[name][0].replace("id: minimal-case", f"id: {name}")
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_syntax_error_names_file_line_column_and_what_to_do(tmp_path, name):
    _, where, advice = BROKEN[name]
    with pytest.raises(pk.CaseError) as info:
        read_case(_write(tmp_path, name))
    message = str(info.value)
    assert f"{name}.yaml: not valid YAML: {where}: " in message
    assert advice in message
    assert "could not find expected" not in message and "token" not in message  # the parser's words, translated


def test_validate_prints_the_translation_without_a_traceback(tmp_path):
    for name in BROKEN:
        _write(tmp_path, name)
    result = subprocess.run([sys.executable, "-m", "painkit", "validate", str(tmp_path)], capture_output=True,
                            text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(BROKEN)
    for name, (_, where, _) in BROKEN.items():
        assert any(line.startswith(str(tmp_path / f"{name}.yaml")) and where in line for line in lines)


@pytest.fixture
def one_broken_folder(tmp_path, monkeypatch):
    _write(tmp_path, "tab-indent")
    monkeypatch.setenv("PAINKIT_CASES", str(tmp_path))
    return tmp_path


def test_case_index_skips_and_reports_a_broken_file_in_painkit_cases(one_broken_folder):
    with pytest.warns(UserWarning, match="tab-indent.yaml"):
        index = pk.case_index()
    shipped = {p.stem for p in REPO_CASES.glob("*.yaml")}
    assert set(index["id"]) == shipped  # every shipped case is still listed
    [problem] = index.attrs["problems"]
    assert "tab-indent.yaml: not valid YAML: line 6, column 1" in problem


def test_a_good_case_still_loads_by_id_beside_a_broken_file(one_broken_folder):
    assert pk.load_case("lbp-chronic").id == "lbp-chronic"
    with pytest.raises(pk.CaseError, match="tab-indent.yaml: not valid YAML: line 6"):
        pk.load_case("tab-indent")


def test_case_picker_lists_the_library_and_names_the_unreadable_file(one_broken_folder):
    from painkit.widgets import CasePicker

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the learner sees the note in the widget, not a warning box
        picker = CasePicker()
    assert len(picker.index) == len(list(REPO_CASES.glob("*.yaml")))
    assert "1 case file(s) could not be read and are not listed: tab-indent.yaml" in picker.count.value
    assert "python -m painkit validate" in picker.count.value


def test_a_syntax_error_in_the_lrs_configuration_is_a_progress_error(tmp_path, monkeypatch):
    from painkit.progress._outbox import lrs_config

    monkeypatch.setenv("PAINKIT_HOME", str(tmp_path))
    monkeypatch.delenv("PAINKIT_LRS_ENDPOINT", raising=False)
    (tmp_path / "lrs.yaml").write_text("endpoint: 'https://lrs.example.edu/xAPI/\nusername: me\n")
    with pytest.raises(pk.ProgressError, match=r"lrs.yaml: not valid YAML: line 1, column 11: this quote is never"):
        lrs_config()


def test_a_syntax_error_in_a_scenario_file_names_its_line(tmp_path):
    (tmp_path / "bad.yaml").write_text("scenarios:\n\t- id: x\n")
    result = subprocess.run([sys.executable, "-m", "painkit", "check-scenarios", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "bad.yaml: not valid YAML: line 2, column 1: a tab character" in result.stdout + result.stderr


def test_case_choice_dropdown_lists_the_library_and_names_the_unreadable_file(one_broken_folder):
    from painkit.widgets import CaseChoice, PlanBuilder

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        choice = CaseChoice(lambda cid: PlanBuilder(cid, on_attempt=lambda a: None), "lbp-chronic")
    assert len(choice.picker.options) == len(list(REPO_CASES.glob("*.yaml")))
    assert "could not be read and are not listed: tab-indent.yaml" in choice.note.value
