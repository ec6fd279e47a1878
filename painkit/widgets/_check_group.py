"""CheckGroup: the multi-choice sibling of RadioGroup, one anywidget for a whole list of tick boxes.

A ``<fieldset>`` whose ``<legend>`` names the group, a native ``<input type=checkbox>`` per option with its own
``<label>`` (each a tab stop, ticked with Space: choosing options that are not next to each other needs no
Ctrl+Space, unlike a multi-select list), an optional short description per option read out with it, long
labels wrapping and a visible focus ring (drawing shared with RadioGroup, in ``_choice_group``).
``value`` is the tuple of chosen values in option order; the browser syncs their ``indices``.

``Ticks`` is a mapping {option value: tick} over one or more CheckGroups, for code written against one
Checkbox per option (``builder.boxes["cbt"].value = True``).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Optional, Sequence

import traitlets

from ._choice_group import _CSS, _JS, ChoiceGroup

_ESM = _JS + r"""
function render({ model, el }) {
  renderGroup(model, el, "check", "checkbox", "indices",
    (inputs) => {
      model.set("indices", inputs.flatMap((input, i) => (input.checked ? [i] : [])));
      model.save_changes();
    },
    (inputs) => {
      const chosen = new Set(model.get("indices"));
      inputs.forEach((input, i) => { input.checked = chosen.has(i); });
    });
}
export default { render };
"""


class CheckGroup(ChoiceGroup):
    """A named group of tick boxes. ``options``: [(label, value), ...]; ``label``: read out as the group's
    name; ``descriptions``: optional short text per option; ``value``: the tuple of ticked values, in option
    order (setting a value that is not an option raises a ChoiceError naming the group and the options)."""

    _esm = _ESM
    _css = _CSS
    indices = traitlets.List(traitlets.Int()).tag(sync=True)
    value = traitlets.Tuple()

    def __init__(self, options: Sequence[tuple[str, Any]], *, label: str, value: Iterable[Any] = (),
                 descriptions: Optional[Sequence[str]] = None, **kwargs: Any):
        super().__init__(options, label=label, descriptions=descriptions, **kwargs)
        self.value = tuple(value)

    @traitlets.validate("indices")
    def _check_indices(self, proposal: dict) -> list[int]:
        return sorted({self._index_in_range(i) for i in proposal["value"]})

    @traitlets.observe("indices")
    def _indices_changed(self, change: dict) -> None:
        new = tuple(self._values[i] for i in change["new"])
        if self.value != new:
            self.value = new

    @traitlets.validate("value")
    def _check_value(self, proposal: dict) -> tuple:
        chosen = sorted({self._position(v) for v in proposal["value"]})
        return tuple(self._values[i] for i in chosen)

    @traitlets.observe("value")
    def _value_changed(self, change: dict) -> None:
        indices = sorted({self._values.index(v) for v in change["new"]})
        if self.indices != indices:
            self.indices = indices


class Tick:
    """One option of a CheckGroup, read and set like a Checkbox: ``value`` (ticked?) and ``description``."""

    def __init__(self, group: CheckGroup, value: Any):
        self.group, self.key = group, value

    @property
    def description(self) -> str:
        return self.group.labels[self.group.values.index(self.key)]

    @property
    def value(self) -> bool:
        return self.key in self.group.value

    @value.setter
    def value(self, on: bool) -> None:
        if bool(on) != self.value:
            self.group.value = (*self.group.value, self.key) if on else \
                tuple(v for v in self.group.value if v != self.key)

    def __repr__(self) -> str:
        return f"Tick({self.key!r}, value={self.value})"


class Ticks(Mapping):
    """A read-only mapping {option value: Tick} over CheckGroups, in ``order`` (default: the groups' order).
    ``chosen()`` lists the ticked values; ``choose(values)`` ticks exactly those, one change per group."""

    def __init__(self, groups: Iterable[CheckGroup], order: Optional[Iterable[Any]] = None):
        self.groups = list(groups)
        owner = {v: g for g in self.groups for v in g.values}
        self._owner = owner if order is None else {v: owner[v] for v in order if v in owner}

    def __getitem__(self, key: Any) -> Tick:
        return Tick(self._owner[key], key)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._owner)

    def __len__(self) -> int:
        return len(self._owner)

    def chosen(self) -> list[Any]:
        ticked = {v for g in self.groups for v in g.value}
        return [v for v in self._owner if v in ticked]

    def choose(self, values: Iterable[Any]) -> None:
        wanted = set(values)
        for group in self.groups:
            group.value = tuple(v for v in group.values if v in wanted)
