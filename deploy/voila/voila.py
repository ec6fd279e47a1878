"""Voila config for ``make app`` (read with voila.json from this folder, JUPYTER_CONFIG_PATH).

Kernels forked from a prepared process (forkserver.py, started here with the server unless
``PAINKIT_KERNEL_FORK=0``): a page's kernel starts with IPython's kernel, pandas, ipywidgets and painkit already
imported, about 1 s of each page's render before (issue 17).

Templates compiled once per server, not once per page: Voila builds a new nbconvert exporter, and so a new
Jinja environment, for every page it renders, and compiling the ~14 templates of a page again took about
0.15-0.3 s of the server's CPU per page (measured with bench/bench_app.py's machinery, issue 17). Every
environment gets one shared in-memory Jinja bytecode cache; Jinja checks each template's source against the
checksum kept with its bytecode, so an edited template is compiled again. If a future nbconvert no longer
has the method this wraps, pages render as before, only slower.
"""
from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jinja2

try:
    from nbconvert.exporters.templateexporter import TemplateExporter
except ImportError:  # pragma: no cover - nbconvert moved: no cache, same pages
    TemplateExporter = None


class SharedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the server's lifetime, keyed by Jinja's template key and the
    source's checksum (a changed template is a new key)."""

    def __init__(self) -> None:
        self.compiled: dict[tuple[str, str], bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.compiled.get((bucket.key, bucket.checksum))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[(bucket.key, bucket.checksum)] = bucket.bytecode_to_string()


SHARED_CACHE = SharedBytecodeCache()


def share_compiled_templates(exporter_class=TemplateExporter, cache: jinja2.BytecodeCache = SHARED_CACHE) -> bool:
    """Make every Jinja environment ``exporter_class`` creates use ``cache``; False when it cannot."""
    create = getattr(exporter_class, "_create_environment", None)
    if create is None or getattr(create, "_painkit_shared", False):
        return create is not None

    def _create_environment(self):  # noqa: ANN001, ANN202 - nbconvert's method
        environment = create(self)
        environment.bytecode_cache = cache
        return environment

    _create_environment._painkit_shared = True
    exporter_class._create_environment = _create_environment
    return True


FORKSERVER = Path(__file__).resolve().parent / "forkserver.py"


def start_forkserver(environ=os.environ) -> "subprocess.Popen | None":
    """Start forkserver.py for this server's kernels and tell them where it listens (``environ``, which the
    kernels inherit); None where it is turned off (``PAINKIT_KERNEL_FORK=0``) or not available (not Linux)."""
    if environ.get("PAINKIT_KERNEL_FORK", "1").strip().lower() in {"0", "false", "no", "off"} \
            or not sys.platform.startswith("linux") \
            or environ.get("PAINKIT_KERNEL_FORKSERVER_OWNER") == str(os.getpid()):  # this file read twice
        return None
    folder = tempfile.mkdtemp(prefix="painkit-forkserver-")  # owner-only: no other user reaches the socket
    path = os.path.join(folder, "socket")
    server = subprocess.Popen([sys.executable, str(FORKSERVER), path], stdin=subprocess.DEVNULL,
                              start_new_session=True)  # an interrupt sent to Voila's terminal is not its own

    def stop() -> None:
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(folder, ignore_errors=True)  # the socket, if the server could not remove it

    atexit.register(stop)
    environ["PAINKIT_KERNEL_FORKSERVER"] = path
    environ["PAINKIT_KERNEL_FORKSERVER_OWNER"] = str(os.getpid())
    return server


if "get_config" in globals():  # read by Voila as its config file (traitlets gives it get_config)
    share_compiled_templates()
    start_forkserver()
