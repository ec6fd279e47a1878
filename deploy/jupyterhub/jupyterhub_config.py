"""JupyterHub configuration for a painkit workshop on one machine (The Littlest JupyterHub or a plain
JupyterHub install). See docs/deploy.md.

- one single-user server per learner, all running painkit's environment;
- a shared, read-only case folder (PAINKIT_CASES) so educators can add private cases for the session;
- a class exchange folder (PAINKIT_CLASS_DIR) where learners hand in their progress exports
  (``painkit.workshop.hand_in()``), which the facilitator reads with ``painkit.workshop.load_class()``;
- sized for a class that logs in at the same moment and stays all day (timeouts, spawn limit, Unix-socket
  kernels, idle culling), from the figures `make loadtest N=30` prints (docs/deploy.md).

Settings come from environment variables so the same file serves a test on 127.0.0.1 and a real workshop:
PAINKIT_HUB_IP, PAINKIT_HUB_PORT, PAINKIT_HUB_SPAWNER (``systemd`` for TLJH, ``simple`` for a test),
PAINKIT_HUB_AUTH (``dummy`` only for tests; use ``native``, ``github`` or your institution's OAuth),
PAINKIT_CASES, PAINKIT_CLASS_DIR, PAINKIT_HUB_HOMES, PAINKIT_HUB_SERVICE_TOKEN, PAINKIT_CHP, and for sizing
PAINKIT_HUB_HTTP_TIMEOUT, PAINKIT_HUB_START_TIMEOUT, PAINKIT_HUB_SPAWN_LIMIT, PAINKIT_HUB_MAX_SERVERS,
PAINKIT_HUB_MEM, PAINKIT_HUB_RUNTIME, PAINKIT_HUB_KERNEL_IDLE, PAINKIT_HUB_SERVER_IDLE.
"""
import importlib.util
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
if env("PAINKIT_HUB_HOMES"):
    c.SimpleLocalProcessSpawner.home_dir_template = str(Path(env("PAINKIT_HUB_HOMES")) / "{username}")

# --- A class logging in at the same moment ------------------------------------------------------------------
# A learner server costs several CPU-seconds to start, so a whole class starting together on 2 cores takes
# minutes, not JupyterHub's default 30 s (with that default 20 of 20 simultaneous starts failed). The timeouts
# leave room for the class; the spawn limit caps the starts in flight (learners past it are asked to retry in
# a few seconds; deploy/jupyterhub/prestart.py starts a class list before the session and retries for them).
c.Spawner.http_timeout = int(env("PAINKIT_HUB_HTTP_TIMEOUT", "300"))
c.Spawner.start_timeout = int(env("PAINKIT_HUB_START_TIMEOUT", "300"))
c.JupyterHub.concurrent_spawn_limit = int(env("PAINKIT_HUB_SPAWN_LIMIT", "30"))
c.JupyterHub.spawn_throttle_retry_range = (5, 15)
c.JupyterHub.active_server_limit = int(env("PAINKIT_HUB_MAX_SERVERS", "40"))
# Enforced by TLJH's systemd spawner (the simple spawner of the tests only passes it on): the server plus the
# kernels a learner keeps open between two culls, with room to spare (docs/deploy.md, "Memory").
c.Spawner.mem_limit = env("PAINKIT_HUB_MEM", "1.5G")

# Kernels talk to their server over Unix sockets, not TCP ports: dozens of kernels starting together on a busy
# CPU otherwise pick the same free port and die with "Address already in use" (jupyter_client's port race).
# A socket path must stay under ~107 bytes, so the runtime folder is short and outside $HOME.
runtime_root = Path(env("PAINKIT_HUB_RUNTIME", "/tmp/painkit-rt"))
if len(str(runtime_root)) > 40:
    raise SystemExit(f"PAINKIT_HUB_RUNTIME is {len(str(runtime_root))} characters long; kernel socket paths "
                     "would pass the 107-byte limit: use a folder of at most 40 characters, e.g. /tmp/painkit-rt")
runtime_root.mkdir(parents=True, exist_ok=True)
if runtime_root.stat().st_uid == os.geteuid():
    runtime_root.chmod(0o1777)  # each learner's server makes its own 0700 folder inside

# Idle kernels are shut down (a notebook left open since the morning), so a learner holds about two kernels
# all day; nothing is lost, since painkit's progress store saves every answer when it is given.
server_args = [
    "--KernelManager.transport=ipc",
    f"--MappingKernelManager.cull_idle_timeout={int(env('PAINKIT_HUB_KERNEL_IDLE', '2700'))}",
    "--MappingKernelManager.cull_interval=300",
    "--MappingKernelManager.cull_connected=True",
    "--MappingKernelManager.cull_busy=False",
    # a kernel starting on a busy CPU answers late; it is not dead (the default gives up after 60 s)
    "--MappingKernelManager.kernel_info_timeout=180",
]
if os.geteuid() == 0 and env("PAINKIT_HUB_SPAWNER") == "simple":
    server_args.append("--allow-root")
c.Spawner.args = server_args

class_dir = env("PAINKIT_CLASS_DIR", "/srv/painkit/class")
c.Spawner.environment = {
    "PAINKIT_CASES": env("PAINKIT_CASES", "/srv/painkit/cases"),
    "PAINKIT_CLASS_DIR": class_dir,
    "PAINKIT_LEARNER": lambda spawner: spawner.user.name,  # progress lands in each learner's ~/.painkit
    "JUPYTER_RUNTIME_DIR": lambda spawner: str(runtime_root / spawner.user.name),
}

c.JupyterHub.services = []
c.JupyterHub.load_roles = []
# A service token lets the facilitator's scripts (prestart.py) and the tests drive the Hub's REST API.
if env("PAINKIT_HUB_SERVICE_TOKEN"):
    c.JupyterHub.services.append({"name": "painkit-facilitator", "api_token": env("PAINKIT_HUB_SERVICE_TOKEN")})
    c.JupyterHub.load_roles.append({
        "name": "painkit-facilitator",
        "scopes": ["admin:users", "admin:servers", "access:servers", "read:users"],
        "services": ["painkit-facilitator"],
    })

# Servers nobody has used for a while are stopped (a learner who left at lunch and did not come back). The
# timeout is longer than the lunch break so the class does not start all over again at 13:00.
if importlib.util.find_spec("jupyterhub_idle_culler") is not None:
    c.JupyterHub.services.append({
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                    f"--timeout={int(env('PAINKIT_HUB_SERVER_IDLE', '5400'))}", "--cull-every=300"],
    })
    c.JupyterHub.load_roles.append({
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    })
else:
    print("painkit: jupyterhub-idle-culler is not installed; idle servers will not be stopped "
          "(pip install jupyterhub-idle-culler)", file=sys.stderr)

# LTI 1.3 launch from an LMS and grade return (deploy/jupyterhub/lti_config.py): only when configured.
if env("PAINKIT_LTI_ISSUER"):
    import runpy
    runpy.run_path(str(Path(__file__).with_name("lti_config.py")), init_globals={"c": c})
