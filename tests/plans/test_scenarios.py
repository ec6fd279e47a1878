"""Review scenarios as data (tests/scenarios/*.yaml): every shipped scenario passes, the folder holds at
least 80 of them with a third or more controls, and the runner reports failures and malformed files."""
from __future__ import annotations

import pytest

from painkit.__main__ import main
from painkit.plans import ScenarioError, run_folder, run_scenario

SHIPPED = run_folder()


@pytest.mark.parametrize("result", SHIPPED, ids=[r.id for r in SHIPPED])
def test_shipped_scenario_passes(result):
    assert not result.failures, f"{result.file} {result.id}: " + "; ".join(result.failures)


def test_enough_scenarios_and_controls():
    assert len(SHIPPED) >= 80
    assert sum(r.control for r in SHIPPED) * 3 >= len(SHIPPED)


def _write(tmp_path, text):
    (tmp_path / "s.yaml").write_text(text)
    return tmp_path


def test_a_failing_expectation_prints_one_line_and_exits_1(tmp_path, capsys):
    folder = _write(tmp_path, """
scenarios:
  - id: wrong-on-purpose
    case: ankle-sprain
    plan: {items: [acetaminophen]}
    expect: [opioid_with_benzodiazepine]
    source: "a deliberately wrong expectation"
""")
    assert main(["check-scenarios", str(folder)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [l for l in out if l.startswith("s.yaml wrong-on-purpose: expected opioid_with_benzodiazepine")]
    assert len(out) == 1


def test_a_passing_folder_exits_0(tmp_path):
    folder = _write(tmp_path, """
scenarios:
  - id: quiet
    case: ankle-sprain
    plan: {items: [acetaminophen, nsaid_topical, therapeutic_exercise]}
    forbid_severities: [error]
    source: "ankle-sprain key"
""")
    assert main(["check-scenarios", str(folder)]) == 0


@pytest.mark.parametrize("entry,fragment", [
    ({"id": "x", "case": "ankle-sprain", "plan": {"items": ["acetaminophen"]}, "expect": ["a"]}, "source"),
    ({"id": "x", "case": "no-such-case", "plan": {"items": ["acetaminophen"]}, "expect": ["a"], "source": "s"}, "case"),
    ({"id": "x", "case": "ankle-sprain", "plan": {"items": ["acetaminophen"]}, "source": "s"}, "check something"),
    ({"id": "x", "case": "ankle-sprain", "edit": {"weight": 80}, "plan": {"items": ["acetaminophen"]},
      "expect": ["a"], "source": "s"}, "weight"),
    ({"id": "x", "case": "ankle-sprain", "plan": {"items": ["no_such_item"]}, "expect": ["a"], "source": "s"}, "plan"),
])
def test_malformed_scenarios_raise_scenario_error(entry, fragment):
    with pytest.raises(ScenarioError, match=fragment):
        run_scenario(entry, "s.yaml scenarios[0]")
