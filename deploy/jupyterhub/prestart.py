"""Start the learner servers of a class list before a session, so nobody waits at the login page.

    PAINKIT_HUB_SERVICE_TOKEN=... python deploy/jupyterhub/prestart.py --hub https://hub.example.org class.txt

class.txt holds one hub user name per line (blank lines and lines starting with # are skipped). Users that do
not exist yet are created. Starts are requested together; when the hub answers 429 (its spawn limit,
jupyterhub_config.py) the request is repeated after the Retry-After the hub gives. Prints one line per
learner and exits 1 if any server did not start. Only the Python standard library is used, so the script
runs with the hub's own Python. The token is the painkit-facilitator service token of jupyterhub_config.py
(scopes admin:users, admin:servers, read:users).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional


class HubAPI:
    """The few calls of the JupyterHub REST API that starting a class needs."""

    def __init__(self, hub_url: str, token: str, timeout: float = 30):
        self.base = hub_url.rstrip("/") + "/hub/api"
        self.token = token
        self.timeout = timeout

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict, Any]:
        """One request; returns (status, headers, decoded JSON or None). HTTP errors are returned, not raised."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                status, headers, raw = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            status, headers, raw = e.code, dict(e.headers), e.read()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        return status, headers, payload

    def ensure_users(self, names: list[str]) -> None:
        """Create the users of the list that the hub does not know yet."""
        missing = [n for n in names if self.call("GET", f"/users/{n}")[0] == 404]
        if missing:
            status, _, payload = self.call("POST", "/users", {"usernames": missing})
            if status not in (201, 409):
                raise RuntimeError(f"creating {len(missing)} users: HTTP {status} {payload}")


@dataclass
class StartResult:
    name: str
    ok: bool
    seconds: float
    throttled: int = 0  # how many times the hub answered 429 (spawn limit reached) before accepting
    error: str = ""


def start_server(api: HubAPI, name: str, timeout: float = 600, poll: float = 2.0) -> StartResult:
    """Request ``name``'s default server and wait until the hub reports it ready (or failed, or timed out)."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    throttled = 0

    def result(ok: bool, error: str = "") -> StartResult:
        return StartResult(name, ok, time.monotonic() - t0, throttled, error)

    while True:
        try:
            status, headers, payload = api.call("POST", f"/users/{name}/server")
        except OSError as exc:  # the hub is too busy to answer in time: ask again
            status, headers, payload = 0, {}, {"message": str(exc)}
        if status in (201, 202, 400):  # started, pending, or already running
            break
        if status in (0, 429) and time.monotonic() < deadline:
            throttled += status == 429
            time.sleep(min(float(headers.get("Retry-After", 5)), max(0.0, deadline - time.monotonic())))
            continue
        return result(False, f"HTTP {status}: {(payload or {}).get('message', '')}"[:200])
    while time.monotonic() < deadline:
        try:
            status, _, user = api.call("GET", f"/users/{name}")
        except OSError:
            time.sleep(poll)
            continue
        server = (user or {}).get("servers", {}).get("")
        if server and server.get("ready"):
            return result(True)
        if status == 200 and not server and not (user or {}).get("pending"):
            return result(False, "the spawn failed (see the hub log)")
        time.sleep(poll)
    return result(False, f"not ready after {timeout:.0f} s")


def start_class(api: HubAPI, names: list[str], timeout: float = 600,
                on_result: Optional[Any] = None) -> list[StartResult]:
    """Start every learner's server at once (the hub's spawn limit paces them); results in list order."""
    api.ensure_users(names)
    results: dict[str, StartResult] = {}

    def one(name: str) -> None:
        results[name] = start_server(api, name, timeout)
        if on_result:
            on_result(results[name])

    threads = [threading.Thread(target=one, args=(n,), daemon=True) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 60)
    return [results.get(n, StartResult(n, False, timeout, 0, "no answer")) for n in names]


def read_class_list(path: Path) -> list[str]:
    """User names, one a line; blank lines and # comments skipped, duplicates dropped."""
    names = [ln.strip() for ln in path.read_text().splitlines()]
    return list(dict.fromkeys(n for n in names if n and not n.startswith("#")))


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("class_list", type=Path, help="file with one hub user name per line")
    ap.add_argument("--hub", default=os.environ.get("PAINKIT_HUB_URL", "http://127.0.0.1:8000"),
                    help="the hub's public address (default: $PAINKIT_HUB_URL or http://127.0.0.1:8000)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds to wait for each server (default 600)")
    args = ap.parse_args(argv)
    token = os.environ.get("PAINKIT_HUB_SERVICE_TOKEN") or os.environ.get("JUPYTERHUB_API_TOKEN")
    if not token:
        print("Set PAINKIT_HUB_SERVICE_TOKEN to the hub's painkit-facilitator service token.", file=sys.stderr)
        return 2
    names = read_class_list(args.class_list)
    if not names:
        print(f"{args.class_list}: no user names found (one a line)", file=sys.stderr)
        return 2

    def show(r: StartResult) -> None:
        print(f"{r.name:24s} {'ready' if r.ok else 'FAILED'} after {r.seconds:5.1f} s"
              + (f" ({r.throttled} x asked to retry)" if r.throttled else "") + (f": {r.error}" if r.error else ""),
              flush=True)

    results = start_class(HubAPI(args.hub, token), names, args.timeout, on_result=show)
    failed = [r.name for r in results if not r.ok]
    print(f"{len(results) - len(failed)} of {len(results)} servers ready"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
