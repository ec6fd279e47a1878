"""CaseView: a case as a page, with a button that reveals the expert key once the learner has decided."""
from __future__ import annotations

from typing import Union

from ..cases import Case, load_case
from ..cases import case_html


class CaseView:
    """Shows a case (escaped HTML from ``painkit.cases``); the key stays hidden until the button is pressed."""

    def __init__(self, case: Union[Case, str]):
        import ipywidgets as w

        self.case = load_case(case) if isinstance(case, str) else case
        self.page = w.HTML(value=case_html(self.case, key=False))
        self.button = w.ToggleButton(value=False, description="Show the expert key", icon="key")
        self.button.observe(lambda change: self.show_key(change["new"]), names="value")
        self.widget = w.VBox([self.page, self.button])

    def show_key(self, shown: bool = True) -> None:
        """Reveal (or hide again) the expert key."""
        self.page.value = case_html(self.case, key=shown)
        self.button.description = "Hide the expert key" if shown else "Show the expert key"
        if self.button.value != shown:
            self.button.value = shown

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
