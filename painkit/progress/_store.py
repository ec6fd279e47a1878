"""Learner progress: every graded attempt, kept in one SQLite file (stdlib sqlite3, WAL mode).

The store lives at ``$PAINKIT_HOME/progress.sqlite`` (default ``~/.painkit/progress.sqlite``). Every write
is one ``BEGIN IMMEDIATE`` transaction, so a crash loses at most the attempt in flight, and a busy store
is waited for (``busy_timeout`` plus a retry loop with backoff) so no "database is locked" error reaches
the learner. Queries are parameterised: learner names and answers are data, never SQL. A file at the
path that is not a painkit store is reported (``ProgressError`` naming it) and never touched; start a
new store beside it with ``ProgressStore.beside(path)``. ``enable()`` makes the store the widgets' sink.
"""
from __future__ import annotations

import json
import os
import random
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

from ._attempts import Attempt
from ..errors import ProgressError
from ._rows import SCHEMA_VERSION, _iso, _jsonable, _text, check_score

APP_ID = "painkit-progress"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 5.0       # sqlite's own wait on a locked file, per statement
LOCK_PATIENCE_S = 60.0     # then our retry loop keeps trying (with backoff) for this long in total
_SQL_COLUMNS = {"uid": "a.uid", "learner": "l.name", "case": "a.case_id", "step": "a.step", "answer": "a.answer",
                "score": "a.score", "feedback": "a.feedback", "started": "a.started", "finished": "a.finished"}


def _v1(cur: sqlite3.Cursor) -> None:
    cur.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    cur.execute("CREATE TABLE learners (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL)")
    cur.execute("CREATE TABLE attempts (id INTEGER PRIMARY KEY, learner_id INTEGER NOT NULL REFERENCES"
                " learners(id), case_id TEXT NOT NULL, step TEXT NOT NULL, answer TEXT NOT NULL, score REAL,"
                " feedback TEXT NOT NULL DEFAULT '', started TEXT NOT NULL, finished TEXT NOT NULL)")


def _v2(cur: sqlite3.Cursor) -> None:
    cur.execute("ALTER TABLE attempts ADD COLUMN uid TEXT")
    ids = [r[0] for r in cur.execute("SELECT id FROM attempts WHERE uid IS NULL")]
    cur.executemany("UPDATE attempts SET uid = ? WHERE id = ?", [(str(uuid.uuid4()), i) for i in ids])
    cur.execute("CREATE UNIQUE INDEX attempts_uid ON attempts(uid)")
    cur.execute("CREATE INDEX attempts_learner_time ON attempts(learner_id, finished)")


# Ordered migrations: (version reached, what changed, function). Never edit a shipped one; append.
MIGRATIONS: list[tuple[int, str, Callable[[sqlite3.Cursor], None]]] = [
    (1, "meta, learners and attempts tables", _v1),
    (2, "a stable uid per attempt (import de-duplication, learning records) and a time index", _v2),
]


def default_path() -> Path:
    """``$PAINKIT_HOME/progress.sqlite``, default ``~/.painkit/progress.sqlite``."""
    home = os.environ.get("PAINKIT_HOME") or os.path.join(os.path.expanduser("~"), ".painkit")
    return Path(home) / "progress.sqlite"


def _error(path: Path, problem: str, offer: bool = False) -> ProgressError:
    msg = f"{path}: {problem}"
    if offer:
        msg += (f". The file was kept unchanged. To start a new progress store beside it, use "
                f"ProgressStore.beside({str(path)!r}) (creates {_free_name(path).name}), or "
                f"pk.progress.enable(beside=True), or set $PAINKIT_HOME to another folder")
    err = ProgressError(msg)
    err.path = path  # type: ignore[attr-defined]
    return err


def _free_name(path: Path) -> Path:
    n = 2
    while any(Path(f"{path.parent / f'{path.stem}-{n}{path.suffix}'}{s}").exists() for s in ("", "-wal")):
        n += 1
    return path.parent / f"{path.stem}-{n}{path.suffix}"


def _is_lock(exc: Exception) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def attempt_row(attempt: Attempt, learner: Optional[str] = None) -> dict:
    """The validated row (answer as JSON text, times as UTC ISO 8601) an attempt is stored as."""
    name = attempt.learner or learner
    if name is None:
        raise ProgressError("attempt: learner: missing; set $PAINKIT_LEARNER, pass learner=, or call "
                            "pk.progress.enable('your name')")
    return {"uid": str(uuid.uuid4()), "learner": _text(name, "learner"), "case": _text(attempt.case, "case"),
            "step": _text(attempt.step, "step"),
            "answer": json.dumps(attempt.answer, default=_jsonable, ensure_ascii=False),
            "score": check_score(attempt.score), "feedback": str(attempt.feedback or ""),
            "started": _iso(attempt.started, "started"), "finished": _iso(attempt.finished, "finished")}


class ProgressStore:
    """One learner-progress SQLite file: ``record`` attempts, read them back, export and import them."""

    def __init__(self, path: Union[str, Path, None] = None, *, learner: Optional[str] = None):
        self.path = Path(path) if path is not None else default_path()
        self.learner = learner
        self._lock = threading.RLock()
        self._learner_ids: dict[str, int] = {}
        self._conn = self._open()

    @classmethod
    def beside(cls, path: Union[str, Path, None] = None, **kwargs: Any) -> "ProgressStore":
        """A new store next to an unusable file (``progress-2.sqlite``, ...); the old file is untouched."""
        return cls(_free_name(Path(path) if path is not None else default_path()), **kwargs)

    # ---------------------------------------------------------------------------------------- opening
    def _open(self) -> sqlite3.Connection:
        path = self.path
        if path.is_dir():
            raise _error(path, "is a folder, not a progress store file")
        if path.exists() and path.stat().st_size > 0:
            with open(path, "rb") as fh:
                if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                    raise _error(path, "is not a painkit progress store (not an SQLite database; "
                                       "corrupt or another program's file)", offer=True)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                   check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise _error(path, f"cannot be opened ({exc})") from None
        try:
            version = self._retry(lambda: self._check_foreign(conn))
            self._retry(lambda: self._setup(conn))
            if version < SCHEMA_VERSION:  # an up-to-date store is opened without writing anything
                self._migrate(conn)
        except ProgressError:
            conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _error(path, f"is not a readable painkit progress store ({exc})", offer=True) from None
        return conn

    def _check_foreign(self, conn: sqlite3.Connection) -> int:
        """The file's schema version (0 when empty); ProgressError when it is not a painkit store."""
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return 0
        app = conn.execute("SELECT value FROM meta WHERE key = 'app'").fetchone() if "meta" in tables else None
        if app is None or app[0] != APP_ID:
            raise _error(self.path, "is an SQLite database but not a painkit progress store (tables: "
                                    f"{', '.join(sorted(tables))})", offer=True)
        version = int(conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise _error(self.path, f"was written by a newer painkit (schema version {version}; this painkit "
                                    f"reads up to {SCHEMA_VERSION}); upgrade painkit to open it")
        return version

    @staticmethod
    def _setup(conn: sqlite3.Connection) -> None:
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: safe against crashes of the process
        conn.execute("PRAGMA foreign_keys = ON")

    def _migrate(self, conn: sqlite3.Connection) -> None:
        with self._transaction(conn) as cur:  # re-read inside the lock: another process may have migrated
            has_meta = cur.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone()
            version = int(cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]) \
                if has_meta else 0
            for target, _what, step in MIGRATIONS:
                if target > version:
                    step(cur)
            if version < SCHEMA_VERSION:
                from .. import __version__

                meta = {"app": APP_ID, "schema_version": str(SCHEMA_VERSION), "painkit_version": __version__}
                if not has_meta:
                    meta["created"] = _iso(datetime.now(timezone.utc), "created")
                cur.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", meta.items())

    # ---------------------------------------------------------------------------------------- writing
    def _retry(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn``; while the file is locked by another writer, wait with jittered backoff."""
        delay, deadline = 0.005, time.monotonic() + LOCK_PATIENCE_S
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if not _is_lock(exc):
                    raise
                if time.monotonic() > deadline:
                    raise _error(self.path, f"stayed locked by another program for {LOCK_PATIENCE_S:.0f} s; "
                                            "close other painkit sessions and try again") from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.25)

    @contextmanager
    def _transaction(self, conn: Optional[sqlite3.Connection] = None) -> Iterator[sqlite3.Cursor]:
        """One write transaction: the write lock is taken first (BEGIN IMMEDIATE), so once inside
        nothing waits; only the start and the commit are retried."""
        conn = conn or self._connection()
        with self._lock:
            cur = conn.cursor()
            self._retry(lambda: cur.execute("BEGIN IMMEDIATE"))
            try:
                yield cur
                self._retry(lambda: cur.execute("COMMIT"))
            except BaseException:
                conn.rollback()
                self._learner_ids.clear()  # ids cached in this transaction may not exist any more
                raise

    def _connection(self) -> sqlite3.Connection:
        if getattr(self, "_conn", None) is None:
            raise ProgressError(f"{self.path}: this ProgressStore is closed")
        return self._conn

    def _learner_id(self, cur: sqlite3.Cursor, name: str) -> int:
        if name not in self._learner_ids:
            cur.execute("INSERT OR IGNORE INTO learners (name, created) VALUES (?, ?)",
                        (name, _iso(datetime.now(timezone.utc), "created")))
            self._learner_ids[name] = cur.execute("SELECT id FROM learners WHERE name = ?", (name,)).fetchone()[0]
        return self._learner_ids[name]

    def _insert(self, cur: sqlite3.Cursor, row: dict) -> int:
        cur.execute("INSERT OR IGNORE INTO attempts (uid, learner_id, case_id, step, answer, score, feedback,"
                    " started, finished) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (row["uid"], self._learner_id(cur, row["learner"]), row["case"], row["step"], row["answer"],
                     row["score"], row["feedback"], row["started"], row["finished"]))
        return cur.rowcount

    def _write_rows(self, rows: Iterable[dict]) -> int:
        try:
            with self._transaction() as cur:
                return sum(self._insert(cur, row) for row in rows)
        except sqlite3.DatabaseError as exc:
            raise _error(self.path, f"could not be written ({exc})") from None

    def record(self, attempt: Attempt, *, learner: Optional[str] = None) -> str:
        """Store one attempt in its own transaction; return its uid. ``learner`` fills a missing name."""
        row = attempt_row(attempt, learner or self.learner)
        self._write_rows([row])
        return row["uid"]

    def record_many(self, attempts: Iterable[Attempt], *, learner: Optional[str] = None) -> int:
        """Store many attempts in one transaction (all or none); return how many were stored."""
        name = learner or self.learner
        return self._write_rows(attempt_row(a, name) for a in attempts)

    # ---------------------------------------------------------------------------------------- reading
    def _rows(self, learner: Optional[str] = None, columns: Sequence[str] = ()) -> list[tuple]:
        from ._exports import COLUMNS

        columns = tuple(columns) or COLUMNS
        unknown = [c for c in columns if c not in _SQL_COLUMNS]
        if unknown:
            raise ProgressError(f"attempts: unknown column(s) {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}")
        sql = (f"SELECT {', '.join(_SQL_COLUMNS[c] for c in columns)} FROM attempts a"
               " JOIN learners l ON l.id = a.learner_id")
        args: tuple = ()
        if learner is not None:
            sql, args = sql + " WHERE l.name = ?", (learner,)
        with self._lock:
            try:
                return self._retry(lambda: self._connection().execute(sql + " ORDER BY a.finished, a.id", args)
                                   .fetchall())
            except sqlite3.DatabaseError as exc:
                raise _error(self.path, f"could not be read ({exc})", offer=True) from None

    def attempts(self, learner: Optional[str] = None, *, columns: Sequence[str] = (), answers: bool = True):
        """All attempts (or one learner's) as a DataFrame, oldest first. ``columns``: a subset of
        ``exports.COLUMNS`` (fewer columns read faster); ``answers=False`` leaves answers as JSON text."""
        from ._exports import COLUMNS, to_frame

        return to_frame(self._rows(learner, columns), columns=tuple(columns) or COLUMNS, answers=answers)

    def learners(self) -> list[str]:
        """Names of every learner with a row in this store, sorted."""
        with self._lock:
            return sorted(r[0] for r in self._retry(
                lambda: self._connection().execute("SELECT name FROM learners").fetchall()))

    def schema_version(self) -> int:
        """The schema version recorded in the file's meta table."""
        with self._lock:
            return int(self._connection().execute(
                "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])

    # ---------------------------------------------------------------------------------------- files
    def export(self, path: Union[str, Path], *, learner: Optional[str] = None) -> Path:
        """Write the attempts (or one learner's) to ``.csv`` or ``.jsonl``, stamped with painkit and schema
        versions so a class loader can check them."""
        from ._exports import COLUMNS, write_export

        return write_export((dict(zip(COLUMNS, r)) for r in self._rows(learner)), path)

    def import_(self, path: Union[str, Path]) -> int:
        """Add the attempts of a ``.csv`` / ``.jsonl`` export; rows already here (same uid) are skipped.
        Return how many were added."""
        from ._exports import read_rows

        return self._write_rows(read_rows(path))

    def close(self) -> None:
        with self._lock:
            if getattr(self, "_conn", None) is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> "ProgressStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ProgressStore({str(self.path)!r}, learner={self.learner!r})"

