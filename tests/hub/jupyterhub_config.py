"""A small, local JupyterHub for trying tlslab as a class would use it.

Every user gets their own home folder and their own single-user server, on
loopback only, logged in by name with no password (``DummyAuthenticator``).
That is fine for a test or for a workshop on one trusted laptop, and nowhere
else: ``SimpleLocalProcessSpawner`` runs every user as the same system user,
so users are separated by folders and ports, not by the operating system.

Settings come from environment variables so the test (and ``make hubtest``)
can choose free ports and temporary folders:

    TLSLAB_HUB_STATE      folder for the hub's database, secret and logs
    TLSLAB_HUB_HOMES      folder holding one home per user
    TLSLAB_HUB_PORT       public port of the proxy (what browsers open)
    TLSLAB_HUB_API_PORT   port of the hub's own API, behind the proxy
    TLSLAB_PROXY_API_PORT port of the proxy's control API
    TLSLAB_HUB_PROXY      the configurable-http-proxy executable
    TLSLAB_HUB_TOKEN      API token of the "classroom" service (an admin)

Run it by hand with ``jupyterhub -f tests/hub/jupyterhub_config.py`` after
exporting those variables; ``make hubtest`` shows how.
"""

import os
import sys
from pathlib import Path

c = get_config()  # type: ignore[name-defined]  # noqa: F821  (JupyterHub's loader)

state = Path(os.environ["TLSLAB_HUB_STATE"])
homes = Path(os.environ["TLSLAB_HUB_HOMES"])
bin_dir = Path(sys.executable).parent

# Loopback only: the proxy faces users, the hub and the proxy's API stay private.
c.JupyterHub.bind_url = f"http://127.0.0.1:{os.environ['TLSLAB_HUB_PORT']}/"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{os.environ['TLSLAB_HUB_API_PORT']}"
c.ConfigurableHTTPProxy.api_url = (
    f"http://127.0.0.1:{os.environ['TLSLAB_PROXY_API_PORT']}"
)
c.ConfigurableHTTPProxy.command = [os.environ["TLSLAB_HUB_PROXY"]]
c.ConfigurableHTTPProxy.should_start = True

c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True

# Anyone may log in by name; the test creates its users through the API.
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True

# One home and one server per user; each server picks its own free port.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(homes / "{username}")
c.Spawner.cmd = [str(bin_dir / "jupyterhub-singleuser")]
c.Spawner.args = ["--ServerApp.allow_root=True"]  # CI containers run as root
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# The test drives the hub as a service holding an admin token.
c.JupyterHub.services = [
    {"name": "classroom", "api_token": os.environ["TLSLAB_HUB_TOKEN"]},
]
c.JupyterHub.load_roles = [
    {
        "name": "classroom",
        "scopes": ["admin:users", "admin:servers", "access:servers"],
        "services": ["classroom"],
    },
]
