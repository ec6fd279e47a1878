"""A real JupyterHub on 127.0.0.1 for tests: start it from deploy/jupyterhub/jupyterhub_config.py, log
learners in, start their servers and run code in their kernels through the Hub's proxy."""
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

    def start_server(self, name: str, timeout: float = 90) -> None:
        r = self.api.post(f"{self.url}/hub/api/users/{name}/server")
        if r.status_code not in (201, 202, 400):  # 400: already running
            raise RuntimeError(f"starting {name}'s server: HTTP {r.status_code} {r.text}")

        def ready() -> bool:
            servers = self.api.get(f"{self.url}/hub/api/users/{name}").json().get("servers", {})
            return bool(servers.get("", {}).get("ready"))

        self._wait(ready, timeout, f"{name}'s server")

    def run_code(self, name: str, cells: list[str], timeout: float = 120) -> list[str]:
        """Start a kernel in the learner's server, run each cell in order, return stdout; raise on error."""
        import websocket

        base = f"{self.url}/user/{name}/api"
        kernel = self.api.post(f"{base}/kernels", json={"name": "python3"}).json()["id"]
        ws = websocket.create_connection(f"ws://{base.split('://', 1)[1]}/kernels/{kernel}/channels",
                                         header=[f"Authorization: token {self.token}"], timeout=timeout)
        out: list[str] = []
        try:
            for code in cells:
                msg_id = uuid.uuid4().hex
                ws.send(json.dumps({
                    "header": {"msg_id": msg_id, "username": name, "session": uuid.uuid4().hex,
                               "msg_type": "execute_request", "version": "5.3"},
                    "parent_header": {}, "metadata": {}, "channel": "shell",
                    "content": {"code": code, "silent": False, "store_history": False,
                                "user_expressions": {}, "allow_stdin": False}}))
                while True:
                    reply = json.loads(ws.recv())
                    if reply.get("parent_header", {}).get("msg_id") != msg_id:
                        continue
                    kind, content = reply["msg_type"], reply["content"]
                    if kind == "stream":
                        out.append(content["text"])
                    elif kind == "error":
                        raise RuntimeError(f"{name}: {content['ename']}: {content['evalue']}")
                    elif kind == "status" and content.get("execution_state") == "idle":
                        break  # iopub idle comes after every output of this request (execute_reply may not)
        finally:
            ws.close()
            self.api.delete(f"{base}/kernels/{kernel}")
        return out

    def stop(self) -> None:
        for user in self.api.get(f"{self.url}/hub/api/users").json() if self.proc.poll() is None else []:
            self.api.delete(f"{self.url}/hub/api/users/{user['name']}/server")
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
