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

from ._params import params
from ._regimen import MECHS, get

if TYPE_CHECKING:
    from ._step import State

F32 = np.float32
N_BASELINE_DRAWS = 10  # normal rows per patient at baseline (see draw_cohort)
N_WEEKLY_NORMALS = 3   # fluctuation of pain, function, pcs
N_WEEKLY_UNIFORMS = 4  # adherence, adverse event, dropout, dose escalation





@lru_cache(maxsize=1)
def _normal_quantiles() -> np.ndarray:
    """Standard-normal quantiles at (i + 0.5) / 65536: a lookup table for inverse-CDF sampling."""
    inv = NormalDist().inv_cdf
    return np.array([inv((i + 0.5) / 65536) for i in range(65536)], F32)


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
    return Phenotype(setting=case.setting, pain=dist("pain"), function=dist("function"), pcs=dist("pcs"),
                     adherence=float(pick("adherence")), mix=tuple(w / total for w in weights),
                     natural_history=str(pick("natural_history")))


@dataclass
class Cohort:
    """Per-patient draws that do not depend on the plan (so every plan meets the same patients)."""

    phenotype: Phenotype
    usual_pain: np.ndarray          # (n,) usual pain level (the week-0 rating adds the flare that brought them)
    function0: np.ndarray           # (n,) usual interference
    pcs0: np.ndarray                # (n,) usual PCS
    mix: np.ndarray                 # (3, n) mechanism weights, columns sum to 1
    general: np.ndarray             # (n,) general responsiveness (lognormal, mean 1)
    specific: np.ndarray            # (C, n) treatment-specific multiplier, one row per catalog id
    catalog_ids: tuple[str, ...]    # row order of ``specific``
    adherence: np.ndarray           # (n,) weekly probability of taking the plan
    recovery_weeks: np.ndarray      # (n,) time constant of a resolving natural history
    nonspecific: np.ndarray         # (n,) full nonspecific (placebo/contextual) pain response on any active plan
    noise0: np.ndarray              # (3, n) fluctuation at week 0 (pain includes the regression-to-mean excess)
    baseline_mme: float = 0.0       # MME/day of the case's current opioids (shown at week 0)

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
    responds = u_specific < h["responder_share"] * 65536 - 0.5     # (b + 0.5) / 65536 < share
    specific = np.where(responds, F32(h["responder_multiplier"]), F32(h["non_responder_multiplier"])).astype(F32)

    nh = p["natural_history"]["resolving"]
    recovery = F32(nh["time_constant_weeks"]) * np.exp(F32(nh["time_constant_sd"]) * z[7])

    ns = p["nonspecific_response"]
    ns_sd = F32(ns["sd"])
    nonspecific = np.minimum(F32(ns["mean_effect"]) * np.exp(ns_sd * z[9] - ns_sd * ns_sd / 2),
                             F32(p["combination"]["max_effect"]))

    mean = min(max(ph.adherence, 1e-3), 1 - 1e-3)
    logit = F32(np.log(mean / (1 - mean)))
    adherence = 1 / (1 + np.exp(-(logit + F32(p["adherence"]["logit_sd"]) * z[8])))

    fl = p["fluctuation"]
    noise0 *= np.array([[fl["pain_sd"]], [fl["function_sd"]], [fl["pcs_sd"]]], F32)
    noise0[0] += F32(p["regression_to_mean"]["baseline_excess"])
    return Cohort(ph, usual, func0, pcs0, mix, general, specific, tuple(catalog_ids), adherence, recovery,
                  nonspecific, noise0, float(baseline_mme))
