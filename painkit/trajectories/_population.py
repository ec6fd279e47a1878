"""Synthetic patients for the trajectory model: the phenotype a cohort is drawn around (a case's
``trajectory:`` block or its setting's defaults) and the plan-independent per-patient draws, plus the
weekly block of random numbers. Educational model, not predictive.

All randomness comes from one ``numpy.random.Generator`` in a fixed order and fixed shapes that never depend
on the plan: baseline draws first (``draw_cohort``), then one block per week (``weekly_draws``). So two
plans run on the same seed meet the same patients and the same weekly events (common random numbers), and
a 12-week run is the first 12 weeks of a 52-week run.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Optional, Sequence

import numpy as np

from ._params import fitted, params
from ._regimen import MECHS, get

if TYPE_CHECKING:
    from ._step import State

F32 = np.float32
N_BASELINE_DRAWS = 11  # normal rows per patient at baseline (see draw_cohort)
N_WEEKLY_NORMALS = 3   # fluctuation of pain, function, pcs
N_WEEKLY_UNIFORMS = 4  # adherence, adverse event, dropout, dose escalation





def nonspecific_share(conditions: Sequence[str]) -> float:
    """Share of placebo responders for a case's conditions: the first condition with a fitted share, else
    trajectory.yaml's ``default_share``."""
    shares = fitted().get("nonspecific", {})
    for c in conditions:
        if c in shares:
            return float(shares[c]["value"])
    return float(params()["nonspecific_response"]["default_share"])


def group_value(section: str, conditions: Sequence[str], default: float) -> float:
    """A fitted value of the case's condition group (trajectory.yaml ``dropout.fitted_conditions`` maps a
    condition to its group; fitted.yaml ``<section>.<group>``), else ``default``."""
    groups = params()["dropout"].get("fitted_conditions", {})
    values = fitted().get(section) or {}
    for c in conditions:
        if groups.get(c) in values:
            return float(values[groups[c]]["value"])
    return float(default)


def lack_of_efficacy_rate(conditions: Sequence[str]) -> float:
    """Weekly dropout hazard of a patient below 30% relief: the fitted rate of the case's condition group,
    else trajectory.yaml's default rate."""
    return group_value("dropout", conditions, params()["dropout"]["weekly_lack_of_efficacy_rate"])


# Wichura's algorithm AS 241 (PPND16; Applied Statistics 1988; 37:477-484): rational approximations of the
# standard-normal quantile, accurate to about 1e-16, in three regions of p. The coefficients are the published
# ones, highest power first, as Python's statistics.NormalDist.inv_cdf also uses them.
_AS241 = {
    "central": ((2509.0809287301226727, 33430.575583588128105, 67265.770927008700853, 45921.953931549871457,
                 13731.693765509461125, 1971.5909503065514427, 133.14166789178437745, 3.3871328727963666080),
                (5226.4952788528545610, 28729.085735721942674, 39307.895800092710610, 21213.794301586595867,
                 5394.1960214247511077, 687.18700749205790830, 42.313330701600911252, 1.0)),
    "intermediate": ((7.74545014278341407640e-4, 0.0227238449892691845833, 0.241780725177450611770,
                      1.27045825245236838258, 3.64784832476320460504, 5.76949722146069140550,
                      4.63033784615654529590, 1.42343711074968357734),
                     (1.05075007164441684324e-9, 5.47593808499534494600e-4, 0.0151986665636164571966,
                      0.148103976427480074590, 0.689767334985100004550, 1.67638483018380384940,
                      2.05319162663775882187, 1.0)),
    "tail": ((2.01033439929228813265e-7, 2.71155556874348757815e-5, 0.00124266094738807843860,
              0.0265321895265761230930, 0.296560571828504891230, 1.78482653991729133580, 5.46378491116411436990,
              6.65790464350110377720),
             (2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
              7.86869131145613259100e-4, 0.0148753612908506148525, 0.136929880922735805310,
              0.599832206555887937690, 1.0)),
}


def _horner(coefficients: Sequence[float], x: np.ndarray) -> np.ndarray:
    out = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        out = out * x + c
    return out


def normal_quantile(p: np.ndarray) -> np.ndarray:
    """Standard-normal quantiles of probabilities ``p`` in (0, 1), vectorised (AS 241, float64)."""
    p = np.asarray(p, dtype=np.float64)
    q = p - 0.5
    out = np.empty_like(p)
    central = np.abs(q) <= 0.425
    r = 0.180625 - q[central] ** 2
    num, den = _AS241["central"]
    out[central] = _horner(num, r) * q[central] / _horner(den, r)
    outer = ~central
    r = np.sqrt(-np.log(np.where(q[outer] <= 0.0, p[outer], 1.0 - p[outer])))
    x = np.empty_like(r)
    for region, sel, shift in (("intermediate", r <= 5.0, 1.6), ("tail", r > 5.0, 5.0)):
        num, den = _AS241[region]
        rr = r[sel] - shift
        x[sel] = _horner(num, rr) / _horner(den, rr)
    out[outer] = np.where(q[outer] < 0.0, -x, x)
    return out


@lru_cache(maxsize=1)
def _normal_quantiles() -> np.ndarray:
    """Standard-normal quantiles at (i + 0.5) / 65536: a lookup table for inverse-CDF sampling."""
    return normal_quantile((np.arange(65536) + 0.5) / 65536).astype(F32)


def weekly_draws(rng: np.random.Generator, n: int, out: Optional["State"] = None) -> tuple[np.ndarray, np.ndarray]:
    """One week's random numbers for ``n`` patients, from one block of the generator's raw 64-bit output
    cut into 16-bit integers: (3, n) standard normals by inverse-CDF table lookup (exact to 1/65536 in
    probability) and (4, n) uniforms in (0, 1). Several times faster than numpy's float32 normal and
    uniform samplers, and always the same amount of randomness whatever the plan. ``out`` lends buffers."""
    bits = rng.bit_generator.random_raw(2 * n).view(np.uint16).reshape(8, n)
    z = out.buffer("z", (N_WEEKLY_NORMALS, n)) if out is not None else np.empty((N_WEEKLY_NORMALS, n), F32)
    u = out.buffer("u", (N_WEEKLY_UNIFORMS, n)) if out is not None else np.empty((N_WEEKLY_UNIFORMS, n), F32)
    np.take(_normal_quantiles(), bits[:N_WEEKLY_NORMALS], out=z)
    np.multiply(bits[N_WEEKLY_NORMALS:N_WEEKLY_NORMALS + N_WEEKLY_UNIFORMS], F32(1 / 65536), out=u)
    u += F32(0.5 / 65536)
    return z, u


@dataclass(frozen=True)
class Phenotype:
    """Means and sds of baseline pain, function and PCS, mean adherence, mechanism mix, natural history."""

    setting: str
    pain: tuple[float, float]
    function: tuple[float, float]
    pcs: tuple[float, float]
    adherence: float
    mix: tuple[float, ...]
    natural_history: str
    conditions: tuple[str, ...] = ()
    benzodiazepine: bool = False    # the case takes a benzodiazepine (overdose multiplier)


def phenotype(case: Any) -> Phenotype:
    """The case's ``trajectory:`` block, with its setting's defaults for whatever the block leaves out;
    without a mechanism mix, the key's mechanism grades weighted by ``mechanism_weights``."""
    p = params()
    default = p["settings"][case.setting]
    block = case.trajectory

    def pick(name: str) -> Any:
        value = get(block, name)
        return default.get(name) if value is None else value

    def dist(name: str) -> tuple[float, float]:
        d = pick(name)
        return float(get(d, "mean")), float(get(d, "sd"))

    mix = get(block, "mechanism_mix")
    if mix:
        weights = [float(mix.get(m, 0.0)) for m in MECHS]
    else:
        table = p["mechanism_weights"]
        weights = [float(table[m].get(case.key.mechanisms.get(m, "unlikely"), 0.0)) for m in MECHS]
    total = sum(weights)
    if total <= 0:
        weights, total = [1.0, 0.0, 0.0], 1.0
    from ..formulary import benzodiazepines

    return Phenotype(setting=case.setting, pain=dist("pain"), function=dist("function"), pcs=dist("pcs"),
                     adherence=float(pick("adherence")), mix=tuple(w / total for w in weights),
                     natural_history=str(pick("natural_history")),
                     conditions=tuple(str(c) for c in (getattr(case, "conditions", None) or ())),
                     benzodiazepine=bool(benzodiazepines(getattr(case, "medications", None) or [])))


@dataclass
class Cohort:
    """Per-patient draws that do not depend on the plan (so every plan meets the same patients)."""

    phenotype: Phenotype
    usual_pain: np.ndarray          # (n,) usual pain level (the week-0 rating adds the flare that brought them)
    function0: np.ndarray           # (n,) usual interference
    pcs0: np.ndarray                # (n,) usual PCS
    mix: np.ndarray                 # (3, n) mechanism weights, columns sum to 1
    general: np.ndarray             # (n,) general responsiveness (lognormal, mean 1)
    specific: np.ndarray            # (C, n) uint16 draw deciding who responds to each catalog id (bimodal)
    catalog_ids: tuple[str, ...]    # row order of ``specific``
    adherence: np.ndarray           # (n,) weekly probability of taking the plan
    recovery_weeks: np.ndarray      # (n,) time constant of a resolving natural history
    nonspecific: np.ndarray         # (n,) full nonspecific (placebo/contextual) pain response on any active plan
    noise0: np.ndarray              # (3, n) fluctuation at week 0 (pain includes the regression-to-mean excess)
    baseline_mme: float = 0.0       # MME/day of the case's current opioids (shown at week 0)
    lack_of_efficacy: float = 0.0   # weekly dropout hazard below 30% relief (by condition)
    withdrawal_factor: float = 1.0  # multiplier of treatments' stopping adverse events (by condition group)

    @property
    def n(self) -> int:
        return int(self.usual_pain.shape[0])


def draw_cohort(ph: Phenotype, n: int, rng: np.random.Generator, catalog_ids: Sequence[str],
                baseline_mme: float = 0.0) -> Cohort:
    """Draw ``n`` patients around a phenotype; the draws' order and shapes never depend on the plan."""
    p = params()
    z = rng.standard_normal((N_BASELINE_DRAWS, n), dtype=F32)
    noise0 = rng.standard_normal((N_WEEKLY_NORMALS, n), dtype=F32)
    c_n = len(catalog_ids) * n                              # one 16-bit uniform per patient and catalog entry
    u_specific = rng.bit_generator.random_raw(-(-c_n // 4)).view(np.uint16)[:c_n].reshape(len(catalog_ids), n)

    c = p["baseline_correlation"]
    corr = np.array([[1, c["pain_function"], c["pain_pcs"]], [c["pain_function"], 1, c["function_pcs"]],
                     [c["pain_pcs"], c["function_pcs"], 1]])
    latent = np.linalg.cholesky(corr).astype(F32) @ z[:3]
    usual = np.clip(F32(ph.pain[0]) + F32(ph.pain[1]) * latent[0], 1, 10)
    func0 = np.clip(F32(ph.function[0]) + F32(ph.function[1]) * latent[1], 0, 10)
    pcs0 = np.clip(F32(ph.pcs[0]) + F32(ph.pcs[1]) * latent[2], 0, 52)

    mix = np.asarray(ph.mix, F32)[:, None] * np.exp(F32(p["mechanism_mix_sd"]) * z[3:6])
    mix /= mix.sum(axis=0, keepdims=True)

    h = p["heterogeneity"]
    g_sd = F32(h["general_sd"])
    general = np.exp(g_sd * z[6] - g_sd * g_sd / 2)

    nh = p["natural_history"]["resolving"]
    recovery = F32(nh["time_constant_weeks"]) * np.exp(F32(nh["time_constant_sd"]) * z[7])

    ns = p["nonspecific_response"]
    ns_sd = F32(ns["sd"])
    share = min(max(nonspecific_share(ph.conditions), 1e-6), 1 - 1e-6)
    placebo_responder = z[9] < F32(NormalDist().inv_cdf(share))
    nonspecific = np.where(placebo_responder, F32(ns["responder_relief"]) * np.exp(ns_sd * z[10] - ns_sd * ns_sd / 2),
                           F32(ns["non_responder_relief"])).astype(F32)
    np.minimum(nonspecific, F32(p["combination"]["max_effect"]), out=nonspecific)

    mean = min(max(ph.adherence, 1e-3), 1 - 1e-3)
    logit = F32(np.log(mean / (1 - mean)))
    adherence = 1 / (1 + np.exp(-(logit + F32(p["adherence"]["logit_sd"]) * z[8])))

    fl = p["fluctuation"]
    noise0 *= np.array([[fl["pain_sd"]], [fl["function_sd"]], [fl["pcs_sd"]]], F32)
    noise0[0] += F32(p["regression_to_mean"]["baseline_excess"])
    return Cohort(ph, usual, func0, pcs0, mix, general, u_specific, tuple(catalog_ids), adherence, recovery,
                  nonspecific, noise0, float(baseline_mme), lack_of_efficacy_rate(ph.conditions),
                  group_value("withdrawal", ph.conditions, 1.0))
