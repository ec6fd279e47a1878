"""The attempt row shared by the store, exports and xAPI: the checks on its fields and the schema version
stamped on every store and export file."""
from __future__ import annotations

import math
import re
import uuid
from dataclasses import asdict, is_dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from ..errors import ProgressError


SCHEMA_VERSION = 3


_UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://painkit.invalid/xapi/attempt-uid")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def statement_id(uid: Any) -> str:
    """The xAPI statement id of an attempt: its uid as a UUID in standard form; a uid that is not an RFC 4122
    UUID (a hand-made import) becomes a stable uuid5 of itself. Same attempt, same id: a resend never
    duplicates a record in an LRS."""
    try:
        parsed = uuid.UUID(str(uid))
        if parsed.variant == uuid.RFC_4122 and _UUID.match(str(uid)):
            return str(parsed)
    except ValueError:
        pass
    return str(uuid.uuid5(_UID_NAMESPACE, str(uid)))


MAX_TEXT = {"learner": 200, "case": 200, "step": 64, "uid": 64}


def _iso(value: Any, field: str) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ProgressError(f"attempt: {field}: found {value!r}; allowed: an ISO 8601 time") from None
    if not isinstance(value, datetime):
        raise ProgressError(f"attempt: {field}: found {value!r}; allowed: a datetime")
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")  # naive = local time


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, (set, frozenset, tuple)):
        return sorted(obj, key=str)
    if isinstance(obj, datetime):
        return obj.isoformat()
    return str(obj)


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ProgressError(f"attempt: {field}: found {value!r}; allowed: non-empty text")
    value = value.strip()
    if len(value) > MAX_TEXT[field]:
        raise ProgressError(f"attempt: {field}: {len(value)} characters; allowed: at most {MAX_TEXT[field]}")
    return value


def check_score(score: Any) -> Optional[float]:
    """A score is None (ungraded) or a finite number 0-100; anything else is a ProgressError."""
    if score is None:
        return None
    if isinstance(score, bool) or not isinstance(score, (int, float)) and not hasattr(score, "__float__"):
        raise ProgressError(f"attempt: score: found {score!r}; allowed: a number 0-100 or None")
    value = float(score)
    if math.isnan(value):
        return None
    if not 0 <= value <= 100:
        raise ProgressError(f"attempt: score: found {value:g}; allowed: 0-100 or None")
    return value
