"""CaseView hides the key until asked and shows only escaped case text."""
from __future__ import annotations

import painkit as pk
from painkit.widgets import CaseView


def test_key_hidden_until_the_button_is_pressed():
    view = CaseView("lbp-chronic")
    assert "Expert key" not in view.page.value
    assert pk.DISCLAIMER in view.page.value
    view.button.value = True  # the learner presses the toggle
    assert "Expert key" in view.page.value and view.button.description == "Hide the expert key"
    view.show_key(False)
    assert "Expert key" not in view.page.value and view.button.value is False


def test_case_text_is_escaped(tmp_path):
    text = (pk.cases.REPO_CASES / "lbp-chronic.yaml").read_text().replace(
        "title: Chronic low back pain with psychosocial risk factors", "title: \"<script>alert(1)</script>\"")
    (tmp_path / "lbp-chronic.yaml").write_text(text)
    view = CaseView(pk.load_case(tmp_path / "lbp-chronic.yaml"))
    assert "<script>" not in view.page.value and "&lt;script&gt;" in view.page.value
