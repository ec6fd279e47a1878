"""Shared fixtures for the unit tests (nbval and environment set-up live in the root conftest.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cases_dir() -> Path:
    return ROOT / "cases"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Each test writes progress under its own temporary $PAINKIT_HOME, never the user's."""
    monkeypatch.setenv("PAINKIT_HOME", str(tmp_path_factory.mktemp("painkit_home")))
    monkeypatch.delenv("PAINKIT_CASES", raising=False)
