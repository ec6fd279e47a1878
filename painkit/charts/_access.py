"""What makes a chart accessible beside its drawing: a one-sentence text description of a Vega-Lite spec
(which Vega puts on the drawing as its name) and the chart's data as an HTML table shown after it."""
from __future__ import annotations

TABLE_ROWS = 60  # rows of a chart's data shown in its table (the rest is summarised)


def title_of(spec: dict) -> str:
    """A spec's title as one line of text ('Chart' when it has none)."""
    title = spec.get("title") or ""
    if isinstance(title, dict):
        title = title.get("text", "")
    if isinstance(title, list):
        title = ". ".join(str(t).rstrip(". ") for t in title if str(t).strip())
    return str(title) or "Chart"


def _parts(spec: dict) -> list[dict]:
    """A spec and every view nested in it (layers, concatenations, a facet's panel), depth first."""
    out = [spec]
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for part in spec.get(key, []):
            out.extend(_parts(part))
    if isinstance(spec.get("spec"), dict):
        out.extend(_parts(spec["spec"]))
    return out


def _encodings(spec: dict) -> list[str]:
    """'y by x'-style phrases from every view's x, y and colour channels (their titles or fields); views whose
    y has no title (a band's lower edge, a rule) are left out when another view's y has one."""
    out: list[tuple[str, bool]] = []
    for part in _parts(spec):
        enc = part.get("encoding") or {}
        names = {}
        for ch in ("x", "y", "color", "column", "row"):
            e = enc.get(ch)
            if isinstance(e, dict) and (e.get("title") or e.get("field")):
                names[ch] = str(e.get("title") or e.get("field"))
        if "y" in names and "x" in names:
            phrase = f"{names['y']} by {names['x']}"
            if any(p.startswith(phrase) for p, _ in out):
                continue
            if "color" in names:
                phrase += f", one colour per {names['color']}"
            out.append((phrase, bool(enc["y"].get("title"))))
    titled = [p for p, has_title in out if has_title]
    return titled or [p for p, _ in out]


def describe(spec: dict) -> str:
    """A one-sentence text description of a Vega-Lite spec: title, what is plotted against what, rows."""
    rows = sum(len(v) for v in (spec.get("datasets") or {}).values())
    what = "; ".join(_encodings(spec))
    return f"{title_of(spec).rstrip('.')}: {what or 'chart'}. Its data ({rows} rows) are in the table below the chart."


def _table_html(spec: dict) -> str:
    import pandas as pd
    from html import escape

    parts = []
    for records in (spec.get("datasets") or {}).values():
        frame = pd.DataFrame(records)
        if frame.empty:
            continue
        frame = frame[[c for c in frame.columns if not str(c).startswith("_")]]
        note = ""
        if len(frame) > TABLE_ROWS:
            note = f"<p>First {TABLE_ROWS} of {len(frame)} rows.</p>"
            frame = frame.head(TABLE_ROWS)
        frame.columns = [str(c).replace("_", " ") for c in frame.columns]
        parts.append(frame.to_html(index=False, border=0, na_rep="-", float_format=lambda v: f"{v:.3g}",
                                   classes="pk-chart-data") + note)
    return "".join(parts) or f"<p>{escape('No data.')}</p>"


def accessible_html(spec: dict) -> str:
    """What follows a chart: its description and, one click away, its data as a table (HTML)."""
    from html import escape

    return (f"<div class='pk-chart pk-chart-text' role='group' aria-label='{escape(title_of(spec))}: description and data'>"
            f"<p>{escape(spec.get('description') or describe(spec))}</p>"
            f"<details><summary>Show the chart's data as a table</summary>{_table_html(spec)}</details></div>")
