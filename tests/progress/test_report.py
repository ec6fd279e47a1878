"""Self-study report: coverage worked out by hand on a small map, the shipped competency map, HTML, CLI."""
from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

import painkit
from painkit.curriculum import _competencies as competencies
from painkit.progress import _report as report_mod
from painkit.__main__ import main
from painkit.progress import Attempt
from painkit.curriculum import CaseTags, CompetencyError, load_map
from painkit.errors import ProgressError
from painkit.progress import ProgressStore

DAY1 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
DAY2 = datetime(2025, 3, 2, 9, 0, tzinfo=timezone.utc)

SMALL_MAP = {
    "statement": "A test map; not an official syllabus.",
    "pass_score": 60, "max_minutes_per_attempt": 30, "case_done_steps": ["mechanism", "plan"],
    "notebooks": ["03_mechanisms"],
    "steps": ["self_check", "assessment", "mechanism", "plan", "trajectory", "revision"],
    "domains": {"d1": {"title": "Domain one"}, "d2": {"title": "Domain two"}},
    "competencies": [
        {"id": "grade_any", "domain": "d1", "title": "grade", "steps": ["mechanism"], "cases": {"all": True},
         "target": 2},
        {"id": "neuro", "domain": "d2", "title": "neuro", "steps": ["mechanism", "plan"],
         "cases": {"mechanisms": ["neuropathic"]}},
        {"id": "acute", "domain": "d2", "title": "acute", "steps": ["plan"],
         "cases": {"settings": ["acute"], "ids": ["private-case"]}, "target": 2},
        {"id": "quiz", "domain": "d1", "title": "quiz", "steps": ["self_check"],
         "cases": {"self_checks": ["foundations"]}, "target": 3},
    ],
}
TAGS = {
    "a": CaseTags("a", setting="chronic", mechanisms=frozenset({"nociceptive"}),
                  topics=frozenset({"iasp.conditions.musculoskeletal"})),
    "b": CaseTags("b", setting="chronic", mechanisms=frozenset({"neuropathic", "nociceptive"}),
                  topics=frozenset({"iasp.conditions.musculoskeletal", "iasp.conditions.neuropathic_peripheral"})),
    "c": CaseTags("c", setting="acute", mechanisms=frozenset({"nociceptive"})),
}


def _a(case, step, score, start, minutes, answer=None, learner="ana") -> Attempt:
    return Attempt(case, step, answer or {}, score, started=start,
                   finished=start + timedelta(minutes=minutes), learner=learner)


# (case, step, score, started, minutes on task)
HAND_BUILT = [
    _a("a", "mechanism", 40, DAY1, 5),
    _a("a", "mechanism", 70, DAY1 + timedelta(hours=1), 5),
    _a("b", "mechanism", 50, DAY1 + timedelta(hours=2), 10),
    _a("b", "plan", 90, DAY2, 45),                    # an idle tab: counts as 30 minutes
    _a("c", "plan", None, DAY2 + timedelta(hours=1), 4),   # ungraded: counts as done
    _a("c", "assessment", 100, DAY2 + timedelta(hours=2), 6),
    _a("private-case", "plan", 65, DAY2 + timedelta(hours=3), -2),  # clock went backwards: 0 minutes
    _a("foundations", "self_check", 100, DAY1, 1, {"question": "q1", "choice": "a"}),
    _a("foundations", "self_check", 0, DAY1, 1, {"question": "q2", "choice": "b"}),
    _a("foundations", "self_check", 100, DAY1, 1, {"question": "q3", "choice": "true"}),
    _a("foundations", "self_check", 0, DAY1, 1, {"question": "q1", "choice": "c"}),
]


@pytest.fixture(scope="module")
def hand_report(tmp_path_factory):
    with ProgressStore(tmp_path_factory.mktemp("hand") / "p.sqlite") as store:
        store.record_many(HAND_BUILT)
        store.record(_a("a", "plan", 100, DAY1, 1, learner="someone-else"))  # not ana's: ignored
        frame = store.attempts(answers=False)
    return report_mod.build_report(frame, "ana", comp_map=load_map(SMALL_MAP), tags=TAGS)


def test_coverage_worked_by_hand(hand_report):
    cov = hand_report.coverage.set_index("competency")
    # grade_any: mechanism attempts on a (40, 70: best 70 >= 60, done) and b (50, not done) -> 3 attempts,
    # 2 cases tried, 1 done of target 2 -> 50%; mean score (40 + 70 + 50) / 3 = 53.33
    g = cov.loc["grade_any"]
    assert (g.attempts, g.cases_tried, g.cases_done, g.target) == (3, 2, 1, 2)
    assert g.coverage == 0.5 and g.status == "in progress"
    assert g.mean_score == pytest.approx((40 + 70 + 50) / 3)
    # neuro: only case b is neuropathic: mechanism 50 (not done) + plan 90 (done) -> b done once, target 1
    n = cov.loc["neuro"]
    assert (n.attempts, n.cases_done, n.coverage, n.status) == (2, 1, 1.0, "covered")
    assert n.mean_score == pytest.approx((50 + 90) / 2)
    # acute: c plan (ungraded, done) + private-case plan 65 (by id) -> 2 done of 2; mean of scored = 65
    c = cov.loc["acute"]
    assert (c.attempts, c.cases_done, c.coverage, c.status, c.mean_score) == (2, 2, 1.0, "covered", 65)
    # quiz: units q1 (100 then 0: best 100, done), q2 (0), q3 (100, done) -> 4 attempts, 2 of 3 done
    q = cov.loc["quiz"]
    assert (q.attempts, q.cases_tried, q.cases_done) == (4, 3, 2)
    assert q.coverage == pytest.approx(2 / 3) and q.mean_score == pytest.approx((100 + 0 + 100 + 0) / 4)
    # library cases that could evidence each competency: all 3 / b / c / none
    assert list(cov["cases_available"]) == [3, 1, 1, 0]


def test_domains_worked_by_hand(hand_report):
    d = hand_report.domains.set_index("domain")
    # d1: grade_any 0.5 and quiz 2/3 -> mean 0.5833, none covered; d2: neuro and acute both covered
    assert d.loc["d1", "coverage"] == pytest.approx((0.5 + 2 / 3) / 2) and d.loc["d1", "covered"] == 0
    assert d.loc["d2", "coverage"] == 1.0 and d.loc["d2", "covered"] == 2


def test_cases_done_and_to_do(hand_report):
    cases = hand_report.cases.set_index("case")
    # done = mechanism and plan both attempted: only b; the self-check bank is not a case
    assert cases.loc["b", "status"] == "done"
    assert {k: cases.loc[k, "status"] for k in ("a", "c", "private-case")} == dict.fromkeys(
        ("a", "c", "private-case"), "started")
    assert "foundations" not in cases.index
    assert cases.loc["b", "best_score"] == (50 + 90) / 2   # mean over steps of the best score per step
    assert cases.loc["c", "best_score"] == 100              # ungraded plan has no score; assessment 100
    assert cases.loc["c", "steps"] == "assessment, plan"
    assert list(hand_report.cases["status"]) == ["started", "started", "started", "done"]


def test_time_on_task_and_scores(hand_report):
    t = hand_report.time_on_task
    per_day = t.groupby("date")["minutes"].sum()
    # day 1: 5 + 5 + 10 + 4 x 1 = 24 min; day 2: 30 (45 capped) + 4 + 6 + 0 (negative) = 40 min
    assert per_day.loc[pd.Timestamp("2025-03-01")] == pytest.approx(24)
    assert per_day.loc[pd.Timestamp("2025-03-02")] == pytest.approx(40)
    assert int(t["attempts"].sum()) == len(HAND_BUILT)
    s = hand_report.scores
    assert len(s) == len(HAND_BUILT) - 1                   # the ungraded attempt has no score
    a_mech = s[(s["case"] == "a") & (s["step"] == "mechanism")]
    assert list(a_mech["attempt_no"]) == [1, 2] and list(a_mech["score"]) == [40, 70]
    trend = hand_report.score_trend.set_index(["date", "step"])
    assert trend.loc[(pd.Timestamp("2025-03-01"), "mechanism"), "score"] == pytest.approx((40 + 70 + 50) / 3)


def test_summary_is_a_one_row_frame_of_the_headline(hand_report):
    frame = hand_report.summary
    assert len(frame) == 1
    s = frame.iloc[0]
    assert s["attempts"] == 11 and s["cases_done"] == 1 and s["cases"] == 4
    assert s["competencies_covered"] == 2 and s["minutes_on_task"] == pytest.approx(64)


def test_empty_store_gives_an_empty_report(tmp_path):
    with ProgressStore(tmp_path / "p.sqlite") as store:
        rep = report_mod.build_report(store.attempts(answers=False), None, comp_map=load_map(SMALL_MAP),
                                      tags=TAGS)
    assert (rep.coverage["status"] == "not started").all()
    assert set(rep.cases["status"]) == {"to do"}
    assert math.isclose(rep.summary["minutes_on_task"].iloc[0], 0)


# ------------------------------------------------------------------------------------------ shipped map
def test_shipped_map_covers_the_four_iasp_domains():
    m = load_map()
    assert [d["title"] for d in m["domains"].values()] == [
        "Multidimensional nature of pain", "Pain assessment and measurement", "Management of pain",
        "Clinical conditions"]
    assert {c.domain for c in m["competencies"]} == set(m["domains"])
    assert "NOT an official syllabus" in m["statement"]
    assert m["steps"] == ["self_check", "assessment", "mechanism", "plan", "trajectory", "revision"]


def test_every_library_case_is_tagged_to_a_clinical_condition():
    m, tags = load_map(), competencies.case_tags()
    conditions = [c for c in m["competencies"] if c.domain == "conditions"]
    untagged = [cid for cid, t in tags.items() if not any(c.matches_case(cid, t) for c in conditions)]
    assert tags and untagged == []


def test_every_shipped_notebook_step_is_evidence_somewhere():
    m = load_map()
    assert {s for c in m["competencies"] for s in c.steps} == set(m["steps"])
    assert {n for c in m["competencies"] for n in c.notebooks} == set(m["notebooks"])


@pytest.mark.parametrize("change, words", [
    ({"domain": "d9"}, "competency 'grade_any': domain: 'd9'"),
    ({"steps": ["mechanisms"]}, "steps: 'mechanisms' (did you mean 'mechanism'?)"),
    ({"cases": {"setting": ["acute"]}}, "unknown rule 'setting'"),
    ({"target": 0}, "target: found 0"),
])
def test_malformed_map_names_the_competency(change, words):
    data = {**SMALL_MAP, "competencies": [{**SMALL_MAP["competencies"][0], **change}]}
    with pytest.raises(CompetencyError) as err:
        load_map(data)
    assert words in str(err.value)


# ------------------------------------------------------------------------------------------ HTML and CLI
def test_curriculum_table_counts_library_and_done_cases_per_topic(hand_report):
    """b is the only done case (mechanism and plan); a is tagged musculoskeletal but only started."""
    cur = hand_report.curriculum.set_index("id")
    assert list(cur.index) == [t["id"] for t in painkit.curriculum.topics()]
    assert tuple(cur.loc["iasp.conditions.musculoskeletal", ["cases", "done"]]) == (2, 1)
    assert tuple(cur.loc["iasp.conditions.neuropathic_peripheral", ["cases", "done"]]) == (1, 1)
    assert tuple(cur.loc["iasp.conditions.children", ["cases", "done"]]) == (0, 0)
    assert "curriculum" in hand_report.charts()


def test_html_page_is_self_contained(tmp_path, hand_report):
    page = dataclasses.replace(hand_report, learner="<b>ana</b>").to_html(tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == page
    assert painkit.DISCLAIMER in page and "not an official syllabus" in page
    assert page.count("<svg") == 4                   # coverage, curriculum, scores, time: inline, no network
    assert "<script" not in page and "cdn" not in page.lower()
    assert "<b>ana</b>" not in page and "&lt;b&gt;ana&lt;/b&gt;" in page


def test_report_picks_the_learner(tmp_path, monkeypatch):
    monkeypatch.delenv("PAINKIT_LEARNER", raising=False)
    path = tmp_path / "p.sqlite"
    with ProgressStore(path) as store:
        store.record(_a("lbp-chronic", "mechanism", 80, DAY1, 3))
        assert report_mod.report(store).learner == "ana"   # the only learner
        store.record(_a("lbp-chronic", "plan", 80, DAY1, 3, learner="ben"))
        with pytest.raises(ProgressError, match="2 learners"):
            report_mod.report(store)
        with pytest.raises(ProgressError, match="did you mean 'ben'"):
            report_mod.report(store, "benn")
        assert report_mod.report(str(path), "ben").summary["attempts"].iloc[0] == 1


def test_cli_report_and_export(tmp_path, capsys):
    path = tmp_path / "p.sqlite"
    with ProgressStore(path) as store:
        store.record_many(HAND_BUILT)
    out = tmp_path / "r.html"
    assert main(["report", "--store", str(path), "--learner", "ana", "--out", str(out)]) == 0
    assert out.is_file() and "wrote" in capsys.readouterr().out
    assert main(["export", str(tmp_path / "x.csv"), "--store", str(path)]) == 0
    assert report_mod.report(tmp_path / "x.csv").summary.equals(report_mod.report(path).summary)  # from the export
    assert main(["export", str(tmp_path / "x.csv"), "--store", str(path), "--learner", "anna"]) == 1
    assert "did you mean 'ana'" in capsys.readouterr().err
    assert main(["report", "--store", str(path), "--learner", "nobody", "--out", str(out)]) == 1
    missing = tmp_path / "nothing-here.sqlite"
    assert main(["report", "--store", str(missing), "--out", str(out)]) == 1
    assert "no progress recorded here yet" in capsys.readouterr().err and not missing.exists()


def _frame(attempts, tmp_path):
    with ProgressStore(tmp_path / "p.sqlite") as store:
        store.record_many(attempts)
        return store.attempts(answers=False)


def test_an_instrument_form_counts_for_the_assessment_step(tmp_path):
    small = {**SMALL_MAP, "step_prefixes": {"instrument:": "assessment"}, "competencies": [
        {"id": "scoring", "domain": "d1", "title": "score", "steps": ["assessment"], "cases": {"all": True},
         "target": 2}]}
    forms = [_a("a", "instrument:phq9", None, DAY1, 3), _a("a", "instrument:pcs", None, DAY1 + timedelta(hours=1), 3)]
    rep = report_mod.build_report(_frame(forms, tmp_path), "ana", comp_map=load_map(small), tags=TAGS)
    row = rep.coverage.set_index("competency").loc["scoring"]
    assert (row["attempts"], row["cases_done"], row["status"]) == (2, 2, "covered")  # two instruments, two units


def test_a_double_submit_counts_once(tmp_path):
    twice = [_a("a", "mechanism", 70, DAY1, 5, answer={"x": 1}),
             _a("a", "mechanism", 70, DAY1 + timedelta(seconds=1), 5, answer={"x": 1}),   # double click
             _a("a", "mechanism", 70, DAY1 + timedelta(hours=1), 5, answer={"x": 1})]     # a real retry
    rep = report_mod.build_report(_frame(twice, tmp_path), "ana", comp_map=load_map(SMALL_MAP), tags=TAGS)
    assert rep.summary["attempts"].iloc[0] == 2


def test_the_report_says_what_done_means_and_what_to_do_next(hand_report):
    html = hand_report.to_html()
    assert "A <b>case is done</b> when it has an attempt at each of these steps: mechanism, plan" in html
    nxt = {n["competency"]: n for n in hand_report.next_steps()}
    # by hand (test_coverage_worked_by_hand): grade_any 1 of 2 done, quiz 2 of 3; neuro and acute covered
    assert {k: (n["done"], n["to_go"]) for k, n in nxt.items()} == {"grade_any": (1, 1), "quiz": (2, 1)}
    assert "What to do next" in html and "0.5" not in html.split("What to do next")[1].split("</ul>")[0]


def test_what_next_links_each_competency_to_its_notebook(tmp_path):
    rep = report_mod.build_report(_frame([_a("lbp-chronic", "mechanism", 100, DAY1, 5)], tmp_path), "ana")
    html = rep.to_html()
    assert "<a href='03_mechanisms.ipynb'>03_mechanisms</a>" in html
    assert "still to do (notebook)" in html and "plan (04_multimodal_plan)" in html
