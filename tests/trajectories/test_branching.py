"""Plan schedules and branching (issue 10): a schedule of one plan is that plan; a change carries patient state
across; dropped drugs fade, procedures keep their course, opioids are tapered at the documented pace; the case's
current opioids continue unless stopped; ``pk.branch`` replays the same draws, so branches share their history
up to the visit and differ after it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import painkit as pk
from painkit.trajectories import _population as population
from painkit.errors import PainkitError, PlanError
from painkit.trajectories import wide
from test_trajectories import _entry  # the fake-catalog entry helper (plain mappings the engine reads)

FAKE = {
    "painaway": _entry((0.4, 0.4, 0.4), onset=2),
    "zap": _entry((0.4, 0.4, 0.4), onset=1, durability=6),
    "opio": _entry((0.3, 0.3, 0.3), onset=1, tolerance=0.02, opioid="oxycodone"),
    "harsh": _entry((0.2, 0.2, 0.2), aes=[("rash", 0.2, True)]),
    "talk": _entry(pcs=0.3, function=0.2, onset=2),
}
OXY_90 = [{"drug": "oxycodone", "dose": 20, "unit": "mg", "per_day": 3}]   # 60 mg/day x 1.5 = 90 MME/day


@pytest.fixture(scope="module")
def lbp():
    return pk.load_case("lbp-chronic")


@pytest.fixture(scope="module")
def no_meds(lbp):
    """lbp-chronic without current medications (so MME comes from the plans alone)."""
    return lbp.model_copy(update={"medications": []})


def _median(frame: pd.DataFrame, week: int, column: str = "pain") -> float:
    return float(frame.loc[frame["week"] == week, column].median())


def _upto(frame: pd.DataFrame, week: int) -> pd.DataFrame:
    """Rows of weeks 0..week, adverse events as plain strings (branches may list more event categories)."""
    out = frame[frame["week"] <= week].reset_index(drop=True)
    return out.assign(adverse_event=out["adverse_event"].astype(object))


# ------------------------------------------------------------------ schedules


def test_a_schedule_of_one_plan_is_the_plan_alone(lbp):
    plan = pk.Plan(["nsaid_oral", "cbt"], opioids=[{"drug": "tramadol", "dose": 50, "unit": "mg", "per_day": 2}])
    for p in (plan, None, ["therapeutic_exercise"]):
        alone = pk.simulate(lbp, p, n_patients=400, weeks=10, seed=5)
        scheduled = pk.simulate(lbp, [(0, p)], n_patients=400, weeks=10, seed=5)
        pd.testing.assert_frame_equal(alone, scheduled)


def test_changing_to_the_same_plan_changes_nothing(lbp):
    plan = pk.Plan(["nsaid_oral"], opioids=OXY_90)
    alone = pk.simulate(lbp, plan, n_patients=400, weeks=12, seed=1)
    again = pk.simulate(lbp, [(0, plan), (4, plan), (8, plan)], n_patients=400, weeks=12, seed=1)
    pd.testing.assert_frame_equal(alone, again)


@pytest.mark.parametrize("schedule, message", [
    ([(2, ["cbt"])], r"schedule\[0\]: the first change is at week 2; a schedule starts at week 0"),
    ([(0, ["cbt"]), (4, ["nsaid_oral"]), (4, None)], r"schedule\[2\]: week 4 does not come after .*week 4"),
    ([(0, ["cbt"]), (12, ["nsaid_oral"])], r"schedule\[1\]: week 12 is outside the run \(weeks=12\).*1 to 11"),
    ([(0, ["cbt"]), (-1, ["nsaid_oral"])], r"schedule\[1\]: week -1 does not come after"),
    ([(0, ["cbt"]), (2.5, ["nsaid_oral"])], r"schedule\[1\]: week 2.5 is not a whole number"),
    ([(0, ["cbt"]), (True, ["nsaid_oral"])], r"schedule\[1\]: week True is not a whole number"),
    ([(0, ["cbt"]), ("x",)], r"schedule\[1\]: found \('x',\); each change is a \(week, plan\) pair"),
])
def test_bad_schedules_are_clear_errors(lbp, schedule, message):
    with pytest.raises(PainkitError, match=message):
        pk.simulate(lbp, schedule, n_patients=10, weeks=12)


def test_plans_without_weeks_hint_at_the_schedule_form(lbp):
    with pytest.raises(PlanError, match=r"give \(week, plan\) pairs, e.g. \[\(0, plan_a\), \(4, plan_b\)\]"):
        pk.simulate(lbp, [pk.Plan(["cbt"]), pk.Plan(["nsaid_oral"])], n_patients=10, weeks=8)


def test_a_bad_plan_in_a_schedule_names_its_change(lbp):
    with pytest.raises(PlanError, match=r"schedule\[1\].*duloxetin.*did you mean 'duloxetine'"):
        pk.simulate(lbp, [(0, ["cbt"]), (4, ["duloxetin"])], n_patients=10, weeks=8)
    with pytest.raises(PlanError, match=r"schedule\[1\]\.stop\[0\]: 'warfarin' matches none of the current"):
        pk.simulate(lbp, [(0, ["cbt"]), (4, pk.Plan(["cbt"], stop=["warfarin"]))], n_patients=10, weeks=8)
    # a later plan may name a drug of the previous plan in its stop list (it is dropped anyway)
    f = pk.simulate(lbp, [(0, pk.Plan(["duloxetine"])), (4, pk.Plan(["cbt"], stop=["duloxetine"]))],
                    n_patients=10, weeks=8)
    assert f.attrs["schedule"][1]["stop"] == ["duloxetine"]


# ------------------------------------------------------------------ branching


def test_branches_share_their_history_then_differ(lbp):
    plan_a = pk.Plan(["nsaid_oral"], opioids=OXY_90)
    plan_b = pk.Plan(["nsaid_oral", "cbt", "therapeutic_exercise", "duloxetine"])
    kept = pk.simulate(lbp, plan_a, n_patients=1000, weeks=12, seed=3)
    revised = pk.branch(kept, 4, plan_b)
    pd.testing.assert_frame_equal(_upto(kept, 4), _upto(revised, 4))
    after = revised["week"] > 4
    assert not np.allclose(kept.loc[after, "pain"], revised.loc[after, "pain"], equal_nan=True)
    assert not np.allclose(kept.loc[after, "mme"], revised.loc[after, "mme"], equal_nan=True)
    assert revised.attrs["branched_at"] == 4
    assert [c["week"] for c in revised.attrs["schedule"]] == [0, 4]
    # a branch of a branch keeps the first branch's history up to its own visit
    again = pk.branch(revised, 8, plan_a)
    pd.testing.assert_frame_equal(_upto(revised, 8), _upto(again, 8))
    assert [c["week"] for c in again.attrs["schedule"]] == [0, 4, 8]


def test_branching_replays_the_same_weekly_draws(lbp):
    """Re-simulating is exact because the random numbers never depend on the plan: a branch that keeps the
    plan is the original frame, and the draws of a run are those of the generator whatever the plan."""
    plan = pk.Plan(["nsaid_oral", "duloxetine"], opioids=OXY_90)
    frame = pk.simulate(lbp, plan, n_patients=500, weeks=12, seed=9)
    pd.testing.assert_frame_equal(pk.branch(frame, 5, plan), frame)
    rng_a, rng_b = np.random.default_rng(9), np.random.default_rng(9)
    for _ in range(3):
        za, ua = population.weekly_draws(rng_a, 500)
        zb, ub = population.weekly_draws(rng_b, 500)
        assert np.array_equal(za, zb) and np.array_equal(ua, ub)


def test_branch_can_extend_the_run(lbp):
    short = pk.simulate(lbp, ["nsaid_oral"], n_patients=300, weeks=6, seed=2)
    longer = pk.branch(short, 4, ["cbt"], weeks=12)
    assert longer["week"].max() == 12
    pd.testing.assert_frame_equal(_upto(short, 4), _upto(longer, 4))


def test_branch_errors_are_clear(lbp):
    frame = pk.simulate(lbp, ["nsaid_oral"], n_patients=50, weeks=8, seed=0)
    with pytest.raises(PainkitError, match=r"week: found 8; allowed: a visit week from 0 to 7"):
        pk.branch(frame, 8, ["cbt"])
    unseeded = pk.simulate(lbp, ["nsaid_oral"], n_patients=50, weeks=8, seed=None)
    with pytest.raises(PainkitError, match="without an integer seed"):
        pk.branch(unseeded, 4, ["cbt"])
    bare = frame.copy()
    bare.attrs = {}
    with pytest.raises(PainkitError, match="attrs lack case, schedule, seed"):
        pk.branch(bare, 4, ["cbt"])
    with pytest.raises(PainkitError, match="different 'lbp-chronic' case"):
        pk.branch(frame, 4, ["cbt"], case=lbp.model_copy(update={"medications": []}))
    custom = pk.simulate(lbp, ["painaway"], n_patients=50, weeks=8, seed=0, catalog=FAKE)
    with pytest.raises(PainkitError, match="custom catalog"):
        pk.branch(custom, 4, ["talk"])
    assert len(pk.branch(custom, 4, ["talk"], catalog=FAKE)) == 50 * 9


# ------------------------------------------------------------------ what carries across a change


def test_stopping_an_effective_drug_raises_median_pain(lbp):
    kept = pk.simulate(lbp, ["painaway"], n_patients=3000, weeks=12, seed=0, catalog=FAKE)
    stopped = pk.branch(kept, 4, ["talk"], catalog=FAKE)
    gap = {w: _median(stopped, w) - _median(kept, w) for w in range(4, 10)}
    assert gap[4] == 0                                       # same history up to the visit
    assert all(gap[w] > 0.5 for w in (6, 7, 8, 9))           # pain is higher in the weeks after
    assert 0 < gap[5] < gap[6]                               # onset 2 weeks: the effect fades over 2 weeks
    assert _median(stopped, 8) > _median(stopped, 4)


def test_a_procedure_already_done_keeps_its_course(lbp):
    """Dropping a one-off procedure from the plan does not undo it: it wears off over its durability."""
    kept = pk.simulate(lbp, ["zap"], n_patients=1000, weeks=14, seed=0, catalog=FAKE)
    dropped = pk.branch(kept, 2, ["talk"], catalog=FAKE)
    alone = pk.simulate(lbp, [(0, ["zap"]), (2, ["zap", "talk"])], n_patients=1000, weeks=14, seed=0, catalog=FAKE)
    pd.testing.assert_frame_equal(dropped, alone)                    # zap acts the same whether listed or not
    none = pk.simulate(lbp, None, n_patients=1000, weeks=14, seed=0, catalog=FAKE)
    assert _median(none, 5) - _median(dropped, 5) > 1.0              # still acting after the plan dropped it
    assert abs(_median(none, 13) - _median(kept, 13)) < 0.3          # worn off after onset 1 + durability 6


def test_state_carries_across_a_change(lbp):
    kept = pk.simulate(lbp, ["harsh", "painaway"], n_patients=2000, weeks=12, seed=4, catalog=FAKE)
    revised = pk.branch(kept, 4, ["harsh", "talk"], catalog=FAKE)
    gone = wide(kept, "dropped_out")[:, 4]
    assert gone.any() and wide(revised, "dropped_out")[gone, 4:].all()  # dropouts stay dropped
    ae = wide(revised, "adverse_event")
    rash = list(revised["adverse_event"].cat.categories).index("rash")
    early = (ae[:, :5] == rash).any(axis=1)
    assert early.any() and not (ae[early, 5:] == rash).any()           # a treatment stopped by its event stays stopped
    assert (ae[~early, 5:] == rash).any()                              # others still take it and can have the event


def test_a_new_drug_builds_up_from_the_change(lbp):
    kept = pk.simulate(lbp, ["talk"], n_patients=3000, weeks=10, seed=0, catalog=FAKE)
    added = pk.branch(kept, 4, ["talk", "painaway"], catalog=FAKE)
    gap = {w: _median(kept, w) - _median(added, w) for w in (4, 5, 6, 8)}
    assert gap[4] == 0 and 0 < gap[5] < gap[6]                         # onset 2 weeks from week 4


# ------------------------------------------------------------------ opioids: current medications and tapers


def test_current_opioids_continue_unless_stopped(lbp):
    # lbp-chronic takes tramadol 50 mg once a day: 50 x 0.2 (CDC 2022 factor) = 10 MME/day
    f = pk.simulate(lbp, pk.Plan(["cbt"]), n_patients=200, weeks=6, seed=0)
    assert f["mme"].dropna().eq(10).all()
    assert pk.simulate(lbp, None, n_patients=200, weeks=6, seed=0).loc[lambda d: d["week"] > 0, "mme"].dropna().eq(0).all()
    # one month of use is shorter-term: 10% of the starting dose per week (1 MME/day), reaching 0 at week 10
    g = pk.simulate(lbp, pk.Plan(["cbt"], stop=["tramadol"]), n_patients=200, weeks=12, seed=0)
    weekly = [_median(g, w, "mme") for w in range(12)]
    assert weekly == pytest.approx([10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0], abs=1e-4)


def test_a_removed_opioid_is_tapered_at_no_more_than_the_documented_pace(no_meds):
    catalog = {"opio": FAKE["opio"], "talk": FAKE["talk"]}
    kept = pk.simulate(no_meds, pk.Plan([], opioids=OXY_90), n_patients=1000, weeks=20, seed=0, catalog=catalog)
    tapered = pk.branch(kept, 4, ["talk"], catalog=catalog, case=no_meds)
    mme = wide(tapered, "mme").astype(float)
    present = ~np.isnan(mme[:, 16])
    start = mme[present, 4]
    assert (start >= 90).all()                                        # 90 MME/day, more after dose creep
    drops = mme[present, 4:16] - mme[present, 5:17]                   # week-by-week decrease after the visit
    # used for 4 weeks (shorter-term): 10% of the dose at the visit per week (UNVERIFIED pace, trajectory.yaml)
    assert (drops > 0)[:, :9].all()                                   # falls every week, never at once ...
    assert (drops <= 0.10 * start[:, None] + 1e-3).all()               # ... by at most 10% of the start a week
    assert np.allclose(mme[present, 15], 0, atol=1e-3)                 # 10 weeks of 10%: off by week 15
    assert (mme[present, 5] >= 0.9 * start - 1e-3).all()


def test_long_term_opioids_are_tapered_about_10_percent_a_month():
    case = pk.load_case("opioid-high-dose-benzo")    # oxycodone ER 40 mg twice a day for 84 months
    f = pk.simulate(case, pk.Plan(["cbt"], stop=["oxycodone"]), n_patients=200, weeks=13, seed=0)
    # 80 mg/day x 1.5 = 120 MME/day; CDC 2022 Rec 5: about 10% a month or slower after a year or more, i.e.
    # 12 MME/day a month; a month is 4.35 weeks, so at most 12 / 4.35 = 2.76 MME/day less each week
    weekly = np.array([_median(f, w, "mme") for w in range(14)])
    assert weekly[0] == 120 and (np.diff(weekly) < 0).all()
    assert (-np.diff(weekly) <= 12 / 4.35 + 1e-3).all()
    assert weekly[13] == pytest.approx(120 - 13 * (0.10 * 120 / 4.35), abs=0.01)   # 84.1 after 13 weeks


def test_a_lower_prescription_is_reached_by_a_taper(no_meds):
    catalog = {"opio": FAKE["opio"]}
    half = [{"drug": "oxycodone", "dose": 10, "unit": "mg", "per_day": 3}]      # 45 MME/day
    f = pk.simulate(no_meds, [(0, pk.Plan([], opioids=OXY_90)), (1, pk.Plan([], opioids=half))], n_patients=300,
                    weeks=12, seed=0, catalog=catalog)
    # 90 -> 45 MME/day at 10% of 90 a week: 81, 72, 63, 54, then 45 and it stays (no dose creep before week 2)
    assert [_median(f, w, "mme") for w in range(1, 8)] == pytest.approx([90, 81, 72, 63, 54, 45, 45], abs=1e-3)
    assert (np.nan_to_num(wide(f, "mme")[:, 1:8], nan=45) >= 45 - 1e-3).all()   # dropouts: NaN


# ------------------------------------------------------------------ chart


def test_branches_chart_stays_under_the_row_limit(lbp):
    from painkit.charts import _charts as charts

    kept = pk.simulate(lbp, ["nsaid_oral"], n_patients=20_000, weeks=12, seed=0)
    revised = pk.branch(kept, 4, ["nsaid_oral", "cbt"])
    spec = charts.branches(kept, revised, patients=1000).to_dict()   # asks for more lines than fit
    assert sum(len(v) for v in spec["datasets"].values()) <= charts.MAX_ROWS
    assert "revised at week 4" in spec["title"][0]
    with pytest.raises(PainkitError, match="same patients and weeks"):
        charts.branches(kept, pk.simulate(lbp, ["nsaid_oral"], n_patients=100, weeks=12, seed=0))
