"""The condition vocabulary (``painkit/data/conditions.yaml``): comorbidity ids and their labels, used by
cases, the catalog's contraindications and plan review alike."""
from __future__ import annotations

from typing import Any

from .. import _yamlio as yamlio


def load_conditions() -> dict[str, Any]:
    """The parsed ``conditions.yaml`` (cached, read-only). Its one reader."""
    return yamlio.data_file("conditions.yaml")
