"""Safe YAML reading for files that may come from strangers.

Case files are untrusted: they are read with PyYAML's SafeLoader (no ``!!python/...`` tags run code),
refused when larger than ``MAX_BYTES`` and refused when aliases or nesting would blow them up
(a "billion laughs" YAML bomb), before anything is built from them: one pass over the parser events counts
the nodes the document would have with every alias expanded (``MAX_NODES``), so a 600-byte bomb under the
alias limit is refused in milliseconds. A key written twice in one mapping is an error (YAML says keys are
unique; PyYAML would silently keep the last).

Parsing is the slow part of opening a notebook (about 0.5 s for every case and data file, most of it PyYAML
building Python objects): what a file parsed to is kept as JSON in a ``__pycache__`` folder beside it, as
Python keeps bytecode, and used while the file's bytes are unchanged (checked by SHA-256, with the loader's
version). Only a successful safe parse is ever kept, so every check above ran on the text once. A cache file
is readable by whoever may read its source, and is used only when it and its folder belong to the source's
owner or to this user (and the folder is not writable by everyone), so nobody can plant a parse for someone
else's case. The cache is best effort: a folder that cannot be written, or a cache file that is missing,
stale, damaged, foreign or not a faithful copy, means the file is parsed again. ``PAINKIT_YAML_CACHE=off``
turns it off.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import PainkitError

# libyaml's C loader when PyYAML was built with it (the wheels are): same safety, ~10x faster.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BYTES = 1_000_000  # a real case file is a few kB
MAX_DEPTH = 20
MAX_ALIASES = 50
MAX_NODES = 200_000  # expanded nodes (aliases counted as copies); a real case has a few hundred


# The one vocabulary for how sure painkit is of a clinical rule, in every data file and case:
#   verified             read in a primary source, official form or manual
#   partial              confirmed by more than one secondary source or open implementation
#   unverified           not confirmed; the content says so and never uses it for a pass/fail verdict
#   teaching_assumption  a simplification or choice painkit made for teaching, where no source decides
STATUSES: tuple[str, ...] = ("verified", "partial", "unverified", "teaching_assumption")


class YamlError(PainkitError, ValueError):
    """The text is not safe, well-formed YAML; the message says why (without the file name)."""


def _check_events(text: str) -> None:
    """Walk parser events: count aliases, nesting depth and the expanded node count (each alias counted as
    the size of what it refers to) without building anything."""
    aliases = 0
    sizes: dict[str, int] = {}   # anchor -> expanded node count
    stack: list[list] = []       # open collections: [anchor, node count so far]
    total = 0

    def add(n: int) -> None:
        nonlocal total
        total += n if not stack else 0
        if stack:
            stack[-1][1] += n
        if total > MAX_NODES or (stack and stack[-1][1] > MAX_NODES):
            raise YamlError(f"more than {MAX_NODES:,} values once aliases (*refs) are expanded; refused "
                            f"(YAML bomb guard)")

    try:
        for event in yaml.parse(text, Loader=SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                stack.append([event.anchor, 1])
                if len(stack) > MAX_DEPTH:
                    raise YamlError(f"nested deeper than {MAX_DEPTH} levels; refused (YAML bomb guard)")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                anchor, n = stack.pop()
                if anchor:
                    sizes[anchor] = n
                add(n)
            elif isinstance(event, yaml.ScalarEvent):
                if event.anchor:
                    sizes[event.anchor] = 1
                add(1)
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise YamlError(f"more than {MAX_ALIASES} aliases (*refs); refused (YAML bomb guard)")
                add(sizes.get(event.anchor, 1))
    except yaml.YAMLError as exc:
        raise YamlError(_describe(exc, text)) from None


class _UniqueKeyLoader(SafeLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that refuses a key written twice in one mapping (merge keys ``<<`` may be overridden)."""

    def construct_mapping(self, node, deep=False):  # noqa: ANN001 - PyYAML's signature
        if isinstance(node, yaml.MappingNode):
            seen: set = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                k = self.construct_object(key_node, deep=True)
                try:
                    dup = k in seen
                    seen.add(k)
                except TypeError:
                    raise yaml.constructor.ConstructorError(
                        None, None, "a mapping key must be a plain value, not a list or mapping",
                        key_node.start_mark) from None
                if dup:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {str(k)[:40]!r} appears twice in one mapping; write each key once",
                        key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:map", _UniqueKeyLoader.construct_yaml_map)


def _at(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _char_at(text: str, mark: Any) -> str:
    lines = text.splitlines()
    if mark is None or mark.line >= len(lines) or mark.column >= len(lines[mark.line]):
        return ""
    return lines[mark.line][mark.column]


def _explain(context: str, problem: str, mark: Any, opened: Any, char: str) -> tuple[Any, str]:
    """(where, what is wrong and what to do) for the YAML mistakes authors make most: a tab, an unclosed
    quote or bracket, a missing ':', a ': ' inside a value, a line indented out of step. The messages of
    PyYAML's pure-Python and libyaml parsers differ, so both wordings are matched."""
    if char == "\t" or "'\\t'" in problem:
        return mark, "a tab character; indent with spaces only (YAML does not allow tabs for indentation)"
    if "quoted scalar" in context and opened is not None:
        return opened, ("this quote is never closed; add the closing quote at the end of the text, or write the "
                        "text without quotes")
    if "flow sequence" in context and opened is not None:
        return opened, "this '[' list is never closed; add the ']' (and a ',' between the items)"
    if "flow mapping" in context and opened is not None:
        return opened, "this '{' mapping is never closed; add the '}' (and a ',' between the entries)"
    if "could not find expected ':'" in problem:
        return opened or mark, ("this line is not 'field: value' or a '- ' list item; add the missing ':' after "
                                "the field name, or indent the line under the text it continues")
    if "mapping values are not allowed" in problem:
        return mark, ("a ':' where a value was expected; put the value in quotes when it contains ': ', or "
                      "indent this line to match the fields beside it")
    if "expected <block end>" in problem or "expected key" in problem or "'-' indicator" in problem:
        return mark, ("this line's indentation does not match the lines above; line it up (with spaces) "
                      "with the other fields at the same level")
    if "cannot start any token" in problem:
        shown = f"'{char}' " if char.isprintable() and char.strip() else ""
        return mark, f"a value cannot start with the character {shown}here; put the value in quotes"
    return mark, f"{problem}; check the indentation and the quotes on this line and the one above"


def _describe(exc: yaml.YAMLError, text: str = "") -> str:
    """'not valid YAML: line L, column C: what is wrong; what to do' from a PyYAML error in ``text``."""
    mark = getattr(exc, "problem_mark", None)
    problem = str(getattr(exc, "problem", None) or exc)
    context = str(getattr(exc, "context", None) or "")
    where, what = _explain(context, problem, mark, getattr(exc, "context_mark", None), _char_at(text, mark))
    return f"not valid YAML: {_at(where) + ': ' if where is not None else ''}{what}"


def loads(text: str) -> Any:
    """Parse YAML text safely; raise YamlError with a readable reason."""
    if len(text) > MAX_BYTES:
        raise YamlError(f"{len(text):,} characters; the limit is {MAX_BYTES:,}")
    _check_events(text)
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a safe loader
    except yaml.constructor.ConstructorError as exc:
        problem = str(getattr(exc, "problem", "") or exc)
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        if "appears twice" in problem or "plain value" in problem:
            raise YamlError(f"{where}{problem}") from None
        raise YamlError(f"unsafe or unknown YAML tag ({problem[:80]}); only plain YAML is allowed") from None
    except yaml.YAMLError as exc:
        raise YamlError(_describe(exc, text)) from None


def read(path: str | Path) -> Any:
    """Read a YAML file as UTF-8 and parse it safely (through the parse cache, see the module's docstring)."""
    return _read(Path(path))[0]


def _read(path: Path) -> tuple[Any, bool]:
    """The file's parse, and whether the parse cache holds it now (after this read)."""
    try:
        st = path.stat()
    except OSError as exc:
        raise YamlError(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    size = st.st_size
    if size > MAX_BYTES:
        raise YamlError(f"file is {size:,} bytes; the limit is {MAX_BYTES:,}")
    try:
        data = path.read_bytes()[: MAX_BYTES + 1]
        text = data.decode("utf-8")
    except OSError as exc:
        raise YamlError(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    except UnicodeDecodeError as exc:
        raise YamlError(f"not UTF-8 text (byte {exc.start}: {exc.object[exc.start]:#04x})") from None
    if os.environ.get("PAINKIT_YAML_CACHE", "").strip().lower() in {"off", "0", "no", "false"}:
        return loads(text), False
    cache = _cache_file(path)
    key = hashlib.sha256(_CACHE_VERSION + data).hexdigest()
    found = _cache_get(cache, key, st.st_uid)
    if found is not _MISS:
        return found, True
    value = loads(text)
    return value, _cache_put(cache, key, value, st)


def _cache_file(path: Path) -> Path:
    return path.parent / "__pycache__" / f"{path.name}.painkit.json"


# What a parse means can change with painkit's loader rules or PyYAML's version: either change makes old
# cache files stale.
_CACHE_VERSION = f"painkit-yaml-1 PyYAML-{yaml.__version__}\n".encode()
_CACHE_MAX_BYTES = 20 * MAX_BYTES  # aliases are expanded in JSON; a bigger cache file is not one of ours
_MISS = object()
_PAIRS = "\u0000pairs"  # a mapping with keys that are not text (YAML allows 0: "none") kept as [key, value] pairs


def _to_json(value: Any) -> Any:
    if isinstance(value, dict):
        if all(type(k) is str for k in value):
            return {k: _to_json(v) for k, v in value.items()}
        return {_PAIRS: [[k, _to_json(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _from_json(mapping: dict) -> Any:
    return dict(mapping[_PAIRS]) if len(mapping) == 1 and _PAIRS in mapping else mapping


def _trusted(st: os.stat_result, owner: int) -> bool:
    """A cache file or folder written by the source file's owner or by this user, and (a folder) not writable
    by everyone: in a folder anyone may write to, another user could otherwise plant a parse for a case."""
    me = os.getuid() if hasattr(os, "getuid") else st.st_uid  # no owners to compare on Windows
    return st.st_uid in (owner, me) and not st.st_mode & 0o002


def _cache_get(cache: Path, key: str, owner: int) -> Any:
    """The value kept for ``key`` in ``cache``, or ``_MISS`` (missing, stale, damaged, too big, or written by
    someone other than the source's owner or this user)."""
    try:
        if cache.parent.is_symlink() or not _trusted(cache.parent.stat(), owner):
            return _MISS
        with open(cache, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not _trusted(st, owner) or st.st_size > _CACHE_MAX_BYTES:
                return _MISS
            kept = json.loads(fh.read(), object_hook=_from_json)
    except (OSError, ValueError, RecursionError):
        return _MISS
    if not isinstance(kept, dict) or kept.get("sha256") != key or "value" not in kept:
        return _MISS
    return kept["value"]


def _cache_put(cache: Path, key: str, value: Any, source: os.stat_result) -> bool:
    """Keep ``value`` as JSON when JSON gives it back unchanged (no dates, no NaN; number keys as pairs), in a
    folder ``_cache_get`` trusts; a cache that cannot be written is skipped silently: it only saves time.
    Written whole or not at all, readable by whoever may read the source, writable only by its writer. True
    when it was written."""
    try:
        payload = json.dumps({"sha256": key, "value": _to_json(value)}, allow_nan=False, separators=(",", ":"))
        if json.loads(payload, object_hook=_from_json)["value"] != value:
            return False
    except (TypeError, ValueError, RecursionError):
        return False
    tmp = None
    try:
        if cache.parent.is_symlink():
            return False
        cache.parent.mkdir(exist_ok=True)
        if not _trusted(cache.parent.stat(), source.st_uid):  # it would never be read back
            return False
        fd, tmp = tempfile.mkstemp(prefix=f".{cache.name[:40]}.", suffix=".tmp", dir=cache.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), source.st_mode & 0o644)
            fh.write(payload)
        os.replace(tmp, cache)
        return True
    except OSError:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False


def keep_parses(paths: list[Path]) -> list[str]:
    """Read each YAML file so its parse is kept (run once after installing, as the owner of the files, when
    learners cannot write beside them); returns one line per file whose parse could not be kept, and why."""
    problems = []
    for path in map(Path, paths):
        try:
            _, kept = _read(path)
        except YamlError as exc:
            problems.append(f"{path.name}: not kept: {exc}")
            continue
        if not kept:
            folder = _cache_file(path).parent
            if folder.is_symlink():
                why = "cannot write in its folder (its __pycache__ is a link, which is not followed)"
            elif folder.is_dir() and folder.stat().st_mode & 0o002:
                why = ("cannot write in its folder safely (its __pycache__ is writable by everyone, so a cache "
                       "there is not trusted)")
            elif not os.access(folder if folder.is_dir() else path.parent, os.W_OK):
                why = "cannot write in its folder"
            else:
                why = "its values do not fit JSON (dates or NaN), so it is parsed on each read"
            problems.append(f"{path.name}: not kept: {why}")
    return problems


def data_paths() -> list[Path]:
    """painkit's own data files (``painkit/data/*.yaml``)."""
    return sorted((Path(__file__).parent / "data").glob("*.yaml"))


def data_file(name: str) -> Any:
    """Load one of painkit's own data files (``painkit/data/NAME``), cached."""
    return _data_cache(name)


@lru_cache(maxsize=None)
def _data_cache(name: str) -> Any:
    return read(Path(__file__).parent / "data" / name)
