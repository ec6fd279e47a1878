"""How long `import painkit` takes in a fresh interpreter (target: under 0.3 s; pandas and ipywidgets
are imported lazily). Prints the median of several runs."""
from __future__ import annotations

import statistics
import subprocess
import sys

CODE = "import time; t=time.perf_counter(); import painkit; print(time.perf_counter()-t)"


def main(runs: int = 7) -> None:
    times = [float(subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout)
             for _ in range(runs)]
    print(f"import painkit: median {statistics.median(times) * 1000:.0f} ms over {runs} runs "
          f"(min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms); target < 300 ms")


if __name__ == "__main__":
    main()
