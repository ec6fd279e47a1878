"""Case loading and validation speed.

1. Loading and validating the whole shipped library (target: under 0.5 s).
2. Validation of generated folders of 250 to 2,000 case files: cases/s should stay flat (linear growth).
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import painkit as pk
from painkit.cases import REPO_CASES


def _time(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    n = len(pk.list_cases())
    pk.validate_cases(REPO_CASES)  # warm: data files, pydantic schema, catalog
    t = _time(lambda: pk.validate_cases(REPO_CASES))
    print(f"library: {n} cases loaded and validated in {t * 1000:.0f} ms (target < 500 ms)")

    sources = sorted(REPO_CASES.glob("*.yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        written = 0
        for size in (250, 500, 1000, 2000):
            while written < size:
                src = sources[written % len(sources)]
                new_id = f"synthetic-{written:05d}"
                text = src.read_text(encoding="utf-8").replace(f"id: {src.stem}", f"id: {new_id}", 1)
                (folder / f"{new_id}.yaml").write_text(text, encoding="utf-8")
                written += 1
            t = _time(lambda: pk.validate_cases(folder), repeat=1)
            problems = pk.validate_cases(folder) if size == 250 else []
            assert not problems, problems[:3]
            print(f"{size:5d} generated cases: {t:6.2f} s, {size / t:7.0f} cases/s")


if __name__ == "__main__":
    main()
