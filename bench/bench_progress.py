"""Progress store and report speed (issue 8): prints its figures.

Targets: 10,000 attempts recorded in under 2 s; a report over 100,000 attempts in under 1 s.
Run: .venv/bin/python bench/bench_progress.py
"""
from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from painkit.progress import Attempt
from painkit.curriculum import case_tags
from painkit.progress import ProgressStore
from painkit.progress import report

STEPS = ["assessment", "mechanism", "plan", "trajectory", "revision"]
T0 = datetime(2025, 1, 1, 8, tzinfo=timezone.utc)


def synthetic(n: int, cases: list[str], seed: int = 0) -> list[Attempt]:
    """n plausible attempts over ~100 days: a mix of cases and steps, some self-checks, some ungraded."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        start = T0 + timedelta(minutes=i * 1.5)
        if rng.random() < 0.1:
            out.append(Attempt("foundations", "self_check", {"question": f"q{rng.randrange(20)}", "choice": "a"},
                               rng.choice([0, 100]), started=start, finished=start + timedelta(seconds=40)))
            continue
        score = None if rng.random() < 0.05 else rng.randint(0, 100)
        out.append(Attempt(rng.choice(cases), rng.choice(STEPS), {"items": ["duloxetine", "cbt"], "i": i}, score,
                           "feedback text", started=start, finished=start + timedelta(minutes=rng.randint(1, 40))))
    return out


def rate(n: int, seconds: float) -> str:
    return f"{seconds:6.3f} s  ({n / seconds:,.0f} attempts/s)"


def main() -> None:
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    t = time.perf_counter()
    cases = sorted(case_tags()) or ["lbp-chronic"]
    print(f"read the {len(cases)} case files' tags (once per process, then cached): {time.perf_counter() - t:.3f} s")
    timings: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        batch = synthetic(10_000, cases)
        with ProgressStore(tmp / "batch.sqlite", learner="bench") as store:
            t = time.perf_counter()
            store.record_many(batch)
            batch_s = time.perf_counter() - t
        with ProgressStore(tmp / "single.sqlite", learner="bench") as store:
            t = time.perf_counter()
            for a in batch:
                store.record(a)  # one transaction (and one commit) per attempt, as widgets do
            single_s = time.perf_counter() - t
        print(f"record 10,000 attempts, one batch (record_many):    {rate(10_000, batch_s)}  target < 2 s")
        print(f"record 10,000 attempts, one transaction each:      {rate(10_000, single_s)}")

        big = synthetic(100_000, cases, seed=1)
        with ProgressStore(tmp / "big.sqlite", learner="bench") as store:
            store.record_many(big)
            for _ in range(3):  # best of 3 (wall and CPU): this machine is shared
                wall, cpu = time.perf_counter(), time.process_time()
                rep = report(store, "bench")
                timings.append((time.perf_counter() - wall, time.process_time() - cpu))
            t = time.perf_counter()
            frame = store.attempts("bench")
            read_all = time.perf_counter() - t
        s = rep.summary.iloc[0]
        print(f"report over 100,000 attempts (read + tables): {min(w for w, _ in timings):.3f} s wall, "
              f"{min(c for _, c in timings):.3f} s CPU  target < 1 s  ({s['attempts']:,} attempts, "
              f"{s['competencies_covered']}/{s['competencies']} competencies covered)")
        print(f"  (for comparison: reading all {len(frame):,} attempts with every column and answer decoded: "
              f"{read_all:.3f} s)")
        t = time.perf_counter()
        rep.to_html(tmp / "r.html")
        first = time.perf_counter() - t
        t = time.perf_counter()
        rep.to_html(tmp / "r.html")
        print(f"  HTML page with 3 inline SVG charts (vl-convert): first {first:.2f} s, again "
              f"{time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
