"""make app's kernels forked from a prepared process (deploy/voila/forkserver.py with the launcher
deploy/voila/kernels/python3/app_kernel.py): a forked kernel must be the kernel an ordinary start gives (same
folder, environment, import path, pandas display options, widget comms), answer Jupyter's interrupt and
shutdown, end with its launcher, draw its own random numbers, and a page must still get a kernel when the
server is absent or refuses."""
from __future__ import annotations

import json
import os
import runpy
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork server is Linux only")

VOILA = Path(__file__).resolve().parents[1] / "deploy" / "voila"
FORKSERVER = VOILA / "forkserver.py"

PROBE = """
import json, os, sys, random, warnings
warnings.simplefilter("ignore")  # pandas warns about options it will drop: the same in both kernels
import numpy, pandas, ipywidgets, helper_mod
from pandas._config import config as _pandas_config
_shell = get_ipython()
print(json.dumps({
    "cwd": os.getcwd(), "env": os.environ.get("PAINKIT_PROBE"), "helper": helper_mod.VALUE,
    "argv": sys.argv[1:], "path": sys.path, "debugger": sys.modules.get("debugpy") is not None,
    "pandas": {k: repr(pandas.get_option(k)) for k in sorted(_pandas_config._registered_options)},
    "comm targets": sorted(t for t in _shell.kernel.comm_manager.targets if t.startswith("jupyter.widget")),
    "pid": os.getpid(), "ppid": os.getppid(), "numpy draw": numpy.random.random(), "draw": random.random(),
}))
"""


@pytest.fixture(scope="module")
def forkserver(tmp_path_factory):
    """A running fork server; yields (its process, its socket path)."""
    path = str(tmp_path_factory.mktemp("fork") / "socket")
    server = subprocess.Popen([sys.executable, str(FORKSERVER), path], stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not os.path.exists(path):  # the socket appears once everything is imported
        assert server.poll() is None, "the fork server ended while starting"
        assert time.monotonic() < deadline, "the fork server did not start"
        time.sleep(0.1)
    yield server, path
    server.terminate()
    server.wait(10)
    assert not os.path.exists(path)  # it removes its socket when it ends


def start_kernel(folder: Path, server_path: str | None):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    folder.mkdir(exist_ok=True)
    (folder / "helper_mod.py").write_text("VALUE = 42\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAINKIT_KERNEL_FORK")}
    env["PAINKIT_PROBE"] = "seen"
    if server_path is not None:
        env["PAINKIT_KERNEL_FORKSERVER"] = server_path
    km = KernelManager(kernel_name="python3",
                       kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(VOILA / "kernels")]))
    km.start_kernel(cwd=str(folder), env=env)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return km, kc


def run(kc, code: str, timeout: float = 60) -> tuple[dict, str]:
    out: list[str] = []
    reply = kc.execute_interactive(
        code, timeout=timeout,
        output_hook=lambda m: out.append(m["content"]["text"])
        if m["msg_type"] == "stream" and m["content"]["name"] == "stdout" else None)
    return reply["content"], "".join(out)


def probe(kc) -> dict:
    reply, out = run(kc, PROBE)
    assert reply["status"] == "ok", reply
    return json.loads(out)


def stop(km, kc) -> None:
    kc.stop_channels()
    if km.has_kernel:
        km.shutdown_kernel(now=True)


def gone(pid: int, within: float = 10) -> bool:
    """Whether process ``pid`` has ended (looked at until ``within`` seconds have passed)."""
    deadline = time.monotonic() + within
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def test_a_forked_kernel_is_the_kernel_an_ordinary_start_gives(forkserver, tmp_path):
    server, path = forkserver
    forked = start_kernel(tmp_path / "a", path)
    ordinary = start_kernel(tmp_path / "b", None)
    try:
        seen_forked, seen_ordinary = probe(forked[1]), probe(ordinary[1])
        launcher = forked[0].provisioner.process.pid
        assert seen_forked["ppid"] == server.pid and seen_forked["pid"] != launcher  # really forked
        assert seen_ordinary["pid"] == ordinary[0].provisioner.process.pid  # really not
        assert seen_forked["cwd"] == str(tmp_path / "a") and seen_ordinary["cwd"] == str(tmp_path / "b")
        for key in ("env", "helper", "argv", "path", "debugger", "pandas", "comm targets"):
            if key == "argv":  # the connection file differs: the options around it must not
                assert [a for a in seen_forked[key] if not a.endswith(".json")] == \
                       [a for a in seen_ordinary[key] if not a.endswith(".json")]
            else:
                assert seen_forked[key] == seen_ordinary[key], key
        assert seen_forked["pandas"]["display.max_columns"] == "20"  # pandas's default inside a kernel
        assert seen_forked["comm targets"] == ["jupyter.widget", "jupyter.widget.control"]
        assert seen_forked["env"] == "seen" and seen_forked["debugger"] is False
    finally:
        stop(*forked)
        stop(*ordinary)


def test_two_forked_kernels_draw_their_own_random_numbers(forkserver, tmp_path):
    first, second = start_kernel(tmp_path / "a", forkserver[1]), start_kernel(tmp_path / "b", forkserver[1])
    try:
        one, two = probe(first[1]), probe(second[1])
        assert one["ppid"] == two["ppid"] == forkserver[0].pid
        assert one["numpy draw"] != two["numpy draw"] and one["draw"] != two["draw"]
    finally:
        stop(*first)
        stop(*second)


def test_interrupt_reaches_the_forked_kernel_and_shutdown_ends_it(forkserver, tmp_path):
    km, kc = start_kernel(tmp_path, forkserver[1])
    try:
        kernel_pid = probe(kc)["pid"]
        msg_id = kc.execute("import time; print('sleeping', flush=True); time.sleep(60)")
        while True:  # interrupt the sleep itself, not the kernel's own work before it
            message = kc.get_iopub_msg(timeout=20)
            if message["msg_type"] == "stream" and "sleeping" in message["content"]["text"]:
                break
        km.interrupt_kernel()  # Jupyter signals the launcher, which passes it on
        reply = kc.get_shell_msg(timeout=20)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = kc.get_shell_msg(timeout=20)
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
        assert run(kc, "print(6 * 7)")[1].strip() == "42"  # still alive after the interrupt
        launcher = km.provisioner.process
        kc.stop_channels()
        km.shutdown_kernel(now=False)  # a shutdown request: the kernel ends, then its launcher
        assert gone(kernel_pid)
        assert launcher.poll() is not None
    finally:
        stop(km, kc)


def test_the_forked_kernel_ends_when_its_launcher_is_killed_even_while_busy(forkserver, tmp_path):
    km, kc = start_kernel(tmp_path, forkserver[1])
    kernel_pid = probe(kc)["pid"]
    try:
        # a cell that holds the interpreter (a catastrophic regular expression): no Python thread of the
        # kernel can act, so the server must end it
        kc.execute("import re, time; print('busy', flush=True); time.sleep(0.5); re.match(r'(a+)+$', 'a' * 40 + 'b')")
        while True:
            message = kc.get_iopub_msg(timeout=20)
            if message["msg_type"] == "stream" and "busy" in message["content"]["text"]:
                break
        time.sleep(1.5)  # past the cell's sleep: into the regular expression
        os.kill(km.provisioner.process.pid, signal.SIGKILL)  # no chance to pass anything on
        assert gone(kernel_pid)
    finally:
        stop(km, kc)
        if not gone(kernel_pid, within=0):  # failed: do not leave it spinning
            os.kill(kernel_pid, signal.SIGKILL)


@pytest.mark.parametrize("cell, ends", [
    ("child = subprocess.Popen(['sleep', '300']); print(child.pid)", "subprocess"),
    ("atexit.register(pathlib.Path(MARKER).write_text, 'yes')", "exit handler"),
])
def test_shutdown_ends_the_kernels_subprocesses_or_runs_its_exit_handlers(forkserver, tmp_path, cell, ends):
    """As for an ordinary kernel (both checked by hand against one): Jupyter's signals reach the kernel's whole
    process group, so a subprocess ends with it (ipykernel ends it, then Jupyter terminates the group); and a
    prompt end runs the atexit handlers (the notebook's and ipykernel's)."""
    km, kc = start_kernel(tmp_path, forkserver[1])
    marker = tmp_path / "exit-handler-ran"
    try:
        reply, out = run(kc, f"import atexit, pathlib, subprocess; MARKER = {str(marker)!r}\n{cell}")
        assert reply["status"] == "ok"
        kc.stop_channels()
        km.shutdown_kernel(now=False)
        if ends == "subprocess":
            assert gone(int(out))
        else:
            assert marker.read_text() == "yes"
    finally:
        stop(km, kc)


def test_a_bad_request_leaves_the_server_serving_and_nothing_open(forkserver, tmp_path):
    """A malformed request or a peer that says nothing is refused; the descriptors it sent are closed (a
    later kernel must not inherit them)."""
    path = forkserver[1]
    read_end, write_end = os.pipe()
    try:
        for data in (b"not json", b"[1]", json.dumps({"argv": 5}).encode()):
            with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as conn:
                conn.settimeout(20)
                conn.connect(path)
                socket.send_fds(conn, [data], [read_end, read_end, read_end, read_end])
                assert "refused" in json.loads(conn.recv(65536))
        silent = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        silent.connect(path)  # and says nothing
        started = time.monotonic()
        km, kc = start_kernel(tmp_path, path)
        try:
            seen = probe(kc)
            assert seen["ppid"] == forkserver[0].pid  # forked, not the fallback after a stalled server
            assert time.monotonic() - started < 10
            held = {os.path.realpath(f"/proc/{seen['pid']}/fd/{fd}") for fd in os.listdir(f"/proc/{seen['pid']}/fd")}
            assert os.path.realpath(f"/proc/{os.getpid()}/fd/{read_end}") not in held
        finally:
            stop(km, kc)
            silent.close()
    finally:
        os.close(read_end)
        os.close(write_end)
    assert forkserver[0].poll() is None


def test_without_the_server_the_launcher_is_the_kernel(tmp_path):
    km, kc = start_kernel(tmp_path, str(tmp_path / "no-such-socket"))
    try:
        assert probe(kc)["pid"] == km.provisioner.process.pid
    finally:
        stop(km, kc)


def _ask(path: str, request: dict) -> dict:
    read_end, write_end = os.pipe()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as conn:
            conn.settimeout(20)
            conn.connect(path)
            socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2, read_end])
            return json.loads(conn.recv(65536))
    finally:
        os.close(read_end)
        os.close(write_end)


def test_the_server_refuses_a_kernel_of_another_python_or_import_path(forkserver, tmp_path):
    request = {"executable": sys.executable, "prefix": sys.prefix, "path": ["/elsewhere", *sys.path],
               "flags": list(sys.flags), "argv": [], "env": dict(os.environ), "cwd": str(tmp_path)}
    assert _ask(forkserver[1], request) == {"refused": "another Python or import path"}
    request["path"] = sys.path
    assert _ask(forkserver[1], dict(request, executable="/usr/bin/python-other")) == \
        {"refused": "another Python or import path"}
    hash_seed = dict(request["env"], PYTHONHASHSEED="12345")  # read by Python when it starts
    assert _ask(forkserver[1], dict(request, env=hash_seed)) == {"refused": "another Python or import path"}
    assert forkserver[0].poll() is None  # and goes on serving


def test_a_changed_painkit_file_changes_the_signature(tmp_path, monkeypatch):
    """The server compares this signature before each fork and starts again when painkit's files changed."""
    module = runpy.run_path(str(FORKSERVER))
    package = tmp_path / "painkit"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data" / "rules.yaml").write_text("a: 1\n")
    fake = type(sys)("painkit")
    fake.__file__ = str(package / "__init__.py")
    monkeypatch.setitem(sys.modules, "painkit", fake)
    signature = module["painkit_signature"]()
    assert signature[0] == 2
    os.utime(package / "data" / "rules.yaml", ns=(signature[1] + 10**9, signature[1] + 10**9))
    assert module["painkit_signature"]() != signature
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "x.json").write_text("{}")  # caches are not painkit's files
    changed = module["painkit_signature"]()
    assert changed[0] == 2


def test_an_upgraded_package_changes_the_code_signature(tmp_path, monkeypatch):
    """Any file imported before the forks (a package upgraded while the server runs) counts too."""
    module = runpy.run_path(str(FORKSERVER))
    monkeypatch.setitem(sys.modules, "painkit", None)
    files = [tmp_path / "one.py", tmp_path / "two.py"]
    for f in files:
        f.write_text("")
    signature = module["code_signature"]([str(f) for f in files])
    os.utime(files[1], ns=(signature[1] + 10**9, signature[1] + 10**9))
    assert module["code_signature"]([str(f) for f in files]) != signature
    files[0].unlink()
    assert module["code_signature"]([str(f) for f in files])[1] == -1


def test_voila_config_starts_the_server_unless_turned_off(tmp_path):
    config = runpy.run_path(str(VOILA / "voila.py"))
    assert config["start_forkserver"]({"PAINKIT_KERNEL_FORK": "0"}) is None
    environ: dict[str, str] = {}
    server = config["start_forkserver"](environ)
    try:
        assert server is not None and environ["PAINKIT_KERNEL_FORKSERVER"].endswith("socket")
        assert config["start_forkserver"](environ) is None  # read twice by one server: one fork server
    finally:
        server.terminate()
        server.wait(10)
