"""Benchmark instrument scoring; prints its figures (not a unit test).

Targets (issue 3, on the 2-core reference machine):
- ``score_many("pcs", frame)`` on 1,000,000 sheets: at least 2,000,000 sheets/s;
- ``score("pcs", sheet)`` on one sheet: median under 50 microseconds.

Run: ``.venv/bin/python bench/bench_instruments.py`` (``make bench`` runs every bench script).
"""
from __future__ import annotations

import statistics
import sys
import time

import numpy as np
import pandas as pd

import painkit as pk

N_SHEETS = 1_000_000
TARGET_SHEETS_PER_S = 2_000_000
TARGET_SCORE_US = 50.0


def bench_score_many(n: int = N_SHEETS, repeats: int = 5, missing: float = 0.0) -> float:
    """Best-of-``repeats`` sheets/s for score_many('pcs') on ``n`` random valid sheets (integer columns;
    with ``missing`` > 0, float columns with that share of answers left NaN)."""
    items = pk.instruments.info("pcs")["items"]
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({it["id"]: rng.integers(0, 5, n) for it in items})
    if missing:
        frame = frame.astype(float).mask(rng.random(frame.shape) < missing)
    pk.score_many("pcs", frame.head(10))  # load the registry outside the timing
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = pk.score_many("pcs", frame)
        best = min(best, time.perf_counter() - t0)
    assert len(out) == n
    return n / best


def bench_score(loops: int = 20_000) -> float:
    """Median microseconds per score('pcs') call on one sheet (timed in batches of 100)."""
    sheet = [3, 3, 2, 3, 2, 3, 2, 3, 3, 2, 3, 3, 2]
    score = pk.score
    score("pcs", sheet)
    per_call = []
    for _ in range(loops // 100):
        t0 = time.perf_counter()
        for _ in range(100):
            score("pcs", sheet)
        per_call.append((time.perf_counter() - t0) / 100 * 1e6)
    return statistics.median(per_call)


def main() -> int:
    rate = bench_score_many()
    rate_nan = bench_score_many(missing=0.05)
    us = bench_score()
    ok_many, ok_one = rate >= TARGET_SHEETS_PER_S, us < TARGET_SCORE_US
    print(f"score_many('pcs'): {rate:,.0f} sheets/s on {N_SHEETS:,} sheets "
          f"(target >= {TARGET_SHEETS_PER_S:,}): {'PASS' if ok_many else 'FAIL'}")
    print(f"score_many('pcs'), float columns with 5% unanswered: {rate_nan:,.0f} sheets/s (information)")
    print(f"score('pcs', one sheet): median {us:.1f} us (target < {TARGET_SCORE_US:.0f} us): "
          f"{'PASS' if ok_one else 'FAIL'}")
    return 0 if ok_many and ok_one else 1


if __name__ == "__main__":
    sys.exit(main())
