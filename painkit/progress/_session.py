"""Who is learning in this kernel, and the sink that records their widget attempts.

``enable()`` opens the progress store and installs it as ``painkit.progress`` default sink. The learner's
name comes from the argument, else ``$PAINKIT_LEARNER``, else it is asked once per kernel (one notebook):
a text box in a notebook, ``input()`` in a terminal, the operating-system user name when nobody can be
asked (so nothing ever blocks, e.g. under nbval). Attempts made before the name is typed are kept in
memory and written once it is. A store that cannot be opened never stops the notebook: a warning says
why and how to start a new store beside the unusable file.
"""
from __future__ import annotations

import getpass
import os
import sys
import warnings
from html import escape
from pathlib import Path
from typing import Optional, Union

from . import _attempts as attempts
from ._attempts import Attempt
from ..errors import ProgressError
from ._store import ProgressStore


class ProgressWarning(UserWarning):
    """Progress could not be saved; the learner can carry on, the message says what to do."""


class _Session:
    def __init__(self) -> None:
        self.store: Optional[ProgressStore] = None
        self.learner: Optional[str] = None
        self.pending: list[Attempt] = []  # attempts waiting for the learner's name


_S = _Session()


def current_learner() -> Optional[str]:
    """The learner this kernel records attempts for (None until known)."""
    return _S.learner


def current_store() -> Optional[ProgressStore]:
    """The store ``enable()`` opened in this kernel, if any."""
    return _S.store


def set_learner(name: str) -> None:
    """Record this kernel's attempts under ``name`` from now on; write any attempts waiting for a name."""
    name = str(name).strip()
    if not name:
        raise ProgressError("learner: empty name; allowed: any non-empty text")
    _S.learner = name
    if _S.store is not None:
        _S.store.learner = name
    waiting, _S.pending = _S.pending, []
    for attempt in waiting:
        sink(attempt)


def sink(attempt: Attempt) -> None:
    """The widgets' default sink: record the attempt under its own learner, else the current one."""
    if _S.store is None:
        return
    if attempt.learner is None and _S.learner is None:
        _S.pending.append(attempt)
        return
    try:
        _S.store.record(attempt, learner=_S.learner)
    except ProgressError as exc:
        warnings.warn(f"progress not saved: {exc}", ProgressWarning, stacklevel=2)


def enable(learner: Optional[str] = None, *, path: Union[str, Path, None] = None,
           beside: bool = False) -> Optional[ProgressStore]:
    """Record every widget attempt from now on; return the store (None if it cannot be opened).

    ``beside=True``: when the file at the path is not a usable store, start a new one beside it.
    """
    try:
        store = ProgressStore(path)
    except ProgressError as exc:
        bad = getattr(exc, "path", None)
        if not beside or bad is None:
            warnings.warn(f"progress is not being saved: {exc}", ProgressWarning, stacklevel=2)
            return None
        store = ProgressStore.beside(bad)
    if _S.store is not None and _S.store is not store:
        _S.store.close()
    _S.store = store
    attempts.set_default_sink(sink)
    _start_lrs_sender(store)
    name = learner or os.environ.get("PAINKIT_LEARNER") or _S.learner
    if name:
        set_learner(name)
    else:
        _ask(store)
    return store


def _start_lrs_sender(store: ProgressStore) -> None:
    """When an LRS is configured, send queued attempts in the background; a bad configuration is a
    warning (attempts stay queued in the store), never an error in the notebook."""
    from ._lrs import attach

    try:
        attach(store)
    except ProgressError as exc:
        warnings.warn(f"learning records are queued but not sent: {exc}", ProgressWarning, stacklevel=3)


def disable() -> None:
    """Stop recording (widgets' attempts go nowhere) and close the store."""
    attempts.set_default_sink(None)
    if _S.store is not None:
        _S.store.close()
    _S.store, _S.pending = None, []


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def _ask(store: ProgressStore) -> None:
    """Ask for the learner's name once: a text box in a notebook, input() in a terminal."""
    known = store.learners()
    if _in_notebook():
        from IPython.display import display

        display(name_prompt(default=known[0] if len(known) == 1 else ""))
    elif sys.stdin is not None and sys.stdin.isatty():
        name = input(f"painkit: your name for the progress record ({store.path}): ").strip()
        set_learner(name or getpass.getuser())
    else:
        set_learner(getpass.getuser())


def name_prompt(default: str = ""):
    """An ipywidgets box asking for the learner's name; Enter or the button sets it."""
    import ipywidgets as w

    text = w.Text(value=default, placeholder="your name", description="Your name:", continuous_update=False)
    button = w.Button(description="Save my progress under this name", layout=w.Layout(width="auto"))
    status = w.HTML("<i>Your answers are saved on this computer only. painkit is for education only, "
                    "not for clinical decisions.</i>")

    def _save(*_):
        name = text.value.strip()
        if not name:
            status.value = "<b>Type a name first.</b>"
            return
        set_learner(name)
        status.value = f"Saving progress for <b>{escape(name)}</b>."

    text.observe(_save, "value")  # fires on Enter or leaving the box (continuous_update=False)
    button.on_click(_save)
    return w.VBox([w.HBox([text, button]), status])


attempts.set_store_opener(enable)  # the first attempt opens the store (see _attempts.default_sink)
