"""The instrument registry: ``painkit/data/instruments.yaml`` compiled once into fast, read-only specs.

Everything ``score()`` and ``score_many()`` need per instrument (item positions, ranges, reverse items,
weights, scale index lists, band thresholds) is worked out here, once, so scoring a sheet is a few list
lookups. The file is checked while compiling: a broken entry raises at load (and fails the tests), never
mid-way through a learner's exercise.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Optional

from . import _rules as instrument_rules
from .. import _yamlio as yamlio
from ..errors import InstrumentError, did_you_mean

RULES = ("sum", "mean", "percent")
OPS: dict[str, Callable[[Any, Any], Any]] = {">=": operator.ge, ">": operator.gt}


@dataclass(frozen=True)
class Scale:
    """One score computed from items: the total or a subscale."""

    name: str
    idx: tuple[int, ...]
    rule: str                # sum | mean | percent
    min_answered: int
    low: float               # lowest possible value
    high: float              # highest possible value


@dataclass(frozen=True)
class Spec:
    """A compiled instrument: what the scoring engines read (never mutate)."""

    id: str
    name: str
    source: str
    ids: tuple[str, ...]
    pos: dict[str, int]
    labels: tuple[str, ...]
    lo: tuple[int, ...]
    hi: tuple[int, ...]
    allowed: tuple[str, ...]                  # "a whole number from 0 to 4", per item
    reverse: tuple[int, ...]                  # indices of reverse-scored items
    weights: Optional[tuple[int, ...]]        # fixed item weights (LANSS); None = all 1
    total: Optional[Scale]
    subscales: tuple[Scale, ...]
    band_scale: Optional[str]                 # scale the published bands apply to
    band_mins: tuple[int, ...]
    band_labels: tuple[str, ...]
    positive: Optional[tuple[str, str, float]]  # (scale, op, value)
    flags: tuple[tuple[str, int, str, float], ...]  # (code, item index, op, value)
    rule: Optional[str]                       # a function in instrument_rules
    rule_params: dict = field(default_factory=dict)
    context: tuple[str, ...] = ()
    missing_text: str = ""
    required: tuple[int, ...] = ()            # items that must be answered for any score (beyond scales)

    @property
    def n(self) -> int:
        return len(self.ids)

    def scales(self) -> tuple[Scale, ...]:
        return ((self.total,) if self.total else ()) + self.subscales


def _fail(inst: str, msg: str) -> None:
    raise InstrumentError(f"painkit/data/instruments.yaml: {inst}: {msg}")


def _allowed(lo: int, hi: int) -> str:
    return "0 (no) or 1 (yes)" if (lo, hi) == (0, 1) else f"a whole number from {lo} to {hi}"


def _scale(inst: str, name: str, raw: dict, ids: tuple[str, ...], bounds: list[tuple[list, list]]) -> Scale:
    """Compile one scale; ``bounds`` holds (lowest, highest) weighted item values per weight set."""
    items = ids if raw.get("items") == "all" else tuple(raw.get("items") or ())
    unknown = [i for i in items if i not in ids]
    if not items or unknown:
        _fail(inst, f"scale '{name}': unknown or no items {unknown}")
    if "source" not in raw:
        _fail(inst, f"scale '{name}': no source")
    rule = raw.get("rule")
    if rule not in RULES:
        _fail(inst, f"scale '{name}': rule {rule!r}; allowed {RULES}")
    idx = tuple(ids.index(i) for i in items)
    need = int(raw.get("min_answered", len(idx)))
    if rule == "sum" and need != len(idx):
        _fail(inst, f"scale '{name}': a sum needs every item (a missing item must never count as 0)")
    if rule == "sum":
        low = min(sum(lo_w[i] for i in idx) for lo_w, _ in bounds)
        high = max(sum(hi_w[i] for i in idx) for _, hi_w in bounds)
    elif rule == "mean":
        low = min(lo_w[i] for lo_w, _ in bounds for i in idx)
        high = max(hi_w[i] for _, hi_w in bounds for i in idx)
    else:
        low, high = 0.0, 100.0
    return Scale(name, idx, rule, need, low, high)


def _bands(inst: str, raw: Optional[dict], scale_names: set[str], rule: Optional[str]) -> tuple:
    if not raw:
        return None, (), ()
    if "source" not in raw:
        _fail(inst, "bands: no source")
    if "rule" in raw:
        if raw["rule"] != rule:
            _fail(inst, f"bands: rule {raw['rule']!r} is not the instrument's rule {rule!r}")
        return None, (), tuple(raw["labels"])
    if raw.get("scale") not in scale_names:
        _fail(inst, f"bands: unknown scale {raw.get('scale')!r}")
    rows = raw["list"]
    for a, b in zip(rows, rows[1:]):
        if b["min"] != a["max"] + 1:
            _fail(inst, f"bands: gap or overlap between '{a['label']}' and '{b['label']}'")
    return raw["scale"], tuple(r["min"] for r in rows), tuple(r["label"] for r in rows)


def _compile(inst: str, raw: dict) -> Spec:
    for key in ("name", "source", "licence", "items", "missing", "better"):
        if key not in raw:
            _fail(inst, f"missing key '{key}'")
    if raw["licence"] not in ("ship-items", "logic-only", "ask"):
        _fail(inst, f"licence {raw['licence']!r}; allowed ship-items, logic-only, ask")
    items = raw["items"]
    ids = tuple(str(it["id"]) for it in items)
    if len(set(ids)) != len(ids):
        _fail(inst, "duplicate item ids")
    if any("text" in it for it in items) and raw["licence"] == "logic-only":
        _fail(inst, "item wording may not ship for a logic-only instrument")
    lo = tuple(int(it.get("range", raw.get("range"))[0]) for it in items)
    hi = tuple(int(it.get("range", raw.get("range"))[1]) for it in items)
    reverse = tuple(i for i, it in enumerate(items) if it.get("reverse"))
    if reverse and "reverse_source" not in raw:
        _fail(inst, "reverse-scored items need reverse_source")
    has_w = any("weight" in it for it in items)
    if has_w and "weight_source" not in raw:
        _fail(inst, "item weights need weight_source")
    weights = tuple(int(it.get("weight", 1)) for it in items) if has_w else None
    rule = raw.get("rule")
    params = instrument_rules.prepare(rule, raw, ids) if rule else {}
    if rule and "source" not in raw.get("rule_params", {}):
        _fail(inst, "rule_params: no source")
    # weighted item bounds, per weight set (ORT has one set per sex; its maximum is 26 for both)
    wsets = list(params.get("weights", {}).values()) or [weights or (1,) * len(ids)]
    bounds = [([w[i] * lo[i] for i in range(len(ids))], [w[i] * hi[i] for i in range(len(ids))]) for w in wsets]
    total = _scale(inst, "total", raw["total"], ids, bounds) if raw.get("total") else None
    subs = tuple(_scale(inst, k, v, ids, bounds) for k, v in (raw.get("subscales") or {}).items())
    names = {s.name for s in subs} | ({"total"} if total else set())
    band_scale, mins, labels = _bands(inst, raw.get("bands"), names, rule)
    pos = raw.get("positive")
    if pos and "source" not in pos:
        _fail(inst, "positive: no source")
    if pos and "rule" not in pos and (pos.get("scale") not in names or pos.get("op") not in OPS):
        _fail(inst, f"positive: scale must be one of {sorted(names)} and op one of {list(OPS)}")
    positive = (pos["scale"], pos["op"], float(pos["value"])) if pos and "rule" not in pos else None
    flags = tuple((f["id"], ids.index(f["item"]), f["op"], float(f["value"])) for f in raw.get("flags") or ())
    return Spec(
        id=inst, name=raw["name"], source=raw["source"], ids=ids, pos={k: i for i, k in enumerate(ids)},
        labels=tuple(str(it["label"]) for it in items), lo=lo, hi=hi,
        allowed=tuple(_allowed(a, b) for a, b in zip(lo, hi)), reverse=reverse, weights=weights,
        total=total, subscales=subs, band_scale=band_scale, band_mins=mins, band_labels=labels,
        positive=positive, flags=flags, rule=rule, rule_params=params,
        context=tuple(raw.get("context") or ()), missing_text=raw["missing"]["text"],
        required=_required(inst, raw["missing"].get("required"), ids),
    )


def _required(inst: str, required: Any, ids: tuple[str, ...]) -> tuple[int, ...]:
    if required is None:
        return ()
    names = ids if required == "all" else tuple(required)
    if any(k not in ids for k in names):
        _fail(inst, f"missing.required: unknown item in {names}")
    return tuple(ids.index(k) for k in names)


def load_instruments() -> dict[str, Any]:
    """The parsed ``instruments.yaml`` (cached, read-only); ``registry`` compiles it. Its one reader."""
    return yamlio.data_file("instruments.yaml")


@lru_cache(maxsize=1)
def registry() -> dict[str, Spec]:
    """Every instrument, compiled (cached: the YAML is read and checked once per process)."""
    data = load_instruments()
    return {inst: _compile(inst, raw) for inst, raw in data["instruments"].items()}


def raw(instrument_id: str) -> dict:
    """The instrument's entry as written in the YAML (shared and cached: copy before changing)."""
    return load_instruments()["instruments"][get(instrument_id).id]


def measure_specs() -> dict[str, dict]:
    """The change measures (shared and cached: copy before changing)."""
    return load_instruments()["change_measures"]


def change_categories() -> list[str]:
    """IMMPACT's category words, from no change to substantially important."""
    return list(load_instruments()["change_categories"])


def get(instrument_id: Any) -> Spec:
    """The compiled spec; unknown ids raise InstrumentError with a 'did you mean' suggestion."""
    specs = registry()
    try:
        return specs[instrument_id]
    except (KeyError, TypeError):
        known = sorted(specs)
        raise InstrumentError(
            f"{instrument_id!r} is not a painkit instrument{did_you_mean(str(instrument_id), known)}; "
            f"allowed: {', '.join(known)}"
        ) from None
