"""Instruments for people who cannot (fully) self-report, opioid sedation and headache disability (issue 19).

Expected values come from the published scoring rules: PAINAD (Warden 2003: five behaviours 0-2, total 0-10),
FLACC (Merkel 1997: five categories 0-2, total 0-10), FPS-R (Hicks 2001: six faces scored 0, 2, 4, 6, 8, 10),
RASS (Sessler 2002: one level from -5 unarousable to +4 combative), MIDAS (Stewart 2001: sum of five day
counts; grades I 0-5, II 6-10, III 11-20, IV 21+ from Lipton 2001).
"""
import pandas as pd
import pytest

import painkit as pk
from painkit import InstrumentError


@pytest.mark.parametrize("inst", ["painad", "flacc"])
def test_observational_scales_sum_five_behaviours_scored_0_to_2(inst):
    assert pk.score(inst, [2, 2, 2, 2, 2]).total == 10
    assert pk.score(inst, [0, 0, 0, 0, 0]).total == 0
    assert pk.score(inst, [1, 0, 2, 1, 0]).total == 4
    assert pk.instruments.info(inst)["max_total"] == 10


@pytest.mark.parametrize("inst", ["painad", "flacc"])
def test_observational_scales_refuse_a_3_naming_the_behaviour(inst):
    with pytest.raises(InstrumentError, match=r"item 3 'face'|item 3 'activity'"):
        pk.score(inst, [0, 0, 3, 0, 0])


@pytest.mark.parametrize("total,band", [(0, "no pain behaviour"), (3, "mild"), (4, "moderate"), (6, "moderate"),
                                        (7, "severe"), (10, "severe")])
def test_painad_bands_follow_the_published_interpretation(total, band):
    answers = [min(2, max(0, total - 2 * k)) for k in range(5)]
    assert sum(answers) == total
    assert pk.score("painad", answers).band == band


@pytest.mark.parametrize("face", [0, 2, 4, 6, 8, 10])
def test_fps_r_scores_each_face_as_published(face):
    assert pk.score("fps_r", [face]).total == face


@pytest.mark.parametrize("value", [1, 3, 5, 7, 9])
def test_fps_r_refuses_scores_no_face_has(value):
    with pytest.raises(InstrumentError, match="fps_r: item 1 'face'.*does not use.*one of 0, 2, 4, 6, 8, 10"):
        pk.score("fps_r", [value])


def test_fps_r_batch_refuses_an_odd_score_and_keeps_unanswered_rows():
    out = pk.score_many("fps_r", pd.DataFrame({"face": [0, 6, None]}))
    assert out["total"].iloc[:2].tolist() == [0, 6] and pd.isna(out["total"].iloc[2])
    with pytest.raises(InstrumentError, match="row 1.*does not use 5"):
        pk.score_many("fps_r", pd.DataFrame({"face": [4, 5]}))


def test_fps_r_ships_no_faces_or_instructions():
    info = pk.instruments.info("fps_r")
    assert info["licence"] == "logic-only" and all("text" not in it for it in info["items"])


@pytest.mark.parametrize("level,band", [(-5, "unarousable"), (-4, "deep sedation"), (-3, "moderate sedation"),
                                        (-2, "light sedation"), (-1, "drowsy"), (0, "alert and calm"),
                                        (1, "restless"), (2, "agitated"), (3, "very agitated"), (4, "combative")])
def test_rass_names_each_of_its_ten_levels(level, band):
    s = pk.score("rass", [level])
    assert s.total == level and s.band == band


@pytest.mark.parametrize("level", [-6, 5])
def test_rass_refuses_levels_outside_minus_5_to_plus_4(level):
    with pytest.raises(InstrumentError, match=r"rass: item 1 'level'.*from -5 to 4"):
        pk.score("rass", [level])


def test_rass_flags_sedation_beyond_drowsy_for_opioid_review():
    assert "sedated_on_opioid_review" in pk.score("rass", [-2]).flags
    assert pk.score("rass", [-1]).flags == ()


@pytest.mark.parametrize("answers,grade", [
    ([1, 1, 1, 1, 1], "grade I: little or no disability"),       # 5
    ([2, 1, 1, 1, 1], "grade II: mild disability"),              # 6
    ([5, 0, 5, 0, 0], "grade II: mild disability"),              # 10
    ([0, 0, 0, 0, 11], "grade III: moderate disability"),        # 11
    ([4, 4, 4, 4, 4], "grade III: moderate disability"),         # 20
    ([4, 4, 4, 4, 5], "grade IV: severe disability"),            # 21
])
def test_midas_sums_five_day_counts_and_grades_them(answers, grade):
    s = pk.score("midas", answers)
    assert s.total == sum(answers) and s.band == grade


def test_midas_refuses_more_days_than_three_months_hold():
    with pytest.raises(InstrumentError, match=r"midas: item 1 'missed_work_school'"):
        pk.score("midas", [93, 0, 0, 0, 0])
