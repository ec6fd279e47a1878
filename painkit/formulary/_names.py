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
def _index() -> tuple[dict[str, tuple[tuple[str, bool], ...]], dict, dict, tuple[str, ...], tuple[str, ...]]:
    """phrase -> ((generic, long-acting brand?), ...): a generic, a synonym or a brand names one drug; a
    combination product (``combinations``) names every ingredient."""
    data = load_drug_names()
    phrases: dict[str, tuple[tuple[str, bool], ...]] = {}
    for generic, entry in data["names"].items():
        for name in [generic, *entry.get("synonyms", []), *entry.get("brands", [])]:
            phrases[_norm(name)] = ((generic, False),)
        for brand in entry.get("long_acting_brands", []):
            phrases[_norm(brand)] = ((generic, True),)
    for brand, entry in data.get("combinations", {}).items():
        la = bool(entry.get("long_acting", False))
        phrases[_norm(brand)] = tuple((g, la) for g in entry["ingredients"])
    return (phrases, data["names"], data["classes"], tuple(_norm(w) for w in data["long_acting_words"]),
            tuple(_norm(w) for w in data["topical_words"]))


def expand(classes: Iterable[str]) -> frozenset[str]:
    """The classes with every class they imply, transitively (a P2Y12 inhibitor is an antiplatelet...)."""
    from ..errors import PlanError
    from .._validate import strings

    table = _index()[2]
    start = strings(classes, "classes", PlanError, example="give a list of drug classes, e.g. ['nsaid']")
    out, todo = set(start), list(start)
    while todo:
        for implied in table.get(todo.pop(), {}).get("implies", []):
            if implied not in out:
                out.add(implied)
                todo.append(implied)
    return frozenset(out)


def recognise(text: str) -> tuple[Drug, ...]:
    """Every drug named in ``text`` (generic, synonym, brand, or each ingredient of a combination product),
    in order of first mention; () when none. PlanError when ``text`` is not text."""
    from ..errors import PlanError
    from .._validate import short

    if not isinstance(text, str) or len(text) > 10_000:
        raise PlanError(f"medication name: found {short(text)} ({type(text).__name__}); allowed: text of at most "
                        f"10,000 characters, e.g. 'alprazolam (Xanax)'")
    return _recognise(text)


@lru_cache(maxsize=4096)
def _recognise(text: str) -> tuple[Drug, ...]:
    phrases, names, _, la_words, topical_words = _index()
    norm = _norm(text)
    long_acting = any(w in norm for w in la_words)
    topical = any(w in norm for w in topical_words)
    hits: dict[str, tuple[int, bool]] = {}
    for phrase, drugs in phrases.items():
        pos = norm.find(phrase)
        if pos < 0:
            continue
        for generic, la_brand in drugs:
            if generic not in hits or pos < hits[generic][0]:
                hits[generic] = (pos, la_brand or hits.get(generic, (0, False))[1])
            elif la_brand:
                hits[generic] = (hits[generic][0], True)
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
    from ..errors import PlanError
    from .._validate import strings

    texts = strings(texts, "medications", PlanError, example="give a list of medication names")
    return frozenset(c for t in texts for d in recognise(t) for c in d.classes)


def is_intolerance(entry: str) -> bool:
    """True when an allergy-list entry records an intolerance (e.g. 'codeine (nausea)'), not an allergy."""
    norm = _norm(entry)
    return any(_norm(w) in norm for w in load_drug_names().get("intolerance_words", []))


def allergy_groups(allergies: Iterable[str]) -> frozenset[str]:
    """Allergy groups named in a patient's allergy list (e.g. 'ibuprofen (rash)' -> {'nsaid'}); entries that
    record an intolerance (e.g. 'codeine (constipation)') are not allergies and are left out."""
    from ..errors import PlanError
    from .._validate import strings

    allergies = strings(allergies, "allergies", PlanError, example="give a list of allergies, e.g. ['ibuprofen']")
    return frozenset(d.allergy for a in allergies if not is_intolerance(a) for d in recognise(a) if d.allergy)


def intolerance_groups(allergies: Iterable[str]) -> dict[str, list[str]]:
    """Allergy group -> the allergy-list entries that record only an intolerance of it."""
    out: dict[str, list[str]] = {}
    for a in allergies:
        if is_intolerance(a):
            for d in recognise(a):
                if d.allergy:
                    out.setdefault(d.allergy, []).append(a)
    return out
