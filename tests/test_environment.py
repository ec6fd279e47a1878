"""pyproject.toml and environment.yml must describe the same environment (names and lower bounds)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ImportError:  # Python 3.10: no tomllib in the standard library
    tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml on Python 3.10 needs tomli")

ROOT = Path(__file__).resolve().parent.parent
REQ = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(>=\s*[0-9][0-9.]*)?")


def _parse(spec: str) -> tuple[str, str]:
    m = REQ.match(spec)
    assert m, f"cannot read requirement {spec!r}"
    return m.group(1).lower().replace("_", "-"), (m.group(2) or "").replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["test"]
    return dict(_parse(s) for s in specs)


def conda_requirements() -> dict[str, str]:
    deps = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    # python/pip are the interpreter; configurable-http-proxy is an npm tool that make installs with npm
    skip = ("python", "pip", "configurable-http-proxy")
    plain = [d for d in deps if isinstance(d, str) and not d.startswith(skip)]
    # packages only on PyPI sit in the pip block, beside painkit itself
    pip_only = [p for d in deps if isinstance(d, dict) for p in d.get("pip", []) if not p.startswith("-")]
    return dict(_parse(d) for d in plain + pip_only)


def test_environment_yml_matches_pyproject():
    assert conda_requirements() == pyproject_requirements()


def test_every_dependency_has_a_lower_bound():
    assert all(bound.startswith(">=") for bound in pyproject_requirements().values())


def test_environment_installs_painkit_itself():
    deps = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pip_block = next(d["pip"] for d in deps if isinstance(d, dict))
    assert any("-e ." in p or "--editable ." in p for p in pip_block)
    assert "conda-forge" in yaml.safe_load((ROOT / "environment.yml").read_text())["channels"]


def test_ci_runs_make_test_only():
    lines = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln and not ln.startswith(("#", "set ", "cd "))]
    assert lines == ["make test"]
