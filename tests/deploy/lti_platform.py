"""A test LMS on 127.0.0.1 built on the kept platform library ``lti1p3platform``: it starts the OIDC third-party
login, answers the tool's authentication request with a signed launch (id_token with an AGS claim), serves
its JWKS, issues access tokens for the client-credentials grant and records scores posted to its line items.
Each LMS link (resource link, in its own course) has its own line item, ``/lineitems/<link>``. Keys are made
here, per test; nothing leaves the machine."""
from __future__ import annotations

import json
import re
import threading
import typing as t
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.service_connector import AssignmentsGradesService

CLIENT_ID = "painkit-test-client"
DEPLOYMENT_ID = "deployment-1"
FIRST_LINK = "resource-link-1"


def rsa_pair() -> tuple[str, str]:
    """A fresh RSA key pair as PEM text (private, public)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


class _Request(Request):
    def build_metadata(self, request: dict) -> dict:
        return request


class _Platform(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: t.Any) -> None:
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        return self._registration


class _Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: t.Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url


class _Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data: dict, **kwargs: t.Any) -> str:
        inputs = "".join(f'<input type="hidden" name="{k}" value="{launch_data[k]}">' for k in ("id_token", "state"))
        return (f'<form id="launch" method="post" action="{launch_data["launch_url"]}">{inputs}</form>'
                '<script>document.getElementById("launch").submit()</script>')


class _Grades(AssignmentsGradesService):
    scores: list[dict]

    def find_lineitems(self, **kwargs: t.Any) -> dict:
        return {"content": [self.find_lineitem(self.ags.lineitem_url.rsplit("/", 1)[1])], "has_next": False,
                "next": None}

    def find_lineitem(self, line_item_id: str) -> dict:
        return {"id": self.ags.lineitem_url, "scoreMaximum": 100, "label": "Pain mechanisms"}

    def create_lineitem(self, creation_data: dict) -> dict:
        raise NotImplementedError

    def update_lineitem(self, update_data: dict) -> dict:
        raise NotImplementedError

    def delete_lineitem(self, line_item_id: str) -> None:
        raise NotImplementedError

    def update_score(self, line_item_id: str, score: dict):
        from lti1p3platform.score import UpdateScoreStatus

        self.scores.append({"lineitem": line_item_id, **score})
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id: str, **kwargs: t.Any) -> dict:
        return {"content": [], "has_next": False, "next": None}


class LmsPlatform:
    """The LMS: ``launch(session, user_id, name)`` logs a learner into the tool as a browser would."""

    def __init__(self, tool_login_url: str, tool_public_key: str, port: int):
        self.url = f"http://127.0.0.1:{port}"
        self.private_key, self.public_key = rsa_pair()
        self.scores: list[dict] = []
        self.registration = (Registration().set_iss(self.url).set_client_id(CLIENT_ID)
                             .set_deployment_id(DEPLOYMENT_ID).set_oidc_login_url(tool_login_url)
                             .set_platform_private_key(self.private_key).set_platform_public_key(self.public_key)
                             .set_tool_key_set({"keys": [Registration.get_jwk(tool_public_key)]}))
        self._users: dict[str, str] = {}  # login_hint -> display name
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: t.Any) -> None:
                pass

            def _send(self, code: int, body: str, ctype: str = "application/json") -> None:
                data = body.encode()
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _request(self, method: str) -> dict:
                u = urlparse(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = dict(parse_qsl(body)) if "form" in (self.headers.get("Content-Type") or "") else {}
                js = json.loads(body) if body and not form else None
                return {"method": method, "get_data": dict(parse_qsl(u.query)), "form_data": form,
                        "headers": dict(self.headers), "content_type": self.headers.get("Content-Type"),
                        "path": u.path, "json": js}

            def do_GET(self) -> None:
                req = self._request("GET")
                if req["path"] == "/jwks":
                    return self._send(200, json.dumps(platform._config().get_jwks()))
                if req["path"] == "/authorize":
                    return self._send(200, platform._launch_form(req), "text/html")
                self._send(404, "{}")

            def do_POST(self) -> None:
                req = self._request("POST")
                if req["path"] == "/token":
                    try:
                        return self._send(200, json.dumps(platform._config().get_access_token(req["form_data"])))
                    except Exception as exc:  # the tool's assertion was refused
                        return self._send(400, json.dumps({"error": "invalid_client", "detail": str(exc)}))
                scores = re.fullmatch(r"/lineitems/([\w-]+)/scores", req["path"])
                if scores:
                    link = scores.group(1)
                    grades = _Grades(_Request(req), platform._config(), f"{platform.url}/lineitems",
                                     platform.lineitem(link))
                    grades.scores = platform.scores
                    resp = grades.handle_resp(grades.handle_update_score, line_item_id=link)
                    return self._send(resp.code, json.dumps({"status": resp.message}))
                self._send(404, "{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _config(self) -> _Platform:
        return _Platform(registration=self.registration)

    def lineitem(self, link: str) -> str:
        """The line item (gradebook column) of an LMS link."""
        return f"{self.url}/lineitems/{link}"

    def login_url(self, user_id: str, name: str, target_link_uri: str, link: str = FIRST_LINK) -> str:
        """Step 1 of the OIDC third-party login from the LMS link ``link``: the URL the LMS sends the browser
        to (the link travels as lti_message_hint, which the tool sends back unchanged)."""
        self._users[user_id] = name
        login = _Login(_Request({}), self._config())
        login.set_lti_message_hint(hint=link)
        return login.set_launch_url(target_link_uri).prepare_preflight_url(user_id)

    def _launch_form(self, req: dict) -> str:
        """Step 3: the tool's authentication request is answered with a signed launch, posted by the browser."""
        user_id, link = req["get_data"]["login_hint"], req["get_data"]["lti_message_hint"]
        launch = _Launch(_Request(req), self._config())
        launch.set_user_data(user_id, ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
                             full_name=self._users[user_id])
        launch.set_resource_link_claim(link, title="painkit: pain mechanisms")
        launch.set_launch_context_claim(f"course-of-{link}", context_title="Pain management",
                                        context_label="PAIN101")
        launch.set_custom_parameters_claim({"painkit_module": "03_mechanisms"})
        launch.set_ags(lineitems_url=f"{self.url}/lineitems", lineitem_url=self.lineitem(link),
                       allow_creating_lineitems=False)
        return launch.lti_launch()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
