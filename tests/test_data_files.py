"""One check over every shipped data file and case (after Synthea's ValidationTest and scikit-learn's
datasets/tests/test_common.py): each file loads through its one owner, every status is a word of the one
vocabulary (painkit._yamlio.STATUSES), and every rule that states a status names its source."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

import painkit as pk
from painkit import cases, curriculum, formulary, instruments, mechanisms, plans, trajectories
from painkit._yamlio import STATUSES

DATA = Path(pk.__file__).parent / "data"
SOURCE = Path(pk.__file__).parent

# data file -> the one public loader that reads it (its owner)
OWNERS: dict[str, Callable[[], Any]] = {
    "calibration.yaml": trajectories.load_calibration,
    "case_template.yaml": lambda: cases.template_text("my-case"),
    "competencies.yaml": curriculum.load_competencies,
    "conditions.yaml": formulary.load_conditions,
    "curriculum.yaml": cases.curriculum_map,
    "drug_names.yaml": formulary.load_drug_names,
    "fitted.yaml": trajectories.load_fitted,
    "foundations.yaml": curriculum.load_foundations,
    "instruments.yaml": instruments.load_instruments,
    "interactions.yaml": plans.load_interactions,
    "mastery.yaml": curriculum.load_mastery_file,
    "interventions.yaml": formulary.load_interventions,
    "mechanisms.yaml": mechanisms.load_mechanisms,
    "objectives.yaml": curriculum.load_objectives_file,
    "opioids.yaml": formulary.load_opioids,
    "plan_rules.yaml": plans.load_plan_rules,
    "revision_rules.yaml": trajectories.load_revision_rules,
    "trajectory.yaml": trajectories.load_trajectory,
}
DATA_FILES = sorted(p.name for p in DATA.glob("*.yaml"))
CASE_FILES = sorted(p for p in cases.REPO_CASES.glob("*.yaml"))
# files that hold words, not clinical rules: they need no source
VOCABULARY_ONLY = {"case_template.yaml": "the template an author fills in",
                   "conditions.yaml": "condition ids and their labels"}


def _walk(node: Any, path: str) -> Iterator[tuple[str, dict, list[dict]]]:
    """Every mapping in a YAML tree with its path and its ancestors (outermost first)."""
    stack: list[tuple[Any, str, list[dict]]] = [(node, path, [])]
    while stack:
        obj, where, parents = stack.pop()
        if isinstance(obj, dict):
            yield where, obj, parents
            stack.extend((v, f"{where}.{k}", [*parents, obj]) for k, v in obj.items())
        elif isinstance(obj, list):
            stack.extend((v, f"{where}[{i}]", parents) for i, v in enumerate(obj))


def _raw(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_every_data_file_has_one_owner():
    assert sorted(OWNERS) == DATA_FILES, "a data file was added or removed: give it one owner loader here"


@pytest.mark.parametrize("name", DATA_FILES)
def test_each_data_file_loads_through_its_owner(name):
    loaded = OWNERS[name]()
    assert loaded, name
    if name.endswith(".yaml") and not isinstance(loaded, str):
        assert loaded == _raw(DATA / name), f"{name}: the owner returns the file as parsed"


@pytest.mark.parametrize("name", [n for n in DATA_FILES if n != "case_template.yaml"])
def test_each_data_file_is_read_by_one_module_only(name):
    readers = [p.relative_to(SOURCE).as_posix() for p in SOURCE.rglob("*.py")
               if re.search(rf"""data_file\(["']{re.escape(name)}["']\)""", p.read_text(encoding="utf-8"))
               or (name == "foundations.yaml" and 'DATA_FILE = "foundations.yaml"' in p.read_text(encoding="utf-8"))]
    assert len(readers) == 1, f"{name} is read by {readers}; other packages must ask its owner"


@pytest.mark.parametrize("path", [DATA / n for n in DATA_FILES] + CASE_FILES, ids=lambda p: p.name)
def test_every_status_is_a_word_of_the_vocabulary_and_names_a_source(path):
    problems = []
    sources = 0
    for where, mapping, parents in _walk(_raw(path), path.name):
        sources += any(k in mapping for k in ("source", "sources"))
        for key, value in mapping.items():
            if isinstance(key, str) and (key == "status" or key.endswith("_status")):
                if value not in STATUSES:
                    problems.append(f"{where}.{key}: {value!r}; allowed: {', '.join(STATUSES)}")
        if "status" in mapping and not any(k in m for m in (mapping, *parents) for k in ("source", "sources")):
            problems.append(f"{where}: a status without a source (here or above)")
    assert problems == []
    if path.name not in VOCABULARY_ONLY:
        assert sources, f"{path.name} names no source at all"


def test_the_vocabulary_is_the_documented_one():
    # the four words of docs/design.md ("Sources and status") and DEVELOPERS.md
    assert STATUSES == ("verified", "partial", "unverified", "teaching_assumption")


# Files whose sourced entries are not clinical rules: the rules they point at carry their own status.
NOT_RULES = {"competencies.yaml": "a curriculum map: each competency names where it comes from",
             "objectives.yaml": "learning objectives per notebook, mapped to the competency map",
             "case_template.yaml": "the template an author fills in"}


def _has_status(mapping: dict) -> bool:
    return any(isinstance(k, str) and (k == "status" or k.endswith("_status")) for k in mapping)


def _status_below(node: Any) -> bool:
    return any(_has_status(m) for _, m, _ in _walk(node, ""))


@pytest.mark.parametrize("name", [n for n in DATA_FILES if n not in NOT_RULES])
def test_every_sourced_rule_states_its_status(name):
    """The developers' guide: every rule lives in data 'with its source (author, year) and a status from
    one vocabulary'. A mapping that names a source carries a status itself, inherits one from an enclosing
    mapping, or is a container whose rules below carry theirs."""
    missing = [where for where, mapping, parents in _walk(_raw(DATA / name), name)
               if any(k in mapping for k in ("source", "sources"))
               and not any(_has_status(m) for m in (mapping, *parents)) and not _status_below(mapping)]
    assert missing == [], f"{len(missing)} sourced entries without a status, e.g. {sorted(missing)[:5]}"


def test_the_catalog_model_knows_the_one_vocabulary():
    from typing import get_args

    from painkit.formulary import _catalog

    assert get_args(_catalog.Status) == STATUSES
