"""Benchmark the learner notebooks as a workshop hub sees them (issue 17); prints its figures (not a test).

Per learner notebook:
- **render**: seconds for Voila (painkit's template and config, as ``make app``) to return the whole page,
  which includes running every cell in a fresh kernel;
- **kernel**: resident memory (MB) of a kernel after Run All (nbclient, as a learner's Run All).

Targets (issue 17): render <= 3 s and kernel <= 150 MB per notebook. Wall-clock figures on a shared
machine vary with the load: the best of ``REPEATS`` renders is printed.

Run: ``.venv/bin/python bench/bench_app.py [NOTEBOOK ...]`` (``make bench`` runs every bench script).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VOILA_DIR = ROOT / "deploy" / "voila"
REPEATS = 2
TARGET_RENDER_S, TARGET_KERNEL_MB = 3.0, 150.0


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def kernel_mb(notebook: Path, home: str) -> float:
    """Run every cell of ``notebook`` in a fresh kernel and return the kernel's resident memory (MB)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}})
    os.environ.update(PAINKIT_HOME=home, PAINKIT_LEARNER="bench")
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        pid = client.km.provisioner.process.pid
        return _rss_mb(pid)


def render_s(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as r:
        r.read()
    return time.perf_counter() - start


def main(names: list[str]) -> int:
    notebooks = [ROOT / "notebooks" / f"{n.removesuffix('.ipynb')}.ipynb" for n in names] or \
        sorted((ROOT / "notebooks").glob("0*.ipynb"))
    home = tempfile.mkdtemp(prefix="painkit-bench-app-")
    port = _port()
    env = dict(os.environ, PAINKIT_HOME=home, PAINKIT_LEARNER="bench", JUPYTER_PATH=str(VOILA_DIR),
               JUPYTER_CONFIG_PATH=str(VOILA_DIR))
    server = subprocess.Popen([sys.executable, "-m", "voila", str(ROOT / "notebooks"), "--no-browser",
                               f"--port={port}", "--Voila.ip=127.0.0.1"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.3)
        print(f"{'notebook':28} {'render s':>9} {'kernel MB':>10}   targets: <= {TARGET_RENDER_S:g} s, "
              f"<= {TARGET_KERNEL_MB:g} MB")
        for nb in notebooks:
            render = min(render_s(f"{base}/voila/render/{nb.name}") for _ in range(REPEATS))
            mb = kernel_mb(nb, home)
            flag = "" if render <= TARGET_RENDER_S and mb <= TARGET_KERNEL_MB else "   over target"
            print(f"{nb.stem:28} {render:9.1f} {mb:10.0f}{flag}")
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
