"""JupyterHub configuration for a painkit workshop on one machine (The Littlest JupyterHub or a plain
JupyterHub install). See docs/deploy.md.

- one single-user server per learner, all running painkit's environment;
- a shared, read-only case folder (PAINKIT_CASES) so educators can add private cases for the session;
- a class exchange folder (PAINKIT_CLASS_DIR) where learners hand in their progress exports
  (``painkit.workshop.hand_in()``), which the facilitator reads with ``painkit.workshop.load_class()``.

Settings come from environment variables so the same file serves a test on 127.0.0.1 and a real workshop:
PAINKIT_HUB_IP, PAINKIT_HUB_PORT, PAINKIT_HUB_SPAWNER (``systemd`` for TLJH, ``simple`` for a test),
PAINKIT_HUB_AUTH (``dummy`` only for tests; use ``native``, ``github`` or your institution's OAuth),
PAINKIT_CASES, PAINKIT_CLASS_DIR, PAINKIT_HUB_HOMES, PAINKIT_HUB_SERVICE_TOKEN, PAINKIT_CHP.
"""
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

env = os.environ.get
venv_bin = Path(sys.executable).parent

c.JupyterHub.ip = env("PAINKIT_HUB_IP", "0.0.0.0")
c.JupyterHub.port = int(env("PAINKIT_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env("PAINKIT_HUB_API_PORT", "8081"))
state = Path(env("PAINKIT_HUB_STATE", "."))
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
if env("PAINKIT_CHP"):
    c.ConfigurableHTTPProxy.command = [env("PAINKIT_CHP")]

# Who may log in. "dummy" accepts any name and password: ONLY for tests on 127.0.0.1.
c.JupyterHub.authenticator_class = env("PAINKIT_HUB_AUTH", "native")
c.Authenticator.allow_all = env("PAINKIT_HUB_AUTH") == "dummy"
c.Authenticator.admin_users = set(filter(None, env("PAINKIT_HUB_ADMINS", "").split(",")))

# One server per learner, in painkit's environment, opening the start notebook.
c.JupyterHub.spawner_class = env("PAINKIT_HUB_SPAWNER", "systemd")
c.Spawner.cmd = [str(venv_bin / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/notebooks/00_start_here.ipynb"
c.Spawner.mem_limit = env("PAINKIT_HUB_MEM", "1G")  # about 30 learners per 8 GB (docs/deploy.md)
if os.geteuid() == 0 and env("PAINKIT_HUB_SPAWNER") == "simple":
    c.Spawner.args = ["--allow-root"]
if env("PAINKIT_HUB_HOMES"):
    c.SimpleLocalProcessSpawner.home_dir_template = str(Path(env("PAINKIT_HUB_HOMES")) / "{username}")

class_dir = env("PAINKIT_CLASS_DIR", "/srv/painkit/class")
c.Spawner.environment = {
    "PAINKIT_CASES": env("PAINKIT_CASES", "/srv/painkit/cases"),
    "PAINKIT_CLASS_DIR": class_dir,
    "PAINKIT_LEARNER": lambda spawner: spawner.user.name,  # progress lands in each learner's ~/.painkit
}

# A service token lets the facilitator's scripts (and the tests) drive the Hub's REST API.
if env("PAINKIT_HUB_SERVICE_TOKEN"):
    c.JupyterHub.services = [{"name": "painkit-facilitator", "api_token": env("PAINKIT_HUB_SERVICE_TOKEN")}]
    c.JupyterHub.load_roles = [{
        "name": "painkit-facilitator",
        "scopes": ["admin:users", "admin:servers", "access:servers", "read:users"],
        "services": ["painkit-facilitator"],
    }]

# LTI 1.3 launch from an LMS and grade return (deploy/jupyterhub/lti_config.py): only when configured.
if env("PAINKIT_LTI_ISSUER"):
    import runpy
    runpy.run_path(str(Path(__file__).with_name("lti_config.py")), init_globals={"c": c})
