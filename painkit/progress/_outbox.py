"""The learning-record outbox: attempts waiting to be sent to an institution's LRS, inside the progress store.

When an LRS is configured (``lrs_config()``: environment variables ``PAINKIT_LRS_ENDPOINT``,
``PAINKIT_LRS_USERNAME``, ``PAINKIT_LRS_PASSWORD``, or the file ``$PAINKIT_HOME/lrs.yaml`` with keys
``endpoint``, ``username``, ``password``, ``homepage``; never a notebook), every attempt the store records
also gets an outbox row in the same transaction: the attempt and its place in the queue are written
together or not at all. The row names the statement id (the xAPI export's id for that attempt, so a
resend never duplicates) and when to try next; ``painkit.progress._lrs`` sends and marks rows. Rows stay
after they are sent (``sent`` set), so ``status`` can say how many went out. A statement the LRS refuses
(HTTP 400 or 409 on its own) is marked ``rejected`` and not retried by itself.
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Optional
from urllib.parse import urlsplit

from ..errors import ProgressError
from ._rows import statement_id

ENV = {"endpoint": "PAINKIT_LRS_ENDPOINT", "username": "PAINKIT_LRS_USERNAME", "password": "PAINKIT_LRS_PASSWORD",
       "homepage": "PAINKIT_XAPI_HOMEPAGE"}
CONFIG_FILE = "lrs.yaml"
CONFIG_KEYS = ("endpoint", "username", "password", "homepage", "timeout")


def create_table(cur: sqlite3.Cursor) -> None:
    """Schema v3: the outbox table and its index of rows due to be sent."""
    cur.execute("CREATE TABLE outbox (attempt_uid TEXT PRIMARY KEY REFERENCES attempts(uid),"
                " statement_id TEXT NOT NULL, queued TEXT NOT NULL, tries INTEGER NOT NULL DEFAULT 0,"
                " next_try TEXT, last_error TEXT NOT NULL DEFAULT '', sent TEXT, rejected INTEGER NOT NULL DEFAULT 0)")
    cur.execute("CREATE INDEX outbox_due ON outbox(sent, rejected, next_try)")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


# ------------------------------------------------------------------------------------------------ config
@dataclass(frozen=True)
class LrsConfig:
    """Where learning records go: the LRS's xAPI endpoint (ending in ``/``) and HTTP Basic credentials."""

    endpoint: str
    username: str
    password: str
    homepage: Optional[str] = None
    timeout: float = 10.0

    @property
    def statements_url(self) -> str:
        return self.endpoint + "statements"

    def __repr__(self) -> str:  # never print the password
        return f"LrsConfig(endpoint={self.endpoint!r}, username={self.username!r}, password='***')"


def config_path() -> Path:
    """``$PAINKIT_HOME/lrs.yaml`` (default ``~/.painkit/lrs.yaml``)."""
    home = os.environ.get("PAINKIT_HOME") or os.path.join(os.path.expanduser("~"), ".painkit")
    return Path(home) / CONFIG_FILE


def lrs_wanted() -> bool:
    """Whether an LRS is configured at all (even wrongly): then attempts are queued, so none is lost while
    the configuration is being fixed."""
    return bool(os.environ.get(ENV["endpoint"])) or config_path().is_file()


def lrs_config() -> Optional[LrsConfig]:
    """The configured LRS, or None. Environment variables win over ``$PAINKIT_HOME/lrs.yaml``; an endpoint
    given without a username and password (or not an http(s) address) is a ProgressError naming the source."""
    values: dict[str, Any] = {}
    where = "environment"
    if os.environ.get(ENV["endpoint"]):
        values = {k: os.environ.get(v) for k, v in ENV.items() if os.environ.get(v)}
    elif config_path().is_file():
        from .. import _yamlio as yamlio

        where = str(config_path())
        try:
            data = yamlio.read(config_path())
        except yamlio.YamlError as exc:  # a syntax error: line, column and what to do, never a traceback
            raise ProgressError(f"{where}: {exc}") from None
        if not isinstance(data, dict):
            raise ProgressError(f"{where}: found {type(data).__name__}; allowed: a mapping with keys "
                                f"{', '.join(CONFIG_KEYS)}")
        unknown = sorted(set(data) - set(CONFIG_KEYS))
        if unknown:
            raise ProgressError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(CONFIG_KEYS)}")
        values = {k: v for k, v in data.items() if v is not None}
    if not values.get("endpoint"):
        return None
    endpoint = str(values["endpoint"])
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ProgressError(f"{where}: LRS endpoint: found {endpoint!r}; allowed: an http(s) address such as "
                            "'https://lrs.example.edu/xAPI/'")
    missing = [k for k in ("username", "password") if not values.get(k)]
    if missing:
        raise ProgressError(f"{where}: LRS {' and '.join(missing)} missing; set "
                            f"{' and '.join(ENV[k] for k in missing)} (or put them in {config_path()})")
    try:
        timeout = float(values.get("timeout", 10.0))
    except (TypeError, ValueError):
        raise ProgressError(f"{where}: timeout: found {values.get('timeout')!r}; allowed: seconds") from None
    return LrsConfig(endpoint.rstrip("/") + "/", str(values["username"]), str(values["password"]),
                     values.get("homepage"), timeout)


# ------------------------------------------------------------------------------------------------ queue
def enqueue(cur: sqlite3.Cursor, attempt_uid: str) -> None:
    """Queue one attempt inside the caller's transaction; its statement id is the xAPI export's id."""
    cur.execute("INSERT OR IGNORE INTO outbox (attempt_uid, statement_id, queued, next_try) VALUES (?, ?, ?, ?)",
                (attempt_uid, statement_id(attempt_uid), _now(), _now()))


def due(store: Any, limit: int) -> list[str]:
    """Uids of up to ``limit`` queued attempts whose next try is now or past, oldest first."""
    with store._lock:
        return [r[0] for r in store._retry(lambda: store._connection().execute(
            "SELECT attempt_uid FROM outbox WHERE sent IS NULL AND rejected = 0 AND next_try <= ?"
            " ORDER BY queued, rowid LIMIT ?", (_now(), limit)).fetchall())]


def next_due(store: Any) -> Optional[datetime]:
    """When the next queued row is due (None when nothing waits)."""
    with store._lock:
        row = store._connection().execute(
            "SELECT MIN(next_try) FROM outbox WHERE sent IS NULL AND rejected = 0").fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def next_retry(store: Any) -> Optional[datetime]:
    """When the earliest failed row (one that was tried before) may be tried again (None when none waits)."""
    with store._lock:
        row = store._connection().execute(
            "SELECT MIN(next_try) FROM outbox WHERE sent IS NULL AND rejected = 0 AND tries > 0").fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def mark_sent(store: Any, uids: Iterable[str]) -> None:
    when = _now()
    with store._transaction() as cur:
        cur.executemany("UPDATE outbox SET sent = ?, last_error = '' WHERE attempt_uid = ?",
                        [(when, u) for u in uids])


def mark_failed(store: Any, uids: Iterable[str], error: str, delay_s: float) -> None:
    """Count a failed try and push the next one ``delay_s`` seconds ahead."""
    later = (datetime.now(timezone.utc) + timedelta(seconds=delay_s)).isoformat(timespec="microseconds")
    with store._transaction() as cur:
        cur.executemany("UPDATE outbox SET tries = tries + 1, next_try = ?, last_error = ? WHERE attempt_uid = ?",
                        [(later, error[:300], u) for u in uids])


def mark_rejected(store: Any, uid: str, error: str) -> None:
    with store._transaction() as cur:
        cur.execute("UPDATE outbox SET tries = tries + 1, rejected = 1, last_error = ? WHERE attempt_uid = ?",
                    (error[:300], uid))


def tries(store: Any, uids: list[str]) -> int:
    """The most tries any of these rows has had (for the backoff)."""
    with store._lock:
        marks = ",".join("?" * len(uids))
        row = store._connection().execute(f"SELECT MAX(tries) FROM outbox WHERE attempt_uid IN ({marks})",
                                          uids).fetchone()
    return int(row[0] or 0)


@dataclass(frozen=True)
class OutboxStatus:
    """How the outbox stands: queued (waiting), sent, rejected, and the latest error and next try."""

    queued: int
    sent: int
    rejected: int
    failing: int
    last_error: str
    next_try: Optional[str]
    last_sent: Optional[str]


def status(store: Any) -> OutboxStatus:
    """Counts and the latest error, read in one query."""
    with store._lock:
        q, s, r, f, nxt, last = store._connection().execute(
            "SELECT SUM(sent IS NULL AND rejected = 0), SUM(sent IS NOT NULL), SUM(rejected), "
            "SUM(sent IS NULL AND rejected = 0 AND tries > 0), MIN(CASE WHEN sent IS NULL AND rejected = 0 "
            "THEN next_try END), MAX(sent) FROM outbox").fetchone()
        err = store._connection().execute(
            "SELECT last_error FROM outbox WHERE last_error != '' AND sent IS NULL ORDER BY tries DESC, rowid DESC"
            " LIMIT 1").fetchone()
    return OutboxStatus(int(q or 0), int(s or 0), int(r or 0), int(f or 0), err[0] if err else "", nxt, last)
