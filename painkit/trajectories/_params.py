"""The trajectory model's parameters: the one reader of ``painkit/data/trajectory.yaml``."""
from __future__ import annotations

from typing import Any

from .. import _yamlio as yamlio


def load_trajectory() -> dict[str, Any]:
    """The model's parameters, ``trajectory.yaml`` (cached, read-only), each with its source and status."""
    return yamlio.data_file("trajectory.yaml")


params = load_trajectory  # the engine's short name


def load_fitted() -> dict[str, Any]:
    """The parameters fitted to the calibration targets (``painkit/data/fitted.yaml``, written by
    ``tools/fit_calibration.py``; cached), each with the target it was fitted to."""
    return yamlio.data_file("fitted.yaml")


def load_calibration() -> dict[str, Any]:
    """The calibration targets (``painkit/data/calibration.yaml``: published trial figures, their CI, the
    case and arms each maps to, the statistic and the tolerance; cached)."""
    return yamlio.data_file("calibration.yaml")


fitted = load_fitted  # the engine's short name
