"""Benchmark the learner notebooks as a workshop hub sees them (issue 17); prints its figures (not a test).

Per learner notebook:
- **render**: seconds for Voila (painkit's template and config, as ``make app``) to return the whole page,
  which includes running every cell in a fresh kernel;
- **kernel**: resident memory (MB) of a kernel after Run All (nbclient, as a learner's Run All).

Targets (issue 17): render <= 3 s and kernel <= 150 MB per notebook. Wall-clock figures on a shared
machine vary with the load: the best of ``REPEATS`` renders is printed, with the machine's load average.

Render is measured three times: **cold** (a new kernel runs the notebook when the page is asked for, Voila's
default and ``make app``'s, the kernel forked from deploy/voila/forkserver.py, which has already imported what
kernels import), **unforked** (the same with a new Python started for each kernel: ``make app FORK=0``) and
**preheated** (``make app PREHEAT=1``, Voila's ``preheat_kernel`` pool: one
kernel per notebook started and run before the learner asks, the page served from it; the bench waits until
the pool is idle). Each pooled kernel holds the memory of the "kernel" column while it waits.

Before the cold renders one page is rendered and not counted: a server compiles its page templates once, on
its first page (deploy/voila/voila.py). A cold render also prints the **CPU seconds** it took (the Voila
server's plus the page's new kernel's), the figure to compare between runs on a shared machine: wall-clock
time grows with the load, CPU time much less.

Run: ``.venv/bin/python bench/bench_app.py [--cold-only] [NOTEBOOK ...]`` (``make bench`` runs every bench
script).
"""
from __future__ import annotations

import contextlib
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


def _is_kernel(cmdline: list[str]) -> bool:
    """A Jupyter kernel, whatever its launcher (make app's kernel is deploy/voila/.../app_kernel.py): a process
    given a kernel connection file."""
    return any(Path(a).name.startswith("kernel-") and a.endswith(".json") for a in cmdline)


def wait_pool_idle(server: subprocess.Popen, kernels: int, timeout: float = 600) -> None:
    """Wait until the server has ``kernels`` kernels and none of them is busy (the pool is full). A forked
    kernel is a child of the fork server (its command line is the fork server's); its launcher, the process
    Jupyter started, waits idle: both are looked at."""
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            descendants = [c for c in psutil.Process(server.pid).children(recursive=True)
                           if c.status() != psutil.STATUS_ZOMBIE]
            launchers = [c for c in descendants if _is_kernel(c.cmdline())]
            forked = [c for c in descendants if c.ppid() != server.pid and c not in launchers]
            watched = launchers + forked
            if len(launchers) >= kernels and all(c.cpu_percent(interval=0.5) < 5 for c in watched):
                return
        except psutil.Error:  # a process ended while looked at: look again
            pass
        time.sleep(1)
    raise TimeoutError("the preheated kernel pool did not fill")


def _cpu_s(process) -> float:
    try:
        times = process.cpu_times()
        return times.user + times.system
    except Exception:  # psutil.Error: the process ended while read
        return 0.0


def render_s(url: str, server: subprocess.Popen | None = None) -> tuple[float, float, float]:
    """Seconds until the whole page is read (it must hold the notebook's outputs), the CPU seconds the
    server and the kernels it started for this page used meanwhile, and the memory (MB) those kernels hold
    on their own (USS: without what they share with the fork server; nan without ``server``)."""
    import psutil

    proc = psutil.Process(server.pid) if server is not None else None
    before = {c.pid for c in proc.children(recursive=True)} if proc else set()
    cpu0 = _cpu_s(proc) if proc else 0.0
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as r:
        page = r.read()
    seconds = time.perf_counter() - start
    if b"application/vnd.jupyter.widget-view+json" not in page and b"jp-OutputArea-output" not in page:
        raise RuntimeError(f"{url}: the page has no cell outputs ({len(page):,} bytes)")
    if proc is None:
        return seconds, float("nan"), float("nan")
    new = [c for c in proc.children(recursive=True) if c.pid not in before]
    cpu = _cpu_s(proc) - cpu0 + sum(_cpu_s(c) for c in new)
    own = 0.0
    for c in new:
        with contextlib.suppress(psutil.Error):
            own += c.memory_full_info().uss / 2**20
    return seconds, cpu, own


def wait_forkserver(server: subprocess.Popen, timeout: float = 120) -> None:
    """Wait until the server's fork server (deploy/voila/forkserver.py) listens: its socket appears once it
    has imported everything."""
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(server.pid).children():
            with contextlib.suppress(psutil.Error):
                command = child.cmdline()
                if len(command) == 3 and command[1].endswith("forkserver.py") and os.path.exists(command[2]):
                    return
        time.sleep(0.2)
    raise TimeoutError("the fork server did not start")


@contextlib.contextmanager
def voila(home: str, preheat: bool, fork: bool = True):
    """Voila serving notebooks/ with painkit's template and config (as ``make app``); yields its base URL.
    Preheated: one kernel per learner notebook started and run first; the block starts when they are idle.
    Fork (make app's default): kernels are forked from the fork server; the block starts when it listens."""
    port = _port()
    env = dict(os.environ, PAINKIT_HOME=home, PAINKIT_LEARNER="bench", JUPYTER_PATH=str(VOILA_DIR),
               JUPYTER_CONFIG_PATH=str(VOILA_DIR), PAINKIT_KERNEL_FORK="1" if fork else "0")
    extra = ["--VoilaConfiguration.preheat_kernel=True", "--VoilaKernelManager.preheat_denylist=educator"] \
        if preheat else []
    server = subprocess.Popen([sys.executable, "-m", "voila", str(ROOT / "notebooks"), "--no-browser",
                               f"--port={port}", "--Voila.ip=127.0.0.1", *extra], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.3)
        if fork:
            wait_forkserver(server)
        if preheat:
            wait_pool_idle(server, len(list((ROOT / "notebooks").glob("*.ipynb"))))
        yield base, server
    finally:
        server.terminate()
        server.wait(10)


def main(names: list[str]) -> int:
    # As `make app` (its `bytecode` step): kernels import painkit's compiled modules, not its source.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "painkit")], check=True)
    preheat_too = "--cold-only" not in names
    names = [n for n in names if not n.startswith("--")]
    notebooks = [ROOT / "notebooks" / f"{n.removesuffix('.ipynb')}.ipynb" for n in names] or \
        sorted((ROOT / "notebooks").glob("0*.ipynb"))
    home = tempfile.mkdtemp(prefix="painkit-bench-app-")
    cold, unforked, warm = {}, {}, {}
    for fork, figures in ((True, cold), (False, unforked)):
        with voila(home, preheat=False, fork=fork) as (base, server):
            render_s(f"{base}/voila/render/{notebooks[0].name}")  # the first page compiles the templates
            if fork:  # the load the printed (make app) figures were taken under
                load = os.getloadavg()[0]
            for nb in notebooks:
                figures[nb] = min(render_s(f"{base}/voila/render/{nb.name}", server) for _ in range(REPEATS))
    if preheat_too:
        with voila(home, preheat=True) as (base, _server):
            for nb in notebooks:  # the first view is served by the pool (a second would wait for the refill)
                warm[nb] = render_s(f"{base}/voila/render/{nb.name}")[0]
    print(f"Voila page render (s): cold = a new kernel, forked from the fork server, runs the notebook for the "
          f"page (make app; best of {REPEATS}, with the CPU seconds of server and kernel); unforked = the same "
          f"with a new Python per kernel (make app FORK=0); preheated = served from Voila's kernel pool (make "
          f"app PREHEAT=1). Load average {load:.1f} on {os.cpu_count()} CPUs.")
    print("kernel MB = resident memory of an ordinary kernel after Run All; forked MB = memory a cold page's "
          "forked kernel (and its launcher) hold on their own after the render, the rest shared with the fork "
          "server (one per Voila server).")
    print(f"{'notebook':28} {'cold s':>7} {'CPU s':>6} {'unforked s':>11} {'preheated s':>12} {'kernel MB':>10} "
          f"{'forked MB':>10}   targets: <= {TARGET_RENDER_S:g} s, <= {TARGET_KERNEL_MB:g} MB")
    for nb in notebooks:
        mb = kernel_mb(nb, home)
        seconds, cpu, own = cold[nb]
        flag = "" if seconds <= TARGET_RENDER_S and mb <= TARGET_KERNEL_MB else "   over target (cold)"
        w = f"{warm[nb]:12.2f}" if nb in warm else f"{'-':>12}"
        print(f"{nb.stem:28} {seconds:7.1f} {cpu:6.1f} {unforked[nb][0]:11.1f} {w} {mb:10.0f} {own:10.0f}{flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
