"""Kernels for ``make app`` forked from one process that has already imported what they import.

Every Voila page starts a new kernel, and a new Python spent about 1 s of a page's render importing the same
~1,000 modules (IPython's kernel, pandas, ipywidgets, painkit) before the notebook's first cell could run: the
largest share of the capstone's 3.4 s render (issue 17, bench/bench_app.py). This server imports them once;
each kernel is a fork of it (copy-on-write: the imported modules' memory is shared, not copied). Forking a
prepared interpreter is how SageMathCell starts its kernels, and what ipykernel pull request 410 (for Voila)
tried from inside a running kernel, where the event loop made it fail: this server never starts an event loop,
a ZMQ context or a Python thread, it only imports, so a fork of it starts a clean kernel (numpy's OpenBLAS
starts native threads at import; it is made for forks, as every multiprocessing user relies on).

``voila.py`` (make app's Voila config) starts it with the server; ``kernels/python3/app_kernel.py`` asks it for
each kernel and starts an ordinary kernel itself whenever the server is absent, still importing, busy
restarting or refuses (a kernel that fails after its fork ends as an ordinary kernel that fails would).
``make app FORK=0`` (``PAINKIT_KERNEL_FORK=0``) turns it off. Linux only.

Protocol, one Unix SEQPACKET connection per kernel in an owner-only folder, the peer's uid checked:
- launcher -> server: JSON ``{"executable", "prefix", "path", "flags", "argv", "env", "cwd"}`` with four
  descriptors: the launcher's stdin, stdout, stderr and a *lifeline* (the read end of a pipe whose write end
  only the launcher holds);
- server -> launcher: ``{"pid": N}`` and, when that kernel ends, ``{"exit": code}``; or ``{"refused": why}``
  (another interpreter, import path, flags, or start-up environment: hash seed, locale, thread pools).
A kernel ends when its launcher ends, however it ends, as an ordinary kernel ends with the process that
started it: the server watches each launcher's connection and kills the kernel's process group when it
closes, and the kernel's own lifeline thread does the same if the server is gone. A kernel gets its
launcher's environment, folder, arguments and output, a session of its own (Jupyter's interrupt and
termination reach its subprocesses, as they do an ordinary kernel's), its own random seeds (Python's
``random`` reseeds itself at a fork; numpy's global generator is reseeded here; str hashes share the server's
seed) and its own signal handlers; its atexit handlers run when it ends. When painkit's files change (an
edited module or data file) or an imported module's file does (a package upgraded), the server starts again
from its own command, so no kernel runs code older than the files (kernels asked for meanwhile start the
ordinary way).

Run: ``python forkserver.py SOCKET_PATH`` (it ends when the process that started it ends).
"""
from __future__ import annotations

import contextlib
import gc
import json
import os
import selectors
import signal
import socket
import struct
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == HERE:
    del sys.path[0]  # as app_kernel.py: this folder is not a kernel's import path

# What a learner notebook's kernel imports. A module that fails to import is left out (the kernel imports
# it itself, as without this server); painkit's widget classes load lazily, so each is asked for.
PRELOAD = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.comm",
    "IPython.core.completer", "jupyter_client.session",
    "numpy", "pandas", "ipywidgets", "anywidget",
    "painkit", "painkit.cases", "painkit.instruments", "painkit.mechanisms", "painkit.plans",
    "painkit.formulary", "painkit.trajectories", "painkit.progress", "painkit.curriculum", "painkit.charts",
    "painkit.widgets",
)
LAZY_PACKAGES = ("painkit.widgets",)  # every name in their __all__ is loaded
WATCHED_SUFFIXES = {".py", ".yaml", ".yml", ".json", ".csv", ".toml", ".txt"}
MAX_MESSAGE = 1 << 20  # the launcher's request: its environment is the largest part
# read by a process when it starts (hash seed, locale, thread pools): a kernel's must match the server's
INTERPRETER_VARIABLES = ("PYTHON", "LANG", "LC_", "OMP_", "OPENBLAS_", "MKL_")


# Modules that look at import time where they run see a Jupyter kernel, as they will once forked (pandas shows
# 20 columns in a kernel, not a terminal's width, and takes its display encoding from sys.stdout's):
class _KernelShell:
    """What ``get_ipython()`` answers while the server imports (the kernel's own shell replaces it)."""

    kernel = True


class _KernelStream:
    """sys.stdout and sys.stderr while the server imports: a kernel's streams (ipykernel's OutStream) say
    UTF-8."""

    encoding = "UTF-8"

    def __init__(self, stream) -> None:  # noqa: ANN001
        self._stream = stream

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._stream, name)


def preload() -> None:
    import builtins

    sys.modules["debugpy"] = None  # as app_kernel.py: no debugger in a Voila page's kernel
    streams = sys.stdout, sys.stderr
    builtins.get_ipython = _KernelShell
    sys.stdout, sys.stderr = (_KernelStream(stream) for stream in streams)
    try:
        _import_all()
    finally:
        del builtins.get_ipython
        sys.stdout, sys.stderr = streams


def _import_all() -> None:
    import importlib

    for name in PRELOAD:
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the kernel imports it itself (and shows its error)
            continue
        for attribute in getattr(module, "__all__", ()) if name in LAZY_PACKAGES else ():
            try:
                getattr(module, attribute)
            except Exception:  # noqa: BLE001
                pass


def _newest(files) -> int:  # noqa: ANN001
    """The newest modification time among ``files``; -1 when one is gone (changed as surely as a newer one)."""
    newest = 0
    for name in files:
        try:
            newest = max(newest, os.stat(name).st_mtime_ns)
        except OSError:
            return -1
    return newest


def painkit_signature() -> tuple[int, int]:
    """(number of files, newest modification) over painkit's modules and data: a change means the imported
    painkit is older than its files."""
    package = sys.modules.get("painkit")
    if package is None or not getattr(package, "__file__", None):
        return (0, 0)
    files = []
    for folder, dirs, names in os.walk(Path(package.__file__).parent):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        files += [os.path.join(folder, n) for n in names if os.path.splitext(n)[1] in WATCHED_SUFFIXES]
    return len(files), _newest(files)


def loaded_files() -> list[str]:
    """The files of every module imported so far (after preload: what an upgrade of a package rewrites)."""
    return sorted({f for m in list(sys.modules.values()) if isinstance(f := getattr(m, "__file__", None), str)})


def code_signature(files: list[str]) -> tuple:
    """painkit's signature and the newest modification among ``files``: a change means a kernel forked now
    would run code older than the files (a later lazy import would mix the two)."""
    return painkit_signature(), _newest(files)


def _send(conn: socket.socket, message: dict) -> None:
    try:
        conn.send(json.dumps(message).encode())
    except OSError:
        pass  # the launcher is gone: its kernel's lifeline ends that kernel


def _peer_uid(conn: socket.socket) -> int:
    _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    return uid


def run_kernel(request: dict, lifeline: int) -> int:
    """In the forked child: become the kernel the launcher asked for and run it; returns its exit code."""
    import threading

    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = [str(HERE / "kernels" / "python3" / "app_kernel.py"), *request["argv"]]
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()  # a fork would otherwise repeat its siblings' draws

    def watch_lifeline() -> None:  # a second guard: the server also ends a kernel whose launcher ended
        while True:
            try:
                if not os.read(lifeline, 1):
                    break
            except InterruptedError:
                continue
            except OSError:
                break
        os._exit(1)  # the launcher ended: as an ordinary kernel whose parent ended

    threading.Thread(target=watch_lifeline, name="painkit-lifeline", daemon=True).start()
    from ipykernel.kernelapp import IPKernelApp

    # Two options ipykernel reads from the environment when it is imported, that is before this kernel's
    # environment was known: read them again (a kernel with a parent neither prints a terminal banner nor
    # outlives its server).
    app = IPKernelApp.instance(parent_handle=int(os.environ.get("JPY_PARENT_PID") or 0),
                               interrupt=int(os.environ.get("JPY_INTERRUPT_EVENT") or 0))
    app.initialize(request["argv"])
    widgets = sys.modules.get("ipywidgets")
    if widgets is not None:  # imported before any kernel existed, ipywidgets could not register its comms
        widgets.register_comm_target()
    try:
        app.start()
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return 0


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def fork_kernel(request: dict, fds: list[int], server_files: list) -> int:
    """Fork; in the child close ``server_files`` (the server's sockets and selector), take the launcher's
    stdio from ``fds`` and run the kernel in a session of its own (as Jupyter starts a kernel: its signals
    reach the kernel's own subprocesses, and no other kernel's). Returns the child's pid (in the server)."""
    _flush()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        os.setsid()
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for item in server_files:
            item.close()
        for target, fd in zip((0, 1, 2), fds[:3]):
            os.dup2(fd, target)
        for fd in fds[:3]:
            os.close(fd)
        os.set_inheritable(fds[3], False)  # the lifeline is this kernel's, not its subprocesses'
        code = run_kernel(request, fds[3])
    except BaseException:  # noqa: BLE001 - reported on the launcher's stderr; the launcher sees the exit code
        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            import atexit

            atexit._run_exitfuncs()  # as at an ordinary kernel's end (ipykernel's and the notebook's handlers)
        _flush()
        os._exit(code)


def _environment(environ) -> dict:  # noqa: ANN001
    """What a process reads from its environment when it starts (hash seed, locale, thread pools): a kernel
    asking for different values must start the ordinary way."""
    return {k: v for k, v in environ.items() if k.startswith(INTERPRETER_VARIABLES)}



def _check(request: object, fds: list[int], interpreter: dict) -> str:
    """Why ``request`` cannot be served by a fork ("" when it can)."""
    if len(fds) != 4:
        return f"{len(fds)} descriptors (4 expected)"
    if not isinstance(request, dict) or not isinstance(request.get("argv"), list) \
            or not isinstance(request.get("env"), dict) or not isinstance(request.get("cwd"), str) \
            or not all(isinstance(a, str) for a in request["argv"]) \
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in request["env"].items()):
        return "malformed request"
    if any(request.get(k) != v for k, v in interpreter.items()) \
            or _environment(request["env"]) != _environment(os.environ):
        return "another Python or import path"
    return ""


def serve(path: str) -> None:
    parent = os.getppid()
    interpreter = {"executable": sys.executable, "prefix": sys.prefix, "path": list(sys.path),
                   "flags": list(sys.flags)}
    preload()
    files = loaded_files()
    signature = code_signature(files)
    gc.collect()
    gc.freeze()  # the imported objects stay shared: a kernel's garbage collections do not copy their pages

    with contextlib.suppress(OSError):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    old_umask = os.umask(0o077)
    try:
        listener.bind(path)  # ready: the launchers find the socket only once everything is imported
    finally:
        os.umask(old_umask)
    listener.listen(64)
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    wake_w.setblocking(False)
    signal.set_wakeup_fd(wake_w.fileno())
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that an ended kernel wakes the loop
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(wake_r, selectors.EVENT_READ, "wake")
    kernels: dict[int, socket.socket] = {}  # each kernel's launcher connection, watched: it closes when the
    # launcher ends, however it ends, and then its kernel is ended (SIGKILL, as Jupyter's last resort)

    def forget(pid: int) -> "socket.socket | None":
        conn = kernels.pop(pid, None)
        if conn is not None:
            with contextlib.suppress(KeyError, ValueError):
                selector.unregister(conn)
        return conn

    def accept() -> None:
        conn, _ = listener.accept()
        conn.settimeout(2)  # a peer that connects and says nothing is refused, not waited for
        fds: list[int] = []
        forked = False
        try:
            if _peer_uid(conn) != os.getuid():
                _send(conn, {"refused": "another user"})
                return
            data, fds, _flags, _addr = socket.recv_fds(conn, MAX_MESSAGE, 4)
            request = json.loads(data)
            why = _check(request, fds, interpreter)
            if not why and code_signature(files) != signature:
                why = "code changed"
            if why:
                _send(conn, {"refused": why})
                if why == "code changed":
                    raise _Restart
                return
            server_files = [selector, listener, wake_r, wake_w, conn, *kernels.values()]
            pid = fork_kernel(request, fds, server_files)
            forked = True
            kernels[pid] = conn
            selector.register(conn, selectors.EVENT_READ, pid)
            _send(conn, {"pid": pid})
        except _Restart:
            raise
        except Exception as error:  # noqa: BLE001 - a malformed request or a failed fork: refuse, keep serving
            _send(conn, {"refused": type(error).__name__})
        finally:
            for fd in fds:
                os.close(fd)
            if not forked:
                conn.close()

    try:
        while os.getppid() == parent:
            for key, _ in selector.select(timeout=1.0):
                if key.data == "wake":
                    with contextlib.suppress(OSError):
                        while wake_r.recv(512):
                            pass
                elif key.data == "accept":
                    accept()
                else:  # a launcher's connection: readable only when it closed (launchers send nothing more)
                    pid = key.data
                    forget(pid).close()
                    with contextlib.suppress(OSError):
                        os.killpg(pid, signal.SIGKILL)
            while True:  # reap every ended kernel (also those forked before a restart) and tell its launcher
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                conn = forget(pid)
                if conn is not None:
                    _send(conn, {"exit": os.waitstatus_to_exitcode(status)})
                    conn.close()
    except _Restart:  # painkit or a package changed: start again with the files as they are now
        _flush()
        selector.close()
        listener.close()
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.execv(sys.executable, [sys.executable, str(Path(__file__).resolve()), path])
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


class _Restart(Exception):
    """The code the server imported is older than its files."""


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python forkserver.py SOCKET_PATH")
    serve(sys.argv[1])
