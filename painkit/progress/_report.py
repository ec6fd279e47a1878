"""The self-study report: competency coverage, scores over time, cases done and to do, time on task.

``report(store, learner)`` reads the attempts and returns a ``Report`` of DataFrames; ``to_html(path)``
writes one self-contained page (charts as inline SVG, so it opens offline) with the education-only
disclaimer and the competency map's "not an official syllabus" statement. Everything is computed from
grouped attempts, so 100,000 attempts take well under a second. ``python -m painkit report``.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any, Optional, Union

from .. import DISCLAIMER
from ..curriculum import CaseTags, case_tags, load_map
from ..errors import ProgressError, did_you_mean

CASE_STATUS_ORDER = {"started": 0, "to do": 1, "done": 2}
REPORT_COLUMNS = ("case", "step", "answer", "score", "started", "finished")  # what the report reads


def _banks(comp_map: dict) -> set:
    return {b for c in comp_map["competencies"] for b in c.rules.get("self_checks", ())}


def credited_steps(frame, comp_map: dict):
    """The attempts with the step each is credited to and its unit: a step named ``<prefix><id>`` in the
    map's ``step_prefixes`` (an instrument form records ``instrument:phq9``) is credited to that step
    (``assessment``), one unit per case and instrument; any other attempt's unit is its case."""
    prefixes = comp_map.get("step_prefixes", {})
    steps, units = [], []
    for case, step in zip(frame["case"], frame["step"]):
        for prefix, credited in prefixes.items():
            if str(step).startswith(prefix):
                steps.append(credited)
                units.append(f"{case}:{str(step)[len(prefix):]}")
                break
        else:
            steps.append(step)
            units.append(case)
    return frame.assign(step=steps, unit=units)


def drop_repeats(frame, window_s: float):
    """Attempts without repeats: the same answer to the same case and step within ``window_s`` seconds of
    the one before (a double click, or an old painkit that stored both) counts once."""
    if frame.empty or "answer" not in frame:
        return frame
    ordered = frame.sort_values("finished", kind="stable")
    key = [ordered["case"], ordered["step"], ordered["answer"].astype(str)]
    gap = ordered.groupby(key, sort=False)["finished"].diff().dt.total_seconds()
    return ordered[~(gap < window_s)].sort_index()


def attempt_pairs(frame, comp_map: dict):
    """Attempts grouped per (unit, case, step): n, scored, total, best, last, and done (best >= pass_score,
    or ungraded). A unit is the case id, or 'bank:question' for a self-check question."""
    import pandas as pd

    def _q(answer: Any) -> Optional[str]:
        answer = json.loads(answer) if isinstance(answer, str) else answer
        return str(answer["question"]) if isinstance(answer, dict) and "question" in answer else None

    agg = dict(n=("step", "size"), scored=("score", "count"), total=("score", "sum"), best=("score", "max"),
               last=("finished", "max"))
    frame = credited_steps(frame, comp_map)
    bank = frame["case"].isin(_banks(comp_map))
    cases = frame[~bank].groupby(["unit", "case", "step"], sort=False).agg(**agg).reset_index()
    parts = [cases]
    if bank.any():  # self-check questions: one unit per question (few rows: the answer is decoded)
        checks = frame[bank]
        unit = [f"{c}:{q}" if q else c for c, q in zip(checks["case"], checks["answer"].map(_q))]
        parts.append(checks.assign(unit=unit).groupby(["unit", "case", "step"], sort=False).agg(**agg)
                     .reset_index())
    pairs = pd.concat(parts, ignore_index=True)[["unit", "case", "step", *agg]]
    pairs["done"] = (pairs["best"] >= comp_map["pass_score"]) | (pairs["n"] > pairs["scored"])
    return pairs


def coverage_table(pairs, comp_map: dict, tags: dict[str, CaseTags]):
    """Per competency: attempts, cases tried and done, target, coverage (0-1), mean score, status, last."""
    import pandas as pd

    units = pairs["unit"].unique()
    rows = []
    for c in comp_map["competencies"]:
        ok = [u for u in units if c.matches_case(u, tags.get(u.split(":", 1)[0]))]
        sel = pairs[pairs["step"].isin(c.steps) & pairs["unit"].isin(ok)]
        done = sel.loc[sel["done"], "unit"].nunique()
        scored = int(sel["scored"].sum())
        attempts = int(sel["n"].sum())
        rows.append({
            "competency": c.id, "domain": c.domain, "domain_title": comp_map["domains"][c.domain]["title"],
            "title": c.title, "attempts": attempts, "cases_tried": sel["unit"].nunique(), "cases_done": done,
            "target": c.target, "coverage": min(done, c.target) / c.target,
            "mean_score": sel["total"].sum() / scored if scored else float("nan"),
            "cases_available": sum(c.matches_case(t, tags[t]) for t in tags),
            "status": "covered" if done >= c.target else "in progress" if attempts else "not started",
            "to_go": max(0, c.target - done), "notebook": c.notebooks[0] if c.notebooks else "",
            "last": sel["last"].max() if len(sel) else pd.NaT})
    return pd.DataFrame(rows)


def domain_table(coverage, comp_map: dict):
    """Per domain: competencies, how many covered, mean coverage (0-1)."""
    out = coverage.groupby("domain", sort=False).agg(
        competencies=("competency", "size"), covered=("status", lambda s: int((s == "covered").sum())),
        coverage=("coverage", "mean")).reset_index()
    out.insert(1, "title", [comp_map["domains"][d]["title"] for d in out["domain"]])
    return out


def cases_table(pairs, comp_map: dict, tags: dict[str, CaseTags]):
    """Every library case and every attempted case: attempts, steps, best score, last, done/started/to do."""
    import pandas as pd

    pairs = pairs[~pairs["case"].isin(_banks(comp_map))]
    need = set(comp_map["case_done_steps"])
    steps_order = {s: i for i, s in enumerate(comp_map["steps"])}
    tried = dict(iter(pairs.groupby("case", sort=False))) if len(pairs) else {}  # one pass, not one per case
    rows = []
    for case in sorted(set(tags) | set(tried)):
        p = tried.get(case)
        steps = sorted(p["step"], key=lambda s: steps_order.get(s, 99)) if p is not None else []
        status = "done" if need <= set(steps) else "started" if steps else "to do"
        t = tags.get(case)
        rows.append({"case": case, "title": t.title if t else "", "setting": t.setting if t else "",
                     "attempts": int(p["n"].sum()) if p is not None else 0, "steps": ", ".join(steps),
                     "best_score": p["best"].mean() if p is not None and p["best"].notna().any() else float("nan"),
                     "last": p["last"].max() if p is not None else pd.NaT, "status": status,
                     "to_finish": ", ".join(f"{st} ({comp_map.get('step_notebooks', {}).get(st, '')})"
                                            for st in comp_map["case_done_steps"] if st not in set(steps))})
    out = pd.DataFrame(rows, columns=["case", "title", "setting", "attempts", "steps", "best_score", "last",
                                      "status", "to_finish"])
    return out.sort_values(["status", "case"], key=lambda s: s.map(CASE_STATUS_ORDER) if s.name == "status"
                           else s, ignore_index=True)


def curriculum_table(cases, tags: dict[str, CaseTags]):
    """Per curriculum topic (painkit/data/curriculum.yaml, map order): cases in the library tagged with it
    and how many of them the learner has done."""
    import pandas as pd

    from ..curriculum import topics

    done = set(cases.loc[cases["status"] == "done", "case"])
    rows = []
    for t in topics():
        ids = [cid for cid, tg in tags.items() if t["id"] in tg.topics]
        rows.append({"id": t["id"], "title": t["title"], "domain_title": t["domain_title"], "required": t["required"],
                     "cases": len(ids), "done": sum(cid in done for cid in ids)})
    return pd.DataFrame(rows, columns=["id", "title", "domain_title", "required", "cases", "done"])


def scores_table(frame):
    """Every scored attempt, oldest first, with its try number on that case and step."""
    out = frame.loc[frame["score"].notna(), ["finished", "case", "step", "score"]]
    if not out["finished"].is_monotonic_increasing:  # a store returns them sorted; an export may not
        out = out.sort_values("finished", kind="stable")
    return out.assign(attempt_no=out.groupby(["case", "step"]).cumcount() + 1).reset_index(drop=True)


def score_trend(scores):
    """Mean score per UTC day and step (what the scores chart draws)."""
    day = scores["finished"].dt.tz_convert("UTC").dt.floor("D").dt.tz_localize(None)
    return scores.assign(date=day).groupby(["date", "step"], as_index=False).agg(
        score=("score", "mean"), attempts=("score", "size"))


def time_table(frame, max_minutes: float):
    """Minutes on task per UTC day and step; one attempt counts at most ``max_minutes`` (an idle tab)."""
    minutes = ((frame["finished"] - frame["started"]).dt.total_seconds() / 60).clip(0, max_minutes)
    day = frame["finished"].dt.tz_convert("UTC").dt.floor("D").dt.tz_localize(None)
    return frame.assign(minutes=minutes, date=day).groupby(["date", "step"], as_index=False).agg(
        minutes=("minutes", "sum"), attempts=("minutes", "size"))


@dataclass
class Report:
    """A learner's self-study report: DataFrames, charts, and HTML (``to_html``)."""

    learner: Optional[str]
    coverage: Any
    domains: Any
    scores: Any
    score_trend: Any
    cases: Any
    time_on_task: Any
    statement: str
    curriculum: Any = None
    done_steps: tuple = ("mechanism", "plan")
    pass_score: float = 60
    notebook_base: str = ""  # prefix for the links to notebooks ("" = beside the report, as in notebooks/)
    generated: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def summary(self):
        """One-row DataFrame of the headline numbers: attempts, cases done, competencies covered, minutes."""
        import pandas as pd

        return pd.DataFrame([self._headline()])

    def print_summary(self) -> None:
        """Print the headline a learner reads first."""
        s = self._headline()
        print(f"{s['learner'] or 'learner'}: {s['attempts']} attempts; {s['cases_done']} of {s['cases']} cases "
              f"done; {s['competencies_covered']} of {s['competencies']} competencies covered; "
              f"{s['minutes_on_task']:.0f} minutes on task")

    def to_frame(self):
        """The competency table: one row per competency with its status, cases done, target and progress."""
        return self.coverage

    def _headline(self) -> dict:
        """The headline numbers as plain values (for the page and the CLI)."""
        c, k = self.coverage, self.cases
        return {"learner": self.learner, "attempts": int(self.time_on_task["attempts"].sum()),
                "cases_done": int((k["status"] == "done").sum()), "cases": len(k),
                "competencies_covered": int((c["status"] == "covered").sum()), "competencies": len(c),
                "minutes_on_task": float(self.time_on_task["minutes"].sum())}

    def charts(self) -> dict:
        """Vega-Lite charts by name: coverage, curriculum topics; scores and time when there are attempts."""
        from ..charts import _charts as charts

        out = {"coverage": charts.progress_coverage(self.coverage)}
        if self.curriculum is not None and len(self.curriculum):
            out["curriculum"] = charts.curriculum_coverage(self.curriculum)
        if len(self.score_trend):
            out["scores"] = charts.progress_scores(self.score_trend)
        if len(self.time_on_task):
            out["time"] = charts.progress_time(self.time_on_task)
        return out

    def _body(self, figures: Optional[str] = None) -> str:
        """The report as HTML; ``figures`` in place of the charts drawn as inline SVG (vl-convert), which only
        the saved page needs (in a notebook the front end draws them: see ``_ipython_display_``)."""
        from ..charts import svg

        s = self._headline()
        fmt = {"progress": "{:.0%}".format, "progress to targets": "{:.0%}".format, "mean score": "{:.0f}".format, "best score": "{:.0f}".format,
               "minutes": "{:.0f}".format}
        head = (f"<h2>painkit self-study report{': ' + escape(s['learner']) if s['learner'] else ''}</h2>"
                f"<p class='pk-note'><b>{escape(DISCLAIMER)}</b></p>"
                f"<p class='pk-note'>{escape(self.statement)}</p>"
                f"<p>{s['attempts']} attempts; {s['cases_done']} of {s['cases']} cases done; "
                f"{s['competencies_covered']} of {s['competencies']} competencies covered; "
                f"{s['minutes_on_task']:.0f} minutes on task. Generated {self.generated:%Y-%m-%d %H:%M} UTC.</p>")
        head += (f"<p>A <b>case is done</b> when it has an attempt at each of these steps: "
                 f"{escape(', '.join(self.done_steps))} (any score). A <b>competency is covered</b> when its "
                 f"target number of cases or questions reach at least {self.pass_score:g}/100 at one of its "
                 "steps (an instrument form counts for <i>assessment</i>). The same answer submitted twice "
                 "within a minute counts once.</p>")
        head += self._next_html()
        if figures is None:
            figures = "".join(f"<figure>{svg(ch)}</figure>" for ch in self.charts().values())
        cov = self.coverage[["domain_title", "title", "status", "cases_done", "target", "coverage", "attempts",
                             "mean_score", "cases_available"]]
        tables = [("Domains", self.domains[["title", "competencies", "covered", "coverage"]].rename(
                      columns={"covered": "competencies covered", "coverage": "progress to targets"})),
                  ("Competencies", cov),
                  ("Cases done and to do", self.cases[["case", "title", "setting", "status", "steps",
                                                        "to_finish", "attempts", "best_score"]]),
                  ("Time on task by step", self.time_on_task.groupby("step", as_index=False)[
                      ["minutes", "attempts"]].sum())]
        html = "".join(f"<h3>{escape(t)}</h3>" + df.rename(columns=_HEADERS).to_html(
            index=False, na_rep="-", formatters=fmt, escape=True, border=0, classes="pk-table")
            for t, df in tables)
        return f"<div class='pk-report'>{_STYLE}{head}{figures}{html}</div>"

    def next_steps(self) -> list[dict]:
        """Per competency not yet covered: what is left and the notebook to practise it in."""
        todo = self.coverage[self.coverage["status"] != "covered"]
        return [{"competency": r.competency, "title": r.title, "done": int(r.cases_done), "target": int(r.target),
                 "to_go": int(r.to_go), "notebook": r.notebook} for r in todo.itertuples()]

    def _next_html(self) -> str:
        items = []
        for n in self.next_steps():
            where = (f"practise in <a href='{escape(self.notebook_base + n['notebook'])}.ipynb'>"
                     f"{escape(n['notebook'])}</a>" if n["notebook"] else "")
            items.append(f"<li>{escape(n['title'])}: {n['done']} of {n['target']} done, {n['to_go']} to go; "
                         f"{where}</li>")
        if not items:
            return "<p>Every competency in the map is covered.</p>"
        return "<h3>What to do next</h3><ul>" + "".join(items) + "</ul>"

    def _repr_html_(self) -> str:
        return self._body()

    def _ipython_display_(self) -> None:
        """In a notebook: the report, then its charts drawn by the front end (tooltips, and no drawing engine
        loaded into the kernel: ~90 MB and 2 s), each with its description and data table."""
        from IPython.display import HTML, display

        display(HTML(self._body(figures="<p>The charts follow the tables.</p>")))
        for chart in self.charts().values():
            display(chart)

    def to_html(self, path: Union[str, Path, None] = None) -> str:
        """A complete self-contained HTML page (no scripts, no network); written to ``path`` if given."""
        title = escape(f"painkit report{': ' + self.learner if self.learner else ''}")
        page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title></head>"
                f"<body>{self._body()}</body></html>")
        if path is not None:
            from .._validate import write_atomic

            write_atomic(path, page, ProgressError)
        return page


_HEADERS = {"domain_title": "domain", "to_finish": "still to do (notebook)", "coverage": "progress", "cases_done": "cases done", "mean_score": "mean score",
            "cases_available": "cases in library", "best_score": "best score"}
_STYLE = ("<style>.pk-report{font-family:system-ui,sans-serif;max-width:60em;line-height:1.4}"
          ".pk-report figure{margin:.8em 0}.pk-note{color:#555}.pk-table{border-collapse:collapse;font-size:90%}"
          ".pk-table td,.pk-table th{border-bottom:1px solid #dde;padding:2px 8px;text-align:left;"
          "vertical-align:top}"
          ".pk-table td:nth-child(2){min-width:18em}</style>")


def build_report(frame: "pd.DataFrame", learner: Optional[str] = None, *, comp_map: Optional[dict] = None,
                 tags: Optional[dict[str, CaseTags]] = None) -> Report:
    """A Report from an attempts DataFrame (``ProgressStore.attempts()`` or ``exports.read_export()``)."""
    comp_map = comp_map or load_map()
    tags = case_tags() if tags is None else tags
    if learner is not None and "learner" in frame:
        frame = frame[frame["learner"] == learner]
    frame = drop_repeats(frame, comp_map.get("repeat_window_s", 60))
    pairs = attempt_pairs(frame, comp_map)
    coverage = coverage_table(pairs, comp_map, tags)
    scores = scores_table(frame)
    cases = cases_table(pairs, comp_map, tags)
    return Report(learner=learner, coverage=coverage, domains=domain_table(coverage, comp_map),
                  scores=scores, score_trend=score_trend(scores), cases=cases,
                  time_on_task=time_table(frame, comp_map["max_minutes_per_attempt"]),
                  statement=comp_map["statement"], curriculum=curriculum_table(cases, tags), done_steps=tuple(comp_map["case_done_steps"]),
                  pass_score=float(comp_map["pass_score"]))


def report(store: Any = None, learner: Optional[str] = None) -> Report:
    """The report for ``learner`` from a ProgressStore, a store path or an export file (default: the
    kernel's store). Without a learner: the current one ($PAINKIT_LEARNER), else the store's only one."""
    from ._exports import FORMATS, read_export
    from ._store import ProgressStore, default_path
    from ._session import current_store

    store = store if store is not None else current_store()
    if isinstance(store, (str, Path)) and Path(store).suffix.lower() in FORMATS:
        frame = read_export(store, answers=False)
        return build_report(frame, _pick(sorted(frame["learner"].unique()), learner))
    if not isinstance(store, ProgressStore):
        path = Path(store) if store is not None else default_path()
        if not path.exists():
            raise ProgressError(f"{path}: no progress recorded here yet (widgets record attempts after "
                                "pk.progress.enable())")
    opened = store if isinstance(store, ProgressStore) else ProgressStore(store)
    try:
        learner = _pick(opened.learners(), learner)
        frame = opened.attempts(learner, columns=REPORT_COLUMNS, answers=False)
    finally:
        if opened is not store:
            opened.close()
    return build_report(frame, learner)


def _pick(names: list[str], learner: Optional[str]) -> Optional[str]:
    """The learner to report on: the one asked for (must exist), else the current one or
    $PAINKIT_LEARNER when present, else the only learner."""
    import os

    from ._session import current_learner

    if learner is not None:
        if not isinstance(learner, str) or learner not in names:
            from .._validate import short

            hint = did_you_mean(learner, names) if isinstance(learner, str) else ""
            raise ProgressError(f"no attempts by learner {short(learner)}{hint}")
        return learner
    implicit = [n for n in (current_learner(), os.environ.get("PAINKIT_LEARNER")) if n in names]
    if implicit or len(names) <= 1:
        return implicit[0] if implicit else names[0] if names else None
    raise ProgressError(f"{len(names)} learners in this store ({', '.join(map(repr, names[:10]))}); "
                        "choose one with learner= (or --learner)")


# ----------------------------------------------------------------------------------------------- CLI
def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("--learner", help="whose report (default: $PAINKIT_LEARNER, else the store's only learner)")
    p.add_argument("--store", help="progress store or export file (default: $PAINKIT_HOME/progress.sqlite)")
    p.add_argument("--out", default="report.html", help="HTML file to write (default: report.html)")


def cmd_report(args: argparse.Namespace) -> int:
    """``python -m painkit report``: write the self-study report as one self-contained HTML page."""
    try:
        rep = report(args.store, args.learner)
        rep.to_html(args.out)
    except ProgressError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    s = rep._headline()
    print(f"wrote {args.out}: {s['attempts']} attempts, {s['cases_done']}/{s['cases']} cases done, "
          f"{s['competencies_covered']}/{s['competencies']} competencies covered")
    return 0
