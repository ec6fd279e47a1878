"""Grade return to an LMS through LTI 1.3 Assignment and Grade Services (AGS).

A learner launched from the LMS (Canvas, Moodle) into JupyterHub carries the launch's claims in the Hub's
auth state: who they are at the platform (``sub``), which platform (``iss``, ``aud``) and where their grade
goes (the AGS endpoint claim: ``lineitem``, ``lineitems``, ``scope``). This module turns a learner's
attempts in their progress store into one module score and posts it to the line item's ``/scores``
endpoint. The OAuth2 client-credentials exchange (a JWT signed with the tool's private key) and the score
request are done by ``pylti1p3``; painkit holds no JWT code of its own.

``python -m painkit lti send-grades`` reads every LTI learner from the Hub's REST API (a service token with
the ``admin:auth_state`` and ``read:users`` scopes), opens each learner's store read-only (a copy, so the
learner's files are never touched) and sends one score per launch. A learner may launch painkit from
several LMS links (two courses, two assignments): the Hub's login hook keeps every graded launch in the
auth state (``remember_launch``, one per resource link, the newest launch of a link replacing the older), so
each line item gets its own module's score. See docs/deploy.md.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

from ..errors import PainkitError
from ._store import ProgressStore

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"
RESOURCE_LINK_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LEARNER_KEY = "painkit_learner"  # the learner name the Hub chose at login, kept in its auth state
LAUNCHES_KEY = "painkit_launches"  # every graded launch of the learner, kept in the auth state
MAX_LAUNCHES = 50                  # the oldest launches beyond this many are forgotten (bounds the auth state)
# What a grade needs from a launch: who, which platform and deployment, where the score goes, which module.
_KEPT_CLAIMS = ("sub", "iss", "aud", "azp", DEPLOYMENT_CLAIM, AGS_CLAIM, CUSTOM_CLAIM, RESOURCE_LINK_CLAIM,
                CONTEXT_CLAIM, LEARNER_KEY)


class LtiError(PainkitError):
    """An LTI launch, tool configuration or grade request that cannot be used."""


@dataclass(frozen=True)
class LtiModule:
    """A gradebook column: the attempts at one ``step`` over a notebook's ``cases``."""

    id: str
    title: str
    step: str
    cases: tuple[str, ...]


# The quizzes of notebook 03 (tests/test_lti.py checks this list against the notebook).
MODULES: dict[str, LtiModule] = {
    "03_mechanisms": LtiModule("03_mechanisms", "Pain mechanisms", "mechanism",
                               ("lumbar-radiculopathy", "fibromyalgia", "phn-postherpetic")),
}


@dataclass(frozen=True)
class ModuleScore:
    """A learner's module score: the mean over the module's cases of their best score (0-100); a case
    not yet answered counts 0, so the score only rises as the learner works through the module."""

    learner: str
    module: str
    score: float
    maximum: float
    answered: int
    total: int
    last: Optional[str]  # time of the latest counted attempt (UTC ISO 8601)

    @property
    def completed(self) -> bool:
        return self.answered == self.total


def module_score(store: ProgressStore, learner: str, module: LtiModule) -> ModuleScore:
    """Score ``learner``'s attempts in ``store`` for ``module`` (best attempt per case, unanswered = 0)."""
    df = store.attempts(learner, columns=("case", "step", "score", "finished"), answers=False)
    df = df[(df["step"] == module.step) & df["case"].isin(module.cases) & df["score"].notna()]
    best = df.groupby("case")["score"].max()
    total = len(module.cases)
    score = round(float(best.sum()) / total, 2) if total else 0.0
    last = str(df["finished"].max()) if len(df) else None
    return ModuleScore(learner, module.id, score, 100.0, int(len(best)), total, last)


@dataclass(frozen=True)
class Launch:
    """What a grade request needs from one LTI launch (the id_token claims kept in the Hub's auth state)."""

    learner: str
    user_id: str
    issuer: str
    client_id: str
    deployment_id: str
    lineitem: Optional[str]
    lineitems: Optional[str]
    scopes: tuple[str, ...] = field(default=())
    module: Optional[str] = None

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any], hub_user: str = "") -> "Launch":
        """Read a launch from id_token claims; ``LtiError`` names what is missing."""
        who = hub_user or str(claims.get("sub", "?"))
        ags = claims.get(AGS_CLAIM)
        if not isinstance(ags, Mapping):
            raise LtiError(f"launch of {who}: claim {AGS_CLAIM}: missing; the LMS sends it only when the tool "
                           "is placed as a graded assignment with Assignment and Grade Services enabled")
        if not (ags.get("lineitem") or ags.get("lineitems")):
            raise LtiError(f"launch of {who}: AGS claim: neither 'lineitem' nor 'lineitems' given")
        aud = claims.get("aud")
        client_id = claims.get("azp") or (aud[0] if isinstance(aud, list) and aud else aud)
        missing = [k for k, v in (("sub", claims.get("sub")), ("iss", claims.get("iss")), ("aud", client_id),
                                  ("deployment_id", claims.get(DEPLOYMENT_CLAIM))) if not v]
        if missing:
            raise LtiError(f"launch of {who}: claims missing: {', '.join(missing)}")
        custom = claims.get(CUSTOM_CLAIM) or {}
        return cls(learner=str(claims.get(LEARNER_KEY) or hub_user or claims["sub"]), user_id=str(claims["sub"]),
                   issuer=str(claims["iss"]), client_id=str(client_id),
                   deployment_id=str(claims[DEPLOYMENT_CLAIM]), lineitem=ags.get("lineitem"),
                   lineitems=ags.get("lineitems"), scopes=tuple(ags.get("scope") or ()),
                   module=custom.get("painkit_module") if isinstance(custom, Mapping) else None)


def learner_name(claims: Mapping[str, Any], key: str = "sub") -> str:
    """The painkit learner name for a launch: claim ``key`` (``custom_X`` reads custom parameter X), else ``sub``."""
    data: Mapping[str, Any] = claims
    if key.startswith("custom_"):
        data, key = claims.get(CUSTOM_CLAIM) or {}, key[len("custom_"):]
    value = data.get(key) or claims.get("sub")
    if not value:
        raise LtiError(f"launch: claim {key!r}: missing and no 'sub' either; cannot name the learner")
    return str(value)


def launch_key(claims: Mapping[str, Any]) -> tuple[str, str, str]:
    """Which LMS link a launch came from: (issuer, deployment, resource link id; else the AGS line item)."""
    link = claims.get(RESOURCE_LINK_CLAIM)
    ags = claims.get(AGS_CLAIM)
    where = (link.get("id") if isinstance(link, Mapping) else None) or \
        (ags.get("lineitem") or ags.get("lineitems") if isinstance(ags, Mapping) else None)
    return str(claims.get("iss", "")), str(claims.get(DEPLOYMENT_CLAIM, "")), str(where or "")


def launches_of(state: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The graded launches kept in a Hub auth state; an auth state written before launches were kept (or
    with no graded launch) is its own single launch, so a missing grade claim is still reported."""
    kept = state.get(LAUNCHES_KEY)
    return list(kept) if isinstance(kept, list) and kept else [state]


def remember_launch(previous: Optional[Mapping[str, Any]], state: Mapping[str, Any]) -> dict:
    """The auth state to keep after a new launch (``state``, its claims): the same, with LAUNCHES_KEY listing
    every graded launch of the learner, i.e. those kept in the ``previous`` auth state plus this one, which
    replaces an earlier launch from the same LMS link (its line item and scopes may have changed). A launch
    without the grade claim (an ungraded placement) adds none. Oldest first, at most MAX_LAUNCHES."""
    earlier = [dict(c) for c in launches_of(previous)] if previous else []
    launches = [c for c in earlier if isinstance(c.get(AGS_CLAIM), Mapping)]
    if isinstance(state.get(AGS_CLAIM), Mapping):
        key = launch_key(state)
        launches = [c for c in launches if launch_key(c) != key]
        launches.append({k: state[k] for k in _KEPT_CLAIMS if k in state})
    return {**state, LAUNCHES_KEY: launches[-MAX_LAUNCHES:]}


def send_grade(tool_config: str | Path, launch: Launch, score: ModuleScore, module: LtiModule) -> dict:
    """Post ``score`` to the launch's line item (or the module's line item, found or created by tag) with
    ``pylti1p3``; the tool's client credentials come from the pylti1p3 JSON ``tool_config``."""
    from pylti1p3.assignments_grades import AssignmentsGradesService
    from pylti1p3.exception import LtiServiceException
    from pylti1p3.grade import Grade
    from pylti1p3.lineitem import LineItem
    from pylti1p3.service_connector import ServiceConnector
    from pylti1p3.tool_config import ToolConfJsonFile

    if SCORE_SCOPE not in launch.scopes:
        raise LtiError(f"launch of {launch.learner}: AGS scope: {SCORE_SCOPE} not granted by the platform")
    try:
        registration = ToolConfJsonFile(str(tool_config)).find_registration_by_params(launch.issuer,
                                                                                      launch.client_id)
    except Exception as exc:  # pylti1p3 raises bare Exception for configuration problems
        raise LtiError(f"{tool_config}: issuer {launch.issuer!r}, client {launch.client_id!r}: {exc}") from None
    ags = AssignmentsGradesService(ServiceConnector(registration), {
        "scope": list(launch.scopes), "lineitem": launch.lineitem, "lineitems": launch.lineitems})
    stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    grade = (Grade().set_score_given(score.score).set_score_maximum(score.maximum).set_timestamp(stamp)
             .set_activity_progress("Completed" if score.completed else "InProgress")
             .set_grading_progress("FullyGraded").set_user_id(launch.user_id)
             .set_comment(f"painkit {module.title}: {score.answered} of {score.total} cases answered"))
    lineitem = None
    if not launch.lineitem:
        lineitem = (LineItem().set_tag(module.id).set_label(module.title).set_score_maximum(score.maximum))
    try:
        return ags.put_grade(grade, lineitem)
    except LtiServiceException as exc:
        raise LtiError(f"grade of {launch.learner} for {module.id}: the platform refused it ({exc})") from None


def read_store_copy(path: str | Path, learner: str, module: LtiModule) -> ModuleScore:
    """Score a learner's store without touching it: the file and its write-ahead log are copied to a
    temporary folder first (the grade sender may run as root; it must leave no file of its own behind)."""
    path = Path(path)
    if not path.exists():
        return ModuleScore(learner, module.id, 0.0, 100.0, 0, len(module.cases), None)
    with tempfile.TemporaryDirectory(prefix="painkit-lti-") as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        with ProgressStore(copy) as store:
            return module_score(store, learner, module)


def hub_launches(api_url: str, token: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(hub user name, launch claims) of every graded launch of every Hub user whose auth state holds LTI
    claims (a user launched from two LMS links gives two)."""
    import requests

    if not api_url.startswith(("http://", "https://")):
        raise LtiError(f"Hub API address: found {api_url[:60]!r}; allowed: an http:// or https:// address such as "
                       "http://127.0.0.1:8081/hub/api")

    s = requests.Session()
    s.headers["Authorization"] = f"token {token}"

    def get(path: str) -> Any:
        r = s.get(f"{api_url.rstrip('/')}{path}", timeout=30)
        if not r.ok:
            raise LtiError(f"Hub API {path}: HTTP {r.status_code}; the token needs the scopes list:users, "
                           "read:users and admin:auth_state (the painkit-lti-grades service has them)")
        return r.json()

    for user in get("/users"):
        state = get(f"/users/{user['name']}").get("auth_state") or {}
        if AGS_CLAIM in state or "sub" in state or LAUNCHES_KEY in state:
            for claims in launches_of(state):
                yield user["name"], claims


def send_grades(tool_config: str | Path, api_url: str, token: str, stores: str,
                module: Optional[str] = None) -> list[tuple[str, str, Optional[ModuleScore], str]]:
    """Send the module score of every graded launch of every LTI learner to that launch's line item; return
    (hub user, module, score, outcome) per launch; the outcome is "sent to <line item>" or "not sent: <why>".
    ``stores`` is a path template with ``{username}`` (the Hub user) giving each learner's progress store."""
    results: list[tuple[str, str, Optional[ModuleScore], str]] = []
    for user, claims in hub_launches(api_url, token):
        try:
            launch = Launch.from_claims(claims, user)
            mod_id = module or launch.module or next(iter(MODULES))
            if mod_id not in MODULES:
                raise LtiError(f"launch of {user}: module {mod_id!r}: unknown; known: {', '.join(MODULES)}")
            mod = MODULES[mod_id]
            score = read_store_copy(stores.format(username=user), launch.learner, mod)
            send_grade(tool_config, launch, score, mod)
            results.append((user, mod_id, score, f"sent to {launch.lineitem or launch.lineitems}"))
        except LtiError as exc:
            results.append((user, module or "?", None, f"not sent: {exc}"))
    return results


# ----------------------------------------------------------------------------------------------- CLI
def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="lti_command", required=True)
    g = sub.add_parser("send-grades", help="post each LTI learner's module score to the LMS gradebook")
    g.add_argument("--tool-config", default=os.environ.get("PAINKIT_LTI_TOOL_CONFIG"),
                   help="pylti1p3 tool configuration JSON with the tool's private key file "
                        "(default: $PAINKIT_LTI_TOOL_CONFIG)")
    g.add_argument("--hub-api", default=os.environ.get("JUPYTERHUB_API_URL"),
                   help="the Hub's REST API (default: $JUPYTERHUB_API_URL)")
    g.add_argument("--stores", default=os.environ.get("PAINKIT_LTI_STORES",
                                                      "/home/jupyter-{username}/.painkit/progress.sqlite"),
                   help="each learner's progress store, {username} is the Hub user "
                        "(default: $PAINKIT_LTI_STORES, else the TLJH home layout)")
    g.add_argument("--module", choices=sorted(MODULES), help="module to grade (default: the launch's "
                   "custom parameter painkit_module, else the first module)")
    g.add_argument("--every", type=float, default=0, help="repeat every N seconds (as a Hub service)")


def cmd_lti(args: argparse.Namespace) -> int:
    """``python -m painkit lti send-grades``: module scores to the LMS (token: $JUPYTERHUB_API_TOKEN)."""
    token = os.environ.get("JUPYTERHUB_API_TOKEN")
    missing = [n for n, v in (("--tool-config", args.tool_config), ("--hub-api", args.hub_api),
                              ("$JUPYTERHUB_API_TOKEN", token)) if not v]
    if missing:
        print(f"lti send-grades: missing {', '.join(missing)}", file=sys.stderr)
        return 2
    while True:
        failed = 0
        try:
            results = send_grades(args.tool_config, args.hub_api, token, args.stores, args.module)
        except LtiError as exc:
            print(f"lti send-grades: {exc}", file=sys.stderr)
            results, failed = [], 1
        for user, mod, score, outcome in results:
            failed += not outcome.startswith("sent")
            shown = f"{score.score:g}/{score.maximum:g} ({score.answered}/{score.total} cases)" if score else "-"
            print(f"{user}\t{mod}\t{shown}\t{outcome}", flush=True)
        if not args.every:
            return 1 if failed else 0
        time.sleep(args.every)
