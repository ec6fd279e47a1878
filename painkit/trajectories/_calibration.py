"""Model vs evidence: every calibration target (``painkit/data/calibration.yaml``) measured by a virtual
trial on painkit's synthetic patients, beside the published figure and its tolerance.

``check_calibration()`` returns one row per target; ``python -m painkit calibrate`` prints it and exits 1
when any target is outside its tolerance. ``tools/fit_calibration.py`` uses the same measurements to fit
the parameters marked ``use: fitted``. Educational model, not predictive.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from ._outcomes import NOTE, SimulationError
from ._params import load_calibration
from ._trials import VirtualTrial, virtual_trial

SPECIAL_ARMS = ("with_benzodiazepine", "without_benzodiazepine")


@dataclass(frozen=True)
class Target:
    """One published figure and how painkit measures it (see calibration.yaml's header)."""

    id: str
    figure: str
    source: str
    status: str
    published: float
    ci: Optional[tuple[float, float]]
    tolerance: tuple[float, float]
    case: str
    arms: Mapping[str, Any]
    weeks: int
    statistic: str
    use: str
    n_patients: int
    seed: int
    code: Optional[str] = None
    arm: Optional[str] = None
    parameter: Optional[str] = None

    @property
    def trial_key(self) -> tuple[Any, ...]:
        """Targets with the same key are measured on the same virtual trial."""
        return (self.case, repr(sorted(self.arms.items())), self.weeks, self.n_patients, self.seed)


def calibration_data() -> dict[str, Any]:
    """``painkit/data/calibration.yaml`` (cached)."""
    return load_calibration()


def calibration_targets() -> list[Target]:
    """Every calibration target, with its arms resolved (named arms from the file's ``arms:`` table)."""
    data = calibration_data()
    named = {k: v for k, v in data["arms"].items() if not k.endswith("_source")}
    out = []
    for t in data["targets"]:
        arms = {role: (named.get(spec, spec) if isinstance(spec, str) else spec) for role, spec in t["arms"].items()}
        out.append(Target(
            id=t["id"], figure=t["figure"], source=t["source"], status=t["status"], published=float(t["published"]),
            ci=tuple(t["ci"]) if t.get("ci") else None, tolerance=(float(t["tolerance"][0]), float(t["tolerance"][1])),
            case=t["case"], arms=arms, weeks=int(t["weeks"]), statistic=t["statistic"], use=t["use"],
            n_patients=int(t.get("n_patients", data["n_patients"])), seed=int(t.get("seed", data["seed"])),
            code=t.get("code"), arm=t.get("arm"), parameter=t.get("parameter")))
    return out


def run_trial(target: Target, n_patients: Optional[int] = None) -> Any:
    """The virtual trial a target is measured on (a pair of trials for the benzodiazepine targets)."""
    n = n_patients or target.n_patients
    if all(isinstance(v, str) and v in SPECIAL_ARMS for v in target.arms.values()):
        from ..cases import load_case
        from ..formulary import benzodiazepines

        case = load_case(target.case)
        benzos = set(benzodiazepines(case.medications))
        without = case.model_copy(update={"medications": [m for m in case.medications
                                                          if getattr(m, "name", None) not in benzos]})
        return {"without_benzodiazepine": virtual_trial(without, {"current": []}, n, target.weeks, target.seed),
                "with_benzodiazepine": virtual_trial(case, {"current": []}, n, target.weeks, target.seed)}
    arms = {"control": target.arms["control"]}
    if "active" in target.arms:
        arms["active"] = target.arms["active"]
    return virtual_trial(target.case, arms, n, target.weeks, target.seed)


def measure(target: Target, trial: Any) -> float:
    """The target's statistic on its trial (see calibration.yaml ``statistics:``)."""
    s = target.statistic
    if isinstance(trial, dict):                                   # benzodiazepine pair
        a = trial["with_benzodiazepine"].arms["current"].overdoses()
        b = trial["without_benzodiazepine"].arms["current"].overdoses()
        return (a[0] / a[1]) / (b[0] / b[1]) if b[0] and a[1] and b[1] else float("nan")
    t: VirtualTrial = trial
    role = target.arm or ("active" if "active" in t.arms else "control")
    arm = t.arms[role]
    if s == "nnt_50":
        return t.value("nnt_50", "active")
    if s == "nnh_ae_dropout":
        return t.value("nnh_ae_withdrawal", "active")
    if s == "mean_difference":
        return t.value("mean_difference", "active")
    if s == "risk_difference_mid":
        return t.value("risk_difference_mid", "active")
    if s == "responder_50":
        return t.value("responder_50", role)
    if s == "mean_change":
        return t.value("mean_change", role)
    if s == "ae_share":
        return t.value("ae_share", role)
    if s == "ae_dropout":
        return t.value("ae_withdrawal", role)
    if s == "dropout":
        return t.value("dropout", role)
    if s == "ae_code_share":
        return float(arm.had(target.code).mean())
    if s == "overdose_rate":
        k, years = arm.overdoses_at_start_band()
        return k / years if years else float("nan")
    if s == "overdose_rate_ratio":
        (k1, y1), (k0, y0) = t.arms["active"].overdoses_at_start_band(), t.arms["control"].overdoses_at_start_band()
        return (k1 / y1) / (k0 / y0) if k0 and y0 and y1 else float("nan")
    if s == "middle_band_excess":
        relief = arm.relief
        relief = relief[np.isfinite(relief)]
        low, high = float((relief < 15).mean()), float((relief >= 50).mean())
        return float(((relief >= 15) & (relief < 50)).mean()) - min(low, high)
    raise SimulationError(f"{target.id}.statistic: found {s!r}; allowed: the statistics of calibration.yaml")


def check_calibration(targets: Optional[Iterable[Target]] = None, n_patients: Optional[int] = None) -> pd.DataFrame:
    """Model vs published for every target: one row each with the published figure, its CI, the tolerance,
    the model's estimate and whether it is within tolerance. Targets sharing a trial share one run."""
    targets = list(targets if targets is not None else calibration_targets())
    trials: dict[tuple[Any, ...], Any] = {}
    rows = []
    for t in targets:
        key = (*t.trial_key, n_patients)
        if key not in trials:
            trials[key] = run_trial(t, n_patients)
        model = measure(t, trials[key])
        lo, hi = t.tolerance
        rows.append({"target": t.id, "figure": t.figure, "published": t.published,
                     "ci_low": t.ci[0] if t.ci else np.nan, "ci_high": t.ci[1] if t.ci else np.nan,
                     "tolerance_low": lo, "tolerance_high": hi, "model": model,
                     "within": bool(np.isfinite(model) and lo <= model <= hi), "use": t.use,
                     "statistic": t.statistic, "case": t.case, "source": t.source, "status": t.status})
    out = pd.DataFrame(rows)
    out.attrs["note"] = NOTE
    return out


# --------------------------------------------------------------------------------------------------
# python -m painkit calibrate


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", action="append", default=None,
                        help="check only this target id (repeatable)")
    parser.add_argument("--patients", type=int, default=None,
                        help="patients per arm (default: each target's n_patients in calibration.yaml)")


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Print model vs published for every calibration target; exit 1 if any is outside its tolerance."""
    targets = calibration_targets()
    if args.target:
        known = {t.id for t in targets}
        unknown = [t for t in args.target if t not in known]
        if unknown:
            print(f"--target: found {', '.join(unknown)}; allowed: {', '.join(sorted(known))}")
            return 2
        targets = [t for t in targets if t.id in args.target]
    t0 = time.perf_counter()
    table = check_calibration(targets, args.patients)
    print(f"painkit calibration: model vs published ({NOTE})")
    print(f"{'target':36s} {'use':7s} {'published':>10s} {'tolerance':>19s} {'model':>10s}  ok")
    for r in table.itertuples():
        tol = f"[{_fmt(r.tolerance_low)}, {_fmt(r.tolerance_high)}]"
        print(f"{r.target:36s} {r.use:7s} {_fmt(r.published):>10s} {tol:>19s} {_fmt(r.model):>10s}  "
              f"{'yes' if r.within else 'NO'}")
    bad = int((~table["within"]).sum())
    print(f"{len(table) - bad}/{len(table)} targets within tolerance in {time.perf_counter() - t0:.1f} s")
    return 1 if bad else 0


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return "nan"
    return f"{v:.4g}" if abs(v) >= 0.01 or v == 0 else f"{v:.2e}"


def targets_by_id(ids: Sequence[str]) -> list[Target]:
    """The targets with these ids, in this order."""
    by = {t.id: t for t in calibration_targets()}
    missing = [i for i in ids if i not in by]
    if missing:
        raise SimulationError(f"target: found {', '.join(missing)}; allowed: ids of calibration.yaml")
    return [by[i] for i in ids]
