"""Progress export files: the attempts table as ``.csv`` or ``.jsonl``, so a learner can hand in a file.

Every row carries ``painkit_version`` and ``schema_version`` next to the attempt's columns
(``COLUMNS``), so a class loader can check where a file came from; any single row is self-describing
and the file opens in a spreadsheet or ``pandas.read_json(lines=True)``. ``answer`` is JSON: a JSON text
in a CSV cell, a JSON value in a JSONL line. Reading validates every row and names the file and line.
A spreadsheet would run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a
formula (OWASP "CSV injection"): CSV exports prefix such text cells with ``'`` and reading a painkit CSV
removes that prefix again, so the round trip loses nothing. JSONL lines are strict JSON (no NaN).
Files are written atomically (a temporary file, then renamed), so a full disk never leaves a half file.
"""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Iterable, Optional, Union

from ..errors import ProgressError

COLUMNS = ("uid", "learner", "case", "step", "answer", "score", "feedback", "started", "finished")
VERSION_COLUMNS = ("painkit_version", "schema_version")
FORMATS = (".csv", ".jsonl")


def export_format(path: Union[str, Path]) -> str:
    """The file's format from its suffix, ``.csv`` or ``.jsonl``; anything else is a ProgressError."""
    from .._validate import path_arg

    suffix = path_arg(path, "export file", ProgressError).suffix.lower()
    if suffix not in FORMATS:
        raise ProgressError(f"{path}: unknown export format '{suffix or '(none)'}'; allowed: "
                            f"{', '.join(FORMATS)}")
    return suffix


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection: cells a spreadsheet runs
_TEXT_CELLS = ("uid", "learner", "case", "step", "answer", "feedback")


def neutralise(cell: str) -> str:
    """A CSV text cell a spreadsheet shows as text: a leading ``'`` when it starts like a formula (and when
    it already starts with ``'``, so reading back removes exactly one)."""
    return "'" + cell if cell.startswith((*FORMULA_START, "'")) else cell


def _restore(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def write_export(rows: Iterable[dict], path: Union[str, Path]) -> Path:
    """Write stored rows (answer as JSON text) to ``path`` atomically; return the path. OS errors (missing
    folder, a folder in the way, full disk) are ProgressErrors and leave no file behind."""
    from .. import __version__
    from .._validate import os_problem, write_with
    from ._rows import SCHEMA_VERSION, _clean

    fmt = export_format(path)
    path = Path(path)
    stamp = {"painkit_version": __version__, "schema_version": SCHEMA_VERSION}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProgressError(os_problem(exc, path.parent)) from None

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            if fmt == ".csv":
                writer = csv.DictWriter(fh, fieldnames=[*COLUMNS, *VERSION_COLUMNS])
                writer.writeheader()
                for row in rows:
                    cells = {k: neutralise(str(row[k])) if k in _TEXT_CELLS and row[k] is not None else row[k]
                             for k in COLUMNS}
                    writer.writerow({**cells, "score": "" if row["score"] is None else repr(row["score"]), **stamp})
            else:
                for row in rows:
                    record = {**row, "answer": _clean(json.loads(row["answer"])), **stamp}
                    fh.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    return write_with(path, write, ProgressError)


def _records(path: Path, fmt: str) -> Iterable[tuple[int, dict]]:
    with open(path, encoding="utf-8", newline="") as fh:
        if fmt == ".csv":
            reader = csv.DictReader(fh)
            missing = [c for c in (*COLUMNS, *VERSION_COLUMNS) if c not in (reader.fieldnames or [])]
            if missing:
                raise ProgressError(f"{path}: not a painkit progress export: missing column(s) "
                                    f"{', '.join(missing)}")
            for record in reader:
                yield reader.line_num, {k: _restore(v) if k in _TEXT_CELLS and isinstance(v, str) else v
                                        for k, v in record.items()}
        else:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ProgressError(f"{path}: line {n}: not JSON ({exc.msg})") from None
                    except RecursionError:
                        raise ProgressError(f"{path}: line {n}: nested too deeply; allowed: an attempt record") \
                            from None
                    if not isinstance(record, dict):
                        raise ProgressError(f"{path}: line {n}: found {type(record).__name__}; allowed: an "
                                            "object with the attempt's fields")
                    yield n, record


def _row(record: dict, fmt: str) -> dict:
    from ._rows import SCHEMA_VERSION, _clean, _iso, _text, answer_json, check_score

    missing = [c for c in (*COLUMNS, *VERSION_COLUMNS) if c not in record]
    if missing:
        raise ProgressError(f"missing field(s) {', '.join(missing)}")
    from .._validate import short

    raw = record["schema_version"]
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).strip().isdigit() \
            or len(str(raw).strip()) > 6:
        raise ProgressError(f"schema_version: found {short(raw)}; allowed: a whole number from 1 to "
                            f"{SCHEMA_VERSION}")
    schema = int(raw)
    if schema > SCHEMA_VERSION:
        raise ProgressError(f"written by painkit {short(record['painkit_version'])} (schema {schema}); this painkit "
                            f"reads schema up to {SCHEMA_VERSION}: upgrade painkit")
    answer, score = record["answer"], record["score"]
    if fmt == ".csv":
        try:
            answer = json.loads(answer)
        except json.JSONDecodeError as exc:
            raise ProgressError(f"answer: not JSON ({exc.msg})") from None
        except RecursionError:
            raise ProgressError("answer: nested too deeply; allowed: plain JSON data") from None
        try:
            score = None if score == "" else float(score)
        except (TypeError, ValueError):
            raise ProgressError(f"score: found {short(score)}; allowed: a number 0-100 or empty") from None
    return {"uid": _text(record["uid"], "uid"), "learner": _text(record["learner"], "learner"),
            "case": _text(record["case"], "case"), "step": _text(record["step"], "step"),
            "answer": answer_json(answer), "score": check_score(score),
            "feedback": _clean(str(record["feedback"] or ""))[:100_000], "started": _iso(record["started"], "started"),
            "finished": _iso(record["finished"], "finished")}


def read_rows(path: Union[str, Path]) -> list[dict]:
    """Validated rows of an export file (as stored: answer as JSON text); ProgressError names file and line."""
    fmt = export_format(path)
    path = Path(path)
    if not path.is_file():
        raise ProgressError(f"{path}: no such export file")
    rows = []
    try:
        for n, record in _records(path, fmt):
            try:
                rows.append(_row(record, fmt))
            except ProgressError as exc:
                raise ProgressError(f"{path}: line {n}: {str(exc).removeprefix('attempt: ')}") from None
    except UnicodeDecodeError as exc:
        raise ProgressError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except csv.Error as exc:
        raise ProgressError(f"{path}: not readable CSV ({exc})") from None
    return rows


def file_version(path: Union[str, Path]) -> Optional[str]:
    """The painkit version stamped in an export's first row (None for an empty file)."""
    fmt = export_format(path)
    first = next(iter(_records(Path(path), fmt)), None)
    return first[1].get("painkit_version") if first else None


def to_frame(rows: "list[Union[dict, tuple]]", *, columns: tuple = COLUMNS, answers: bool = True):
    """Rows (dicts or tuples in ``columns`` order) as a DataFrame: times as UTC datetimes, answers decoded
    unless ``answers=False``."""
    import pandas as pd

    frame = pd.DataFrame.from_records(rows, columns=list(columns))
    if "score" in frame:
        frame["score"] = frame["score"].astype("float64")
    for col in ("started", "finished"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col], format="ISO8601", utc=True)
    if answers and "answer" in frame:
        frame["answer"] = [json.loads(a) for a in frame["answer"]]
    return frame


def read_export(path: Union[str, Path], *, answers: bool = True):
    """An export file as a DataFrame like ``ProgressStore.attempts()`` (validated; versions checked)."""
    return to_frame(read_rows(path), answers=answers)

