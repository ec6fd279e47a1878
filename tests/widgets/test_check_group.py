"""CheckGroup (issue 17): one anywidget for a list of tick boxes. The browser's ticked ``indices`` and Python's
``value`` follow each other; a value that is not an option is an error naming the group, the value and the
options; descriptions and ``disabled`` reach the browser; ``Ticks`` reads and sets options like Checkboxes."""
from __future__ import annotations

import pytest

from painkit.errors import PainkitError
from painkit.widgets._check_group import CheckGroup, Ticks
from painkit.widgets._choice_group import ChoiceError
from painkit.widgets._radio_group import RadioGroup

OPTIONS = [("Oral NSAID", "nsaid_oral"), ("Therapeutic exercise", "exercise"), ("CBT", "cbt")]


def _group(**kwargs) -> CheckGroup:
    return CheckGroup(OPTIONS, label="Plan", **kwargs)


def test_ticks_in_the_browser_become_the_value_in_option_order():
    group = _group()
    assert group.value == () and group.indices == [] and group.labels == [text for text, _ in OPTIONS]
    group.indices = [2, 0]            # the learner ticks CBT, then Oral NSAID (not next to each other)
    assert group.value == ("nsaid_oral", "cbt")
    group.indices = [2]               # unticks Oral NSAID
    assert group.value == ("cbt",)


def test_a_value_set_in_python_ticks_the_boxes_in_the_browser():
    group = _group(value=["exercise"])
    assert group.indices == [1]
    group.value = ("cbt", "nsaid_oral", "cbt")
    assert group.indices == [0, 2] and group.value == ("nsaid_oral", "cbt")  # option order, once each
    group.value = ()
    assert group.indices == []


def test_an_unknown_value_names_the_group_the_value_and_the_options():
    group = _group(value=["cbt"])
    with pytest.raises(ChoiceError, match=r"CheckGroup 'Plan': value 'yoga' is not an option; allowed: "
                                          r"'nsaid_oral', 'exercise', 'cbt'") as raised:
        group.value = ("cbt", "yoga")
    assert isinstance(raised.value, PainkitError)
    assert group.value == ("cbt",) and group.indices == [2]  # nothing changed
    with pytest.raises(ChoiceError, match="index 3 is not an option; allowed: 0 to 2"):
        group.indices = [3]           # a stale browser cannot tick an option that is not there
    with pytest.raises(ChoiceError, match="'yoga' is not an option"):
        _group(value=["yoga"])


def test_disabled_and_descriptions_reach_the_browser():
    group = _group(descriptions=["by mouth", "", "talking therapy"], disabled=True)
    state = group.get_state()
    assert state["disabled"] is True and state["descriptions"] == ["by mouth", "", "talking therapy"]
    assert "input.disabled = model.get(\"disabled\")" in group._esm
    assert 'setAttribute("aria-describedby"' in group._esm  # a description is read out with its box
    assert _group().descriptions == ["", "", ""]
    with pytest.raises(ChoiceError, match="2 descriptions for 3 options"):
        _group(descriptions=["one", "two"])


def test_checkboxes_and_radios_share_one_drawing():
    group, radio = _group(), RadioGroup(OPTIONS, label="One")
    shared = group._esm.split("function render(")[0]  # the fieldset, legend, labels and descriptions
    assert 'createElement("fieldset")' in shared and 'createElement("legend")' in shared
    assert radio._esm.startswith(shared) and group._css == radio._css
    assert '"checkbox", "indices"' in group._esm and '"radio", "index"' in radio._esm


def test_ticks_read_and_set_options_like_checkboxes():
    first, second = _group(), CheckGroup([("Stop ibuprofen", "ibuprofen")], label="Stop")
    ticks = Ticks([first, second], order=["cbt", "ibuprofen", "nsaid_oral", "exercise"])
    assert list(ticks) == ["cbt", "ibuprofen", "nsaid_oral", "exercise"] and "yoga" not in ticks
    ticks["ibuprofen"].value = True
    ticks["nsaid_oral"].value = True
    assert second.value == ("ibuprofen",) and first.value == ("nsaid_oral",)
    assert ticks["nsaid_oral"].value and not ticks["cbt"].value and ticks["cbt"].description == "CBT"
    assert ticks.chosen() == ["ibuprofen", "nsaid_oral"]
    ticks.choose(["exercise", "cbt"])
    assert first.value == ("exercise", "cbt") and second.value == () and ticks.chosen() == ["cbt", "exercise"]
    with pytest.raises(KeyError):
        ticks["yoga"]
