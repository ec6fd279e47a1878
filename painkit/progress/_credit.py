"""The self-study credit record: per learner notebook (module), active time, mastery score and completion.

Everything comes from the learner's attempts: each attempt counts for one module (``curriculum.module_of``,
the rule written in objectives.yaml), for its duration capped at ``max_minutes_per_attempt``
(competencies.yaml), so an idle tab does not count as study. A module is completed when the best
sitting of its mastery check reaches the pass mark; the completion date is that of the first passing
sitting. The certificate (``_certificate``) prints this record; it records completion, not an accredited
CE award.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Union

from ..curriculum import MASTERY_CASE, load_competencies, load_objectives, module_of
from ..errors import ProgressError, did_you_mean
from ._store import ProgressStore

COLUMNS = ("case", "step", "answer", "score", "started", "finished")


@dataclass(frozen=True)
class ModuleCredit:
    """One module in the record: its objectives, active minutes, mastery sittings and best score."""

    id: str
    title: str
    notebook: str
    objectives: tuple[str, ...]
    minutes: float
    sittings: int
    best_score: Optional[float]
    completed: bool
    completed_on: Optional[str]   # UTC date (YYYY-MM-DD) of the first passing sitting
    last_activity: Optional[str]  # UTC date of the module's latest attempt


@dataclass(frozen=True)
class CreditRecord:
    """A learner's credit record over every module, with the pass mark and the 'not accredited' statement."""

    learner: str
    modules: tuple[ModuleCredit, ...]
    pass_mark: float
    statement: str

    @property
    def completed(self) -> tuple[ModuleCredit, ...]:
        return tuple(m for m in self.modules if m.completed)

    @property
    def total_minutes(self) -> float:
        return sum(m.minutes for m in self.modules)

    def to_frame(self):
        """One row per module (objectives joined by '; ')."""
        import pandas as pd

        return pd.DataFrame([{**m.__dict__, "objectives": "; ".join(m.objectives)} for m in self.modules])


def _learner(store: ProgressStore, learner: Optional[str]) -> str:
    names = store.learners()
    if learner is None:
        from ._session import current_learner

        learner = current_learner() or (names[0] if len(names) == 1 else None)
        if learner is None:
            raise ProgressError(f"{store.path}: name the learner (--learner NAME); the store holds "
                                f"{len(names)} learners: {', '.join(names[:10]) or 'none'}")
    if learner not in names:
        raise ProgressError(f"{store.path}: no learner {learner!r}{did_you_mean(learner, names)}; "
                            f"learners here: {', '.join(names[:10]) or 'none'}")
    return learner


def credit_record(store: Union[ProgressStore, str, None] = None, learner: Optional[str] = None) -> CreditRecord:
    """The credit record of one learner (default: the current learner, or the store's only learner)."""
    own = not isinstance(store, ProgressStore)
    store = ProgressStore(store, outbox=False) if own else store
    try:
        learner = _learner(store, learner)
        frame = store.attempts(learner, columns=COLUMNS)
    finally:
        if own:
            store.close()
    objectives = load_objectives()
    cap = float(load_competencies()["max_minutes_per_attempt"])
    frame["minutes"] = ((frame["finished"] - frame["started"]).dt.total_seconds() / 60).clip(0, cap)
    frame["module"] = [module_of(c, s, a) for c, s, a in zip(frame["case"], frame["step"], frame["answer"])]
    mark = objectives.pass_mark.value
    modules = []
    for m in objectives.modules:
        rows = frame[frame["module"] == m.id]
        checks = rows[rows["case"] == MASTERY_CASE]
        scores = checks["score"].dropna()
        passing = checks[checks["score"] >= mark]
        best = float(scores.max()) if len(scores) else None
        modules.append(ModuleCredit(
            id=m.id, title=m.title, notebook=m.notebook, objectives=tuple(o.text for o in m.objectives),
            minutes=round(float(rows["minutes"].sum()), 1), sittings=len(checks), best_score=best,
            completed=best is not None and best >= mark,
            completed_on=f"{passing['finished'].min():%Y-%m-%d}" if len(passing) else None,
            last_activity=f"{rows['finished'].max():%Y-%m-%d}" if len(rows) else None))
    return CreditRecord(learner, tuple(modules), mark, objectives.statement)


def describe(record: CreditRecord) -> dict[str, Any]:
    """Headline numbers: modules completed of all, hours of active study."""
    return {"learner": record.learner, "completed": len(record.completed), "modules": len(record.modules),
            "hours": round(record.total_minutes / 60, 1)}
