"""CaseChoice: a case picker above a widget built for the chosen case, so trying another case in Voila
needs no code edited ("replace 'lbp-chronic' with ..." is a dropdown instead)."""
from __future__ import annotations

import warnings
from html import escape
from typing import Any, Callable, Optional, Sequence

from ..errors import PainkitError
from ._case_picker import unreadable_note
from ._style import styled


def _options(cases: Optional[Sequence[str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """(title (id), id) for each case, and the problems of the case files that cannot be read: those are left
    out, never fatal, and named in a note below the dropdown instead of a warning box."""
    from ..cases import case_index

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        index = case_index()
    rows = [(f"{r.title} ({r.id})", r.id) for r in index.itertuples()]
    if cases is not None:
        wanted = set(cases)
        rows = [r for r in rows if r[1] in wanted]
    return rows, list(index.attrs.get("problems", []))


class CaseChoice:
    """A dropdown of the library's cases (or ``cases``, or any (label, value) ``options``) and below it ``build(case_id)``, rebuilt when the
    choice changes. ``choose(case_id)`` does what picking in the dropdown does; ``current`` is the widget
    built for the chosen case."""

    def __init__(self, build: Callable[[str], Any], value: str, *, cases: Optional[Sequence[str]] = None,
                 label: str = "Case", options: Optional[Sequence[tuple[str, str]]] = None):
        import ipywidgets as w

        self._build = build
        problems: list[str] = []
        if options is None:
            options, problems = _options(cases)
        options = list(options)  # given: e.g. instruments to pick
        if value not in [v for _, v in options]:
            raise PainkitError(f"CaseChoice: value {value!r} is not a case in the list; allowed: "
                               f"{', '.join(v for _, v in options[:20])}")
        self.picker = w.Dropdown(options=options, value=value, description=label,
                                 style={"description_width": "initial"}, layout=w.Layout(width="46em"))
        self.area = w.VBox()
        self.message = w.HTML()
        self.note = w.HTML(value=unreadable_note(problems))  # case files left out of the list, if any
        self.current: Any = None
        self.picker.observe(lambda change: self._show(change["new"]), names="value")
        self.widget = styled(w, w.VBox([self.picker, self.note, self.message, self.area]))
        self._show(value)

    def choose(self, case_id: str) -> None:
        """Pick ``case_id`` as a learner would."""
        self.picker.value = case_id

    def _show(self, case_id: str) -> None:
        try:
            self.current = self._build(case_id)
        except PainkitError as exc:  # a case that cannot be used is a message, never a traceback
            self.message.value = f"<p style='color:#8a1c00'>{escape(str(exc))}</p>"
            return
        self.message.value = ""
        inner = getattr(self.current, "widget", self.current)
        self.area.children = (inner,)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
