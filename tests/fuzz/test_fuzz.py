"""Hypothesis fuzzing of painkit's public entry points (issue 16): whatever a clumsy user or an attacker
passes, only a ``PainkitError`` escapes, its message is short, and an accepted attempt is never lost.

``make test`` runs a small example budget (seconds); ``make fuzz`` sets ``PAINKIT_FUZZ=long`` and runs the
same properties with many more examples (about 10 minutes). ``PAINKIT_FUZZ_EXAMPLES=N`` overrides both.
"""
from __future__ import annotations

import io
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import painkit as pk
from painkit import _yamlio as yamlio
from painkit.errors import PainkitError

ROOT = Path(__file__).resolve().parents[2]
LONG = os.environ.get("PAINKIT_FUZZ") == "long"
EXAMPLES = int(os.environ.get("PAINKIT_FUZZ_EXAMPLES", 1500 if LONG else 12))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
MAX_MESSAGE = 1000

# ---------------------------------------------------------------------------------------------- strategies
# Text that includes lone surrogates, NUL, control characters and formula starts.
any_text = st.one_of(
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=30),
    st.sampled_from(["", " ", "=cmd|' /C calc'!A0", "../../etc/passwd", "/proc/self/mem", "a" * 300,
                     "\ud800", "nan", "1e400", "lbp-chronic", "oxycodone", "mg", "cbt"]),
)
any_number = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(max_magnitude=1e6), st.booleans(), st.sampled_from([np.float64("nan"), np.int64(3),
                                                                            np.float32(2.5), 1e308, -0.0]),
)
scalar = st.one_of(st.none(), any_number, any_text, st.binary(max_size=8))
hostile = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(any_text, inner, max_size=4),
                                                         st.tuples(inner, inner)), max_leaves=12)


def maybe(strategy, bad=hostile):
    """Usually a plausible value, sometimes a hostile one."""
    return st.one_of(strategy, strategy, bad)


drug = maybe(st.sampled_from(["oxycodone", "morphine", "tramadol", "fentanyl_transdermal", "buprenorphine",
                               "methadone"]))
prescription = st.one_of(
    st.fixed_dictionaries({"drug": drug, "dose": maybe(st.floats(0.1, 200)), "unit": maybe(st.sampled_from(
        ["mg", "mcg/h"])), "per_day": maybe(st.integers(1, 6))},
        optional={"days": maybe(st.integers(1, 90)), "formulation": maybe(st.sampled_from(["IR", "ER"])),
                  "extra": hostile}),
    hostile)
item_ids = st.sampled_from(["cbt", "therapeutic_exercise", "duloxetine", "nsaid_oral", "paracetamol",
                            "gabapentinoid"])
plan_spec = st.one_of(
    st.lists(maybe(item_ids), max_size=4),
    st.fixed_dictionaries({"items": st.lists(maybe(item_ids), max_size=3)},
                          optional={"opioids": st.lists(prescription, max_size=2),
                                    "stop": st.lists(maybe(st.just("ibuprofen")), max_size=2)}),
    hostile)


def check(fn, *args, **kwargs):
    """Call ``fn``; only a PainkitError with a short message may escape. Returns the result or None."""
    try:
        return fn(*args, **kwargs)
    except PainkitError as exc:
        lines = str(exc).splitlines()   # a CaseError lists one problem per line
        assert lines and len(lines) <= 51, f"{len(lines)} lines"
        assert all(len(line) < MAX_MESSAGE for line in lines), f"a long line: {str(exc)[:200]}..."
        return None


# ---------------------------------------------------------------------------------------------- formulary, plans
@FUZZ
@given(st.one_of(st.lists(prescription, max_size=3), prescription), st.lists(maybe(any_text), max_size=3))
def test_mme(prescriptions, medications):
    result = check(pk.mme, prescriptions, medications=medications)
    if result is not None:
        assert math.isfinite(result.total)


@FUZZ
@given(maybe(st.lists(maybe(item_ids), max_size=4)), st.one_of(st.none(), st.lists(prescription, max_size=2),
                                                                 hostile),
       st.one_of(st.none(), any_text, hostile), st.one_of(st.none(), st.lists(any_text, max_size=2), hostile))
def test_plan_and_review(items, opioids, notes, stop):
    plan = check(pk.Plan, items, opioids=opioids, notes=notes, stop=stop)
    if plan is not None:
        check(pk.review_plan, "lbp-chronic", plan)
    check(pk.review_plan, items, ["cbt"])  # a hostile case argument


# ---------------------------------------------------------------------------------------------- instruments
INSTRUMENTS = ["peg", "bpi", "dn4", "lanss", "ort", "pcs", "phq9", "gad7", "csi"]


@FUZZ
@given(maybe(st.sampled_from(INSTRUMENTS)), st.one_of(st.lists(maybe(st.integers(0, 4)), max_size=12),
                                                      st.dictionaries(any_text, hostile, max_size=4), hostile),
       st.one_of(st.none(), any_text, hostile))
def test_score(instrument, responses, sex):
    check(pk.score, instrument, responses, sex=sex)


@FUZZ
@given(st.sampled_from(["peg", "phq9", "ort"]), st.data())
def test_score_many(instrument, data):
    ids = [i["id"] for i in pk.instruments.info(instrument)["items"]]
    n = data.draw(st.integers(0, 4))
    columns = {i: data.draw(st.lists(maybe(st.integers(0, 3), any_number), min_size=n, max_size=n)) for i in ids}
    frame = pd.DataFrame(columns) if columns else pd.DataFrame()
    if data.draw(st.booleans()) and ids:
        frame = pd.concat([frame, frame[[ids[0]]]], axis=1)  # a duplicate column
    if data.draw(st.booleans()) and ids:
        frame[ids[-1]] = frame[ids[-1]].astype(data.draw(st.sampled_from([object, "float64", "complex128"])),
                                               errors="ignore") if len(frame) else frame[ids[-1]]
    check(pk.score_many, instrument, frame, sex=data.draw(st.one_of(st.none(), st.sampled_from(["female", "male"]))))


# ---------------------------------------------------------------------------------------------- cases
def _minimal() -> dict:
    return yamlio.read(ROOT / "tests" / "fixtures" / "minimal-case.yaml")


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


PATHS = [p for p in _paths(_minimal()) if p] + [("trajectory",), ("patient", "age"), ("key", "opioids"),
                                                  ("instruments",), ("medications",)]


@st.composite
def case_data(draw):
    """The minimal case with 1-3 fields replaced (or added) by hostile values."""
    data = _minimal()
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        node = data
        for part in path[:-1]:
            if isinstance(node, dict) and part in node and isinstance(node[part], (dict, list)):
                node = node[part]
            else:
                break
        else:
            last = path[-1]
            if isinstance(node, dict) or (isinstance(node, list) and isinstance(last, int) and last < len(node)):
                node[last] = draw(st.one_of(hostile, st.fixed_dictionaries(
                    {"pain": st.fixed_dictionaries({"mean": any_number, "sd": any_number}),
                     "mechanism_mix": st.dictionaries(st.sampled_from(["nociceptive", "neuropathic"]), any_number)}),
                    st.lists(prescription, max_size=2)))
    return data


@FUZZ
@given(case_data())
def test_parse_case(data):
    check(pk.cases.parse_case, data)


@pytest.mark.filterwarnings("ignore:.*problem.*in case files:UserWarning")
@FUZZ
@given(case_data(), st.sampled_from([".yaml", ".yml", ".YAML"]), st.text(max_size=40))
def test_case_folder(data, suffix, junk):
    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        try:
            text = yaml.safe_dump(data, allow_unicode=True)
        except yaml.YAMLError:
            text = junk
        name = data.get("id") if isinstance(data.get("id"), str) and data.get("id", "").isascii() else "case-x"
        (folder / f"{name[:60].replace('/', '_') or 'x'}{suffix}").write_text(text, encoding="utf-8",
                                                                              errors="surrogatepass")
        (folder / f"junk{suffix}").write_text(junk, encoding="utf-8", errors="surrogatepass")
        problems = pk.validate_cases(folder)
        assert all(isinstance(p, str) and len(p) < MAX_MESSAGE for p in problems)
        assert any("junk" in p for p in problems) or check(pk.load_case, folder / f"junk{suffix}") is not None
        check(pk.case_index, folder)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"\n #,?.0129xy")), max_size=200))
def test_yaml_text(text):
    try:
        yamlio.loads(text)
    except yamlio.YamlError as exc:
        assert len(str(exc)) < MAX_MESSAGE


# ---------------------------------------------------------------------------------------------- trajectories
small_int = st.one_of(st.integers(1, 30), st.sampled_from([0, -1, 10**7, 2**63]), any_number, st.none(), any_text)


@FUZZ
@given(plan_spec, small_int, st.one_of(st.integers(1, 6), small_int), st.one_of(st.integers(0, 99), hostile))
def test_simulate(plan, n_patients, weeks, seed):
    frame = check(pk.simulate, "lbp-chronic", plan, n_patients=n_patients, weeks=weeks, seed=seed)
    if frame is not None:
        check(pk.score_trajectories, frame)
        check(pk.branch, frame, 1, plan)


@FUZZ
@given(st.data())
def test_score_trajectories_on_mutated_frames(data):
    frame = pk.simulate("lbp-chronic", ["cbt"], n_patients=8, weeks=2, seed=0)
    if data.draw(st.booleans()):
        buf = io.StringIO()
        frame.to_csv(buf, index=False)
        frame = pd.read_csv(io.StringIO(buf.getvalue()))
    for _ in range(data.draw(st.integers(0, 3))):
        col = data.draw(st.sampled_from(list(frame.columns)))
        row = data.draw(st.integers(0, len(frame) - 1))
        frame[col] = frame[col].astype(object)
        frame.loc[row, col] = data.draw(scalar)
    if data.draw(st.booleans()):
        frame = frame.drop(columns=[data.draw(st.sampled_from(list(frame.columns)))])
    check(pk.score_trajectories, frame)


@FUZZ
@given(st.one_of(st.dictionaries(any_text, plan_spec, max_size=3), hostile), small_int)
def test_compare_plans(plans, n_patients):
    check(pk.compare_plans, "lbp-chronic", plans, n_patients=n_patients, weeks=2)


# ---------------------------------------------------------------------------------------------- progress
answer = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text),
                      lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(any_text, inner,
                                                                                         max_size=3)), max_leaves=10)


@FUZZ
@given(maybe(any_text), maybe(any_text), maybe(any_text), maybe(answer), maybe(st.floats(0, 100)), maybe(any_text),
       st.one_of(st.none(), st.datetimes(), any_text))
def test_store_record_export_round_trip(learner, case, step, ans, score, feedback, finished):
    from painkit.progress import Attempt, ProgressStore

    with tempfile.TemporaryDirectory() as tmp:
        kwargs = {"finished": finished} if finished is not None else {}
        attempt = check(Attempt, case=case, step=step, answer=ans, score=score, feedback=feedback,
                        learner=learner, **kwargs)
        if attempt is None:
            return
        store = ProgressStore(Path(tmp) / "p.sqlite")
        try:
            uid = check(store.record, attempt)
            if uid is None:
                return
            stored = store.attempts()
            for suffix in (".csv", ".jsonl"):
                out = store.export(Path(tmp) / f"out{suffix}")
                again = pk.progress.read_export(out)
                # nothing a learner saved is lost: the export reads back exactly as stored
                assert list(again["uid"]) == list(stored["uid"])
                assert list(again["learner"]) == list(stored["learner"])
                assert list(again["feedback"]) == list(stored["feedback"])
                assert [repr(a) for a in again["answer"]] == [repr(a) for a in stored["answer"]]
        finally:
            store.close()


@FUZZ
@given(st.one_of(any_text, hostile))
def test_enable_with_any_name(name):
    with tempfile.TemporaryDirectory() as tmp:
        try:
            store = check(pk.progress.enable, name, path=Path(tmp) / "p.sqlite")
            if store is not None:
                assert pk.progress.current_learner() is not None
        finally:
            pk.progress.disable()


@FUZZ
@given(st.lists(st.one_of(st.dictionaries(st.sampled_from(["uid", "learner", "case", "step", "answer", "score",
                                                           "feedback", "started", "finished", "painkit_version",
                                                           "schema_version"]), hostile, max_size=11),
                          any_text), min_size=1, max_size=3))
def test_load_class_with_hostile_hand_ins(records):
    import json

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, rec in enumerate(records):
            try:
                line = json.dumps(rec, default=repr)
            except (ValueError, TypeError, RecursionError):
                line = str(rec)
            (folder / f"h{i}.jsonl").write_text(line + "\n", encoding="utf-8", errors="surrogatepass")
        data = pk.progress.load_class(folder)
        check(pk.progress.class_summary, data)


# ---------------------------------------------------------------------------------------------- widgets
@pytest.fixture(scope="module")
def widgets_made():
    from painkit import widgets

    return widgets.PlanBuilder("lbp-chronic"), widgets.MechanismQuiz("lbp-chronic"), \
        widgets.InstrumentForm("peg"), widgets.TrajectoryExplorer("lbp-chronic")


@settings(FUZZ, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(hostile, hostile)
def test_widget_setters(widgets_made, a, b):
    builder, quiz, form, explorer = widgets_made
    check(builder.select, a)
    check(builder.stop, a)
    check(builder.set_opioid, "oxycodone", a, b)
    check(builder.set_opioid, a, b)
    check(quiz.select, a)
    check(quiz.select, ["nociceptive"], grades=a, findings=b)
    check(form.set_answers, a)
    check(explorer.revise, a, b)
