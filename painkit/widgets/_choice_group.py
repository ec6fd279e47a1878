"""What RadioGroup and CheckGroup share: a ``<fieldset>`` whose ``<legend>`` names the group, one native input per
option with its own ``<label>`` (long labels wrap), an optional short description per option (small text, linked
to its input by ``aria-describedby``), a 3 px focus ring, ``disabled``, and the Python side's options and the
error for a value that is not an option. Drawn by anywidget, so it works the same in JupyterLab and Voila, offline.

One anywidget model per group (not a Checkbox, an HTML and an HBox per option): building a plan's 60-odd choices
costs a few models instead of hundreds, and a cold Voila page appears sooner.
"""
from __future__ import annotations

from typing import Any, Sequence

import anywidget
import traitlets

from ..errors import PainkitError

# render_group(model, el, kind, type, trait, on_change, show_checked): draws the group and redraws it when its
# labels, name, descriptions, columns or disabled state change; on_change(inputs) runs when the learner changes
# an input, show_checked(inputs) when the synced ``trait`` changes in Python.
_JS = r"""
function renderGroup(model, el, kind, type, trait, onChange, showChecked) {
  // ids unique in the page, so that each label names its own input: every widget model loads this module
  // afresh, so a counter must live on the page, not in the module (a per-module one drew groups rendered in
  // the same millisecond with the same ids, and their inputs lost their names)
  const groups = (globalThis.__painkitChoiceGroups = (globalThis.__painkitChoiceGroups || 0) + 1);
  const name = `painkit-${kind}-${groups}-${Math.random().toString(36).slice(2, 8)}`;
  const fieldset = document.createElement("fieldset");
  fieldset.className = `painkit-choice-group painkit-${kind}-group`;
  const legend = document.createElement("legend");
  const options = document.createElement("div");
  options.className = "painkit-choice-options";
  fieldset.append(legend, options);
  el.appendChild(fieldset);
  const inputs = () => Array.from(options.querySelectorAll("input"));
  function draw() {
    legend.textContent = model.get("label");
    const columns = Math.max(1, model.get("columns"));
    // one column as wide as the space; several side by side, each at most 24em (the eye finds the next one)
    options.style.gridTemplateColumns = columns > 1 ? `repeat(${columns}, minmax(0, 24em))` : "minmax(0, 1fr)";
    options.replaceChildren();
    const notes = model.get("descriptions");
    model.get("labels").forEach((text, i) => {
      const row = document.createElement("div");
      row.className = `painkit-choice-option painkit-${kind}-option`;
      const input = document.createElement("input");
      input.type = type;
      input.name = name;
      input.id = `${name}-${i}`;
      input.value = String(i);
      input.disabled = model.get("disabled");
      input.addEventListener("change", () => onChange(inputs()));
      const words = document.createElement("div");
      words.className = "painkit-choice-words";
      const label = document.createElement("label");
      label.htmlFor = input.id;
      label.textContent = text;
      words.appendChild(label);
      if (notes[i]) {
        const note = document.createElement("small");
        note.id = `${input.id}-note`;
        note.textContent = notes[i];
        input.setAttribute("aria-describedby", note.id);
        words.appendChild(note);
      }
      row.append(input, words);
      options.appendChild(row);
    });
    showChecked(inputs());
  }
  for (const t of ["labels", "label", "descriptions", "columns", "disabled"]) model.on(`change:${t}`, draw);
  model.on(`change:${trait}`, () => showChecked(inputs()));
  draw();
}
"""

_CSS = """
.painkit-choice-group { border: none; margin: 0.3em 0; padding: 0.1em 0.4em; min-width: 0; }
.painkit-choice-group legend { font-weight: bold; padding: 0 0 0.2em 0; }
.painkit-choice-options { display: grid; column-gap: 1.5em; }
.painkit-choice-option { display: flex; align-items: flex-start; gap: 0.5em; margin: 0.15em 0; min-width: 0; }
.painkit-choice-option input { margin-top: 0.25em; flex: none; }
.painkit-choice-words { display: flex; flex-direction: column; min-width: 0; }
.painkit-choice-option label { white-space: normal; line-height: 1.35; cursor: pointer; overflow-wrap: anywhere; }
.painkit-choice-option small { line-height: 1.3; color: #444; }
.painkit-choice-option input:focus-visible { outline: 3px solid #1a4fa0; outline-offset: 2px; }
"""


class ChoiceError(PainkitError, traitlets.TraitError):
    """A value given to a RadioGroup or CheckGroup is not one of its options (a TraitError too, so traitlets
    undoes a half-made change)."""


class ChoiceGroup(anywidget.AnyWidget):
    """The common part of RadioGroup and CheckGroup: ``options`` [(label, value), ...], ``label`` (read out as
    the group's name), optional ``descriptions`` (one short text per option, '' for none), ``columns`` and
    ``disabled``."""

    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    descriptions = traitlets.List(traitlets.Unicode()).tag(sync=True)
    columns = traitlets.Int(1).tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    def __init__(self, options: Sequence[tuple[str, Any]], *, label: str,
                 descriptions: Sequence[str] | None = None, **kwargs: Any):
        self._values = [v for _, v in options]
        notes = [str(d or "") for d in descriptions] if descriptions is not None else [""] * len(self._values)
        if len(notes) != len(self._values):
            raise ChoiceError(f"{type(self).__name__} {label!r}: {len(notes)} descriptions for "
                              f"{len(self._values)} options; give one per option ('' for none)")
        super().__init__(labels=[str(text) for text, _ in options], label=label, descriptions=notes, **kwargs)

    @property
    def options(self) -> list[tuple[str, Any]]:
        return list(zip(self.labels, self._values))

    @property
    def values(self) -> list[Any]:
        """The options' values, in order."""
        return list(self._values)

    def _position(self, value: Any) -> int:
        """The index of ``value`` among the options; a ChoiceError naming the group and what is allowed."""
        try:
            return self._values.index(value)
        except ValueError:
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            raise ChoiceError(f"{type(self).__name__} {self.label!r}: value {shown} is not an option; allowed: "
                              f"{', '.join(map(repr, self._values))}") from None

    def _index_in_range(self, index: int) -> int:
        if not 0 <= index < len(self._values):
            raise ChoiceError(f"{type(self).__name__} {self.label!r}: index {index} is not an option; allowed: "
                              f"0 to {len(self._values) - 1}")
        return index
