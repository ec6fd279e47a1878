"""The commented case template written by ``python -m painkit new-case ID`` (``_checks.template_leftovers``
flags a case that still holds its placeholder text)."""
from __future__ import annotations

import re
from pathlib import Path

from ._case import CASE_ID
from ._checks import TEMPLATE
from ..errors import CaseError


def template_text(case_id: str) -> str:
    """The template (painkit/data/case_template.yaml) with ``id`` filled in."""
    if not isinstance(case_id, str) or not re.fullmatch(CASE_ID.strip("^$"), case_id):
        from .._validate import short

        raise CaseError(f"new-case: id {short(case_id)} must be 2-64 lower-case letters, digits, '-' or '_'")
    text = TEMPLATE.read_text(encoding="utf-8")
    return text.replace("{id}", case_id)


def write_template(case_id: str, folder: Path) -> Path:
    """Write ``folder/ID.yaml``; refuse to overwrite an existing case."""
    from .._validate import os_problem, write_atomic

    text = template_text(case_id)
    path = Path(folder) / f"{case_id}.yaml"
    if path.exists():
        raise CaseError(f"{path}: already exists; choose another id or delete the file first")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CaseError(f"new-case: {os_problem(exc, path.parent)}") from None
    return write_atomic(path, text, CaseError)

