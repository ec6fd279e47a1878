"""95% intervals for cohort outcomes: Wilson (a proportion), Newcombe (a paired difference of proportions),
order statistics (a median), normal approximation (a mean or a paired mean difference), and a seeded
paired bootstrap (a difference of medians). Vectorised with numpy; no scipy needed.
"""
from __future__ import annotations

from statistics import NormalDist
from typing import Callable

import math

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
    # float: the product of four counts overflows int64 (and np.sqrt refuses a Python int) past ~55,000 patients
    margins = float(both + only_b) * float(only_a + neither) * float(both + only_a) * float(only_b + neither)
    phi = (both * neither - only_a * only_b) / math.sqrt(margins) if margins > 0 else 0.0
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


def row_medians(x: np.ndarray) -> np.ndarray:
    """Median of each row's non-NaN values (NaN for a row without any): one sort of the whole array, where
    ``np.nanmedian(axis=1)`` loops over the rows in Python. Same values as ``np.median`` of each row's values."""
    x = np.sort(np.asarray(x, float), axis=1)  # NaNs sort last
    if x.shape[1] == 0:
        return np.full(x.shape[0], np.nan)
    k = (~np.isnan(x)).sum(axis=1)
    lo = np.take_along_axis(x, np.maximum((k - 1) // 2, 0)[:, None], axis=1)[:, 0]
    hi = np.take_along_axis(x, np.minimum(k // 2, x.shape[1] - 1)[:, None], axis=1)[:, 0]
    return np.where(k > 0, (lo + hi) / 2, np.nan)


def paired_bootstrap(stat: Callable[[np.ndarray], np.ndarray], n: int, replicates: int, seed: int,
                     level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of a statistic over patients resampled with replacement (seeded).

    ``stat`` takes a (k, n) array of patient indices, one resample per row, and returns the k statistics:
    vectorised over resamples (a Python call per resample was most of ``compare_plans``). Each resample is
    drawn as its own ``rng.integers(0, n, n)``, so the resamples are the same whatever the batch size."""
    rng = np.random.default_rng(seed)
    batch = max(1, 2_000_000 // max(n, 1))  # at most ~16 MB of indices at a time
    draws = []
    for start in range(0, replicates, batch):
        rows = min(batch, replicates - start)
        draws.append(np.asarray(stat(np.stack([rng.integers(0, n, n) for _ in range(rows)])), float))
    draws = np.concatenate(draws) if draws else np.empty(0)
    draws = draws[~np.isnan(draws)]
    if draws.size == 0:
        return (float("nan"), float("nan"))
    tail = (1 - level) / 2 * 100
    return (float(np.percentile(draws, tail)), float(np.percentile(draws, 100 - tail)))
