"""Shared checks for untrusted input at painkit's public edges, and safe file writes.

Every public function, CLI command, widget and file reader checks its input through these helpers so the
error contract is the same everywhere: a ``PainkitError`` subclass naming the input or field, what was
found (short: ``short()`` never shows a whole value) and what is allowed. ``write_atomic`` writes a file
through a temporary file and ``os.replace`` so a failed write never leaves a half or 0-byte file, and turns
OS errors (missing folder, read-only folder, full disk, a directory in the way) into a clear message.
"""
from __future__ import annotations

import math
import os
import reprlib
import tempfile
from contextlib import contextmanager
from numbers import Integral, Real
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Type, Union

from .errors import PainkitError

_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40
_short.maxlist = _short.maxtuple = _short.maxdict = _short.maxset = 4
_short.maxlevel = 2
_short.maxlong = 24


def short(value: Any) -> str:
    """A short repr of an untrusted value (at most ~60 characters, nested containers cut), safe to show."""
    try:
        text = _short.repr(value)
    except Exception:  # a hostile __repr__
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def kind(value: Any) -> str:
    """The type name of a value, for 'found <kind>' messages."""
    return type(value).__name__


def number(value: Any, where: str, error: Type[PainkitError] = PainkitError, *, allowed: str = "a finite number",
           lo: Optional[float] = None, hi: Optional[float] = None, lo_open: bool = False) -> float:
    """``value`` as a finite float; refuse bool, complex, strings, None, NaN and infinities.

    ``lo``/``hi`` bound it (``lo_open`` makes the lower bound exclusive)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise error(f"{where}: found {short(value)} ({kind(value)}); allowed: {allowed}")
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise error(f"{where}: found {short(value)}; allowed: {allowed}") from None
    if not math.isfinite(x):
        raise error(f"{where}: found {short(value)} (not a finite number); allowed: {allowed}")
    if lo is not None and (x < lo or (lo_open and x == lo)):
        raise error(f"{where}: found {x:g}; allowed: {allowed}")
    if hi is not None and x > hi:
        raise error(f"{where}: found {x:g}; allowed: {allowed}")
    return x


def whole(value: Any, where: str, error: Type[PainkitError] = PainkitError, *, lo: int = 0,
          hi: Optional[int] = None) -> int:
    """``value`` as an int (Python or numpy integer, not bool) within ``lo``..``hi``."""
    allowed = f"a whole number from {lo:,}" + (f" to {hi:,}" if hi is not None else " up")
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise error(f"{where}: found {short(value)} ({kind(value)}); allowed: {allowed}")
    n = int(value)
    if n < lo or (hi is not None and n > hi):
        raise error(f"{where}: found {short(n)}; allowed: {allowed}")
    return n


def text(value: Any, where: str, error: Type[PainkitError] = PainkitError, *, max_len: int = 200,
         allowed: str = "") -> str:
    """A string that is encodable as UTF-8 (no lone surrogates), not empty and at most ``max_len`` long."""
    what = allowed or f"text of 1 to {max_len} characters"
    if not isinstance(value, str):
        raise error(f"{where}: found {short(value)} ({kind(value)}); allowed: {what}")
    if not value.strip() or len(value) > max_len:
        raise error(f"{where}: found {len(value):,} characters ({short(value)}); allowed: {what}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise error(f"{where}: found text with an unpaired surrogate character ({short(value)}); "
                    f"allowed: {what} that is valid Unicode") from None
    return value


def key(value: Any, where: str, choices: Any, error: Type[PainkitError] = PainkitError) -> str:
    """A string id that is one of ``choices`` (checks hashability first; suggests close matches)."""
    from .errors import did_you_mean

    if not isinstance(value, str) or value not in choices:
        hint = did_you_mean(value, choices) if isinstance(value, str) else ""
        listed = ", ".join(map(str, list(choices)[:12])) + (", ..." if len(choices) > 12 else "")
        raise error(f"{where}: found {short(value)}{hint}; allowed: {listed}")
    return value


def listed(value: Any, where: str, error: Type[PainkitError] = PainkitError, *, limit: int = 10_000,
           example: str = "give a list") -> list:
    """An iterable (not a string or mapping) materialised as a list, so generators are read once."""
    from collections.abc import Iterable, Mapping

    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise error(f"{where}: found {short(value)} ({kind(value)}); {example}")
    out = []
    for item in value:
        out.append(item)
        if len(out) > limit:
            raise error(f"{where}: more than {limit:,} entries; allowed: at most {limit:,}")
    return out


def strings(value: Any, where: str, error: Type[PainkitError] = PainkitError, *, limit: int = 500,
            example: str = "give a list of ids") -> list[str]:
    """A list of strings (ids, names) from any iterable; anything else (None, a number, a nested list) is
    ``error`` naming the item."""
    out = listed(value, where, error, limit=limit, example=example)
    for i, item in enumerate(out):
        if not isinstance(item, str):
            raise error(f"{where}[{i}]: found {short(item)} ({kind(item)}); {example}")
    return out


# --------------------------------------------------------------------------------------------------
# Files


def path_arg(value: Any, where: str, error: Type[PainkitError] = PainkitError) -> Path:
    """A path argument (str or os.PathLike, no NUL, at most 4096 characters) as a Path."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value or "\x00" in value or len(value) > 4096:
        raise error(f"{where}: found {short(value)} ({kind(value)}); allowed: a file path")
    return Path(value)


def os_problem(exc: OSError, path: Union[str, Path], verb: str = "cannot be written") -> str:
    """A one-line reason for an OS error on ``path`` (no traceback), with what to do."""
    import errno

    name = str(path)
    name = name if len(name) <= 80 else name[:30] + "..." + name[-47:]  # keep the file name, cut the middle
    reasons = {
        errno.ENOENT: "the folder does not exist; create it first or choose another path",
        errno.EACCES: "permission denied; choose a folder you can write to",
        errno.EPERM: "permission denied; choose a folder you can write to",
        errno.EROFS: "the file system is read-only; choose another folder",
        errno.ENOSPC: "the disk is full; free some space or write elsewhere",
        errno.EDQUOT: "the disk quota is exceeded; free some space or write elsewhere",
        errno.EISDIR: "is a folder; give a file name",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.ENAMETOOLONG: "the file name is too long; use a shorter name",
        errno.EEXIST: "a file is in the way where a folder is needed; choose another path",
    }
    return f"{name}: {verb}: {reasons.get(exc.errno, exc.strerror or type(exc).__name__)}"


@contextmanager
def atomic_path(path: Union[str, Path], error: Type[PainkitError] = PainkitError) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step (os.replace).

    On any failure the temporary file is removed and ``path`` is untouched; OS errors become ``error``."""
    path = Path(path)
    if path.is_dir():
        raise error(f"{os_problem(IsADirectoryError(21, 'Is a directory'), path)}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent or ".")
        os.close(fd)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the mode open() would
    except OSError as exc:
        raise error(os_problem(exc, path)) from None
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise error(os_problem(exc, path)) from None
    except BaseException:
        _remove(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def write_atomic(path: Union[str, Path], data: Union[str, bytes], error: Type[PainkitError] = PainkitError,
                 *, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` atomically (temp file + os.replace, fsync'd); OS errors become ``error``."""
    payload = data.encode(encoding) if isinstance(data, str) else data
    with atomic_path(path, error) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def write_with(path: Union[str, Path], writer: Callable[[Path], Any],
               error: Type[PainkitError] = PainkitError) -> Path:
    """Run ``writer(tmp_path)`` and move the result onto ``path`` atomically (for csv/sqlite writers)."""
    with atomic_path(path, error) as tmp:
        writer(tmp)
    return Path(path)


# ------------------------------------------------------------------------------ arguments at the API edge
def _allowed(t: Any) -> str:
    """An annotation in words, for 'allowed:' (``Optional[str]`` -> 'str or None')."""
    import typing

    origin = typing.get_origin(t)
    if origin is typing.Union or type(t).__name__ == "UnionType":
        return " or ".join(_allowed(a) for a in typing.get_args(t))
    if origin is typing.Literal:
        return "one of " + ", ".join(map(repr, typing.get_args(t)))
    if t is type(None):
        return "None"
    if origin is not None:
        args = [a for a in typing.get_args(t) if a is not Ellipsis]
        inner = f" of {_allowed(args[0])}" if len(args) == 1 else ""
        return f"{getattr(origin, '__name__', str(origin))}{inner}"
    return getattr(t, "__name__", str(t))


def _checker(t: Any) -> Optional[Callable[[Any], bool]]:
    """A predicate for one resolved annotation, or None when it cannot (or need not) be checked."""
    import collections.abc as cabc
    import typing

    if t is Any or t is object or isinstance(t, (typing.TypeVar, str)):
        return None
    origin = typing.get_origin(t)
    if origin is typing.Union or type(t).__name__ == "UnionType":
        parts = [_checker(a) for a in typing.get_args(t)]
        if any(p is None for p in parts):
            return None
        return lambda v: any(p(v) for p in parts)  # type: ignore[misc]
    if origin is typing.Literal:
        choices = typing.get_args(t)
        return lambda v: isinstance(v, (str, int, float, bool, type(None))) and v in choices
    if t is type(None):
        return lambda v: v is None
    if t is float:
        return lambda v: isinstance(v, Real) and not isinstance(v, bool)
    if t is int:
        return lambda v: isinstance(v, Integral) and not isinstance(v, bool)
    if origin is not None:
        if not isinstance(origin, type):
            return None
        args = typing.get_args(t)
        element = _checker(args[0]) if len(args) == 1 and origin is not type else None
        collection = origin in (cabc.Iterable, cabc.Sequence, cabc.Collection, list, tuple, set, frozenset)

        def check(v: Any, origin: type = origin, element: Any = element) -> bool:
            if not isinstance(v, origin) or (collection and isinstance(v, (str, bytes))):
                return False  # text is never meant as a collection of items in painkit
            if element is not None and isinstance(v, (list, tuple, set, frozenset)) and len(v) <= 10_000:
                return all(element(x) for x in v)
            return True
        return check
    if isinstance(t, type):
        return lambda v: isinstance(v, t)
    return None


def _by_name(annotation: str) -> tuple[Optional[Callable[[Any], bool]], str]:
    """A check for classes named only in a string ('Case', 'pd.DataFrame', 'A | B'): the value's class or one
    of its bases has one of those names. Anything more complex than (dotted) names joined by '|' is left
    unchecked."""
    names = [part.strip().strip("'\"").rsplit(".", 1)[-1] for part in annotation.split("|")]
    if not all(n.isidentifier() for n in names):
        return None, ""
    if "None" in names:
        names.remove("None")
        return (lambda v: v is None or any(c.__name__ in names for c in type(v).__mro__)), " or ".join(names + ["None"])
    return (lambda v: any(c.__name__ in names for c in type(v).__mro__)), " or ".join(names)


def checked(func: Callable, error: Type[PainkitError] = PainkitError) -> Callable:
    """``func`` whose raw TypeError/AttributeError/KeyError/IndexError/ValueError on a wrongly typed argument
    becomes ``error`` naming the function, the argument, what was found (short) and what is allowed. The
    body runs first, so its own PainkitError messages (which say more) win and a call with good arguments
    costs nothing extra; the annotations are checked only after the body failed, and an error raised with
    well-typed arguments is re-raised untouched (a bug, never hidden). Arguments annotated ``Any`` (or not
    at all) are not checked; a function with nothing to check is returned unchanged."""
    import functools
    import inspect

    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return func
    namespace = getattr(func, "__globals__", {})  # read only: eval of an annotation assigns nothing
    checks: dict[str, tuple[Callable[[Any], bool], str]] = {}
    for name, p in sig.parameters.items():
        if p.annotation is p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        ann, ok, allowed = p.annotation, None, ""
        for _ in range(2):  # 'x' and "'x'" (a quoted forward reference inside the annotation)
            if not isinstance(ann, str):
                break
            try:
                ann = eval(ann, namespace)  # the function's own annotation text, in its own module
            except Exception:  # a class only imported for type checkers: checked by its name
                ok, allowed = _by_name(ann)
                break
        if ok is None and not isinstance(ann, str):
            ok, allowed = _checker(ann), _allowed(ann)
        if ok is not None:
            if p.default is None:
                ok = (lambda f: lambda v: v is None or f(v))(ok)
            checks[name] = (ok, allowed)
    if not checks:
        return func

    def problem(args: tuple, kwargs: dict) -> Optional[str]:
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as exc:
            return f"{func.__name__}(): {exc}"
        for name, value in bound.arguments.items():
            check = checks.get(name)
            if check is not None and not check[0](value):
                return (f"{func.__name__}(): argument '{name}': found {short(value)} ({kind(value)}); "
                        f"allowed: {check[1]}")
        return None

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PainkitError:
            raise  # the body's own message names the input best
        except (TypeError, AttributeError, KeyError, IndexError, ValueError):
            found = problem(args, kwargs)
            if found is None:
                raise  # the arguments were well-typed: a real bug, never hidden
            raise error(found) from None
    wrapper.__painkit_checked__ = True  # type: ignore[attr-defined]
    return wrapper


def check_public(namespace: dict, error: Type[PainkitError] = PainkitError) -> None:
    """Wrap every public function listed in a package's ``__all__`` with ``checked`` (in place)."""
    import inspect

    for name in namespace.get("__all__", ()):
        obj = namespace.get(name)
        if inspect.isfunction(obj) and not getattr(obj, "__painkit_checked__", False):
            namespace[name] = checked(obj, error)
