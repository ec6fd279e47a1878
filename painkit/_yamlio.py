"""Safe YAML reading for files that may come from strangers.

Case files are untrusted: they are read with PyYAML's SafeLoader (no ``!!python/...`` tags run code),
refused when larger than ``MAX_BYTES`` and refused when aliases or nesting would blow them up
(a "billion laughs" YAML bomb), before anything is built from them.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# libyaml's C loader when PyYAML was built with it (the wheels are): same safety, ~10x faster.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BYTES = 1_000_000  # a real case file is a few kB
MAX_DEPTH = 20
MAX_ALIASES = 50


# The one vocabulary for how sure painkit is of a clinical rule, in every data file and case:
#   verified             read in a primary source, official form or manual
#   partial              confirmed by more than one secondary source or open implementation
#   unverified           not confirmed; the content says so and never uses it for a pass/fail verdict
#   teaching_assumption  a simplification or choice painkit made for teaching, where no source decides
STATUSES: tuple[str, ...] = ("verified", "partial", "unverified", "teaching_assumption")


class YamlError(ValueError):
    """The text is not safe, well-formed YAML; the message says why (without the file name)."""


def _check_events(text: str) -> None:
    """Walk parser events: count aliases and nesting depth without building anything."""
    depth = aliases = 0
    try:
        for event in yaml.parse(text, Loader=SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlError(f"nested deeper than {MAX_DEPTH} levels; refused (YAML bomb guard)")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise YamlError(f"more than {MAX_ALIASES} aliases (*refs); refused (YAML bomb guard)")
    except yaml.YAMLError as exc:
        raise YamlError(_describe(exc)) from None


def _describe(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return f"not valid YAML: {where}{problem}"


def loads(text: str) -> Any:
    """Parse YAML text safely; raise YamlError with a readable reason."""
    if len(text) > MAX_BYTES:
        raise YamlError(f"{len(text):,} characters; the limit is {MAX_BYTES:,}")
    _check_events(text)
    try:
        return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader
    except yaml.constructor.ConstructorError as exc:
        tag = getattr(exc, "problem", "") or str(exc)
        raise YamlError(f"unsafe or unknown YAML tag ({tag}); only plain YAML is allowed") from None
    except yaml.YAMLError as exc:
        raise YamlError(_describe(exc)) from None


def read(path: str | Path) -> Any:
    """Read a YAML file as UTF-8 and parse it safely."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise YamlError(f"file is {size:,} bytes; the limit is {MAX_BYTES:,}")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"not UTF-8 text (byte {exc.start}: {exc.object[exc.start]:#04x})") from None
    return loads(text)


def data_file(name: str) -> Any:
    """Load one of painkit's own data files (``painkit/data/NAME``), cached."""
    return _data_cache(name)


@lru_cache(maxsize=None)
def _data_cache(name: str) -> Any:
    return read(Path(__file__).parent / "data" / name)
