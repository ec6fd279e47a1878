"""Live learning records: send the outbox to the institution's LRS in the background, with retries.

``LrsSender`` is a daemon thread with its own connection to the progress store: it takes due rows from the
outbox (``_outbox``), turns their attempts into xAPI statements (the export's builder,
``_xapi.from_rows``, so the LRS holds exactly what ``export --xapi`` writes), POSTs them in batches to
``<endpoint>statements`` and marks them sent. A failed batch waits ``backoff(tries)`` seconds (exponential,
jittered, capped) before the next try, and the sender does not try the LRS again before then, even for
newly queued rows; an offline learner or a down LRS loses nothing, since rows stay queued in the store file.
A batch the LRS refuses as a whole (HTTP 400/409) is split until the refused statement is found alone,
which is then marked rejected. Recording an attempt never waits for the network: the widget's write
only adds a row and wakes the thread. ``python -m painkit lrs status|flush``.
"""
from __future__ import annotations

import argparse
import base64
import json
import logging
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Union

from ..errors import ProgressError
from . import _outbox
from ._outbox import LrsConfig, lrs_config
from ._store import ProgressStore, default_path

log = logging.getLogger("painkit.lrs")
XAPI_VERSION = "1.0.3"
BATCH = 500                # statements per POST
BASE_DELAY_S = 2.0         # first retry after about this long ...
MAX_DELAY_S = 600.0        # ... doubling per failed try, never longer than this
IDLE_WAKE_S = 60.0         # with nothing due, look again at least this often


def backoff(tries: int, *, base: Optional[float] = None, cap: Optional[float] = None) -> float:
    """Seconds to wait after the ``tries``-th failure: base * 2**(tries-1), capped, jittered 50-100%.
    ``base`` and ``cap`` default to BASE_DELAY_S and MAX_DELAY_S as they are when called (a default bound
    when the function was defined would ignore a changed setting)."""
    base = BASE_DELAY_S if base is None else base
    cap = MAX_DELAY_S if cap is None else cap
    return min(cap, base * 2 ** max(0, tries - 1)) * (0.5 + random.random() / 2)


class LrsRefused(ProgressError):
    """The LRS answered that a statement is not acceptable (HTTP 400 or 409): resending cannot help."""


def post(config: LrsConfig, statements: list[dict]) -> None:
    """POST statements as one JSON array; ProgressError (LrsRefused for 400/409) names the HTTP status."""
    token = base64.b64encode(f"{config.username}:{config.password}".encode()).decode()
    req = urllib.request.Request(config.statements_url, method="POST",
                                 data=json.dumps(statements, ensure_ascii=False).encode("utf-8"),
                                 headers={"Authorization": f"Basic {token}", "Content-Type": "application/json",
                                          "X-Experience-API-Version": XAPI_VERSION})
    try:
        with urllib.request.urlopen(req, timeout=config.timeout) as resp:
            resp.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace").strip()
        cls = LrsRefused if exc.code in (400, 409) else ProgressError
        raise cls(f"{config.statements_url}: HTTP {exc.code} {exc.reason}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ProgressError(f"{config.statements_url}: cannot reach the LRS ({reason})") from None


def _statements(store: ProgressStore, uids: list[str], homepage: Optional[str]) -> dict[str, dict]:
    """The xAPI statement of each attempt, by attempt uid (built from the store's rows without pandas: the
    sender runs beside the learner's kernel and must stay light)."""
    from ._store import _SQL_COLUMNS
    from ._xapi import from_rows

    names = ("uid", "learner", "case", "step", "answer", "score", "started", "finished")
    marks = ",".join("?" * len(uids))
    sql = (f"SELECT {', '.join(_SQL_COLUMNS[c] for c in names)} FROM attempts a JOIN learners l"
           f" ON l.id = a.learner_id WHERE a.uid IN ({marks})")
    with store._lock:
        rows = [dict(zip(names, r)) for r in store._connection().execute(sql, uids).fetchall()]
    for row in rows:
        row["answer"] = json.loads(row["answer"])
    return dict(zip((r["uid"] for r in rows), from_rows(rows, homepage=homepage)))


@dataclass(frozen=True)
class SendResult:
    """One pass over the due rows: how many were sent, refused, left queued, and the last error."""

    sent: int = 0
    rejected: int = 0
    failed: int = 0
    error: str = ""


def send_due(store: ProgressStore, config: LrsConfig, *, batch: int = BATCH, limit: Optional[int] = None) -> SendResult:
    """Send due outbox rows now, batch by batch, until none is due (or ``limit`` rows were tried)."""
    sent = rejected = failed = tried = 0
    error = ""
    while limit is None or tried < limit:
        uids = _outbox.due(store, batch if limit is None else min(batch, limit - tried))
        if not uids:
            break
        tried += len(uids)
        s, r, err = _send_batch(store, config, uids)
        sent, rejected = sent + s, rejected + r
        if err:
            failed += len(uids) - s - r
            error = err
            break  # the LRS is down or refusing us: back off instead of hammering it
    return SendResult(sent, rejected, failed, error)


def _send_batch(store: ProgressStore, config: LrsConfig, uids: list[str]) -> tuple[int, int, str]:
    """(sent, rejected, error). Refused batches are split to find the refused statement."""
    by_uid = _statements(store, uids, config.homepage)
    missing = [u for u in uids if u not in by_uid]
    for uid in missing:  # an outbox row whose attempt is gone cannot be sent
        _outbox.mark_rejected(store, uid, "attempt not found in the store")
    uids = [u for u in uids if u in by_uid]
    if not uids:
        return 0, len(missing), ""
    try:
        post(config, [by_uid[u] for u in uids])
    except LrsRefused as exc:
        if len(uids) == 1:
            _outbox.mark_rejected(store, uids[0], str(exc))
            log.warning("LRS refused statement %s: %s", by_uid[uids[0]]["id"], exc)
            return 0, 1 + len(missing), ""
        half = len(uids) // 2
        s1, r1, e1 = _send_batch(store, config, uids[:half])
        if e1:
            return s1, r1 + len(missing), e1
        s2, r2, e2 = _send_batch(store, config, uids[half:])
        return s1 + s2, r1 + r2 + len(missing), e2
    except ProgressError as exc:
        _outbox.mark_failed(store, uids, str(exc), backoff(_outbox.tries(store, uids) + 1))
        return 0, len(missing), str(exc)
    _outbox.mark_sent(store, uids)
    return len(uids), len(missing), ""


class LrsSender:
    """The background sender for one progress store file (one per kernel; see ``attach``)."""

    def __init__(self, path: Union[str, Path], config: LrsConfig, *, batch: int = BATCH):
        self.path, self.config, self.batch = Path(path), config, batch
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.last_error = ""

    def start(self) -> "LrsSender":
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="painkit-lrs-sender", daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        """Something was queued: look now (returns at once)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            store = ProgressStore(self.path, outbox=False)
        except ProgressError as exc:
            log.warning("LRS sender cannot open %s: %s", self.path, exc)
            return
        with store:
            while not self._stop.is_set():
                hold = False
                try:
                    result = send_due(store, self.config, batch=self.batch)
                    self.last_error = result.error
                    # after a failure, wait out the failed rows' backoff even when new rows arrive: the
                    # LRS is not tried at every submit while it is down, and the learner's writes meet no
                    # sender work meanwhile
                    hold = bool(result.error)
                    nxt = _outbox.next_retry(store) if hold else _outbox.next_due(store)
                except Exception as exc:  # never let the thread die on a surprise; retry later
                    log.warning("LRS sender: %s", exc)
                    self.last_error, nxt = str(exc), None
                wait = IDLE_WAKE_S if nxt is None else \
                    max(0.0, min(IDLE_WAKE_S, (nxt - datetime.now(timezone.utc)).total_seconds()))
                self._sleep(wait, wakeable=not hold)

    def _sleep(self, seconds: float, *, wakeable: bool) -> None:
        """Wait ``seconds``; a wake() ends the wait early only when ``wakeable`` (stop() always does)."""
        until = time.monotonic() + seconds
        while not self._stop.is_set():
            left = until - time.monotonic()
            if left <= 0:
                break
            woken = self._wake.wait(left)
            self._wake.clear()
            if woken and wakeable:
                break


_SENDERS: dict[Path, LrsSender] = {}


def attach(store: ProgressStore, config: Optional[LrsConfig] = None) -> Optional[LrsSender]:
    """Start (or reuse) the background sender for this store's file when an LRS is configured, and have the
    store wake it after each recorded attempt. Returns None when no LRS is configured."""
    config = config or lrs_config()
    if config is None or not store.outbox:
        return None
    key = store.path.resolve()
    sender = _SENDERS.get(key)
    if sender is None or sender.config != config:
        if sender is not None:
            sender.stop(0)
        sender = _SENDERS[key] = LrsSender(store.path, config)
    store.on_recorded = sender.wake
    return sender.start()


def detach_all() -> None:
    """Stop every background sender (tests, kernel shutdown)."""
    for sender in _SENDERS.values():
        sender.stop()
    _SENDERS.clear()


# ----------------------------------------------------------------------------------------------- CLI
def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("status", "flush"), help="status: what waits in the outbox; flush: send "
                   "everything queued now (retrying rows that are waiting for their backoff)")
    p.add_argument("--store", help="progress store file (default: $PAINKIT_HOME/progress.sqlite)")


def cmd_lrs(args: argparse.Namespace) -> int:
    """``python -m painkit lrs status|flush``."""
    path = Path(args.store) if args.store else default_path()
    try:
        config = lrs_config()
        if not path.is_file():
            print(f"lrs: no progress store at {path}", file=sys.stderr)
            return 1
        with ProgressStore(path, outbox=False) as store:
            if args.action == "flush":
                if config is None:
                    print("lrs: no LRS configured: set PAINKIT_LRS_ENDPOINT, PAINKIT_LRS_USERNAME and "
                          f"PAINKIT_LRS_PASSWORD, or write {_outbox.config_path()}", file=sys.stderr)
                    return 1
                with store._transaction() as cur:  # flush means now: waiting rows become due
                    cur.execute("UPDATE outbox SET next_try = ? WHERE sent IS NULL AND rejected = 0",
                                (_outbox._now(),))
                result = send_due(store, config)
                print(f"sent {result.sent} statement(s) to {config.statements_url}"
                      + (f"; {result.rejected} refused by the LRS" if result.rejected else ""))
                if result.error:
                    print(f"lrs: {result.failed} left queued: {result.error}", file=sys.stderr)
                    return 1
                return 0
            st = _outbox.status(store)
    except ProgressError as exc:
        print(f"lrs: {exc}", file=sys.stderr)
        return 1
    print(f"LRS: {config.statements_url if config else 'not configured'}")
    print(f"queued: {st.queued}  sent: {st.sent}  refused: {st.rejected}  failing: {st.failing}")
    if st.queued and st.next_try:
        print(f"next try: {st.next_try}")
    if st.last_error:
        print(f"last error: {st.last_error}")
    return 0
