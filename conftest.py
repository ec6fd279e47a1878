"""Root pytest set-up, loaded before any test or notebook is collected.

- nbval's sanitising rules (tests/nbval_sanitize.cfg) are resolved from the project root, so pytest
  works from any folder.
- Notebook kernels and tests write progress under a throw-away $PAINKIT_HOME, never the user's own.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config.option, "nbval_sanitize_with") and not config.option.nbval_sanitize_with:
        config.option.nbval_sanitize_with = str(ROOT / "tests" / "nbval_sanitize.cfg")
    os.environ["PAINKIT_HOME"] = tempfile.mkdtemp(prefix="painkit-test-home-")
    os.environ.setdefault("PAINKIT_LEARNER", "nbval-learner")
