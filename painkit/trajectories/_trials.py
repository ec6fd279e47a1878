"""Virtual trials: two or more arms run on the SAME synthetic patients (same seed, common random numbers) and
reported the way trials report them: responder shares at 30% and 50% (dropouts count as failures), NNT,
relative risk, mean difference, standardised mean difference, adverse-event and dropout shares, each with a
95% interval. Educational model, not predictive: a virtual trial shows what painkit's model does, calibrated
to published trials (``painkit/data/calibration.yaml``), never what a real trial or patient would do.

An arm is ``"placebo"`` (a pill with no specific effect: only the nonspecific response and nocebo events
every drug plan has), a list of catalog ids, a ``Plan``, a mapping ``{"items": [...], "opioids": [...]}``,
``None`` (natural history) or a plan schedule. Scoring: responder outcomes use the last week (dropouts fail,
Moore 2012); continuous outcomes (mean change, mean difference, SMD, a 1-point improvement) use each
patient's last observation carried forward (LOCF), as the pooled trials mostly did.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Union

import numpy as np
import pandas as pd

from . import _intervals as ci
from ._outcomes import NOTE, SimulationError, thresholds
from ._population import params
from ._simulate import _case, run_cohort

PLACEBO = "placebo"
# The virtual trials' placebo pill: a pharmacological plan item with no specific effect and no events of
# its own (the nonspecific response and the nocebo events come with any drug plan).
PLACEBO_ENTRY: dict[str, Any] = {
    "category": "pharmacological",
    "simulation": {"effect": {"nociceptive": 0.0, "neuropathic": 0.0, "nociplastic": 0.0}, "onset_weeks": 1,
                   "adverse_events": []},
}


def _plan_of(spec: Any, name: str) -> Any:
    """An arm's plan: the string ``placebo`` becomes the placebo pill; a mapping {items, opioids} a Plan."""
    if isinstance(spec, str):
        if spec != PLACEBO:
            raise SimulationError(f"arms[{name!r}]: found the string {spec!r}; allowed: 'placebo', a list of "
                                  f"intervention ids, a Plan, {{'items': [...], 'opioids': [...]}} or None")
        return [PLACEBO]
    if isinstance(spec, Mapping) and "items" in spec:
        from ..plans import Plan

        return Plan(list(spec.get("items") or []), opioids=list(spec.get("opioids") or []))
    return spec


@dataclass
class Arm:
    """One arm's per-patient results (arrays over the same synthetic patients, in patient order)."""

    name: str
    frame: pd.DataFrame
    pain0: np.ndarray
    final: np.ndarray          # pain at the last week (NaN after dropout)
    last: np.ndarray           # last observed pain (LOCF)
    ae_codes: np.ndarray       # (weeks + 1, n) int8 event codes (-1 none)
    codes: tuple[str, ...]
    withdrew: np.ndarray       # withdrew after an adverse event (incl. nocebo, overdose)
    dropped: np.ndarray        # lost to follow-up by the last week (any reason)
    mme: np.ndarray            # (weeks + 1, n) MME/day (NaN after dropout)

    @property
    def relief(self) -> np.ndarray:
        """Percent pain relief at the last week (NaN for dropouts)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.pain0 > 0, (self.pain0 - self.final) / self.pain0 * 100, np.nan)

    def responder(self, percent: float) -> np.ndarray:
        """Pain at the last week at least ``percent``% below week 0; dropouts fail."""
        return np.round(np.nan_to_num(self.relief, nan=-np.inf), 9) >= percent

    def had(self, code: Optional[str] = None) -> np.ndarray:
        """Patients with at least one adverse event (of ``code``, when given) after week 0."""
        if code is None:
            return (self.ae_codes[1:] >= 0).any(axis=0)
        if code not in self.codes:
            return np.zeros(self.pain0.size, bool)
        return (self.ae_codes[1:] == self.codes.index(code)).any(axis=0)

    def overdoses(self) -> tuple[int, float]:
        """Opioid overdoses and person-years of follow-up (weeks while still in follow-up)."""
        code = params()["overdose"]["code"]
        events = int(self.had(code).sum()) if code in self.codes else 0
        at_risk = np.isfinite(self.mme[:-1]).sum()            # weeks 1..W entered in follow-up
        return events, float(at_risk) / 52.0

    def overdoses_at_start_band(self) -> tuple[int, float]:
        """Overdoses and person-years while the patient's MME/day stays in the band of the arm's starting
        dose (Dunn 2010 measured the dose at the time of the overdose)."""
        od = params()["overdose"]
        edges = np.array(list(od["bands_mme"]) + [np.inf])
        start = np.nanmedian(self.mme[1]) if np.isfinite(self.mme[1]).any() else np.nan
        if not np.isfinite(start) or start < edges[0]:
            return 0, 0.0
        b = int(np.searchsorted(edges, start, side="right") - 1)
        lo, hi = edges[b], edges[b + 1]
        prev = self.mme[:-1]                                  # dose during week t = MME recorded at week t - 1
        in_band = np.isfinite(prev) & (prev >= lo) & (prev < hi)
        code = od["code"]
        hit = (self.ae_codes[1:] == self.codes.index(code)) if code in self.codes else np.zeros_like(in_band)
        return int((hit & in_band).sum()), float(in_band.sum()) / 52.0


@dataclass
class VirtualTrial:
    """Arms run on the same synthetic patients, and what trials report. ``summary``: one row per arm
    outcome and per comparison of each arm with the first (the control), with 95% intervals."""

    case: str
    arms: dict[str, Arm]
    summary: pd.DataFrame
    weeks: int
    n_patients: int
    seed: Any
    note: str = NOTE
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def control(self) -> str:
        return next(iter(self.arms))

    def to_frame(self) -> pd.DataFrame:
        """One row per patient and arm: baseline and last-week pain, LOCF pain, relief, responder flags,
        adverse events, withdrawal for adverse events and dropout."""
        rows = []
        for name, a in self.arms.items():
            rows.append(pd.DataFrame({
                "arm": name, "patient": np.arange(a.pain0.size), "pain_baseline": a.pain0, "pain_final": a.final,
                "pain_last_observed": a.last, "pain_reduction_pct": a.relief,
                "responder_30": a.responder(thresholds().responder),
                "responder_50": a.responder(thresholds().substantial), "adverse_event": a.had(),
                "ae_withdrawal": a.withdrew, "dropped_out": a.dropped}))
        return pd.concat(rows, ignore_index=True)

    def value(self, statistic: str, arm: Optional[str] = None) -> float:
        """The estimate of one summary row (``arm`` defaults to the second arm for comparisons, the first
        for arm outcomes)."""
        rows = self.summary[self.summary["statistic"] == statistic]
        if rows.empty:
            raise SimulationError(f"statistic: found {statistic!r}; allowed: "
                                  f"{', '.join(sorted(self.summary['statistic'].unique()))}")
        names = list(self.arms)
        default = names[1] if rows["comparator"].notna().all() and len(names) > 1 else names[0]
        hit = rows[rows["arm"] == (arm or default)]
        if hit.empty:
            raise SimulationError(f"arm: found {arm!r}; allowed: {', '.join(rows['arm'].unique())}")
        return float(hit["estimate"].iloc[0])

    def print_summary(self) -> None:
        """Print the arm outcomes and comparisons with their 95% intervals."""
        print(NOTE)
        print(self.summary.to_string(index=False))

    def _repr_html_(self) -> str:
        return (f"<p><b>{NOTE}</b></p>" + self.summary.to_html(index=False, float_format=lambda v: f"{v:.3g}"))


def virtual_trial(case: Any, arms: Mapping[str, Any], n_patients: int = 2000, weeks: int = 12,
                  seed: Union[int, None] = 0, catalog: Optional[Mapping[str, Any]] = None) -> VirtualTrial:
    """Run every arm on the same synthetic patients drawn around ``case`` (the first arm is the control)
    and report responder shares at 30% and 50% (dropouts fail), NNT, relative risk, mean difference, SMD,
    adverse-event, withdrawal-for-adverse-event and dropout shares and overdoses, each with a 95% interval.

    ``arms``: e.g. ``{"placebo": "placebo", "amitriptyline": ["amitriptyline"]}``. Educational, not predictive.
    """
    if not isinstance(arms, Mapping) or len(arms) < 1:
        raise SimulationError("arms: give a mapping of named arms, e.g. {'placebo': 'placebo', 'drug': ['duloxetine']}")
    case = _case(case)
    if seed is None:
        seed = int(np.random.default_rng().integers(2**31))
    out: dict[str, Arm] = {}
    for name, spec in arms.items():
        frame, record = run_cohort(case, _plan_of(spec, str(name)), n_patients, weeks, seed, catalog,
                                   extra={PLACEBO: PLACEBO_ENTRY})
        pain = record.pain
        seen = np.isfinite(pain)
        last_idx = pain.shape[0] - 1 - np.argmax(seen[::-1], axis=0)
        last = pain[last_idx, np.arange(pain.shape[1])].astype(np.float64)
        out[str(name)] = Arm(str(name), frame, pain[0].astype(np.float64), pain[-1].astype(np.float64), last,
                             record.ae, tuple(frame["adverse_event"].cat.categories),
                             record.withdrew.any(axis=0), record.dropped[-1].copy(), record.mme)
    level = float(params()["outcomes"]["interval_level"])
    summary = _summary(out, level)
    summary.attrs["note"] = NOTE
    return VirtualTrial(case.id, out, summary, int(weeks), int(n_patients), seed,
                        attrs={"arms": {k: (v if isinstance(v, (str, list, type(None))) else repr(v))
                                        for k, v in arms.items()}})


# --------------------------------------------------------------------------------------------------
# Statistics


def _share(flags: np.ndarray, level: float) -> tuple[float, float, float]:
    k, n = int(flags.sum()), int(flags.size)
    lo, hi = ci.wilson(k, n, level)
    return k / n if n else float("nan"), lo, hi


def _nnt(diff: tuple[float, float, float]) -> tuple[float, float, float]:
    """NNT (or NNH) = 1 / risk difference, with the reciprocal limits when the difference's interval excludes
    0 (Altman 1998); otherwise the interval runs through infinity and is reported as NaN."""
    d, lo, hi = diff
    est = 1 / d if d != 0 else float("inf")
    if lo > 0 or hi < 0:
        return est, 1 / hi, 1 / lo
    return est, float("nan"), float("nan")


def _relative_risk(a: np.ndarray, b: np.ndarray, level: float) -> tuple[float, float, float]:
    """Relative risk p_b / p_a with the Katz log interval (unpaired: conservative for paired arms)."""
    k1, k2, n1, n2 = int(b.sum()), int(a.sum()), b.size, a.size
    if k1 == 0 or k2 == 0:
        return (float("nan"),) * 3
    rr = (k1 / n1) / (k2 / n2)
    se = math.sqrt(1 / k1 - 1 / n1 + 1 / k2 - 1 / n2)
    z = ci.z_value(level)
    return rr, rr * math.exp(-z * se), rr * math.exp(z * se)


def _smd(a: np.ndarray, b: np.ndarray, level: float) -> tuple[float, float, float]:
    """Standardised mean difference (Cohen's d with the pooled SD) of b - a, Hedges-Olkin interval."""
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    n1, n2 = b.size, a.size
    if n1 < 2 or n2 < 2:
        return (float("nan"),) * 3
    sd = math.sqrt(((n1 - 1) * b.var(ddof=1) + (n2 - 1) * a.var(ddof=1)) / (n1 + n2 - 2))
    d = (b.mean() - a.mean()) / sd if sd > 0 else float("nan")
    se = math.sqrt((n1 + n2) / (n1 * n2) + d * d / (2 * (n1 + n2)))
    z = ci.z_value(level)
    return float(d), float(d - z * se), float(d + z * se)


def _poisson_rate(k: int, years: float, level: float) -> tuple[float, float, float]:
    """Events per person-year with Byar's approximation to the exact Poisson interval."""
    if years <= 0:
        return (float("nan"),) * 3
    z = ci.z_value(level)
    lo = 0.0 if k == 0 else k * (1 - 1 / (9 * k) - z / (3 * math.sqrt(k))) ** 3
    hi = (k + 1) * (1 - 1 / (9 * (k + 1)) + z / (3 * math.sqrt(k + 1))) ** 3
    return k / years, lo / years, hi / years


def _rate_ratio(a: tuple[int, float], b: tuple[int, float], level: float) -> tuple[float, float, float]:
    """Rate ratio b / a with the log interval sqrt(1/k1 + 1/k2)."""
    (k2, y2), (k1, y1) = a, b
    if k1 == 0 or k2 == 0 or y1 <= 0 or y2 <= 0:
        return (float("nan"),) * 3
    r = (k1 / y1) / (k2 / y2)
    se = math.sqrt(1 / k1 + 1 / k2)
    z = ci.z_value(level)
    return r, r * math.exp(-z * se), r * math.exp(z * se)


def _summary(arms: Mapping[str, Arm], level: float) -> pd.DataFrame:
    th = thresholds()
    r30, r50 = th.responder, th.substantial
    rows: list[tuple[Any, ...]] = []

    def add(arm: str, comparator: Optional[str], statistic: str, est: tuple[float, float, float], method: str) -> None:
        rows.append((arm, comparator, statistic, *est, method))

    for name, a in arms.items():
        add(name, None, "responder_30", _share(a.responder(r30), level), "share; Wilson (dropouts fail)")
        add(name, None, "responder_50", _share(a.responder(r50), level), "share; Wilson (dropouts fail)")
        add(name, None, "mean_change", ci.mean_interval(a.last - a.pain0, level), "mean, LOCF; normal")
        add(name, None, "ae_share", _share(a.had(), level), "share; Wilson")
        add(name, None, "ae_withdrawal", _share(a.withdrew, level), "share; Wilson")
        add(name, None, "dropout", _share(a.dropped, level), "share; Wilson")
        add(name, None, "overdose_rate", _poisson_rate(*a.overdoses(), level), "per person-year; Byar")
    names = list(arms)
    ref = arms[names[0]]
    for name in names[1:]:
        a = arms[name]
        for key, pct in (("30", r30), ("50", r50)):
            x, y = ref.responder(pct), a.responder(pct)
            diff = ci.newcombe_paired(x, y, level)
            add(name, names[0], f"risk_difference_{key}", diff, "paired; Newcombe method 10")
            add(name, names[0], f"relative_risk_{key}", _relative_risk(x, y, level), "Katz log interval")
            add(name, names[0], f"nnt_{key}", _nnt(diff), "1 / risk difference (Altman 1998)")
        add(name, names[0], "mean_difference", ci.mean_interval(a.last - ref.last, level), "LOCF; paired normal")
        add(name, names[0], "smd", _smd(ref.last, a.last, level), "LOCF; Cohen's d, Hedges-Olkin interval")
        mid_a, mid_r = (a.pain0 - a.last) >= 1, (ref.pain0 - ref.last) >= 1
        add(name, names[0], "risk_difference_mid", ci.newcombe_paired(mid_r, mid_a, level),
            ">= 1 NRS point better, LOCF; paired Newcombe")
        diff = ci.newcombe_paired(ref.had(), a.had(), level)
        add(name, names[0], "risk_difference_ae", diff, "paired; Newcombe method 10")
        wd = ci.newcombe_paired(ref.withdrew, a.withdrew, level)
        add(name, names[0], "risk_difference_ae_withdrawal", wd, "paired; Newcombe method 10")
        add(name, names[0], "nnh_ae_withdrawal", _nnt(wd), "1 / risk difference (Altman 1998)")
        add(name, names[0], "risk_difference_dropout", ci.newcombe_paired(ref.dropped, a.dropped, level),
            "paired; Newcombe method 10")
        add(name, names[0], "overdose_rate_ratio", _rate_ratio(ref.overdoses(), a.overdoses(), level),
            "log interval")
    return pd.DataFrame(rows, columns=["arm", "comparator", "statistic", "estimate", "lower", "upper", "method"])
