"""Progress export files: the attempts table as ``.csv`` or ``.jsonl``, so a learner can hand in a file.

Every row carries ``painkit_version`` and ``schema_version`` next to the attempt's columns
(``COLUMNS``), so a class loader can check where a file came from; any single row is self-describing
and the file opens in a spreadsheet or ``pandas.read_json(lines=True)``. ``answer`` is JSON: a JSON text
in a CSV cell, a JSON value in a JSONL line. Reading validates every row and names the file and line.
A spreadsheet may treat a cell that starts with ``=`` as a formula: open exports as text.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterable, Optional, Union

from ..errors import ProgressError

COLUMNS = ("uid", "learner", "case", "step", "answer", "score", "feedback", "started", "finished")
VERSION_COLUMNS = ("painkit_version", "schema_version")
FORMATS = (".csv", ".jsonl")


def export_format(path: Union[str, Path]) -> str:
    """The file's format from its suffix, ``.csv`` or ``.jsonl``; anything else is a ProgressError."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ProgressError(f"{path}: unknown export format '{suffix or '(none)'}'; allowed: "
                            f"{', '.join(FORMATS)}")
    return suffix


def write_export(rows: Iterable[dict], path: Union[str, Path]) -> Path:
    """Write stored rows (answer as JSON text) to ``path``; return the path."""
    from .. import __version__
    from ._rows import SCHEMA_VERSION

    path, fmt = Path(path), export_format(path)
    stamp = {"painkit_version": __version__, "schema_version": SCHEMA_VERSION}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        if fmt == ".csv":
            writer = csv.DictWriter(fh, fieldnames=[*COLUMNS, *VERSION_COLUMNS])
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "score": "" if row["score"] is None else repr(row["score"]), **stamp})
        else:
            for row in rows:
                fh.write(json.dumps({**row, "answer": json.loads(row["answer"]), **stamp},
                                    ensure_ascii=False) + "\n")
    return path


def _records(path: Path, fmt: str) -> Iterable[tuple[int, dict]]:
    with open(path, encoding="utf-8", newline="") as fh:
        if fmt == ".csv":
            reader = csv.DictReader(fh)
            missing = [c for c in (*COLUMNS, *VERSION_COLUMNS) if c not in (reader.fieldnames or [])]
            if missing:
                raise ProgressError(f"{path}: not a painkit progress export: missing column(s) "
                                    f"{', '.join(missing)}")
            for record in reader:
                yield reader.line_num, record
        else:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ProgressError(f"{path}: line {n}: not JSON ({exc.msg})") from None
                    if not isinstance(record, dict):
                        raise ProgressError(f"{path}: line {n}: found {type(record).__name__}; allowed: an "
                                            "object with the attempt's fields")
                    yield n, record


def _row(record: dict, fmt: str) -> dict:
    from ._rows import SCHEMA_VERSION, _iso, _text, check_score

    missing = [c for c in (*COLUMNS, *VERSION_COLUMNS) if c not in record]
    if missing:
        raise ProgressError(f"missing field(s) {', '.join(missing)}")
    try:
        schema = int(record["schema_version"])
    except (TypeError, ValueError):
        raise ProgressError(f"schema_version: found {record['schema_version']!r}; allowed: a whole number") \
            from None
    if schema > SCHEMA_VERSION:
        raise ProgressError(f"written by painkit {record['painkit_version']} (schema {schema}); this painkit "
                            f"reads schema up to {SCHEMA_VERSION}: upgrade painkit")
    answer, score = record["answer"], record["score"]
    if fmt == ".csv":
        try:
            answer = json.loads(answer)
        except json.JSONDecodeError as exc:
            raise ProgressError(f"answer: not JSON ({exc.msg})") from None
        try:
            score = None if score == "" else float(score)
        except ValueError:
            raise ProgressError(f"score: found {score!r}; allowed: a number 0-100 or empty") from None
    return {"uid": _text(record["uid"], "uid"), "learner": _text(record["learner"], "learner"),
            "case": _text(record["case"], "case"), "step": _text(record["step"], "step"),
            "answer": json.dumps(answer, ensure_ascii=False), "score": check_score(score),
            "feedback": str(record["feedback"] or ""), "started": _iso(record["started"], "started"),
            "finished": _iso(record["finished"], "finished")}


def read_rows(path: Union[str, Path]) -> list[dict]:
    """Validated rows of an export file (as stored: answer as JSON text); ProgressError names file and line."""
    path, fmt = Path(path), export_format(path)
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
    path = Path(path)
    first = next(iter(_records(path, export_format(path))), None)
    return first[1].get("painkit_version") if first else None


def to_frame(rows: list, *, columns: tuple = COLUMNS, answers: bool = True):
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

