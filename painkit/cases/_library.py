"""The case library at a glance: an index of every case and what it covers, with filters.

Educators use it to see the curriculum's breadth (settings x mechanisms, curriculum topics) and learners to
find a case by what they want to practise: setting, mechanism, population, curriculum topic, difficulty.
"""
from __future__ import annotations

from pathlib import Path
import warnings
from typing import Iterable, Optional, Union

from ..errors import CaseError, did_you_mean
from ._case import MECHANISMS, case_files, case_folders, safe_read_case
from ._topics import PREFIX, curriculum_map, populations_for, topic_ids

COLUMNS = ["id", "title", "setting", "mechanisms", "primary", "mixed", "conditions", "topics", "population",
           "difficulty"]
SETTINGS = ("acute", "chronic", "cancer", "palliative")
DIFFICULTIES = ("introductory", "intermediate", "advanced")

Filter = Union[str, Iterable[str], None]


def _rows(folder: str | Path | None, problems: list[str]) -> list[dict]:
    """One row per case that loads; the problems of those that do not go to ``problems``."""
    rows: list[dict] = []
    for d in case_folders(folder):
        for path in case_files(d):
            if any(r["id"] == path.stem for r in rows):
                continue  # an earlier folder ($PAINKIT_CASES) overrides the shipped case
            try:
                case = safe_read_case(path, d)
            except CaseError as exc:
                problems.extend(exc.problems)
                continue
            graded = [m for m in MECHANISMS if case.key.mechanisms.get(m, "unlikely") != "unlikely"]
            rows.append({
                "id": case.id, "title": case.title, "setting": case.setting,
                "mechanisms": graded, "primary": case.key.primary, "mixed": len(graded) > 1,
                "conditions": list(case.conditions), "topics": list(case.topics),
                "population": populations_for(case.patient.age, [c.id for c in case.comorbidities],
                                              case.population),
                "difficulty": case.difficulty,
            })
    return rows


def _wanted(name: str, value: Filter, allowed: Iterable[str]) -> Optional[set[str]]:
    """A filter as a set of allowed values (None = no filter); an unknown value is an error naming it."""
    if value is None:
        return None
    values = {value} if isinstance(value, str) else set(value)
    allowed = sorted(allowed)
    for v in values:
        if v not in allowed:
            raise CaseError(f"case_index: {name}={v!r:.60} is not known{did_you_mean(str(v), allowed)}; "
                            f"allowed: {', '.join(allowed)}")
    return values


def case_index(folder: str | Path | None = None, *, setting: Filter = None, mechanism: Filter = None,
               population: Filter = None, topic: Filter = None, difficulty: Filter = None):
    """DataFrame: id, title, setting, mechanisms (graded other than 'unlikely'), primary, mixed, conditions,
    topics, population (age band and comorbidity-derived populations plus those the case declares) and
    difficulty; one row per case, sorted by id.

    Each filter takes one value or several (a case matches any of them): ``setting`` (acute, chronic,
    cancer, palliative), ``mechanism`` (nociceptive, neuropathic, nociplastic graded above 'unlikely', or
    'mixed'), ``population`` (see ``painkit/data/curriculum.yaml``), ``topic`` (a curriculum topic id such
    as 'iasp.conditions.children', or a free tag) and ``difficulty``. An unknown value raises CaseError.
    A case file that does not load is left out with a warning and listed in ``index.attrs['problems']``:
    one bad file never hides the others."""
    import pandas as pd

    problems: list[str] = []
    frame = pd.DataFrame(_rows(folder, problems), columns=COLUMNS).sort_values("id", ignore_index=True)
    if problems:
        warnings.warn(f"{len(problems)} problem(s) in case files left out of the index; first: {problems[0]}",
                      stacklevel=2)
    frame = filter_index(frame, setting=setting, mechanism=mechanism, population=population, topic=topic,
                        difficulty=difficulty)
    frame.attrs["problems"] = problems
    return frame


def filter_index(index: "pd.DataFrame", *, setting: Filter = None, mechanism: Filter = None, population: Filter = None,
                 topic: Filter = None, difficulty: Filter = None):
    """The rows of a ``case_index()`` frame that match every given filter (see ``case_index``); lets a
    picker filter one index many times without reloading the cases."""
    want_setting = _wanted("setting", setting, SETTINGS)
    want_mech = _wanted("mechanism", mechanism, [*MECHANISMS, "mixed"])
    want_pop = _wanted("population", population, curriculum_map()["populations"]["ids"])
    tags = set(topic_ids()) | {t for ts in index["topics"] for t in ts if not t.startswith(PREFIX)}
    want_topic = _wanted("topic", topic, tags)
    want_diff = _wanted("difficulty", difficulty, DIFFICULTIES)

    def keep(r) -> bool:
        return ((want_setting is None or r["setting"] in want_setting)
                and (want_mech is None or bool(want_mech & {*r["mechanisms"], *(["mixed"] if r["mixed"] else [])}))
                and (want_pop is None or bool(want_pop & set(r["population"])))
                and (want_topic is None or bool(want_topic & set(r["topics"])))
                and (want_diff is None or r["difficulty"] in want_diff))

    if not len(index):
        return index
    return index[index.apply(keep, axis=1)].reset_index(drop=True)


def coverage(index=None):
    """Counts of cases per setting and mechanism class (nociceptive, neuropathic, nociplastic, mixed)."""
    import pandas as pd

    index = case_index() if index is None else index
    label = index.apply(lambda r: "mixed" if r["mixed"] else r["primary"], axis=1)
    table = pd.crosstab(index["setting"], label, rownames=["setting"], colnames=["mechanism"]).reindex(
        index=list(SETTINGS), columns=[*MECHANISMS, "mixed"], fill_value=0)
    return table.fillna(0).astype(int)
