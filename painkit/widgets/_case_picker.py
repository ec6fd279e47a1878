"""CasePicker: find a case by what you want to practise (setting, mechanism, population, curriculum topic,
difficulty), then open it. Filtering is ``painkit.cases.filter_index``; the case page is ``CaseView``."""
from __future__ import annotations

import html
import warnings
from pathlib import Path
from typing import Optional, Union

from ..cases import MECHANISMS, case_index, curriculum_map, filter_index, topics
from ._style import styled

ANY = "any"


class CasePicker:
    """Dropdown filters over the case index, the matching cases in a list, and the chosen case below."""

    def __init__(self, folder: Union[str, Path, None] = None):
        import ipywidgets as w

        with warnings.catch_warnings():  # a file that cannot be read is shown below the list instead
            warnings.simplefilter("ignore", UserWarning)
            self.index = case_index(folder)
        self.problems: list[str] = list(self.index.attrs.get("problems", []))
        lay = w.Layout(width="22em")
        settings = ["acute", "chronic", "cancer", "palliative"]
        difficulties = curriculum_map()["difficulty"]["levels"]
        used = set().union(*self.index["topics"]) if len(self.index) else set()
        topic_options = [(ANY, ANY)] + [(f"{t['domain_title']}: {t['title']}", t["id"]) for t in topics()
                                        if t["id"] in used]
        self.filters = {
            "setting": w.Dropdown(options=[ANY, *settings], description="Setting", layout=lay),
            "mechanism": w.Dropdown(options=[ANY, *MECHANISMS, "mixed"], description="Mechanism", layout=lay),
            "population": w.Dropdown(options=[ANY, *curriculum_map()["populations"]["ids"]],
                                     description="Population", layout=lay),
            "topic": w.Dropdown(options=topic_options, description="Topic", layout=lay),
            "difficulty": w.Dropdown(options=[ANY, *difficulties], description="Difficulty", layout=lay),
        }
        self.results = w.Select(options=[], rows=8, description="Matching cases",
                                 style={"description_width": "initial"}, layout=w.Layout(width="44em"))
        self.count = w.HTML()
        self.open_button = w.Button(description="Open case", button_style="primary")
        self.page = w.Output()
        for dd in self.filters.values():
            dd.observe(lambda _c: self.refresh(), names="value")
        self.open_button.on_click(lambda _b: self.open())
        self.widget = w.VBox([w.HBox([w.VBox(list(self.filters.values())[:3]), w.VBox(list(self.filters.values())[3:])]),
                              self.count, self.results, self.open_button, self.page])
        styled(w, self.widget)
        self.refresh()

    def selection(self) -> dict[str, Optional[str]]:
        """The filters as ``filter_index`` keyword arguments (None = any)."""
        return {k: (None if dd.value == ANY else dd.value) for k, dd in self.filters.items()}

    def matches(self):
        """The case-index rows matching the current filters."""
        return filter_index(self.index, **self.selection())

    def refresh(self) -> None:
        """Re-filter the list after a dropdown changes."""
        found = self.matches()
        self.results.options = [(f"{r['title']} ({r['setting']}, {r['difficulty']})", r["id"])
                                for _, r in found.iterrows()]
        self.count.value = f"<p>{len(found)} of {len(self.index)} cases match.</p>" + unreadable_note(self.problems)
        if not len(found):
            self.count.value += "<p><i>No case matches all of these; set a filter back to 'any'.</i></p>"

    def open(self, case_id: Optional[str] = None):
        """Show the chosen case (key hidden until asked); returns its CaseView, or None if none is chosen."""
        from IPython.display import display

        from ._case_view import CaseView

        case_id = case_id or self.results.value
        self.page.clear_output()
        if not case_id:
            with self.page:
                display(_note("Choose a case in the list first."))
            return None
        view = CaseView(case_id)
        with self.page:
            display(view.widget)
        return view

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def _note(text: str):
    import ipywidgets as w

    return w.HTML(value=f"<p><i>{html.escape(text)}</i></p>")


def unreadable_note(problems: list[str]) -> str:
    """A note naming the case files left out because they could not be read (one bad file never hides the
    others); the educator's ``python -m painkit validate`` says what is wrong in each."""
    files = sorted({Path(p.split(": ", 1)[0]).name for p in problems})
    if not files:
        return ""
    shown = ", ".join(html.escape(f) for f in files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
    return (f"<p role='status'>{len(files)} case file(s) could not be read and are not listed: {shown}. "
            f"Tell your educator: <code>python -m painkit validate</code> shows what to fix.</p>")
