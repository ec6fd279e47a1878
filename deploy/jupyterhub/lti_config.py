"""LTI 1.3 launch from an LMS (Canvas, Moodle) and grade return: run by jupyterhub_config.py, with its config
object ``c``, when PAINKIT_LTI_ISSUER is set. See docs/deploy.md, "Launch from an LMS (LTI 1.3)".

- The LMS is the identity provider: ``jupyterhub-ltiauthenticator``'s ``LTI13Authenticator`` takes the
  OIDC third-party login and the signed launch (id_token, checked against the platform's JWKS).
- The Hub user name is claim PAINKIT_LTI_USERNAME_KEY (default ``sub``: stable and private); the painkit
  learner name is claim PAINKIT_LTI_LEARNER_KEY (default: the same claim). It is kept in the Hub's
  encrypted auth state (``painkit_learner``) and given to the learner's server as PAINKIT_LEARNER.
- Every graded launch is kept in the auth state (``painkit_launches``, one per LMS resource link): a learner
  launched from two courses or assignments has each line item graded, not only the latest launch's.
- Grade return: with PAINKIT_LTI_TOOL_CONFIG (a pylti1p3 tool configuration JSON naming the tool's private
  key) a Hub service ``painkit-lti-grades`` may read auth states; ``python -m painkit lti send-grades``
  run with its token (PAINKIT_LTI_GRADES_TOKEN), or every PAINKIT_LTI_GRADES_EVERY seconds by the Hub
  itself, posts each learner's module score to the LMS line item.

Settings (environment): PAINKIT_LTI_ISSUER, PAINKIT_LTI_CLIENT_ID (comma-separated for several),
PAINKIT_LTI_AUTHORIZE_URL, PAINKIT_LTI_JWKS_URL, PAINKIT_LTI_USERNAME_KEY, PAINKIT_LTI_LEARNER_KEY,
PAINKIT_LTI_TOOL_CONFIG, PAINKIT_LTI_GRADES_TOKEN, PAINKIT_LTI_GRADES_EVERY, PAINKIT_LTI_STORES.
JUPYTERHUB_CRYPT_KEY must be set (``openssl rand -hex 32``): the auth state is stored encrypted.
"""
import os
import sys

from painkit.progress import learner_name, remember_launch

c = globals()["c"]  # jupyterhub_config.py's config object, so the lists below extend its own
env = os.environ.get

c.JupyterHub.authenticator_class = "ltiauthenticator.lti13.auth.LTI13Authenticator"
c.LTI13Authenticator.issuer = env("PAINKIT_LTI_ISSUER")
c.LTI13Authenticator.client_id = set(filter(None, env("PAINKIT_LTI_CLIENT_ID", "").split(",")))
c.LTI13Authenticator.authorize_url = env("PAINKIT_LTI_AUTHORIZE_URL", "")
c.LTI13Authenticator.jwks_endpoint = env("PAINKIT_LTI_JWKS_URL", "")
c.LTI13Authenticator.username_key = env("PAINKIT_LTI_USERNAME_KEY", "sub")
c.LTI13Authenticator.tool_name = "painkit"
c.LTI13Authenticator.tool_description = "Pain-management training notebooks (education only)"
c.Authenticator.allow_all = True  # the LMS decides who may launch (its course enrolment)
c.Authenticator.enable_auth_state = True  # the launch claims: identity at the LMS and the grade endpoint

LEARNER_KEY = env("PAINKIT_LTI_LEARNER_KEY") or c.LTI13Authenticator.username_key


async def keep_learner_name(authenticator, handler, authentication):
    """Record the painkit learner name, chosen from the launch claims, in the auth state, and keep this launch
    with the learner's earlier ones (the Hub replaces the whole auth state at each login)."""
    state = {**authentication["auth_state"], "painkit_learner": learner_name(authentication["auth_state"], LEARNER_KEY)}
    user = handler.find_user(authentication["name"])
    previous = await user.get_auth_state() if user is not None else None
    authentication["auth_state"] = remember_launch(previous, state)
    return authentication


def learner_environment(spawner, auth_state):
    """The learner's server writes its attempts under the LMS identity (PAINKIT_LEARNER)."""
    if auth_state and auth_state.get("painkit_learner"):
        spawner.environment = {**spawner.environment, "PAINKIT_LEARNER": auth_state["painkit_learner"]}


c.Authenticator.post_auth_hook = keep_learner_name
c.Spawner.auth_state_hook = learner_environment

# Grade return: a service allowed to read the launches (auth state) of every learner.
if env("PAINKIT_LTI_TOOL_CONFIG"):
    service = {"name": "painkit-lti-grades",
               "environment": {"PAINKIT_LTI_TOOL_CONFIG": env("PAINKIT_LTI_TOOL_CONFIG"),
                               "PAINKIT_LTI_STORES": env("PAINKIT_LTI_STORES", "")}}
    if env("PAINKIT_LTI_GRADES_TOKEN"):
        service["api_token"] = env("PAINKIT_LTI_GRADES_TOKEN")
    if env("PAINKIT_LTI_GRADES_EVERY"):
        service["command"] = [sys.executable, "-m", "painkit", "lti", "send-grades",
                              "--every", env("PAINKIT_LTI_GRADES_EVERY")]
    c.JupyterHub.services = [*c.JupyterHub.services, service] if "services" in c.JupyterHub else [service]
    c.JupyterHub.load_roles = [*(c.JupyterHub.load_roles if "load_roles" in c.JupyterHub else []), {
        "name": "painkit-lti-grades", "scopes": ["list:users", "read:users", "admin:auth_state"],
        "services": ["painkit-lti-grades"]}]
