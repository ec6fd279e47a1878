"""LTI 1.3 end to end on 127.0.0.1: a test LMS (lti1p3platform, keys made here) launches a learner into the real
JupyterHub (jupyterhub-ltiauthenticator), the learner answers a quiz of notebook 03 in their own server under
their LMS name, launches again from a second LMS link (another course, its own line item), and
``python -m painkit lti send-grades`` posts the module score to the line item of each launch (pylti1p3's
client-credentials grant)."""
from __future__ import annotations

import base64
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid

import nbformat
import pytest
import requests

from .hub import ROOT, Hub, find_chp, prestart_module
from .lti_platform import CLIENT_ID, DEPLOYMENT_ID, FIRST_LINK, LmsPlatform, rsa_pair

LMS_USER = "lms-user-7f3a"       # the platform's opaque user id (sub): the Hub user name
LMS_NAME = "Dr Amara Osei"       # the name claim: the painkit learner name (PAINKIT_LTI_LEARNER_KEY=name)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lms_and_hub(tmp_path):
    if not find_chp():
        pytest.fail("The LTI test needs configurable-http-proxy: `make test` installs it with npm into .venv/node.")
    hub_port, platform_port = _port(), _port()
    tool_private, tool_public = rsa_pair()
    (tmp_path / "tool-private.pem").write_text(tool_private)
    (tmp_path / "tool-public.pem").write_text(tool_public)
    platform = LmsPlatform(f"http://127.0.0.1:{hub_port}/hub/lti13/oauth_login", tool_public, platform_port)
    tool_config = tmp_path / "lti-tool.json"
    tool_config.write_text(json.dumps({platform.url: {
        "client_id": CLIENT_ID, "auth_login_url": f"{platform.url}/authorize",
        "auth_token_url": f"{platform.url}/token", "key_set_url": f"{platform.url}/jwks",
        "deployment_ids": [DEPLOYMENT_ID], "private_key_file": str(tmp_path / "tool-private.pem"),
        "public_key_file": str(tmp_path / "tool-public.pem")}}))
    grades_token = uuid.uuid4().hex
    cases, class_dir = tmp_path / "cases", tmp_path / "class"
    shutil.copytree(ROOT / "cases", cases)
    class_dir.mkdir()
    hub = Hub(tmp_path, hub_port, _port(), cases, class_dir, settings={
        "PAINKIT_LTI_ISSUER": platform.url, "PAINKIT_LTI_CLIENT_ID": CLIENT_ID,
        "PAINKIT_LTI_AUTHORIZE_URL": f"{platform.url}/authorize", "PAINKIT_LTI_JWKS_URL": f"{platform.url}/jwks",
        "PAINKIT_LTI_USERNAME_KEY": "sub", "PAINKIT_LTI_LEARNER_KEY": "name",
        "PAINKIT_LTI_TOOL_CONFIG": str(tool_config), "PAINKIT_LTI_GRADES_TOKEN": grades_token,
        "JUPYTERHUB_CRYPT_KEY": uuid.uuid4().hex + uuid.uuid4().hex})
    hub.grades_token, hub.tool_config, hub.homes = grades_token, tool_config, tmp_path / "homes"
    yield platform, hub
    hub.stop()
    platform.stop()


def lti_launch(platform: LmsPlatform, hub: Hub, user: str = LMS_USER, forge: bool = False,
               link: str = FIRST_LINK) -> requests.Response:
    """The browser's part: LMS link -> tool login -> LMS authorize -> launch form posted to the Hub. ``forge``
    swaps the signed token's payload for one naming another user, keeping the LMS's signature."""
    browser = requests.Session()
    page = browser.get(platform.login_url(user, LMS_NAME, f"{hub.url}/hub/home", link))
    assert page.ok, f"OIDC login / authorize failed: HTTP {page.status_code} {page.text[:200]}"
    action = re.search(r'action="([^"]+)"', page.text).group(1)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    assert action.startswith(f"{hub.url}/hub/lti13/oauth_callback") and set(fields) == {"id_token", "state"}
    if forge:
        header, payload, signature = fields["id_token"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["sub"] = "someone-else"
        payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        fields["id_token"] = ".".join((header, payload, signature))
    return browser.post(action, data=fields, allow_redirects=False)


def test_lms_launch_quiz_and_grade_return(lms_and_hub):
    platform, hub = lms_and_hub
    t0 = time.monotonic()
    forged = lti_launch(platform, hub, forge=True)
    assert forged.status_code == 400  # the signature no longer matches the LMS's JWKS: no login
    assert hub.api.get(f"{hub.url}/hub/api/users/someone-else").status_code == 404
    r = lti_launch(platform, hub)
    assert r.status_code == 302, f"launch refused by the Hub: HTTP {r.status_code} {r.text[:300]}"
    user = hub.api.get(f"{hub.url}/hub/api/users/{LMS_USER}").json()
    assert user["name"] == LMS_USER  # the LMS's sub became the Hub user

    prestart = prestart_module()
    started = prestart.start_class(prestart.HubAPI(hub.url, hub.token), [LMS_USER], timeout=180)
    assert [(r.name, r.ok) for r in started] == [(LMS_USER, True)], started
    setup = next(c.source for c in nbformat.read(ROOT / "notebooks" / "03_mechanisms.ipynb", 4).cells
                 if c.cell_type == "code")
    out = "".join(hub.run_code(LMS_USER, [
        "import os; os.chdir(os.path.expanduser('~'))",
        setup,  # notebook 03's first cell: opens the learner's progress store under $PAINKIT_LEARNER
        "print('learner', pk.progress.current_learner())",
        # the learner answers notebook 03's fibromyalgia quiz, as a click on Submit would
        "quiz = MechanismQuiz('fibromyalgia')\n"
        "quiz.select(['nociplastic'], grades={'nociplastic': 'probable'})\n"
        "print('score', quiz.submit().score)",
    ]))
    assert f"learner {LMS_NAME}" in out  # the name claim is the painkit learner
    assert "score 100.0" in out
    # the same learner launches painkit from a second course's assignment: its own line item
    second = lti_launch(platform, hub, link="resource-link-2")
    assert second.status_code == 302, f"second launch refused: HTTP {second.status_code} {second.text[:300]}"

    env = {k: v for k, v in __import__("os").environ.items() if k != "PAINKIT_HOME"}
    env["JUPYTERHUB_API_TOKEN"] = hub.grades_token
    sent = subprocess.run([sys.executable, "-m", "painkit", "lti", "send-grades", "--hub-api", f"{hub.url}/hub/api",
                           "--tool-config", str(hub.tool_config),
                           "--stores", str(hub.homes / "{username}" / ".painkit" / "progress.sqlite")],
                          env=env, capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    # one score per launch, each at its own link's line item (the first launch is not forgotten)
    assert sorted(s["lineitem"] for s in platform.scores) == [FIRST_LINK, "resource-link-2"], sent.stdout
    for score in platform.scores:
        assert score["userId"] == LMS_USER
        # module score: best score per quiz of notebook 03, unanswered quizzes count 0: (100 + 0 + 0) / 3
        assert score["scoreGiven"] == pytest.approx(100 / 3, abs=0.01)
        assert score["scoreMaximum"] == 100
        assert score["activityProgress"] == "InProgress" and score["gradingProgress"] == "FullyGraded"
    print(f"LTI test: launch, quiz and grade return in {time.monotonic() - t0:.1f} s")
