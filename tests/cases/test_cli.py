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


# The template's placeholder texts (painkit/data/case_template.yaml): the fields an author must write.
PLACEHOLDERS = {
    "title": ('Replace with a short title, e.g. "Chronic low back pain with psychosocial risk factors"',
              "Frozen shoulder in a teacher"),
    "patient.background": ("Occupation, family, what matters to them. Write respectfully.",
                           "Primary-school teacher; plays the cello."),
    "presentation": ("What the learner reads first: who, what pain, since when, why they came.",
                     "Six months of right shoulder pain."),
    "history": ("Pain history: site, quality, course, aggravating and easing factors, treatments tried, sleep, "
                "mood, work.", "Worse reaching overhead; eases with rest."),
    "exam": ("Examination findings, including neurological examination and signs of hypersensitivity.",
             "Painful arc; neurological examination normal."),
    "key.rationale": ("Why these grades, criterion by criterion.", "Tissue injury with a mechanical pattern."),
    "key.teaching_points[0]": ("Replace with what the learner should take away.", "Exercise therapy first."),
    "key.sources[0]": ("Replace with author, year, title, journal.", "A test source, 2024."),
}


def _new_case(tmp_path: Path) -> Path:
    result = run("new-case", "my-case", "--folder", str(tmp_path))
    assert result.returncode == 0, result.stderr
    path = tmp_path / "my-case.yaml"
    text = path.read_text()
    assert text.startswith("#") and "id: my-case" in text
    return path


def test_untouched_new_case_template_fails_naming_every_placeholder_field(tmp_path):
    _new_case(tmp_path)
    result = run("validate", str(tmp_path))
    assert result.returncode == 1
    named = {line.split(": ")[1] for line in result.stdout.splitlines()}
    assert named == set(PLACEHOLDERS)
    assert all("still the template's placeholder text" in line for line in result.stdout.splitlines())


def test_new_case_template_is_valid_after_filling_in(tmp_path):
    path = _new_case(tmp_path)
    text = path.read_text()
    for old, new in PLACEHOLDERS.values():
        assert old in text
        text = text.replace(old, new)
    path.write_text(text)
    result = run("validate", str(tmp_path))
    assert result.returncode == 0, result.stdout


def test_a_half_edited_template_names_only_the_fields_left(tmp_path):
    path = _new_case(tmp_path)
    text = path.read_text()
    for field in ("title", "presentation", "key.rationale"):
        old, new = PLACEHOLDERS[field]
        text = text.replace(old, new)
    path.write_text(text)
    result = run("validate", str(tmp_path))
    named = {line.split(": ")[1] for line in result.stdout.splitlines()}
    assert named == set(PLACEHOLDERS) - {"title", "presentation", "key.rationale"}
