"""Benchmark the trajectory engine; prints its figures (not a unit test).

Targets (issue 6, tightened by issue 15 for the calibrated model, on the 2-core reference machine):
- ``simulate`` of 100,000 patients x 52 weeks (building the DataFrame included) in at most 0.5 s on a quiet
  machine, and at most 1.0x the time numpy takes to draw one float32 standard normal per numeric cell of the
  same frame (the engine costs less than one random draw per cell; the ratio is measured interleaved, so it
  holds under load too), with peak memory under 1.5 GB;
- 1,000 patients x 12 weeks (the TrajectoryExplorer default) in at most 10 ms;
- the speed-up over a plain per-patient Python loop of the same model (``bench/trajectory_loop.py``, run on a
  small cohort and scaled linearly), with a check that the loop and the engine give the same values.

Run: ``.venv/bin/python bench/bench_trajectories.py`` (``make bench`` runs every bench script). Wall-clock
figures are best-of-N; on a shared machine other processes can slow a run, so CPU time is printed too.
"""
from __future__ import annotations

import gc
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import os

import numpy as np
import pandas as pd

import painkit as pk
from painkit.trajectories import wide

sys.path.insert(0, str(Path(__file__).parent))
from trajectory_loop import simulate_loop  # noqa: E402  (bench-only baseline)

CASE = "lbp-chronic"
ITEMS = ["therapeutic_exercise", "cbt", "pain_neuroscience_education", "nsaid_oral", "activity_pacing",
         "sleep_hygiene"]
OPIOIDS = [{"drug": "tramadol", "dose": 50, "unit": "mg", "per_day": 2}]
BIG = (100_000, 52)
SMALL = (1_000, 12)
LOOP_PATIENTS = 300
TARGET_BIG_S, TARGET_RATIO, TARGET_MEM_GB, TARGET_SMALL_MS = 0.5, 1.0, 1.5, 10.0


def timed(case, plan, n: int, weeks: int, repeats: int) -> tuple[float, float, list[float]]:
    """Best wall seconds, CPU seconds of that run, and all wall times of ``repeats`` simulate calls."""
    walls, best, cpu_of_best = [], float("inf"), 0.0
    for r in range(repeats):
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        frame = pk.simulate(case, plan, n_patients=n, weeks=weeks, seed=r)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        walls.append(wall)
        if wall < best:
            best, cpu_of_best = wall, cpu
        assert len(frame) == n * (weeks + 1)
        del frame
    return best, cpu_of_best, walls


def normal_draw_ratio(case, plan, n: int, weeks: int, repeats: int) -> tuple[float, float, float, int]:
    """Best simulate time, best time of one float32 normal draw per numeric cell of the same frame (drawn
    interleaved with the simulations, so both meet the same machine load), their ratio, and the cells."""
    frame = pk.simulate(case, plan, n_patients=n, weeks=weeks, seed=0)
    cells = int(sum(len(frame) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])))
    del frame
    rng = np.random.default_rng(0)
    sims, draws = [], []
    for r in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        pk.simulate(case, plan, n_patients=n, weeks=weeks, seed=r)
        sims.append(time.perf_counter() - t0)
        gc.collect()
        t0 = time.perf_counter()
        x = rng.standard_normal(cells, dtype=np.float32)
        draws.append(time.perf_counter() - t0)
        del x
    return min(sims), min(draws), min(sims) / min(draws), cells


def peak_memory(case, plan, n: int, weeks: int) -> tuple[float, float]:
    """Peak traced memory (numpy and Python allocations, GB) of one simulate call, and the frame's size (GB)."""
    gc.collect()
    tracemalloc.start()
    frame = pk.simulate(case, plan, n_patients=n, weeks=weeks, seed=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e9, frame.memory_usage(deep=True).sum() / 1e9


def loop_check(case, plan, n: int, weeks: int) -> tuple[float, float, bool]:
    """Seconds for the per-patient loop on ``n`` patients, the largest score difference from the engine
    (same seed), and whether adverse events and dropout agree exactly."""
    t0 = time.perf_counter()
    loop = simulate_loop(case, plan, n, weeks, seed=0)
    seconds = time.perf_counter() - t0
    frame = pk.simulate(case, plan, n_patients=n, weeks=weeks, seed=0)
    worst = 0.0
    for col in ("pain", "function", "pcs", "mme"):
        a = wide(frame, col).astype(float)
        if not np.array_equal(np.isnan(a), np.isnan(loop[col])):
            return seconds, float("inf"), False
        both = ~np.isnan(a)
        worst = max(worst, float(np.abs(a[both] - loop[col][both]).max()))
    same = (np.array_equal(wide(frame, "adverse_event"), loop["ae"])
            and np.array_equal(wide(frame, "dropped_out"), loop["dropped"].astype(bool)))
    return seconds, worst, same


def main() -> int:
    case = pk.load_case(CASE)
    plan = pk.Plan(ITEMS, opioids=OPIOIDS)
    pk.simulate(case, plan, n_patients=100, weeks=2, seed=0)  # imports, catalog and tables outside the timing
    print(f"painkit {pk.__version__} trajectory benchmark: case {CASE}, plan {list(plan.all_items)}")

    load = os.getloadavg()
    print(f"machine load average (1, 5, 15 min): {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on "
          f"{os.cpu_count()} cores (wall times are only comparable on a quiet machine)")
    n, w = BIG
    best, cpu, walls = timed(case, plan, n, w, repeats=5)
    rate = n * w / best
    sim_s, draw_s, ratio, cells = normal_draw_ratio(case, plan, n, w, repeats=5)
    peak_gb, frame_gb = peak_memory(case, plan, n, w)
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"simulate {n:,} x {w} weeks: best {best:.3f} s wall ({cpu:.3f} s CPU), median "
          f"{statistics.median(walls):.3f} s; {rate / 1e6:.1f} M patient-weeks/s [target <= {TARGET_BIG_S} s quiet]")
    print(f"  vs one float32 normal draw per numeric cell ({cells / 1e6:.1f} M cells, {draw_s:.3f} s): "
          f"{ratio:.2f}x [target <= {TARGET_RATIO:.1f}x]")
    print(f"  peak traced memory {peak_gb:.2f} GB (frame {frame_gb:.2f} GB), process max RSS {rss_gb:.2f} GB "
          f"[target < {TARGET_MEM_GB} GB]")

    n2, w2 = SMALL
    small = [timed(case, plan, n2, w2, repeats=1)[0] * 1e3 for _ in range(30)]
    print(f"simulate {n2:,} x {w2} weeks: median {statistics.median(small):.1f} ms, best {min(small):.1f} ms "
          f"[target <= {TARGET_SMALL_MS:.0f} ms]")

    loop_s, worst, same = loop_check(case, plan, LOOP_PATIENTS, w)
    scaled = loop_s * n / LOOP_PATIENTS
    print(f"plain Python loop over patients: {LOOP_PATIENTS} x {w} weeks in {loop_s:.2f} s -> {scaled:.0f} s "
          f"for {n:,} (scaled); the vectorised engine is {scaled / best:.0f}x faster")
    print(f"  loop vs engine on the same seed: largest score difference {worst:.1e}; adverse events and "
          f"dropout {'identical' if same else 'DIFFER'}")
    ok = (best <= TARGET_BIG_S and ratio <= TARGET_RATIO and peak_gb < TARGET_MEM_GB
          and statistics.median(small) <= TARGET_SMALL_MS and same and worst < 1e-3)
    print("all targets met" if ok else "SOME TARGETS MISSED (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
