"""Findings: one reviewed statement about a plan or a prescription (code, severity, message, source).

Shared by ``painkit.formulary`` (MME flags) and ``painkit.plans`` (plan review), so an MME flag and a plan
finding look the same everywhere. The wording and sources of findings live in data files; this module
only fills their templates.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from reprlib import repr as short  # never a whole value in a message
from typing import Any, Iterable, Mapping

from .errors import PlanError

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    """A reviewed statement: stable snake_case ``code``, ``severity`` (error|warning|info), a message a
    clinician would write, and its ``source`` (author, year). ``items`` names the interventions involved."""

    code: str
    severity: str
    message: str
    source: str
    component: str = ""
    items: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in ("code", "severity", "message", "source", "component"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise PlanError(f"Finding {name}: found {short(value)} ({type(value).__name__}); allowed: text")
        if not self.code:
            raise PlanError("Finding code: found ''; allowed: a snake_case code such as 'nsaid_with_ckd'")
        if self.severity not in _RANK:
            raise PlanError(f"Finding severity: found {short(self.severity)}; allowed: {', '.join(SEVERITIES)}")
        if isinstance(self.items, str) or not all(isinstance(i, str) for i in self.items):
            raise PlanError(f"Finding items: found {short(self.items)}; allowed: a tuple of intervention ids")

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "code": self.code, "message": self.message, "source": self.source,
                "component": self.component, "items": ", ".join(self.items)}


def render(rule: Mapping[str, Any], code: str, *, severity: str | None = None, component: str = "",
           items: Iterable[str] = (), **params: Any) -> Finding:
    """A Finding from a rule-table entry (``message`` template, ``severity``, ``source``) and its values."""
    return Finding(code=code, severity=severity or rule["severity"], message=rule["message"].format(**params),
                   source=rule["source"], component=component or rule.get("component", ""), items=tuple(items))


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then information; stable within a severity."""
    return sorted(findings, key=lambda f: _RANK[f.severity])


def findings_frame(findings: Iterable[Finding]):
    """Findings as a DataFrame (severity, code, message, source, component, items)."""
    import pandas as pd

    cols = ["severity", "code", "message", "source", "component", "items"]
    return pd.DataFrame([f.to_dict() for f in findings], columns=cols)


_COLOURS = {"error": "#b00020", "warning": "#a15c00", "info": "#2f5d8a"}


def findings_html(findings: Iterable[Finding]) -> str:
    """An escaped HTML list of findings, severity first (nothing from a case or plan is trusted as HTML).

    A learner reads the severity and the message in words; the snake_case code is kept out of the text (it
    stays in ``data-code`` for educators' tools and in ``findings_frame``)."""
    rows = [f"<li data-code='{escape(f.code, quote=True)}'><b style='color:{_COLOURS[f.severity]}'>"
            f"{escape(f.severity)}:</b> {escape(f.message)} <span style='color:#595959'>"
            f"({escape(f.source)})</span></li>" for f in findings]
    return "<ul>" + "".join(rows) + "</ul>" if rows else "<p>No findings.</p>"
