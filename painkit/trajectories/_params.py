"""The trajectory model's parameters: the one reader of ``painkit/data/trajectory.yaml``."""
from __future__ import annotations

from typing import Any

from .. import _yamlio as yamlio


def load_trajectory() -> dict[str, Any]:
    """The model's parameters, ``trajectory.yaml`` (cached, read-only), each with its source and status."""
    return yamlio.data_file("trajectory.yaml")


params = load_trajectory  # the engine's short name
