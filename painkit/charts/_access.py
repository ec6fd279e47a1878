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


def _cell(value: object) -> str:
    """A table cell as text: '-' for missing, 3 significant digits for decimals, everything escaped."""
    from html import escape

    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}"
    return escape(str(value))


def _table_html(spec: dict) -> str:
    """Each dataset of the spec as an HTML table (columns named in words, with header scope), at most
    TABLE_ROWS rows. Written directly: a DataFrame per chart only to print it cost ~20 ms a chart."""
    from html import escape

    parts = []
    for records in (spec.get("datasets") or {}).values():
        rows = [r for r in records if isinstance(r, dict)]
        columns = list(dict.fromkeys(k for r in rows for k in r if not str(k).startswith("_")))
        if not rows or not columns:
            continue
        head = "".join(f"<th scope='col'>{escape(str(c).replace('_', ' '))}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in columns) + "</tr>"
                       for r in rows[:TABLE_ROWS])
        note = f"<p>First {TABLE_ROWS} of {len(rows)} rows.</p>" if len(rows) > TABLE_ROWS else ""
        parts.append(f"<table class='pk-chart-data'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                     + note)
    return "".join(parts) or f"<p>{escape('No data.')}</p>"


def accessible_html(spec: dict) -> str:
    """What follows a chart: its description and, one click away, its data as a table (HTML)."""
    from html import escape

    return (f"<div class='pk-chart pk-chart-text' role='group' aria-label='{escape(title_of(spec))}: description and data'>"
            f"<p>{escape(spec.get('description') or describe(spec))}</p>"
            f"<details><summary>Show the chart's data as a table</summary>{_table_html(spec)}</details></div>")
