"""Calibration targets (painkit/data/calibration.yaml) and virtual trials (issue 15).

Every target is a published trial figure with its source; the tolerance is the published 95% CI or +/-50%
when none is published, read from the data file. The tests run the model seeded, as
``python -m painkit calibrate`` does, and check that each figure holds.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import painkit as pk
from painkit import PainkitError
from painkit.trajectories import _population as population

TARGETS = pk.calibration_targets()
STATUSES = {"verified", "partial", "unverified", "teaching_assumption"}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pk.check_calibration().set_index("target")


# ------------------------------------------------------------------ the targets as data


def test_every_target_has_source_status_interval_mapping_and_tolerance():
    assert len(TARGETS) >= 30
    for t in TARGETS:
        assert t.source and t.status in STATUSES, t.id
        lo, hi = t.tolerance
        assert lo < hi, t.id
        if t.ci:                                   # the tolerance is the published CI, or contains it
            assert lo <= t.ci[0] and t.ci[1] <= hi, t.id
        else:                                      # +/-50% of the published value when no CI is published
            assert lo <= t.published <= hi, t.id
        assert t.case and "control" in t.arms and t.weeks > 0 and t.use in ("fitted", "checked"), t.id
        assert (t.parameter is not None) == (t.use == "fitted"), t.id
        pk.load_case(t.case)                       # every target maps to a real case


def test_issue_figures_are_targets():
    by = {t.id: t for t in TARGETS}
    # the issue's table: Finnerup 2015 NNTs, Arakawa 2015 placebo responders, Frisaldi 2024 placebo AE dropout,
    # Kalso 2004 opioid AEs, Moore & McQuay 2005 withdrawal, Furlan 2006 dropout, Busse 2018, Dunn 2010
    expected = {"nnt50_amitriptyline_pdn": 3.6, "nnt50_duloxetine_pdn": 6.4, "nnt50_pregabalin_pdn": 7.7,
                "nnt50_gabapentin_pdn": 6.3, "nnt50_oxycodone_pdn": 4.3, "nnt50_tramadol_pdn": 4.7,
                "placebo_responder50_pdn": 0.26, "placebo_responder50_phn": 0.19, "placebo_ae_dropout_pdn": 0.051,
                "oxycodone_constipation_wk5": 0.41, "oxycodone_nausea_wk5": 0.32, "oxycodone_somnolence_wk5": 0.29,
                "opioid_ae_withdrawal_wk4": 0.22, "furlan_dropout_opioid": 0.33, "furlan_dropout_placebo": 0.38,
                "busse_opioid_pain_md": -0.69, "dunn_overdose_low_dose": 0.002, "dunn_overdose_high_dose": 0.018}
    for tid, value in expected.items():
        assert by[tid].published == pytest.approx(value), tid


def test_every_fitted_parameter_is_in_the_fitted_file_with_its_target():
    fit = population.fitted()
    for t in TARGETS:
        if t.use != "fitted":
            continue
        node = fit
        for part in t.parameter.split("."):
            node = node[part]
        assert node["fitted_to"] == t.id and node["status"] == "teaching_assumption" and node["source"]


# ------------------------------------------------------------------ each target holds


@pytest.mark.parametrize("target", [t.id for t in TARGETS])
def test_calibration_target_holds(table, target):
    row = table.loc[target]
    assert row["tolerance_low"] <= row["model"] <= row["tolerance_high"], (
        f"{target}: model {row['model']:.4g}, published {row['published']:g}, "
        f"tolerance [{row['tolerance_low']:g}, {row['tolerance_high']:g}]")


def test_calibrate_command_prints_every_target_and_exits_0(capsys):
    from painkit.__main__ import main

    assert main(["calibrate", "--target", "nnt50_amitriptyline_pdn", "--target", "placebo_responder50_pdn"]) == 0
    out = capsys.readouterr().out
    assert "nnt50_amitriptyline_pdn" in out and "placebo_responder50_pdn" in out and "2/2" in out


def test_calibrate_exits_1_when_a_target_is_outside_its_tolerance(monkeypatch, capsys):
    from painkit.__main__ import main

    share = population.fitted()["nonspecific"]["painful_diabetic_neuropathy"]
    monkeypatch.setitem(share, "value", 0.05)                  # almost no placebo responders
    assert main(["calibrate", "--target", "placebo_responder50_pdn"]) == 1
    assert "NO" in capsys.readouterr().out


# ------------------------------------------------------------------ virtual trials


@pytest.fixture(scope="module")
def trial():
    return pk.virtual_trial("pdn-neuropathy", {"placebo": "placebo", "duloxetine": ["duloxetine"]},
                            n_patients=3000, weeks=12, seed=3)


def test_virtual_trial_runs_arms_on_the_same_patients(trial):
    frames = [a.frame for a in trial.arms.values()]
    week0 = [f[f["week"] == 0][["patient", "pain", "function", "pcs"]].reset_index(drop=True) for f in frames]
    pd.testing.assert_frame_equal(*week0)
    long = trial.to_frame()
    assert set(long["arm"]) == {"placebo", "duloxetine"} and len(long) == 2 * 3000


def test_virtual_trial_reports_what_trials_report_with_intervals(trial):
    s = trial.summary
    assert list(s.columns) == ["arm", "comparator", "statistic", "estimate", "lower", "upper", "method"]
    for stat in ("responder_30", "responder_50", "ae_share", "ae_withdrawal", "dropout", "mean_change"):
        assert set(s.loc[s["statistic"] == stat, "arm"]) == {"placebo", "duloxetine"}, stat
    for stat in ("nnt_30", "nnt_50", "relative_risk_50", "mean_difference", "smd", "nnh_ae_withdrawal"):
        row = s[(s["statistic"] == stat) & (s["arm"] == "duloxetine")].iloc[0]
        assert row["comparator"] == "placebo" and row["lower"] <= row["estimate"] <= row["upper"], stat
    # NNT is the reciprocal of the risk difference; RR the ratio of the shares (dropouts fail in both)
    rd = trial.value("risk_difference_50")
    assert trial.value("nnt_50") == pytest.approx(1 / rd)
    assert trial.value("relative_risk_50") == pytest.approx(
        trial.value("responder_50", "duloxetine") / trial.value("responder_50", "placebo"))
    long = trial.to_frame()
    assert not long.loc[long["dropped_out"], "responder_50"].any()            # dropouts count as failures
    assert trial.value("mean_difference") < 0 and trial.value("smd") < 0     # less pain on the drug


def test_placebo_arm_has_nocebo_events_and_no_specific_effect():
    t = pk.virtual_trial("pdn-neuropathy", {"placebo": "placebo", "nothing": None}, n_patients=2000, weeks=12, seed=1)
    p = population.params()["nocebo"]
    codes = set(t.arms["placebo"].frame["adverse_event"].dropna().unique())
    assert codes <= {p["symptom_code"], p["withdrawal_code"]} and codes
    assert not t.arms["nothing"].had().any()                    # natural history: no treatment, no nocebo
    assert t.value("responder_50", "placebo") > t.value("responder_50", "nothing")


def test_identical_arms_have_no_difference():
    t = pk.virtual_trial("lbp-chronic", {"a": ["duloxetine"], "b": ["duloxetine"]}, n_patients=500, weeks=8, seed=2)
    assert t.value("risk_difference_50") == 0 and t.value("mean_difference") == 0
    assert np.isnan(t.summary.set_index(["arm", "statistic"]).loc[("b", "nnt_50"), "lower"])   # CI through infinity


def test_acetaminophen_effect_depends_on_the_condition():
    # Machado 2015: paracetamol ineffective in low back pain, a small effect in hip or knee osteoarthritis
    arms = {"placebo": "placebo", "acetaminophen": ["acetaminophen"]}
    knee = pk.virtual_trial("knee-osteoarthritis", arms, n_patients=4000, weeks=4, seed=0)
    back = pk.virtual_trial("lbp-chronic", arms, n_patients=4000, weeks=4, seed=0)
    assert knee.value("mean_difference") < -0.19 and abs(back.value("mean_difference")) < 0.19


def test_opioid_analgesia_follows_the_dose_with_diminishing_returns():
    rx = {m: {"items": ["oxycodone"], "opioids": [{"drug": "oxycodone", "dose": m / 6, "unit": "mg", "per_day": 4}]}
          for m in (15, 60, 180)}                   # oxycodone mg x 4 per day x 1.5 = MME/day
    t = pk.virtual_trial("knee-osteoarthritis", {"placebo": "placebo", **{f"mme{m}": v for m, v in rx.items()}},
                         n_patients=4000, weeks=4, seed=0)
    md = {m: -t.value("mean_difference", f"mme{m}") for m in (15, 60, 180)}
    assert 0 < md[15] < md[60] < md[180]
    assert (md[180] - md[60]) / 120 < (md[60] - md[15]) / 45           # less per MME at higher doses (Emax)


def test_overdose_rises_by_mme_band_and_with_a_benzodiazepine(table):
    # Dunn 2010: >= 100 vs 1-19 MME/day, hazard ratio 8.9 (4.0-19.7); Park 2015: benzodiazepine 3.86
    assert table.loc["dunn_overdose_hazard_ratio", "model"] > 4.0
    assert table.loc["park_benzodiazepine_overdose_ratio", "model"] > 3.0


def test_bad_arm_is_a_clear_error():
    with pytest.raises(PainkitError, match=r"arms\['x'\]: found the string 'placebos'"):
        pk.virtual_trial("lbp-chronic", {"x": "placebos"}, n_patients=10, weeks=2)
    with pytest.raises(PainkitError, match="arms: give a mapping"):
        pk.virtual_trial("lbp-chronic", [], n_patients=10, weeks=2)
