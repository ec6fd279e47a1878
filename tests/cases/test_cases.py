"""The case model: loading, listing, validating, safe YAML, escaped HTML, and one test per malformed file."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import painkit as pk
from painkit.cases import parse_case, read_case

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BAD = FIXTURES / "bad_cases"

# fixture -> (field path the message must name, words that say what is wrong / allowed)
MALFORMED = {
    "wrong-type": ("patient.age", "valid integer"),
    "missing-field": ("title", "required field is missing"),
    "unknown-key": ("diagnosis", "unknown field"),
    "bad-enum": ("setting", "'chronik' is not one of acute, chronic, cancer, palliative"),
    "id-mismatch": ("id", "must equal the file name 'id-mismatch'"),
    "unsafe-tag": ("python/object", "only plain YAML is allowed"),
    "yaml-bomb": ("aliases", "YAML bomb guard"),
    "deep-nesting": ("nested deeper", "YAML bomb guard"),
    "empty": ("the file is empty", "a case is a mapping"),
    "not-a-mapping": ("found a list", "must be a mapping"),
    "non-utf8": ("not UTF-8", "0xe0"),
    "negative-duration": ("findings.pain_duration_months", "greater than or equal to 0"),
    "bad-grade": ("key.mechanisms", "'maybe' is not one of unlikely, possible, probable, definite"),
    "unknown-comorbidity": ("comorbidities[0].id", "allowed: aki"),
    "syntax-error": ("line 5, column 15", "not valid YAML"),  # where the unclosed '[' opens
    "wrong-list-type": ("allergies", "valid list"),
    "bad-medication": ("medications[0].dose", "greater than 0"),
    "bad-answer": ("instruments[0].responses.phq9", "item"),
}


def test_fixtures_cover_at_least_twelve_distinct_problems():
    assert len(list(BAD.glob("*.yaml"))) >= 12
    assert set(MALFORMED) == {p.stem for p in BAD.glob("*.yaml")}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_case_names_file_and_field(name):
    field, words = MALFORMED[name]
    with pytest.raises(pk.CaseError) as info:
        read_case(BAD / f"{name}.yaml")
    message = str(info.value)
    assert f"{name}.yaml" in message
    assert field in message
    assert words in message


def test_unsafe_tag_runs_nothing(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    text = (BAD / "unsafe-tag.yaml").read_text().replace("echo pwned", f"touch {marker}")
    (tmp_path / "unsafe-tag.yaml").write_text(text)
    with pytest.raises(pk.CaseError):
        read_case(tmp_path / "unsafe-tag.yaml")
    assert not marker.exists()


def test_oversized_file_is_refused_before_parsing(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("presentation: '" + "x" * 1_100_000 + "'\n")
    with pytest.raises(pk.CaseError, match="big.yaml: file is .* bytes; the limit is"):
        read_case(big)


def test_all_problems_reported_at_once():
    text = (FIXTURES / "minimal-case.yaml").read_text()
    data = __import__("yaml").safe_load(text)
    data["setting"] = "chronik"
    data["patient"]["age"] = -1
    del data["title"]
    data["instruments"] = [{"week": 0, "responses": {"phq9": [0, 0, 4, 0, 0, 0, 0, 0, 0]}}]  # items are 0-3
    with pytest.raises(pk.CaseError) as info:
        parse_case(data, "x.yaml")
    assert len(info.value.problems) == 4
    assert any("instruments[0].responses.phq9" in p for p in info.value.problems)


def test_duplicate_ids_are_an_error():
    problems = pk.validate_cases(FIXTURES / "dup_ids")
    assert any("duplicates" in p and "dup-case" in p for p in problems)


def test_minimal_case_is_valid():
    case = read_case(FIXTURES / "minimal-case.yaml")
    assert case.id == "minimal-case" and case.setting == "acute"


def test_shipped_library_is_valid():
    assert pk.validate_cases() == []
    assert "lbp-chronic" in pk.list_cases()


def test_load_by_id_and_path(cases_dir):
    by_id = pk.load_case("lbp-chronic")
    by_path = pk.load_case(cases_dir / "lbp-chronic.yaml")
    assert by_id == by_path


def test_unknown_id_suggests(monkeypatch):
    with pytest.raises(pk.CaseError, match="did you mean 'lbp-chronic'"):
        pk.load_case("lbp-chronc")


def test_private_case_folder_from_environment(tmp_path, monkeypatch):
    shutil.copy(FIXTURES / "minimal-case.yaml", tmp_path / "minimal-case.yaml")
    monkeypatch.setenv("PAINKIT_CASES", str(tmp_path))
    assert "minimal-case" in pk.list_cases()
    assert pk.load_case("minimal-case").title == "Minimal valid case"


HOSTILE = """
id: hostile
title: "<script>alert('x')</script> Hostile"
setting: acute
patient: {age: 30, sex: male, background: "<img src=x onerror=alert(1)>"}
presentation: "Pain <b onmouseover=alert(2)>here</b>"
medications: [{name: "<script>evil()</script>", dose: 1, unit: mg}]
key:
  mechanisms: {nociceptive: likely}
  primary: nociceptive
  rationale: "<iframe src=javascript:alert(3)>secret key</iframe>"
  teaching_points: ["<svg onload=alert(4)>"]
  sources: [x]
"""


def test_case_html_escapes_everything():
    case = parse_case(__import__("yaml").safe_load(HOSTILE), "hostile.yaml")
    html = case._repr_html_() + case.show(key=True).data
    for raw in ("<script>", "<img", "<b onmouseover", "<iframe", "<svg"):
        assert raw not in html
    assert "&lt;script&gt;" in html and "onerror=alert(1)" in html  # shown as text


def test_key_hidden_unless_asked():
    case = pk.load_case("lbp-chronic")
    assert case.key.rationale.split()[0] not in case._repr_html_()
    assert "Expert key" not in case._repr_html_()
    assert "Expert key" in case.show(key=True).data


def test_every_page_carries_the_disclaimer():
    assert pk.DISCLAIMER in pk.load_case("lbp-chronic")._repr_html_()


def test_import_is_light():
    code = "import sys, painkit; print('altair' in sys.modules, 'ipywidgets' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "False"]
