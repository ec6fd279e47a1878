"""Recognise drugs in free text ("alprazolam (Xanax)", "OxyContin 20 mg", "ibuprofen gel").

Case medications and allergies are free text; plan review needs their drug classes (benzodiazepine,
serotonergic, anticoagulant...), opioid drug ids and catalog intervention ids. The names, brands and class
memberships live in ``painkit/data/drug_names.yaml``; matching is by whole word, case-insensitive.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Optional

from .. import _yamlio as yamlio

_WORD = re.compile(r"[^a-z0-9]+")


def _norm(text: str) -> str:
    """Lower case, apostrophes dropped, every other non-alphanumeric run turned into one space, padded."""
    return " " + _WORD.sub(" ", str(text).lower().replace("'", "")).strip() + " "


@dataclass(frozen=True)
class Drug:
    """One drug named in a text: its generic name, classes (with implied ones), opioid id, catalog id."""

    generic: str
    classes: frozenset[str]
    opioid: Optional[str] = None
    intervention: Optional[str] = None
    long_acting: bool = False
    allergy: Optional[str] = None


def load_drug_names() -> dict[str, Any]:
    """The parsed ``drug_names.yaml`` (cached, read-only): names, brands, classes. Its one reader."""
    return yamlio.data_file("drug_names.yaml")


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, tuple[str, bool]], dict, dict, tuple[str, ...], tuple[str, ...]]:
    data = load_drug_names()
    phrases: dict[str, tuple[str, bool]] = {}
    for generic, entry in data["names"].items():
        phrases[_norm(generic)] = (generic, False)
        for brand in entry.get("brands", []):
            phrases[_norm(brand)] = (generic, False)
        for brand in entry.get("long_acting_brands", []):
            phrases[_norm(brand)] = (generic, True)
    return (phrases, data["names"], data["classes"], tuple(_norm(w) for w in data["long_acting_words"]),
            tuple(_norm(w) for w in data["topical_words"]))


def expand(classes: Iterable[str]) -> frozenset[str]:
    """The classes with every class they imply (an SSRI is serotonergic and CNS-active...)."""
    table = _index()[2]
    out = set(classes)
    for c in list(out):
        out.update(table.get(c, {}).get("implies", []))
    return frozenset(out)


@lru_cache(maxsize=4096)
def recognise(text: str) -> tuple[Drug, ...]:
    """Every drug named in ``text`` (generic or brand), in order of first mention; () when none."""
    phrases, names, _, la_words, topical_words = _index()
    norm = _norm(text)
    long_acting = any(w in norm for w in la_words)
    topical = any(w in norm for w in topical_words)
    hits: dict[str, tuple[int, bool]] = {}
    for phrase, (generic, la_brand) in phrases.items():
        pos = norm.find(phrase)
        if pos >= 0 and (generic not in hits or pos < hits[generic][0]):
            hits[generic] = (pos, la_brand or hits.get(generic, (0, False))[1])
    found = []
    for generic, (_pos, la_brand) in sorted(hits.items(), key=lambda kv: kv[1][0]):
        entry = names[generic]
        if any(other in hits for other in entry.get("not_with", [])):
            continue
        classes, intervention = list(entry.get("classes", [])), entry.get("intervention")
        if topical and "nsaid" in classes:
            classes, intervention = ["nsaid_topical"], "nsaid_topical"
        opioid = entry.get("opioid")
        found.append(Drug(generic=generic, classes=expand(classes), opioid=opioid, intervention=intervention,
                          long_acting=bool(opioid) and (la_brand or long_acting), allergy=entry.get("allergy")))
    return tuple(found)


def classes_of(texts: Iterable[str]) -> frozenset[str]:
    """All drug classes named across several texts."""
    return frozenset(c for t in texts for d in recognise(t) for c in d.classes)


def allergy_groups(allergies: Iterable[str]) -> frozenset[str]:
    """Allergy groups named in a patient's allergy list (e.g. 'ibuprofen (rash)' -> {'nsaid'})."""
    return frozenset(d.allergy for a in allergies for d in recognise(a) if d.allergy)
