"""Vectorised scoring of many answer sheets (``pk.score_many``): one numpy pass per item column.

Same rules as ``score()`` (the same compiled spec and the same rule functions), applied to whole columns:
no per-row Python loop. A frame has one row per sheet and one column per item id (other columns are
ignored, except ``sex`` for the ORT); NaN or <NA> means unanswered. Rows the missing-item rule cannot
score get NaN and <NA>; an invalid answer anywhere raises InstrumentError naming the row and the item.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import InstrumentError
from ._registry import OPS, Spec
from ._rules import APPLY, EXTRA_SCALES, ort_weights


def _fail(spec: Spec, frame: pd.DataFrame, i: int, bad: np.ndarray, values: Any, why: str) -> InstrumentError:
    r = int(np.flatnonzero(bad)[0])
    value, row = values[r], frame.index[r]
    value, row = (x.item() if isinstance(x, np.generic) else x for x in (value, row))
    return InstrumentError(f"{spec.id}: row {row!r}, item {i + 1} '{spec.ids[i]}' ({spec.labels[i]}): "
                           f"{why} {value!r}; allowed: {spec.allowed[i]}, or NaN if unanswered")


def _column(spec: Spec, frame: pd.DataFrame, i: int) -> tuple[np.ndarray, Any]:
    """One item column validated: (values, unanswered mask or None)."""
    col = frame[spec.ids[i]]
    lo, hi = spec.lo[i], spec.hi[i]
    kind = col.dtype.kind
    if kind == "b" or str(col.dtype) == "boolean":
        raise _fail(spec, frame, i, np.ones(len(col), bool), col.to_numpy(), "found a yes/no value (bool)")
    if kind in "iu":
        a = col.to_numpy()
        if len(a) and (a.min() < lo or a.max() > hi):
            raise _fail(spec, frame, i, (a < lo) | (a > hi), a, "found out-of-range answer")
        return a, None
    if kind != "f":  # object or nullable extension dtypes: the slow but careful path
        raw = col.to_numpy(dtype=object)
        is_bool = np.fromiter((isinstance(v, (bool, np.bool_)) for v in raw), bool, len(raw))
        if is_bool.any():
            raise _fail(spec, frame, i, is_bool, raw, "found a yes/no value (bool)")
        num = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isnan(num) & ~pd.isna(col).to_numpy()
        if bad.any():
            raise _fail(spec, frame, i, bad, raw, "found a non-numeric answer")
        col = pd.Series(num)
    a = col.to_numpy(dtype=float)
    nan = np.isnan(a)
    if not nan.any():
        nan, filled = None, a
    else:
        filled = a.copy()
        filled[nan] = lo  # checked as valid here; a caller sets unanswered items to 0 before summing
    if len(a) and (filled.min() < lo or filled.max() > hi or (np.floor(filled) != filled).any()):
        bad = (filled < lo) | (filled > hi) | (np.floor(filled) != filled)
        raise _fail(spec, frame, i, bad, a, "found out-of-range or non-whole answer")
    return filled, nan


def _item_weights(spec: Spec, frame: pd.DataFrame, context: dict) -> Any:
    """Per-item weights: fixed (LANSS), by ``sex=`` or by a ``sex`` column (ORT), or None."""
    if spec.rule != "ort":
        return spec.weights
    if context.get("sex") is not None or "sex" not in frame:
        return ort_weights(spec.rule_params, context.get("sex"))
    sex = frame["sex"].to_numpy(dtype=object)
    table = spec.rule_params["weights"]
    known = pd.Series(sex).isin(list(table)).to_numpy()
    if not known.all():
        ort_weights(spec.rule_params, sex[int(np.flatnonzero(~known)[0])])  # raises, naming the value
    female = sex == "female"
    return [np.where(female, wf, wm) for wf, wm in zip(table["female"], table["male"])]


def _finish(scale, total: np.ndarray, count: Any, maxsum: Any) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        value = total if scale.rule == "sum" else total / count if scale.rule == "mean" else total / maxsum * 100
    if np.ndim(count) == 0:
        return value if count >= scale.min_answered else np.full(len(total), np.nan)
    return np.where(count >= scale.min_answered, value, np.nan)


def _bool(values: Any, unknown: np.ndarray) -> Any:
    if not unknown.any():
        return np.asarray(values, dtype=bool)
    return pd.arrays.BooleanArray(np.asarray(values, dtype=bool) & ~unknown, unknown.copy())


def score_frame(spec: Spec, frame: pd.DataFrame, context: dict) -> pd.DataFrame:
    """The engine behind ``pk.score_many``; see the module docstring."""
    if not isinstance(frame, pd.DataFrame):
        raise InstrumentError(f"{spec.id}: score_many needs a pandas DataFrame; found {type(frame).__name__}")
    absent = [k for k in spec.ids if k not in frame.columns]
    if absent:
        raise InstrumentError(f"{spec.id}: the frame has no column for items {', '.join(absent)}; allowed: one "
                              f"column per item id ({', '.join(spec.ids)}), NaN where unanswered")
    n = len(frame)
    weights = _item_weights(spec, frame, context)
    scales = spec.scales()
    acc = {s.name: np.zeros(n) for s in scales}
    count: dict[str, Any] = {s.name: len(s.idx) for s in scales}
    maxsum: dict[str, Any] = {s.name: 0 for s in scales}
    member = [[s for s in scales if i in s.idx] for i in range(spec.n)]
    raw, nans, unanswered = {}, {}, np.zeros(n, dtype=np.int64)
    for i, item in enumerate(spec.ids):
        a, nan = _column(spec, frame, i)
        raw[item], nans[item] = a, (np.zeros(n, bool) if nan is None else nan)
        x = (spec.lo[i] + spec.hi[i]) - a if i in spec.reverse else a
        w = 1 if weights is None else weights[i]
        if weights is not None:
            x = x * w
        if nan is not None:
            x = x.copy() if x is a else x
            x[nan] = 0
            unanswered += nan
        for s in member[i]:
            acc[s.name] += x
            if s.rule == "percent":
                maxsum[s.name] = maxsum[s.name] + spec.hi[i] * w * (1 if nan is None else ~nan)
            if nan is not None:
                count[s.name] = count[s.name] - nan
    values = {s.name: _finish(s, acc[s.name], count[s.name], maxsum[s.name]) for s in scales}
    # a sheet is refused (every scale NaN) when its total or a required item cannot be scored, as in score()
    total = values.get("total")
    unscored = np.isnan(total) if total is not None else np.all([np.isnan(v) for v in values.values()], axis=0)
    for i in spec.required:
        unscored = unscored | nans[spec.ids[i]]
    if (total is not None or spec.required) and unscored.any():
        values = {name: np.where(unscored, np.nan, v) for name, v in values.items()}
    total = values.get("total")
    out: dict[str, Any] = {"total": total if total is not None else np.full(n, np.nan)}
    out.update({s.name: values[s.name] for s in spec.subscales})
    codes = np.full(n, -1)
    if spec.band_scale:
        v = values[spec.band_scale]
        codes = np.searchsorted(np.asarray(spec.band_mins), np.floor(v + 0.5), side="right") - 1
        codes[np.isnan(v)] = -1
    positive: Any = pd.arrays.BooleanArray(np.zeros(n, bool), np.ones(n, bool))
    if spec.positive:
        v = values[spec.positive[0]]
        positive = _bool(OPS[spec.positive[1]](v, spec.positive[2]), np.isnan(v))
    if spec.rule:
        extra = APPLY[spec.rule](raw.__getitem__, values, spec.rule_params)
        for name in EXTRA_SCALES.get(spec.rule, ()):
            out[name] = np.where(unscored, np.nan, extra["subscales"][name])
        if "band" in extra:
            codes = np.where(unscored, -1, extra["band"])
        if "positive" in extra:
            positive = _bool(extra["positive"], unscored)
    out["band"] = pd.Categorical.from_codes(codes, categories=list(spec.band_labels))
    out["positive"] = positive
    out["answered"] = spec.n - unanswered
    for code, i, op, value in spec.flags:
        out[f"flag_{code}"] = _bool(OPS[op](raw[spec.ids[i]], value), nans[spec.ids[i]])
    return pd.DataFrame(out, index=frame.index)
