"""Who is learning in this kernel, and the sink that records their widget attempts.

``enable()`` opens the progress store and installs it as ``painkit.progress`` default sink. Attempts are
saved the moment they are made: the learner's name comes from the argument, else ``$PAINKIT_LEARNER``,
else JupyterHub's ``$JUPYTERHUB_USER``, else the operating-system user, so nothing waits for a name to be
typed and nothing is lost when the notebook is closed or the kernel restarts. In a notebook a name box
shows that name and where the attempts go; typing another name moves the attempts already saved under
the default name to it. A store that cannot be opened never stops the notebook: a warning (and the box)
says why and how to start a new store beside the unusable file.
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
        self.problem: Optional[str] = None  # why the last attempt was not saved (None: it was)


_S = _Session()


def current_learner() -> Optional[str]:
    """The learner this kernel records attempts for (None until known)."""
    return _S.learner


def current_store() -> Optional[ProgressStore]:
    """The store ``enable()`` opened in this kernel, if any."""
    return _S.store


def default_learner() -> str:
    """The name attempts are saved under until the learner types theirs: ``$PAINKIT_LEARNER``, else
    JupyterHub's ``$JUPYTERHUB_USER``, else the operating-system user (``"learner"`` if none)."""
    for var in ("PAINKIT_LEARNER", "JUPYTERHUB_USER"):
        value = (os.environ.get(var) or "").strip()
        if value:
            return value
    try:
        return getpass.getuser() or "learner"
    except Exception:  # noqa: BLE001 - no user database entry (some containers)
        return "learner"


def set_learner(name: str, *, move: bool = False) -> int:
    """Record this kernel's attempts under ``name`` from now on; write any attempts waiting for a name.

    ``move=True``: the attempts already saved under the previous name move to ``name`` (the learner
    replaced the default name with their own). Return how many moved."""
    from ._rows import check_learner

    name = check_learner(name)  # refused here, never later attempt by attempt
    previous, moved = _S.learner, 0
    _S.learner = name
    if _S.store is not None:
        _S.store.learner = name
        if move and previous and previous != name:
            moved = _S.store.rename_learner(previous, name)
    waiting, _S.pending = _S.pending, []
    for attempt in waiting:
        sink(attempt)
    return moved


def sink(attempt: Attempt) -> None:
    """The widgets' default sink: record the attempt under its own learner, else the current one."""
    if _S.store is None:
        _S.problem = "progress is not being saved (no progress store is open)"
        return
    if attempt.learner is None and _S.learner is None:
        _S.pending.append(attempt)
        return
    try:
        _S.store.record(attempt, learner=_S.learner)
        _S.problem = None
    except ProgressError as exc:
        _S.problem = f"progress not saved: {exc}"
        warnings.warn(_S.problem, ProgressWarning, stacklevel=2)


def saved_note() -> str:
    """One line for the learner after a submit: where the attempt was saved, or why it was not."""
    if _S.problem:
        return _S.problem
    if _S.store is None:
        return "progress is not being saved (painkit.progress.enable() was not run or failed)"
    if _S.learner is None:
        return "kept in memory until a name is given"
    return f"saved for {_S.learner} in {_S.store.path}"


def enable(learner: Optional[str] = None, *, path: Union[str, Path, None] = None,
           beside: bool = False) -> Optional[ProgressStore]:
    """Record every widget attempt from now on; return the store (None if it cannot be opened).

    ``beside=True``: when the file at the path is not a usable store, start a new one beside it.
    A learner name that could not be stored (empty, over 200 characters, not ordinary text) is refused here
    with a ProgressError, before any attempt is made.
    """
    from ._rows import check_learner

    if learner is not None:
        learner = check_learner(learner)
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
    set_learner(learner or _S.learner or default_learner())
    if _in_notebook():
        from IPython.display import display

        display(name_prompt())
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


# Shown once per notebook with the name box: a focus ring keyboard users can see on every control (WCAG
# 2.4.7; ipywidgets' own is a faint 1 px outline), and tables that wrap rather than scroll.
FOCUS_STYLE = ("<style>.jupyter-widgets button:focus-visible, .jupyter-widgets input:focus-visible, "
               ".jupyter-widgets select:focus-visible, .jupyter-widgets textarea:focus-visible, "
               ".pk-chart summary:focus-visible, .lm-TabBar-tab:focus-visible, .jp-OutputArea-output a:focus-visible "
               "{outline: 3px solid #1a4fa0 !important; outline-offset: 2px !important;}"
               # tables wrap their text instead of becoming a region only a mouse can scroll (WCAG 2.1.1)
               ".jp-OutputArea-output table td, .jp-OutputArea-output table th {white-space: normal !important;}"
               ".jp-OutputArea-output.jp-RenderedHTMLCommon {overflow-x: visible !important;}</style>")


def name_prompt(default: str = ""):
    """An ipywidgets box showing whose attempts are saved and where; a new name (Enter or the button)
    moves the attempts already saved under the current name to it."""
    import ipywidgets as w

    current = _S.learner or default
    text = w.Text(value=current, placeholder="your name", description="Your name:", continuous_update=False,
                  style={"description_width": "initial"})
    button = w.Button(description="Use this name", layout=w.Layout(width="auto"),
                      tooltip="Save your answers under this name (earlier answers move to it)")
    status = w.HTML()
    status.add_class("painkit-status")

    def _where() -> str:
        if _S.store is None:
            return "<b>Your answers are not being saved</b> (no progress store could be opened)."
        if _S.learner is None:
            return "<b>Type your name</b>: your answers are kept until you do."
        return (f"Your answers are saved as you make them, under <b>{escape(_S.learner)}</b>, in "
                f"<code>{escape(str(_S.store.path))}</code> (on this computer only).")

    status.value = _where()

    def _save(*_):
        name = text.value.strip()
        if not name:
            status.value = "<b>Type a name first.</b> " + _where()
            return
        if name == _S.learner:
            status.value = _where()
            return
        try:
            moved = set_learner(name, move=True)
        except ProgressError as exc:
            status.value = f"<b>Name not changed:</b> {escape(str(exc))}"
            return
        note = f" {moved} earlier answer{'s' if moved != 1 else ''} moved to this name." if moved else ""
        status.value = _where() + note

    text.observe(_save, "value")  # fires on Enter or leaving the box (continuous_update=False)
    button.on_click(_save)
    box = w.VBox([w.HBox([text, button]), status, w.HTML(FOCUS_STYLE)])
    box.add_class("painkit-learner")
    return box


attempts.set_store_opener(enable)  # the first attempt opens the store (see _attempts.default_sink)
