"""The self-study credit record and the signed completion certificate.

Expected values come from the data files' own rules (pass mark 80%, the 30-minute cap per attempt in
competencies.yaml) and from the published answers the questions cite, never from running the code.
"""
from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from painkit.curriculum import MASTERY_CASE, MASTERY_STEP, grade_mastery
from painkit.progress import Attempt, ProgressStore
from painkit.progress import _certificate as cert
from painkit.progress._credit import credit_record

T0 = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
ALL_RIGHT = {"pain_foundations": {"m01_nociception": "false", "m01_chronic_duration": "b", "m01_biopsychosocial": "a"},
             "mechanisms": {"m03_definite_neuropathic": "a", "m03_probable_neuropathic": "b",
                            "m03_nociplastic_possible": True}}


# ------------------------------------------------------------------------------------------ record
def _sitting(module: str, choices: dict, at: datetime, minutes: float = 3) -> Attempt:
    result = grade_mastery(module, choices)
    return Attempt(MASTERY_CASE, MASTERY_STEP, result.answer(choices), result.score, started=at,
                   finished=at + timedelta(minutes=minutes))


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("PAINKIT_HOME", str(tmp_path / "home"))
    for key in ("PAINKIT_LRS_ENDPOINT", "PAINKIT_LEARNER"):
        monkeypatch.delenv(key, raising=False)
    from painkit.progress import _session
    monkeypatch.setattr(_session._S, "learner", None)  # no learner left over from another test's kernel state
    path = tmp_path / "home" / "progress.sqlite"
    with ProgressStore(path, learner="Dr Ada Example") as s:
        s.record(Attempt("foundations", "self_check", {"question": "pain_definition", "choice": "a"}, 100,
                         started=T0, finished=T0 + timedelta(minutes=12)))
        s.record(_sitting("pain_foundations", ALL_RIGHT["pain_foundations"], T0 + timedelta(minutes=20)))
        # mechanisms: a 2-hour idle tab (counts 30 min), a failed sitting, then a pass the next day
        s.record(Attempt("lbp-chronic", "mechanism", {"x": 1}, 80, started=T0 + timedelta(hours=1),
                         finished=T0 + timedelta(hours=3)))
        s.record(_sitting("mechanisms", {"m03_definite_neuropathic": "a"}, T0 + timedelta(hours=4)))
        s.record(_sitting("mechanisms", ALL_RIGHT["mechanisms"], T0 + timedelta(days=1)))
        s.record(Attempt("lbp-chronic", "plan", {"y": 2}, 50, started=T0, finished=T0 + timedelta(minutes=6)))
    return path


def test_credit_record_from_attempts(store):
    record = credit_record(store)
    by_id = {m.id: m for m in record.modules}
    assert record.learner == "Dr Ada Example" and [m.id for m in record.completed] == ["pain_foundations", "mechanisms"]
    assert by_id["pain_foundations"].minutes == 12 + 3
    assert by_id["mechanisms"].minutes == 30 + 3 + 3           # the idle tab is capped at 30 minutes
    assert by_id["mechanisms"].sittings == 2 and by_id["mechanisms"].best_score == 100
    assert by_id["mechanisms"].completed_on == "2026-11-03"    # the passing sitting, not the failed one
    assert by_id["multimodal_plan"].minutes == 6 and not by_id["multimodal_plan"].completed


@pytest.mark.parametrize("suffix", [".pdf", ".html"])
def test_certificate_lists_the_record_and_verifies(store, tmp_path, suffix):
    out = cert.certificate(tmp_path / f"cert{suffix}", store)
    text = "\n".join(p.extract_text() for p in PdfReader(out).pages) if suffix == ".pdf" else out.read_text()
    flat = " ".join(text.split())
    for needed in ("Dr Ada Example", "Pain foundations", "Pain mechanisms", "mastery score 100%",
                   "Completed 2026-11-03", "State the 2020 IASP definition of pain", "NOT an accredited",
                   "painkit is for education only", "Verification code:"):
        assert needed in flat, needed
    assert "Outcomes over time" not in flat                    # a module not completed is not listed
    result = cert.verify(out)
    assert result.ok, result.reason
    assert f"Verification code: {result.reason.split()[-1]}" in flat  # the code on the page is the signature's


def _swap_record(data: bytes, change) -> bytes:
    start, end = data.index(cert.BEGIN) + len(cert.BEGIN), data.index(cert.END)
    record = json.loads(base64.b64decode(data[start:end]))
    change(record["content"])
    new = base64.b64encode(cert._canonical(record))
    return data[:start] + new + data[end:]


def test_an_edited_certificate_fails(store, tmp_path):
    pdf = cert.certificate(tmp_path / "cert.pdf", store)
    html = cert.certificate(tmp_path / "cert.html", store)
    # 1. the signed record changed (a better score): the signature no longer matches
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(_swap_record(pdf.read_bytes(), lambda c: c["modules"][1].update(mastery_score=100.0,
                                                                                       sittings=1)))
    assert not cert.verify(forged).ok and "signature does not match" in cert.verify(forged).reason
    # 2. the visible page changed, the record left alone
    edited = tmp_path / "edited.html"
    edited.write_text(html.read_text().replace("<p>Learner: Dr Ada Example</p>", "<p>Learner: Dr Bob Other</p>"))
    assert "differs from it" in cert.verify(edited).reason
    # 3. one byte flipped anywhere in the PDF
    data = bytearray(pdf.read_bytes())
    data[len(data) // 3] ^= 1
    flipped = tmp_path / "flipped.pdf"
    flipped.write_bytes(bytes(data))
    assert not cert.verify(flipped).ok


def test_another_key_does_not_verify(store, tmp_path, monkeypatch):
    pdf = cert.certificate(tmp_path / "cert.pdf", store)
    issuer = cert.export_public_key(tmp_path / "issuer.pem")
    monkeypatch.setenv("PAINKIT_HOME", str(tmp_path / "someone-else"))
    assert cert.verify(pdf, issuer).ok                          # with the issuer's public key
    cert._private_key(create=True)                              # a different key of one's own
    assert not cert.verify(pdf).ok


def test_cli_certificate_and_verify(store, tmp_path):
    env_run = lambda *a: subprocess.run([sys.executable, "-m", "painkit", *a], capture_output=True, text=True,
                                        timeout=120, env={**__import__("os").environ,
                                                          "PAINKIT_HOME": str(store.parent)})
    made = env_run("certificate", "--out", str(tmp_path / "c.pdf"))
    assert made.returncode == 0, made.stderr
    assert "not an accredited CE award" in made.stdout
    ok = env_run("verify-certificate", str(tmp_path / "c.pdf"))
    assert ok.returncode == 0 and "valid: signed by key" in ok.stdout
    bad = env_run("certificate", "--out", str(tmp_path / "c.docx"))
    assert bad.returncode == 1 and "allowed: .pdf or .html" in bad.stderr


def test_a_mastery_sitting_succeeds_in_xapi_only_at_the_mastery_pass_mark(tmp_path):
    from painkit.progress import _xapi

    with ProgressStore(tmp_path / "p.sqlite", learner="ana", outbox=False) as s:
        # 2 of 3 right = 66.67%: above the report's 60 but below the mastery check's 80
        s.record(_sitting("mechanisms", {"m03_definite_neuropathic": "a", "m03_probable_neuropathic": "b"}, T0))
        s.record(_sitting("mechanisms", ALL_RIGHT["mechanisms"], T0 + timedelta(hours=1)))
        found = _xapi.statements(s)
    assert [st["result"]["success"] for st in found] == [False, True]
    assert all(_xapi.validate(st) == [] for st in found)
