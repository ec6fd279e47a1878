"""RadioGroup: a real radio group for screen readers and keyboards (ipywidgets' RadioButtons gives its
inputs no shared name, so every option is a tab stop and the arrow keys run on into the next question).

A ``<fieldset>`` whose ``<legend>`` names the group, native radio inputs sharing one ``name`` (one tab stop;
the arrow keys move and wrap inside the group only), each with its own ``<label>``, long labels wrapping,
and a visible focus ring (drawing shared with CheckGroup, in ``_choice_group``).
``value`` (any Python value, e.g. True/False or an option id) mirrors the synced ``index``.
"""
from __future__ import annotations

from typing import Any, Sequence

import traitlets

from ._choice_group import _CSS, _JS, ChoiceGroup

_ESM = _JS + r"""
function render({ model, el }) {
  renderGroup(model, el, "radio", "radio", "index",
    (inputs) => {
      const i = inputs.findIndex((input) => input.checked);
      if (i >= 0) { model.set("index", i); model.save_changes(); }
    },
    (inputs) => {
      const index = model.get("index");
      inputs.forEach((input, i) => { input.checked = index === i; });
    });
}
export default { render };
"""


class RadioGroup(ChoiceGroup):
    """A named group of radio buttons. ``options``: [(label, value), ...]; ``label``: the question, read
    out as the group's name; ``value``: the chosen option's value (None: nothing chosen)."""

    _esm = _ESM
    _css = _CSS
    index = traitlets.Int(None, allow_none=True).tag(sync=True)
    value = traitlets.Any(None)

    def __init__(self, options: Sequence[tuple[str, Any]], *, label: str, value: Any = None, **kwargs: Any):
        super().__init__(options, label=label, **kwargs)
        self.value = value

    @traitlets.validate("index")
    def _check_index(self, proposal: dict) -> Any:
        return None if proposal["value"] is None else self._index_in_range(proposal["value"])

    @traitlets.observe("index")
    def _index_changed(self, change: dict) -> None:
        new = None if change["new"] is None else self._values[change["new"]]
        if self.value != new or (new is None) != (self.value is None):
            self.value = new

    @traitlets.validate("value")
    def _check_value(self, proposal: dict) -> Any:
        if proposal["value"] is not None:
            self._position(proposal["value"])
        return proposal["value"]

    @traitlets.observe("value")
    def _value_changed(self, change: dict) -> None:
        index = None if change["new"] is None else self._values.index(change["new"])
        if self.index != index:
            self.index = index
