"""Baseline for bench_trajectories.py ONLY: the trajectory model's weekly step written as a plain Python loop
over patients (scalar arithmetic), to measure what vectorising over patients buys. Not part of painkit.

It reuses the engine's set-up (cohort draws, compiled plan, per-patient gains, the same weekly random
numbers), so its output can be checked against ``painkit.simulate`` value by value: same model, same draws,
float64 scalars instead of float32 arrays.
"""
from __future__ import annotations

import math

import numpy as np

from painkit.trajectories import _step as engine
from painkit.trajectories import _population as population
from painkit.trajectories._regimen import compile_plan
from painkit.trajectories import plan_parts, thresholds
from painkit.trajectories._simulate import _case, _catalog, _mme_of, baseline_mme


def simulate_loop(case, plan, n_patients: int, weeks: int, seed: int) -> dict[str, np.ndarray]:
    """(n, weeks + 1) arrays of pain, function, pcs, mme, adverse-event code and dropout, per-patient loop."""
    case, catalog = _case(case), _catalog(None)
    rng = np.random.default_rng(seed)
    items, rx = plan_parts(plan)
    reg = compile_plan(items, rx, catalog, _mme_of)
    co = population.draw_cohort(population.phenotype(case), n_patients, rng, sorted(catalog), baseline_mme(case))
    state, visit = engine.start(co, reg)
    p = population.params()
    rf = thresholds().responder / 100
    n, K = co.n, len(reg.ids)
    out = {k: np.full((n, weeks + 1), np.nan) for k in ("pain", "function", "pcs", "mme", "ae", "dropped")}
    out["pain"][:, 0], out["function"][:, 0], out["pcs"][:, 0] = visit.pain, visit.function, visit.pcs
    out["mme"][:, 0], out["ae"][:, 0], out["dropped"][:, 0] = visit.mme, -1, 0
    gain = state.gain.astype(float).tolist()                       # [j][k][i]
    level = [[0.0] * K for _ in range(n)]
    tol = [[0.0] * K for _ in range(n)]
    dose = [[1.0] * K for _ in range(n)]
    esc = [[0] * K for _ in range(n)]
    stopped = [[False] * K for _ in range(n)]
    noise = state.noise.astype(float).T.tolist()
    pain0, pcs, dropped = state.pain0.tolist(), state.pcs.astype(float).tolist(), [False] * n
    q, usual, f0, pcs0 = (a.tolist() for a in (co.adherence, co.usual_pain, co.function0, co.pcs0))
    rec, placebo = co.recovery_weeks.tolist(), co.nonspecific.tolist()
    fl, cat, fc, d, o = p["fluctuation"], p["catastrophizing"], p["function"], p["dropout"], p["opioids"]
    rho = float(np.float32(fl["autocorrelation"]))
    scale = [sd * math.sqrt(1 - rho * rho) for sd in (fl["pain_sd"], fl["function_sd"], fl["pcs_sd"])]
    cap = p["combination"]["max_effect"]
    nh = p["natural_history"]
    kind = co.phenotype.natural_history
    onset, durab, tolr = reg.onset.tolist(), reg.durability.tolist(), reg.tolerance.tolist()
    one_off = reg.one_off.tolist()
    slots = list(zip(reg.ae_item.tolist(), reg.ae_rate.tolist(), reg.ae_stops.tolist(), reg.ae_code.tolist()))
    total_rate = float(reg.ae_rate.sum()) if slots else 0.0
    escal, opioid, mme0 = reg.escalates.tolist(), reg.opioid.tolist(), reg.mme0.tolist()
    ns_rate, ns_level = 1 / p["nonspecific_response"]["onset_weeks"], 0.0
    for t in range(1, weeks + 1):
        z, u = population.weekly_draws(rng, n)
        z, u = z.astype(float).tolist(), u.astype(float).tolist()
        given = any(not one_off[k] or t <= onset[k] + durab[k] for k in range(K))   # any treatment given
        ns_level = max(0.0, min(1.0, ns_level + (ns_rate if given else -ns_rate)))  # nonspecific response
        for i in range(n):
            adherent = u[0][i] < q[i]
            nz = noise[i]
            for j in range(3):
                nz[j] = rho * nz[j] + scale[j] * z[j][i]
            kept = [1.0, 1.0, 1.0]
            target = [False] * K
            blunt = 1 - cat["blunting"] * pcs[i] / 52
            for k in range(K):
                on = (t <= onset[k] + durab[k]) if one_off[k] else adherent
                target[k] = on and not stopped[i][k]
                rate = 1 / onset[k]
                level[i][k] += max(-rate, min(rate, target[k] - level[i][k]))
                if tolr[k] > 0:
                    tol[i][k] += tolr[k] * (1 - tol[i][k]) * target[k]
                active = level[i][k] * (1 - tol[i][k])
                kept[0] *= 1 - gain[0][k][i] * active * blunt
                kept[1] *= 1 - gain[1][k][i] * active * blunt
                kept[2] *= 1 - gain[2][k][i] * active
            kept[0] *= 1 - placebo[i] * ns_level * blunt
            kept = [max(x, 1 - cap) for x in kept]
            if kind == "resolving":
                r = nh["resolving"]["residual_fraction"]
                nat = usual[i] * (r + (1 - r) * math.exp(-t / rec[i]))
            else:
                nat = min(usual[i] * (1 + nh[kind]["drift_per_week"] * t), 10)
            det0 = nat * kept[0]
            relief = max(-1.0, min(1.0, 1 - det0 / usual[i]))
            det2 = pcs0[i] * kept[2] * (1 - cat["pain_coupling"] * relief)
            pcs_relief = 1 - det2 / max(pcs0[i], 1e-3)
            det1 = f0[i] * kept[1] * (1 - fc["pain_coupling"] * relief) * (1 - fc["pcs_coupling"] * pcs_relief)
            obs = [min(max(det0 + nz[0], 0), 10), min(max(det1 + nz[1], 0), 10), min(max(det2 + nz[2], 0), 52)]
            pcs[i] = obs[2]
            responding = obs[0] <= pain0[i] * (1 - rf)
            ae, stopping = -1, False
            if u[1][i] < total_rate:
                cum = 0.0
                for item, rate, stops, code in slots:
                    exposed = (t <= onset[item]) if one_off[item] else True
                    cum += rate * (target[item] and exposed)
                    if u[1][i] < cum:
                        ae = code
                        if stops:
                            stopped[i][item], stopping = True, True
                        break
            for k in range(K):
                if (escal[k] and t > o["escalation_after_week"] and target[k] and not responding
                        and u[3][i] < o["escalation_weekly_probability"]
                        and esc[i][k] < o["max_escalations"]):
                    dose[i][k] *= o["escalation_step"]
                    tol[i][k] *= 1 - o["tolerance_restored"]
                    esc[i][k] += 1
            mme = sum(dose[i][k] * mme0[k] for k in range(K) if opioid[k] and not stopped[i][k])
            hazard = d["weekly_base_rate"] + d["after_stopping_adverse_event"] * stopping
            if t > d["lack_of_efficacy_after_week"]:
                hazard += d["weekly_lack_of_efficacy_rate"] * (not responding)
            if dropped[i]:
                ae = -1
            dropped[i] = dropped[i] or u[2][i] < hazard
            out["ae"][i, t], out["dropped"][i, t] = ae, dropped[i]
            if not dropped[i]:
                out["pain"][i, t], out["function"][i, t], out["pcs"][i, t], out["mme"][i, t] = *obs, mme
    return out
