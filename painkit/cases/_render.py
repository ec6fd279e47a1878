"""Case vignettes as notebook HTML. Every string from a case file is escaped: a case file from a
stranger can show ``<script>`` as text but can never run it."""
from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._case import Case

from .. import DISCLAIMER

_STYLE = (
    "<style>.pk-case{font-family:system-ui,sans-serif;max-width:52em;line-height:1.45}"
    ".pk-case h3{margin:.2em 0}.pk-case h4{margin:.9em 0 .2em;color:#345}"
    ".pk-case table{border-collapse:collapse}.pk-case td,.pk-case th{border:1px solid #ccd;padding:2px 6px}"
    ".pk-tag{display:inline-block;background:#eef;border-radius:4px;padding:0 6px;margin-right:4px}"
    ".pk-flag-yes{color:#a00;font-weight:bold}.pk-note{color:#666;font-size:90%}</style>"
)


_LIST_LINE = re.compile(r"\n(?=\s*(?:[-*\u2022]\s|\d+[.)]\s))")


def text_html(text: str) -> str:
    """Escaped paragraphs; blank lines split paragraphs. A single newline is the YAML file's hard wrap and
    reads as a space, except before a list item ("- ", "1. "), which starts a new line."""
    paras = [p.strip() for p in str(text).split("\n\n") if p.strip()]
    out = []
    for para in paras:
        lines = [" ".join(part.split()) for part in _LIST_LINE.split(para)]
        out.append("<p>" + "<br>".join(escape(line) for line in lines) + "</p>")
    return "".join(out)


def _table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _section(title: str, body: str) -> str:
    return f"<h4>{escape(title)}</h4>{body}" if body else ""


def _dose(m) -> str:
    parts = [f"{m.dose:g} {m.unit or ''}".strip() if m.dose is not None else ""]
    if m.per_day:
        parts.append(f"x {m.per_day:g}/day")
    return " ".join(p for p in parts if p)


def _responses(visit) -> str:
    rows = [[inst, ", ".join("-" if v is None else str(v) for v in (a.values() if isinstance(a, dict) else a))]
            for inst, a in visit.responses.items()]
    return _table(["instrument", "answers (item order)"], rows)


def case_html(case: "Case", key: bool = False) -> str:
    """Render presentation, history, exam, medications and questionnaire answers; the key if asked."""
    if not all(hasattr(case, a) for a in ("patient", "title", "setting", "key")):  # not a Case (no import cycle)
        from ..errors import CaseError
        from .._validate import short

        raise CaseError(f"case: found {short(case)} ({type(case).__name__}); allowed: a Case (pk.load_case)")
    p = case.patient
    # the setting and conditions in words ("chronic low back pain", not its snake_case id), one space apart
    tags = " ".join(f"<span class='pk-tag'>{escape(t.replace('_', ' '))}</span>" for t in [case.setting, *case.conditions])
    out = [_STYLE, "<div class='pk-case'>", f"<h3>{escape(case.title)}</h3>", f"<div>{tags}</div>",
           f"<p class='pk-note'>{escape(DISCLAIMER)}</p>",
           f"<p><b>Patient:</b> {p.age}-year-old {escape(p.sex)}. {escape(p.background)}</p>",
           _section("Presentation", text_html(case.presentation)),
           _section("History", text_html(case.history)),
           _section("Examination", text_html(case.exam))]
    if case.red_flags:
        items = "".join(
            f"<li class='{'pk-flag-yes' if f.present else ''}'>{escape(f.name)}: "
            f"{'present' if f.present else 'absent'}{' - ' + escape(f.note) if f.note else ''}</li>"
            for f in case.red_flags)
        out.append(_section("Red flags screened", f"<ul>{items}</ul>"))
    if case.comorbidities:
        out.append(_section("Comorbidities", "<ul>" + "".join(
            f"<li>{escape(c.id.replace('_', ' '))}{' - ' + escape(c.note) if c.note else ''}</li>"
            for c in case.comorbidities) + "</ul>"))
    if case.medications:
        out.append(_section("Medications", _table(
            ["medication", "dose", "note"], [[m.name, _dose(m), m.note] for m in case.medications])))
    out.append(_section("Allergies", escape(", ".join(case.allergies) or "none known")))
    for v in case.instruments:
        out.append(_section(f"Questionnaires: {v.label or 'visit'} (week {v.week})", _responses(v)))
    if key:
        k = case.key
        grades = _table(["mechanism", "grade"], [[m, g] for m, g in k.mechanisms.items()])
        out += ["<hr>", "<h4>Expert key</h4>", grades, f"<p><b>Primary:</b> {escape(k.primary)}</p>",
                text_html(k.rationale),
                _section("Recommended plan", escape(", ".join(k.plan))),
                _section("Stop", escape(", ".join(k.stop))) if k.stop else "",
                _section("Inappropriate", "<ul>" + "".join(
                    f"<li>{escape(x.id)}: {escape(x.reason)}</li>" for x in k.inappropriate) + "</ul>"
                    if k.inappropriate else ""),
                _section("Teaching points", "<ul>" + "".join(f"<li>{escape(t)}</li>" for t in k.teaching_points) + "</ul>"),
                _section("Sources", "<ul>" + "".join(f"<li>{escape(s)}</li>" for s in k.sources) + "</ul>")]
    out.append("</div>")
    return "".join(out)
