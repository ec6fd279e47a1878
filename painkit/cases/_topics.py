"""The curriculum map (``painkit/data/curriculum.yaml``): IASP curriculum components and the topic ids
cases are tagged with, the populations a case teaches, and which topics the case library covers.

It lives in ``cases`` because the case schema checks topic ids against it; ``painkit.curriculum`` re-exports
it with the rest of what painkit teaches.

A case's ``topics`` list mixes free teaching tags with curriculum topic ids; an id starts with ``iasp.``
and must be one defined here (checked when the case loads). Clinical-condition topics marked
``coverage: required`` must each be taught by at least one shipped case (tests/test_curriculum.py).
Not an official syllabus: ``curriculum_map()["statement"]`` says so.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable

from .. import _yamlio as yamlio
from ..errors import PainkitError

PREFIX = "iasp."


class CurriculumError(PainkitError, ValueError):
    """The curriculum map is malformed (the message names the domain or topic and the field)."""


def _fail(where: str, msg: str) -> None:
    raise CurriculumError(f"painkit/data/curriculum.yaml: {where}: {msg}")


@lru_cache(maxsize=1)
def curriculum_map() -> dict[str, Any]:
    """The map as data (shared and cached: copy before changing), checked once: every topic id starts with
    ``iasp.<domain>.``, is unique, has a title and a status from the one vocabulary."""
    data = yamlio.data_file("curriculum.yaml")
    statuses = {"verified", "partial", "unverified", "teaching_assumption"}
    seen: set[str] = set()
    for key in ("statement", "source", "status", "domains"):
        if key not in data:
            _fail("top level", f"missing key '{key}'")
    for dom, body in data["domains"].items():
        for t in body.get("topics") or _fail(dom, "no topics") or ():
            tid = t.get("id", "")
            if not tid.startswith(f"{PREFIX}{dom}.") or tid in seen:
                _fail(dom, f"topic id {tid!r} must be unique and start with '{PREFIX}{dom}.'")
            if not t.get("title") or t.get("status") not in statuses:
                _fail(tid, f"needs a title and a status from {sorted(statuses)}")
            seen.add(tid)
    return data


def topics() -> list[dict[str, Any]]:
    """Every topic, in map order: id, title, domain, domain_title, required (a condition every library
    must cover), status."""
    out = []
    for dom, body in curriculum_map()["domains"].items():
        for t in body["topics"]:
            out.append({"id": t["id"], "title": t["title"], "domain": dom, "domain_title": body["title"],
                        "required": t.get("coverage") == "required", "status": t["status"]})
    return out


@lru_cache(maxsize=1)
def topic_ids() -> frozenset[str]:
    """The ids a case may use in ``topics`` (those starting with ``iasp.``)."""
    return frozenset(t["id"] for t in topics())


def curriculum_topics(tags: Iterable[str]) -> list[str]:
    """The curriculum topic ids among a case's tags (free teaching tags left out)."""
    return [t for t in tags if t.startswith(PREFIX)]


def topic_coverage(index: "pd.DataFrame") -> Any:
    """DataFrame, one row per topic in map order: id, title, domain, required, cases (count of cases in
    ``index`` - a ``case_index()`` frame - tagged with it) and case_ids. Shows learners and educators which
    parts of the curriculum the library teaches and where it is thin."""
    import pandas as pd

    rows = []
    tagged = [(r["id"], set(r["topics"])) for _, r in index.iterrows()]
    for t in topics():
        ids = [cid for cid, tags in tagged if t["id"] in tags]
        rows.append({**{k: t[k] for k in ("id", "title", "domain", "domain_title", "required")},
                     "cases": len(ids), "case_ids": ids})
    return pd.DataFrame(rows, columns=["id", "title", "domain", "domain_title", "required", "cases", "case_ids"])


def populations_for(age: float, comorbidities: Iterable[str], declared: Iterable[str] = ()) -> list[str]:
    """The populations a case teaches: its age band and the populations its comorbidity ids imply (rules in
    ``curriculum.yaml`` under ``populations``), plus those the case declares; in vocabulary order."""
    rules = curriculum_map()["populations"]
    found = {next(b["id"] for b in rules["by_age"] if age < b["below"])}
    found |= {rules["by_comorbidity"][c] for c in comorbidities if c in rules["by_comorbidity"]}
    found |= set(declared)
    return [p for p in rules["ids"] if p in found]
