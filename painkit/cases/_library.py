"""The case library at a glance: an index of every case and what it covers.

Educators use it to see the curriculum's breadth (settings x mechanisms) and learners to pick a case.
"""
from __future__ import annotations

from pathlib import Path

from ._case import MECHANISMS, case_folders, load_case


def case_index(folder: str | Path | None = None):
    """DataFrame: id, title, setting, mechanisms (graded other than 'unlikely'), primary, mixed,
    conditions, topics; one row per case, sorted by id."""
    import pandas as pd

    rows = []
    for d in case_folders(folder):
        for path in sorted(d.glob("*.yaml")) if d.is_dir() else []:
            if any(r["id"] == path.stem for r in rows):
                continue  # an earlier folder ($PAINKIT_CASES) overrides the shipped case
            case = load_case(path)
            graded = [m for m in MECHANISMS if case.key.mechanisms.get(m, "unlikely") != "unlikely"]
            rows.append({
                "id": case.id, "title": case.title, "setting": case.setting,
                "mechanisms": graded, "primary": case.key.primary, "mixed": len(graded) > 1,
                "conditions": list(case.conditions), "topics": list(case.topics),
            })
    columns = ["id", "title", "setting", "mechanisms", "primary", "mixed", "conditions", "topics"]
    return pd.DataFrame(rows, columns=columns).sort_values("id", ignore_index=True)


def coverage(index=None):
    """Counts of cases per setting and mechanism class (nociceptive, neuropathic, nociplastic, mixed)."""
    import pandas as pd

    index = case_index() if index is None else index
    label = index.apply(lambda r: "mixed" if r["mixed"] else r["primary"], axis=1)
    table = pd.crosstab(index["setting"], label, rownames=["setting"], colnames=["mechanism"]).reindex(
        index=["acute", "chronic", "cancer", "palliative"], columns=[*MECHANISMS, "mixed"], fill_value=0)
    return table.fillna(0).astype(int)
