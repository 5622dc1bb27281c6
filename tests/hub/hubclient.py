"""Run a real JupyterHub on loopback and run notebooks through its API.

A notebook runs through the hub the way a browser would run it: the
notebook is uploaded with the user server's contents API, a session starts
a kernel next to it, and each code cell is sent over the kernel's websocket
(``/user/<name>/api/kernels/<id>/channels``, behind the hub's proxy) as an
``execute_request``. Every network wait has a bound.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from network_helpers import free_port
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "jupyterhub_config.py"
ROOT = HERE.parents[1]
#: Where ``make hub-proxy`` installs configurable-http-proxy from npm.
LOCAL_PROXY = ROOT / ".venv-node" / "node_modules" / ".bin" / "configurable-http-proxy"


def find_proxy() -> str | None:
    """The configurable-http-proxy executable: the project's own, or on PATH."""
    if LOCAL_PROXY.exists():
        return str(LOCAL_PROXY)
    from shutil import which

    return which("configurable-http-proxy")


@dataclass
class Hub:
    """A running JupyterHub child process and a service token to drive it."""

    process: subprocess.Popen[bytes]
    url: str
    token: str
    homes: Path
    log: Path
    users: list[str] = field(default_factory=list)

    def api(self, method: str, path: str, body: Any = None, timeout: float = 30) -> Any:
        """Call the hub's REST API (``/hub/api/...``) and decode its JSON reply."""
        return self.request(method, f"hub/api/{path}", body, timeout)

    def request(
        self, method: str, path: str, body: Any = None, timeout: float = 30
    ) -> Any:
        """Call any address behind the proxy with the service token."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"token {self.token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            raw = reply.read()
        return json.loads(raw) if raw else None

    def log_tail(self, lines: int = 60) -> str:
        """The end of the hub's log, for failure messages."""
        text = self.log.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def start_server(self, name: str, timeout: float = 120) -> dict[str, Any]:
        """Create user ``name``, start their server and wait until it is ready.

        Raises:
            TimeoutError: the server was not ready in ``timeout`` seconds.
        """
        self.api("POST", f"users/{name}")
        self.users.append(name)
        self.api("POST", f"users/{name}/server")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.api("GET", f"users/{name}")
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return server
            time.sleep(0.5)
        raise TimeoutError(f"{name}'s server not ready:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the hub; it stops the proxy and the users' servers with it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_hub(state: Path, proxy: str, timeout: float = 90) -> Hub:
    """Start JupyterHub with tests/hub/jupyterhub_config.py on free ports.

    Raises:
        RuntimeError: the hub exited or did not answer in ``timeout`` seconds.
    """
    homes = state / "homes"
    homes.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(32)
    # The proxy cannot be told to pick its own port, so there is a short window
    # in which another program could take one of these; the hub then fails to
    # start and says so in its log.
    port = free_port()
    env = dict(os.environ)
    env.update(
        TLSLAB_HUB_STATE=str(state),
        TLSLAB_HUB_HOMES=str(homes),
        TLSLAB_HUB_PORT=str(port),
        TLSLAB_HUB_API_PORT=str(free_port()),
        TLSLAB_PROXY_API_PORT=str(free_port()),
        TLSLAB_HUB_PROXY=proxy,
        TLSLAB_HUB_TOKEN=token,
    )
    log = state / "jupyterhub.log"
    command = [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=state, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    hub = Hub(process, f"http://127.0.0.1:{port}/", token, homes, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            hub.api("GET", "", timeout=5)
            return hub
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    hub.stop()
    raise RuntimeError(f"JupyterHub did not start:\n{hub.log_tail()}")


@dataclass
class CellRun:
    """What one code cell did: its reply status and everything it showed."""

    source: str
    status: str
    text: str
    expected_error: bool


def _message(code: str, session: str) -> dict[str, Any]:
    """An ``execute_request`` in the kernel websocket's JSON form."""
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": "execute_request",
            "session": session,
            "username": "classroom",
            "version": "5.3",
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
        "parent_header": {},
        "metadata": {},
        "channel": "shell",
        "buffers": [],
        "content": {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
    }


def _shown(message: dict[str, Any]) -> str:
    """The text an iopub message puts in front of the learner, if any."""
    kind, content = message["msg_type"], message["content"]
    if kind == "stream":
        return content["text"]
    if kind in ("execute_result", "display_data"):
        data = content.get("data", {})
        return str(data.get("text/plain", "")) + str(data.get("text/html", ""))
    if kind == "error":
        return f"{content['ename']}: {content['evalue']}\n"
    return ""


async def _run_cells(
    url: str, token: str, cells: list[tuple[str, bool]], timeout: float
) -> list[CellRun]:
    """Send each cell to the kernel at websocket ``url``; stop at an error.

    Each cell, with everything it shows, must finish within ``timeout`` seconds.
    """
    loop = asyncio.get_running_loop()
    request = HTTPRequest(url, headers={"Authorization": f"token {token}"})
    connection = await asyncio.wait_for(websocket_connect(request), timeout)
    session = uuid.uuid4().hex
    runs = []
    try:
        for source, expected_error in cells:
            message = _message(source, session)
            await connection.write_message(json.dumps(message))
            msg_id, text, status, idle = message["header"]["msg_id"], [], None, False
            deadline = loop.time() + timeout
            while status is None or not idle:
                left = deadline - loop.time()
                raw = await asyncio.wait_for(connection.read_message(), left)
                if raw is None:
                    raise ConnectionError(f"kernel websocket closed: {url}")
                reply = json.loads(raw)
                if reply.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if reply["msg_type"] == "execute_reply":
                    status = reply["content"]["status"]
                elif reply["msg_type"] == "status":
                    idle = reply["content"]["execution_state"] == "idle"
                text.append(_shown(reply))
            runs.append(CellRun(source, status, "".join(text), expected_error))
            if status != "ok" and not expected_error:
                break
    finally:
        connection.close()
    return runs


def run_notebook(
    hub: Hub, user: str, notebook: Path, cell_timeout: float = 120
) -> list[CellRun]:
    """Upload ``notebook`` to ``user``'s server and run it cell by cell there.

    Returns:
        One entry per code cell that ran; the run stops at the first error
        in a cell not tagged ``raises-exception``.
    """
    base = f"user/{user}/api"
    model = json.loads(notebook.read_text(encoding="utf-8"))
    hub.request(
        "PUT",
        f"{base}/contents/{notebook.name}",
        {"type": "notebook", "format": "json", "content": model},
    )
    session = hub.request(
        "POST",
        f"{base}/sessions",
        {"path": notebook.name, "type": "notebook", "kernel": {"name": "python3"}},
    )
    kernel = session["kernel"]["id"]
    nb = nbformat.reads(json.dumps(model), as_version=4)
    cells = [
        (cell.source, "raises-exception" in cell.metadata.get("tags", []))
        for cell in nb.cells
        if cell.cell_type == "code"
    ]
    ws_url = hub.url.replace("http://", "ws://") + f"{base}/kernels/{kernel}/channels"
    try:
        return asyncio.run(_run_cells(ws_url, hub.token, cells, cell_timeout))
    finally:
        hub.request("DELETE", f"{base}/sessions/{session['id']}")
