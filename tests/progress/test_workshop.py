"""Workshop: hand-ins, merging a class folder (with its problems reported, not fatal), the class summary,
and the synthetic demo class."""
from __future__ import annotations

import json

import pandas as pd
import pytest

import painkit as pk
from painkit.progress import Attempt
from painkit.progress import class_summary, demo_class, hand_in, load_class


def _store(tmp_path, name, rows):
    store = pk.ProgressStore(tmp_path / f"{name}.sqlite")
    for case, step, answer, score in rows:
        store.record(Attempt(case=case, step=step, answer=answer, score=score), learner=name)
    return store


def test_hand_in_writes_the_learners_export(tmp_path):
    store = _store(tmp_path, "ana", [("lbp-chronic", "mechanism", [{"mechanism": "nociceptive", "grade": "likely"}], 100)])
    folder = tmp_path / "class"
    folder.mkdir()
    path = hand_in(store, folder, learner="ana")
    assert path == folder / "ana.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["learner"], r["case"], r["score"]) for r in rows] == [("ana", "lbp-chronic", 100)]
    assert [p.name for p in folder.iterdir()] == ["ana.jsonl"]


def test_hand_in_without_a_class_folder_says_how(tmp_path, monkeypatch):
    monkeypatch.delenv("PAINKIT_CLASS_DIR", raising=False)
    with pytest.raises(pk.ProgressError, match="PAINKIT_CLASS_DIR"):
        hand_in(_store(tmp_path, "ana", []), learner="ana")


def test_load_class_merges_and_reports_problems(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    ana = _store(tmp_path, "ana", [("lbp-chronic", "mechanism", ["nociceptive"], 100), ("lbp-chronic", "plan", {"items": []}, 40)])
    ben = _store(tmp_path, "ben", [("fibromyalgia", "mechanism", ["nociceptive"], 0)])
    hand_in(ana, folder, learner="ana")
    hand_in(ben, folder, learner="ben")
    ana.export(folder / "ana-again.csv")                      # the same learner handed in twice
    (folder / "broken.jsonl").write_text("{not json\n")       # unreadable
    old = (folder / "ben.jsonl").read_text().replace('"painkit_version": "', '"painkit_version": "0.0.1-')
    (folder / "ben-old.jsonl").write_text(old)                # another painkit version
    data = load_class(folder)
    assert data.learners == ["ana", "ben"]
    assert len(data.attempts) == 3                            # duplicates counted once (by attempt uid)
    text = "\n".join(data.problems)
    assert "broken.jsonl: unreadable" in text
    assert "learner 'ana' appears in 2 files" in text
    assert "ben-old.jsonl: written by painkit 0.0.1-" in text
    assert set(data.files["status"]) == {"read", "unreadable"}


def test_load_class_reads_whole_stores_too(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    _store(folder, "chen", [("crps", "plan", {"items": []}, 70)]).close()
    assert load_class(folder).learners == ["chen"]


def test_class_summary_numbers():
    rows = [  # learner, case, step, score
        ("a", "lbp-chronic", "mechanism", 100), ("b", "lbp-chronic", "mechanism", 50),
        ("c", "lbp-chronic", "mechanism", 50), ("a", "lbp-chronic", "plan", 90), ("b", "lbp-chronic", "plan", 30),
    ]
    frame = pd.DataFrame([{"uid": str(i), "learner": lr, "case": c, "step": s, "score": float(sc), "feedback": "",
                           "answer": [{"mechanism": "nociplastic", "grade": "possible"}] if s == "mechanism"
                           else {"items": ["therapeutic_exercise"], "opioids": []},
                           "started": None, "finished": None} for i, (lr, c, s, sc) in enumerate(rows)])
    data = pk.workshop.ClassData(frame, pd.DataFrame(), [])
    summary = class_summary(data, pass_score=60)
    mech = summary.accuracy.set_index(["case", "step"]).loc[("lbp-chronic", "mechanism")]
    assert mech["attempts"] == 3 and mech["mean_score"] == pytest.approx(200 / 3) and mech["passed"] == pytest.approx(1 / 3)
    assert summary.wrong_mechanisms.iloc[0]["learners"] == 2   # b and c gave the same wrong answer
    assert summary.wrong_mechanisms.iloc[0]["answer_label"] == "nociplastic (possible)"
    assert list(summary.need_help["learner"]) == ["b", "c"]     # b: mean 40 < 60; c: mean 50 < 60
    assert set(summary.findings["code"]) >= {"key_recommended_missing"}


def test_demo_class_is_seeded_and_graded_by_the_engines():
    a, b = demo_class(n_learners=5, seed=3), demo_class(n_learners=5, seed=3)
    pd.testing.assert_frame_equal(a.attempts, b.attempts)
    assert not demo_class(n_learners=5, seed=4).attempts["answer"].equals(a.attempts["answer"])
    row = a.attempts[a.attempts["step"] == "mechanism"].iloc[0]
    assert row["score"] == pk.check_answer(pk.load_case(row["case"]), row["answer"]).score
    assert a.learners == [f"learner-{i:02d}" for i in range(1, 6)]


def test_summary_charts_stay_under_the_row_limit():
    summary = class_summary(demo_class(n_learners=8, seed=0))
    for chart in summary.charts().values():
        assert chart.to_dict()


def test_load_class_never_writes_to_a_handed_in_store(tmp_path):
    """A hand-in is untrusted and belongs to the learner: reading it must not switch its journal mode to WAL
    or migrate it (issue 16). The store is handed in after being set back to SQLite's default journal."""
    import hashlib
    import sqlite3

    folder = tmp_path / "class"
    folder.mkdir()
    store = _store(folder, "ana", [("lbp-chronic", "mechanism", ["nociceptive"], 100)])
    store.close()
    path = folder / "ana.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    data = load_class(folder)
    assert list(data.attempts["learner"]) == ["ana"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in folder.iterdir()) == ["ana.sqlite"]  # no -wal or -shm left beside it
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
