"""Live learning records against a real LRS (Ralph over BriskDB, started on 127.0.0.1 by the fixture).

What the statements must look like comes from the xAPI export (tests/test_xapi.py checks it against the
xAPI 1.0.3 data spec); here the LRS must store exactly those statements, once each, whatever happens to
the connection. The outbox itself (queueing in the attempt's transaction, backoff, CLI) is tested
without a network too.
"""
from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from painkit.progress import Attempt, ProgressStore
from painkit.progress import _lrs, _outbox, _xapi

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for the LRS helper
from lrs.server import PASSWORD, USERNAME, LocalLrs, available  # noqa: E402

HOMEPAGE = "https://lms.example.edu"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _attempts(n: int, learner: str) -> list[Attempt]:
    steps = ("mechanism", "plan", "assessment")
    return [Attempt(case="lbp-chronic", step=steps[i % 3], answer={"i": i, "text": "a \u00e9 \"q\""},
                    score=None if i % 3 == 1 else (i * 7) % 101, feedback="",
                    started=T0 + timedelta(minutes=i), finished=T0 + timedelta(minutes=i, seconds=42.5),
                    learner=learner) for i in range(n)]


def _config(endpoint: str, **kw) -> _outbox.LrsConfig:
    return _outbox.LrsConfig(endpoint, USERNAME, PASSWORD, HOMEPAGE, **kw)


@pytest.fixture(scope="module")
def lrs():
    if not available():
        pytest.skip("the test LRS is not installed: run `make test` (it installs .venv/lrs)")
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None  # the LRS's store in memory: faster, same code
    folder = Path(tempfile.mkdtemp(prefix="painkit-lrs-", dir=shm))
    try:
        with LocalLrs(folder) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_lrs_env(monkeypatch, tmp_path):
    for key in ("PAINKIT_LRS_ENDPOINT", "PAINKIT_LRS_USERNAME", "PAINKIT_LRS_PASSWORD", "PAINKIT_XAPI_HOMEPAGE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PAINKIT_HOME", str(tmp_path / "home"))
    yield
    _lrs.detach_all()


def _agent(name: str) -> dict:
    return {"objectType": "Agent", "account": {"homePage": HOMEPAGE, "name": name}}


# ------------------------------------------------------------------------------------------ the outbox
def test_each_recorded_attempt_is_queued_in_the_same_transaction(tmp_path):
    with ProgressStore(tmp_path / "p.sqlite", outbox=True) as store:
        uids = [store.record(a) for a in _attempts(3, "ana")]
        rows = sqlite3.connect(store.path).execute("SELECT attempt_uid, statement_id, sent FROM outbox").fetchall()
    assert sorted(r[0] for r in rows) == sorted(uids)
    assert all(r[1] == r[0] and r[2] is None for r in rows)  # a UUID uid is its own statement id


def test_a_failed_write_queues_nothing(tmp_path):
    with ProgressStore(tmp_path / "p.sqlite", outbox=True) as store:
        bad = _attempts(2, "ana")
        bad[1].score = 250  # invalid: the whole record_many is refused
        with pytest.raises(Exception):
            store.record_many(bad)
        assert sqlite3.connect(store.path).execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


def test_no_lrs_configured_means_no_queue(tmp_path):
    assert _outbox.lrs_config() is None
    with ProgressStore(tmp_path / "p.sqlite") as store:
        store.record(_attempts(1, "ana")[0])
        assert _outbox.status(store).queued == 0


def test_config_from_environment_and_file(monkeypatch, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "lrs.yaml").write_text("endpoint: https://lrs.example.edu/xAPI\nusername: u\npassword: p\n")
    cfg = _outbox.lrs_config()
    assert cfg.statements_url == "https://lrs.example.edu/xAPI/statements" and cfg.username == "u"
    assert "p'" not in repr(cfg)  # the password is never printed
    monkeypatch.setenv("PAINKIT_LRS_ENDPOINT", "https://other.example.edu/xAPI/")
    with pytest.raises(Exception, match="PAINKIT_LRS_USERNAME and PAINKIT_LRS_PASSWORD"):
        _outbox.lrs_config()  # the environment wins, and it lacks credentials
    monkeypatch.setenv("PAINKIT_LRS_ENDPOINT", "ftp://x")
    with pytest.raises(Exception, match="allowed: an http"):
        _outbox.lrs_config()


def test_backoff_doubles_and_is_capped():
    for tries, full in ((1, 2.0), (2, 4.0), (4, 16.0), (30, 600.0)):
        assert full / 2 <= _lrs.backoff(tries) <= full


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/xAPI/"


def test_lrs_down_keeps_statements_queued_with_a_later_try(tmp_path):
    with ProgressStore(tmp_path / "p.sqlite", outbox=True) as store:
        store.record_many(_attempts(4, "ana"))
        result = _lrs.send_due(store, _config(_closed_port(), timeout=2))
        st = _outbox.status(store)
    assert result.sent == 0 and "cannot reach the LRS" in result.error
    assert st.queued == 4 and st.failing == 4 and st.next_try > datetime.now(timezone.utc).isoformat()


def test_backoff_follows_the_delay_settings_as_they_are_when_called(monkeypatch):
    """base * 2**(tries-1), jittered to 50-100%, capped: read from the module's settings at each call, so a
    deployment (or a test) that changes them is obeyed."""
    monkeypatch.setattr(_lrs, "BASE_DELAY_S", 60.0)
    assert all(30.0 <= _lrs.backoff(1) <= 60.0 for _ in range(50))
    assert all(120.0 <= _lrs.backoff(3) <= 240.0 for _ in range(50))
    monkeypatch.setattr(_lrs, "MAX_DELAY_S", 100.0)
    assert all(50.0 <= _lrs.backoff(3) <= 100.0 for _ in range(50))


def test_a_down_lrs_is_not_tried_again_before_the_backoff_even_for_new_attempts(monkeypatch, tmp_path):
    monkeypatch.setattr(_lrs, "BASE_DELAY_S", 60.0)     # the first retry is 30-60 s away
    with ProgressStore(tmp_path / "p.sqlite", outbox=True) as store:
        sender = _lrs.attach(store, _config(_closed_port(), timeout=2))
        store.record(_attempts(1, "ana")[0])          # wakes the sender: one try, refused, backoff
        deadline = time.monotonic() + 30
        while _outbox.status(store).failing == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _outbox.status(store).failing == 1
        for a in _attempts(4, "bea"):                   # each wakes the sender: still inside the backoff
            store.record(a)
        time.sleep(1.0)
        with store._lock:
            tries = dict(store._connection().execute("SELECT tries, COUNT(*) FROM outbox GROUP BY tries").fetchall())
        assert sender._thread.is_alive()
    assert tries == {1: 1, 0: 4}                        # the new rows were not sent to the down LRS


def test_recording_never_waits_for_a_hanging_lrs(monkeypatch, tmp_path):
    """An LRS that accepts connections and never answers: record() returns at once; the sender waits."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}/xAPI/"
    monkeypatch.setenv("PAINKIT_LRS_ENDPOINT", endpoint)
    monkeypatch.setenv("PAINKIT_LRS_USERNAME", USERNAME)
    monkeypatch.setenv("PAINKIT_LRS_PASSWORD", PASSWORD)
    try:
        with ProgressStore(tmp_path / "p.sqlite") as store:
            assert store.outbox
            sender = _lrs.attach(store, _config(endpoint, timeout=30))
            store.record(_attempts(1, "ana")[0])     # wakes the sender, which then hangs on the socket
            time.sleep(0.2)
            start = time.perf_counter()
            for a in _attempts(5, "ana"):
                store.record(a)
            elapsed = time.perf_counter() - start
            assert sender._thread.is_alive()
            assert _outbox.status(store).queued == 6
        assert elapsed < 2.0  # five records; a blocking send would take the 30 s timeout (speed: bench_lrs)
    finally:
        listener.close()


# ------------------------------------------------------------------------------------------ a real LRS
def test_statements_arrive_field_by_field(lrs, tmp_path):
    with ProgressStore(tmp_path / "p.sqlite", outbox=True) as store:
        store.record_many(_attempts(6, "field-by-field"))
        result = _lrs.send_due(store, _config(lrs.endpoint))
        expected = _xapi.statements(store, homepage=HOMEPAGE)
        assert _outbox.status(store).queued == 0
    assert result.sent == 6 and not result.error
    got = {s["id"]: s for s in lrs.statements(agent=_agent("field-by-field"))}
    assert sorted(got) == sorted(s["id"] for s in expected)
    for sent in expected:
        stored = got[sent["id"]]
        for field in ("id", "actor", "verb", "object", "context", "timestamp", "version"):
            assert stored[field] == sent[field], field
        assert stored.get("result") == sent.get("result")
        assert set(stored) - set(sent) <= {"stored", "authority"}  # what the LRS adds (xAPI 2.4.8, 2.4.9)


def test_resending_the_same_attempt_does_not_duplicate(lrs, tmp_path):
    with ProgressStore(tmp_path / "p.sqlite", outbox=True) as store:
        store.record_many(_attempts(3, "resend"))
        _lrs.send_due(store, _config(lrs.endpoint))
        _lrs.post(_config(lrs.endpoint), _xapi.statements(store, homepage=HOMEPAGE))  # all three again
    assert len(lrs.statements(agent=_agent("resend"))) == 3


def test_lrs_stopped_mid_send_and_restarted_gets_every_statement_once(lrs, tmp_path, monkeypatch):
    monkeypatch.setattr(_lrs, "BASE_DELAY_S", 0.2)
    monkeypatch.setattr(_lrs, "MAX_DELAY_S", 1.0)
    n = 120
    with ProgressStore(tmp_path / "p.sqlite", outbox=True) as store:
        store.record_many(_attempts(n, "stop-restart"))
        ids = {s["id"] for s in _xapi.statements(store, homepage=HOMEPAGE)}
    sender = _lrs.LrsSender(tmp_path / "p.sqlite", _config(lrs.endpoint, timeout=5), batch=10).start()
    with ProgressStore(tmp_path / "p.sqlite", outbox=False) as store:
        deadline = time.monotonic() + 60
        while _outbox.status(store).sent < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        lrs.stop_ralph()                          # mid-send: some batches sent, the rest still queued
        stopped_at = _outbox.status(store)
        time.sleep(1.5)                           # the sender fails, backs off, fails again
        assert _outbox.status(store).failing > 0
        lrs.start_ralph()
        sender.wake()
        deadline = time.monotonic() + 120
        while _outbox.status(store).queued and time.monotonic() < deadline:
            time.sleep(0.1)
        final = _outbox.status(store)
    sender.stop()
    assert 0 < stopped_at.sent < n
    assert final.queued == 0 and final.sent == n and final.rejected == 0
    got = [s["id"] for s in lrs.statements(agent=_agent("stop-restart"))]
    assert len(got) == n and set(got) == ids   # every statement, exactly once


def test_cli_status_and_flush(lrs, tmp_path, monkeypatch):
    store_path = tmp_path / "p.sqlite"
    with ProgressStore(store_path, outbox=True) as store:
        store.record_many(_attempts(5, "cli"))
    monkeypatch.setenv("PAINKIT_LRS_ENDPOINT", lrs.endpoint)
    monkeypatch.setenv("PAINKIT_LRS_USERNAME", USERNAME)
    monkeypatch.setenv("PAINKIT_LRS_PASSWORD", PASSWORD)
    monkeypatch.setenv("PAINKIT_XAPI_HOMEPAGE", HOMEPAGE)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "painkit", "lrs", *args, "--store", str(store_path)],
                              capture_output=True, text=True, timeout=120)

    before = run("status")
    assert before.returncode == 0 and "queued: 5  sent: 0" in before.stdout
    flushed = run("flush")
    assert flushed.returncode == 0, flushed.stderr
    assert "sent 5 statement(s)" in flushed.stdout
    assert "queued: 0  sent: 5" in run("status").stdout
    assert len(lrs.statements(agent=_agent("cli"))) == 5


# ------------------------------------------------------------------------------------------ schema and session
def test_a_version_2_store_gains_the_outbox_and_keeps_its_attempts(tmp_path):
    path = tmp_path / "p.sqlite"
    with ProgressStore(path) as store:
        store.record(_attempts(1, "old")[0])
    raw = sqlite3.connect(path)  # turn it back into the v2 layout an older painkit wrote
    raw.executescript("DROP TABLE outbox; UPDATE meta SET value = '2' WHERE key = 'schema_version';")
    raw.close()
    with ProgressStore(path, outbox=True) as store:
        assert store.schema_version() == 3 and len(store.attempts()) == 1
        store.record(_attempts(2, "old")[1])
        assert _outbox.status(store).queued == 1  # only attempts recorded after the upgrade are queued


def test_enable_starts_the_sender_and_a_bad_config_only_warns(monkeypatch, tmp_path):
    from painkit import progress

    monkeypatch.setenv("PAINKIT_LEARNER", "ana")
    monkeypatch.setenv("PAINKIT_LRS_ENDPOINT", _closed_port())
    monkeypatch.setenv("PAINKIT_LRS_USERNAME", USERNAME)
    monkeypatch.setenv("PAINKIT_LRS_PASSWORD", PASSWORD)
    try:
        store = progress.enable(path=tmp_path / "a.sqlite")
        assert store.on_recorded is not None and any(s._thread.is_alive() for s in _lrs._SENDERS.values())
        monkeypatch.delenv("PAINKIT_LRS_PASSWORD")
        with pytest.warns(progress.ProgressWarning, match="queued but not sent: .*PAINKIT_LRS_PASSWORD"):
            store = progress.enable(path=tmp_path / "b.sqlite")
        store.record(_attempts(1, "ana")[0])      # still saved, and queued for when the config is fixed
        assert len(store.attempts()) == 1 and _outbox.status(store).queued == 1
    finally:
        progress.disable()
