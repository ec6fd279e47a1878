"""The commented case template written by ``python -m painkit new-case ID``."""
from __future__ import annotations

import re
from pathlib import Path

from ._case import CASE_ID
from ..errors import CaseError


def template_text(case_id: str) -> str:
    """The template (painkit/data/case_template.yaml) with ``id`` filled in."""
    if not re.match(CASE_ID, case_id):
        raise CaseError(f"new-case: id '{case_id}' must be 2-64 lower-case letters, digits, '-' or '_'")
    text = (Path(__file__).resolve().parent.parent / "data" / "case_template.yaml").read_text(encoding="utf-8")
    return text.replace("{id}", case_id)


def write_template(case_id: str, folder: Path) -> Path:
    """Write ``folder/ID.yaml``; refuse to overwrite an existing case."""
    path = Path(folder) / f"{case_id}.yaml"
    if path.exists():
        raise CaseError(f"{path}: already exists; choose another id or delete the file first")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(template_text(case_id), encoding="utf-8")
    return path
