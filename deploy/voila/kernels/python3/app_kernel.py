"""The kernel ``make app`` (Voila) starts for a page: the standard IPython kernel without its debugger and
without command history, neither of which a Voila page can use.

Found before the standard ``python3`` spec because ``make app`` puts deploy/voila first on JUPYTER_PATH.
ipykernel imports debugpy at every start when it can (about 0.2 s of CPU, a fifth of the kernel's start-up,
measured for issue 17); with ``debugpy`` marked absent it starts without a debugger, as it does wherever
debugpy is not installed. History would be written to an SQLite file in a thread for nobody to read.
"""
import sys
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]  # as ipykernel_launcher: the kernel's own folder is not the notebook's
sys.modules["debugpy"] = None  # `import debugpy` now fails, and ipykernel runs without a debugger

from ipykernel import kernelapp  # noqa: E402

kernelapp.launch_new_instance()
