"""Tables of the mechanism criteria (from mechanisms.yaml) and escaped HTML views of an assessment and of
feedback, for notebooks and the MechanismQuiz widget. Presentation only: no criteria live here."""
from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Optional

from ..cases import MECHANISMS
from ._criteria import _names, criteria
from ..cases._render import _table

if TYPE_CHECKING:
    import pandas as pd

    from ._classify import Feedback, MechanismAssessment


def _met_when(crit: dict) -> str:
    rule, several = crit["rule"], not isinstance(crit["finding"], str)
    if isinstance(rule, bool):
        word = "yes" if rule else "no"
        return f"any is {word}" if several else word
    if "at_least" in rule:
        return f">= {rule['at_least']}"
    return f"at least {rule['min_items']} listed"


def _needed_for(system: dict, cid: str) -> str:
    uses = []
    for grade, rule in system["grades"].items():
        if cid in rule.get("requires", []):
            uses.append(grade)
        elif cid in rule.get("requires_one_of", []):
            others = " or ".join(" or ".join(_names(system["criteria"][c])) for c in rule["requires_one_of"]
                                 if c != cid)
            uses.append(f"{grade} (or {others})")
    return ", ".join(uses)


def _systems(mechanism: Optional[str]) -> list[str]:
    return list(MECHANISMS) if mechanism is None else [mechanism]


def criteria_table(mechanism: Optional[str] = None) -> "pd.DataFrame":
    """One row per criterion: its label, the case finding it reads, when it is met, the grades that need
    it, and its source."""
    import pandas as pd

    rows = []
    for mech in _systems(mechanism):
        system = criteria()["systems"][mech]
        for cid, crit in system["criteria"].items():
            # finding ids and statuses shown as words, so a learner reads them and a narrow page wraps them
            finding = " or ".join(_names(crit)).replace("_", " ")
            rows.append({"mechanism": mech, "criterion": crit["label"], "finding": finding,
                         "met when": _met_when(crit), "needed for": _needed_for(system, cid).replace("_", " "),
                         "source": crit["source"],
                         "status": crit.get("status", system["status"]).replace("_", " "),
                         "note": crit.get("note", "")})
    return pd.DataFrame(rows)


def grade_table(mechanism: Optional[str] = None) -> "pd.DataFrame":
    """One row per grade: the rule in words, its source and verification status."""
    import pandas as pd

    return pd.DataFrame([{"mechanism": mech, "system": criteria()["systems"][mech]["system"], "grade": grade,
                          "rule": rule["label"], "source": rule["source"], "status": rule["status"].replace("_", " ")}
                         for mech in _systems(mechanism)
                         for grade, rule in criteria()["systems"][mech]["grades"].items()])


def screening_table() -> "pd.DataFrame":
    """The screening instruments, the mechanism each supports and its cut-off (support, never diagnosis)."""
    import pandas as pd

    spec = criteria()["screening"]
    return pd.DataFrame([{"instrument": i, "label": s["label"], "supports": s["supports"], "positive": s["cutoff"],
                          "role": spec["note"], "source": s["source"], "status": s["status"]}
                         for i, s in spec["instruments"].items()])


def assessment_html(a: "MechanismAssessment") -> str:
    """The case's criteria, met or not, with the case's values and notes (every string escaped)."""
    status = {True: "met", False: "not met", None: "not assessed"}
    screen = {True: "positive screen", False: "negative screen", None: "no cut-off"}
    rows = [[r.mechanism, a.grades[r.mechanism], r.label, r.value_text, r.note,
             status[r.met] if r.kind == "criterion" else screen[r.met], r.source] for r in a.reasons]
    head = (f"<p><b>Grades:</b> {escape(', '.join(f'{m} {g}' for m, g in a.grades.items()))}; "
            f"<b>primary:</b> {escape(str(a.primary))}; <b>mixed:</b> {'yes' if a.mixed else 'no'}</p>")
    note = f"<p class='pk-note'>{escape(criteria()['screening']['note'].capitalize())}.</p>"
    return head + _table(["mechanism", "grade", "criterion", "value", "in this case", "result", "source"], rows) + note


def feedback_html(fb: "Feedback") -> str:
    """The feedback as an escaped list: the verdict first, then one line per point."""
    first, *rest = fb.explanation.split("\n")
    items = "".join(f"<li>{escape(line)}</li>" for line in rest)
    return f"<p><b>{escape(first)}</b></p>" + (f"<ul>{items}</ul>" if items else "")
