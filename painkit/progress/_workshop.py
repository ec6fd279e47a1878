"""Workshops: hand in progress, merge a class's exports, and summarise the class for the facilitator.

A class folder holds one progress export per learner (``<name>.jsonl`` or ``.csv``, written by
``hand_in()``) or whole progress stores (``*.sqlite``). ``load_class`` merges them and reports, without
failing, the files it could not read, learners found in more than one file and files written by another
painkit version. ``class_summary`` turns the merged attempts into the facilitator's tables and charts.
Every grade in a summary was computed by painkit's engines when the learner answered (or, for plan
findings, by re-reviewing the learner's plan): the dashboard holds no clinical logic of its own.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from ..errors import PainkitError, ProgressError

EXPORT_SUFFIXES = (".jsonl", ".csv")
STORE_SUFFIXES = (".sqlite", ".db")
HELP_BELOW_PASS = 3  # graded steps below the pass score that flag a learner for the facilitator


@dataclass
class ClassData:
    """A class merged from many learners' files: ``attempts`` (one row per attempt, with ``source``),
    ``files`` (one row per file read or refused) and ``problems`` (one line per thing to look at)."""

    attempts: Any
    files: Any
    problems: list[str] = field(default_factory=list)

    @property
    def learners(self) -> list[str]:
        return sorted(self.attempts["learner"].unique())

    def __repr__(self) -> str:
        return (f"ClassData({len(self.learners)} learners, {len(self.attempts)} attempts, "
                f"{len(self.problems)} problem(s))")


def class_dir(folder: Union[str, Path, None] = None) -> Path:
    """The class exchange folder: the argument, else $PAINKIT_CLASS_DIR."""
    from .._validate import path_arg

    chosen = folder if folder is not None else os.environ.get("PAINKIT_CLASS_DIR")
    if chosen is None or chosen == "":
        raise ProgressError("no class folder: pass one, or set PAINKIT_CLASS_DIR (the workshop's hub sets it)")
    return path_arg(chosen, "class folder", ProgressError)


def hand_in(store: Any = None, folder: Union[str, Path, None] = None, learner: Optional[str] = None) -> Path:
    """Export the learner's attempts into the class folder as ``<learner>.jsonl`` (replaced atomically)."""
    from ._store import ProgressStore
    from ._session import current_learner

    store = store if store is not None else ProgressStore()
    from ._rows import check_learner

    name = learner or current_learner() or os.environ.get("PAINKIT_LEARNER")
    if not name:
        raise ProgressError("hand_in: who is handing in? Set PAINKIT_LEARNER or pass learner=")
    name = check_learner(name)
    target = class_dir(folder) / f"{_safe_name(name)}.jsonl"
    # export writes a hidden temporary file (load_class skips dot files) and renames it over the target, so a
    # half-written file never replaces an earlier hand-in; OS errors are ProgressErrors
    return store.export(target, learner=name)


def _safe_name(name: str) -> str:
    """A file name for a learner: the name itself when it is already safe, else a safe form plus a short hash
    of the exact name, so "Ana Smith" and "Ana/Smith" hand in to different files."""
    import hashlib

    keep = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "-_." else "_" for ch in name.strip())
    keep = keep.strip(".")[:80]
    if keep == name:
        return keep
    digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{keep or 'learner'}-{digest}"


def _read(path: Path):
    from ._exports import file_version, read_export
    from ._store import ProgressStore

    if path.suffix in STORE_SUFFIXES:
        # A hand-in is untrusted and not ours to change: read a copy, so opening it (journal mode, schema
        # migration) never writes to the learner's file.
        import shutil
        import tempfile

        with tempfile.TemporaryDirectory(prefix="painkit-hand-in-") as tmp:
            copy = Path(tmp) / "hand-in.sqlite"
            shutil.copyfile(path, copy)
            for extra in ("-wal",):  # attempts not yet checkpointed into the main file
                if Path(f"{path}{extra}").is_file():
                    shutil.copyfile(f"{path}{extra}", f"{copy}{extra}")
            with ProgressStore(copy, outbox=False) as store:
                return store.attempts(), None
    return read_export(path), file_version(path)


def load_class(folder: Union[str, Path, None] = None) -> ClassData:
    """Merge every learner's export or store in a class folder; problems are reported, never fatal."""
    import pandas as pd

    from .. import __version__
    from ._exports import COLUMNS

    folder = class_dir(folder)
    frames, files, problems = [], [], []
    paths = sorted(p for p in folder.iterdir() if p.suffix in EXPORT_SUFFIXES + STORE_SUFFIXES
                   and not p.name.startswith(".")) if folder.is_dir() else []
    if not folder.is_dir():
        problems.append(f"{folder}: not a folder")
    for path in paths:
        try:
            frame, version = _read(path)
        except Exception as exc:  # noqa: BLE001 - a hostile hand-in is reported and skipped, never fatal
            reason = str(exc) if isinstance(exc, PainkitError) else type(exc).__name__
            problems.append(f"{path.name}: unreadable, skipped ({reason[:300]})")
            files.append({"file": path.name, "learners": "", "attempts": 0, "version": None, "status": "unreadable"})
            continue
        if version and version != __version__:
            problems.append(f"{path.name}: written by painkit {version}, this is {__version__}; "
                            "merged, but check its steps and scores")
        frames.append(frame.assign(source=path.name))
        files.append({"file": path.name, "learners": ", ".join(sorted(frame["learner"].unique())),
                      "attempts": len(frame), "version": version, "status": "read"})
    attempts = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*COLUMNS, "source"])
    by_learner = attempts.groupby("learner")["source"].unique() if len(attempts) else {}
    for learner, sources in (by_learner.items() if len(attempts) else []):
        if len(sources) > 1:
            problems.append(f"learner {learner!r} appears in {len(sources)} files ({', '.join(sorted(sources))}); "
                            "the same attempt is counted once")
    if len(attempts):
        owners = attempts.groupby("uid")["learner"].nunique()
        for uid in owners[owners > 1].index[:20]:
            who = sorted(attempts.loc[attempts["uid"] == uid, "learner"].unique())
            problems.append(f"attempt uid {str(uid)[:40]!r} is claimed by {len(who)} learners "
                            f"({', '.join(map(repr, who[:5]))}); each learner's attempt is kept")
    # the same attempt handed in twice (same uid AND learner) counts once; a uid reused by another learner
    # never replaces the first learner's attempt
    attempts = attempts.drop_duplicates(["uid", "learner"], keep="last").reset_index(drop=True)
    return ClassData(attempts, pd.DataFrame(files, columns=["file", "learners", "attempts", "version", "status"]),
                     problems)


# ---------------------------------------------------------------------------------------------- summary
@dataclass
class ClassSummary:
    """The facilitator's view. Tables: ``accuracy`` (case x step), ``wrong_mechanisms``, ``plan_scores``,
    ``findings`` (plan-review codes most often triggered), ``need_help`` (learners below the pass score)."""

    accuracy: Any
    wrong_mechanisms: Any
    plan_scores: Any
    findings: Any
    need_help: Any
    pass_score: float

    def charts(self) -> dict:
        """altair charts of each table (built on demand; charts are never needed for the numbers)."""
        from ..charts import _charts as charts

        return {"accuracy": charts.class_accuracy(self.accuracy),
                "wrong_mechanisms": charts.class_wrong_mechanisms(self.wrong_mechanisms),
                "plan_scores": charts.class_plan_scores(self.plan_scores),
                "findings": charts.class_findings(self.findings)}


def _mechanism_label(answer: Any) -> str:
    """A mechanism answer as a short label, e.g. 'neuropathic (probable) + nociceptive (likely)'."""
    items = answer if isinstance(answer, list) else []
    parts = []
    for a in items:
        if isinstance(a, dict):
            parts.append(f"{a.get('mechanism')} ({a.get('grade')})" if a.get("grade") else str(a.get("mechanism")))
        else:
            parts.append(str(a))
    return " + ".join(sorted(parts)) or "(none)"


def _plan_findings(rows) -> list[dict]:
    """Re-review each submitted plan to list its finding codes (pure and deterministic)."""
    from ..cases import load_case
    from ..plans import Plan, review_plan

    import re

    from ..cases import CASE_ID

    out, cache = [], {}
    for r in rows.itertuples():
        if not isinstance(r.case, str) or not re.fullmatch(CASE_ID.strip("^$"), r.case) \
                or not isinstance(r.answer, dict):
            continue  # a hand-in's case is a case id, never a path (checked before any file is opened)
        try:
            case = cache.get(r.case) or cache.setdefault(r.case, load_case(r.case))
            review = review_plan(case, Plan(r.answer.get("items", []), opioids=r.answer.get("opioids") or None))
        except (PainkitError, AttributeError, TypeError):
            continue  # a case this class folder does not have, or an answer from another version
        out += [{"learner": r.learner, "case": r.case, "code": f.code, "severity": f.severity} for f in review.findings]
    return out


def class_summary(data: ClassData, *, pass_score: Optional[float] = None) -> ClassSummary:
    """Summarise a class: accuracy per case and step, common wrong mechanism answers, plan scores,
    plan-review findings most often triggered, and learners who need help (see ``HELP_BELOW_PASS``)."""
    import pandas as pd

    if not isinstance(data, ClassData):
        from .._validate import short

        raise ProgressError(f"data: found {short(data)} ({type(data).__name__}); allowed: the ClassData of "
                            f"load_class(folder)")
    if pass_score is not None:
        from .._validate import number

        pass_score = number(pass_score, "pass_score", ProgressError, allowed="a score from 0 to 100", lo=0, hi=100)

    from ..curriculum import load_map

    pass_score = float(load_map()["pass_score"] if pass_score is None else pass_score)
    graded = data.attempts.dropna(subset=["score"])
    accuracy = (graded.assign(passed=graded["score"] >= pass_score)
                .groupby(["case", "step"]).agg(attempts=("score", "size"), learners=("learner", "nunique"),
                                               mean_score=("score", "mean"), passed=("passed", "mean"))
                .reset_index())
    mech = graded[graded["step"] == "mechanism"]
    wrong = mech[mech["score"] < 100].assign(answer_label=[_mechanism_label(a) for a in mech.loc[mech["score"] < 100, "answer"]])
    wrong_mechanisms = (wrong.groupby(["case", "answer_label"]).size().rename("learners").reset_index()
                        .sort_values(["learners", "case"], ascending=[False, True], ignore_index=True))
    plans = graded[graded["step"] == "plan"]
    plan_scores = plans[["learner", "case", "score"]].reset_index(drop=True)
    found = pd.DataFrame(_plan_findings(plans), columns=["learner", "case", "code", "severity"])
    findings = (found.groupby(["code", "severity"]).agg(times=("code", "size"), learners=("learner", "nunique"))
                .reset_index().sort_values(["times", "code"], ascending=[False, True], ignore_index=True))
    per_learner = graded.groupby("learner").agg(attempts=("score", "size"), mean_score=("score", "mean"),
                                                 below_pass=("score", lambda s: int((s < pass_score).sum())))
    # painkit convention: a learner needs help with a mean below the pass score or HELP_BELOW_PASS or more
    # graded steps below it (a slip or two is ordinary; a pattern is worth a conversation).
    flagged = (per_learner["mean_score"] < pass_score) | (per_learner["below_pass"] >= HELP_BELOW_PASS)
    need_help = per_learner[flagged].sort_values(["below_pass", "mean_score"], ascending=[False, True]).reset_index()
    return ClassSummary(accuracy, wrong_mechanisms, plan_scores, findings, need_help, pass_score)

