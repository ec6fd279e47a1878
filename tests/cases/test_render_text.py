"""Vignette text: the YAML's hard wraps read as spaces; list items and paragraphs keep their breaks."""
from __future__ import annotations

from painkit.cases._render import text_html


def test_hard_wraps_are_spaces_and_lists_keep_their_lines():
    html = text_html("A woman of 52\nwith back pain.\n\nShe takes:\n- ibuprofen\n- tramadol <b>")
    assert html == ("<p>A woman of 52 with back pain.</p>"
                    "<p>She takes:<br>- ibuprofen<br>- tramadol &lt;b&gt;</p>")
