"""Styles painkit's widgets carry with them, so they look the same in JupyterLab and Voila, offline.

``styled(w, box)`` gives every control on the page a focus ring keyboard users can see (WCAG 2.4.7; the
same rule the name box shows, so a notebook without the name box, such as 00, has it too) and lets the labels of tick boxes and dropdowns inside ``box`` wrap onto more lines
instead of being cut off with an ellipsis (ipywidgets keeps them one line high): a learner reads the whole
intervention name or questionnaire item, and a screen magnifier user sees it without hovering.
"""
from __future__ import annotations

from typing import Any

from ..progress._session import FOCUS_STYLE  # one definition of the focus ring, shown with the name box too

WRAP_CLASS = "painkit-wrap"
_WRAP_STYLE = (
    "<style>"
    f".{WRAP_CLASS} .widget-checkbox {{height: auto !important; min-height: var(--jp-widgets-inline-height);}}"
    f".{WRAP_CLASS} .widget-checkbox .widget-label-basic {{height: auto; align-items: flex-start;}}"
    f".{WRAP_CLASS} .widget-checkbox .widget-label-basic, .{WRAP_CLASS} .widget-checkbox span "
    "{white-space: normal !important; overflow: visible !important; text-overflow: clip !important; "
    "line-height: 1.3;}"
    f".{WRAP_CLASS} .widget-checkbox input {{flex: none; margin-top: 0.2em;}}"
    f".{WRAP_CLASS} .widget-dropdown {{height: auto !important; align-items: flex-start;}}"
    f".{WRAP_CLASS} .widget-dropdown > .widget-label {{white-space: normal; overflow: visible; height: auto; "
    "text-align: left; line-height: 1.35; padding-top: 0.2em;}"
    f".{WRAP_CLASS} .widget-dropdown > select {{height: var(--jp-widgets-inline-height); flex: none;}}"
    "</style>"
)


def styled(w: Any, box: Any) -> Any:
    """Add painkit's style to ``box`` (an ipywidgets Box, as its last child): the focus ring for the page and
    labels of tick boxes and dropdowns inside ``box`` that wrap instead of clipping."""
    box.add_class(WRAP_CLASS)
    box.children = (*box.children, w.HTML(_WRAP_STYLE + FOCUS_STYLE))
    return box
