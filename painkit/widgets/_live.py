"""LiveHTML: an HTML area that screen readers read out when its content changes (WCAG 4.1.3 status messages).

ipywidgets' HTML replaces its content in an element that is not a live region, and a ``role='status'``
written inside the new content is a region created together with its text, which screen readers often do
not announce. LiveHTML keeps one ``role="status"`` element (polite: read after what the user is doing) for
the widget's life and changes only its content: "Saved at 10:31", a score, hints. ``value`` is HTML, as
ipywidgets' HTML (painkit escapes everything it puts there). Drawn by anywidget: works in JupyterLab and
Voila, offline.
"""
from __future__ import annotations

import anywidget
import traitlets

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
}
export default { render };
"""


class LiveHTML(anywidget.AnyWidget):
    """HTML shown in a polite live region; set ``value`` as for ``ipywidgets.HTML``."""

    _esm = _ESM
    value = traitlets.Unicode("").tag(sync=True)
