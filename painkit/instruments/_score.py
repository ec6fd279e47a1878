"""Score pain questionnaires exactly as their manuals say, and judge change between visits.

The rules live in ``painkit/data/instruments.yaml`` (each with its source); rules that a table cannot
express are named functions in ``instrument_rules``. ``score()`` is the one-sheet fast path (plain Python,
no pandas or pydantic: a few microseconds); ``score_many()`` scores a DataFrame of sheets with numpy.

Answers are whole numbers in the item's range; ``None`` (or a missing key) means unanswered and follows
the instrument's missing-item rule, never a silent 0. Anything else raises ``InstrumentError`` naming the
instrument, the item and what is allowed. Extra keyword context (``sex=``, ``age=``) is accepted by every
instrument; only those that need it (ORT: ``sex``) use it.
"""
from __future__ import annotations

import builtins
import copy
import math
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real
from typing import TYPE_CHECKING, Any, Optional, Union

from . import _registry as registry
from ..errors import InstrumentError, did_you_mean
from ._registry import OPS, Scale, Spec
from ._rules import APPLY, ort_weights

if TYPE_CHECKING:
    import pandas as pd

    from ..cases import Case

_list = builtins.list  # this module defines list(); keep the builtin at hand
Number = Union[int, float]


@dataclass(frozen=True)
class Score:
    """One scored answer sheet. ``band``/``positive`` are None where the instrument has none."""

    instrument: str
    total: Optional[Number]
    subscales: dict[str, Optional[Number]]
    band: Optional[str]
    positive: Optional[bool]
    max_total: Optional[Number]
    answered: int
    source: str
    missing: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()

    def __str__(self) -> str:
        """One line a learner can read: total, band, verdict, subscales, flags."""
        parts = [self.instrument]
        if self.total is not None:
            parts.append(f"total {_fmt(self.total)}" + (f"/{_fmt(self.max_total)}" if self.max_total else ""))
        parts += [f"{k} {_fmt(v) if v is not None else 'not scored'}" for k, v in self.subscales.items()]
        text = ", ".join(parts)
        if self.band:
            text += f" ({self.band})"
        if self.positive is not None:
            text += f"; screen {'positive' if self.positive else 'negative'}"
        if self.flags:
            text += f"; FLAGS: {', '.join(self.flags)}"
        return text

    def to_frame(self):
        """DataFrame, one row per scale scored (the total first, then each subscale)."""
        import pandas as pd

        rows = ([{"scale": "total", "value": self.total, "max": self.max_total}] if self.total is not None else [])
        rows += [{"scale": k, "value": v, "max": None} for k, v in self.subscales.items()]
        return pd.DataFrame(rows, columns=["scale", "value", "max"])

    @property
    def summary(self):
        """One-row DataFrame: instrument, total, band, screening verdict, items answered, flags."""
        import pandas as pd

        return pd.DataFrame([{"instrument": self.instrument, "total": self.total, "max": self.max_total,
                              "band": self.band, "positive": self.positive, "answered": self.answered,
                              "flags": ", ".join(self.flags)}])

    def print_summary(self) -> None:
        """Print the one line a learner reads (``str(score)``)."""
        print(self)


@dataclass(frozen=True)
class Change:
    """Change between two visits. ``absolute`` = after - before; ``percent`` = that / before x 100 (None
    when before is 0). ``category`` uses IMMPACT's words (None when no threshold is published)."""

    measure: str
    before: Number
    after: Number
    absolute: Number
    percent: Optional[float]
    improved: bool
    category: Optional[str]
    mcid_met: Optional[bool]
    basis: str = field(default="", repr=False)


def _fmt(x: Number) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)


# --------------------------------------------------------------------------------------------------
# Reading one answer sheet


def _item_name(spec: Spec, i: int) -> str:
    return f"item {i + 1} '{spec.ids[i]}' ({spec.labels[i]})"


def _bad(spec: Spec, i: int, value: Any, why: str) -> InstrumentError:
    return InstrumentError(f"{spec.id}: {_item_name(spec, i)}: {why} {value!r}; allowed: {spec.allowed[i]}, "
                           "or None if unanswered")


def _number(spec: Spec, i: int, v: Any) -> int:
    """Validate one answer; return it as an int."""
    t = type(v)
    if t is int:
        iv = v
    elif t is float:
        if v != v:
            raise _bad(spec, i, v, "found NaN")
        if not v.is_integer():
            raise _bad(spec, i, v, "found a non-whole number")
        iv = int(v)
    elif isinstance(v, bool) or getattr(getattr(v, "dtype", None), "kind", "") == "b":  # bool, numpy bool
        raise _bad(spec, i, v, "found a yes/no value (bool)")
    elif isinstance(v, Real):  # numpy numbers, Fraction, Decimal-like
        return _number(spec, i, float(v) if not isinstance(v, int) else int(v))
    else:
        raise _bad(spec, i, v, "found a non-numeric answer")
    if iv < spec.lo[i] or iv > spec.hi[i]:
        raise _bad(spec, i, v, "found out-of-range answer")
    return iv


def _answers(spec: Spec, responses: Any) -> _list:
    """The raw answers in item order (None = unanswered), each validated."""
    if hasattr(responses, "to_dict") and not isinstance(responses, Mapping):
        responses = responses.to_dict()  # a pandas Series indexed by item id
    elif hasattr(responses, "tolist"):
        responses = responses.tolist()  # a numpy array
    if isinstance(responses, Mapping):
        raw = [None] * spec.n
        for key, v in responses.items():
            i = spec.pos.get(key)
            if i is None:
                raise InstrumentError(f"{spec.id}: unknown item id {key!r}{did_you_mean(str(key), spec.ids)}; "
                                      f"allowed ids: {', '.join(spec.ids)}")
            raw[i] = v
    elif isinstance(responses, (_list, tuple)):
        if len(responses) != spec.n:
            raise InstrumentError(
                f"{spec.id}: found {len(responses)} answers; allowed: exactly {spec.n}, in the manual's order "
                f"({', '.join(spec.ids)}), with None for an unanswered item, or a mapping {{item id: answer}}")
        raw = responses
    else:
        raise InstrumentError(f"{spec.id}: found {type(responses).__name__} {responses!r:.60}; allowed: a list "
                              f"of {spec.n} answers in item order or a mapping {{item id: answer}}")
    return [None if v is None else _number(spec, i, v) for i, v in enumerate(raw)]


def validate(instrument_id: str, responses: Any) -> _list:
    """The answers in item order as whole numbers (None = unanswered); InstrumentError if any is invalid."""
    return _answers(registry.get(instrument_id), responses)


# --------------------------------------------------------------------------------------------------
# Scoring


def _scale_value(sc: Scale, x: _list, hi_w: Any) -> Optional[Number]:
    """A scale from transformed item values, or None when too few items are answered."""
    s = k = m = 0
    for i in sc.idx:
        v = x[i]
        if v is not None:
            s += v
            k += 1
            m += hi_w[i]
    if k < sc.min_answered:
        return None
    if sc.rule == "sum":
        return s
    return s / k if sc.rule == "mean" else s / m * 100


def _band(spec: Spec, value: Optional[Number]) -> Optional[str]:
    """Published band for a value; non-whole values are rounded half up first (see band_rounding)."""
    if value is None:
        return None
    i = bisect_right(spec.band_mins, math.floor(value + 0.5)) - 1
    return spec.band_labels[i] if i >= 0 else None


def _weights(spec: Spec, context: dict) -> Optional[tuple]:
    if spec.rule == "ort":
        return ort_weights(spec.rule_params, context.get("sex"))
    return spec.weights


def score(instrument_id: str, responses: Any, **context: Any) -> Score:
    """Score one answer sheet (list in item order or {item id: answer}); raise InstrumentError if invalid."""
    spec = registry.get(instrument_id)
    vals = _answers(spec, responses)
    weights = _weights(spec, context)
    x = vals
    if spec.reverse or weights:
        x = _list(vals)
        for i in spec.reverse:
            if x[i] is not None:
                x[i] = spec.lo[i] + spec.hi[i] - x[i]
        if weights:
            x = [None if v is None else v * w for v, w in zip(x, weights)]
    hi_w = [h * w for h, w in zip(spec.hi, weights)] if weights else spec.hi
    missing = tuple(spec.ids[i] for i, v in enumerate(vals) if v is None)
    total = _scale_value(spec.total, x, hi_w) if spec.total else None
    subs = {sc.name: _scale_value(sc, x, hi_w) for sc in spec.subscales}
    if (total is None and spec.total) or not (spec.total or any(v is not None for v in subs.values())) or \
            any(vals[i] is None for i in spec.required):
        raise InstrumentError(f"{spec.id}: cannot be scored: unanswered {', '.join(missing)}. "
                              f"Missing-item rule: {spec.missing_text}")
    scales = {"total": total, **subs}
    band = _band(spec, scales[spec.band_scale]) if spec.band_scale else None
    positive = None
    if spec.positive and scales[spec.positive[0]] is not None:
        positive = bool(OPS[spec.positive[1]](scales[spec.positive[0]], spec.positive[2]))
    if spec.rule:
        out = APPLY[spec.rule](lambda k: vals[spec.pos[k]], scales, spec.rule_params)
        subs.update({k: int(v) for k, v in out.get("subscales", {}).items()})
        if "band" in out:
            band = spec.band_labels[int(out["band"])]
        if "positive" in out:
            positive = bool(out["positive"])
    flags = tuple(code for code, i, op, value in spec.flags if vals[i] is not None and OPS[op](vals[i], value))
    return Score(spec.id, total, subs, band, positive, spec.total.high if spec.total else None,
                 spec.n - len(missing), spec.source, missing, flags)


def score_many(instrument_id: str, frame: "pd.DataFrame", **context: Any) -> "pd.DataFrame":
    """Score a DataFrame of sheets (one row each, a column per item id; NaN = unanswered), vectorised.

    Returns total, subscales, band, positive, answered (and flag_* columns), indexed like ``frame``.
    Rows the missing-item rule cannot score get NaN/<NA>; invalid answers raise InstrumentError.
    """
    from ._batch import score_frame

    return score_frame(registry.get(instrument_id), frame, context)


# --------------------------------------------------------------------------------------------------
# Describing instruments


def list() -> _list[str]:  # noqa: A001 - the public name is pk.instruments.list()
    """Ids of every instrument, in the registry's order."""
    return _list(registry.registry())


def info(instrument_id: str) -> dict:
    """Everything about an instrument: items (short labels; wording where it may ship), ranges, scales,
    missing-item rule, bands, cut-off, licence and sources. A copy: safe to change."""
    spec = registry.get(instrument_id)
    out = {"id": spec.id, **copy.deepcopy(registry.raw(spec.id))}
    for i, item in enumerate(out["items"]):
        item["range"] = [spec.lo[i], spec.hi[i]]
        item.setdefault("anchors", out.get("anchors", {}))
    out["max_total"] = spec.total.high if spec.total else None
    out["change_measures"] = {k: copy.deepcopy(m) for k, m in registry.measure_specs().items()
                              if m.get("from_score", {}).get("instrument") == spec.id}
    return out


def band_cutoffs(instrument_id: str) -> _list[tuple[str, int, str]]:
    """(scale, cut-off, band starting there) for each published band boundary; empty for rule-decided bands."""
    spec = registry.get(instrument_id)
    return [(spec.band_scale, m, label) for m, label in zip(spec.band_mins[1:], spec.band_labels[1:])]


# --------------------------------------------------------------------------------------------------
# Case scores


def case_scores(case: "Case") -> "pd.DataFrame":
    """Tidy DataFrame (visit, week, instrument, scale, value, band) of a case's stored answer sheets."""
    import pandas as pd

    rows = []
    for n, visit in enumerate(case.instruments, start=1):
        label = visit.label or f"visit {n}"
        for inst, answers in visit.responses.items():
            s = score(inst, answers, sex=case.patient.sex, age=case.patient.age)
            spec = registry.get(inst)
            scales = ({"total": s.total} if s.total is not None else {}) | s.subscales
            for scale, value in scales.items():
                band = s.band if scale == spec.band_scale or (spec.band_scale is None and scale == "total") else None
                rows.append((label, visit.week, inst, scale, value, band))
    return pd.DataFrame(rows, columns=["visit", "week", "instrument", "scale", "value", "band"])


# --------------------------------------------------------------------------------------------------
# Change between visits


def _level(measure: str, spec: dict, value: Any, which: str) -> Number:
    if isinstance(value, Score):
        src = spec.get("from_score")
        if not src or src["instrument"] != value.instrument:
            raise InstrumentError(f"change: measure {measure!r} cannot be read from a {value.instrument} Score; "
                                  f"pass numbers, or a Score of {src['instrument'] if src else 'none'}")
        value = value.total if src["scale"] == "total" else value.subscales.get(src["scale"])
        if value is None:
            raise InstrumentError(f"change: the {which} Score has no {src['scale']} value (not scored)")
    lo, hi = spec["range"]
    if isinstance(value, bool) or not isinstance(value, Real) or value != value or not lo <= value <= hi:
        raise InstrumentError(f"change: {which}={value!r} for measure {measure!r}; allowed: a number from "
                              f"{lo} to {hi} ({spec['label']})")
    return value


def _meets(rule: dict, points: float, percent: Optional[float]) -> bool:
    """True when the points OR the percent threshold of a rule is reached (rounded to 9 decimals)."""
    by_points = "points" in rule and round(points, 9) >= rule["points"]
    by_percent = "percent" in rule and percent is not None and round(abs(percent), 9) >= rule["percent"]
    return bool(by_points or by_percent)


def change(before: Any, after: Any, *, measure: Optional[str] = None) -> Change:
    """Change from ``before`` to ``after`` (numbers, or Scores of the same instrument) on ``measure``.

    Measures: see ``change_measures()``. Direction comes from the measure (all current ones: lower is
    better). IMMPACT categories and MCIDs are applied where published; otherwise category is None.
    """
    measures = registry.measure_specs()
    if measure is None and isinstance(before, Score):
        measure = next((k for k, m in measures.items() if m.get("from_score", {}).get("instrument")
                        == before.instrument and m["from_score"]["scale"] == "total"), None)
    if measure not in measures:
        raise InstrumentError(f"change: measure {measure!r} is not known{did_you_mean(str(measure), measures)}; "
                              f"allowed: {', '.join(measures)}")
    spec = measures[measure]
    b, a = _level(measure, spec, before, "before"), _level(measure, spec, after, "after")
    diff = a - b
    percent = None if b == 0 else diff / b * 100
    improved = diff < 0 if spec["better"] == "lower" else diff > 0
    category, basis = None, spec.get("note", "no published threshold")
    if "categories" in spec:
        none = registry.change_categories()[0]
        category = next((r["category"] for r in spec["categories"] if _meets(r, abs(diff), percent)), none)
        basis = spec["categories_source"]
        if percent is None and all("points" not in r for r in spec["categories"]):
            category, basis = None, "percent change is undefined from a baseline of 0; " + basis
    mcid = spec.get("mcid")
    mcid_met = None if mcid is None else bool(improved and _meets(mcid, abs(diff), percent))
    return Change(measure, b, a, diff, percent, improved, category, mcid_met, basis)


def change_measures() -> dict[str, str]:
    """Supported change measures: id -> what it is (direction and thresholds are in instruments.yaml)."""
    return {k: f"{m['label']} ({m['better']} is better)" for k, m in registry.measure_specs().items()}
