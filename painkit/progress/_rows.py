"""The attempt row shared by the store, exports and xAPI: the checks on its fields and the schema version
stamped on every store and export file."""
from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import asdict, is_dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from ..errors import ProgressError
from .._validate import short


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


MIN_YEAR, MAX_YEAR = 1970, 9998  # times outside this cannot be converted to UTC on every platform
MAX_DEPTH = 50                   # nesting of an answer (a circular answer is refused, not recursed into)


def _iso(value: Any, field: str) -> str:
    allowed = f"an ISO 8601 time (or datetime) between {MIN_YEAR} and {MAX_YEAR}"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value[:64])
        except ValueError:
            raise ProgressError(f"attempt: {field}: found {short(value)}; allowed: {allowed}") from None
    if not isinstance(value, datetime):
        raise ProgressError(f"attempt: {field}: found {short(value)} ({type(value).__name__}); allowed: {allowed}")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ProgressError(f"attempt: {field}: found year {value.year}; allowed: {allowed}")
    try:
        return value.astimezone(timezone.utc).isoformat(timespec="microseconds")  # naive = local time
    except (OverflowError, ValueError, OSError):
        raise ProgressError(f"attempt: {field}: found {short(value)}; allowed: {allowed}") from None


def _clean(obj: Any, depth: int = 0, seen: Optional[set] = None) -> Any:
    """An answer as plain JSON data: non-finite numbers become null (strict JSON has no NaN), unpaired
    surrogates become U+FFFD (SQLite and UTF-8 files cannot hold them), so the attempt is kept; a circular
    or absurdly deep answer is a ProgressError."""
    seen = set() if seen is None else seen
    if depth > MAX_DEPTH:
        raise ProgressError(f"attempt: answer: nested deeper than {MAX_DEPTH} levels; allowed: plain JSON data")
    if obj is None or isinstance(obj, (bool, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, str):
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in obj) if _has_surrogate(obj) else obj
    if isinstance(obj, (dict, list, tuple, set, frozenset)):
        if id(obj) in seen:
            raise ProgressError("attempt: answer: contains itself (a circular list or mapping); allowed: plain "
                                "JSON data")
        seen.add(id(obj))
        try:
            if isinstance(obj, dict):
                return {str(_clean(k, depth + 1, seen)) if not isinstance(k, str) else _clean(k, depth + 1, seen):
                        _clean(v, depth + 1, seen) for k, v in obj.items()}
            items = sorted(obj, key=str) if isinstance(obj, (set, frozenset)) else obj
            return [_clean(v, depth + 1, seen) for v in items]
        finally:
            seen.discard(id(obj))
    return _clean(_jsonable(obj), depth + 1, seen)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def answer_json(answer: Any) -> str:
    """An answer as strict JSON text (no NaN), for the store and every export."""
    return json.dumps(_clean(answer), ensure_ascii=False, allow_nan=False)


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
        raise ProgressError(f"attempt: {field}: found {short(value)}; allowed: non-empty text")
    value = value.strip()
    if len(value) > MAX_TEXT[field]:
        raise ProgressError(f"attempt: {field}: {len(value):,} characters; allowed: at most {MAX_TEXT[field]}")
    if _has_surrogate(value) or "\x00" in value:
        raise ProgressError(f"attempt: {field}: found {short(value)} with an unpaired surrogate or NUL character; "
                            f"allowed: ordinary text")
    return value


def check_learner(name: Any) -> str:
    """A learner name as the store keeps it (stripped, 1-200 characters of ordinary text); ProgressError
    otherwise. ``enable()`` checks the name up front so no attempt is refused later."""
    return _text(name, "learner")


def check_score(score: Any) -> Optional[float]:
    """A score is None (ungraded) or a finite number 0-100; anything else is a ProgressError."""
    if score is None:
        return None
    if isinstance(score, (bool, complex)) or not isinstance(score, (int, float)) and not hasattr(score, "__float__"):
        raise ProgressError(f"attempt: score: found {short(score)}; allowed: a number 0-100 or None")
    try:
        value = float(score)
    except (TypeError, ValueError, OverflowError):
        raise ProgressError(f"attempt: score: found {short(score)}; allowed: a number 0-100 or None") from None
    if math.isnan(value):
        return None
    if not 0 <= value <= 100:
        raise ProgressError(f"attempt: score: found {value:g}; allowed: 0-100 or None")
    return value
