"""A small Vega-Lite 5 spec builder with the names of altair's API that painkit's charts use.

Why not altair itself: importing altair costs a learner's kernel about 45 MB and 1.5-12 s (its generated
schema classes and jsonschema's format grammar), and drawing it offline needed vl-convert, a browser
engine inside the kernel (another 90 MB). painkit's charts are plain Vega-Lite specs: this module builds
them from pandas DataFrames and hands them to the front end as ``application/vnd.vegalite.v5+json``, which
JupyterLab and Voila draw with their bundled Vega (no CDN), with tooltips. Only what the charts use is here:
``Chart(data).mark_*(...).encode(...)``, shorthands such as ``"week:Q"`` or ``"sum(minutes):Q"``, layers
(``+``), ``hconcat``, ``vconcat``, ``facet``, ``transform_filter``, ``properties`` and ``resolve_scale``.
Specs target Vega-Lite 5 (the version JupyterLab 4 and Voila 0.5 bundle), not altair's Vega-Lite 6.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

from ._access import accessible_html, describe, title_of

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
MIMETYPE = "application/vnd.vegalite.v5+json"
# no "..." actions menu (its links leave the machine) and SVG, whose nodes carry the chart's name for screen
# readers and can be found by tests
EMBED_OPTIONS = {"actions": False, "renderer": "svg"}
# JupyterLab's and Voila's Vega renderer, after drawing, stores a PNG of the chart in the output unless one is
# there; Voila's output model cannot take it and shows "Javascript Error: e.setData is not a function" under
# every chart, and JupyterLab would save a PNG per chart into the notebook. A 1x1 transparent PNG stops both
# (front ends without Vega show nothing for it; the description and data table follow every chart).
PLACEHOLDER_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="


class _UndefinedType:
    """Leave a property out of the spec (altair's ``Undefined``)."""

    def __repr__(self) -> str:
        return "Undefined"


Undefined = _UndefinedType()


def _clean(value: Any) -> Any:
    """JSON-ready: builder objects as dicts, numpy scalars as Python numbers, Undefined left out."""
    if isinstance(value, _Param):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not Undefined}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        return value.item()
    return value


class _Param:
    """A nested property (scale, axis) given as keywords."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs

    def to_dict(self) -> dict:
        return _clean(self.kwargs)


class Scale(_Param):
    """A channel's scale (domain, type, scheme, range...)."""


class Axis(_Param):
    """A positional channel's axis (format, labelLimit, labelAngle, tickCount...)."""


def Step(step: float) -> dict:
    """A discrete size per band (``height=Step(16)``)."""
    return {"step": step}


def value(v: Any) -> dict:
    """A constant instead of a field (``color=value("#4c78a8")``)."""
    return {"value": v}


def condition(test: str, if_true: dict, if_false: dict) -> dict:
    """``if_true`` where the Vega expression ``test`` holds, else ``if_false``."""
    return {"condition": {"test": test, **if_true}, **if_false}


_TYPES = {"Q": "quantitative", "N": "nominal", "O": "ordinal", "T": "temporal"}
_SHORTHAND = re.compile(r"^(?:(?P<op>\w+)\((?P<inner>[^)]*)\)|(?P<field>[^:()]+))(?::(?P<type>[QNOT]))?$")
_TIME_UNITS = {"year", "month", "date", "day", "hours", "minutes", "yearmonth", "yearmonthdate", "monthdate"}


def _field_type(data: Any, field: str) -> str:
    """Vega-Lite type of a DataFrame column by its dtype (nominal when unknown)."""
    column = getattr(data, "columns", ())
    if field not in column:
        return "nominal"
    kind = data[field].dtype.kind
    return "quantitative" if kind in "iuf" else "temporal" if kind == "M" else "nominal"


def _shorthand(text: str, data: Any) -> dict:
    """``"field"``, ``"field:Q"``, ``"sum(field):Q"``, ``"monthdate(date):O"`` as a field definition."""
    m = _SHORTHAND.match(text)
    if m is None:
        raise ValueError(f"encoding shorthand {text!r} is not understood; use 'field', 'field:Q' or 'op(field):Q'")
    out: dict = {}
    if m["op"]:
        out["timeUnit" if m["op"] in _TIME_UNITS else "aggregate"] = m["op"]
        if m["inner"]:
            out["field"] = m["inner"]
    else:
        out["field"] = m["field"]
    if m["type"]:
        out["type"] = _TYPES[m["type"]]
    elif "timeUnit" in out:
        out["type"] = "temporal"
    elif "aggregate" in out:
        out["type"] = "quantitative"
    else:
        out["type"] = _field_type(data, out["field"])
    return out


class _Channel:
    """An encoding channel: a shorthand plus keywords (title, scale, axis, sort, format...)."""

    def __init__(self, shorthand: Any = Undefined, **kwargs: Any) -> None:
        self.shorthand, self.kwargs = shorthand, kwargs

    def to_dict(self, data: Any = None) -> dict:
        base = {} if self.shorthand is Undefined else _shorthand(self.shorthand, data)
        return {**base, **_clean(self.kwargs)}


class X(_Channel): """x position."""
class Y(_Channel): """y position."""
class Color(_Channel): """Colour."""
class Shape(_Channel): """Point shape."""
class Text(_Channel): """Text of a text mark."""
class Tooltip(_Channel): """A tooltip field (shown on hover)."""
class YOffset(_Channel): """Offset inside a band (grouped bars)."""
class Facet(_Channel): """The field that splits a chart into panels."""


def _encoding(value: Any, data: Any) -> Any:
    if isinstance(value, str):
        return _shorthand(value, data)
    if isinstance(value, _Channel):
        return value.to_dict(data)
    if isinstance(value, (list, tuple)):
        return [_encoding(v, data) for v in value]
    return _clean(value)


def _records(frame: Any) -> list[dict]:
    """A DataFrame's rows as JSON records (NaN as null, dates as ISO text)."""
    return json.loads(frame.to_json(orient="records", date_format="iso"))


class _Spec:
    """What every chart can do: properties, scale resolution, layering, and showing itself."""

    def __init__(self) -> None:
        self.props: dict = {}

    def _with(self, **changes: Any):
        new = copy.copy(self)
        for key, val in changes.items():
            setattr(new, key, val)
        return new

    def properties(self, **kwargs: Any):
        return self._with(props={**self.props, **kwargs})

    def resolve_scale(self, **kwargs: str):
        resolve = self.props.get("resolve", {})
        return self.properties(resolve={**resolve, "scale": {**resolve.get("scale", {}), **kwargs}})

    def __add__(self, other: "_Spec") -> "LayerChart":
        return layer(self, other)

    def _spec(self, datasets: dict) -> dict:  # pragma: no cover - every chart kind defines it
        raise NotImplementedError

    def to_dict(self) -> dict:
        """The whole Vega-Lite 5 spec: data as named datasets, a text description for screen readers."""
        datasets: dict = {}
        spec = {"$schema": SCHEMA, **self._spec(datasets)}
        spec["datasets"] = datasets
        # marks and axes stay out of the accessibility tree (unnamed roles); the drawing as a whole is named
        # by the description, and the data follow as a table (see _access.accessible_html)
        spec["config"] = {"aria": False, "mark": {"aria": False}}
        spec.setdefault("description", describe(spec))
        return spec

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        """The chart alone, for the front end to draw (JupyterLab and Voila, offline)."""
        spec = self.to_dict()
        return ({MIMETYPE: spec, "image/png": PLACEHOLDER_PNG, "text/plain": f"<chart: {title_of(spec)}>"},
                {MIMETYPE: {"embed_options": dict(EMBED_OPTIONS)}})

    def outputs(self) -> tuple[dict, dict]:
        """Two notebook outputs: the chart, then its description and data table (for ``Output.outputs``)."""
        data, metadata = self._repr_mimebundle_()
        spec = data[MIMETYPE]
        return ({"output_type": "display_data", "data": data, "metadata": metadata},
                {"output_type": "display_data", "metadata": {},
                 "data": {"text/html": accessible_html(spec), "text/plain": spec["description"]}})

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for out in self.outputs():
            display(out["data"], metadata=out["metadata"], raw=True)


class Chart(_Spec):
    """One mark over one DataFrame."""

    def __init__(self, data: Any = None) -> None:
        super().__init__()
        self.data, self.mark, self.encoding, self.transform = data, None, {}, []

    def _mark(self, kind: str, **kwargs: Any) -> "Chart":
        return self._with(mark={"type": kind, **kwargs})

    def mark_bar(self, **kw: Any) -> "Chart": return self._mark("bar", **kw)
    def mark_line(self, **kw: Any) -> "Chart": return self._mark("line", **kw)
    def mark_area(self, **kw: Any) -> "Chart": return self._mark("area", **kw)
    def mark_text(self, **kw: Any) -> "Chart": return self._mark("text", **kw)
    def mark_rule(self, **kw: Any) -> "Chart": return self._mark("rule", **kw)
    def mark_point(self, **kw: Any) -> "Chart": return self._mark("point", **kw)
    def mark_rect(self, **kw: Any) -> "Chart": return self._mark("rect", **kw)
    def mark_boxplot(self, **kw: Any) -> "Chart": return self._mark("boxplot", **kw)

    def encode(self, **channels: Any) -> "Chart":
        key = {"yOffset": "yOffset", "xOffset": "xOffset"}
        return self._with(encoding={**self.encoding, **{key.get(k, k): v for k, v in channels.items()}})

    def transform_filter(self, expr: str) -> "Chart":
        return self._with(transform=[*self.transform, {"filter": expr}])

    def facet(self, facet: Facet, columns: int | None = None) -> "FacetChart":
        return FacetChart(self, facet, columns)

    def _spec(self, datasets: dict) -> dict:
        spec: dict = {}
        if self.data is not None:
            records = _records(self.data)
            name = "data-" + hashlib.sha1(json.dumps(records, sort_keys=True).encode()).hexdigest()[:16]
            datasets[name] = records
            spec["data"] = {"name": name}
        if self.mark is not None:
            spec["mark"] = _clean(self.mark)
        if self.encoding:
            spec["encoding"] = {k: _encoding(v, self.data) for k, v in self.encoding.items() if v is not Undefined}
        if self.transform:
            spec["transform"] = list(self.transform)
        return {**spec, **_clean(self.props)}


class LayerChart(_Spec):
    """Charts drawn on top of each other (``a + b``); data shared by every layer is given once."""

    def __init__(self, charts: list) -> None:
        super().__init__()
        self.charts = charts

    def __add__(self, other: _Spec) -> "LayerChart":
        return layer(self, other)

    @property
    def data(self) -> Any:
        """The DataFrame every layer draws from (None when the layers differ), as altair's ``.data``."""
        frames = [getattr(c, "data", None) for c in self.charts]
        return frames[0] if frames and all(f is frames[0] for f in frames) else None

    def _spec(self, datasets: dict) -> dict:
        layers = [c._spec(datasets) for c in self.charts]
        spec: dict = {}
        names = {json.dumps(part.get("data")) for part in layers}
        if len(names) == 1 and "data" in layers[0]:
            spec["data"] = layers[0]["data"]
            layers = [{k: v for k, v in part.items() if k != "data"} for part in layers]
        return {**spec, "layer": layers, **_clean(self.props)}

    def facet(self, facet: Facet, columns: int | None = None) -> "FacetChart":
        return FacetChart(self, facet, columns)


class FacetChart(_Spec):
    """One panel per value of a field, each panel the same (layered) chart over its rows."""

    def __init__(self, inner: _Spec, facet: Facet, columns: int | None) -> None:
        super().__init__()
        self.inner, self.facet_channel, self.columns = inner, facet, columns

    def _spec(self, datasets: dict) -> dict:
        inner = self.inner._spec(datasets)
        data = inner.pop("data", None)
        spec = {"data": data, "facet": self.facet_channel.to_dict(self.inner.data), "spec": inner}
        if self.columns is not None:
            spec["columns"] = self.columns
        return {**spec, **_clean(self.props)}


class ConcatChart(_Spec):
    """Charts side by side (``hconcat``) or one above the other (``vconcat``)."""

    def __init__(self, kind: str, charts: list) -> None:
        super().__init__()
        self.kind, self.charts = kind, charts

    def _spec(self, datasets: dict) -> dict:
        return {self.kind: [c._spec(datasets) for c in self.charts], **_clean(self.props)}


def layer(*charts: _Spec) -> LayerChart:
    """Charts on top of each other, in order (later layers drawn above)."""
    flat: list = []
    for chart in charts:
        flat.extend(chart.charts if isinstance(chart, LayerChart) and not chart.props else [chart])
    return LayerChart(flat)


def hconcat(*charts: _Spec) -> ConcatChart:
    return ConcatChart("hconcat", list(charts))


def vconcat(*charts: _Spec) -> ConcatChart:
    return ConcatChart("vconcat", list(charts))
