"""xAPI learning records: statement structure (xAPI 1.0.3, Part Two), stable activity ids, awkward names,
the ``export --xapi`` command and its errors.

Expected forms come from the xAPI 1.0.3 data document (github.com/adlnet/xAPI-Spec, xAPI-Data.md); section
numbers are cited next to the assertions. Scores follow painkit's rule: scaled = score / 100 on 0-100,
success = score >= pass_score (painkit/data/competencies.yaml).
"""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import painkit
from painkit.progress import _xapi as xapi
from painkit import _yamlio as yamlio
from painkit.progress import Attempt
from painkit.errors import ProgressError
from painkit.progress import read_export
from painkit.progress import ProgressStore

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
INJECTION = "x'); DROP TABLE attempts;--"
BASE = "https://painkit.invalid/xapi/activities/case"
HOME = "https://lms.example.edu"


def _attempt(case="lbp-chronic", step="mechanism", answer=None, score=75.0, seconds=45.0, minute=0, **kw):
    started = T0 + timedelta(minutes=minute)
    return Attempt(case=case, step=step, answer={"mechanisms": ["nociceptive"]} if answer is None else answer,
                   score=score, feedback="fb", started=started, finished=started + timedelta(seconds=seconds), **kw)


@pytest.fixture
def store(tmp_path):
    with ProgressStore(tmp_path / "progress.sqlite") as s:
        s.record(_attempt(minute=0), learner="ana")                                        # 75: pass
        s.record(_attempt(step="plan", score=59.5, minute=1, answer={"plan": ["cbt"]}), learner="ana")
        s.record(_attempt(step="plan", score=60, minute=2, answer={"plan": ["cbt", "therapeutic_exercise"]}),
                 learner="ana")                                                             # exactly the pass score
        s.record(_attempt(case="foundations", step="self_check", score=None, minute=3,
                          answer={"question": "q1", "choice": "b"}), learner="Zoë Ñúñez")  # ungraded
        s.record(_attempt(case="lbp-chronic'; DELETE FROM learners;--", minute=4,
                          answer=['say "hi"', "naïve", INJECTION]), learner=INJECTION)
        yield s


def _by_uid(statements):
    return {s["id"]: s for s in statements}


# ------------------------------------------------------------------------------------------ structure
def test_every_statement_validates(store):
    found = xapi.statements(store)
    assert len(found) == 5
    for statement in found:
        assert xapi.validate(statement) == [], statement


def test_fields_of_a_graded_attempt(store):
    frame = store.attempts()
    first = _by_uid(xapi.statements(store))[frame["uid"].iloc[0]]
    assert first["id"] == frame["uid"].iloc[0]                         # the attempt's uid (2.4.1)
    assert first["actor"] == {"objectType": "Agent",
                              "account": {"homePage": xapi.DEFAULT_HOMEPAGE, "name": "ana"}}
    assert first["verb"] == {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}}
    assert first["object"]["id"] == f"{BASE}/lbp-chronic/mechanism"
    assert first["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/interaction"
    assert "education only" in first["object"]["definition"]["description"]["en"]
    # 75 on 0-100: scaled 75 / 100 = 0.75; 75 >= pass score 60 -> success
    assert first["result"]["score"] == {"scaled": 0.75, "raw": 75.0, "min": 0, "max": 100}
    assert first["result"]["success"] is True
    assert first["result"]["response"] == '{"mechanisms":["nociceptive"]}'  # compact JSON text
    assert first["result"]["duration"] == "PT45S"                        # finished - started = 45 s
    assert first["timestamp"] == "2025-03-01T09:00:45.000Z"              # the finished time, UTC
    assert first["context"]["platform"] == "painkit"
    assert first["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE}/lbp-chronic"
    assert first["context"]["extensions"] == {"https://painkit.invalid/xapi/extensions/painkit-version":
                                              painkit.__version__}
    assert first["version"] == "1.0.0"  # 2.4.10: a provider that sets the version sets 1.0.0


def test_success_follows_the_pass_score(store):
    assert yamlio.data_file("competencies.yaml")["pass_score"] == 60
    results = [s["result"] for s in xapi.statements(store) if s["object"]["id"].endswith("/plan")]
    # 59.5 < 60 -> not successful, scaled 0.595; 60 >= 60 -> successful, scaled 0.6
    assert [(r["score"]["scaled"], r["success"]) for r in results] == [(0.595, False), (0.6, True)]


def test_score_scaled_is_consistent_with_raw_min_max(store):
    for statement in xapi.statements(store):
        score = statement.get("result", {}).get("score")
        if score:
            assert score["scaled"] == pytest.approx((score["raw"] - score["min"]) / (score["max"] - score["min"]))
            assert 0 <= score["scaled"] <= 1


def test_ungraded_attempt_has_no_score_and_no_success(store):
    ungraded = [s for s in xapi.statements(store) if s["actor"]["account"]["name"] == "Zoë Ñúñez"]
    assert len(ungraded) == 1
    result = ungraded[0]["result"]
    assert "score" not in result and "success" not in result
    assert json.loads(result["response"]) == {"question": "q1", "choice": "b"}


def test_duration_keeps_hundredths():
    # 61.256 s -> 0.01 s precision (4.6): 61.26 s
    frame = _frame([_attempt(seconds=61.256)])
    (statement,) = xapi.statements(frame)
    assert statement["result"]["duration"] == "PT61.26S"
    assert statement["timestamp"] == "2025-03-01T09:01:01.256Z"


def _frame(attempts, learner="ana"):
    import pandas as pd

    rows = [{**a.to_dict(), "uid": str(uuid.uuid4()), "learner": learner} for a in attempts]
    frame = pd.DataFrame(rows)
    frame["started"] = pd.to_datetime(frame["started"], utc=True)
    frame["finished"] = pd.to_datetime(frame["finished"], utc=True)
    return frame


# ------------------------------------------------------------------------------------------ the validator
def _good() -> dict:
    return {"id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
            "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": "ana"}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
            "object": {"objectType": "Activity", "id": f"{BASE}/x/plan",
                       "definition": {"name": {"en": "x"}, "type": "http://adlnet.gov/expapi/activities/interaction"}},
            "result": {"score": {"scaled": 0.5, "raw": 50, "min": 0, "max": 100}, "success": False,
                       "duration": "PT1M5.5S"},
            "timestamp": "2025-03-01T09:00:00.000+01:00", "version": "1.0.0"}


_DELETE = object()


def _set(path: str, value):
    def change(statement):
        *parents, last = path.split(".")
        target = statement
        for key in parents:
            target = target[key]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value
    return change


def test_the_good_statement_passes():
    assert xapi.validate(_good()) == []


@pytest.mark.parametrize("change, words", [
    (_set("id", "12345"), "id: found '12345'"),                                  # not a UUID (2.4.1)
    (_set("id", "fd41c918-b88b-4b20-c0a5-a4c32391aaa0"), "RFC 4122"),            # wrong variant
    (_set("actor.mbox", "mailto:ana@example.edu"), "found 2 inverse functional"),  # two IFIs (2.4.2.1)
    (_set("actor.account", _DELETE), "found 0 inverse functional"),
    (_set("actor.account", {"homePage": "lms.example.edu", "name": "ana"}), "homePage"),  # not an IRL
    (_set("actor.account", {"name": "ana"}), "exactly homePage and name"),
    (_set("verb.id", "answered"), "verb: id"),                                    # not an IRI
    (_set("verb.display", "answered"), "verb: display"),                          # not a language map
    (_set("verb.display", {"en_US": "answered"}), "language tag"),         # "_" is not in RFC 5646
    (_set("object.id", "case/x/plan"), "object: id"),                             # relative, no scheme
    (_set("object.id", "https://example.org/a b"), "object: id"),                 # a space
    (_set("result.score.scaled", 1.5), "scaled: found 1.5"),                      # outside -1..1 (2.4.5.1)
    (_set("result.score.raw", 101), "raw 101 must lie between"),
    (_set("result.score.min", 100), "min 100 must be less than max"),
    (_set("result.success", "yes"), "success"),
    (_set("result.duration", "45 seconds"), "duration"),                          # not ISO 8601 (4.6)
    (_set("result.duration", "PT"), "duration"),
    (_set("timestamp", "2025-03-01T09:00:00"), "time zone"),                      # no zone (4.5)
    (_set("timestamp", "2025-13-01T09:00:00Z"), "time zone"),                     # month 13
    (_set("timestamp", "2999-01-01T00:00:00Z"), "future"),                        # 2.4.7
    (_set("version", "1.0.3"), "version"),                                        # 2.4.10
    (_set("actor", _DELETE), "actor: required"),
    (_set("verb", _DELETE), "verb: required"),
    (_set("object", _DELETE), "object: required"),
    (_set("score", 1), "not a statement property"),
])
def test_validator_reports_each_broken_form(change, words):
    statement = copy.deepcopy(_good())
    change(statement)
    problems = xapi.validate(statement)
    assert any(words in p for p in problems), problems


def test_validator_accepts_other_valid_forms():
    statement = _good()
    statement["result"]["duration"] = "P3Y1M29DT4H35M59.14S"   # 4.6 example
    statement["timestamp"] = "2015-11-18T12:17:00Z"
    statement["result"]["score"] = {"scaled": -1}                # -1 is allowed (2.4.5.1)
    del statement["version"]                                     # a provider SHOULD NOT set it (2.4.10)
    assert xapi.validate(statement) == []


# ------------------------------------------------------------------------------------------ activity ids
def test_activity_ids_are_stable_per_case_and_step(store):
    ids = {}
    for s in xapi.statements(store):
        ids.setdefault(s["object"]["id"], []).append(s["id"])
    assert len(ids[f"{BASE}/lbp-chronic/plan"]) == 2          # two plan attempts, one activity
    assert len(ids) == 4                                      # mechanism, plan, self_check, injected case
    again = {s["id"]: s["object"]["id"] for s in xapi.statements(store)}
    assert again == {s["id"]: s["object"]["id"] for s in xapi.statements(store)}


def test_activity_ids_differ_for_different_cases_and_steps():
    ids = [xapi.activity_id(c, s) for c, s in [("a", "plan"), ("a", "mechanism"), ("b", "plan"),
                                               ("a/b", "c"), ("a", "b/c"), ("A", "plan")]]
    assert len(set(ids)) == len(ids)   # a '/' inside a segment is encoded, so "a/b"+"c" != "a"+"b/c"


def test_unsafe_characters_are_percent_encoded():
    # RFC 3986 percent-encoding of the UTF-8 bytes: 'ç' = C3 A7, ' ' = 20, '?' = 3F, '#' = 23, "'" = 27
    assert xapi.activity_id("ça va", "x?y#z'") == f"{BASE}/%C3%A7a%20va/x%3Fy%23z%27"
    injected = xapi.activity_id("lbp'; DELETE FROM learners;--", "plan")
    assert injected == f"{BASE}/lbp%27%3B%20DELETE%20FROM%20learners%3B--/plan"
    assert xapi.validate({**_good(), "object": {"id": injected}}) == []


# ------------------------------------------------------------------------------------------ awkward names
def test_names_with_quotes_unicode_and_sql_survive(store, tmp_path):
    out = xapi.write(tmp_path / "out.json", xapi.statements(store))
    raw = out.read_bytes()
    assert "Zoë Ñúñez".encode("utf-8") in raw                   # UTF-8, not \u escapes
    loaded = json.loads(raw.decode("utf-8"))
    names = {s["actor"]["account"]["name"] for s in loaded}
    assert names == {"ana", "Zoë Ñúñez", INJECTION}
    injected = next(s for s in loaded if s["actor"]["account"]["name"] == INJECTION)
    assert json.loads(injected["result"]["response"]) == ['say "hi"', "naïve", INJECTION]
    assert xapi.validate(injected) == []


def test_a_uid_that_is_not_a_uuid_gets_a_stable_uuid():
    frame = _frame([_attempt()])
    frame["uid"] = ["hand-made-1"]
    first, second = xapi.statements(frame), xapi.statements(frame)
    assert first[0]["id"] == second[0]["id"]
    assert uuid.UUID(first[0]["id"]).version == 5 and xapi.validate(first[0]) == []


def test_homepage_from_argument_or_environment(store, monkeypatch):
    assert {s["actor"]["account"]["homePage"] for s in xapi.statements(store, homepage=HOME)} == {HOME}
    monkeypatch.setenv(xapi.HOMEPAGE_ENV, "https://hub.example.org/")
    assert xapi.statements(store)[0]["actor"]["account"]["homePage"] == "https://hub.example.org/"
    with pytest.raises(ProgressError, match="homepage: found 'example.edu'"):
        xapi.statements(store, homepage="example.edu")


def test_statements_from_an_export_file_match_the_store(store, tmp_path):
    exported = read_export(store.export(tmp_path / "handin.jsonl"))
    assert xapi.statements(exported) == xapi.statements(store)
    assert len(xapi.statements(store, learner="ana")) == 3


def test_write_reports_an_unwritable_path(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ProgressError, match="cannot be written"):
        xapi.write(blocker / "out.json", [])


# ------------------------------------------------------------------------------------------ CLI
def _run(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PAINKIT_HOME": str(home)}
    env.pop(xapi.HOMEPAGE_ENV, None)
    return subprocess.run([sys.executable, "-m", "painkit", "export", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def test_cli_round_trip(tmp_path):
    home = tmp_path / "home"
    with ProgressStore(home / "progress.sqlite") as s:
        s.record(_attempt(minute=0), learner="ana")
        s.record(_attempt(step="plan", score=None, minute=1), learner="ben")
        uids = list(s.attempts()["uid"])
    out = tmp_path / "records" / "out.json"
    done = _run(home, "--xapi", str(out), "--homepage", HOME)
    assert done.returncode == 0, done.stderr
    assert f"wrote 2 xAPI statement(s) to {out}" in done.stdout
    loaded = json.loads(out.read_text(encoding="utf-8"))
    assert [s["id"] for s in loaded] == uids
    assert all(xapi.validate(s) == [] for s in loaded)
    assert {s["actor"]["account"]["homePage"] for s in loaded} == {HOME}
    one = _run(home, "--xapi", str(tmp_path / "ben.json"), "--learner", "ben")
    assert one.returncode == 0, one.stderr
    assert "placeholder home page" in one.stderr               # the default homePage is flagged
    assert [s["actor"]["account"]["name"] for s in json.loads((tmp_path / "ben.json").read_text())] == ["ben"]
    csv = _run(home, str(tmp_path / "x.csv"))                   # the csv export still works
    assert csv.returncode == 0 and (tmp_path / "x.csv").is_file()


def test_cli_nothing_to_export(tmp_path):
    home = tmp_path / "home"
    out = tmp_path / "out.json"
    missing = _run(home, "--xapi", str(out))                    # no store at all
    assert missing.returncode == 1 and "nothing to export" in missing.stderr
    assert not (home / "progress.sqlite").exists()              # and none was created
    ProgressStore(home / "progress.sqlite").close()             # an empty store
    empty = _run(home, "--xapi", str(out))
    assert empty.returncode == 1 and "nothing to export: no attempts" in empty.stderr
    assert "Traceback" not in missing.stderr + empty.stderr
    assert not out.exists()


def test_cli_errors_are_clear(tmp_path):
    home = tmp_path / "home"
    with ProgressStore(home / "progress.sqlite") as s:
        s.record(_attempt(), learner="anabel")
    unknown = _run(home, "--xapi", str(tmp_path / "o.json"), "--learner", "anabell")
    assert unknown.returncode == 1 and "no attempts for learner 'anabell'" in unknown.stderr
    assert "did you mean 'anabel'" in unknown.stderr
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    unwritable = _run(home, "--xapi", str(blocker / "o.json"))
    assert unwritable.returncode == 1 and "cannot be written" in unwritable.stderr
    bad_home = _run(home, "--xapi", str(tmp_path / "o.json"), "--homepage", "not a page")
    assert bad_home.returncode == 1 and "homepage" in bad_home.stderr
    both = _run(home, str(tmp_path / "x.csv"), "--xapi", str(tmp_path / "o.json"))
    assert both.returncode == 2
    assert "Traceback" not in unknown.stderr + unwritable.stderr + bad_home.stderr + both.stderr
