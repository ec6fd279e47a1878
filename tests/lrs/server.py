"""A real learning record store on 127.0.0.1 for the LRS tests and bench: Ralph over BriskDB.

``make test`` installs it into ``.venv/lrs`` from tests/lrs/requirements.txt. ``LocalLrs(folder)`` starts
the store (BriskDB's MongoDB listener, data kept in ``folder``) and Ralph (uvicorn, the ``mongo``
backend, one Basic-auth user), and can stop and restart Ralph alone (the store keeps what it has) or
both. ``statements(...)`` reads them back with ``GET /xAPI/statements``, following ``more`` links.
Why this set-up: notes in docs/progress.md, "Live learning records".
"""
from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
LRS_VENV = Path(os.environ.get("PAINKIT_TEST_LRS_VENV", ROOT / ".venv" / "lrs"))
PYTHON = LRS_VENV / "bin" / "python"
USERNAME, PASSWORD = "painkit-test", "not-a-secret-loopback-only"


def available() -> bool:
    """Whether the LRS venv is installed (``make test`` installs it)."""
    return (LRS_VENV / ".installed").is_file()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, timeout: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"LRS process exited with {proc.returncode}; see its log")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"LRS did not answer {url} within {timeout:.0f} s")


def _end(proc: Optional[subprocess.Popen]) -> None:
    """Terminate a process that is still running; kill it if it has not stopped within 10 s."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class LocalLrs:
    """Ralph + BriskDB on loopback ports; ``endpoint`` is the xAPI base address (ends in /xAPI/)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.db_port, self.port = _free_port(), _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}/xAPI/"
        self._db: Optional[subprocess.Popen] = None
        self._ralph: Optional[subprocess.Popen] = None
        self.env = {**os.environ, "RALPH_APP_DIR": str(self.folder / "ralph"),
                    "RALPH_AUTH_FILE": str(self.folder / "ralph" / "auth.json"),
                    "RALPH_RUNSERVER_BACKEND": "mongo",
                    "RALPH_BACKENDS__LRS__MONGO__CONNECTION_URI": f"mongodb://127.0.0.1:{self.db_port}",
                    "RALPH_BACKENDS__LRS__MONGO__DEFAULT_DATABASE": "xapi",
                    "RALPH_BACKENDS__LRS__MONGO__DEFAULT_COLLECTION": "statements",
                    # BriskDB refuses very large write batches; Ralph splits each POST into chunks this big
                    "RALPH_BACKENDS__LRS__MONGO__WRITE_CHUNK_SIZE": "100"}
        for key in ("PAINKIT_LRS_ENDPOINT", "PAINKIT_LRS_USERNAME", "PAINKIT_LRS_PASSWORD"):
            self.env.pop(key, None)

    # ------------------------------------------------------------------------------------ processes
    def _log(self, name: str):
        return open(self.folder / f"{name}.log", "ab")

    def start(self) -> "LocalLrs":
        """Start the store (if not running), write the auth file once, then start Ralph."""
        if self._db is None or self._db.poll() is not None:
            self._db = subprocess.Popen([str(PYTHON), str(Path(__file__).with_name("serve_store.py")),
                                         str(self.folder / "data"), str(self.db_port)],
                                        stdout=subprocess.PIPE, stderr=self._log("store"), env=self.env)
            line = self._db.stdout.readline().decode()
            if not line.startswith("ready"):
                raise RuntimeError(f"BriskDB did not start: {line!r}; see {self.folder / 'store.log'}")
        auth = self.folder / "ralph" / "auth.json"
        if not auth.is_file():
            auth.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([str(LRS_VENV / "bin" / "ralph"), "auth", "-u", USERNAME, "-p", PASSWORD, "-s", "all",
                            "-M", "mailto:painkit-test@example.org", "-w"], env=self.env, check=True,
                           stdout=subprocess.DEVNULL, stderr=self._log("auth"))
        self.start_ralph()
        return self

    def start_ralph(self) -> None:
        self._ralph = subprocess.Popen([str(PYTHON), "-m", "uvicorn", "ralph.api:app", "--host", "127.0.0.1",
                                        "--port", str(self.port), "--log-level", "warning"],
                                       stdout=self._log("ralph"), stderr=subprocess.STDOUT, env=self.env)
        _wait(f"http://127.0.0.1:{self.port}/__lbheartbeat__", 60, self._ralph)

    def stop_ralph(self) -> None:
        """Stop the LRS's HTTP server (the store keeps its data): an LRS that is down."""
        _end(self._ralph)
        self._ralph = None

    def stop(self) -> None:
        self.stop_ralph()
        _end(self._db)
        self._db = None

    def __enter__(self) -> "LocalLrs":
        try:
            return self.start()
        except BaseException:
            self.stop()  # a half-started LRS leaves no process behind
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------ reading
    def _get(self, url: str) -> dict:
        token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        req = urllib.request.Request(url, headers={"Authorization": f"Basic {token}",
                                                   "X-Experience-API-Version": "1.0.3"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def statements(self, **params: str) -> list[dict]:
        """Every statement matching the xAPI query parameters (``agent`` as a dict is JSON-encoded)."""
        query = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
        query.setdefault("limit", "500")
        url = f"{self.endpoint}statements?{urllib.parse.urlencode(query)}"
        found: list[dict] = []
        while url:
            page = self._get(url)
            found += page["statements"]
            more = page.get("more")
            url = f"http://127.0.0.1:{self.port}{more}" if more else ""
        return found


if __name__ == "__main__":  # manual use: python tests/lrs/server.py FOLDER  (Ctrl-C stops)
    with LocalLrs(Path(sys.argv[1])) as lrs:
        print("LRS at", lrs.endpoint, "user", USERNAME, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
