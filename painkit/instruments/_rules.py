"""Scoring rules that a table of items cannot express, as small named functions.

Each rule reads its constants from its instrument's ``rule_params`` in ``painkit/data/instruments.yaml``
(where the source sits next to them). Rules are written with operators that work on plain numbers
(``score()``, one sheet) and on numpy arrays (``score_many()``, one value per sheet) alike: comparisons,
``&``, ``|``, ``+`` and ``*``, never ``and``/``or``/``if`` on the values. So both engines share one rule.

A rule ``apply(get, scales, params)`` receives ``get(item_id)`` (the raw answer), the computed scales
(``{"total": ..., subscale: ...}``) and the prepared params, and returns any of ``band`` (index into the
instrument's band labels), ``positive`` and ``subscales`` (extra scales, e.g. the fibromyalgia region count).
"""
from __future__ import annotations

from typing import Any, Callable

from ..errors import InstrumentError

Getter = Callable[[str], Any]


def ort_weights(params: dict, sex: Any) -> tuple[int, ...]:
    """The ORT item weights for ``sex`` (Webster 2005 publishes one column per sex)."""
    try:
        return params["weights"][sex]
    except (KeyError, TypeError):
        allowed = " or ".join(repr(s) for s in params["weights"])
        raise InstrumentError(
            f"ort: sex={sex!r}; allowed: {allowed} (the ORT's item weights are published for female and "
            "male; pass sex=..., e.g. pk.score('ort', answers, sex='female'))"
        ) from None


def start_back(get: Getter, scales: dict, params: dict) -> dict:
    """STarT Back risk group (Hill 2008): psychosocial >= 4 high; else overall <= 3 low; else medium."""
    total, psych = scales["total"], scales["psychosocial"]
    high = psych >= params["high_min_psychosocial"]
    medium = (psych < params["high_min_psychosocial"]) & (total > params["low_max_total"])
    return {"band": high * 2 + medium * 1}


def fibromyalgia_2016(get: Getter, scales: dict, params: dict) -> dict:
    """2016 ACR criteria (Wolfe 2016): severity, generalized pain (>= 4 of 5 regions) and >= 3 months."""
    wpi, sss = scales["wpi"], scales["sss"]
    mid_low, mid_high = params["wpi_mid"]
    severity = ((wpi >= params["wpi_high"]) & (sss >= params["sss_with_high_wpi"])) | (
        (wpi >= mid_low) & (wpi <= mid_high) & (sss >= params["sss_with_mid_wpi"])
    )
    regions = 0
    for items in params["region_items"].values():
        painful = 0
        for item in items:
            painful = painful + get(item)
        regions = regions + (painful > 0)
    generalized = regions >= params["regions_needed"]
    met = severity & generalized & (get(params["duration_item"]) >= 1)
    return {"band": met * 1, "positive": met, "subscales": {"regions": regions}}


APPLY: dict[str, Callable[[Getter, dict, dict], dict]] = {
    "start_back": start_back,
    "fibromyalgia_2016": fibromyalgia_2016,
    "ort": lambda get, scales, params: {},  # ORT only changes the item weights (ort_weights)
}
EXTRA_SCALES: dict[str, tuple[str, ...]] = {"fibromyalgia_2016": ("regions",)}


def prepare(rule: str, raw: dict, ids: tuple[str, ...]) -> dict:
    """Check a rule's params in the YAML and precompute what it needs (weights in item order, regions)."""
    if rule not in APPLY:
        raise InstrumentError(f"painkit/data/instruments.yaml: rule {rule!r}; allowed: {', '.join(APPLY)}")
    params = dict(raw.get("rule_params") or {})
    if rule == "ort":
        weights = params["weights"]
        for sex, w in weights.items():
            if set(w) != set(ids):
                raise InstrumentError(f"painkit/data/instruments.yaml: ort: weights for {sex} must name every item")
        params["weights"] = {sex: tuple(int(w[i]) for i in ids) for sex, w in weights.items()}
    if rule == "fibromyalgia_2016":
        skip = set(params["not_counted_for_regions"])
        regions: dict[str, list[str]] = {}
        for item in raw["items"]:
            if "region" in item and item["id"] not in skip:
                regions.setdefault(item["region"], []).append(item["id"])
        params["region_items"] = {k: tuple(v) for k, v in regions.items()}
    return params
