"""95% intervals for cohort outcomes: Wilson (a proportion), Newcombe (a paired difference of proportions),
order statistics (a median), normal approximation (a mean or a paired mean difference), and a seeded
paired bootstrap (a difference of medians). Vectorised with numpy; no scipy needed.
"""
from __future__ import annotations

from statistics import NormalDist
from typing import Callable

import numpy as np


def z_value(level: float = 0.95) -> float:
    """Two-sided standard-normal quantile (1.959964 for 95%)."""
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson(k: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes out of n (Wilson 1927; Newcombe 1998, method 3)."""
    if n <= 0:
        return (float("nan"), float("nan"))
    z = z_value(level)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lower = 0.0 if k <= 0 else max(0.0, float(centre - half))   # exact limits at 0/n and n/n
    upper = 1.0 if k >= n else min(1.0, float(centre + half))
    return (lower, upper)


def newcombe_paired(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Difference p_b - p_a of two paired yes/no outcomes on the same patients, with Newcombe's interval
    (Newcombe 1998, Stat Med 17:2635, method 10: Wilson limits of each margin and the phi correlation)."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    n = a.size
    if n == 0:
        return (float("nan"),) * 3
    both, only_a, only_b = int(np.sum(a & b)), int(np.sum(a & ~b)), int(np.sum(~a & b))
    neither = n - both - only_a - only_b
    p1, p2 = (both + only_b) / n, (both + only_a) / n        # p1: arm b, p2: arm a
    l1, u1 = wilson(both + only_b, n, level)
    l2, u2 = wilson(both + only_a, n, level)
    margins = (both + only_b) * (only_a + neither) * (both + only_a) * (only_b + neither)
    phi = (both * neither - only_a * only_b) / np.sqrt(margins) if margins > 0 else 0.0
    d = p1 - p2
    lower = d - np.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    upper = d + np.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    return (float(d), float(lower), float(upper))


def median_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Median with a distribution-free interval between the order statistics of ranks
    r = n/2 - z sqrt(n)/2 and s = 1 + n/2 + z sqrt(n)/2, rounded (Campbell MJ, Gardner MJ. BMJ
    1988;296:1454-1456). NaNs are ignored."""
    x = np.asarray(values, float)
    x = np.sort(x[~np.isnan(x)])
    n = x.size
    if n == 0:
        return (float("nan"),) * 3
    half = z_value(level) * np.sqrt(n) / 2
    r = min(max(int(round(n / 2 - half)), 1), n)
    s = min(max(int(round(1 + n / 2 + half)), 1), n)
    return (float(np.median(x)), float(x[r - 1]), float(x[s - 1]))


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean with a normal-approximation interval (mean -/+ z sd / sqrt(n)); NaNs are ignored."""
    x = np.asarray(values, float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return (float("nan"),) * 3
    m = float(x.mean())
    if x.size < 2:
        return (m, float("nan"), float("nan"))
    half = z_value(level) * float(x.std(ddof=1)) / np.sqrt(x.size)
    return (m, m - half, m + half)


def paired_bootstrap(stat: Callable[[np.ndarray], float], n: int, replicates: int, seed: int,
                     level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of ``stat(indices)`` over patients resampled with replacement (seeded)."""
    rng = np.random.default_rng(seed)
    draws = np.array([stat(rng.integers(0, n, n)) for _ in range(replicates)], float)
    draws = draws[~np.isnan(draws)]
    if draws.size == 0:
        return (float("nan"), float("nan"))
    tail = (1 - level) / 2 * 100
    return (float(np.percentile(draws, tail)), float(np.percentile(draws, 100 - tail)))
