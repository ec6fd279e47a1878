"""LiveHTML: an HTML area that screen readers read out when its content changes (WCAG 4.1.3 status messages).

ipywidgets' HTML replaces its content in an element that is not a live region, and a ``role='status'``
written inside the new content is a region created together with its text, which screen readers often do
not announce. LiveHTML keeps one ``role="status"`` element (polite: read after what the user is doing) for
the widget's life and changes only its content: "Saved at 10:31", a score, hints. ``value`` is HTML, as
ipywidgets' HTML (painkit escapes everything it puts there). Drawn by anywidget: works in JupyterLab and
Voila, offline.

It also tells the kernel when it is first drawn in a browser, which is when a learner's time on a task starts
(``clock_from_view``): a widget is built when its cell runs, and in Voila with preheated kernels that can be
long before anyone opens the page.
"""
from __future__ import annotations

from typing import Any, Callable

import anywidget
import traitlets

from ..progress import now

_ESM = r"""
function render({ model, el }) {
  const region = document.createElement("div");
  region.className = "painkit-live";
  region.setAttribute("role", "status");
  region.setAttribute("aria-live", "polite");
  region.setAttribute("aria-atomic", "true");
  el.appendChild(region);
  const draw = () => { region.innerHTML = model.get("value"); };
  model.on("change:value", draw);
  draw();
  model.send({ event: "shown" });
}
export default { render };
"""


class LiveHTML(anywidget.AnyWidget):
    """HTML shown in a polite live region; set ``value`` as for ``ipywidgets.HTML``. ``on_shown(callback)``
    runs ``callback()`` once, when the region is first drawn in a browser."""

    _esm = _ESM
    value = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown_callbacks: list[Callable[[], None]] = []
        self.shown = False
        self.on_msg(self._message)

    def on_shown(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` when the region is first drawn in a browser (at once if it already was)."""
        if self.shown:
            callback()
        else:
            self._shown_callbacks.append(callback)

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("event") == "shown" and not self.shown:
            self.shown = True
            for callback in self._shown_callbacks:
                callback()
            self._shown_callbacks.clear()


def clock_from_view(task: Any, live: LiveHTML) -> None:
    """Restart ``task.started`` (a widget's time-on-task clock) when ``live`` is first drawn in a browser,
    unless an answer was submitted before that (a submit restarts the clock itself)."""
    built = task.started

    def restart() -> None:
        if task.started == built:
            task.started = now()

    live.on_shown(restart)
