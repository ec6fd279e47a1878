"""Synthetic patient trajectories: what a plan tends to do to patients like a case, week by week, scored
the way pain clinics and trials score outcomes.

An educational model, not a predictive one (see ``painkit/data/trajectory.yaml`` for every parameter and
its source). ``simulate`` draws a seeded cohort around the case and returns a tidy DataFrame, one row per
patient-week; ``score_trajectories`` gives per-patient outcomes and a cohort summary with 95% intervals;
``compare_plans`` runs several plans on the same synthetic patients (paired, common random numbers).
``simulate`` also takes a plan schedule, ``[(0, plan_a), (4, plan_b)]`` (``painkit.trajectories``), and
``branch`` continues a simulated cohort from a visit with another plan: the same patients and weekly draws,
so both branches share their history up to that visit.
Responder and MCID thresholds come from ``painkit/data/instruments.yaml`` (the same ones ``pk.change``
uses). The patients come from ``painkit.trajectories``, the weekly step from ``painkit.trajectories``, the scoring from
``painkit.trajectories`` (re-exported here).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _step as engine
from . import _population as population
from ._outcomes import NOTE, SimulationError, TrajectoryScores, outcome_labels, score_trajectories, thresholds
from ._schedules import Change, changes_of, compile_schedule, jsonable
from ._regimen import Overrides

COLUMNS = ("patient", "week", "pain", "peg", "function", "pcs", "mme", "adherent", "adverse_event",
           "dropped_out")
MAX_PATIENTS = 2_000_000
MAX_WEEKS = 520
MAX_PATIENT_WEEKS = 30_000_000   # about 1 GB of frame
# Memory guard: a run's peak is about BYTES_PER_PATIENT_WEEK per patient-week (measured with tracemalloc:
# 63 B at 100,000 x 12 weeks, 73 B at 30 M patient-weeks; frames keep 29 B); a run may use MEMORY_SHARE of the
# learner's kernel memory: $MEM_LIMIT (bytes, set by JupyterHub's spawner from c.Spawner.mem_limit), else
# $PAINKIT_MEM_LIMIT (e.g. "4G" on a workstation), else the hub config's default per-learner limit.
BYTES_PER_PATIENT_WEEK = 80
MEMORY_SHARE = 0.6
HUB_MEM_LIMIT = "1.5G"  # deploy/jupyterhub/jupyterhub_config.py: c.Spawner.mem_limit default (a test checks they agree)


# --------------------------------------------------------------------------------------------------
# Inputs


def _case(case: Any) -> Any:
    if isinstance(case, str):
        from ..cases import load_case

        return load_case(case)
    if not hasattr(case, "setting") or not hasattr(case, "key"):
        raise SimulationError(f"case: found {type(case).__name__}; give a Case (pk.load_case) or a case id")
    return case


def _catalog(catalog: Optional[Mapping[str, Any]]) -> Mapping[str, Any]:
    if catalog is not None:
        if not isinstance(catalog, Mapping):
            raise SimulationError("catalog: give a mapping of intervention id -> entry with a .simulation block")
        return catalog
    from ..formulary import load_catalog

    return load_catalog()


def _mme_of(prescription: Any) -> float:
    """MME/day of a prescription mapping or an already parsed ``opioids.Prescription`` (0 if not converted)."""
    from ..formulary import parse_prescription

    if not isinstance(prescription, Mapping):
        return float(getattr(prescription, "mme", None) or 0.0)
    return parse_prescription(prescription, "plan.opioids").mme or 0.0


def baseline_mme(case: Any) -> float:
    """MME/day of the opioids the case is taking at presentation (shown at week 0)."""
    from ..formulary import current_prescriptions, summarise

    parsed, _ = current_prescriptions(case.medications)
    return float(summarise(parsed).total) if parsed else 0.0


def _bytes(text: str) -> int:
    """'1G', '512M', '1.5G' or a byte count as bytes (JupyterHub's mem_limit notation)."""
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    text = text.strip().upper()
    if text[-1:] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(float(text))


def memory_limit() -> int:
    """Bytes of memory the learner's kernel may use (see HUB_MEM_LIMIT above for where it comes from)."""
    import os

    for var in ("MEM_LIMIT", "PAINKIT_MEM_LIMIT"):
        value = os.environ.get(var, "")
        try:
            if value and _bytes(value) > 0:
                return _bytes(value)
        except (ValueError, OverflowError):
            continue
    return _bytes(HUB_MEM_LIMIT)


def _sizes(n_patients: Any, weeks: Any, arms: int = 1) -> tuple[int, int]:
    from .._validate import whole

    n = whole(n_patients, "n_patients", SimulationError, lo=1, hi=MAX_PATIENTS)
    w = whole(weeks, "weeks", SimulationError, lo=1, hi=MAX_WEEKS)
    cells = n * (w + 1)
    if cells > MAX_PATIENT_WEEKS:
        raise SimulationError(f"n_patients x (weeks + 1) = {cells:,} patient-weeks; allowed: at "
                              f"most {MAX_PATIENT_WEEKS:,} (use fewer patients or weeks)")
    budget = int(memory_limit() * MEMORY_SHARE)
    need = cells * arms * BYTES_PER_PATIENT_WEEK
    if need > budget:
        fit = max(1, budget // (BYTES_PER_PATIENT_WEEK * arms * (w + 1)))
        per = f" x {arms} plans" if arms > 1 else ""
        raise SimulationError(
            f"n_patients={n:,}, weeks={w}{per}: needs about {need / 2**30:.1f} GB; this kernel has "
            f"{memory_limit() / 2**30:.1f} GB (the hub's per-learner limit, $MEM_LIMIT), so a run may use "
            f"{budget / 2**30:.1f} GB; run a smaller cohort: at most n_patients={fit:,} for {w} "
            f"weeks (1,000 patients already give intervals of about +/-3 percentage points)")
    return n, w


def _rng(seed: Union[int, np.random.Generator, None]) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise SimulationError(f"seed: found {seed!r}; allowed: a whole number >= 0 or a numpy Generator")
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------------------------------
# simulate


def simulate(case: Any, plan: Any = None, n_patients: int = 1000, weeks: int = 12,
             seed: Union[int, np.random.Generator, None] = 0,
             catalog: Optional[Mapping[str, Any]] = None) -> pd.DataFrame:
    """Simulate a cohort drawn around ``case`` on ``plan`` for ``weeks`` weeks. ``plan``: a Plan, a list of
    ids, None (natural history), or a schedule of (week, plan) changes such as ``[(0, plan_a), (4, plan_b)]``
    (plan_b replaces plan_a at the week-4 visit and acts from week 5; patient state carries across).

    Returns one row per patient-week (week 0 = baseline, before the plan acts): patient, week, pain (0-10),
    peg, function (BPI interference 0-10), pcs (0-52), mme, adherent, adverse_event (NA or a code),
    dropped_out. Scores are NaN from the week a patient drops out. Same seed, same frame.
    """
    return run_cohort(case, plan, n_patients, weeks, seed, catalog)[0]


def run_cohort(case: Any, plan: Any, n_patients: int, weeks: int, seed: Union[int, np.random.Generator, None],
               catalog: Optional[Mapping[str, Any]], extra: Optional[Mapping[str, Any]] = None
               ) -> tuple[pd.DataFrame, "engine.Record"]:
    """``simulate``'s work, also returning the engine's record (virtual trials read who withdrew after an
    adverse event from it). ``extra`` adds catalog entries (the virtual trials' placebo pill) without
    changing the patients drawn or the fitted parameters of painkit's catalog."""
    case = _case(case)
    n, weeks = _sizes(n_patients, weeks)
    changes = changes_of(plan, weeks)
    rng = _rng(seed)
    custom = catalog is not None
    catalog = _catalog(catalog)
    ids = sorted(catalog)
    if extra:
        catalog = {**catalog, **extra}
    overrides = None if custom else Overrides.for_conditions(case.conditions)
    regimen, orders = compile_schedule(changes, catalog, _mme_of, case, overrides)
    cohort = population.draw_cohort(population.phenotype(case), n, rng, ids, baseline_mme(case))
    _, record = engine.run(cohort, regimen, weeks, rng, thresholds().responder / 100, orders)
    frame = to_frame(record, regimen.codes)
    first = changes[0]
    taken = orders.taken.any(axis=0)
    frame.attrs.update(note=NOTE, case=case.id, setting=case.setting, plan=list(first.items),
                       opioids=[jsonable(r) for r in first.prescriptions],
                       interventions=[i for i, t in zip(regimen.ids, taken) if t],
                       current_opioids=[i for i, t in zip(regimen.ids, taken) if not t],
                       seed=int(seed) if isinstance(seed, (int, np.integer)) else None, n_patients=n, weeks=weeks,
                       natural_history=cohort.phenotype.natural_history, warnings=list(regimen.warnings),
                       schedule=[c.to_dict() for c in changes], catalog="custom" if custom else "painkit",
                       case_fingerprint=fingerprint(case))
    return frame, record


def same_case(frame: pd.DataFrame, case: Any) -> Any:
    """The Case, checked against the one ``frame`` was simulated around (its id and, when recorded, content)."""
    case = _case(case)
    attrs = frame.attrs
    if attrs.get("case", case.id) != case.id or attrs.get("case_fingerprint", fingerprint(case)) != fingerprint(case):
        raise SimulationError(f"case: the frame was simulated around a different {attrs['case']!r} case (another "
                              f"case or an edited copy); pass the same Case as case=...")
    return case


def fingerprint(case: Any) -> str:
    """A short hash of a case's content: ``branch`` checks it so a cohort is continued around the same case."""
    import hashlib

    return hashlib.sha1(case.model_dump_json().encode()).hexdigest()[:16]


def schedule_of(frame: pd.DataFrame) -> list[Change]:
    """The plan schedule a frame was simulated with (``frame.attrs['schedule']``)."""
    entries = frame.attrs.get("schedule")
    if not entries:
        raise SimulationError("frame: no plan schedule in frame.attrs; give a frame from pk.simulate or pk.branch")
    return [Change(int(e["week"]), tuple(e.get("items", ())), tuple(e.get("opioids", ())), tuple(e.get("stop", ())),
                   bool(e.get("untreated", False))) for e in entries]


def branch(frame: pd.DataFrame, week: int, plan: Any, *, weeks: Optional[int] = None, case: Any = None,
           catalog: Optional[Mapping[str, Any]] = None) -> pd.DataFrame:
    """Continue a simulated cohort with ``plan`` from the week-``week`` visit: the same synthetic patients and
    weekly draws, so the rows of weeks 0..week equal ``frame``'s and the weeks after follow the new plan.

    Re-simulates the frame's schedule up to ``week`` plus the change (deterministic: same seed, same draws
    whatever the plan). ``weeks`` extends or shortens the run (default: the frame's); give ``case`` for a case
    not loadable by its id and ``catalog`` when the frame was simulated with a custom catalog."""
    if not isinstance(frame, pd.DataFrame):
        from .._validate import short

        raise SimulationError(f"frame: found {short(frame)} ({type(frame).__name__}); allowed: a frame from "
                              f"pk.simulate or pk.branch")
    attrs = frame.attrs
    missing = [k for k in ("case", "schedule", "seed", "n_patients", "weeks") if k not in attrs]
    if missing:
        raise SimulationError(f"frame: attrs lack {', '.join(missing)}; branch a frame from pk.simulate or pk.branch")
    if attrs["seed"] is None:
        raise SimulationError("frame: simulated without an integer seed (seed=None or a numpy Generator), so its "
                              "weekly draws cannot be replayed; simulate with seed=<whole number> to branch")
    if attrs.get("catalog") == "custom" and catalog is None:
        raise SimulationError("catalog: the frame was simulated with a custom catalog; pass it as catalog=...")
    _, total = _sizes(attrs["n_patients"], attrs["weeks"] if weeks is None else weeks)
    if isinstance(week, bool) or not isinstance(week, (int, np.integer)) or not 0 <= week < int(total):
        raise SimulationError(f"week: found {week!r}; allowed: a visit week from 0 to {int(total) - 1} (the new "
                              f"plan acts from the week after)")
    if case is None:
        from ..cases import load_case

        case = load_case(attrs["case"])
    case = same_case(frame, case)
    before = [(c.week, c.plan()) for c in schedule_of(frame) if c.week < week]
    out = simulate(case, [*before, (int(week), plan)], int(attrs["n_patients"]), total, int(attrs["seed"]), catalog)
    out.attrs["branched_at"] = int(week)
    return out


def to_frame(record: "engine.Record", codes: Sequence[str]) -> pd.DataFrame:
    """The tidy frame of a run: one row per patient-week, ordered by week then patient (each week is one
    block: the cohort at that visit), so the engine's arrays become the columns without copying. Compact
    dtypes: int32 patient, int16 week, float32 scores, bool flags, categorical adverse_event."""
    w1, n = record.pain.shape
    pain, func = record.pain.reshape(-1), record.function.reshape(-1)
    peg = pain + 2 * func
    peg /= np.float32(3)  # PEG = mean of pain (P) and two interference items (E, G), approximated by function
    data = {
        "patient": np.tile(np.arange(n, dtype=np.int32), w1),
        "week": np.repeat(np.arange(w1, dtype=np.int16), n),
        "pain": pain, "peg": peg, "function": func, "pcs": record.pcs.reshape(-1),
        "mme": record.mme.reshape(-1), "adherent": record.adherent.reshape(-1),
        "adverse_event": pd.Categorical.from_codes(record.ae.reshape(-1), categories=list(codes)),
        "dropped_out": record.dropped.reshape(-1),
    }
    return pd.DataFrame(data, copy=False)


# --------------------------------------------------------------------------------------------------
# compare_plans


@dataclass
class PlanComparison:
    """Several plans on the same synthetic patients: frames, scores, a long summary and paired differences
    of every arm against the first (the reference)."""

    frames: dict[str, pd.DataFrame]
    scores: dict[str, TrajectoryScores]
    summary: pd.DataFrame
    differences: pd.DataFrame
    note: str = NOTE

    def to_frame(self) -> pd.DataFrame:
        """Every plan's per-patient outcomes in one frame, with a ``plan`` column."""
        return pd.concat([s.per_patient.assign(plan=name) for name, s in self.scores.items()], ignore_index=True)

    def print_summary(self) -> None:
        """Print the long summary (each plan's outcomes with 95% intervals) and the paired differences."""
        print(NOTE)
        print(self.summary.to_string(index=False))
        print(self.differences.to_string(index=False))

    def _repr_html_(self) -> str:
        return (f"<p><b>{NOTE}</b></p>"
                + self.differences.to_html(index=False, float_format=lambda v: f"{v:.3g}"))


def compare_plans(case: Any, plans: Mapping[str, Any], n_patients: int = 1000, weeks: int = 12,
                  seed: Union[int, np.random.Generator, None] = 0,
                  catalog: Optional[Mapping[str, Any]] = None) -> PlanComparison:
    """Run each plan on the SAME synthetic patients and weekly draws (paired counterfactual arms) and give
    the difference of each outcome against the first plan, with a 95% interval."""
    from . import _intervals as ci

    if not isinstance(plans, Mapping) or len(plans) < 2:
        raise SimulationError("plans: give a mapping of at least two named plans, e.g. {'A': plan_a, 'B': plan_b}")
    if len(plans) > 20 or not all(isinstance(k, str) and 0 < len(k) <= 80 for k in plans):
        raise SimulationError("plans: allowed: 2 to 20 plans named by short text, e.g. {'A': plan_a, 'B': plan_b}")
    _sizes(n_patients, weeks, arms=len(plans))
    case = _case(case)
    catalog = _catalog(catalog)
    if seed is None:
        seed = int(np.random.default_rng().integers(2**31))
    frames = {name: simulate(case, plan, n_patients, weeks,
                             copy.deepcopy(seed) if isinstance(seed, np.random.Generator) else seed, catalog)
              for name, plan in plans.items()}
    scores = {name: score_trajectories(f) for name, f in frames.items()}
    summary = pd.concat([s.summary.assign(plan=name) for name, s in scores.items()], ignore_index=True)
    names = list(plans)
    ref = scores[names[0]].per_patient
    reps = int(population.params()["outcomes"]["bootstrap_replicates"])
    level = float(population.params()["outcomes"]["interval_level"])
    boot_seed = seed if isinstance(seed, (int, np.integer)) else 0
    labels = outcome_labels(thresholds())
    rows = []
    for name in names[1:]:
        arm = scores[name].per_patient
        for key, col in (("responder_30", "responder_30"), ("responder_50", "responder_50"),
                         ("function_mcid", "function_mcid"), ("functional_restoration", "functional_restoration"),
                         ("adverse_event", "adverse_event"), ("dropout", "dropped_out")):
            d, lo, hi = ci.newcombe_paired(ref[col].to_numpy(), arm[col].to_numpy(), level)
            rows.append((name, key, d, lo, hi, "Newcombe paired (method 10)"))
        d, lo, hi = _median_difference(ref["weeks_to_response"].to_numpy(), arm["weeks_to_response"].to_numpy(),
                                       reps, int(boot_seed), level)
        rows.append((name, "median_weeks_to_response", d, lo, hi, f"paired bootstrap ({reps} resamples)"))
        diff = arm["pcs_reduction"].to_numpy() - ref["pcs_reduction"].to_numpy()
        rows.append((name, "mean_pcs_reduction", *ci.mean_interval(diff, level), "paired normal approximation"))
    differences = pd.DataFrame(rows, columns=["plan", "outcome", "difference", "lower", "upper", "method"])
    differences.insert(0, "reference", names[0])
    differences.insert(3, "label", [labels[k][0] for k in differences["outcome"]])
    return PlanComparison(frames, scores, summary, differences)


def _median_difference(a: np.ndarray, b: np.ndarray, reps: int, seed: int,
                       level: float) -> tuple[float, float, float]:
    """Median weeks to response in arm b minus arm a (responders of each arm), paired bootstrap interval."""
    from . import _intervals as ci

    def stat(idx: np.ndarray) -> np.ndarray:
        """Per resample (row of ``idx``): median of b's responders minus median of a's (NaN = no responder)."""
        return ci.row_medians(b[idx]) - ci.row_medians(a[idx])

    d = float(stat(np.arange(a.size)[None, :])[0])
    if not np.isfinite(d):
        return (d, float("nan"), float("nan"))
    return (d, *ci.paired_bootstrap(stat, a.size, reps, seed, level))
