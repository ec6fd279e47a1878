"""``python -m painkit``: exit codes and one line per problem, never a traceback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "painkit", *args], capture_output=True, text=True, cwd=cwd)


def test_validate_shipped_cases_exits_zero():
    result = run("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_validate_bad_folder_exits_one_with_a_line_per_problem():
    result = run("validate", str(FIXTURES / "bad_cases"))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    files = {line.split(":", 1)[0] for line in lines}
    assert len(files) == len(list((FIXTURES / "bad_cases").glob("*.yaml")))
    assert all(".yaml" in f for f in files)


@pytest.mark.parametrize("name", [p.stem for p in sorted((FIXTURES / "bad_cases").glob("*.yaml"))])
def test_no_traceback_for_any_malformed_file(tmp_path, name):
    (tmp_path / f"{name}.yaml").write_bytes((FIXTURES / "bad_cases" / f"{name}.yaml").read_bytes())
    result = run("validate", str(tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{name}.yaml" in result.stdout


def test_missing_folder_is_a_problem_not_a_crash(tmp_path):
    result = run("validate", str(tmp_path / "nowhere"))
    assert result.returncode == 1 and "not a folder" in result.stdout


def test_schema_is_json_schema_of_a_case():
    result = run("schema")
    schema = json.loads(result.stdout)
    assert schema["additionalProperties"] is False
    assert {"id", "title", "setting", "key"} <= set(schema["required"])


def test_new_case_template_is_valid_after_filling_in(tmp_path):
    result = run("new-case", "my-case", "--folder", str(tmp_path))
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "my-case.yaml").read_text()
    assert text.startswith("#") and "id: my-case" in text
    assert run("validate", str(tmp_path)).returncode == 0
