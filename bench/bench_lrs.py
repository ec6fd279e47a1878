"""Live learning records (issue 18): prints its figures.

Targets: 10,000 queued statements sent to the local LRS in under 10 s; recording an attempt (a widget's
submit) with the LRS down returns in under 50 ms. The LRS is the one the tests use (Ralph over BriskDB on
127.0.0.1, installed by `make bench` / `make test` into .venv/lrs). painkit's own side (read the outbox,
build the statements, POST, mark sent) is also timed against a bare HTTP sink that accepts and discards,
so a slow figure can be put where it belongs: painkit or the LRS's store. The sink runs in its own process,
as an LRS would: in painkit's process it would compete with the sender for the interpreter lock.
Run: .venv/bin/python bench/bench_lrs.py
"""
from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from painkit.progress import Attempt, ProgressStore
from painkit.progress import _lrs, _outbox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from lrs.server import PASSWORD, USERNAME, LocalLrs, available  # noqa: E402

N = 10_000
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None  # the LRS store in memory: measure painkit, not the disk
T0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)


def attempts(n: int) -> list[Attempt]:
    return [Attempt("lbp-chronic", ("mechanism", "plan")[i % 2], {"i": i, "choices": ["duloxetine", "cbt"]},
                    (i * 13) % 101, started=T0 + timedelta(minutes=i), finished=T0 + timedelta(minutes=i, seconds=50),
                    learner=f"bench-{i % 25}") for i in range(n)]


def _submits(store: ProgressStore) -> list[float]:
    """Milliseconds each of 200 back-to-back record() calls took (a widget's submit writes one attempt)."""
    times = []
    for a in attempts(200):
        t = time.perf_counter()
        store.record(a)
        times.append((time.perf_counter() - t) * 1000)
    return times


def _shown(times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[-1]
    return (f"median {statistics.median(times):.1f} ms, 95th percentile {p95:.1f} ms, max {max(times):.1f} ms "
            f"over {len(times)} attempts")


def submit_with_lrs_down(folder: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on: the LRS is down
        s.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{s.getsockname()[1]}/xAPI/"
    with ProgressStore(folder / "alone.sqlite", outbox=False) as store:
        alone = _submits(store)  # no LRS, no sender: what the machine's load alone does to a submit
    with ProgressStore(folder / "down.sqlite", outbox=True) as store:
        _lrs.attach(store, _outbox.LrsConfig(down, USERNAME, PASSWORD))
        times = _submits(store)
    _lrs.detach_all()
    print(f"submit with the LRS down: {_shown(times)} (target < 50 ms); with no LRS configured: {_shown(alone)}")


def send_queued(folder: Path) -> None:
    with LocalLrs(folder / "lrs") as lrs, ProgressStore(folder / "queued.sqlite", outbox=True) as store:
        store.record_many(attempts(N))
        t = time.perf_counter()
        result = _lrs.send_due(store, _outbox.LrsConfig(lrs.endpoint, USERNAME, PASSWORD, timeout=60))
        elapsed = time.perf_counter() - t
        assert result.sent == N and not result.error, result
    print(f"send {N:,} queued statements to the local LRS: {elapsed:.1f} s ({N / elapsed:,.0f}/s; target < 10 s)")


def serve_sink() -> None:
    """The bare HTTP sink (run as ``bench_lrs.py --sink``): answers each POST with its statement ids."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Sink(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            out = json.dumps([s["id"] for s in body]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def send_to_sink(folder: Path) -> None:
    sink = subprocess.Popen([sys.executable, __file__, "--sink"], stdout=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{int(sink.stdout.readline())}/xAPI/"
        with ProgressStore(folder / "sink.sqlite", outbox=True) as store:
            store.record_many(attempts(N))
            t = time.perf_counter()
            result = _lrs.send_due(store, _outbox.LrsConfig(url, USERNAME, PASSWORD))
            elapsed = time.perf_counter() - t
            assert result.sent == N and not result.error, result
    finally:
        sink.terminate()
        sink.wait()
    print(f"send {N:,} queued statements to a bare HTTP sink (painkit's side alone): {elapsed:.1f} s "
          f"({N / elapsed:,.0f}/s)")


def main() -> None:
    with tempfile.TemporaryDirectory(dir=SCRATCH) as tmp:
        submit_with_lrs_down(Path(tmp))
        send_to_sink(Path(tmp))
        if not available():
            print("the test LRS is not installed (make bench installs .venv/lrs): send figure skipped")
            return
        send_queued(Path(tmp))


if __name__ == "__main__":
    serve_sink() if sys.argv[1:] == ["--sink"] else main()
