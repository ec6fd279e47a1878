"""Benchmark: median time of painkit.review_plan on a 10-item plan (target < 2 ms).

Run: .venv/bin/python bench/bench_plans.py   (prints the figures; not a unit test)
"""
from __future__ import annotations

import statistics
import time

import painkit as pk
from painkit.plans import Plan, review_plan

TARGET_MS = 2.0
CASE = "opioid-high-dose-benzo"  # current opioids and a benzodiazepine: the busiest interaction checks
ITEMS = ["naloxone", "oxycodone", "therapeutic_exercise", "cbt", "pain_neuroscience_education", "sleep_hygiene",
         "activity_pacing", "duloxetine", "acupuncture", "gabapentin"]
OPIOIDS = [{"drug": "oxycodone", "dose": 40, "unit": "mg", "per_day": 2}]


def main(repeats: int = 2000) -> float:
    case = pk.load_case(CASE)
    plan = Plan(ITEMS, opioids=OPIOIDS)
    review_plan(case, plan)  # warm the data-file caches once, as a notebook session would
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        review_plan(case, plan)
        times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    p95 = sorted(times)[int(0.95 * len(times))]
    print(f"review_plan, {len(ITEMS)}-item plan, case {CASE}: median {median:.3f} ms, p95 {p95:.3f} ms "
          f"over {repeats} runs (target < {TARGET_MS} ms): {'OK' if median < TARGET_MS else 'SLOW'}")
    return median


if __name__ == "__main__":
    main()
