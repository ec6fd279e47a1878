"""A signed record of self-study completion, as PDF (fpdf2) or HTML, and its verification.

``certificate(path, store, learner)`` signs the learner's credit record (``_credit``) with an Ed25519 key
kept at ``$PAINKIT_HOME/certificate_key.pem`` (made on first use, readable by its owner only) and writes
the page. The signed content (learner, modules with objectives, hours, mastery scores, dates, the
statement) travels inside the file as JSON with its signature; the page shows the same content and a
short verification code (from the signature). ``verify(path)`` checks the signature with the key and then
renders the signed content again and compares it with the file, byte for byte: an edited name, score,
date or sentence fails. A third party needs the issuer's public key (``--public-key``) to check it.
The certificate says it records completion only and is not an accredited CE award.
CLI: ``python -m painkit certificate --out cert.pdf`` and ``python -m painkit verify-certificate FILE``.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import os
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional, Union

from .. import DISCLAIMER, __version__
from ..errors import ProgressError
from ._credit import CreditRecord, credit_record

FORMAT = "painkit-certificate/1"
KEY_FILE = "certificate_key.pem"
BEGIN, END = b"%PAINKIT-CERTIFICATE ", b" END%"
_HTML_RECORD = re.compile(r'<script type="application/json" id="painkit-certificate">(.*?)</script>', re.S)


# ------------------------------------------------------------------------------------------------ keys
def key_path() -> Path:
    home = os.environ.get("PAINKIT_HOME") or os.path.join(os.path.expanduser("~"), ".painkit")
    return Path(home) / KEY_FILE


def _private_key(create: bool):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = key_path()
    if path.is_file():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not create:
        raise ProgressError(f"{path}: no signing key here; give the issuer's public key with --public-key FILE")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def _raw_public(public_key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key) -> str:
    """A short fingerprint of a public key (first 16 hex digits of its SHA-256)."""
    return hashlib.sha256(_raw_public(public_key)).hexdigest()[:16]


def export_public_key(path: Union[str, Path]) -> Path:
    """Write the signing key's public half (PEM) for whoever will verify certificates."""
    from cryptography.hazmat.primitives import serialization

    pub = _private_key(create=True).public_key()
    Path(path).write_bytes(pub.public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo))
    return Path(path)


# ------------------------------------------------------------------------------------------------ content
def payload(record: CreditRecord, issued: datetime, kid: str) -> dict[str, Any]:
    """The signed content: everything the certificate shows, nothing it does not."""
    from fpdf import __version__ as fpdf_version

    return {"format": FORMAT, "learner": record.learner,
            "issued": issued.astimezone(timezone.utc).isoformat(timespec="seconds"),
            "pass_mark": record.pass_mark, "hours": round(record.total_minutes / 60, 2),
            "modules": [{"id": m.id, "title": m.title, "objectives": list(m.objectives),
                         "hours": round(m.minutes / 60, 2), "mastery_score": m.best_score,
                         "sittings": m.sittings, "completed_on": m.completed_on}
                        for m in record.completed],
            "statement": record.statement, "disclaimer": DISCLAIMER,
            "painkit_version": __version__, "renderer": f"fpdf2 {fpdf_version}", "key_id": kid}


def _canonical(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def code(signature: bytes) -> str:
    """The verification code printed on the page: 16 base32 characters from the signature's SHA-256."""
    text = base64.b32encode(hashlib.sha256(signature).digest()).decode()[:16]
    return "-".join(text[i:i + 4] for i in range(0, 16, 4))


def _lines(content: dict, signature: bytes) -> list[tuple[str, str]]:
    """(style, text) lines shared by the PDF and HTML layouts."""
    out = [("h1", "Record of self-study completion"), ("p", f"Learner: {content['learner']}"),
           ("p", f"Issued: {content['issued'][:10]} (UTC)  |  painkit {content['painkit_version']}"),
           ("p", f"Modules completed: {len(content['modules'])}  |  Active study: {content['hours']:.1f} hours  |  "
                 f"Mastery pass mark: {content['pass_mark']:g}%")]
    if not content["modules"]:
        out.append(("p", "No module's mastery check has been passed yet."))
    for m in content["modules"]:
        out.append(("h2", f"{m['title']} ({m['id']})"))
        out.append(("p", f"Completed {m['completed_on']}  |  mastery score {m['mastery_score']:g}% "
                         f"(best of {m['sittings']} sitting(s))  |  {m['hours']:.2f} hours"))
        out += [("li", f"- {o}") for o in m["objectives"]]
    out += [("h2", "What this record is"), ("small", content["statement"]), ("small", content["disclaimer"]),
            ("code", f"Verification code: {code(signature)}  (key {content['key_id']})"),
            ("small", "Check it: python -m painkit verify-certificate FILE. The full signature and signed record "
                      "are embedded in this file; any edit makes the check fail.")]
    return out


def render_pdf(content: dict, signature: bytes) -> bytes:
    """The PDF page (A4, core fonts; deterministic for the same content and fpdf2 version)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime.fromisoformat(content["issued"]))
    pdf.set_title("painkit record of self-study completion")
    pdf.set_author("painkit")
    pdf.add_page()
    sizes = {"h1": ("B", 18), "h2": ("B", 12), "p": ("", 10), "li": ("", 9), "small": ("I", 8), "code": ("B", 10)}
    for style, text in _lines(content, signature):
        weight, size = sizes[style]
        pdf.set_font("Helvetica", weight, size)
        pdf.multi_cell(0, size * 0.55, text.encode("latin-1", "replace").decode("latin-1"), align="L",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2 if style in ("h1", "h2") else 1)
    record = base64.b64encode(_canonical({"content": content, "signature": base64.b64encode(signature).decode()}))
    pdf.embed_file(basename="painkit-certificate.txt", bytes=BEGIN + record + END, compress=False,
                   desc="signed painkit record", modification_date=datetime.fromisoformat(content["issued"]),
                   creation_date=datetime.fromisoformat(content["issued"]))
    return bytes(pdf.output())


def render_html(content: dict, signature: bytes) -> bytes:
    """One self-contained HTML page with the signed record embedded as JSON."""
    tags = {"h1": "h1", "h2": "h2", "p": "p", "li": "p class='li'", "small": "p class='small'", "code": "p class='code'"}
    body = "\n".join(f"<{tags[s]}>{html.escape(t)}</{tags[s].split()[0]}>" for s, t in _lines(content, signature))
    record = json.dumps({"content": content, "signature": base64.b64encode(signature).decode()},
                        sort_keys=True, ensure_ascii=False).replace("</", "<\\/")
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>painkit record of self-study "
            f"completion: {html.escape(content['learner'])}</title><style>body{{font-family:sans-serif;max-width:"
            f"46em;margin:2em auto}} .li{{margin:0 0 0 1.5em}} .small{{font-size:.85em;font-style:italic}} "
            f".code{{font-family:monospace;font-weight:bold}}</style></head><body>\n{body}\n"
            f'<script type="application/json" id="painkit-certificate">{record}</script>\n</body></html>\n'
            ).encode("utf-8")


# ------------------------------------------------------------------------------------------------ API
def certificate(path: Union[str, Path], store: Any = None, learner: Optional[str] = None, *,
                issued: Optional[datetime] = None) -> Path:
    """Sign the learner's credit record and write it as ``.pdf`` or ``.html``; return the path."""
    path = Path(path)
    if path.suffix.lower() not in (".pdf", ".html"):
        raise ProgressError(f"{path}: found suffix {path.suffix or '(none)'!r}; allowed: .pdf or .html")
    key = _private_key(create=True)
    content = payload(credit_record(store, learner), issued or datetime.now(timezone.utc), key_id(key.public_key()))
    signature = key.sign(_canonical(content))
    data = (render_pdf if path.suffix.lower() == ".pdf" else render_html)(content, signature)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise ProgressError(f"{path}: cannot be written ({exc.strerror or exc})") from None
    return path


@dataclass(frozen=True)
class Verification:
    """The outcome of ``verify``: ok, why, and the signed content when it could be read."""

    ok: bool
    reason: str
    content: Optional[dict] = None


def _embedded(data: bytes, pdf: bool) -> Optional[dict]:
    try:
        if pdf:
            start, end = data.index(BEGIN) + len(BEGIN), data.index(END)
            return json.loads(base64.b64decode(data[start:end], validate=True))
        found = _HTML_RECORD.search(data.decode("utf-8"))
        return json.loads(found.group(1)) if found else None
    except (ValueError, UnicodeDecodeError):
        return None


def verify(path: Union[str, Path], public_key: Union[str, Path, None] = None) -> Verification:
    """Check a certificate: its embedded record is signed by the key, and the file is exactly that record's
    page. ``public_key``: the issuer's PEM (default: the key under $PAINKIT_HOME)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProgressError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    pdf = data.startswith(b"%PDF")
    record = _embedded(data, pdf)
    if not isinstance(record, dict) or not isinstance(record.get("content"), dict) or "signature" not in record:
        return Verification(False, "no painkit certificate record found in the file")
    content = record["content"]
    try:
        signature = base64.b64decode(record["signature"], validate=True)
    except ValueError:
        return Verification(False, "the embedded signature is not readable", content)
    key = serialization.load_pem_public_key(Path(public_key).read_bytes()) if public_key else \
        _private_key(create=False).public_key()
    try:
        key.verify(signature, _canonical(content))
    except InvalidSignature:
        return Verification(False, f"the signature does not match the record (edited, or not signed by key "
                                   f"{key_id(key)})", content)
    from fpdf import __version__ as fpdf_version

    if pdf and content.get("renderer") != f"fpdf2 {fpdf_version}":
        return Verification(False, f"the record is signed, but the page was made with {content.get('renderer')} "
                                   f"and cannot be compared here (fpdf2 {fpdf_version}); check the .html copy", content)
    if (render_pdf if pdf else render_html)(content, signature) != data:
        return Verification(False, "the record is signed, but the page in the file differs from it (edited)", content)
    return Verification(True, f"valid: signed by key {key_id(key)}; verification code {code(signature)}", content)


# ------------------------------------------------------------------------------------------------ CLI
def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    if name == "certificate":
        p.add_argument("--out", required=True, help="output file: .pdf or .html")
        p.add_argument("--learner", help="learner name (default: the store's only learner)")
        p.add_argument("--store", help="progress store file (default: $PAINKIT_HOME/progress.sqlite)")
        p.add_argument("--public-key-out", metavar="PEM", help="also write the signing key's public half here")
    else:
        p.add_argument("file", help="a certificate written by `python -m painkit certificate`")
        p.add_argument("--public-key", metavar="PEM", help="the issuer's public key (default: the key under "
                       "$PAINKIT_HOME)")


def cmd_certificate(args: argparse.Namespace) -> int:
    """``python -m painkit certificate --out cert.pdf``."""
    from ._store import default_path

    store = Path(args.store) if args.store else default_path()
    if not store.is_file():
        print(f"certificate: no progress store at {store}", file=sys.stderr)
        return 1
    try:
        out = certificate(args.out, store, args.learner)
        if args.public_key_out:
            export_public_key(args.public_key_out)
    except ProgressError as exc:
        print(f"certificate: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out}: a record of self-study completion, not an accredited CE award")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """``python -m painkit verify-certificate FILE``: exit 0 when valid, 1 otherwise."""
    try:
        result = verify(args.file, args.public_key)
    except ProgressError as exc:
        print(f"verify-certificate: {exc}", file=sys.stderr)
        return 1
    print(f"{args.file}: {result.reason}" if result.ok else f"{args.file}: INVALID: {result.reason}")
    return 0 if result.ok else 1
