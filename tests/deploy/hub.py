"""A real JupyterHub on 127.0.0.1 for tests: start it from deploy/jupyterhub/jupyterhub_config.py, log
learners in and run code in their kernels through the Hub's proxy (servers are started with the facilitator's
deploy/jupyterhub/prestart.py, as on a real hub)."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"


def find_chp() -> str | None:
    local = ROOT / ".venv" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
    return str(local) if local.exists() else shutil.which("configurable-http-proxy")


class Hub:
    def __init__(self, workdir: Path, port: int, api_port: int, cases: Path, class_dir: Path,
                 settings: dict[str, str] | None = None):
        self.url = f"http://127.0.0.1:{port}"
        self.token = uuid.uuid4().hex
        self.state = workdir / "state"
        self.state.mkdir(parents=True)
        self.env = dict(
            os.environ, PAINKIT_HUB_IP="127.0.0.1", PAINKIT_HUB_PORT=str(port), PAINKIT_HUB_API_PORT=str(api_port),
            PAINKIT_HUB_STATE=str(self.state), PAINKIT_HUB_SPAWNER="simple", PAINKIT_HUB_AUTH="dummy",
            PAINKIT_HUB_HOMES=str(workdir / "homes"), PAINKIT_CASES=str(cases), PAINKIT_CLASS_DIR=str(class_dir),
            PAINKIT_HUB_SERVICE_TOKEN=self.token, PAINKIT_CHP=find_chp() or "configurable-http-proxy",
        )
        self.env.update(settings or {})  # PAINKIT_HUB_* sizing settings of jupyterhub_config.py
        self.env.pop("PAINKIT_HOME", None)  # each learner's own ~/.painkit
        self.log = open(workdir / "hub.log", "w")
        with socket.socket() as s:  # the proxy's API on a free port: another hub on this machine may hold 8001
            s.bind(("127.0.0.1", 0))
            proxy_api = f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{s.getsockname()[1]}"
        self.proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG), proxy_api], cwd=self.state,
                                     env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"token {self.token}"
        self._wait(lambda: self.api.get(f"{self.url}/hub/api/").ok, 60, "hub API")

    def _wait(self, ready, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterHub exited ({self.proc.returncode}) while waiting for {what}")
            try:
                if ready():
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{what} not ready within {timeout:.0f} s")

    def login(self, name: str) -> requests.Session:
        """Log in through the Hub's login form (the dummy authenticator accepts any password)."""
        s = requests.Session()
        s.get(f"{self.url}/hub/login")
        r = s.post(f"{self.url}/hub/login?next=", data={"username": name, "password": "workshop",
                                                         "_xsrf": s.cookies.get("_xsrf", "")}, allow_redirects=False)
        if r.status_code not in (200, 302):
            raise RuntimeError(f"login of {name} failed: HTTP {r.status_code}")
        return s

    def run_code(self, name: str, cells: list[str], timeout: float = 120) -> list[str]:
        """Start a kernel in the learner's server, run each cell in order, return stdout; raise on error."""
        kernel = Kernel(self, name, timeout)
        try:
            return [text for code in cells for text in kernel.execute(code)]
        finally:
            kernel.shutdown()

    def stop(self, graceful: bool = True) -> None:
        """Stop the learners' servers one by one through the API (graceful), then the hub. Without graceful the
        hub alone is told to stop: it stops every server at once (a pending start takes ~20 s to interrupt)."""
        running = graceful and self.proc.poll() is None
        for user in self.api.get(f"{self.url}/hub/api/users").json() if running else []:
            self.api.delete(f"{self.url}/hub/api/users/{user['name']}/server")
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class KernelLost(RuntimeError):
    """The kernel died or restarted under the learner (not an error in the learner's code)."""


class Kernel:
    """A kernel in a learner's server, driven as JupyterLab does: REST to start it, the websocket to run code."""

    def __init__(self, hub: Hub, name: str, timeout: float = 120):
        import websocket

        self.hub, self.name = hub, name
        self.base = f"{hub.url}/user/{name}/api"
        r = hub.api.post(f"{self.base}/kernels", json={"name": "python3"}, timeout=timeout)
        if r.status_code != 201:
            raise KernelLost(f"{name}: starting a kernel: HTTP {r.status_code} {r.text[:200]}")
        self.id = r.json()["id"]
        self.session = uuid.uuid4().hex
        self.ws = websocket.create_connection(f"ws://{self.base.split('://', 1)[1]}/kernels/{self.id}/channels",
                                              header=[f"Authorization: token {hub.token}"], timeout=timeout)

    def execute(self, code: str) -> list[str]:
        """Run one cell; return its stdout. Raises RuntimeError for an error in the code, KernelLost when the
        kernel restarts or dies meanwhile."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.name, "session": self.session,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": False,
                        "user_expressions": {}, "allow_stdin": False}}))
        out: list[str] = []
        while True:
            reply = json.loads(self.ws.recv())
            kind, content = reply.get("msg_type"), reply.get("content", {})
            if kind == "status" and content.get("execution_state") in ("restarting", "dead"):
                raise KernelLost(f"{self.name}: kernel {content['execution_state']}")
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                raise RuntimeError(f"{self.name}: {content['ename']}: {content['evalue']}")
            elif kind == "status" and content.get("execution_state") == "idle":
                return out  # iopub idle comes after every output of this request (execute_reply may not)

    def state(self) -> str:
        """The server's view of the kernel: idle, busy, starting, dead, or missing (the server lost it)."""
        r = self.hub.api.get(f"{self.base}/kernels/{self.id}", timeout=30)
        return r.json().get("execution_state", "unknown") if r.ok else "missing"

    def shutdown(self) -> None:
        self.ws.close()
        self.hub.api.delete(f"{self.base}/kernels/{self.id}")


def prestart_module():
    """The facilitator's command that starts a class list (deploy/jupyterhub/prestart.py), loaded once."""
    import importlib.util

    if "prestart" not in sys.modules:
        spec = importlib.util.spec_from_file_location("prestart", ROOT / "deploy" / "jupyterhub" / "prestart.py")
        module = sys.modules["prestart"] = importlib.util.module_from_spec(spec)  # dataclasses look it up
        spec.loader.exec_module(module)
    return sys.modules["prestart"]
