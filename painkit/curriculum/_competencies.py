"""The competency map (``painkit/data/competencies.yaml``) and which attempts are evidence for what.

The map is data: competencies in the four IASP curriculum domains, each naming the attempt steps and the
case rules (ids, settings, mechanisms, tags) that evidence it. Case tags are read straight from the case
files (no full validation), so a half-written or private case never breaks a learner's report.
It is NOT an official credential syllabus; ``load_map()["statement"]`` says so on every report.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from .. import _yamlio as yamlio
from ..errors import PainkitError, did_you_mean

RULE_KEYS = ("all", "ids", "settings", "mechanisms", "mixed", "conditions", "topics", "comorbidities",
             "self_checks")
COMPETENCY_KEYS = ("id", "domain", "title", "notebooks", "steps", "cases", "target", "source")


class CompetencyError(PainkitError, ValueError):
    """The competency map is malformed (the message names the competency and the field)."""


@dataclass(frozen=True)
class CaseTags:
    """What competency rules look at in a case file."""

    id: str
    title: str = ""
    setting: str = ""
    mechanisms: frozenset = frozenset()   # graded other than 'unlikely' in the key
    conditions: frozenset = frozenset()
    topics: frozenset = frozenset()
    comorbidities: frozenset = frozenset()

    @property
    def mixed(self) -> bool:
        return len(self.mechanisms) >= 2


@dataclass(frozen=True)
class Competency:
    id: str
    domain: str
    title: str
    steps: tuple
    rules: dict = field(hash=False)
    notebooks: tuple = ()
    target: int = 1
    source: str = ""

    def matches_case(self, case_id: str, tags: Optional[CaseTags]) -> bool:
        """Whether attempts on ``case_id`` (a case, or a self-check unit 'bank:question') count here."""
        r = self.rules
        if case_id.split(":", 1)[0] in r.get("self_checks", ()):
            return True
        if case_id in r.get("ids", ()):
            return True
        if tags is None:
            return False
        if r.get("all") or tags.setting in r.get("settings", ()) or (r.get("mixed") and tags.mixed):
            return True
        return any(getattr(tags, key) & set(r.get(key, ()))
                   for key in ("mechanisms", "conditions", "topics", "comorbidities"))


def _check(comp: dict, data: dict) -> Competency:
    """One competency entry validated against the map's domains, steps and notebooks."""
    cid = comp.get("id", "?")
    where = f"competencies.yaml: competency {cid!r}"
    for key in comp:
        if key not in COMPETENCY_KEYS:
            raise CompetencyError(f"{where}: unknown field {key!r}; allowed: {', '.join(COMPETENCY_KEYS)}")
    domain = comp.get("domain")
    if domain not in data["domains"]:
        raise CompetencyError(f"{where}: domain: {domain!r}{did_you_mean(domain, data['domains'])}; allowed: "
                              f"{', '.join(data['domains'])}")
    for key, allowed in (("steps", data["steps"]), ("notebooks", data["notebooks"])):
        for value in comp.get(key, []):
            if value not in allowed:
                raise CompetencyError(f"{where}: {key}: {value!r}{did_you_mean(value, allowed)}; allowed: "
                                      f"{', '.join(allowed)}")
    rules = comp.get("cases") or {}
    for key in rules:
        if key not in RULE_KEYS:
            raise CompetencyError(f"{where}: cases: unknown rule {key!r}; allowed: {', '.join(RULE_KEYS)}")
    if not comp.get("steps") or not rules:
        raise CompetencyError(f"{where}: needs 'steps' and 'cases' (which attempts are evidence)")
    target = comp.get("target", 1)
    if not isinstance(target, int) or target < 1:
        raise CompetencyError(f"{where}: target: found {target!r}; allowed: a whole number >= 1")
    return Competency(id=cid, domain=comp["domain"], title=comp["title"], steps=tuple(comp["steps"]),
                      rules=rules, notebooks=tuple(comp.get("notebooks", ())), target=target,
                      source=comp.get("source", ""))


def load_competencies() -> dict[str, Any]:
    """The parsed ``competencies.yaml`` (cached, read-only); ``load_map`` validates it. Its one reader."""
    return yamlio.data_file("competencies.yaml")


def load_map(data: Optional[dict] = None) -> dict[str, Any]:
    """The competency map: ``statement``, settings and ``competencies`` (a list of Competency), validated.
    ``data`` (a dict shaped like competencies.yaml) is for custom or test maps."""
    data = data if data is not None else load_competencies()
    comps = [_check(c, data) for c in data["competencies"]]
    ids = [c.id for c in comps]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CompetencyError(f"competencies.yaml: duplicate competency id(s): {', '.join(dupes)}")
    return {**data, "competencies": comps}


# --------------------------------------------------------------------------------------------- case tags
_TAG_CACHE: dict[tuple[str, int], Optional[CaseTags]] = {}


def _tags_from_file(path: Path) -> Optional[CaseTags]:
    """A case file's tags; None when the file is not a case at all (unreadable, not YAML, not a mapping), so
    it is not counted among the cases to do. A mapping with malformed fields gives empty tags, never an error."""
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _TAG_CACHE:
        try:
            raw = yamlio.read(path)
        except (yamlio.YamlError, OSError):
            raw = None
        if not isinstance(raw, dict):
            _TAG_CACHE[key] = None
            return None
        key_block = raw.get("key") if isinstance(raw.get("key"), dict) else {}
        grades = key_block.get("mechanisms") or {}

        def _set(values: Any) -> frozenset:
            return frozenset(str(v) for v in values) if isinstance(values, list) else frozenset()

        _TAG_CACHE[key] = CaseTags(
            id=path.stem, title=str(raw.get("title", "")), setting=str(raw.get("setting", "")),
            mechanisms=frozenset(str(m) for m, g in grades.items() if g != "unlikely") if isinstance(grades, dict)
            else frozenset(),
            conditions=_set(raw.get("conditions")), topics=_set(raw.get("topics")),
            comorbidities=_set([c.get("id") for c in raw.get("comorbidities") if isinstance(c, dict)]
                               if isinstance(raw.get("comorbidities"), list) else None))
    return _TAG_CACHE[key]


def case_tags(ids: Optional[Iterable[str]] = None) -> dict[str, CaseTags]:
    """Tags of the library's cases (``list_cases()``; or of ``ids``, where found), read from the files. A file
    that is not readable YAML is left out, so "N cases" counts only files that are cases."""
    import re

    from ..cases import CASE_ID, case_files, case_folders, list_cases

    wanted = {i for i in (ids if ids is not None else list_cases()) if isinstance(i, str) and re.match(CASE_ID, i)}
    found: dict[str, CaseTags] = {}
    for d in case_folders():
        root = d.resolve()
        for path in case_files(d):
            if path.stem in wanted and path.stem not in found and path.resolve().is_relative_to(root):
                tags = _tags_from_file(path)
                if tags is not None:
                    found[path.stem] = tags
    return found
