"""Scoring simulated trajectories the way trials and clinics score outcomes: per-patient results and a
cohort summary, each with a 95% interval. Educational model, not predictive.

Thresholds come from the instruments' change table (``painkit/data/instruments.yaml``, read through
``painkit.instruments``: the same IMMPACT thresholds ``pk.change`` applies); how dropouts and
"acceptable" pain are treated comes from ``trajectory.yaml`` (``outcomes:``), each with its source.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Optional

import numpy as np
import pandas as pd

from .. import DISCLAIMER
from ..errors import PainkitError
from ._params import params

NOTE = f"{params()['note']} {DISCLAIMER}"


class SimulationError(PainkitError, ValueError):
    """A simulation request or frame is not valid (cohort size, weeks, frame layout...)."""


@dataclass(frozen=True)
class Thresholds:
    """Outcome thresholds shared with ``pk.change``: pain responder percents, function MCID (points),
    and the highest pain counted as acceptable."""

    responder: float
    substantial: float
    function_mcid: float
    acceptable_pain: float
    sources: tuple[str, ...]


@lru_cache(maxsize=1)
def thresholds() -> Thresholds:
    """IMMPACT thresholds from the instruments' change table (pain: moderately / substantially important
    percent; BPI interference: MCID points) and the acceptable-pain ceiling from trajectory.yaml."""
    pain, interference = _change_measure("pain"), _change_measure("bpi_interference")
    percents = {c["category"]: float(c["percent"]) for c in pain["categories"] if "percent" in c}
    out = params()["outcomes"]
    return Thresholds(responder=percents["moderately important"],
                      substantial=percents["substantially important"],
                      function_mcid=float(interference["mcid"]["points"]),
                      acceptable_pain=float(out["acceptable_pain_max"]),
                      sources=(pain["categories_source"], interference["mcid"]["source"],
                               out["acceptable_pain_source"], out["dropout_source"]))


def _change_measure(measure: str) -> Mapping[str, Any]:
    """One entry of the instruments' change table (the thresholds ``pk.change`` applies)."""
    from ..instruments import load_instruments

    return load_instruments()["change_measures"][measure]


# --------------------------------------------------------------------------------------------------
# Per-patient outcomes and the cohort summary


@dataclass(frozen=True)
class Layout:
    """How a frame's rows map onto a (patients, weeks + 1) grid."""

    kind: str                       # "week" (simulate's order), "patient", or "sorted" (any other order)
    ids: np.ndarray                 # patient ids, in grid-row order
    w1: int                         # weeks + 1
    order: Optional[np.ndarray]     # row order that gives "week" layout (kind "sorted" only)


def layout(frame: pd.DataFrame) -> Layout:
    """Check that a frame holds every week 0..W of every patient once, and find how to reshape it."""
    missing = [c for c in ("patient", "week") if c not in frame.columns]
    if missing:
        raise SimulationError(f"frame: missing column(s) {', '.join(missing)}; give a frame from pk.simulate")
    week, patient = frame["week"].to_numpy(), frame["patient"].to_numpy()
    w1 = int(week.max()) + 1 if len(week) else 0
    n = len(frame) // w1 if w1 else 0
    bad = SimulationError(f"frame: expected one row per patient for every week 0..{max(w1 - 1, 0)}")
    if not n or n * w1 != len(frame):
        raise bad
    weeks = np.arange(w1)
    for kind, shape, wk, pt in (("week", (w1, n), weeks[:, None], (0, slice(None))),
                                ("patient", (n, w1), weeks, (slice(None), 0))):
        ids = patient.reshape(shape)[pt]
        if ((week.reshape(shape) == wk).all() and (np.diff(ids) > 0).all()
                and (patient.reshape(shape) == (ids if kind == "week" else ids[:, None])).all()):
            return Layout(kind, ids, w1, None)
    order = np.lexsort((patient, week))
    ids = patient[order][:n]
    if not ((week[order].reshape(w1, n) == weeks[:, None]).all() and (np.diff(ids) > 0).all()
            and (patient[order].reshape(w1, n) == ids).all()):
        raise bad
    return Layout("sorted", ids, w1, order)


def wide(frame: pd.DataFrame, column: str, grid: Optional[Layout] = None) -> np.ndarray:
    """A column as a (patients, weeks + 1) array, rows in patient-id order. The frame must hold every week
    0..W of every patient (``simulate``'s order is week then patient; any order is accepted)."""
    if column not in frame.columns:
        raise SimulationError(f"frame: missing column {column!r}; give a frame from pk.simulate")
    grid = grid or layout(frame)
    values = frame[column]
    values = values.cat.codes.to_numpy() if isinstance(values.dtype, pd.CategoricalDtype) else values.to_numpy()
    if grid.kind == "patient":
        return values.reshape(grid.ids.size, grid.w1)
    if grid.order is not None:
        values = values[grid.order]
    return values.reshape(grid.w1, grid.ids.size).T


@dataclass
class TrajectoryScores:
    """Per-patient outcomes and the cohort summary (each outcome with a 95% interval)."""

    per_patient: pd.DataFrame
    summary: pd.DataFrame
    thresholds: Thresholds
    weeks: int
    note: str = NOTE

    def to_frame(self) -> pd.DataFrame:
        """One row per synthetic patient (``per_patient``); ``summary`` is the cohort table."""
        return self.per_patient

    def print_summary(self) -> None:
        """Print the cohort table (outcome, estimate and its 95% interval)."""
        print(NOTE)
        print(self.summary.to_string(index=False))

    def _repr_html_(self) -> str:
        return (f"<p><b>{NOTE}</b></p>" + self.summary.to_html(index=False, float_format=lambda v: f"{v:.3g}"))


_SCORED = {"pain": 10, "function": 10, "pcs": 52, "mme": None}


def checked_frame(frame: Any, *, attrs: bool = True) -> pd.DataFrame:
    """A trajectory frame checked column by column (and converted when it was read back from CSV or
    parquet: adverse_event as text, patient/week as floats, flags as text). SimulationError names the column,
    what was found and what is allowed.

    ``attrs=False`` leaves the simulation's metadata (``frame.attrs``) off the result, for callers that only
    compute on the columns: pandas deep-copies ``attrs`` into every Series and frame an operation makes, which
    was about a sixth of reading a patient in the TrajectoryExplorer (issue 17)."""
    from .._validate import short

    if not isinstance(frame, pd.DataFrame):
        raise SimulationError(f"frame: found {short(frame)} ({type(frame).__name__}); allowed: a frame from "
                              f"pk.simulate (or one read back from its CSV)")
    dup = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if dup:
        raise SimulationError(f"frame: column(s) {', '.join(map(short, dup[:5]))} appear twice; allowed: each "
                              f"column once")
    need = ["patient", "week", *_SCORED, "adverse_event", "dropped_out"]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise SimulationError(f"frame: missing column(s) {', '.join(missing)}; give a frame from pk.simulate")
    if frame.empty:
        raise SimulationError("frame: no rows; give a frame from pk.simulate")
    out = frame.copy(deep=False)
    kept, out.attrs = out.attrs, {}  # the copy's own metadata, set aside so no step below deep-copies it
    for col in ("patient", "week"):
        if out[col].dtype.kind in "iu":  # whole numbers, as pk.simulate makes them: range check on the array
            a = out[col].to_numpy()
            if not ((a < 0) | (a > 2**31)).any():
                out[col] = a.astype(np.int64)
                continue
        v = pd.to_numeric(out[col], errors="coerce")
        if v.dtype.kind not in "iuf":
            raise SimulationError(f"frame.{col}: found {v.dtype} values; allowed: whole numbers >= 0")
        bad = v.isna() | (v != v.round()) | (v < 0) | (v > 2**31)
        if bad.any():
            raise SimulationError(f"frame.{col}: found {short(out[col][bad].iloc[0])}; allowed: whole numbers >= 0")
        out[col] = v.astype(np.int64)
    for col, top in _SCORED.items():
        if out[col].dtype.kind == "f":  # as pk.simulate makes it (NaN after a dropout): range check on the array
            a = out[col].to_numpy()
            with np.errstate(invalid="ignore"):
                if not (np.isinf(a) | (a < 0) | ((a > top) if top else False)).any():
                    if out[col].dtype != np.float64:
                        out[col] = a.astype(np.float64)
                    continue
        v = pd.to_numeric(out[col], errors="coerce")
        if v.dtype.kind not in "iuf":  # complex, bool
            raise SimulationError(f"frame.{col}: found {v.dtype} values; allowed: real numbers")
        bad = (v.isna() & out[col].notna()) | np.isinf(v) | (v < 0) | ((v > top) if top else False)
        if bad.any():
            allowed = f"numbers from 0 to {top}" if top else "numbers >= 0"
            raise SimulationError(f"frame.{col}: found {short(out[col][bad].iloc[0])}; allowed: {allowed} (empty "
                                  f"after a dropout)")
        out[col] = v.astype(np.float64)
    flags = out["dropped_out"]
    if flags.dtype != bool:
        mapped = flags.map(lambda x: {True: True, False: False, "True": True, "False": False,
                                      1: True, 0: False}.get(x) if isinstance(x, (bool, str, int, np.bool_)) else None)
        if mapped.isna().any():
            raise SimulationError(f"frame.dropped_out: found {short(flags[mapped.isna()].iloc[0])}; allowed: "
                                  f"True or False")
        out["dropped_out"] = mapped.astype(bool)
    ae = out["adverse_event"]
    if not isinstance(ae.dtype, pd.CategoricalDtype):
        if not all(x is None or isinstance(x, str) or (isinstance(x, float) and x != x) for x in ae.unique()):
            raise SimulationError(f"frame.adverse_event: found {short(ae.dropna().iloc[0])}; allowed: an adverse "
                                  f"event code (text) or empty")
        out["adverse_event"] = pd.Categorical(ae.where(ae.notna(), None))
    if attrs:
        out.attrs = kept
    return out


def patient_outcomes(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per patient: baseline and final scores, pain change, responder flags (30% / 50%), function
    MCID, functional restoration, weeks to first 30% response, adverse events and dropout."""
    th = thresholds()
    frame = checked_frame(frame, attrs=False)
    grid = layout(frame)
    pain, func, pcs = (wide(frame, c, grid).astype(np.float64) for c in ("pain", "function", "pcs"))
    ae, dropped, mme = (wide(frame, c, grid) for c in ("adverse_event", "dropped_out", "mme"))
    p0 = pain[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.round(np.where(p0[:, None] > 0, (p0[:, None] - pain) / p0[:, None] * 100, np.nan), 9)
    final = pct[:, -1]
    responded = np.nan_to_num(pct[:, 1:], nan=-np.inf) >= th.responder
    ever = responded.any(axis=1)
    f_change = func[:, 0] - func[:, -1]
    mcid = np.nan_to_num(f_change, nan=-np.inf) >= th.function_mcid
    acceptable = np.nan_to_num(pain[:, -1], nan=np.inf) <= th.acceptable_pain
    codes = frame["adverse_event"].cat.categories
    first_ae = ae[np.arange(ae.shape[0]), np.argmax(ae >= 0, axis=1)]  # -1 when none (argmax is then 0)
    out = pd.DataFrame({
        "patient": grid.ids,
        "pain_baseline": p0, "pain_final": pain[:, -1], "pain_reduction_pct": final,
        "responder_30": np.nan_to_num(final, nan=-np.inf) >= th.responder,
        "responder_50": np.nan_to_num(final, nan=-np.inf) >= th.substantial,
        "function_baseline": func[:, 0], "function_final": func[:, -1], "function_improvement": f_change,
        "function_mcid": mcid, "functional_restoration": mcid & acceptable,
        "weeks_to_response": np.where(ever, np.argmax(responded, axis=1) + 1, np.nan),
        "pcs_baseline": pcs[:, 0], "pcs_final": pcs[:, -1], "pcs_reduction": pcs[:, 0] - pcs[:, -1],
        "mme_final": mme[:, -1],
        "adverse_event": (ae >= 0).any(axis=1),
        "adverse_event_code": pd.Categorical.from_codes(first_ae.astype(np.int8), categories=codes),
        "dropped_out": dropped[:, -1],
    })
    return out


OUTCOMES = {  # outcome id: (label, definition)
    "responder_30": ("pain reduced by >= {r:g}%", "share with pain at the last week >= {r:g}% below week 0 "
                     "(IMMPACT moderately important); dropouts count as non-responders"),
    "responder_50": ("pain reduced by >= {s:g}%", "share with pain at the last week >= {s:g}% below week 0 "
                     "(IMMPACT substantially important); dropouts count as non-responders"),
    "function_mcid": ("function improved by its MCID", "share with BPI interference >= {m:g} point lower at the "
                      "last week (IMMPACT); dropouts count as not improved"),
    "functional_restoration": ("functional restoration", "function MCID met with pain <= {a:g}/10 (mild, Serlin "
                               "1995) at the last week"),
    "median_weeks_to_response": ("median weeks to a {r:g}% response", "median first week with pain >= {r:g}% "
                                 "below week 0, among patients who ever reached it"),
    "adverse_event": ("had an adverse event", "share with at least one adverse event during follow-up"),
    "dropout": ("dropped out", "share lost to follow-up by the last week"),
    "mean_pcs_reduction": ("mean PCS reduction (points)", "mean of week-0 minus last-week PCS, completers"),
}


def outcome_labels(th: Thresholds) -> dict[str, tuple[str, str]]:
    """(label, definition) of each outcome id, with the thresholds filled in."""
    fmt = dict(r=th.responder, s=th.substantial, m=th.function_mcid, a=th.acceptable_pain)
    return {k: (a.format(**fmt), b.format(**fmt)) for k, (a, b) in OUTCOMES.items()}


def score_trajectories(frame: pd.DataFrame) -> TrajectoryScores:
    """Per-patient outcomes and a cohort summary (estimate, 95% interval, n, method) for a simulated frame."""
    from . import _intervals as ci

    th = thresholds()
    level = float(params()["outcomes"]["interval_level"])
    per = patient_outcomes(frame)
    n = len(per)
    rows = []
    labels = outcome_labels(th)
    for key in ("responder_30", "responder_50", "function_mcid", "functional_restoration", "adverse_event",
                "dropout"):
        k = int(per["dropped_out" if key == "dropout" else key].sum())
        lo, hi = ci.wilson(k, n, level)
        rows.append((key, k / n, lo, hi, n, "share", "Wilson score"))
    med = ci.median_interval(per["weeks_to_response"].to_numpy(), level)
    rows.append(("median_weeks_to_response", *med, int(per["weeks_to_response"].notna().sum()), "weeks",
                 "order statistics (Campbell and Gardner 1988)"))
    rows.append(("mean_pcs_reduction", *ci.mean_interval(per["pcs_reduction"].to_numpy(), level),
                 int(per["pcs_reduction"].notna().sum()), "points", "normal approximation"))
    summary = pd.DataFrame(rows, columns=["outcome", "estimate", "lower", "upper", "n", "unit", "method"])
    summary.insert(1, "label", [labels[k][0] for k in summary["outcome"]])
    summary["definition"] = [labels[k][1] for k in summary["outcome"]]
    weeks = int(pd.to_numeric(frame["week"]).max())
    summary.attrs["note"] = NOTE
    return TrajectoryScores(per, summary, th, weeks)
