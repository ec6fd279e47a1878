"""Widget attempts go to the learner's progress store by default, and to a given hook when one is set."""
from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str, home, learner: str = "amara") -> str:
    env = {"PAINKIT_HOME": str(home), "PAINKIT_LEARNER": learner, "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=env, check=True).stdout


def test_attempts_are_saved_by_default(tmp_path):
    out = _run("""
        from painkit.progress import Attempt, default_sink
        default_sink(Attempt(case="lbp-chronic", step="mechanism", answer=["nociceptive"], score=100))
        import painkit as pk
        rows = pk.ProgressStore().attempts()
        print(len(rows), rows.loc[0, "learner"], rows.loc[0, "case"], rows.loc[0, "score"])
    """, tmp_path)
    assert out.split() == ["1", "amara", "lbp-chronic", "100.0"]
    assert (tmp_path / "progress.sqlite").exists()


def test_an_explicit_sink_replaces_the_store(tmp_path):
    out = _run("""
        from painkit.progress import _attempts as attempts
        got = []
        attempts.set_default_sink(got.append)
        attempts.default_sink(attempts.Attempt(case="c", step="plan", answer={}, score=50))
        print(len(got))
    """, tmp_path)
    assert out.strip() == "1"
    assert not (tmp_path / "progress.sqlite").exists()
