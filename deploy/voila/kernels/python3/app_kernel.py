"""The kernel ``make app`` (Voila) starts for a page: the standard IPython kernel without its debugger and
without command history, neither of which a Voila page can use, forked from ``deploy/voila/forkserver.py``
when that server runs.

Found before the standard ``python3`` spec because ``make app`` puts deploy/voila first on JUPYTER_PATH.
ipykernel imports debugpy at every start when it can (about 0.2 s of CPU, a fifth of the kernel's start-up,
measured for issue 17); with ``debugpy`` marked absent it starts without a debugger, as it does wherever
debugpy is not installed. History would be written to an SQLite file in a thread for nobody to read.

With ``PAINKIT_KERNEL_FORKSERVER`` naming the fork server's socket (voila.py sets it), this process asks the
server for a kernel and stays as its stand-in for Jupyter: it passes on the signals Jupyter sends it (an
interrupt, a termination), ends with the kernel's exit code, and when it ends the kernel ends (the lifeline).
When the server cannot be reached, or refuses, this process becomes the kernel itself, as before.
"""
import sys
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]  # as ipykernel_launcher: the kernel's own folder is not the notebook's


def forked_kernel(path: str) -> "int | None":
    """Run the kernel as a fork of the server at ``path``; its exit code, or None when the server did not
    start one (then this process starts the kernel itself)."""
    import json
    import os
    import signal
    import socket
    import time

    lifeline_r, lifeline_w = os.pipe()
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        conn.settimeout(10)
        conn.connect(path)
        request = {"executable": sys.executable, "prefix": sys.prefix, "path": sys.path, "flags": list(sys.flags),
                   "argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}
        socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2, lifeline_r])
        reply = json.loads(conn.recv(65536) or b"{}")
        reply = reply if isinstance(reply, dict) else {}
    except (OSError, ValueError):
        reply = {}
    finally:
        os.close(lifeline_r)
    pid = reply.get("pid")
    if not isinstance(pid, int):
        os.close(lifeline_w)
        conn.close()
        return None

    def forward(signum, _frame):  # noqa: ANN001 - Jupyter signals this process; the kernel is elsewhere
        try:
            os.killpg(pid, signum)  # the kernel leads a session of its own, with its subprocesses
        except OSError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, forward)
    parent = os.getppid()
    conn.settimeout(0.5)
    while True:
        try:
            message = conn.recv(65536)
        except socket.timeout:
            message = None
        except InterruptedError:
            continue
        except OSError:
            message = b""
        if message:
            code = int(json.loads(message).get("exit", 1))
            if code < 0:  # ended by a signal: end by the same signal, as Jupyter expects of a kernel
                signal.signal(-code, signal.SIG_DFL)
                os.kill(os.getpid(), -code)
            return code
        if message == b"":  # the server ended before the kernel: watch the kernel itself
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return 1
            except PermissionError:
                pass
            time.sleep(0.2)
        if os.getppid() != parent:  # Jupyter ended without ending this kernel: end it (the lifeline closes)
            return 1


server = __import__("os").environ.get("PAINKIT_KERNEL_FORKSERVER")
code = forked_kernel(server) if server and sys.platform.startswith("linux") else None
if code is not None:
    sys.exit(code if code >= 0 else 1)

sys.modules["debugpy"] = None  # `import debugpy` now fails, and ipykernel runs without a debugger

from ipykernel import kernelapp  # noqa: E402

kernelapp.launch_new_instance()
