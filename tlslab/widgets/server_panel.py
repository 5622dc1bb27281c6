"""The server panel: start, stop and reload a greeting server; connect clients.

The greeting server runs in the background reactor thread and records what
happens in ``server.events``. The panel never lets that thread touch a
widget (its output would land in whichever cell happens to be running):
the event log is read and rendered on the main thread, whenever a button is
clicked or :meth:`ServerPanel.refresh` is called, and, in a Jupyter kernel,
every ``auto_refresh`` seconds by a timer on the kernel's own asyncio loop,
which runs on the main thread too.

Use from the notebook's main thread (a cell or a widget callback).
"""

from __future__ import annotations

import asyncio
from typing import Any

import ipywidgets as widgets

from ..errors import TlslabError
from ._style import badge, connection_html, esc, message_html
from .builder import CLIENT_KINDS

__all__ = ["ServerPanel"]

_OUTCOME_COLOURS = {"greeted": "#1b7f3b", "failed": "#b00020"}


class ServerPanel(widgets.VBox):
    """Buttons and a log for one greeting server, and a client to try it.

    Args:
        credentials: What the server serves (Credentials or a path); also
            what "reload" serves, so set ``panel.credentials`` and click
            reload to rotate.
        trust: What the client trusts (a CA, a certificate, a PEM path), as
            for :func:`tlslab.fetch_greeting`.
        client_credentials: Credentials the client presents when "client
            certificate" is ticked (mutual TLS).
        require_client_cert: Make the server demand client certificates
            issued by these CAs.
        profile: The server's TLS profile ("intermediate", "modern",
            "legacy-insecure").
        auto_refresh: Seconds between log refreshes while the server runs,
            when an asyncio loop runs on this thread (a Jupyter kernel);
            None to refresh only on clicks.

    Attributes:
        server: The :class:`~tlslab.server.GreetingServer`, or None when
            stopped.
        last_result: The Greeting or the exception of the last connection.
        start_button, stop_button, reload_button, refresh_button,
        connect_button, client, hostname, use_client_cert, status, event_log,
        result: The controls and outputs.
    """

    def __init__(
        self,
        credentials: Any = None,
        *,
        trust: Any = None,
        client_credentials: Any = None,
        require_client_cert: Any = None,
        profile: str = "intermediate",
        auto_refresh: float | None = 1.0,
    ) -> None:
        self.credentials = credentials
        self.auto_refresh = auto_refresh
        self._timer: asyncio.TimerHandle | None = None
        self._shown = -1
        self.trust = trust
        self.client_credentials = client_credentials
        self.require_client_cert = require_client_cert
        self.server_profile = profile
        self.server: Any = None
        self.last_result: Any = None
        self.start_button = widgets.Button(description="Start", icon="play")
        self.stop_button = widgets.Button(description="Stop", icon="stop")
        self.reload_button = widgets.Button(description="Reload", icon="refresh")
        self.refresh_button = widgets.Button(description="Refresh log", icon="list")
        self.client = widgets.Dropdown(
            options=list(CLIENT_KINDS), value="twisted", description="Client"
        )
        self.hostname = widgets.Text(value="localhost", description="Connect as")
        self.use_client_cert = widgets.Checkbox(
            value=client_credentials is not None,
            description="client certificate",
            disabled=client_credentials is None,
        )
        self.connect_button = widgets.Button(
            description="Connect", icon="plug", button_style="primary"
        )
        self.status = widgets.HTML()
        self.event_log = widgets.HTML()
        self.result = widgets.HTML()
        self.start_button.on_click(lambda _b: self.start())
        self.stop_button.on_click(lambda _b: self.stop())
        self.reload_button.on_click(lambda _b: self.reload())
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.connect_button.on_click(lambda _b: self.connect())
        buttons = widgets.HBox(
            [
                self.start_button,
                self.stop_button,
                self.reload_button,
                self.refresh_button,
            ]
        )
        client_row = widgets.HBox(
            [self.client, self.hostname, self.use_client_cert, self.connect_button]
        )
        super().__init__(
            [self.status, buttons, client_row, self.result, self.event_log]
        )
        self.refresh()

    def start(self) -> None:
        """Start the server (replacing the one this panel started before)."""
        from ..server import serve_greeting

        try:
            self.server = serve_greeting(
                self.credentials,
                require_client_cert=self.require_client_cert,
                profile=self.server_profile,
                name=("server-panel", id(self)),
            )
        except TlslabError as exc:
            self.result.value = message_html(
                f"the server did not start: {exc}", ok=False
            )
        self.refresh()
        self._schedule()

    def _schedule(self) -> None:
        """Refresh again later on this thread's asyncio loop, if one runs."""
        if self.auto_refresh is None or self._timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop here (a plain script): clicks only
            return
        self._timer = loop.call_later(self.auto_refresh, self._tick)

    def _tick(self) -> None:
        self._timer = None
        server = self.server
        if server is None:
            return
        if server.event_count != self._shown or not server.running:
            self.refresh()
        if server.running:
            self._schedule()

    def stop(self) -> None:
        """Stop the server; does nothing when it is not running."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.server is not None:
            self.server.stop()
        self.refresh()

    def reload(self, credentials: Any = None) -> None:
        """Serve ``credentials`` (default: ``self.credentials``) from now on.

        New connections get the new certificate; the port stays the same.
        """
        if credentials is not None:
            self.credentials = credentials
        if self.server is None or not self.server.running:
            self.result.value = message_html(
                "the server is not running; click Start first", ok=False
            )
        else:
            try:
                self.server.reload(self.credentials)
            except TlslabError as exc:
                self.result.value = message_html(f"reload failed: {exc}", ok=False)
            else:
                self.result.value = message_html("reloaded the credentials", ok=True)
        self.refresh()

    def connect(self) -> None:
        """Connect the chosen client and show the greeting or the failure."""
        from ..client import fetch_greeting

        if self.server is None or not self.server.running:
            self.last_result = None
            self.result.value = message_html(
                "the server is not running; click Start first", ok=False
            )
            self.refresh()
            return
        use_cert = self.use_client_cert.value and self.client_credentials is not None
        try:
            self.last_result = fetch_greeting(
                self.server,
                trust=self.trust,
                hostname=self.hostname.value.strip() or "localhost",
                via=self.client.value,
                client=self.client_credentials if use_cert else None,
            )
        except TlslabError as exc:
            self.last_result = exc
        self.result.value = connection_html(self.client.value, self.last_result)
        self.refresh()

    def refresh(self) -> None:
        """Render the status and the event log from the server's state now."""
        server = self.server
        if server is None or not server.running:
            self.status.value = f"{badge('STOPPED', '#555')} no server running"
        else:
            names = ", ".join(server.credentials.names) or "no SAN"
            self.status.value = (
                f"{badge('RUNNING', '#1b7f3b')} {esc(server.url)} serving "
                f"{esc(names)} ({esc(server.profile)} profile)"
            )
        events = list(server.events) if server is not None else []
        self._shown = server.event_count if server is not None else -1
        if not events:
            self.event_log.value = "<i>No connections yet.</i>"
            return
        rows = []
        for event in events[-50:]:
            colour = _OUTCOME_COLOURS.get(event.outcome, "#b26a00")
            tls = f"{event.tls_version or ''} {event.cipher or ''}".strip()
            reason = event.reason if event.reason != event.outcome else ""
            why = ": ".join(x for x in (reason or "", event.detail) if x)
            rows.append(
                f"<tr><td>{event.time:%H:%M:%S}</td><td>{esc(event.peer)}</td>"
                f"<td style='color:{colour};font-weight:bold'>{esc(event.outcome)}"
                f"</td><td>{esc(tls)}</td><td>{esc(event.client_subject or '')}</td>"
                f"<td>{esc(why)}</td></tr>"
            )
        self.event_log.value = (
            "<table><thead><tr><th>time</th><th>peer</th><th>outcome</th>"
            "<th>TLS</th><th>client certificate</th><th>why</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
