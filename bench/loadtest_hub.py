"""Load test: N learners log in together on one JupyterHub (the shipped deploy/jupyterhub config, on 127.0.0.1)
and work through notebooks 03 and 05; prints the sizing table that docs/deploy.md is written from.

    make loadtest N=30          (or: .venv/bin/python bench/loadtest_hub.py --learners 30)

Every learner, in its own thread and all at the same moment: logs in through the hub's login form, asks for
its server (retrying when the hub's spawn limit answers 429, as a learner reloading the page would), then
opens a kernel for 03_mechanisms and runs every code cell (Run All), opens a second kernel for
05_trajectories and does the same, and finally clicks the trajectory explorer's Run button and chart menu.
Both kernels stay open (two notebook tabs), so the memory column is a learner with two notebooks open.

Bounded: at most 60 learners and --timeout seconds in all (default 1500); loopback only. Everything it starts
(hub, proxy, idle culler, learner servers, kernels) is stopped at the end, on failure and on Ctrl-C too.
Exit status 0 only with every server up, no kernel lost and no failure.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "deploy" / "jupyterhub")]
from prestart import HubAPI, start_server  # noqa: E402  (deploy/jupyterhub/prestart.py)
from tests.deploy.hub import Hub, Kernel, KernelLost, find_chp  # noqa: E402

MAX_LEARNERS = 60
NOTEBOOKS = ("03_mechanisms", "05_trajectories")
# A representative click: the trajectory explorer's Run (simulate 1000 patients, draw two charts), then its
# chart menu (draw again) - the widget work a learner waits for most in the day.
CLICK_SETUP = "ex = TrajectoryExplorer('lbp-chronic')"
CLICKS = ("ex.run_button.click(); assert ex.frame is not None", "ex.measure.value = 'function'",
          "ex.run_button.click(); assert ex.frame is not None")


@dataclass
class Learner:
    name: str
    started: bool = False
    start_s: float = 0.0
    throttled: int = 0
    run_all: dict = field(default_factory=dict)  # notebook -> seconds
    clicks: list = field(default_factory=list)  # seconds per click
    kernels: list = field(default_factory=list)
    lost: list = field(default_factory=list)  # kernels that died, restarted or never started
    failures: list = field(default_factory=list)
    done: bool = False


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def code_cells(notebook: str) -> list[str]:
    nb = nbformat.read(ROOT / "notebooks" / f"{notebook}.ipynb", as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def learn(hub: Hub, api: HubAPI, who: Learner, cells: dict, deadline: float) -> None:
    """One learner's session; every problem is recorded on ``who``, never raised."""
    try:
        hub.login(who.name)
        r = start_server(api, who.name, timeout=max(10.0, deadline - time.monotonic()))
        who.started, who.start_s, who.throttled = r.ok, r.seconds, r.throttled
        if not r.ok:
            who.failures.append(f"start: {r.error}")
            return
        for nb in NOTEBOOKS:
            try:
                k = Kernel(hub, who.name, timeout=600)
            except Exception as exc:  # noqa: BLE001 - a kernel that never starts is a lost kernel
                who.lost.append(f"{nb}: {exc}"[:200])
                return
            who.kernels.append(k)
            k.execute("import os; os.chdir(os.path.expanduser('~'))")
            t0 = time.monotonic()
            for code in cells[nb]:
                k.execute(code)
            who.run_all[nb] = time.monotonic() - t0
        k.execute(CLICK_SETUP)
        for code in CLICKS:
            t0 = time.monotonic()
            k.execute(code)
            who.clicks.append(time.monotonic() - t0)
        who.done = True
    except KernelLost as exc:
        who.lost.append(str(exc)[:200])
    except Exception as exc:  # noqa: BLE001 - reported in the table
        who.failures.append(f"{type(exc).__name__}: {exc}"[:200])


def memory_by_learner(hub_pid: int) -> tuple[dict, float]:
    """RSS and PSS (MB) and CPU-seconds of each learner's server with its kernels; RSS of the hub and proxy."""
    per: dict = {}
    hub_mb = 0.0
    for p in [psutil.Process(hub_pid), *psutil.Process(hub_pid).children()]:
        try:
            cmd = " ".join(p.cmdline())
            if "jupyterhub-singleuser" not in cmd:
                hub_mb += p.memory_info().rss / 2**20 if "idle_culler" not in cmd else 0
                continue
            user = p.environ().get("JUPYTERHUB_USER", str(p.pid))
            procs = [p, *p.children(recursive=True)]
            rss = sum(q.memory_info().rss for q in procs) / 2**20
            pss = sum(q.memory_full_info().pss for q in procs) / 2**20
            cpu = sum(sum(q.cpu_times()[:2]) for q in procs)  # user + system CPU-seconds since each started
            per[user] = {"rss": rss, "pss": pss, "server": p.memory_info().rss / 2**20, "kernels": len(procs) - 1,
                         "cpu_s": cpu}
        except psutil.Error:
            continue
    return per, hub_mb


def pct(values: list, q: float) -> float:
    """Nearest-rank percentile (q in 0-100); nan for no values."""
    if not values:
        return float("nan")
    v = sorted(values)
    return v[max(0, min(len(v) - 1, int(round(q / 100 * len(v) + 0.5)) - 1))]


class LoadSampler(threading.Thread):
    """The machine's 1-minute load average every 5 s while the test runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(5):
            self.samples.append(os.getloadavg()[0])


def report(n: int, learners: list, mem: dict, hub_mb: float, load_before: float, loads: list, wall: float,
           port_races: int, settings: dict) -> dict:
    starts = [w.start_s for w in learners if w.started]
    mem_rss = [m["rss"] for m in mem.values()]
    mem_pss = [m["pss"] for m in mem.values()]
    row = {
        "learners": n, "servers_up": sum(w.started for w in learners),
        "failed_starts": sum(not w.started for w in learners),
        "lost_kernels": sum(len(w.lost) for w in learners),
        "failures": sum(len(w.failures) for w in learners if w.started),
        "start_p50_s": pct(starts, 50), "start_max_s": max(starts, default=float("nan")),
        "throttled": sum(w.throttled for w in learners),
        **{f"run_all_{nb[:2]}_p50_s": pct([w.run_all[nb] for w in learners if nb in w.run_all], 50)
           for nb in NOTEBOOKS},
        **{f"run_all_{nb[:2]}_p95_s": pct([w.run_all[nb] for w in learners if nb in w.run_all], 95)
           for nb in NOTEBOOKS},
        "click_p50_s": pct([c for w in learners for c in w.clicks], 50),
        "click_p95_s": pct([c for w in learners for c in w.clicks], 95),
        "mem_rss_p50_mb": pct(mem_rss, 50), "mem_rss_max_mb": max(mem_rss, default=float("nan")),
        "mem_pss_p50_mb": pct(mem_pss, 50), "hub_proxy_mb": hub_mb,
        "cpu_s_per_learner_p50": pct([m["cpu_s"] for m in mem.values()], 50),
        "cpu_s_all_learners": sum(m["cpu_s"] for m in mem.values()),
        "server_rss_p50_mb": pct([m["server"] for m in mem.values()], 50),
        "kernel_rss_p50_mb": pct([(m["rss"] - m["server"]) / max(1, m["kernels"]) for m in mem.values()], 50),
        "load1_before": load_before, "load1_mean": statistics.fmean(loads) if loads else float("nan"),
        "load1_max": max(loads, default=float("nan")), "wall_s": wall, "port_races": port_races,
        "cores": os.cpu_count(), "settings": settings,
    }
    lines = [
        f"painkit hub load test: {n} learners logging in together, notebooks 03 + 05 (Run All), 127.0.0.1",
        f"| servers up | failed starts | lost kernels | failures | start p50 / max | "
        f"Run All 03 p50 / p95 | Run All 05 p50 / p95 | widget click p50 / p95 | memory per learner "
        f"RSS p50 / max (PSS p50) | load avg (1 min) before / mean / max |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {row['servers_up']}/{n} | {row['failed_starts']} | {row['lost_kernels']} | {row['failures']} | "
        f"{row['start_p50_s']:.0f} / {row['start_max_s']:.0f} s | "
        f"{row['run_all_03_p50_s']:.0f} / {row['run_all_03_p95_s']:.0f} s | "
        f"{row['run_all_05_p50_s']:.0f} / {row['run_all_05_p95_s']:.0f} s | "
        f"{row['click_p50_s']:.2f} / {row['click_p95_s']:.2f} s | "
        f"{row['mem_rss_p50_mb']:.0f} / {row['mem_rss_max_mb']:.0f} MB ({row['mem_pss_p50_mb']:.0f} MB) | "
        f"{load_before:.1f} / {row['load1_mean']:.1f} / {row['load1_max']:.1f} |",
        f"of which server {row['server_rss_p50_mb']:.0f} MB + kernels {row['kernel_rss_p50_mb']:.0f} MB each "
        f"(RSS p50); hub + proxy {hub_mb:.0f} MB; {row['throttled']} start requests asked to retry (spawn limit); "
        f"CPU per learner (server + kernels) p50 {row['cpu_s_per_learner_p50']:.0f} s, all learners "
        f"{row['cpu_s_all_learners']:.0f} s; 'Address already in use' in the logs: {port_races}; {os.cpu_count()} cores; wall {wall:.0f} s",
        "settings: " + ", ".join(f"{k}={v}" for k, v in settings.items()),
    ]
    problems = [f"  {w.name}: {p}" for w in learners for p in [*w.failures, *w.lost]]
    print("\n".join(lines + (["problems:"] + problems[:40] if problems else [])), flush=True)
    return row


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--learners", "-n", type=int, default=30)
    ap.add_argument("--timeout", type=float, default=1500, help="seconds for the whole test (default 1500)")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (hub log, homes) afterwards")
    args = ap.parse_args(argv)
    if not 1 <= args.learners <= MAX_LEARNERS:
        ap.error(f"--learners must be between 1 and {MAX_LEARNERS}")
    chp = find_chp()
    if not chp:
        print("configurable-http-proxy not found: `make loadtest` installs it into .venv/node", file=sys.stderr)
        return 2

    def interrupted(signum, _frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the clean-up below must not be interrupted
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    work = Path(tempfile.mkdtemp(prefix="pk-loadtest-"))
    runtime = Path(f"/tmp/pkrt-{uuid.uuid4().hex[:8]}")  # short: kernel socket paths stay under 107 bytes
    (work / "cases").mkdir()
    for f in (ROOT / "cases").glob("*.yaml"):
        shutil.copy(f, work / "cases")
    (work / "class").mkdir()
    settings = {"PAINKIT_HUB_RUNTIME": str(runtime)}
    cells = {nb: code_cells(nb) for nb in NOTEBOOKS}
    learners = [Learner(f"learner{i:02d}") for i in range(1, args.learners + 1)]
    load_before = os.getloadavg()[0]
    sampler = LoadSampler()
    hub = None
    procs: list = []
    ok = False
    t0 = time.monotonic()
    deadline = t0 + args.timeout
    try:
        hub = Hub(work, _port(), _port(), work / "cases", work / "class", settings=settings)
        print(f"hub up at {hub.url} (work folder {work}); {args.learners} learners log in together", flush=True)
        sampler.start()
        api = HubAPI(hub.url, hub.token, timeout=60)
        threads = [threading.Thread(target=learn, args=(hub, api, w, cells, deadline), daemon=True)
                   for w in learners]
        random.shuffle(threads)
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        wall = time.monotonic() - t0
        for w in learners:
            if w.started and not w.done and not w.lost and not w.failures:
                w.failures.append(f"not finished within --timeout {args.timeout:.0f} s")
            for k in w.kernels:  # a kernel the server no longer knows or reports dead was lost
                state = k.state()
                if state in ("dead", "missing"):
                    w.lost.append(f"kernel {k.id[:8]} {state} at the end")
        procs = psutil.Process(hub.proc.pid).children(recursive=True)
        mem, hub_mb = memory_by_learner(hub.proc.pid)
        sampler.stopped.set()
        log = (work / "hub.log").read_text(errors="replace")
        port_races = len(re.findall("Address already in use", log))
        effective = {"http_timeout": os.environ.get("PAINKIT_HUB_HTTP_TIMEOUT", "300 (config default)"),
                     "spawn_limit": os.environ.get("PAINKIT_HUB_SPAWN_LIMIT", "30 (config default)"),
                     "kernel transport": "ipc", "kernel_info_timeout": "180"}
        row = report(args.learners, learners, mem, hub_mb, load_before, sampler.samples, wall, port_races,
                     effective)
        if args.json:
            args.json.write_text(json.dumps(row, indent=1))
        ok = row["failed_starts"] == row["lost_kernels"] == row["failures"] == 0
    except KeyboardInterrupt as exc:
        print(f"interrupted ({exc}); stopping everything", file=sys.stderr)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        sampler.stopped.set()
        if hub is not None:
            try:
                procs = procs or psutil.Process(hub.proc.pid).children(recursive=True)
            except psutil.Error:
                pass
            try:
                hub.stop(graceful=False)
            except Exception as exc:  # noqa: BLE001 - whatever happened, the processes below are killed
                print(f"stopping the hub: {exc}", file=sys.stderr)
            for p in procs:  # servers and kernels the hub did not stop
                try:
                    p.kill()
                except psutil.Error:
                    pass
            psutil.wait_procs(procs, timeout=10)
        shutil.rmtree(runtime, ignore_errors=True)
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work folder kept: {work} (hub.log)", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
