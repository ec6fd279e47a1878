"""ProgressStore: records, concurrency, crash safety, bad files, injection-looking names, export/import,
migrations, and the widgets' default sink."""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import uuid
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import painkit
from painkit.progress import _attempts as attempts_mod
from painkit import progress
from painkit.progress import _store as store_mod
from painkit.progress import _session as session
from painkit.progress import Attempt
from painkit.errors import ProgressError
from painkit.progress import SCHEMA_VERSION, ProgressStore

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
INJECTION = "x'); DROP TABLE attempts;--"


@pytest.fixture(autouse=True)
def _no_session():
    yield
    session.disable()
    session._S.learner = None


@pytest.fixture
def store_path(tmp_path) -> Path:
    return tmp_path / "progress.sqlite"


def _attempt(i: int = 0, **kw) -> Attempt:
    base = dict(case="lbp-chronic", step="mechanism", answer={"mechanisms": ["nociceptive"], "i": i},
                score=float(i % 101), feedback=f"feedback {i}", started=T0 + timedelta(minutes=i),
                finished=T0 + timedelta(minutes=i, seconds=45))
    base.update(kw)
    return Attempt(**base)


def _columns(frame):
    return frame[["learner", "case", "step", "answer", "score", "feedback", "started", "finished"]]


# ------------------------------------------------------------------------------------------ basics
def test_default_path_is_under_painkit_home(monkeypatch, tmp_path):
    monkeypatch.setenv("PAINKIT_HOME", str(tmp_path / "home"))
    with ProgressStore() as store:
        assert store.path == tmp_path / "home" / "progress.sqlite"
        assert store.path.is_file()
        mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_record_and_read_back(store_path):
    with ProgressStore(store_path) as store:
        uid = store.record(_attempt(3), learner="ana")
        store.record(_attempt(4, score=None, learner="ben"))
        frame = store.attempts()
        assert store.learners() == ["ana", "ben"]
        assert list(frame["learner"]) == ["ana", "ben"]
        first = frame.iloc[0]
        assert first["uid"] == uid and first["case"] == "lbp-chronic" and first["step"] == "mechanism"
        assert first["answer"] == {"mechanisms": ["nociceptive"], "i": 3}
        assert first["score"] == 3.0 and first["feedback"] == "feedback 3"
        assert first["started"] == T0 + timedelta(minutes=3)
        assert first["finished"] == T0 + timedelta(minutes=3, seconds=45)
        assert frame["score"].isna().iloc[1]
        assert len(store.attempts(learner="ben")) == 1


def test_attempt_needs_a_learner(store_path):
    with ProgressStore(store_path) as store:
        with pytest.raises(ProgressError, match="learner"):
            store.record(_attempt())
        store.learner = "default-learner"
        store.record(_attempt())
        assert store.learners() == ["default-learner"]


@pytest.mark.parametrize("field, value, words", [
    ("score", 120, "score: found 120; allowed: 0-100"),
    ("score", "high", "score"),
    ("case", "  ", "case"),
    ("step", "", "step"),
    ("started", "yesterday", "started"),
])
def test_bad_attempt_fields_name_the_field(store_path, field, value, words):
    with ProgressStore(store_path, learner="ana") as store:
        with pytest.raises(ProgressError, match=words):
            store.record(_attempt(**{field: value}))
        assert len(store.attempts()) == 0


def test_record_many_is_one_transaction(store_path):
    def attempts_then_bad():
        yield _attempt(1)
        yield _attempt(2)
        yield _attempt(3, score=500)  # invalid: the whole batch must be rolled back

    with ProgressStore(store_path, learner="ana") as store:
        with pytest.raises(ProgressError, match="score"):
            store.record_many(attempts_then_bad())
        assert len(store.attempts()) == 0
        assert store.record_many(_attempt(i) for i in range(5)) == 5
        assert len(store.attempts()) == 5


# ------------------------------------------------------------------------------------------ concurrency
N_PROCS, N_EACH = 20, 200


def _writer(path: str, k: int, start, errors) -> None:
    try:
        store = ProgressStore(path, learner=f"learner-{k}")  # every process also races to create the file
        start.wait()
        for i in range(N_EACH):
            store.record(_attempt(i, answer={"proc": k, "i": i}))
        store.close()
    except BaseException as exc:  # report anything, including lock errors
        errors.put(f"{type(exc).__name__}: {exc}")
        os._exit(1)


def test_twenty_processes_write_at_once_and_nothing_is_lost(store_path):
    ctx = multiprocessing.get_context("fork")
    start, errors = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(store_path), k, start, errors)) for k in range(N_PROCS)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(60)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert problems == []
    assert [p.exitcode for p in procs] == [0] * N_PROCS
    with ProgressStore(store_path) as store:
        frame = store.attempts()
    assert len(frame) == N_PROCS * N_EACH == 4000
    seen = {(a["proc"], a["i"]) for a in frame["answer"]}
    assert seen == {(k, i) for k in range(N_PROCS) for i in range(N_EACH)}
    assert frame["uid"].is_unique


def test_a_locked_store_is_waited_for_not_reported(store_path, monkeypatch):
    monkeypatch.setattr(store_mod, "BUSY_TIMEOUT_S", 0.01)  # sqlite gives up fast: our retry loop must wait
    with ProgressStore(store_path, learner="ana") as store:
        other = sqlite3.connect(store_path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another writer holds the lock ...
        timer = threading.Timer(0.3, lambda: other.execute("COMMIT"))  # ... for 0.3 s
        timer.start()
        t = time.perf_counter()
        store.record(_attempt(1))
        waited = time.perf_counter() - t
        timer.join()
        other.close()
        assert waited >= 0.25
        assert len(store.attempts()) == 1


# ------------------------------------------------------------------------------------------ crash safety
CRASH_CHILD = textwrap.dedent("""
    import sys, time
    from datetime import datetime, timezone
    from painkit.progress import Attempt
    from painkit.progress import ProgressStore

    store = ProgressStore(sys.argv[1], learner="crash")
    for i in range(50):
        store.record(Attempt("lbp-chronic", "mechanism", {"i": i}, score=i))
    print("committed", flush=True)

    def in_flight():
        for i in range(50, 60):
            yield Attempt("lbp-chronic", "plan", {"i": i}, score=1)
        print("in-transaction", flush=True)
        time.sleep(60)

    store.record_many(in_flight())
""")


def test_sigkill_mid_transaction_keeps_every_earlier_attempt(store_path):
    child = subprocess.Popen([sys.executable, "-c", CRASH_CHILD, str(store_path)], stdout=subprocess.PIPE,
                             text=True)
    lines = []
    try:
        for line in child.stdout:
            lines.append(line.strip())
            if line.strip() == "in-transaction":
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert lines == ["committed", "in-transaction"]
    assert child.returncode == -signal.SIGKILL
    raw = sqlite3.connect(store_path)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()
    with ProgressStore(store_path) as store:
        frame = store.attempts()
        assert [a["i"] for a in frame["answer"]] == list(range(50))  # the 10 in flight are gone, all else kept
        assert list(frame["score"]) == [float(i) for i in range(50)]
        store.record(_attempt(1), learner="after-crash")  # and the file is writable again
        assert len(store.attempts()) == 51


# ------------------------------------------------------------------------------------------ bad files
def _assert_kept(path: Path, before: bytes) -> None:
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()


def test_corrupt_file_is_reported_and_kept(store_path):
    before = b"\x00\x17not a database at all" * 100
    store_path.write_bytes(before)
    with pytest.raises(ProgressError) as err:
        ProgressStore(store_path)
    assert str(store_path) in str(err.value) and "not a painkit progress store" in str(err.value)
    assert "beside" in str(err.value) and "progress-2.sqlite" in str(err.value)
    _assert_kept(store_path, before)


def test_damaged_sqlite_file_is_reported_and_kept(store_path):
    with ProgressStore(store_path, learner="ana") as store:
        store.record_many(_attempt(i) for i in range(300))
    data = bytearray(store_path.read_bytes())
    data[100:4096 * 2] = b"\xff" * (4096 * 2 - 100)  # keep the 16-byte header, wreck the schema page
    store_path.write_bytes(bytes(data))
    before = store_path.read_bytes()
    with pytest.raises(ProgressError, match=str(store_path)):
        ProgressStore(store_path)
    assert store_path.read_bytes() == before


def test_foreign_sqlite_database_is_reported_and_kept(store_path):
    other = sqlite3.connect(store_path)
    other.execute("CREATE TABLE patients (name TEXT)")
    other.execute("INSERT INTO patients VALUES ('someone else''s data')")
    other.commit()
    other.close()
    before = store_path.read_bytes()
    with pytest.raises(ProgressError) as err:
        ProgressStore(store_path)
    assert str(store_path) in str(err.value) and "tables: patients" in str(err.value)
    _assert_kept(store_path, before)
    with ProgressStore.beside(store_path, learner="ana") as fresh:  # the offered way out
        fresh.record(_attempt(1))
        assert fresh.path == store_path.with_name("progress-2.sqlite")
    _assert_kept(store_path, before)


def test_store_from_a_newer_painkit_is_refused(store_path):
    ProgressStore(store_path).close()
    raw = sqlite3.connect(store_path)
    raw.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    with pytest.raises(ProgressError, match="newer painkit"):
        ProgressStore(store_path)


# ------------------------------------------------------------------------------------------ injection
def test_sql_looking_names_are_stored_as_text(store_path):
    with ProgressStore(store_path) as store:
        store.record(_attempt(1, case="lbp-chronic'; DELETE FROM learners;--", answer=INJECTION), learner=INJECTION)
        store.record(_attempt(2), learner="Robert'); DROP TABLE learners;--")
        assert store.learners() == sorted([INJECTION, "Robert'); DROP TABLE learners;--"])
        frame = store.attempts(learner=INJECTION)
        assert len(frame) == 1
        assert frame.iloc[0]["case"] == "lbp-chronic'; DELETE FROM learners;--"
        assert frame.iloc[0]["answer"] == INJECTION
    tables = {r[0] for r in sqlite3.connect(store_path).execute("SELECT name FROM sqlite_master")}
    assert {"attempts", "learners", "meta"} <= tables


# ------------------------------------------------------------------------------------------ export/import
def _tricky(store: ProgressStore) -> None:
    store.record(_attempt(1, feedback='comma, "quotes"\nand a new line', answer={"plan": ["a", "b"], "x": 1.5}),
                 learner=INJECTION)
    store.record(_attempt(2, score=None, answer=None, feedback=""), learner="Zoë Ñúñez")
    store.record(_attempt(3, answer=["=SUM(A1:A2)", {"nested": {"deep": [1, None, True]}}]), learner="ana")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_export_import_round_trip(tmp_path, suffix):
    with ProgressStore(tmp_path / "a.sqlite") as a, ProgressStore(tmp_path / "b.sqlite") as b:
        _tricky(a)
        out = a.export(tmp_path / f"handin{suffix}")
        assert b.import_(out) == 3
        assert b.import_(out) == 0  # the same attempts (same uid) are not added twice
        left, right = a.attempts(), b.attempts()
        assert list(left["uid"]) == list(right["uid"])
        assert _columns(left).equals(_columns(right))


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_export_carries_versions(tmp_path, suffix):
    with ProgressStore(tmp_path / "a.sqlite") as a:
        _tricky(a)
        out = a.export(tmp_path / f"x{suffix}", learner="ana")
    from painkit.progress import read_export

    frame = read_export(out)
    assert list(frame["learner"]) == ["ana"]
    text = out.read_text(encoding="utf-8")
    if suffix == ".jsonl":
        record = json.loads(text.splitlines()[0])
    else:
        import csv

        record = next(csv.DictReader(text.splitlines()))
    assert record["painkit_version"] == painkit.__version__
    assert int(record["schema_version"]) == SCHEMA_VERSION


def test_import_names_the_bad_line(tmp_path):
    with ProgressStore(tmp_path / "a.sqlite") as a:
        _tricky(a)
        out = a.export(tmp_path / "x.jsonl")
    lines = out.read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[1])
    bad["score"] = 150
    lines[1] = json.dumps(bad)
    out.write_text("\n".join(lines), encoding="utf-8")
    with ProgressStore(tmp_path / "b.sqlite") as b:
        with pytest.raises(ProgressError, match=r"x\.jsonl: line 2: score: found 150"):
            b.import_(out)
        assert len(b.attempts()) == 0
        with pytest.raises(ProgressError, match="unknown export format '.xlsx'"):
            b.export(tmp_path / "x.xlsx")


# ------------------------------------------------------------------------------------------ migrations
# The version-1 layout as painkit first shipped it (written out here, as an old file would hold it).
V1_SQL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE learners (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL);
CREATE TABLE attempts (id INTEGER PRIMARY KEY, learner_id INTEGER NOT NULL REFERENCES learners(id),
  case_id TEXT NOT NULL, step TEXT NOT NULL, answer TEXT NOT NULL, score REAL,
  feedback TEXT NOT NULL DEFAULT '', started TEXT NOT NULL, finished TEXT NOT NULL);
INSERT INTO meta VALUES ('app', 'painkit-progress'), ('schema_version', '1');
INSERT INTO learners VALUES (1, 'old-learner', '2024-01-01T00:00:00.000000+00:00');
INSERT INTO attempts VALUES (1, 1, 'lbp-chronic', 'mechanism', '{"a": 1}', 75.0, 'ok',
  '2024-01-02T10:00:00.000000+00:00', '2024-01-02T10:05:00.000000+00:00');
INSERT INTO attempts VALUES (2, 1, 'pdn-neuropathy', 'plan', '[1, 2]', NULL, '',
  '2024-01-03T10:00:00.000000+00:00', '2024-01-03T10:01:00.000000+00:00');
"""


def test_migrates_a_version_1_store(store_path):
    raw = sqlite3.connect(store_path)
    raw.executescript(V1_SQL)
    raw.close()
    with ProgressStore(store_path) as store:
        assert store.schema_version() == SCHEMA_VERSION == 2
        frame = store.attempts()
        assert list(frame["case"]) == ["lbp-chronic", "pdn-neuropathy"]
        assert list(frame["answer"]) == [{"a": 1}, [1, 2]]
        assert frame["score"].iloc[0] == 75.0 and frame["score"].isna().iloc[1]
        assert all(uuid.UUID(u).version == 4 for u in frame["uid"])  # v2 gave old rows a uid
        store.record(_attempt(1), learner="old-learner")
        assert store.learners() == ["old-learner"]
        assert len(store.attempts()) == 3
    indexes = {r[0] for r in sqlite3.connect(store_path).execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"attempts_uid", "attempts_learner_time"} <= indexes


def test_migrations_are_ordered_and_end_at_the_schema_version():
    versions = [v for v, _, _ in store_mod.MIGRATIONS]
    assert versions == list(range(1, SCHEMA_VERSION + 1))


# ------------------------------------------------------------------------------------------ widgets' sink
def test_enable_makes_the_store_the_default_sink(monkeypatch, tmp_path):
    monkeypatch.setenv("PAINKIT_LEARNER", "nbval-learner")
    store = progress.enable(path=tmp_path / "p.sqlite")
    assert progress.current_learner() == "nbval-learner"
    attempts_mod.default_sink(_attempt(1))                   # no learner: the current one
    attempts_mod.default_sink(_attempt(2, learner="other"))  # its own learner is kept
    frame = store.attempts()
    assert list(frame["learner"]) == ["nbval-learner", "other"]


def test_enable_never_blocks_without_a_name(monkeypatch, tmp_path):
    monkeypatch.delenv("PAINKIT_LEARNER", raising=False)
    monkeypatch.setattr(sys, "stdin", None)  # nobody to ask (as under nbval or a batch job)
    import getpass

    store = progress.enable(path=tmp_path / "p.sqlite")
    assert progress.current_learner() == getpass.getuser()
    assert store.learner == getpass.getuser()


def test_attempts_wait_for_the_learner_name(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite")
    session._S.store = store
    session.sink(_attempt(1))   # before the learner typed a name: kept in memory
    assert len(store.attempts()) == 0
    session.set_learner("late-typer")
    assert list(store.attempts()["learner"]) == ["late-typer"]


def test_enable_with_a_bad_file_warns_and_offers_beside(tmp_path):
    bad = tmp_path / "progress.sqlite"
    bad.write_text("this is my shopping list", encoding="utf-8")
    with pytest.warns(session.ProgressWarning, match="not a painkit progress store"):
        assert progress.enable("ana", path=bad) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store = progress.enable("ana", path=bad, beside=True)
    assert store.path == tmp_path / "progress-2.sqlite"
    assert bad.read_text(encoding="utf-8") == "this is my shopping list"


def test_name_prompt_sets_the_learner(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite")
    session._S.store = store
    session.sink(_attempt(1))
    box = session.name_prompt()
    text, button = box.children[0].children
    button.click()                       # no name yet: nothing happens, the box asks for one
    assert progress.current_learner() is None and "Type a name" in box.children[1].value
    text.value = "  Dr <i>Example</i> "  # Enter (or leaving the box) submits the name
    assert progress.current_learner() == "Dr <i>Example</i>"
    assert "&lt;i&gt;" in box.children[1].value
    assert list(store.attempts()["learner"]) == ["Dr <i>Example</i>"]
