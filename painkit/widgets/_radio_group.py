"""RadioGroup: a real radio group for screen readers and keyboards (ipywidgets' RadioButtons gives its
inputs no shared name, so every option is a tab stop and the arrow keys run on into the next question).

A ``<fieldset>`` whose ``<legend>`` names the group, native radio inputs sharing one ``name`` (one tab stop;
the arrow keys move and wrap inside the group only), each with its own ``<label>``, long labels wrapping,
and a visible focus ring. Drawn by anywidget, so it works the same in JupyterLab and Voila, offline.
``value`` (any Python value, e.g. True/False or an option id) mirrors the synced ``index``.
"""
from __future__ import annotations

from typing import Any, Sequence

import anywidget
import traitlets

_ESM = r"""
let groups = 0;
function render({ model, el }) {
  const name = `painkit-radio-${Date.now().toString(36)}-${groups++}`;
  const fieldset = document.createElement("fieldset");
  fieldset.className = "painkit-radio-group";
  const legend = document.createElement("legend");
  fieldset.appendChild(legend);
  el.appendChild(fieldset);
  function checkIndex() {
    const index = model.get("index");
    fieldset.querySelectorAll("input").forEach((input, i) => { input.checked = index === i; });
  }
  function draw() {
    legend.textContent = model.get("label");
    fieldset.querySelectorAll(".painkit-radio-option").forEach((row) => row.remove());
    model.get("labels").forEach((text, i) => {
      const row = document.createElement("div");
      row.className = "painkit-radio-option";
      const input = document.createElement("input");
      input.type = "radio";
      input.name = name;
      input.id = `${name}-${i}`;
      input.value = String(i);
      input.disabled = model.get("disabled");
      input.addEventListener("change", () => {
        if (input.checked) { model.set("index", i); model.save_changes(); }
      });
      const label = document.createElement("label");
      label.htmlFor = input.id;
      label.textContent = text;
      row.append(input, label);
      fieldset.appendChild(row);
    });
    checkIndex();
  }
  model.on("change:labels", draw);
  model.on("change:label", draw);
  model.on("change:disabled", draw);
  model.on("change:index", checkIndex);
  draw();
}
export default { render };
"""

_CSS = """
.painkit-radio-group { border: none; margin: 0.3em 0; padding: 0; min-width: 0; }
.painkit-radio-group legend { font-weight: bold; padding: 0 0 0.2em 0; }
.painkit-radio-option { display: flex; align-items: flex-start; gap: 0.5em; margin: 0.15em 0; }
.painkit-radio-option input { margin-top: 0.25em; flex: none; }
.painkit-radio-option label { white-space: normal; line-height: 1.35; cursor: pointer; }
.painkit-radio-option input:focus-visible { outline: 3px solid #1a4fa0; outline-offset: 2px; }
"""


class RadioGroup(anywidget.AnyWidget):
    """A named group of radio buttons. ``options``: [(label, value), ...]; ``label``: the question, read
    out as the group's name; ``value``: the chosen option's value (None: nothing chosen)."""

    _esm = _ESM
    _css = _CSS
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    index = traitlets.Int(None, allow_none=True).tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)
    value = traitlets.Any(None)

    def __init__(self, options: Sequence[tuple[str, Any]], *, label: str, value: Any = None, **kwargs: Any):
        self._values = [v for _, v in options]
        super().__init__(labels=[str(text) for text, _ in options], label=label, **kwargs)
        self.value = value

    @traitlets.observe("index")
    def _index_changed(self, change: dict) -> None:
        new = None if change["new"] is None else self._values[change["new"]]
        if self.value != new or (new is None) != (self.value is None):
            self.value = new

    @traitlets.validate("value")
    def _check_value(self, proposal: dict) -> Any:
        value = proposal["value"]
        if value is not None and value not in self._values:
            raise traitlets.TraitError(f"RadioGroup {self.label!r}: value {value!r} is not an option; allowed: "
                                       f"{', '.join(map(repr, self._values))}")
        return value

    @traitlets.observe("value")
    def _value_changed(self, change: dict) -> None:
        index = None if change["new"] is None else self._values.index(change["new"])
        if self.index != index:
            self.index = index

    @property
    def options(self) -> list[tuple[str, Any]]:
        return list(zip(self.labels, self._values))
