"""Learning records: every progress attempt as an xAPI statement, for an institution's LRS or LMS.

``statements(store_or_frame)`` turns each attempt into one statement; ``write(path, statements)`` saves
them as a JSON array; ``validate(statement)`` lists what breaks the statement structure (an empty list
means none found). CLI: ``python -m painkit export --xapi out.json [--learner NAME] [--homepage IRL]``.

The structure follows the Experience API 1.0.3, Part Two "Experience API Data" (ADL, 2016; read at
https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md). Section numbers below are that document's.
Decisions (documented in docs/progress.md, "Learning records (xAPI)"):

- ``id``: the attempt's uid (a UUID since store schema v2), so re-exporting never duplicates a record in
  an LRS (2.4.1). A uid that is not an RFC 4122 UUID (a hand-made import) becomes a name-based UUID
  (uuid5) of itself: still stable.
- ``actor``: an Agent with exactly one inverse functional identifier, an ``account`` (2.4.2.1, 2.4.2.4):
  ``name`` is the learner name, ``homePage`` must be an IRL, the canonical home page of the system the
  account is on. The default ``https://painkit.invalid/learners`` is well formed but names no real system
  (``.invalid`` is reserved by RFC 2606 and never resolves): an institution sets its own (``homepage=``,
  ``--homepage`` or ``$PAINKIT_XAPI_HOMEPAGE``), and, where names are personal data, uses opaque names.
- ``verb``: ADL ``answered`` for every attempt: each attempt is the learner's reply to one step of a case
  (the answer goes in ``result.response``); ``completed`` would claim a whole activity was finished.
- ``object``: an Activity per case and step, ``<base>/activities/case/<case>/<step>`` with each segment
  percent-encoded (so equal case and step give the same IRI, different ones a different IRI), of type
  ADL ``interaction`` (a part of a larger activity where the learner gives input); the case is its
  ``context.contextActivities.parent``. Not a cmi.interaction: no ``interactionType`` is claimed (2.4.4.1).
- ``result``: ``score`` {scaled = score/100, raw, min 0, max 100} and ``success`` (score >= ``pass_score``
  in painkit/data/competencies.yaml; for a mastery check, its ``pass_mark`` in objectives.yaml) only for
  graded attempts (2.4.5); ``response`` is the answer as
  compact JSON; ``duration`` is ISO 8601 seconds, at most 0.01 s precision (4.6).
- ``timestamp``: when the attempt was finished, RFC 3339 UTC with milliseconds (2.4.7, 4.5).
- ``version``: the spec says a Learning Record Provider SHOULD NOT set it and, if it does, MUST set
  ``1.0.0`` (2.4.10), since every 1.0.x shares the 1.0.0 data model; the statements say ``1.0.0`` (so a
  file states its data model) and follow the 1.0.3 text. Send them with ``X-Experience-API-Version: 1.0.3``.
- Language maps use ``en`` for painkit's own text (4.2: no region when only the language is known) and the
  ADL verb's customary ``en-US`` display.
"""
from __future__ import annotations

import json
import math
import os
import re
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Optional, Union
from urllib.parse import quote, urlsplit

from .. import DISCLAIMER, __version__
from ..curriculum import MASTERY_CASE, case_tags, load_competencies, load_objectives
from ..errors import ProgressError, did_you_mean
from ._rows import _iso, _jsonable
from ._rows import statement_id as _uid  # one rule for the export and the LRS outbox
from ._store import ProgressStore, default_path

DEFAULT_HOMEPAGE = "https://painkit.invalid/learners"
DEFAULT_BASE = "https://painkit.invalid/xapi"
HOMEPAGE_ENV = "PAINKIT_XAPI_HOMEPAGE"
STATEMENT_VERSION = "1.0.0"  # 2.4.10: the only value a provider may set
VERB = {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}}
ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/interaction"
PLATFORM = "painkit"

STATEMENT_KEYS = {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
                  "version", "attachments"}
IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")  # absolute: scheme ':' rest, no spaces
_LANG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")          # RFC 5646 shape
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(rf"^P(?=[\dT])(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?"
                       rf"(?:{_NUM}S)?)?$|^P\d+W$")


# ------------------------------------------------------------------------------------------- building
def activity_id(case: str, step: Optional[str] = None, *, base: str = DEFAULT_BASE) -> str:
    """The stable activity IRI of a case (or of one step of it); each segment is percent-encoded."""
    path = f"{base.rstrip('/')}/activities/case/{quote(str(case), safe='')}"
    return path if step is None else f"{path}/{quote(str(step), safe='')}"


def _is_irl(value: Any) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc and _IRI.match(value))


def _utc(value: Any, field: str) -> datetime:
    return datetime.fromisoformat(_iso(value, field))


def _parse_time(text: str) -> datetime:
    """An ISO 8601 time with a zone (as matched by _TIMESTAMP); digits past microseconds are dropped."""
    head, frac, zone = re.match(r"^(.*?)(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$", text).groups()
    frac = f".{frac[:6].ljust(6, '0')}" if frac else ""
    return datetime.fromisoformat(head + frac + ("+00:00" if zone == "Z" else zone))


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _duration(seconds: float) -> str:
    text = f"{round(seconds, 2):.2f}".rstrip("0").rstrip(".")
    return f"PT{text}S"


def _missing(value: Any) -> bool:
    return value is None or isinstance(value, float) and math.isnan(value)


def _definition(case: str, step: str, title: str) -> dict:
    shown = f"{title} ({case})" if title else case
    return {"name": {"en": f"{shown}: {step}"},
            "description": {"en": f"Step '{step}' of the painkit case '{case}': the learner's answer (scored "
                                  f"0-100 by painkit where the step is graded). {DISCLAIMER}"},
            "type": ACTIVITY_TYPE}


def _statement(row: dict, *, homepage: str, base: str, pass_score: float, titles: dict,
               mastery_mark: float = 100.0) -> dict:
    case, step = str(row["case"]), str(row["step"])
    finished = _utc(row["finished"], "finished")
    result: dict[str, Any] = {}
    if not _missing(row.get("score")):
        score = float(row["score"])
        result["score"] = {"scaled": score / 100, "raw": score, "min": 0, "max": 100}
        result["success"] = score >= (mastery_mark if case == MASTERY_CASE else pass_score)
    if row.get("answer") is not None:
        result["response"] = json.dumps(row["answer"], ensure_ascii=False, separators=(",", ":"),
                                        default=_jsonable)
    if not _missing(row.get("started")):
        seconds = (finished - _utc(row["started"], "started")).total_seconds()
        if seconds >= 0:  # a clock set back mid-attempt gives no duration rather than a false one
            result["duration"] = _duration(seconds)
    return {
        "id": _uid(row["uid"]),
        "actor": {"objectType": "Agent", "account": {"homePage": homepage, "name": str(row["learner"])}},
        "verb": {"id": VERB["id"], "display": dict(VERB["display"])},  # a fresh copy per statement
        "object": {"objectType": "Activity", "id": activity_id(case, step, base=base),
                   "definition": _definition(case, step, titles.get(case, ""))},
        **({"result": result} if result else {}),
        "timestamp": _timestamp(finished),
        "context": {"platform": PLATFORM,
                    "contextActivities": {"parent": [{"objectType": "Activity", "id": activity_id(case, base=base),
                                                      "definition": {"name": {"en": titles.get(case) or case}}}]},
                    "extensions": {f"{base.rstrip('/')}/extensions/painkit-version": __version__}},
        "version": STATEMENT_VERSION,
    }


def _rows(frame_or_store: Any, learner: Optional[str]) -> list[dict]:
    if isinstance(frame_or_store, ProgressStore):
        frame = frame_or_store.attempts(learner)
    elif hasattr(frame_or_store, "to_dict") and hasattr(frame_or_store, "columns"):
        frame = frame_or_store
        if learner is not None and "learner" in frame:
            frame = frame[frame["learner"] == learner]
    else:
        raise ProgressError(f"xapi.statements: found {type(frame_or_store).__name__}; allowed: a ProgressStore "
                            "or a DataFrame of attempts (ProgressStore.attempts(), exports.read_export())")
    need = ("uid", "learner", "case", "step", "answer", "score", "started", "finished")
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise ProgressError(f"xapi.statements: attempts are missing column(s) {', '.join(missing)}")
    return frame.to_dict("records")


def statements(frame_or_store: Any, *, homepage: Optional[str] = None, base: str = DEFAULT_BASE,
               learner: Optional[str] = None) -> list[dict]:
    """Every attempt (or one learner's) as an xAPI statement, in the given order; ``homepage`` is the IRL of
    the system learner accounts belong to (default ``$PAINKIT_XAPI_HOMEPAGE``, else DEFAULT_HOMEPAGE).
    A DataFrame needs decoded answers (the default of ``attempts()`` and ``read_export()``)."""
    return from_rows(_rows(frame_or_store, learner), homepage=homepage, base=base)


def from_rows(rows: list[dict], *, homepage: Optional[str] = None, base: str = DEFAULT_BASE) -> list[dict]:
    """Attempt rows (dicts with uid, learner, case, step, decoded answer, score, and started and finished
    as datetimes or ISO 8601 text) as xAPI statements, in order: what ``statements`` does once it has rows.
    The LRS sender uses it on rows read straight from the store, without pandas."""
    homepage = homepage or os.environ.get(HOMEPAGE_ENV) or DEFAULT_HOMEPAGE
    for name, value in (("homepage", homepage), ("base", base)):
        if not _is_irl(value):
            raise ProgressError(f"xapi: {name}: found {value!r}; allowed: an absolute http(s) address such as "
                                "'https://lms.example.edu'")
    pass_score = float(load_competencies()["pass_score"])
    titles = {cid: tags.title for cid, tags in case_tags({str(r["case"]) for r in rows}).items()}
    mastery_mark = load_objectives().pass_mark.value if any(r["case"] == MASTERY_CASE for r in rows) else 100.0
    return [_statement(r, homepage=homepage, base=base, pass_score=pass_score, titles=titles,
                       mastery_mark=mastery_mark) for r in rows]


def write(path: Union[str, Path], statements: Iterable[dict]) -> Path:
    """Write statements as one JSON array (UTF-8); ProgressError names the path when it cannot be written."""
    from .._validate import os_problem, write_atomic

    path = Path(path)
    from ._rows import _clean

    text = json.dumps(_clean(list(statements)), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProgressError(os_problem(exc, path.parent)) from None
    return write_atomic(path, text, ProgressError)  # readers never see half a file


# ------------------------------------------------------------------------------------------- checking
def _lang_map(value: Any, where: str) -> list[str]:
    if not isinstance(value, dict) or not value:
        return [f"{where}: found {value!r}; allowed: a language map {{RFC 5646 tag: text}} (4.2)"]
    return [f"{where}: {k!r}: allowed: an RFC 5646 language tag with a text value (4.2)"
            for k, v in value.items() if not (isinstance(k, str) and _LANG.match(k) and isinstance(v, str))]


def _iri(value: Any, where: str) -> list[str]:
    return [] if isinstance(value, str) and _IRI.match(value) else \
        [f"{where}: found {value!r}; allowed: an absolute IRI with a scheme (4.3)"]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_actor(actor: Any) -> list[str]:
    if not isinstance(actor, dict):
        return ["actor: required; allowed: an Agent object (2.4.2)"]
    problems = [] if actor.get("objectType", "Agent") == "Agent" else \
        [f"actor: objectType: found {actor.get('objectType')!r}; allowed: 'Agent' (only Agents are exported)"]
    ifis = [k for k in IFI_KEYS if k in actor]
    if len(ifis) != 1:
        problems.append(f"actor: found {len(ifis)} inverse functional identifier(s) {ifis}; allowed: exactly "
                        "one of mbox, mbox_sha1sum, openid, account (2.4.2.1)")
    account = actor.get("account")
    if "account" in actor:
        if not isinstance(account, dict) or set(account) != {"homePage", "name"}:
            problems.append("actor: account: allowed: exactly homePage and name (2.4.2.4)")
        else:
            if not _is_irl(account["homePage"]):
                problems.append(f"actor: account: homePage: found {account['homePage']!r}; allowed: an IRL")
            if not isinstance(account["name"], str) or not account["name"]:
                problems.append("actor: account: name: allowed: non-empty text")
    if "mbox" in actor and not str(actor["mbox"]).startswith("mailto:"):
        problems.append("actor: mbox: allowed: a 'mailto:' IRI")
    return problems


def _check_object(obj: Any) -> list[str]:
    if not isinstance(obj, dict):
        return ["object: required; allowed: an Activity object (2.4.4)"]
    if obj.get("objectType", "Activity") != "Activity":
        return [f"object: objectType: found {obj.get('objectType')!r}; allowed: 'Activity'"]
    problems = _iri(obj.get("id"), "object: id")
    definition = obj.get("definition", {})
    if not isinstance(definition, dict):
        return problems + ["object: definition: allowed: an object (2.4.4.1)"]
    for key in ("name", "description"):
        if key in definition:
            problems += _lang_map(definition[key], f"object: definition: {key}")
    if "type" in definition:
        problems += _iri(definition["type"], "object: definition: type")
    for key in definition.get("extensions", {}) or {}:
        problems += _iri(key, "object: definition: extensions key")
    return problems


def _check_result(result: Any) -> list[str]:
    if not isinstance(result, dict):
        return ["result: allowed: an object (2.4.5)"]
    problems = [f"result: {k}: allowed: true or false" for k in ("success", "completion")
                if k in result and not isinstance(result[k], bool)]
    if "response" in result and not isinstance(result["response"], str):
        problems.append("result: response: allowed: text")
    if "duration" in result and not (isinstance(result["duration"], str) and _DURATION.match(result["duration"])):
        problems.append(f"result: duration: found {result['duration']!r}; allowed: an ISO 8601 duration (4.6)")
    score = result.get("score")
    if "score" in result:
        if not isinstance(score, dict) or not all(_number(v) for v in score.values()) or \
                not set(score) <= {"scaled", "raw", "min", "max"}:
            return problems + ["result: score: allowed: numbers scaled, raw, min, max (2.4.5.1)"]
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            problems.append(f"result: score: scaled: found {score['scaled']}; allowed: -1 to 1 (2.4.5.1)")
        low, high, raw = score.get("min"), score.get("max"), score.get("raw")
        if low is not None and high is not None and not low < high:
            problems.append(f"result: score: min {low} must be less than max {high} (2.4.5.1)")
        if raw is not None and (low is not None and raw < low or high is not None and raw > high):
            problems.append(f"result: score: raw {raw} must lie between min and max (2.4.5.1)")
    return problems


def _check_context(context: Any) -> list[str]:
    if not isinstance(context, dict):
        return ["context: allowed: an object (2.4.6)"]
    problems = []
    if "platform" in context and not isinstance(context["platform"], str):
        problems.append("context: platform: allowed: text")
    for key in context.get("extensions", {}) or {}:
        problems += _iri(key, "context: extensions key")
    for kind, acts in (context.get("contextActivities") or {}).items():
        if kind not in ("parent", "grouping", "category", "other"):
            problems.append(f"context: contextActivities: {kind!r}; allowed: parent, grouping, category, other")
        for act in acts if isinstance(acts, list) else [acts]:
            problems += [f"context: contextActivities: {kind}: {p}" for p in _check_object(act)]
    return problems


def validate(statement: Any, *, now: Optional[datetime] = None) -> list[str]:
    """What breaks the xAPI 1.0.3 statement structure (required fields, IRI, UUID, time and score forms),
    one line per problem; empty when none was found. Checks Activity objects and Agent actors only."""
    if not isinstance(statement, dict):
        return [f"statement: found {type(statement).__name__}; allowed: a JSON object"]
    problems = [f"{k}: not a statement property (2.4)" for k in statement if k not in STATEMENT_KEYS]
    problems += [f"{k}: required (2.4)" for k in ("actor", "verb", "object") if k not in statement]
    if "id" in statement:
        sid = statement["id"]
        ok = isinstance(sid, str) and _UUID.match(sid) and uuid.UUID(sid).variant == uuid.RFC_4122
        problems += [] if ok else [f"id: found {sid!r}; allowed: an RFC 4122 UUID in standard form (2.4.1)"]
    problems += _check_actor(statement.get("actor")) if "actor" in statement else []
    verb = statement.get("verb")
    if "verb" in statement:
        if not isinstance(verb, dict):
            problems.append("verb: allowed: an object with id and display (2.4.3)")
        else:
            problems += _iri(verb.get("id"), "verb: id")
            problems += _lang_map(verb["display"], "verb: display") if "display" in verb else []
    problems += _check_object(statement.get("object")) if "object" in statement else []
    problems += _check_result(statement["result"]) if "result" in statement else []
    problems += _check_context(statement["context"]) if "context" in statement else []
    if "timestamp" in statement:
        stamp = statement["timestamp"]
        try:
            moment = _parse_time(stamp) if isinstance(stamp, str) and _TIMESTAMP.match(stamp) else None
        except ValueError:  # e.g. month 13
            moment = None
        if moment is None:
            problems.append(f"timestamp: found {stamp!r}; allowed: ISO 8601 date and time with a time zone (4.5)")
        elif moment > (now or datetime.now(timezone.utc)):
            problems.append(f"timestamp: {stamp} is in the future; a provider must not use one (2.4.7)")
    if "version" in statement and statement["version"] != STATEMENT_VERSION:
        problems.append(f"version: found {statement['version']!r}; allowed: '1.0.0' or no version (2.4.10)")
    return problems


# ------------------------------------------------------------------------------------------- CLI
def cmd_export_xapi(args: Any) -> int:
    """``python -m painkit export --xapi OUT.json``: write the store's attempts as xAPI statements."""
    store_path = Path(args.store) if args.store else default_path()
    if not store_path.is_file():  # do not create an empty store just to find nothing in it
        print(f"export: nothing to export: no progress store at {store_path}", file=sys.stderr)
        return 1
    try:
        with ProgressStore(store_path) as store:
            found = statements(store, homepage=args.homepage, learner=args.learner)
            names = store.learners()
        if not found:
            who = f" for learner {args.learner!r}{did_you_mean(args.learner, names)}" if args.learner else ""
            print(f"export: nothing to export: no attempts{who} in {store_path}", file=sys.stderr)
            return 1
        out = write(args.xapi, found)
    except ProgressError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 1
    homepage = found[0]["actor"]["account"]["homePage"]
    print(f"wrote {len(found)} xAPI statement(s) to {out}")
    if homepage == DEFAULT_HOMEPAGE:
        print(f"note: learner accounts use the placeholder home page {DEFAULT_HOMEPAGE}; give your institution's "
              f"with --homepage or ${HOMEPAGE_ENV} before loading them into a learning record store",
              file=sys.stderr)
    return 0
